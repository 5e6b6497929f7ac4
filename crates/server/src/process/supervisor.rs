//! The fork model's bookkeeping, pure: which child runs which task id, the restart budget,
//! and what to do when a child ends or a stop signal arrives (the forking is `process`'s).

use std::fmt;

use crate::error::{Error, Result};

/// How a child process ended, read from its `waitpid` status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl Ended {
    /// Decodes a `waitpid` status word.
    pub fn from_status(status: i32) -> Ended {
        if libc::WIFSIGNALED(status) {
            Ended::Signaled(libc::WTERMSIG(status))
        } else {
            Ended::Exited(libc::WEXITSTATUS(status))
        }
    }
}

impl fmt::Display for Ended {
    /// Tornado's wording: `exited with status 1`, `killed by signal 9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ended::Exited(0) => f.write_str("exited normally"),
            Ended::Exited(code) => write!(f, "exited with status {code}"),
            Ended::Signaled(signal) => write!(f, "killed by signal {signal}"),
        }
    }
}

/// What the supervisor's caller does next.
#[derive(Debug)]
pub(crate) enum Next {
    /// Nothing: wait for the next child to end or the next signal.
    Wait,
    /// Fork task `id` again.
    Restart(usize),
    /// Send this signal to every live child (a stop, forwarded or decided here).
    Signal(i32),
    /// Every child has ended: exit 0 on `Ok`, report the error otherwise.
    Done(Result<()>),
}

/// The children of `fork_processes`, by task id, and what their ends mean.
#[derive(Debug)]
pub(crate) struct Supervisor {
    /// The live child of each task id; `None` once it ended for good.
    pids: Vec<Option<i32>>,
    restarts: usize,
    max_restarts: usize,
    /// The signal sent to stop every child; a child it kills has stopped as asked.
    stopping: Option<i32>,
    /// Why the parent fails once every child has ended (the first reason wins).
    failure: Option<Error>,
}

impl Supervisor {
    /// `tasks` children to be started, `max_restarts` restarts allowed in all.
    pub fn new(tasks: usize, max_restarts: usize) -> Self {
        Self {
            pids: vec![None; tasks],
            restarts: 0,
            max_restarts,
            stopping: None,
            failure: None,
        }
    }

    /// Task `id` now runs as `pid`.
    pub fn started(&mut self, id: usize, pid: i32) {
        self.pids[id] = Some(pid);
    }

