//! Tornado's `tornado.process`: [`fork_processes`] (N supervised child processes sharing what the parent bound) and [`task_id`].
//!
//! This is the fork model, kept for comparison with the shards and for users who want
//! process isolation. The parent forks the children, then only supervises them: it waits
//! for each to end (`waitpid`), forks a failed one again with the same task id, and passes
//! SIGINT/SIGTERM on to them. Unlike Tornado's parent, which installs no signal handlers
//! (SIGTERM to it orphans the children), this one stops them gracefully and waits for
//! them; each child also gets SIGTERM if the parent dies (`PR_SET_PDEATHSIG`) and runs in
//! a process group of its own, so a terminal's Ctrl-C reaches it once, through the parent.

mod supervisor;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::cpus::allowed_cpus;
use crate::error::{Error, Result};
use supervisor::{Ended, Next, Supervisor};

/// Tornado's default restart budget (`max_restarts=None`).
pub const DEFAULT_MAX_RESTARTS: usize = 100;

/// The task id of this process; `usize::MAX` where `fork_processes` did not make it.
static TASK_ID: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The task id `fork_processes` gave this child process (0..n), or `None` in a process it
/// did not fork (the parent, or a program that never forks): Tornado's `task_id()`.
///
/// # Examples
///
/// ```
/// assert_eq!(typhoon_server::process::task_id(), None);
/// ```
pub fn task_id() -> Option<usize> {
    match TASK_ID.load(Ordering::Relaxed) {
        usize::MAX => None,
        id => Some(id),
    }
}

/// Forks `n` child processes and returns, in each child, its task id (0..n); `0` means one
/// per CPU this process may run on. Tornado's `fork_processes(num_processes,
/// max_restarts)`: the parent never returns a task id. It supervises: a child killed by a
/// signal or exiting non-zero is forked again with the same task id (each restart is
/// logged with the task id and the pid), one exiting 0 is not, and once every child has
/// exited 0 the parent exits 0. `max_restarts` (`None`: 100) bounds the restarts of all
/// children together; passing it stops the others and returns
/// [`Error::TooManyRestarts`]. SIGINT and SIGTERM to the parent are passed on to the
/// children, which stop gracefully; the parent then exits 0.
///
/// Bind the listening sockets before calling it: the children inherit them and all accept
/// from them, as in Tornado (`bind_sockets` → `fork_processes` → serve).
///
/// # Errors
///
/// [`Error::Usage`] when the process already has more than one thread (call it first in
/// `main`: a forked child would hold only the calling thread, with whatever locks the
/// others held); [`Error::Io`] when a fork fails; in the parent, [`Error::TooManyRestarts`]
/// and [`Error::ChildFailed`] (a child that ended badly while stopping).
///
/// # Examples
///
/// ```no_run
/// use typhoon_server::process::{fork_processes, task_id};
///
/// fn main() -> typhoon_server::Result<()> {
///     let sockets = typhoon_server::bind_sockets(8888, "", 1024)?;
///     let id = fork_processes(0, None)?; // only the children get here
///     assert_eq!(task_id(), Some(id));
///     # drop(sockets);
///     // ... serve `sockets` on one shard: HttpServer::start_processes does all of this.
///     Ok(())
/// }
/// ```
pub fn fork_processes(n: usize, max_restarts: Option<usize>) -> Result<usize> {
    match threads() {
        Ok(1) => {}
        Ok(_) => {
            return Err(Error::Usage(
                "fork_processes() must be called while the process has a single thread \
                 (a forked child keeps only the calling thread): call it first in main, \
                 before start(), start_background() or anything else that starts threads",
            ))
        }
        Err(source) => {
            return Err(Error::Io {
                context: "cannot count this process's threads in /proc/self/task",
                source,
            })
        }
    }
    let n = match n {
        0 => allowed_cpus()
            .map_err(|source| Error::Io {
                context: "cannot read the CPU affinity mask",
                source,
            })?
            .len(),
        n => n,
    };
    log::info!("Starting {n} processes");
    let signals = Signals::block()?;
    let mut sup = Supervisor::new(n, max_restarts.unwrap_or(DEFAULT_MAX_RESTARTS));
    let mut next = Next::Wait;
    for id in 0..n {
        match fork_child(id, &signals) {
            Ok(None) => return Ok(id),
            Ok(Some(pid)) => sup.started(id, pid),
            Err(err) => {
                next = sup.fail(err);
                break;
            }
        }
    }
    loop {
        match next {
            Next::Wait => {}
            Next::Restart(id) => match fork_child(id, &signals) {
                Ok(None) => return Ok(id),
                Ok(Some(pid)) => sup.started(id, pid),
                Err(err) => {
                    next = sup.fail(err);
                    continue;
                }
            },
            Next::Signal(signal) => {
                for pid in sup.live() {
                    // SAFETY: kill has no memory effects; `pid` is our own live child.
                    unsafe { libc::kill(pid, signal) };
                }
            }
            Next::Done(Ok(())) => {
                log::info!("every child has exited: exiting");
                std::process::exit(0);
            }
            Next::Done(Err(err)) => {
                signals.restore();
                return Err(err);
            }
        }
        next = next_event(&mut sup, &signals);
    }
}

