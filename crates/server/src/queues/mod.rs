//! Tornado's `tornado.queues` for the tasks of one shard: [`Queue`] (first in, first out),
//! [`PriorityQueue`] (lowest first) and [`LifoQueue`] (newest first).
//!
//! As in Tornado: `maxsize` 0 means unbounded; `put` and `get` wait (a getter while the
//! queue is empty, a putter while it is full), each with a timed variant taking a
//! [`Deadline`] (a `Duration` from now or an `Instant`) and failing with [`TimeoutError`]
//! ([`PutTimeout`], carrying the item back, for `put`); `put_nowait` and `get_nowait` fail at once with [`QueueFull`] and
//! [`QueueEmpty`]; `task_done` and `join` count items through to their processing.
//! Waiters are served oldest first, and a cancelled or timed-out waiter takes nothing with
//! it: an item handed to a getter that is dropped goes to the next getter or back to the
//! front of the queue.
//!
//! Like [`locks`](crate::locks), these are for one shard's tasks (`!Send`). Between shards,
//! send messages.
//!
//! ```
//! use typhoon_server::queues::Queue;
//!
//! futures_lite::future::block_on(async {
//!     let q = Queue::new(0);
//!     q.put("job").await;
//!     assert_eq!(q.get().await, "job");
//!     q.task_done().unwrap();
//!     q.join().await;
//! });
//! ```

mod base;
mod error;
mod lifo_queue;
mod methods;
mod priority_queue;
mod queue;
mod store;
#[cfg(test)]
mod tests;

pub use crate::{Deadline, TimeoutError};
pub use error::{PutTimeout, QueueEmpty, QueueFull, TaskDoneError};
pub use lifo_queue::LifoQueue;
pub use priority_queue::PriorityQueue;
pub use queue::Queue;
