//! [`ExecutorError`], and how `IoLoop::run_in_executor` hands work to the shard's
//! [`BlockingPool`](super::blocking::BlockingPool) and its result back.
//!
//! Each job catches its own panic, so the awaiting task always gets an answer and the pool
//! thread lives on. The result travels on a oneshot channel awaited through `from_afar`:
//! the pool thread's wake reaches the shard through its mailbox.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

use futures_channel::oneshot;

use crate::afar::from_afar;

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

/// Runs `f` on the calling shard's blocking pool (queued at once, as Tornado's executor
/// does) and resolves to its result.
pub(super) fn run<F, R>(f: F) -> impl Future<Output = Result<R, ExecutorError>> + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let (reply, result) = oneshot::channel();
    let job = Box::new(move || {
        // The receiver may be gone (the awaiting future was dropped): nobody to tell.
        let _ = reply.send(catch_unwind(AssertUnwindSafe(f)));
    });
    let queued = crate::context::with_current(|c| c.map(|c| c.pool.submit(job)));
    let result = from_afar(result);
    async move {
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(ExecutorError::from_panic(panic.as_ref())),
            // Dropped unrun: off the shards, or the shard stopped before a thread took it.
            Err(oneshot::Canceled) => Err(ExecutorError {
                message: match queued {
                    Some(()) => "the shard stopped before the job ran".to_owned(),
                    None => "there is no blocking pool off the shards".to_owned(),
                },
            }),
        }
    }
}
