//! Stopping a running server from any thread: a flag plus the listening fds to shut down.

use std::net::SocketAddr;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Cross-thread part of a server: the stop request and the listeners it must wake.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    stop: AtomicBool,
    listeners: Mutex<Vec<RawFd>>,
}

impl Shared {
    /// Asks every shard to stop: shutting down a listening socket makes its pending
    /// `accept` fail at once, so each shard wakes on its own thread and drains there. No
    /// shard polls for the flag.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for &fd in self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            // SAFETY: fds in the list belong to open listeners; shards remove theirs (under
            // this lock) before closing them.
            unsafe { libc::shutdown(fd, libc::SHUT_RD) };
        }
    }

    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn add_listener(&self, fd: RawFd) {
        let mut listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        listeners.push(fd);
        if self.stop_requested() {
            // SAFETY: the caller owns the open listener.
            unsafe { libc::shutdown(fd, libc::SHUT_RD) };
        }
    }

    pub fn forget_listeners(&self, fds: impl IntoIterator<Item = RawFd>) {
        let mut listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for fd in fds {
            listeners.retain(|&l| l != fd);
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

    /// The port the server listens on (the one the kernel chose when bound to port 0).
    pub fn port(&self) -> u16 {
        self.addrs.first().map_or(0, |a| a.port())
    }
}
