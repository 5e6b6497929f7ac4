//! What queue calls fail with: [`QueueFull`], [`QueueEmpty`], [`TaskDoneError`] and
//! [`PutTimeout`] (Tornado's `QueueFull`, `QueueEmpty`, `ValueError` and `TimeoutError`).

use std::fmt;

use crate::TimeoutError;

/// `put_nowait` on a full queue (Tornado's `QueueFull`); the item comes back.
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::{Queue, QueueFull};
///
/// let q = Queue::new(1);
/// q.put_nowait("a").unwrap();
/// let QueueFull(item) = q.put_nowait("b").unwrap_err();
/// assert_eq!(item, "b");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct QueueFull<T>(pub T);

impl<T> fmt::Debug for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueFull(..)")
    }
}

impl<T> fmt::Display for QueueFull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue full")
    }
}

impl<T> std::error::Error for QueueFull<T> {}

/// `get_nowait` on an empty queue (Tornado's `QueueEmpty`).
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::{Queue, QueueEmpty};
///
/// let q: Queue<u32> = Queue::new(0);
/// assert_eq!(q.get_nowait(), Err(QueueEmpty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("queue empty")]
pub struct QueueEmpty;

/// `task_done` called more times than items were put (Tornado's `ValueError("task_done()
/// called too many times")`).
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::{Queue, TaskDoneError};
///
/// let q: Queue<u32> = Queue::new(0);
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;

/// `put_timeout` ran out of time on a full queue (Tornado's `TimeoutError` from
/// `put(item, timeout)`); the item, which never entered the queue, comes back. Converts
/// into [`TimeoutError`] for `?`.
///
/// # Examples
///
/// ```
/// use typhoon_server::queues::PutTimeout;
/// use typhoon_server::TimeoutError;
///
/// let e = PutTimeout("unplaced");
/// assert_eq!(e.to_string(), "Timeout");
/// assert_eq!(e.0, "unplaced");
/// assert_eq!(TimeoutError::from(e), TimeoutError);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PutTimeout<T>(pub T);

impl<T> fmt::Debug for PutTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutTimeout(..)")
    }
}

impl<T> fmt::Display for PutTimeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&TimeoutError, f)
    }
}

impl<T> std::error::Error for PutTimeout<T> {}

impl<T> From<PutTimeout<T>> for TimeoutError {
    fn from(_: PutTimeout<T>) -> Self {
        TimeoutError
    }
}
