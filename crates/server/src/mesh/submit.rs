//! [`submit_to`]: run a closure on another shard of the same server and await its result.

use std::future::Future;

use futures_channel::oneshot;

use super::inbox::Job;
use super::member::{current, Outcome};
use super::MeshError;

/// Runs `f` on shard `shard` of the calling shard's server and returns what its future
/// resolves to.
///
/// `f` is sent to the target shard (so it is `Send`), called there, and its future runs
/// there as a task of that shard (so it need not be `Send`: it may use that shard's `Rc`
/// state, its timers, its own [`Bus`](crate::Bus) subscriptions). Only `R` travels back.
/// Submitting to the calling shard itself works too, through its own inbox.
///
/// Work from one task to one shard starts in the order it was sent, after the bus messages
/// that task published to that shard before. If the shard's inbox is full, this waits for
/// room (see [`Bus`](crate::Bus) on back-pressure). Dropping the returned future stops the
/// wait, not the work once sent.
///
/// # Errors
///
/// - [`MeshError::NotOnShard`] off the shards;
/// - [`MeshError::NoSuchShard`] for an id not in `0..num_shards()`;
/// - [`MeshError::Stopped`] if the target shard stopped before or while running it;
/// - [`MeshError::Panicked`] if `f` or its future panicked (the target shard keeps
///   serving).
///
/// # Examples
///
/// ```no_run
/// use typhoon_server::{num_shards, shard_id, submit_to};
///
/// # async fn handler() -> Result<(), typhoon_server::MeshError> {
/// // From a handler: ask every shard for its id.
/// for shard in 0..num_shards().unwrap_or(1) {
///     let id = submit_to(shard, || async { shard_id() }).await?;
///     assert_eq!(id, Some(shard));
/// }
/// # Ok(()) }
/// ```
pub async fn submit_to<F, Fut, R>(shard: usize, f: F) -> Result<R, MeshError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = R> + 'static,
    R: Send + 'static,
{
    let member = current().ok_or(MeshError::NotOnShard)?;
    let mesh = member.mesh();
    let inbox = mesh.inbox(shard).ok_or(MeshError::NoSuchShard {
        shard,
        shards: mesh.shards(),
    })?;
    let (reply, outcome) = oneshot::channel::<Outcome<R>>();
    let job: Job = Box::new(move |target| target.run_submitted(f, reply));
    if inbox.send(job).await.is_err() {
        return Err(MeshError::Stopped { shard });
    }
    // The target shard answers from its thread: through our mailbox.
    match crate::afar::from_afar(outcome).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(MeshError::Panicked { shard, message }),
        // The target dropped the reply channel unanswered: it stopped.
        Err(oneshot::Canceled) => Err(MeshError::Stopped { shard }),
    }
}
