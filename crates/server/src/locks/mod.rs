//! Tornado's `tornado.locks` for the tasks of one shard: [`Lock`], [`Event`], [`Condition`],
//! [`Semaphore`] and [`BoundedSemaphore`].
//!
//! Like Tornado's, these are single-loop objects: they coordinate the tasks of one shard
//! (one thread, one glommio executor) and are `!Send`. Keep one in the shard's service, or
//! share it between the shard's tasks with `Rc`. To coordinate shards, send messages.
//!
//! Every wait has a timed variant (`acquire_timeout`, `wait_timeout`) taking a
//! [`Deadline`] (a `Duration` from now or an `Instant`, as Tornado's `timeout` is a
//! `timedelta` or a loop time) and failing with [`TimeoutError`], Tornado's
//! `tornado.util.TimeoutError` (except [`Condition::wait_timeout`], which, as Tornado's,
//! returns `false`). A waiter that times out or whose future is dropped
//! leaves its line; what was handed to it passes to the next waiter. Waiters are served in
//! arrival order (the order their futures were first polled).
//!
//! ```
//! use std::rc::Rc;
//! use typhoon_server::locks::Lock;
//!
//! # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
//! #     .io_memory(64 << 10).make().unwrap().run(async {
//! let lock = Rc::new(Lock::new());
//! let guard = lock.acquire().await;
//! let task = glommio::spawn_local({
//!     let lock = lock.clone();
//!     async move {
//!         let _guard = lock.acquire().await; // waits for `guard`
//!         "second"
//!     }
//! });
//! futures_lite::future::yield_now().await; // the task runs, and waits
//! assert!(lock.is_locked());
//! drop(guard); // the lock goes to the task
//! assert_eq!(task.await, "second");
//! # });
//! ```

mod bounded_semaphore;
mod condition;
mod event;
mod lock;
mod semaphore;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
mod timeout;
pub(crate) mod waiters;

pub use crate::{Deadline, TimeoutError};
pub use bounded_semaphore::{BoundedSemaphore, OverRelease};
pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, LockGuard};
pub use semaphore::{Semaphore, SemaphoreGuard};

pub(crate) use timeout::within;
