//! `Event`: a flag tasks wait on until it is set (Tornado's `locks.Event`).

use std::cell::Cell;
use std::fmt;

use super::timeout::within;
use crate::{Deadline, TimeoutError};

/// A flag, false at first: [`wait`](Self::wait) returns once it is [`set`](Self::set).
/// Setting it wakes every task waiting then, even if it is [`clear`](Self::clear)ed again
/// before they run, as in Tornado; a `wait` that starts while it is set returns at once.
///
/// The waiting list is event-listener's: it wakes all listeners and drops those that stop
/// waiting, which is all an `Event` needs.
///
/// # Examples
///
/// ```
/// use typhoon_server::locks::Event;
///
/// futures_lite::future::block_on(async {
///     let ready = Event::new();
///     ready.set();
///     ready.wait().await; // set: returns at once
///     ready.clear();
///     assert!(!ready.is_set());
/// });
/// ```
pub struct Event {
    value: Cell<bool>,
    waiters: event_listener::Event,
}

impl Event {
    /// An event that is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!typhoon_server::locks::Event::new().is_set());
    /// ```
    pub fn new() -> Self {
        Self {
            value: Cell::new(false),
            waiters: event_listener::Event::new(),
        }
    }

    /// True if the event is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = typhoon_server::locks::Event::new();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.value.get()
    }

    /// Sets the event and wakes every task waiting on it.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = typhoon_server::locks::Event::new();
    /// e.set();
    /// e.set(); // already set: nothing more happens
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        if !self.value.replace(true) {
            self.waiters.notify(usize::MAX);
        }
    }

    /// Unsets the event: later `wait`s block until the next `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// let e = typhoon_server::locks::Event::new();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.value.set(false);
    }

    /// Waits until the event is set (returns at once if it is).
    ///
    /// # Examples
    ///
    /// ```
    /// let e = typhoon_server::locks::Event::new();
    /// e.set();
    /// futures_lite::future::block_on(e.wait());
    /// ```
    pub async fn wait(&self) {
        if self.value.get() {
            return;
        }
        // One thread: nothing can `set` between this check and the listener's
        // registration, so the wakeup cannot be missed.
        self.waiters.listen().await;
    }

    /// [`wait`](Self::wait) until `timeout`: a `Duration` from now or an `Instant`
    /// (Tornado's `wait(timeout)`). Must run on a glommio executor, as a shard's tasks do.
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if the event was not set in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
    /// #     .io_memory(64 << 10).make().unwrap().run(async {
    /// let e = typhoon_server::locks::Event::new();
    /// assert!(e.wait_timeout(Duration::from_millis(10)).await.is_err());
    /// # });
    /// ```
    pub async fn wait_timeout(&self, timeout: impl Into<Deadline>) -> Result<(), TimeoutError> {
        within(timeout.into(), self.wait()).await
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
