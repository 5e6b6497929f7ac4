//! [`Timeout`]: a callback scheduled on a shard by `call_later`/`call_at`, cancelled by
//! `remove_timeout`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::time::Instant;

use glommio::task::JoinHandle;
use glommio::timer::Timer;

/// Where a timeout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pending,
    Ran,
    Removed,
}

/// The handle of a callback scheduled with [`IoLoop::call_later`](crate::IoLoop::call_later)
/// or [`IoLoop::call_at`](crate::IoLoop::call_at): pass it to
/// [`IoLoop::remove_timeout`](crate::IoLoop::remove_timeout) to cancel the callback. Like
/// Tornado's handle it has no other use; clones name the same timeout. It belongs to the
/// shard that made it (not `Send`).
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use typhoon_server::{IoLoop, Timeout};
///
/// # async fn handler() {
/// let io_loop = IoLoop::current();
/// let timeout: Timeout = io_loop.call_later(Duration::from_secs(30), || log::warn!("slow"));
/// // ... the work finished in time:
/// io_loop.remove_timeout(&timeout);
/// # }
/// ```
#[derive(Clone)]
pub struct Timeout {
    inner: Rc<Inner>,
}

struct Inner {
    when: Instant,
    state: Cell<State>,
    /// The task that waits for `when`; cancelled on removal so its timer goes at once
    /// rather than at the deadline.
    task: RefCell<Option<JoinHandle<()>>>,
}

impl Timeout {
    /// Schedules `callback` at `when` on the calling shard.
    pub(crate) fn schedule(when: Instant, callback: impl FnOnce() + 'static) -> Timeout {
        let inner = Rc::new(Inner {
            when,
            state: Cell::new(State::Pending),
            task: RefCell::new(None),
        });
        let waiting = inner.clone();
        let task = crate::task::spawn(async move {
            Timer::new(waiting.when.saturating_duration_since(Instant::now())).await;
            if waiting.state.get() != State::Pending {
                return;
            }
            waiting.state.set(State::Ran);
            waiting.task.borrow_mut().take();
            super::guarded(async move { callback() }).await;
        })
        .detach();
        if inner.state.get() == State::Pending {
            *inner.task.borrow_mut() = Some(task);
        }
        Timeout { inner }
    }

    /// Cancels the callback if it has not run yet.
    pub(crate) fn cancel(&self) {
        if self.inner.state.get() != State::Pending {
            return;
        }
        self.inner.state.set(State::Removed);
        if let Some(task) = self.inner.task.borrow_mut().take() {
            task.cancel();
        }
    }

    /// The callback has not run and was not removed.
    pub(crate) fn is_pending(&self) -> bool {
        self.inner.state.get() == State::Pending
    }
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("when", &self.inner.when)
            .field("state", &self.inner.state.get())
            .finish()
    }
}
