//! `Condition`: tasks wait until another notifies them (Tornado's `locks.Condition`).

use std::fmt;

use event_listener::IntoNotification;

use super::timeout::within;
use crate::Deadline;

/// A condition variable for the tasks of one shard: [`wait`](Self::wait) blocks until
/// [`notify`](Self::notify) or [`notify_all`](Self::notify_all). Waiters are woken oldest
/// first. There is no lock to hold around it (one thread: nothing runs between the check of
/// a predicate and the `wait` that follows it).
///
/// As in Tornado, a timed wait does not fail: [`wait_timeout`](Self::wait_timeout) returns
/// `false` if it timed out and `true` if it was notified. A waiter that was notified but
/// dropped before it ran passes its notification on to the next waiter.
///
/// The waiting list is event-listener's, which has exactly these rules: FIFO, `notify(n)`
/// as n *additional* wakeups, and a dropped notified listener notifying the next one.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use typhoon_server::locks::Condition;
///
/// let messages = RefCell::new(Vec::new());
/// let arrived = Condition::new();
/// let reader = async {
///     while messages.borrow().is_empty() {
///         arrived.wait().await;
///     }
///     messages.borrow_mut().pop()
/// };
/// let writer = async {
///     messages.borrow_mut().push("hello");
///     arrived.notify_all();
/// };
/// let (got, ()) = futures_lite::future::block_on(futures_lite::future::zip(reader, writer));
/// assert_eq!(got, Some("hello"));
/// ```
pub struct Condition {
    waiters: event_listener::Event,
}

impl Condition {
    /// A condition nobody waits on yet.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = typhoon_server::locks::Condition::new();
    /// c.notify(1); // nobody waits: lost, as in Tornado
    /// ```
    pub fn new() -> Self {
        Self {
            waiters: event_listener::Event::new(),
        }
    }

    /// Waits until notified. A task joins the line when the future is first polled.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::locks::Condition;
    ///
    /// let c = Condition::new();
    /// let waiter = async { c.wait().await; "woken" };
    /// let notifier = async { c.notify(1); "notified" };
    /// let (w, _) = futures_lite::future::block_on(futures_lite::future::zip(waiter, notifier));
    /// assert_eq!(w, "woken");
    /// ```
    pub async fn wait(&self) {
        self.waiters.listen().await
    }

    /// [`wait`](Self::wait) until `timeout` (a `Duration` from now or an `Instant`): `true`
    /// if notified, `false` if the time ran out (Tornado's `wait(timeout)` resolves to that
    /// bool rather than raising). Must run on a glommio executor, as a shard's tasks do.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
    /// #     .io_memory(64 << 10).make().unwrap().run(async {
    /// let c = typhoon_server::locks::Condition::new();
    /// assert!(!c.wait_timeout(Duration::from_millis(10)).await);
    /// # });
    /// ```
    pub async fn wait_timeout(&self, timeout: impl Into<Deadline>) -> bool {
        within(timeout.into(), self.wait()).await.is_ok()
    }

    /// Wakes the `n` tasks that have waited longest (fewer if fewer wait).
    ///
    /// # Examples
    ///
    /// ```
    /// let c = typhoon_server::locks::Condition::new();
    /// c.notify(2);
    /// ```
    pub fn notify(&self, n: usize) {
        self.waiters.notify(n.additional());
    }

    /// Wakes every task waiting now.
    ///
    /// # Examples
    ///
    /// ```
    /// let c = typhoon_server::locks::Condition::new();
    /// c.notify_all();
    /// ```
    pub fn notify_all(&self) {
        self.waiters.notify(usize::MAX);
    }
}

impl Default for Condition {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters.total_listeners())
            .finish()
    }
}
