//! One shard: a pinned thread running a glommio executor, its own listeners and its own
//! private service, from startup to drained shutdown.

use std::os::fd::AsRawFd;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_lite::FutureExt;
use glommio::timer::Timer;
use glommio::{LocalExecutorBuilder, Placement, PoolPlacement};
use socket2::Socket;

use crate::accept::Acceptor;
use crate::config::ServerConfig;
use crate::conn;
use crate::context::{Entered, ShardContext};
use crate::error::{Error, Result};
use crate::handle::Shared;
use crate::ioloop::BlockingPool;
use crate::launch::Ready;
use crate::mesh::{Member, Mesh};
use crate::metrics::Metrics;
use crate::ring::Ring;
use crate::service::{MakeService, Service, ShardInfo};
use crate::sock::Sock;
use crate::state::ShardState;

/// How long glommio lets a busy shard's tasks run before it looks at its reactor, which is
/// when its timers are checked. The shard's driver is always runnable under load, so with
/// glommio's default (100 ms) a handler's 300 ms sleep beside four busy clients took 400 ms;
/// with 1 ms, 301.5 ms (`tests/latency.rs`). It also cut the syscalls per request at
/// `wrk -c64` from 0.77 to 0.24 (hello_service, two alternated runs each).
const PREEMPT: Duration = Duration::from_millis(1);

/// Everything a shard thread needs, moved onto it.
pub(crate) struct ShardPlan<M> {
    pub info: ShardInfo,
    pub listeners: Vec<Socket>,
    pub make: Arc<M>,
    pub config: Arc<ServerConfig>,
    pub shared: Arc<Shared>,
    pub mesh: Arc<Mesh>,
    pub metrics: Arc<Metrics>,
}