    /// The children still running.
    pub fn live(&self) -> impl Iterator<Item = i32> + '_ {
        self.pids.iter().flatten().copied()
    }

    /// SIGINT or SIGTERM reached the parent: pass it on, then wait for every child.
    pub fn signaled(&mut self, signal: i32) -> Next {
        self.stopping = Some(signal);
        self.signal_or_done(signal)
    }

    /// Something went wrong in the parent itself (a fork failed): stop every child, then
    /// report `err`.
    pub fn fail(&mut self, err: Error) -> Next {
        self.failure.get_or_insert(err);
        self.stopping = Some(libc::SIGTERM);
        self.signal_or_done(libc::SIGTERM)
    }

    /// The children cannot be waited for any more (`waitpid` failed): report `err` now.
    pub fn lost(&mut self, err: Error) -> Next {
        self.pids.iter_mut().for_each(|p| *p = None);
        Next::Done(Err(self.failure.take().unwrap_or(err)))
    }

    /// Child `pid` ended `how`: restart it (same task id) if it failed and the budget
    /// allows, as Tornado's `fork_processes` does; a clean exit is never restarted.
    pub fn ended(&mut self, pid: i32, how: Ended) -> Next {
        let Some(id) = self.pids.iter().position(|&p| p == Some(pid)) else {
            return Next::Wait; // not one of ours (a child the program forked itself)
        };
        self.pids[id] = None;
        if let Some(signal) = self.stopping {
            if how != Ended::Exited(0) && how != Ended::Signaled(signal) {
                log::warn!("child {id} (pid {pid}) {how} while stopping");
                self.failure.get_or_insert(Error::ChildFailed {
                    task_id: id,
                    pid,
                    how: how.to_string(),
                });
            } else {
                log::info!("child {id} (pid {pid}) stopped");
            }
        } else if how == Ended::Exited(0) {
            log::info!("child {id} (pid {pid}) exited normally");
        } else {
            self.restarts += 1;
            if self.restarts > self.max_restarts {
                let err = Error::TooManyRestarts {
                    what: "child",
                    restarts: self.restarts,
                    max_restarts: self.max_restarts,
                    task_id: id,
                    pid,
                    how: how.to_string(),
                };
                return self.fail(err);
            }
            log::warn!("child {id} (pid {pid}) {how}, restarting");
            return Next::Restart(id);
        }
        self.done_or_wait()
    }

    fn signal_or_done(&mut self, signal: i32) -> Next {
        if self.live().next().is_some() {
            Next::Signal(signal)
        } else {
            self.done_or_wait()
        }
    }

    fn done_or_wait(&mut self) -> Next {
        if self.live().next().is_some() {
            Next::Wait
        } else {
            Next::Done(self.failure.take().map_or(Ok(()), Err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KILL: Ended = Ended::Signaled(libc::SIGKILL);

    fn two() -> Supervisor {
        let mut sup = Supervisor::new(2, 1);
        sup.started(0, 100);
        sup.started(1, 101);
        sup
    }

    #[test]
    fn a_crashed_child_restarts_with_its_task_id_until_the_budget_is_spent() {
        let mut sup = two();
        assert!(matches!(sup.ended(101, KILL), Next::Restart(1)));
        sup.started(1, 102);
        assert_eq!(sup.live().collect::<Vec<_>>(), [100, 102]);
        // Tornado's check is restarts > max_restarts, counted over all children.
        let Next::Signal(libc::SIGTERM) = sup.ended(100, Ended::Exited(3)) else {
            panic!("the second restart passes max_restarts = 1")
        };
        let Next::Done(Err(err)) = sup.ended(102, Ended::Exited(0)) else {
            panic!("done once the last child stopped")
        };
        assert_eq!(
            err.to_string(),
            "too many child restarts (2, max_restarts is 1): child 0 (pid 100) exited with \
             status 3; giving up (the log above says why the children died)"
        );
    }

    #[test]
    fn clean_exits_are_not_restarted_and_the_last_one_ends_the_parent() {
        let mut sup = two();
        assert!(matches!(sup.ended(100, Ended::Exited(0)), Next::Wait));
        assert!(matches!(sup.ended(555, KILL), Next::Wait), "not ours");
        assert!(matches!(
            sup.ended(101, Ended::Exited(0)),
            Next::Done(Ok(()))
        ));
    }

    #[test]
    fn max_restarts_zero_gives_up_at_the_first_crash() {
        let mut sup = Supervisor::new(1, 0);
        sup.started(0, 7);
        assert!(matches!(
            sup.ended(7, KILL),
            Next::Done(Err(Error::TooManyRestarts { restarts: 1, .. }))
        ));
    }

    #[test]
    fn a_stop_is_forwarded_and_children_it_kills_stopped_cleanly() {
        let mut sup = two();
        assert!(matches!(
            sup.signaled(libc::SIGTERM),
            Next::Signal(libc::SIGTERM)
        ));
        // No restarts while stopping, even for a child the signal killed before it could
        // install its handler.
        assert!(matches!(
            sup.ended(100, Ended::Signaled(libc::SIGTERM)),
            Next::Wait
        ));
        assert!(matches!(
            sup.ended(101, Ended::Exited(0)),
            Next::Done(Ok(()))
        ));
    }

    #[test]
    fn a_child_that_fails_while_stopping_fails_the_parent() {
        let mut sup = two();
        sup.signaled(libc::SIGINT);
        assert!(matches!(sup.ended(100, KILL), Next::Wait));
        let Next::Done(Err(err)) = sup.ended(101, Ended::Exited(0)) else {
            panic!("the parent reports the failed child")
        };
        assert_eq!(
            err.to_string(),
            "child 0 (pid 100) killed by signal 9 while stopping"
        );
    }

    #[test]
    fn wait_statuses_decode() {
        assert_eq!(Ended::from_status(3 << 8), Ended::Exited(3));
        assert_eq!(Ended::from_status(libc::SIGKILL), KILL);
        assert_eq!(Ended::Exited(0).to_string(), "exited normally");
    }
}
