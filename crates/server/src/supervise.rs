//! Shard supervision: a shard that dies while its server runs is started again, with the same id, CPU and listening sockets, within the server's restart budget.
//!
//! Each shard has a keeper thread (`typhoon-keep-K`, idle but for this) that starts the
//! shard's thread and waits for it. When that thread ends by a panic (a task of the shard
//! panicked and glommio let it unwind out of the executor, or the executor itself failed)
//! or with an error, and the server is not stopping, the keeper takes one restart from the
//! server's budget ([`ServerConfig::max_restarts`], counted over every shard, as Tornado
//! counts its children's), logs it at ERROR and starts a new shard thread: a fresh copy of
//! the application (the `MakeService` makes it, as at start), the same `ShardInfo` and pin,
//! and duplicates of the same listening sockets. The keeper holds its own duplicates of
//! them meanwhile, so the sockets never close: connections that arrive while the shard is
//! down wait in its accept queue and are taken by the new shard, never reset. Past the
//! budget the keeper stops the whole server gracefully and reports
//! [`Error::TooManyRestarts`], which `wait` (and `IoLoop::start`) returns.
//!
//! What a dead shard leaves behind: its connections' tasks go with its executor, and its
//! mesh inbox is closed when its thread unwinds (`mesh::member::Leave`), so `submit_to` and
//! `Bus::publish` aimed at it meanwhile fail at once or skip it; the new shard reopens the
//! inbox when it joins the mesh (`Member::join`). Wakes other threads still hold for the
//! dead shard's tasks go to its old mailbox, which nobody reads: lost, never blocking.
//!
//! What it leaks: glommio cannot drop the tasks of an executor a panic unwound out of
//! (they reference each other, and only their own executor may destroy them), so each
//! death leaves their memory and descriptors until the process exits: about 6 descriptors
//! (the rings, the shard's copy of the listening sockets), one per connection it held
//! (`ShardState::abandon` shuts those down so their clients see the end at once), and
//! about 275 KiB of memory with `io_memory` at 64 KiB, 60 KiB of it pinned io_uring
//! memory (about 310 KiB pinned at the default 512 KiB), measured over 40 restarts. The
//! restart budget bounds the total. The shard's blocking-pool threads do end.
//!
//! [`ServerConfig::max_restarts`]: crate::ServerConfig::max_restarts

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;

use futures_channel::oneshot;
use futures_lite::FutureExt;
use socket2::Socket;

use crate::error::{Error, Result};
use crate::launch::{panic_text, Ready, ShardExit};
use crate::service::MakeService;
use crate::shard::{self, ShardPlan};

/// A keeper only waits: it needs little stack.
const KEEPER_STACK: usize = 256 << 10;

/// The restarts of one server's shards, counted over all of them.
#[derive(Debug, Default)]
pub(crate) struct Restarts {
    count: AtomicUsize,
}

impl Restarts {
    /// Restarts so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Counts one more: `Ok(n)` while `n <= max`, `Err(n)` past the budget.
    fn take(&self, max: usize) -> Result<usize, usize> {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        if n > max {
            Err(n)
        } else {
            Ok(n)
        }
    }
}

/// How a shard thread ended badly.
enum Death {
    Panicked(String),
    Failed(Error),
}

impl Death {
    /// What happened, as the end of "shard K …".
    fn how(&self) -> String {
        match self {
            Death::Panicked(message) => format!("panicked: {message}"),
            Death::Failed(Error::Shard { reason, .. }) => format!("failed: {reason}"),
            Death::Failed(e) => format!("failed: {e}"),
        }
    }

    /// The error a shard that is not restarted reports (as before supervision).
    fn into_error(self, shard: usize) -> Error {
        match self {
            Death::Panicked(message) => Error::Shard {
                shard,
                reason: format!("it panicked: {message}"),
            },
            Death::Failed(e) => e,
        }
    }
}

/// Starts shard `plan.info.id`'s keeper thread, which runs the shard and restarts it when it
/// dies (see the module docs). The first run tells `ready` whether it started; every end
/// after that is reported once on `exits`, when the shard is not restarted.
pub(crate) fn spawn_keeper<M: MakeService>(
    plan: ShardPlan<M>,
    ready: Sender<(usize, Result<()>)>,
    exits: Sender<ShardExit>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let id = plan.info.id;
    std::thread::Builder::new()
        .name(format!("typhoon-keep-{id}"))
        .stack_size(KEEPER_STACK)
        .spawn(move || {
            let exit = keep(plan, &ready);
            if let Some(result) = exit {
                let _ = exits.send(ShardExit { shard: id, result });
            }
        })
}

