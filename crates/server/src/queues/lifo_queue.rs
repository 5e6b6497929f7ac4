//! `LifoQueue`: a queue that gives its newest item first (Tornado's `queues.LifoQueue`).

use super::base::Base;
use super::error::{PutTimeout, QueueEmpty, QueueFull, TaskDoneError};
use super::methods::queue_methods;
use super::store::Lifo;
use crate::{Deadline, TimeoutError};

/// A [`Queue`](super::Queue) that gives the most recently put item first: a stack.
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::LifoQueue;
///
/// let q = LifoQueue::new(0);
/// for item in [3, 2, 1] {
///     q.put_nowait(item).unwrap();
/// }
/// assert_eq!(q.get_nowait(), Ok(1));
/// assert_eq!(q.get_nowait(), Ok(2));
/// assert_eq!(q.get_nowait(), Ok(3));
/// ```
pub struct LifoQueue<T> {
    base: Base<T, Lifo<T>>,
}

queue_methods!(LifoQueue);
