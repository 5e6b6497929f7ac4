//! `Semaphore`: a counter of permits handed to waiters in arrival order (Tornado's
//! `locks.Semaphore`).

use super::bounded_semaphore::OverRelease;
use super::timeout::within;
use super::waiters::{Left, Waiters};
use crate::{Deadline, TimeoutError};
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A shard-local semaphore: `acquire` takes one of `value` permits or waits for one;
/// `release` gives one back. As in Tornado, a released permit goes straight to the oldest
/// waiter, so waiters are served first in, first out and a newcomer never overtakes them.
///
/// Like all of [`locks`](crate::locks) it is for the tasks of one shard (`!Send`): share it
/// with `Rc` or keep it in the shard's service.
///
/// # Examples
///
/// ```
/// use typhoon_server::locks::Semaphore;
///
/// futures_lite::future::block_on(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert_eq!(sem.value(), 0);
///     drop(a); // the guard releases its permit
///     assert_eq!(sem.value(), 1);
/// });
/// ```
pub struct Semaphore {
    state: RefCell<State>,
}

struct State {
    value: usize,
    /// `BoundedSemaphore`'s initial value: releasing above it is an error.
    bound: Option<usize>,
    waiters: Waiters<(), ()>,
}

impl Semaphore {
    /// A semaphore with `value` permits (Tornado's `Semaphore(value=1)`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_server::locks::Semaphore::new(3).value(), 3);
    /// ```
    pub fn new(value: usize) -> Self {
        Self::with_bound(value, None)
    }

    pub(crate) fn with_bound(value: usize, bound: Option<usize>) -> Self {
        Self {
            state: RefCell::new(State {
                value,
                bound,
                waiters: Waiters::new(),
            }),
        }
    }

    /// The permits free now.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = typhoon_server::locks::Semaphore::new(1);
    /// let _guard = futures_lite::future::block_on(sem.acquire());
    /// assert_eq!(sem.value(), 0);
    /// ```
    pub fn value(&self) -> usize {
        self.state.borrow().value
    }

    /// Takes a permit, waiting in line for one if none is free; the guard gives it back
    /// when dropped. Dropping the future while it waits leaves the line (and passes on a
    /// permit it was handed but had not yet picked up).
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::locks::Semaphore;
    ///
    /// futures_lite::future::block_on(async {
    ///     let sem = Semaphore::new(1);
    ///     let guard = sem.acquire().await;
    ///     // ... at most one task in here at a time ...
    ///     drop(guard);
    /// });
    /// ```
    pub fn acquire(&self) -> impl Future<Output = SemaphoreGuard<'_>> + '_ {
        Acquire {
            sem: self,
            ticket: None,
        }
    }

    /// [`acquire`](Self::acquire) until `timeout`: a `Duration` from now or an `Instant`
    /// (Tornado's `acquire(timeout)`). Must run on a glommio executor, as a shard's tasks
    /// do (it uses its timers).
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if no permit came in time; the semaphore is as if it was never
    /// asked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use typhoon_server::locks::Semaphore;
    ///
    /// # glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
    /// #     .io_memory(64 << 10).make().unwrap().run(async {
    /// let sem = Semaphore::new(1);
    /// let _held = sem.acquire().await;
    /// assert!(sem.acquire_timeout(Duration::from_millis(10)).await.is_err());
    /// # });
    /// ```
    pub async fn acquire_timeout(
        &self,
        timeout: impl Into<Deadline>,
    ) -> Result<SemaphoreGuard<'_>, TimeoutError> {
        within(timeout.into(), self.acquire()).await
    }

    /// Gives a permit back, as Tornado's `release()`: to the oldest waiter if any, else to
    /// the count. Needs no prior `acquire` (it may raise the count above its start).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = typhoon_server::locks::Semaphore::new(0);
    /// sem.release();
    /// assert_eq!(sem.value(), 1);
    /// ```
    pub fn release(&self) {
        // Unbounded: this never fails.
        let _ = self.try_release();
    }

    /// `release`, refused above a bound (`BoundedSemaphore`).
    pub(crate) fn try_release(&self) -> Result<(), OverRelease> {
        let mut state = self.state.borrow_mut();
        if state.bound.is_some_and(|bound| state.value >= bound) {
            return Err(OverRelease);
        }
        // Straight to the oldest waiter: the count never shows a permit someone waits for.
        if state.waiters.hand_first(()).is_err() {
            state.value += 1;
        }
        Ok(())
    }

    /// A permit held by a guard or an unpicked handoff comes back.
    fn give_back(&self) {
        if self.try_release().is_err() {
            // Only reachable by calling `BoundedSemaphore::release` while guards are
            // held; Drop cannot return Tornado's ValueError, so say it and keep the bound.
            log::error!("BoundedSemaphore released too many times: a permit was dropped");
        }
    }
}

impl Default for Semaphore {
    /// One permit, as Tornado's `Semaphore()`.
    fn default() -> Self {
        Self::new(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.borrow();
        f.debug_struct("Semaphore")
            .field("value", &state.value)
            .field("waiters", &state.waiters.len())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`]: takes a permit on first poll or joins the line.
struct Acquire<'a> {
    sem: &'a Semaphore,
    /// Our place in the line once we wait.
    ticket: Option<u64>,
}

impl<'a> Future for Acquire<'a> {
    type Output = SemaphoreGuard<'a>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphoreGuard<'a>> {
        let this = self.get_mut();
        let mut state = this.sem.state.borrow_mut();
        match this.ticket {
            Some(id) => match state.waiters.poll(id, cx) {
                Poll::Ready(()) => this.ticket = None,
                Poll::Pending => return Poll::Pending,
            },
            // Free permits mean nobody waits (a release hands its permit to the line).
            None if state.value > 0 => state.value -= 1,
            None => {
                this.ticket = Some(state.waiters.push((), cx));
                return Poll::Pending;
            }
        }
        Poll::Ready(SemaphoreGuard { sem: this.sem })
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(id) = self.ticket else { return };
        let left = self.sem.state.borrow_mut().waiters.cancel(id);
        if let Some(Left::Handed(())) = left {
            self.sem.give_back(); // to the next in line
        }
    }
}

/// A permit of a [`Semaphore`] (or [`BoundedSemaphore`](super::BoundedSemaphore)),
/// released when dropped: Tornado's `async with sem:` block.
///
/// # Examples
///
/// ```
/// let sem = typhoon_server::locks::Semaphore::new(1);
/// {
///     let _guard = futures_lite::future::block_on(sem.acquire());
///     assert_eq!(sem.value(), 0);
/// }
/// assert_eq!(sem.value(), 1);
/// ```
#[must_use = "the permit is released as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    sem: &'a Semaphore,
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        self.sem.give_back();
    }
}

impl fmt::Debug for SemaphoreGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard").finish_non_exhaustive()
    }
}