/// Runs the shard until it ends for good; `None` when its first run could not start (told
/// to `ready`, which `launch` turns into its error).
fn keep<M: MakeService>(
    plan: ShardPlan<M>,
    ready: &Sender<(usize, Result<()>)>,
) -> Option<Result<()>> {
    let ShardPlan {
        info,
        listeners,
        make,
        config,
        shared,
        mesh,
        metrics,
    } = plan;
    let id = info.id;
    let max = config
        .max_restarts
        .unwrap_or(crate::process::DEFAULT_MAX_RESTARTS);
    // The keeper's duplicates: the sockets stay open while the shard is down.
    let mut kept = Some(listeners);
    // `launch` waits to hear whether the first life started.
    let mut launching = true;
    loop {
        let plan = kept
            .as_deref()
            .map_or(Ok(Vec::new()), duplicate)
            .map(|listeners| ShardPlan {
                info,
                listeners,
                make: make.clone(),
                config: config.clone(),
                shared: shared.clone(),
                mesh: mesh.clone(),
                metrics: metrics.clone(),
            })
            .map_err(|source| Error::Io {
                context: "cannot duplicate a shard's listening sockets to start it",
                source,
            });
        let life = plan.and_then(|plan| {
            run_once(plan, ready.clone(), &mut kept).map_err(|source| Error::Io {
                context: "cannot spawn a shard thread",
                source,
            })
        });
        let (started, death) = match life {
            Ok(life) => life,
            Err(err) => (false, Some(Death::Failed(err))),
        };
        let Some(death) = death else {
            return Some(Ok(()));
        };
        if launching && !started {
            // It never served: a startup failure, which `launch` reports.
            return match ready.send((id, Err(death.into_error(id)))) {
                Ok(()) => None,
                Err(std::sync::mpsc::SendError((_, result))) => Some(result),
            };
        }
        launching = false;
        if shared.stop_requested() {
            // Dying while the server stops is not restarted: it is reported as before.
            return Some(Err(death.into_error(id)));
        }
        match shared.restarts.take(max) {
            Ok(n) => log::error!(
                "shard {id} died: it {}; restarting it ({n} of {max} restarts)",
                death.how()
            ),
            Err(n) => {
                let err = Error::TooManyRestarts {
                    what: "shard",
                    restarts: n,
                    max_restarts: max,
                    task_id: id,
                    pid: std::process::id() as i32,
                    how: death.how(),
                };
                log::error!(
                    "shard {id} died: it {}; not restarting it: restart {n} would pass \
                     max_restarts ({max}), so the server stops",
                    death.how()
                );
                shared.stop();
                return Some(Err(err));
            }
        }
    }
}

/// Runs one life of the shard on a thread of its own and waits for its end: whether it
/// said it started, and how it died (`None`: it stopped normally). Once the server stops,
/// the keeper lets go of its duplicate sockets (`kept`), so they close with the shard's
/// own, as they did before supervision: nobody will accept on them again.
fn run_once<M: MakeService>(
    plan: ShardPlan<M>,
    ready: Sender<(usize, Result<()>)>,
    kept: &mut Option<Vec<Socket>>,
) -> std::io::Result<(bool, Option<Death>)> {
    let id = plan.info.id;
    let shared = plan.shared.clone();
    let (done_tx, mut done) = oneshot::channel::<(bool, Option<Death>)>();
    let thread = std::thread::Builder::new()
        .name(format!("typhoon-shard-{id}"))
        .spawn(move || {
            let ready = Ready {
                shard: id,
                tx: ready,
                sent: Cell::new(false),
            };
            let death = match catch_unwind(AssertUnwindSafe(|| shard::run(plan, &ready))) {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(Death::Failed(e)),
                Err(panic) => Some(Death::Panicked(panic_text(panic.as_ref()).to_owned())),
            };
            let _ = done_tx.send((ready.sent.get(), death));
        })?;
    let ended = futures_lite::future::block_on(async { Some((&mut done).await) }.or(async {
        shared.until_stopped().await;
        None
    }));
    let ended = match ended {
        Some(ended) => ended,
        None => {
            *kept = None;
            futures_lite::future::block_on(&mut done)
        }
    };
    let _ = thread.join();
    // The thread always sends before it ends; were it to vanish, that is a death too.
    Ok(ended.unwrap_or_else(|_| (true, Some(Death::Panicked("its thread vanished".into())))))
}

/// Duplicates of `sockets` (same open sockets, new descriptors) for one life of the shard.
fn duplicate(sockets: &[Socket]) -> std::io::Result<Vec<Socket>> {
    sockets.iter().map(Socket::try_clone).collect()
}
