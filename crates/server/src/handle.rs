//! Stopping a running server from any thread: a flag and an event the shards' accept loops
//! wait on.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use event_listener::Event;

use crate::metrics::{Metrics, MetricsSnapshot};
use crate::takeover::HandoverPath;

/// Cross-thread part of a server: the stop request.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    stop: AtomicBool,
    /// Notified once, on `stop`: every accept loop waits on it beside its listener.
    stopped: Event,
    /// The stop is a handover's: idle keep-alive connections get a grace period to send
    /// their next request (answered with `Connection: close`) instead of being closed.
    handed_over: AtomicBool,
    /// Where this server serves handovers, removed by `stop` (`takeover`).
    handover_path: Mutex<Option<HandoverPath>>,
    /// Shard restarts so far, against the budget (`supervise`).
    pub restarts: crate::supervise::Restarts,
}

impl Shared {
    /// Asks every shard to stop. Each accept loop wakes on its own thread (through its
    /// shard's mailbox) and stops accepting; the listening sockets are left as they are, so
    /// connections queued on a socket another process also holds (a hot restart, the fork
    /// model, `add_sockets`) are accepted there instead of being reset.
    pub fn stop(&self) {
        // Now, not when the shards are done: the process may end as soon as they are.
        if let Some(path) = self.take_handover_path() {
            path.remove();
        }
        self.stop.store(true, Ordering::SeqCst);
        self.stopped.notify(usize::MAX);
    }

    /// Stops after a handover (`takeover`): as `stop`, but gentle with idle connections.
    pub fn stop_handed_over(&self) {
        // The successor serves handovers at the path now.
        drop(self.take_handover_path());
        self.handed_over.store(true, Ordering::SeqCst);
        self.stop();
    }

    /// Records where this server serves handovers, for `stop` to remove.
    pub fn set_handover_path(&self, path: HandoverPath) {
        if let Ok(mut slot) = self.handover_path.lock() {
            *slot = Some(path);
        }
    }

    fn take_handover_path(&self) -> Option<HandoverPath> {
        self.handover_path
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
    }

    /// Whether the stop came from a handover.
    pub fn handed_over(&self) -> bool {
        self.handed_over.load(Ordering::SeqCst)
    }

    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Resolves once `stop` has been called (at once if it already was). Wrap it in
    /// `afar::from_afar` on a shard: the notify comes from another thread.
    pub async fn until_stopped(&self) {
        loop {
            if self.stop_requested() {
                return;
            }
            let listener = self.stopped.listen();
            if self.stop_requested() {
                return;
            }
            listener.await;
        }
    }
}

/// A handle to a started server: where it listens, and a way to stop it gracefully.
///
/// Cheap to clone and `Send`, so a test or a supervisor thread can keep one.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> typhoon_server::Result<()> {
/// use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
/// # struct Hello;
/// # impl typhoon_server::Service for Hello {
/// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
/// # }
/// let running = HttpServer::new(Factory(|_: &ShardInfo| Hello)).listen_background(0)?;
/// println!("listening on port {}", running.handle().port());
/// running.handle().stop();
/// running.wait()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ServerHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) shard_addrs: Vec<Vec<SocketAddr>>,
    pub(crate) metrics: Arc<Metrics>,
}

impl ServerHandle {
    /// Stops the server gracefully: shards stop accepting, close idle connections, finish
    /// in-flight requests (answered with `Connection: close`) and exit within the
    /// configured shutdown deadline.
    pub fn stop(&self) {
        self.shared.stop();
    }

    /// The addresses the server listens on.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Where shard `shard` alone listens in port-per-shard mode
    /// ([`ServerConfig::port_per_shard`](crate::ServerConfig::port_per_shard)); empty
    /// otherwise.
    pub fn shard_addrs(&self, shard: usize) -> &[SocketAddr] {
        self.shard_addrs.get(shard).map_or(&[], Vec::as_slice)
    }

    /// Every shard's counters now: requests by status class, connections, bytes, parse
    /// errors, timeouts and the request-duration histogram. Always counted, whether or not
    /// [`ServerConfig::metrics_path`](crate::ServerConfig::metrics_path) serves them; cheap
    /// to call from any thread (it only reads).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> typhoon_server::Result<()> {
    /// use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
    /// server.bind_addr(0, "127.0.0.1")?;
    /// let running = server.start_background(2)?;
    /// let metrics = running.handle().metrics();
    /// assert_eq!(metrics.shards.len(), 2);
    /// println!("{} requests answered, {} 5xx", metrics.requests(), metrics.responses(5));
    /// # Ok(()) }
    /// ```
    pub fn metrics(&self) -> MetricsSnapshot {
        self.metrics.snapshot()
    }

    /// How many times a shard of this server died and was restarted so far (see
    /// [`ServerConfig::max_restarts`](crate::ServerConfig::max_restarts)): 0 for a healthy
    /// server.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> typhoon_server::Result<()> {
    /// # use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let running = HttpServer::new(Factory(|_: &ShardInfo| Hello)).listen_background(0)?;
    /// assert_eq!(running.handle().restarts(), 0);
    /// # running.stop()
    /// # }
    /// ```
    pub fn restarts(&self) -> usize {
        self.shared.restarts.count()
    }

    /// The port the server listens on (the one the kernel chose when bound to port 0).
    pub fn port(&self) -> u16 {
        self.addrs.first().map_or(0, |a| a.port())
    }
}
