//! The shard's blocking pool behind `IoLoop::run_in_executor`, and [`ExecutorError`].
//!
//! The pool is glommio's own (`spawn_blocking`, sized by
//! `LocalExecutorBuilder::blocking_thread_pool_placement` in `shard.rs`) rather than one of
//! ours: its results come back through the reactor the shard already runs (a queue drained
//! at each glommio turn, and glommio's eventfd when the shard sleeps there), so no second
//! wake mechanism is added to the shard; each shard has its own pool, as it has its own
//! everything else. Two of its habits are handled here and in `shard.rs`: its threads
//! inherit the CPU mask of the thread that makes the executor (the shard pins itself only
//! afterwards), and a panic in a job would end the pool thread without an answer, leaving
//! the awaiting task waiting for ever (each job catches its own panic). A third is left
//! as it is: a job still running when its shard's executor is gone (a `spawn_callback`
//! task's job at shutdown; a handler's job holds the drain) runs to its end, then its
//! thread panics with "failed to send response" on the way out, which prints a line.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The function given to [`IoLoop::run_in_executor`](crate::IoLoop::run_in_executor)
/// panicked; the message says why. The shard and its pool go on.
///
/// # Examples
///
/// ```no_run
/// use typhoon_server::IoLoop;
///
/// # async fn handler() {
/// let result = IoLoop::current().run_in_executor(|| panic!("bad input")).await;
/// let err: typhoon_server::ExecutorError = result.unwrap_err();
/// assert_eq!(err.message(), "bad input");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the function run in the executor panicked: {message}")]
pub struct ExecutorError {
    message: String,
}

impl ExecutorError {
    fn from_panic(panic: &(dyn Any + Send)) -> Self {
        ExecutorError {
            message: crate::launch::panic_text(panic).to_owned(),
        }
    }

    /// The panic's message (or "non-string panic").
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn handler() {
    /// # let err = typhoon_server::IoLoop::current().run_in_executor(|| panic!("x")).await.unwrap_err();
    /// log::error!("hashing failed: {}", err.message());
    /// # }
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Runs `f` on the calling shard's blocking pool.
pub(super) fn run<F, R>(f: F) -> impl Future<Output = Result<R, ExecutorError>> + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let job = glommio::executor().spawn_blocking(move || catch_unwind(AssertUnwindSafe(f)));
    async move {
        job.await
            .map_err(|panic| ExecutorError::from_panic(panic.as_ref()))
    }
}
