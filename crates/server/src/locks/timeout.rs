//! `Timeout`: a wait that ran past its time (Tornado's `gen.TimeoutError`).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures_lite::future;
use glommio::timer::Timer;

/// A wait that ran past its time: Tornado's `tornado.util.TimeoutError` (`gen.TimeoutError`)
/// from `acquire(timeout=…)`, `get(timeout=…)`, `wait(timeout=…)`, `join(timeout=…)`.
///
/// Only a timed-out `put` carries something: the item it could not place, given back as
/// `Timeout(item)`. Every other wait gives `Timeout(())`.
///
/// # Examples
///
/// ```
/// use typhoon_server::locks::Timeout;
///
/// let e: Timeout = Timeout(());
/// assert_eq!(e.to_string(), "timed out");
/// assert_eq!(Timeout("unplaced").into_inner(), "unplaced");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeout<T = ()>(pub T);

impl<T> Timeout<T> {
    /// What the timed-out call gives back (the item of a `put`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_server::locks::Timeout(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Display for Timeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl<T: fmt::Debug> std::error::Error for Timeout<T> {}

/// Runs `wait` for at most `duration` on the shard's timers (glommio's, so it must be
/// awaited on a shard or another glommio executor). Dropping `wait` on expiry is the
/// cancellation: each primitive's future leaves its line in `Drop`.
pub(crate) async fn within<F: Future>(duration: Duration, wait: F) -> Result<F::Output, Timeout> {
    // `or` polls `wait` first, so a wait that completes in the turn its timer fires still
    // counts as done: nothing handed to it is lost to the timeout.
    future::or(async { Ok(wait.await) }, async {
        Timer::new(duration).await;
        Err(Timeout(()))
    })
    .await
}
