//! Typhoon's thread-per-core HTTP/1.1 server.
//!
//! Each shard is a thread pinned to one CPU, running its own glommio (io_uring) executor,
//! accepting on its own SO_REUSEPORT listener and serving with its own private copy of the
//! application. Nothing is shared between shards on the request path. This crate is the
//! only one in Typhoon that does I/O; the HTTP/1.1 framing is `typhoon_http1`'s, pure.
//!
//! ```no_run
//! use typhoon_server::{Factory, HttpServer, IoLoop, Responder, Response, Service, ShardInfo};
//!
//! struct Hello;
//! impl Service for Hello {
//!     async fn call(&self, _req: typhoon_http1::Request, out: Responder) {
//!         out.send(Response::new(200, "good boy"));
//!     }
//! }
//!
//! fn main() -> typhoon_server::Result<()> {
//!     let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
//!     server.bind(8888)?;
//!     server.start(None)?;    // one shard per allowed CPU
//!     IoLoop::current().start()
//! }
//! ```
//!
//! # How an idle shard sleeps and wakes
//! glommio owns the shard's thread and its sleep (its timers and channels need that), while
//! the sockets live on a second io_uring of the shard's own, set up with `DEFER_TASKRUN`
//! (the cheapest mode per request: completions are batched into the shard's own
//! `io_uring_enter`). Such a ring has no completions for anyone to wait on until its owner
//! enters it, so something must wake glommio when a socket event queues work for it:
//!
//! - Not the ring's registered eventfd: the kernel signals it from softirq context through
//!   an RCU callback, one grace period later (8–16 ms on Linux 6.18; an idle shard
//!   answered 62 requests/s on one connection).
//! - Instead the shard's doorbell (`doorbell`): an epoll set holding every socket, which
//!   glommio polls while it sleeps. epoll is woken in the same wait-queue walk that queues
//!   the ring's work, and after it (the ring's waits are armed later and sit nearer the
//!   head); listeners are polled rather than accepted by io_uring, whose accept waits at
//!   the tail. So the woken shard always finds the work: median 43 µs a request on one
//!   connection, where it was 16 ms.
//!
//! Under load nobody sleeps: the edge-triggered set costs one list insertion per event
//! and is emptied only when the shard is about to sleep. And before handing its sleep to
//! glommio, a shard with nothing else to run waits in its own ring (the kernel ends that
//! wait the moment work is queued): one syscall where glommio's sleep and wake cost about
//! ten, which is what a request costs at one connection or a few thousand a second. A
//! heartbeat timeout kept armed in the ring ends such a wait after 1 ms at most, glommio
//! then looks at its timers, and after three heartbeats with no work the shard sleeps in
//! glommio. Where [`ServerConfig::idle_spin`] is set, a shard first polls the ring for
//! that long (`idle_spin`): a wakeup costs more than a small request (14–20 µs on a
//! virtual machine whose idle vCPU halts), and under steady load the next request often
//! comes within the window; it closes after a few polls in a row catch nothing.
//! The wait is taken only when no other task is ready (`task`: the tasks the
//! server spawns count their polls, and a pass in which one ran is not idle), and wakes
//! from other threads (the blocking pool, other shards) go to the shard's `mailbox`,
//! whose eventfd ends either sleep at once.
//!
//! # Layout
//! - `server`: [`HttpServer`] — bind, start(n), listen.
//! - `launch`: shard threads, readiness, [`RunningServer`].
//! - `ioloop`: [`IoLoop`] — runs registered servers (SIGINT/SIGTERM in `signals`); on a
//!   shard, its callbacks, [`Timeout`]s, [`PeriodicCallback`], [`sleep`], [`with_timeout`]
//!   and the blocking pool (`run_in_executor`).
//! - `shard`: one shard's executor, accept loops and drain; `supervise`: its keeper, which
//!   restarts a shard that dies within [`ServerConfig::max_restarts`].
//! - `conn`: the connection driver (an idle wait holding only the socket, then a boxed
//!   busy session: read, decode, call, one send per batch).
//! - `upgraded`: [`Upgraded`], a connection handed over by [`Responder::upgrade`] after
//!   `101 Switching Protocols` (WebSocket's way in).
//! - `responder`: [`Responder`], a whole response or a streamed one; `io`: the socket side;
//!   `body`: [`RequestBody`], a request body its handler reads as it arrives.
//! - `ring`: the shard's own io_uring beside glommio's (one enter per loop turn), with
//!   `accept` (a listener's readiness poll, then `accept4`), `sock` (multishot receive
//!   into the provided buffers of `bufring`, sends), `doorbell` (an epoll set of the
//!   ring's sockets that glommio sleeps on while the shard is idle) and `park` (awaiting
//!   an fd inside glommio).
//! - `mailbox`: wakes posted by other threads, delivered at each ring turn, with an
//!   eventfd that rings a sleeping shard; `afar`: the future wrapper that routes a task's
//!   wakes there; `task`: spawning so the ring's driver sees a task run.
//! - `context`: which shard the calling thread runs ([`shard_id`], [`num_shards`]).
//! - `mesh`: cross-shard messaging: [`submit_to`] and the broadcast [`Bus`], over one
//!   bounded lock-free inbox per shard.
//! - `state`: shard-local state (stop flag, connection registry and deadline sweep, the
//!   `Server` and `Date` preamble);
//!   `pool`: the shard's connection buffers.
//! - `handle`: [`ServerHandle`], stopping from any thread.
//! - `metrics`: per-shard counters (each shard writes only its own cache lines), their
//!   [`MetricsSnapshot`] and its Prometheus text, served at
//!   [`ServerConfig::metrics_path`] when set.
//! - [`process`]: the fork model, Tornado's `fork_processes` and `task_id` (supervised child
//!   processes; [`HttpServer::start_processes`] serves one shard in each).
//! - [`locks`], [`queues`]: Tornado's `tornado.locks` and `tornado.queues` for the tasks of
//!   one shard (FIFO waiters, timeouts, cancellation that wedges nothing).
//! - `listener`: socket2 listeners, the port-in-use probe.
//! - `activation`: systemd socket activation ([`listen_fds`]).
//! - `takeover`: zero-downtime restart, the listening sockets handed to a new process over
//!   a Unix socket ([`HttpServer::take_over`], [`HttpServer::serve_handovers`]).
//! - `cpus`: the affinity mask and pinning; `uring`: the io_uring availability check.
//! - `service`: [`Service`] / [`MakeService`], the seam to the application.
//! - `config`: [`ServerConfig`]; `error`: [`Error`].

