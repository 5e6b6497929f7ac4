//! `BoundedSemaphore`: a semaphore that refuses to be released above its initial value
//! (Tornado's `locks.BoundedSemaphore`).

use super::semaphore::{Semaphore, SemaphoreGuard};
use crate::{Deadline, TimeoutError};
use std::fmt;
use std::future::Future;

/// A [`Semaphore`] whose `release` fails once the count is back at its initial value:
/// more releases than acquires is a bug, caught where Tornado raises `ValueError`.
///
/// # Examples
///
/// ```
/// use typhoon_server::locks::BoundedSemaphore;
///
/// futures_lite::future::block_on(async {
///     let sem = BoundedSemaphore::new(1);
///     let guard = sem.acquire().await;
///     drop(guard); // back to 1
///     assert!(sem.release().is_err()); // would make 2
/// });
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
}

/// `BoundedSemaphore::release` past the initial value (Tornado's `ValueError("Semaphore
/// released too many times")`).
///
/// # Examples
///
/// ```
/// let sem = typhoon_server::locks::BoundedSemaphore::new(1);
/// let e = sem.release().unwrap_err();
/// assert_eq!(e.to_string(), "semaphore released too many times");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("semaphore released too many times")]
pub struct OverRelease;

impl BoundedSemaphore {
    /// A semaphore with `value` permits that never holds more than `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_server::locks::BoundedSemaphore::new(2).value(), 2);
    /// ```
    pub fn new(value: usize) -> Self {
        Self {
            sem: Semaphore::with_bound(value, Some(value)),
        }
    }

    /// The permits free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = typhoon_server::locks::BoundedSemaphore::new(1);
    /// let _guard = futures_lite::future::block_on(sem.acquire());
    /// assert_eq!(sem.value(), 0);
    /// ```
    pub fn value(&self) -> usize {
        self.sem.value()
    }

    /// As [`Semaphore::acquire`]: a permit, in arrival order, released by the guard.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = typhoon_server::locks::BoundedSemaphore::new(1);
    /// futures_lite::future::block_on(async {
    ///     let _guard = sem.acquire().await;
    /// });
    /// assert_eq!(sem.value(), 1);
    /// ```
    pub fn acquire(&self) -> impl Future<Output = SemaphoreGuard<'_>> + '_ {
        self.sem.acquire()
    }

    /// As [`Semaphore::acquire_timeout`]: until a `Duration` from now or an `Instant`.
    /// Must run on a glommio executor (a shard).
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if no permit came in time.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use typhoon_server::locks::BoundedSemaphore;
    ///
    /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
    /// #     .io_memory(64 << 10).make().unwrap().run(async {
    /// let sem = BoundedSemaphore::new(1);
    /// let _held = sem.acquire().await;
    /// assert!(sem.acquire_timeout(Duration::from_millis(10)).await.is_err());
    /// # });
    /// ```
    pub async fn acquire_timeout(
        &self,
        timeout: impl Into<Deadline>,
    ) -> Result<SemaphoreGuard<'_>, TimeoutError> {
        self.sem.acquire_timeout(timeout).await
    }

    /// Gives a permit back (to the oldest waiter, if any), for a permit taken by a guard
    /// that was [`forgotten`](std::mem::forget) or by hand-managed counting.
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if the count is already at its initial value; nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::locks::BoundedSemaphore;
    ///
    /// let sem = BoundedSemaphore::new(1);
    /// std::mem::forget(futures_lite::future::block_on(sem.acquire()));
    /// assert_eq!(sem.value(), 0);
    /// sem.release().unwrap();
    /// assert_eq!(sem.value(), 1);
    /// ```
    pub fn release(&self) -> Result<(), OverRelease> {
        self.sem.try_release()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BoundedSemaphore").field(&self.sem).finish()
    }
}