/// The threads of this process, from `/proc/self/task`.
fn threads() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}

/// SIGINT, SIGTERM and SIGCHLD blocked in the parent, which takes them with
/// `sigtimedwait`: no handler, and no signal lost between two waits.
struct Signals {
    set: libc::sigset_t,
    /// The mask before: the children get it back.
    old: libc::sigset_t,
}

impl Signals {
    fn block() -> Result<Signals> {
        // SAFETY: sigset_t is plain data that sigemptyset initialises; the process has one
        // thread (checked above), so sigprocmask is its thread's mask. SIGCHLD goes back to
        // its default first: ignored (SIG_IGN), the kernel would reap the children itself.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGCHLD] {
                libc::sigaddset(&mut set, signal);
            }
            libc::signal(libc::SIGCHLD, libc::SIG_DFL);
            if libc::sigprocmask(libc::SIG_BLOCK, &set, &mut old) != 0 {
                return Err(Error::Io {
                    context: "cannot block SIGINT/SIGTERM/SIGCHLD in the parent process",
                    source: io::Error::last_os_error(),
                });
            }
            Ok(Signals { set, old })
        }
    }

    /// Puts the mask back as it was before [`block`](Self::block).
    fn restore(&self) {
        // SAFETY: `old` is the mask sigprocmask returned; a null old-set pointer is allowed.
        unsafe { libc::sigprocmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }

    /// Waits up to a second for one of the blocked signals; `None` on timeout.
    fn wait(&self) -> Option<i32> {
        let timeout = libc::timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        // SAFETY: `set` is initialised; a null siginfo pointer is allowed.
        let signal = unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &timeout) };
        (signal > 0).then_some(signal)
    }
}

/// Forks task `id`: `Some(pid)` in the parent, `None` in the child (set up and ready to
/// return its task id).
fn fork_child(id: usize, signals: &Signals) -> Result<Option<i32>> {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the process has a single thread (checked by fork_processes, and the parent
    // starts none), so the child gets a consistent copy: no lock is held by a thread that
    // does not exist there.
    match unsafe { libc::fork() } {
        -1 => Err(Error::Io {
            context: "cannot fork a child process",
            source: io::Error::last_os_error(),
        }),
        0 => {
            become_child(id, signals, parent);
            Ok(None)
        }
        pid => {
            log::info!("started child {id} (pid {pid})");
            Ok(Some(pid))
        }
    }
}

/// The child's side of a fork: its task id, the parent's signals undone, its own process
/// group, SIGTERM when the parent dies, and a random generator of its own.
fn become_child(id: usize, signals: &Signals, parent: i32) {
    TASK_ID.store(id, Ordering::Relaxed);
    signals.restore();
    // SAFETY: setpgid and prctl(PR_SET_PDEATHSIG) act on this process only; getppid has no
    // preconditions.
    unsafe {
        libc::setpgid(0, 0);
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        if libc::getppid() != parent {
            // The parent died before PR_SET_PDEATHSIG was set: nobody supervises us.
            std::process::exit(0);
        }
    }
    // As Tornado reseeds `random` in each child: children must not draw the same numbers.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    fastrand::seed(nanos ^ ((std::process::id() as u64) << 32) ^ id as u64);
}

/// Reaps the next child that ended, or waits for one or for a stop signal.
fn next_event(sup: &mut Supervisor, signals: &Signals) -> Next {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into `status`, a valid i32.
        match unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) } {
            0 => {}
            -1 => {
                let source = io::Error::last_os_error();
                if source.raw_os_error() != Some(libc::EINTR) {
                    return sup.lost(Error::Io {
                        context: "cannot wait for the child processes",
                        source,
                    });
                }
            }
            pid => return sup.ended(pid, Ended::from_status(status)),
        }
        // SIGCHLD or the timeout: back to reaping.
        if let Some(signal @ (libc::SIGINT | libc::SIGTERM)) = signals.wait() {
            let name = if signal == libc::SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            log::info!("{name} received: stopping the children");
            return sup.signaled(signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_fork_a_process_with_threads() {
        // Keep a second thread alive for sure, whatever the test harness runs on.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || rx.recv());
        let err = fork_processes(2, None).expect_err("forking with threads is refused");
        assert!(
            err.to_string().starts_with(
                "fork_processes() must be called while the process has a single thread"
            ),
            "{err}"
        );
        assert_eq!(task_id(), None);
        drop(tx);
        let _ = other.join();
    }
}
