//! `within`: a wait bounded by a [`Deadline`], on the executor's timers.

use std::future::Future;
use std::time::Instant;

use futures_lite::future;
use glommio::timer::Timer;

use crate::{Deadline, TimeoutError};

/// Runs `wait` until `timeout` (a duration from the first poll, or an instant). Dropping
/// `wait` on expiry is the cancellation: each primitive's future leaves its line in `Drop`.
///
/// Unlike [`with_timeout`](crate::with_timeout) it needs only a glommio executor, not a
/// shard, so the primitives work (and are tested) on any `LocalExecutor`.
pub(crate) async fn within<F: Future>(
    timeout: Deadline,
    wait: F,
) -> Result<F::Output, TimeoutError> {
    let until = match timeout {
        Deadline::After(delay) => Instant::now() + delay,
        Deadline::At(when) => when,
    };
    // `or` polls `wait` first, so a wait that completes in the turn its timer fires still
    // counts as done: nothing handed to it is lost to the timeout.
    future::or(async { Ok(wait.await) }, async {
        Timer::new(until.saturating_duration_since(Instant::now())).await;
        Err(TimeoutError)
    })
    .await
}
