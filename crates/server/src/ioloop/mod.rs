//! [`IoLoop`]: Tornado's `IOLoop` — on the main thread it runs the registered servers
//! (`start`); on a shard it is that shard's loop: callbacks, timeouts, the blocking pool.
//!
//! # How a wake from another thread reaches a shard
//! A shard's tasks are woken from its own thread, except by what finishes elsewhere: a
//! [`run_in_executor`](IoLoop::run_in_executor) result comes back from a pool thread, a
//! `submit_to` answer or a bus message from another shard. Such a wake goes to the shard's
//! mailbox (`mailbox`), which its ring empties at every turn; a shard asleep, in its ring
//! or in glommio, is rung awake by the mailbox's eventfd. `tests/ioloop.rs` measures the
//! whole round trip of `run_in_executor(|| ())` on an idle shard.

mod blocking;
mod deadline;
mod executor;
mod periodic;
mod signals;
mod timeout;

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use futures_lite::FutureExt;

use crate::error::{Error, Result};
use crate::handle::ServerHandle;
use crate::launch::{panic_text, wait_exits, Launch};

pub(crate) use blocking::BlockingPool;
pub use deadline::{sleep, with_timeout, Deadline, TimeoutError};
pub use executor::ExecutorError;
pub use periodic::PeriodicCallback;
pub use timeout::Timeout;

thread_local! {
    static PENDING: RefCell<Vec<Box<dyn Launch>>> = const { RefCell::new(Vec::new()) };
}