/// Runs a shard on the calling thread until it stops; `ready` hears once the shard accepts
/// connections. An error before that is why it could not start.
pub(crate) fn run<M: MakeService>(plan: ShardPlan<M>, ready: &Ready) -> Result<()> {
    let ShardPlan {
        info,
        listeners,
        make,
        config,
        shared,
        mesh,
        metrics,
    } = plan;
    let shard_error = |reason: String| Error::Shard {
        shard: info.id,
        reason,
    };
    let fail = |err: Error, listeners: Vec<Socket>| {
        drop(listeners);
        Err(err)
    };
    // The blocking pool's threads (`IoLoop::run_in_executor`) inherit this thread's CPU
    // mask: start them before pinning, so they may run on every CPU the process may use
    // instead of competing with their own shard for its one CPU.
    let pool =
        match BlockingPool::start(&format!("typhoon-blk-{}", info.id), config.blocking_threads) {
            Ok(pool) => Rc::new(pool),
            Err(e) => {
                return fail(
                    shard_error(format!("could not start its blocking pool: {e}")),
                    listeners,
                )
            }
        };
    // Leaves the mesh (closing its inbox) after the executor below has ended, however.
    let (member, _leave) = Member::join(mesh, info.id);
    // For the thread's whole life as this shard: services built below may ask too.
    let _entered = Entered::new(ShardContext {
        info,
        shared: shared.clone(),
        mesh: member.clone(),
        pool,
    });
    // glommio's own helper threads (its file-I/O pool, which we do not use) are named
    // after the thread that makes the executor: rename around their birth so `top -H` and
    // /proc tell the shard from its helpers.
    set_thread_name(&format!("typhoon-io-{}", info.id));
    let executor = LocalExecutorBuilder::new(Placement::Unbound)
        .name(&format!("typhoon-shard-{}", info.id))
        .io_memory(config.io_memory)
        .preempt_timer(PREEMPT)
        .blocking_thread_pool_placement(PoolPlacement::Unbound(1))
        .make();
    set_thread_name(&format!("typhoon-shard-{}", info.id));
    let executor = match executor {
        Ok(executor) => executor,
        Err(e) => {
            return fail(
                executor_error(&e.to_string(), config.io_memory, info),
                listeners,
            )
        }
    };
    if config.pin && !crate::cpus::pin_current_thread(info.cpu) {
        return fail(
            shard_error(format!("the kernel refused to pin it to CPU {}", info.cpu)),
            listeners,
        );
    }
    let idle_spin = config.idle_spin;
    let state = Rc::new(ShardState::new(info, config, metrics.clone()));
    let connections = state.clone();
    let ran = catch_unwind(AssertUnwindSafe(|| {
        executor.run(async move {
        let ring = match Ring::new(metrics.shard(info.id), idle_spin) {
            Ok(ring) => ring,
            Err(e) => {
                return Err(Error::Shard {
                    shard: info.id,
                    reason: format!("could not set up its io_uring (Linux 6.1 or newer is needed): {e}"),
                });
            }
        };
        // Before any accept is armed on them: see `doorbell` on the order of wait entries.
        for socket in &listeners {
            if let Err(e) = ring.doorbell().watch_listener(socket.as_raw_fd()) {
                return Err(Error::Shard {
                    shard: info.id,
                    reason: format!("could not watch its listener for wakeups (epoll): {e}"),
                });
            }
        }
        glommio::spawn_local(ring.clone().drive()).detach();
        // Other shards wake the inbox task: through the mailbox, at once.
        crate::task::spawn(crate::afar::from_afar(member.serve())).detach();
        let service = Rc::new(make.make_service(&info));
        let mut addrs = Vec::new();
        let mut accepting = Vec::new();
        for socket in listeners {
            addrs.push(socket.local_addr().ok().and_then(|a| a.as_socket()));
            accepting.push(Rc::new(Acceptor::new(ring.clone(), socket)));
        }
        let addrs: Vec<String> = addrs.into_iter().flatten().map(|a| a.to_string()).collect();
        if state.config.pin {
            log::info!("shard {} on CPU {} listening on {}", info.id, info.cpu, addrs.join(", "));
        } else {
            log::info!("shard {} (not pinned) listening on {}", info.id, addrs.join(", "));
        }
        ready.started();
        crate::task::spawn(tick_date(state.clone())).detach();
        crate::task::spawn(sweep_deadlines(state.clone())).detach();
        let loops: Vec<_> = accepting
            .iter()
            .map(|a| crate::task::spawn(accept_loop(a.clone(), ring.clone(), service.clone(), state.clone(), shared.clone())))
            .collect();
        for accept in loops {
            accept.await;
        }
        for acceptor in accepting {
            if let Ok(acceptor) = Rc::try_unwrap(acceptor) {
                acceptor.close().await;
            }
        }
        state.begin_stop(shared.handed_over().then_some(crate::takeover::IDLE_GRACE));
        let deadline = state.config.shutdown_timeout;
        let left = async {
            Timer::new(deadline).await;
            state.live()
        };
        let left = async {
            state.drained().await;
            0
        }
        .or(left)
        .await;
        if left > 0 {
            log::warn!("shard {}: shutdown deadline passed with {left} connection(s) still open; closing them", info.id);
        } else {
            log::debug!("shard {} stopped", info.id);
        }
        Ok(())
    })
    }));
    ran.unwrap_or_else(|panic| {
        // A task's panic unwound out of the executor: the shard's tasks are gone without
        // running their ends, connections included, whose clients would wait forever on
        // sockets nobody serves. End them now, then let the keeper (`supervise`) see the
        // panic.
        connections.abandon();
        resume_unwind(panic)
    })
}

/// Accepts connections until the server stops; each becomes a task on this shard.
async fn accept_loop<S: Service>(
    acceptor: Rc<Acceptor>,
    ring: Rc<Ring>,
    service: Rc<S>,
    state: Rc<ShardState>,
    shared: Arc<Shared>,
) {
    // The stop request comes from another thread: through the shard's mailbox.
    let mut stopped = pin!(crate::afar::from_afar(async {
        shared.until_stopped().await
    }));
    loop {
        let accepted = async { Some(acceptor.accept().await) }
            .or(async {
                stopped.as_mut().await;
                None
            })
            .await;
        match accepted {
            None => return,
            Some(Ok(fd)) => {
                let sock = match Sock::new(ring.clone(), fd) {
                    Ok(sock) => sock,
                    Err(e) => {
                        log::warn!("shard {}: connection refused: could not watch it for wakeups (epoll): {e}", state.info.id);
                        continue;
                    }
                };
                // Responses are written whole, one send per batch; Nagle would only delay them.
                let _ = socket2::SockRef::from(&sock).set_nodelay(true);
                crate::task::spawn(conn::serve(sock, service.clone(), state.clone())).detach();
                // A connection taken as the stop came is still served (drained with
                // `Connection: close`), never dropped unanswered.
                if shared.stop_requested() {
                    return;
                }
            }
            Some(Err(e)) => {
                // Out of fds or memory, or a connection reset before accept: keep serving, but
                // pause so a persistent condition does not spin the shard.
                log::warn!("shard {}: accept failed: {e}", state.info.id);
                Timer::new(Duration::from_millis(10)).await;
            }
        }
    }
}

