//! Typhoon: Tornado's programming model — `RequestHandler`s, an `Application` route table,
//! `HTTPServer.bind(port); start(n)`, `IOLoop.current().start()` — on a thread-per-core
//! server: each CPU runs a pinned shard with its own io_uring executor, its own
//! SO_REUSEPORT listener and its own private copy of the application.
//!
//! The modules carry Tornado's names:
//!
//! ```no_run
//! use typhoon::ioloop::IoLoop;
//! use typhoon::web::{url, Application, Handler, RequestHandler, Result};
//!
//! struct IndexHandler;
//! impl RequestHandler for IndexHandler {
//!     async fn get(&mut self, h: &mut Handler) -> Result {
//!         h.write("good boy");
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> typhoon::Result<()> {
//!     let app = Application::new(vec![url(r"/", || IndexHandler)]);
//!     app.listen(8888)?;
//!     IoLoop::current().start()
//! }
//! ```
//!
//! # Layout
//! - [`web`] — `Application`, `url`, `RequestHandler`, `Handler`, `HttpError`.
//! - [`httpserver`] — `HttpServer`, `ServerConfig`, `ServerHandle`, `MetricsSnapshot` (per-shard
//!   metrics, served in Prometheus format at `ServerConfig::metrics_path`).
//! - [`ioloop`] — `IoLoop`, `PeriodicCallback`, `Timeout`, `sleep`, `with_timeout`.
//! - [`locks`], [`queues`] — Tornado's `Lock`, `Event`, `Condition`, `Semaphore`, `Queue`, …
//! - [`websocket`] — `WebSocketHandler`, `WebSocketRoute`, `WebSocket`.
//! - [`options`] — `define`, `options`, `parse_command_line`, `parse_config_file`.
//! - [`httputil`] — the decoded `Request` and its parts.
//! - [`process`] — `fork_processes`, `task_id` (the fork model, for comparison).
//! - [`log`] — `enable_pretty_logging`.
//! - `testing` (feature `testing`) — `TestServer`, Tornado's `AsyncHTTPTestCase` for Rust
//!   tests.

pub use typhoon_server::{Error, Result};

/// Tornado's `tornado.web`.
pub mod web {
    pub use typhoon_web::*;
}

/// Tornado's `tornado.httpserver`.
pub mod httpserver {
    pub use typhoon_server::{
        allowed_cpus, BodyError, ConnInfo, Factory, HttpServer, LatencyHistogram, MakeService,
        MetricsSnapshot, RequestBody, Responder, Response, RunningServer, ServerConfig,
        ServerHandle, Service, ShardInfo, ShardSnapshot, Timeouts, Upgraded, UpgradedReader,
        UpgradedWriter,
    };
}

/// Tornado's `tornado.netutil`: `bind_sockets`, for [`HttpServer::add_sockets`]; and
/// `listen_fds`, the sockets of systemd's socket activation.
///
/// [`HttpServer::add_sockets`]: httpserver::HttpServer::add_sockets
pub mod netutil {
    pub use typhoon_server::{bind_sockets, listen_fds};
}

/// Tornado's `tornado.process`: `fork_processes` and `task_id`, the fork model
/// ([`HttpServer::start_processes`] runs one shard in each child).
///
/// [`HttpServer::start_processes`]: httpserver::HttpServer::start_processes
pub mod process {
    pub use typhoon_server::process::*;
}

/// Tornado's `tornado.websocket`: `WebSocketHandler`, served at a route by
/// `WebSocketRoute`.
pub mod websocket {
    pub use typhoon_web::websocket::*;
    /// The sans-io RFC 6455 codec underneath (frames, handshake, permessage-deflate).
    pub use typhoon_websocket as codec;
}

/// Tornado's `tornado.options`.
pub mod options {
    pub use typhoon_options::*;
}

/// Tornado's `tornado.ioloop`.
pub mod ioloop {
    pub use typhoon_server::{
        num_shards, shard_id, sleep, submit_to, with_timeout, Bus, Deadline, ExecutorError, IoLoop,
        Lagged, MeshError, PeriodicCallback, Subscription, Timeout, TimeoutError,
    };
}

/// Tornado's `tornado.locks`: `Lock`, `Event`, `Condition`, `Semaphore`,
/// `BoundedSemaphore` for the tasks of one shard.
pub mod locks {
    pub use typhoon_server::locks::*;
}

/// Tornado's `tornado.queues`: `Queue`, `PriorityQueue`, `LifoQueue` for the tasks of one
/// shard.
pub mod queues {
    pub use typhoon_server::queues::*;
}

/// Tornado's `tornado.httputil`: the request as decoded by the HTTP/1.1 codec.
pub mod httputil {
    pub use typhoon_http1::{Limits, Method, Request, Version};
}

#[cfg(feature = "testing")]
pub mod testing;

/// Tornado's `tornado.log`.
pub mod log {
    /// Sends log records to stderr in Tornado's format (`[I 261126 22:59:20 shard0 handler:292] …`),
    /// at INFO and above unless `RUST_LOG` names another level (`trace`, `debug`, `info`,
    /// `warn`, `error` or `off`). The same logger as the `--logging` options of
    /// [`crate::options`]; the first configuration of the process wins. Safe to call more
    /// than once.
    ///
    /// # Examples
    ///
    /// ```
    /// typhoon::log::enable_pretty_logging();
    /// ```
    pub fn enable_pretty_logging() {
        typhoon_options::enable_default_logging();
    }
}