/// The current thread's loop. On the main thread it holds the servers that
/// `listen`/`start` registered until [`start`](Self::start) runs them; on a shard (in a
/// handler or a callback) it schedules work on that shard, as Tornado's
/// `IOLoop.current()` does in a request handler.
///
/// # Examples
///
/// ```no_run
/// # use typhoon_server::{Factory, HttpServer, IoLoop, Response, ShardInfo};
/// # struct Hello;
/// # impl typhoon_server::Service for Hello {
/// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
/// # }
/// HttpServer::new(Factory(|_: &ShardInfo| Hello)).listen(8888)?;
/// IoLoop::current().start()?;   // returns after SIGINT/SIGTERM and a graceful drain
/// # Ok::<(), typhoon_server::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct IoLoop {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl IoLoop {
    /// This thread's loop: the shard's inside a handler or a callback.
    ///
    /// # Examples
    ///
    /// ```
    /// let io_loop = typhoon_server::IoLoop::current();
    /// # let _ = io_loop;
    /// ```
    pub fn current() -> IoLoop {
        IoLoop {
            _not_send: std::marker::PhantomData,
        }
    }

    pub(crate) fn add(&self, server: Box<dyn Launch>) {
        PENDING.with(|p| p.borrow_mut().push(server));
    }

    /// Runs every server registered on this thread until all have stopped. SIGINT and
    /// SIGTERM stop them gracefully (a second signal exits at once), and so does
    /// [`stop`](Self::stop) from one of their handlers.
    ///
    /// # Errors
    ///
    /// A shard that could not start or that failed (one that dies is restarted, up to
    /// [`ServerConfig::max_restarts`](crate::ServerConfig::max_restarts); past it,
    /// [`Error::TooManyRestarts`]); [`Error::Usage`] if nothing was registered.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use typhoon_server::{Factory, HttpServer, IoLoop, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
    /// server.bind(8888)?;
    /// server.start(None)?;
    /// IoLoop::current().start()?;
    /// # Ok::<(), typhoon_server::Error>(())
    /// ```
    pub fn start(&self) -> Result<()> {
        let servers: Vec<_> = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        if servers.is_empty() {
            return Err(Error::Usage("IoLoop::start() has nothing to run: call listen(port), or bind(port) and start(n), first"));
        }
        let handles: Vec<ServerHandle> = servers.iter().map(|s| s.handle()).collect();
        signals::stop_on_signal(handles.iter().map(|h| &h.shared));
        let stop_all = || handles.iter().for_each(ServerHandle::stop);
        let (exits_tx, exits) = channel();
        let mut threads = Vec::new();
        let mut shards = 0;
        for server in servers {
            match server.launch(exits_tx.clone()) {
                Ok(t) => {
                    shards += t.len();
                    threads.extend(t);
                }
                Err(e) => {
                    stop_all();
                    for t in threads {
                        let _ = t.join();
                    }
                    return Err(e);
                }
            }
        }
        drop(exits_tx);
        let result = wait_exits(&exits, shards, stop_all);
        for t in threads {
            let _ = t.join();
        }
        result
    }

    /// Stops the server this shard belongs to, gracefully, as
    /// [`ServerHandle::stop`](crate::ServerHandle::stop) does: every shard of it stops
    /// accepting, finishes its in-flight requests (this one included) and exits, so the
    /// `IoLoop::current().start()` (or `RunningServer::wait`) that runs it returns.
    ///
    /// # Panics
    ///
    /// Off the shards: on the main thread there is no running loop to stop (stop a server
    /// from there with its [`ServerHandle`](crate::ServerHandle)).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use typhoon_server::{IoLoop, Responder, Response, Service};
    ///
    /// struct Shutdown;
    /// impl Service for Shutdown {
    ///     async fn call(&self, _req: typhoon_http1::Request, out: Responder) {
    ///         IoLoop::current().stop();
    ///         out.send(Response::new(200, "bye"));
    ///     }
    /// }
    /// ```
    pub fn stop(&self) {
        crate::context::with_current(|shard| match shard {
            Some(shard) => shard.shared.stop(),
            None => panic!("{}", off_shard("IoLoop::stop")),
        });
    }

    /// Runs `callback` on this shard's next turn, after the calling task yields (Tornado's
    /// `add_callback`). A panic in it is logged and the shard goes on.
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn handler() {
    /// typhoon_server::IoLoop::current().add_callback(|| log::info!("after this handler yields"));
    /// # }
    /// ```
    pub fn add_callback(&self, callback: impl FnOnce() + 'static) {
        self.spawn_callback(async move { callback() });
    }

    /// Runs `callback`, a future, as a task of its own on this shard, detached from the
    /// caller (Tornado's `spawn_callback`). A panic in it is logged and the shard goes on.
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use typhoon_server::{sleep, IoLoop};
    ///
    /// # async fn handler() {
    /// IoLoop::current().spawn_callback(async {
    ///     sleep(Duration::from_secs(1)).await;
    ///     log::info!("a second after the request");
    /// });
    /// # }
    /// ```
    pub fn spawn_callback(&self, callback: impl Future<Output = ()> + 'static) {
        expect_shard("IoLoop::spawn_callback");
        crate::task::spawn(async move {
            // glommio polls a task it spawns right away, inside `spawn_local`: yield first,
            // so the callback runs on a later turn, after its caller yields, as in Tornado.
            futures_lite::future::yield_now().await;
            guarded(callback).await;
        })
        .detach();
    }

    /// Runs `callback` on this shard after `delay`; the returned [`Timeout`] cancels it with
    /// [`remove_timeout`](Self::remove_timeout) (Tornado's `call_later`).
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use typhoon_server::IoLoop;
    ///
    /// # async fn handler() {
    /// let io_loop = IoLoop::current();
    /// let reminder = io_loop.call_later(Duration::from_secs(5), || log::info!("still here"));
    /// io_loop.remove_timeout(&reminder); // it never runs
    /// # }
    /// ```
    pub fn call_later(&self, delay: Duration, callback: impl FnOnce() + 'static) -> Timeout {
        self.call_at(Instant::now() + delay, callback)
    }

    /// Runs `callback` on this shard at `when` (at once if it has passed), Tornado's
    /// `call_at`; the returned [`Timeout`] cancels it.
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use typhoon_server::IoLoop;
    ///
    /// # async fn handler() {
    /// let io_loop = IoLoop::current();
    /// let at = io_loop.time() + Duration::from_millis(250);
    /// io_loop.call_at(at, || log::info!("a quarter second later"));
    /// # }
    /// ```
    pub fn call_at(&self, when: Instant, callback: impl FnOnce() + 'static) -> Timeout {
        expect_shard("IoLoop::call_at");
        Timeout::schedule(when, callback)
    }

    /// Cancels a timeout from [`call_later`](Self::call_later) or
    /// [`call_at`](Self::call_at): its callback never runs. Nothing happens if it already
    /// ran or was removed.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use typhoon_server::IoLoop;
    ///
    /// # async fn handler() {
    /// let io_loop = IoLoop::current();
    /// let timeout = io_loop.call_later(Duration::from_millis(10), || unreachable!());
    /// io_loop.remove_timeout(&timeout);
    /// io_loop.remove_timeout(&timeout); // a no-op
    /// # }
    /// ```
    pub fn remove_timeout(&self, timeout: &Timeout) {
        timeout.cancel();
    }

    /// The loop's clock: monotonic, the time base of [`call_at`](Self::call_at) (Tornado's
    /// `IOLoop.time()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let io_loop = typhoon_server::IoLoop::current();
    /// let (a, b) = (io_loop.time(), io_loop.time());
    /// assert!(b >= a);
    /// ```
    pub fn time(&self) -> Instant {
        Instant::now()
    }

    /// Runs the blocking function `f` on this shard's blocking pool and waits for its
    /// result without blocking the shard: other requests and callbacks on it go on meanwhile
    /// (Tornado's `run_in_executor(None, f)`). The pool has
    /// [`ServerConfig::blocking_threads`](crate::ServerConfig::blocking_threads) threads,
    /// which may run on every CPU the process may use; `f` is queued at once, as Tornado
    /// queues it. Dropping the future does not stop `f`: it runs to its end and its
    /// result is dropped.
    ///
    /// # Errors
    ///
    /// [`ExecutorError`] if `f` panicked; the shard and the pool go on.
    ///
    /// # Panics
    ///
    /// Off the shards.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use typhoon_server::IoLoop;
    ///
    /// # async fn handler() -> Result<(), typhoon_server::ExecutorError> {
    /// let size = IoLoop::current()
    ///     .run_in_executor(|| std::fs::read("/etc/hostname").map(|bytes| bytes.len()))
    ///     .await?;
    /// # let _ = size;
    /// # Ok(()) }
    /// ```
    pub fn run_in_executor<F, R>(
        &self,
        f: F,
    ) -> impl Future<Output = std::result::Result<R, ExecutorError>> + 'static
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        expect_shard("IoLoop::run_in_executor");
        executor::run(f)
    }
}

/// Panics with a sentence naming the mistake unless the calling thread is a shard.
fn expect_shard(what: &str) {
    if crate::context::current_shard().is_none() {
        panic!("{}", off_shard(what));
    }
}

fn off_shard(what: &str) -> String {
    format!(
        "{what} works on a shard (in a handler or a callback), not on thread {:?}",
        std::thread::current().name().unwrap_or("<unnamed>")
    )
}

/// `callback`, with a panic logged (Tornado logs "Exception in callback") instead of
/// unwinding into the shard's executor, which would end the shard.
pub(crate) async fn guarded(callback: impl Future<Output = ()>) {
    if let Err(panic) = AssertUnwindSafe(callback).catch_unwind().await {
        log::error!(
            "uncaught panic in a callback: {}",
            panic_text(panic.as_ref())
        );
    }
}
