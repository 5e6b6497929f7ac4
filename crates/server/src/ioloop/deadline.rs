//! Tornado's `gen.sleep` and `gen.with_timeout` for code on a shard: [`sleep`],
//! [`with_timeout`] and its [`Deadline`] and [`TimeoutError`].

use std::future::Future;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use glommio::timer::Timer;

/// When [`with_timeout`] gives up: after a duration from the call, or at an instant of
/// [`IoLoop::time`](crate::IoLoop::time)'s clock (Tornado takes a relative `timedelta` or
/// an absolute loop time).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use typhoon_server::Deadline;
///
/// let relative: Deadline = Duration::from_secs(1).into();
/// let absolute: Deadline = (Instant::now() + Duration::from_secs(1)).into();
/// assert!(matches!(relative, Deadline::After(_)));
/// assert!(matches!(absolute, Deadline::At(_)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// This long after the call.
    After(Duration),
    /// At this instant.
    At(Instant),
}

impl Deadline {
    fn instant(self) -> Instant {
        match self {
            Deadline::After(delay) => Instant::now() + delay,
            Deadline::At(when) => when,
        }
    }
}

impl From<Duration> for Deadline {
    fn from(delay: Duration) -> Self {
        Deadline::After(delay)
    }
}

impl From<Instant> for Deadline {
    fn from(when: Instant) -> Self {
        Deadline::At(when)
    }
}

/// A future given to [`with_timeout`] did not finish in time (Tornado's
/// `tornado.util.TimeoutError`).
///
/// # Examples
///
/// ```
/// assert_eq!(typhoon_server::TimeoutError.to_string(), "Timeout");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Timeout")]
pub struct TimeoutError;

/// Waits `duration` without blocking the shard (Tornado's `gen.sleep`): the shard serves
/// other requests meanwhile.
///
/// # Panics
///
/// Off the shards.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn handler() {
/// typhoon_server::sleep(Duration::from_millis(300)).await;
/// # }
/// ```
pub fn sleep(duration: Duration) -> impl Future<Output = ()> + 'static {
    super::expect_shard("sleep");
    glommio::timer::sleep(duration)
}

/// Runs `future` until it finishes or `timeout` passes, whichever comes first (Tornado's
/// `gen.with_timeout`). On time out the future is dropped, which cancels what it was
/// doing (a dropped `run_in_executor` future still lets its function run to the end on
/// its pool thread; its result is dropped).
///
/// # Errors
///
/// [`TimeoutError`] if the deadline came first.
///
/// # Panics
///
/// Off the shards.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use typhoon_server::{sleep, with_timeout, TimeoutError};
///
/// # async fn handler() {
/// let slow = async {
///     sleep(Duration::from_secs(10)).await;
///     42
/// };
/// assert_eq!(with_timeout(Duration::from_millis(100), slow).await, Err(TimeoutError));
/// # }
/// ```
pub fn with_timeout<F: Future>(
    timeout: impl Into<Deadline>,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    super::expect_shard("with_timeout");
    let deadline = timeout.into().instant();
    async move {
        // The future is polled first, so one that is ready at its deadline still counts.
        let work = async { Ok(future.await) };
        let timer = async {
            Timer::new(deadline.saturating_duration_since(Instant::now())).await;
            Err(TimeoutError)
        };
        work.or(timer).await
    }
}
