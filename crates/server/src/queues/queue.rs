//! `Queue`: a first-in, first-out queue for the tasks of one shard (Tornado's
//! `queues.Queue`).

use super::base::Base;
use super::error::{PutTimeout, QueueEmpty, QueueFull, TaskDoneError};
use super::methods::queue_methods;
use super::store::Fifo;
use crate::{Deadline, TimeoutError};

/// A first-in, first-out queue for the tasks of one shard, with Tornado's API: `put`/`get`
/// wait (and have timed variants), `put_nowait`/`get_nowait` fail at once, and
/// `task_done`/`join` let a producer wait until consumers have processed everything.
///
/// # Examples
///
/// Tornado's producer and consumer:
///
/// ```
/// use std::rc::Rc;
/// use typhoon_server::queues::Queue;
///
/// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
/// #     .io_memory(64 << 10).make().unwrap().run(async {
/// let q = Rc::new(Queue::new(2));
/// let consumer = glommio::spawn_local({
///     let q = q.clone();
///     async move {
///         let mut seen = Vec::new();
///         loop {
///             let item = q.get().await;
///             seen.push(item);
///             q.task_done().unwrap();
///             if item == 4 {
///                 return seen;
///             }
///         }
///     }
/// });
/// for item in 0..5 {
///     q.put(item).await; // waits while two items are queued
/// }
/// q.join().await; // every item processed
/// assert_eq!(consumer.await, [0, 1, 2, 3, 4]);
/// # });
/// ```
pub struct Queue<T> {
    base: Base<T, Fifo<T>>,
}

queue_methods!(Queue);