/// Refreshes the shard's Date header cache at each whole second.
async fn tick_date(state: Rc<ShardState>) {
    while !state.stopping() {
        let now = SystemTime::now();
        let into_second = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Timer::new(Duration::from_nanos(1_000_000_000 - u64::from(into_second))).await;
        state.set_date(SystemTime::now());
    }
}

/// Ends connection waits whose deadline passed, every `sweep_period`, until the shard's
/// executor ends (draining connections still need their deadlines).
///
/// The connections due are woken a few at a time, with a turn of the shard between: a
/// slowloris attack makes dozens due in one sweep, and each answers 408 and closes, which
/// when all were woken at once held normal clients' requests back for milliseconds.
async fn sweep_deadlines(state: Rc<ShardState>) {
    const EXPIRE_PER_TURN: usize = 4;
    let period = state.sweep_period();
    loop {
        Timer::new(period).await;
        let now = Instant::now();
        for few in state.due(now).chunks(EXPIRE_PER_TURN) {
            for sock in few {
                sock.expire_if_due(now);
            }
            futures_lite::future::yield_now().await;
        }
    }
}

/// Sets the calling thread's kernel name (`comm`, at most 15 bytes).
fn set_thread_name(name: &str) {
    let mut bytes = [0u8; 16];
    let len = name.len().min(15);
    bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes.
    unsafe { libc::prctl(libc::PR_SET_NAME, bytes.as_ptr()) };
}

/// Turns glommio's executor-creation failure into an operator sentence.
fn executor_error(message: &str, io_memory: usize, info: ShardInfo) -> Error {
    if let Some(rest) = message.split("MemLockLimit(").nth(1) {
        let mut numbers = rest
            .trim_end_matches(')')
            .split('/')
            .map(|n| n.trim().parse::<u64>().unwrap_or(0));
        let limit = numbers.next().unwrap_or(0);
        let needed = numbers.next().unwrap_or(512 * 1024).max(io_memory as u64);
        return Error::MemLock {
            limit_kib: limit / 1024,
            needed_kib: needed / 1024,
            suggest_kib: (needed * info.shards as u64).max(8192 * 1024) / 1024,
        };
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("function not implemented")
        || lower.contains("operation not permitted")
        || lower.contains("enosys")
    {
        return Error::IoUringUnavailable(message.to_owned());
    }
    Error::Shard {
        shard: info.id,
        reason: format!("could not create its io_uring executor: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memlock_message_names_the_fix() {
        let err = executor_error(
            "IO error occurred: MemLockLimit(65536/524288)",
            512 * 1024,
            shard(0, 2),
        );
        let text = err.to_string();
        assert!(text.contains("limit is 64 KiB"), "{text}");
        assert!(text.contains("ulimit -l"), "{text}");
    }

    #[test]
    fn missing_io_uring_is_named() {
        let err = executor_error("Function not implemented (os error 38)", 0, shard(0, 1));
        assert!(matches!(err, Error::IoUringUnavailable(_)), "{err}");
        assert!(err.to_string().contains("Linux 6.1"), "{err}");
    }

    #[test]
    fn another_failure_names_the_shard_it_happened_on() {
        let err = executor_error("Too many open files (os error 24)", 0, shard(3, 4));
        assert!(matches!(err, Error::Shard { shard: 3, .. }), "{err}");
    }

    fn shard(id: usize, shards: usize) -> ShardInfo {
        ShardInfo {
            id,
            shards,
            cpu: id,
        }
    }
}
