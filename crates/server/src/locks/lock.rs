//! `Lock`: a shard-local lock held across awaits, granted first come, first served
//! (Tornado's `locks.Lock`).

use std::fmt;

use super::semaphore::{Semaphore, SemaphoreGuard};
use crate::{Deadline, TimeoutError};

/// A lock for the tasks of one shard, held across `.await`s: `acquire().await` returns a
/// guard that unlocks when dropped. Built, as Tornado's, on a semaphore bounded at one, so
/// an unlock hands the lock straight to the task that has waited longest (FIFO; a task
/// arriving later never overtakes it).
///
/// A task that stops waiting (its future dropped, or [`acquire_timeout`](Self::acquire_timeout)
/// expired) leaves the line; if the lock had just been handed to it, it goes to the next.
///
/// # Examples
///
/// ```
/// use typhoon_server::locks::Lock;
///
/// futures_lite::future::block_on(async {
///     let lock = Lock::new();
///     {
///         let _guard = lock.acquire().await;
///         assert!(lock.is_locked());
///         // ... awaits here keep other tasks of the shard out ...
///     }
///     assert!(!lock.is_locked());
/// });
/// ```
pub struct Lock {
    block: Semaphore,
}

impl Lock {
    /// An unlocked lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!typhoon_server::locks::Lock::new().is_locked());
    /// ```
    pub fn new() -> Self {
        Self {
            block: Semaphore::with_bound(1, Some(1)),
        }
    }

    /// True while a guard holds the lock (or it is on its way to the next waiter).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = typhoon_server::locks::Lock::new();
    /// let guard = futures_lite::future::block_on(lock.acquire());
    /// assert!(lock.is_locked());
    /// drop(guard);
    /// assert!(!lock.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.block.value() == 0
    }

    /// Locks, waiting in line if another task holds the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = typhoon_server::locks::Lock::new();
    /// futures_lite::future::block_on(async {
    ///     let _guard = lock.acquire().await;
    /// });
    /// ```
    pub async fn acquire(&self) -> LockGuard<'_> {
        LockGuard {
            _permit: self.block.acquire().await,
        }
    }

    /// [`acquire`](Self::acquire) until `timeout`: a `Duration` from now or an `Instant`
    /// (Tornado's `acquire(timeout)`). Must run on a glommio executor, as a shard's tasks
    /// do (it uses its timers).
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if the lock was not granted in time; the line is as if it was never
    /// joined.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use typhoon_server::locks::Lock;
    ///
    /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
    /// #     .io_memory(64 << 10).make().unwrap().run(async {
    /// let lock = Lock::new();
    /// let held = lock.acquire().await;
    /// assert!(lock.acquire_timeout(Duration::from_millis(10)).await.is_err());
    /// drop(held);
    /// assert!(lock.acquire_timeout(Duration::from_millis(10)).await.is_ok());
    /// # });
    /// ```
    pub async fn acquire_timeout(
        &self,
        timeout: impl Into<Deadline>,
    ) -> Result<LockGuard<'_>, TimeoutError> {
        self.block
            .acquire_timeout(timeout)
            .await
            .map(|permit| LockGuard { _permit: permit })
    }
}

impl Default for Lock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// Holds a [`Lock`]; dropping it unlocks (Tornado's `async with lock:` block).
///
/// # Examples
///
/// ```
/// let lock = typhoon_server::locks::Lock::new();
/// let guard = futures_lite::future::block_on(lock.acquire());
/// drop(guard);
/// assert!(!lock.is_locked());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    /// Released by its own `Drop`.
    _permit: SemaphoreGuard<'a>,
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}
