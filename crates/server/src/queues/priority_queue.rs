//! `PriorityQueue`: a queue that gives its lowest item first (Tornado's
//! `queues.PriorityQueue`).

use super::base::Base;
use super::error::{PutTimeout, QueueEmpty, QueueFull, TaskDoneError};
use super::methods::queue_methods;
use super::store::Heap;
use crate::{Deadline, TimeoutError};

/// A [`Queue`](super::Queue) that gives the lowest item first, as Tornado's (Python's
/// `heapq`). Put `(priority, item)` tuples to order items by priority; items that compare
/// equal come out in no particular order.
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::PriorityQueue;
///
/// let q = PriorityQueue::new(0);
/// q.put_nowait((1, "medium-priority item")).unwrap();
/// q.put_nowait((0, "high-priority item")).unwrap();
/// q.put_nowait((10, "low-priority item")).unwrap();
/// assert_eq!(q.get_nowait(), Ok((0, "high-priority item")));
/// assert_eq!(q.get_nowait(), Ok((1, "medium-priority item")));
/// assert_eq!(q.get_nowait(), Ok((10, "low-priority item")));
/// ```
pub struct PriorityQueue<T: Ord> {
    base: Base<T, Heap<T>>,
}

queue_methods!(PriorityQueue, Ord);