mod accept;
mod activation;
mod afar;
mod body;
mod bufring;
mod config;
mod conn;
mod context;
mod cpus;
mod doorbell;
mod error;
mod handle;
mod idle_spin;
mod io;
mod ioloop;
mod launch;
mod listener;
pub mod locks;
mod mailbox;
mod mesh;
mod metrics;
pub mod nowait;
mod park;
mod pool;
pub mod process;
pub mod queues;
mod responder;
mod ring;
mod server;
mod service;
mod shard;
mod sock;
mod state;
mod supervise;
mod takeover;
mod task;
mod upgraded;
mod uring;

pub use activation::listen_fds;
pub use body::{BodyError, RequestBody};
pub use config::ServerConfig;
pub use context::{current_shard, num_shards, shard_id};
pub use cpus::allowed_cpus;
pub use error::{Error, Result};
pub use handle::ServerHandle;
pub use ioloop::{
    sleep, with_timeout, Deadline, ExecutorError, IoLoop, PeriodicCallback, Timeout, TimeoutError,
};
pub use launch::RunningServer;
pub use listener::bind_sockets;
pub use mesh::{submit_to, Bus, Lagged, MeshError, Subscription};
pub use metrics::{LatencyHistogram, MetricsSnapshot, ShardSnapshot, Timeouts};
pub use responder::Responder;
pub use server::HttpServer;
pub use service::{ConnInfo, Factory, MakeService, Response, Service, ShardInfo};
pub use typhoon_http1 as http1;
pub use upgraded::{Upgraded, UpgradedReader, UpgradedWriter};
