//! `HttpServer`: Tornado's `HTTPServer(app)`, `bind(port)`, `start(n)` and `listen(port)`,
//! with shards in place of forked processes.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;

use socket2::Socket;

use crate::config::ServerConfig;
use crate::cpus::{allowed_cpus, format_cpus};
use crate::error::{Error, Result};
use crate::handle::{ServerHandle, Shared};
use crate::ioloop::IoLoop;
use crate::launch::{Plan, RunningServer};
use crate::listener::{bind_all, bind_listener, check_free, BindSpec};
use crate::metrics::Metrics;
use crate::service::{MakeService, ShardInfo};
use crate::takeover::{self, Handover};

/// An HTTP server made of shards: one pinned thread per shard, each with its own io_uring
/// executor, its own SO_REUSEPORT listener and its own service built by `make`.
///
/// As in Tornado, `bind` then `start(n)` (or `listen(port)` for one shard) registers the
/// server with the thread's [`IoLoop`], and `IoLoop::current().start()` runs it.
///
/// # Examples
///
/// ```no_run
/// use typhoon_server::{Factory, HttpServer, IoLoop, Responder, Response, Service, ShardInfo};
///
/// struct Hello;
/// impl Service for Hello {
///     async fn call(&self, _req: typhoon_http1::Request, out: Responder) {
///         out.send(Response::new(200, "good boy"));
///     }
/// }
///
/// fn main() -> typhoon_server::Result<()> {
///     let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
///     server.bind(8888)?;
///     server.start(2)?;          // two pinned shards; None or 0 = one per allowed CPU
///     IoLoop::current().start()
/// }
/// ```
pub struct HttpServer<M> {
    make: Arc<M>,
    config: ServerConfig,
    /// Concrete addresses bound so far (port 0 already replaced by the kernel's choice).
    addrs: Vec<SocketAddr>,
    /// Shard 0's listeners, bound by `bind` so errors surface there, as in Tornado.
    first: Vec<Socket>,
    /// Addresses of `first`: every other shard binds its own socket on each.
    group: Vec<SocketAddr>,
    /// `group` with the ports as asked for: a shard's own port (port-per-shard mode) is
    /// the asked port + 1 + its id, or one the kernel picks when the asked port was 0.
    asked: Vec<SocketAddr>,
    /// Sockets given by `add_sockets`: every shard accepts from its own duplicate of each.
    shared: Vec<Socket>,
    /// Sockets taken over from another server (`take_over`): spread over the shards, each
    /// accepted from by at least one.
    spread: Vec<Socket>,
    /// The server taken over from, and where to serve handovers (`takeover`).
    handover: Handover,
}

impl<M: MakeService> HttpServer<M> {
    /// A server for `make` (an `Application`, or a [`Factory`](crate::Factory)) with the
    /// default [`ServerConfig`].
    pub fn new(make: M) -> Self {
        Self::with_config(make, ServerConfig::default())
    }

    /// A server with explicit settings.
    pub fn with_config(make: M, config: ServerConfig) -> Self {
        Self {
            make: Arc::new(make),
            config,
            addrs: Vec::new(),
            first: Vec::new(),
            group: Vec::new(),
            asked: Vec::new(),
            shared: Vec::new(),
            spread: Vec::new(),
            handover: Handover::default(),
        }
    }

    /// The settings, to change before `start`.
    pub fn config_mut(&mut self) -> &mut ServerConfig {
        &mut self.config
    }

    /// Binds `port` on every interface, IPv4 and IPv6 (Tornado's `bind(port)`). Port 0 asks
    /// the kernel for a free port; [`ServerHandle::port`] tells which.
    ///
    /// # Errors
    ///
    /// [`Error::PortInUse`] if another socket already listens there (unless
    /// [`ServerConfig::reuse_port`] asks to share it), or [`Error::Bind`].
    pub fn bind(&mut self, port: u16) -> Result<()> {
        self.bind_spec(BindSpec {
            port,
            address: None,
        })
    }

    /// Binds `port` on the addresses `address` resolves to (`"127.0.0.1"`, `"::1"`,
    /// `"localhost"`, a host name); `""` means every interface.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind), plus [`Error::Resolve`].
    pub fn bind_addr(&mut self, port: u16, address: &str) -> Result<()> {
        self.bind_spec(BindSpec {
            port,
            address: Some(address.to_owned()),
        })
    }

    fn bind_spec(&mut self, spec: BindSpec) -> Result<()> {
        for (socket, local) in bind_all(&spec, self.config.backlog, self.config.reuse_port)? {
            self.addrs.push(local);
            self.group.push(local);
            self.asked.push(SocketAddr::new(local.ip(), spec.port));
            self.first.push(socket);
        }
        Ok(())
    }

    /// Serves on listening sockets made elsewhere (Tornado's `add_sockets`): by
    /// [`bind_sockets`](crate::bind_sockets), by a supervisor that bound them before
    /// dropping privileges, or inherited from another process. Every shard accepts from
    /// its own duplicate of each socket, and stopping the server leaves the sockets
    /// listening for whoever else holds them.
    ///
    /// # Errors
    ///
    /// [`Error::Bind`] when a socket is not a listening TCP socket or cannot be made
    /// non-blocking.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # fn main() -> typhoon_server::Result<()> {
    /// use typhoon_server::{bind_sockets, Factory, HttpServer, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let sockets = bind_sockets(8888, "127.0.0.1", 1024)?;
    /// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
    /// server.add_sockets(sockets)?;
    /// server.start(2)?;
    /// # Ok(()) }
    /// ```
    pub fn add_sockets(&mut self, sockets: impl IntoIterator<Item = TcpListener>) -> Result<()> {
        for listener in sockets {
            let socket = checked_listener(listener)?;
            self.addrs
                .extend(socket.local_addr().ok().and_then(|a| a.as_socket()));
            self.shared.push(socket);
        }
        Ok(())
    }

    /// Takes over the listening sockets of the running server that serves handovers at
    /// `path` (see [`serve_handovers`](Self::serve_handovers)), for a restart without
    /// downtime: this server accepts from the very same sockets, spread over its shards
    /// (any number of them), so no connection waiting in their accept queues is lost. Once
    /// this server has started and accepts connections, the old one is told to stop
    /// accepting, drain and exit. Returns how many sockets were taken over.
    ///
    /// # Errors
    ///
    /// [`Error::NothingToTakeOver`] when no server answers at `path` (to bind instead,
    /// as `--handover` does in the examples), [`Error::Takeover`] when one answers but the
    /// handover fails (the old server then keeps serving).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use typhoon_server::{Error, Factory, HttpServer, IoLoop, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let path = "/run/hello.handover";
    /// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
    /// match server.take_over(path) {
    ///     Ok(_) => {}                                          // the old one drains
    ///     Err(Error::NothingToTakeOver { .. }) => server.bind(8888)?, // the first start
    ///     Err(e) => return Err(e),
    /// }
    /// server.serve_handovers(path);                            // for the next restart
    /// server.start(None)?;
    /// IoLoop::current().start()?;
    /// # Ok::<(), Error>(())
    /// ```
    pub fn take_over(&mut self, path: impl AsRef<Path>) -> Result<usize> {
        let path = path.as_ref();
        let (stream, sockets) = takeover::receive(path)?;
        let count = sockets.len();
        for listener in sockets {
            let socket = checked_listener(listener)?;
            if let Some(addr) = socket.local_addr().ok().and_then(|a| a.as_socket()) {
                if !self.addrs.contains(&addr) {
                    self.addrs.push(addr);
                }
            }
            self.spread.push(socket);
        }
        self.handover.predecessor = Some((stream, path.to_owned()));
        Ok(count)
    }

    /// Once started, serves handovers at the Unix socket `path`: a new process that calls
    /// [`take_over`](Self::take_over) with it gets every listening socket of this server,
    /// and when it accepts connections this server stops accepting, answers each
    /// keep-alive connection's next request with `Connection: close` (closing those idle
    /// for a second), finishes in-flight requests and stops, as
    /// [`ServerHandle::stop`] does. The path is taken over from a predecessor atomically,
    /// made accessible to the owner only, and removed when the server stops without a
    /// successor. Not for [`start_processes`](Self::start_processes).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
    /// # struct Hello;
    /// # impl typhoon_server::Service for Hello {
    /// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
    /// # }
    /// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
    /// server.bind(8888)?;
    /// server.serve_handovers("/run/hello.handover");
    /// let running = server.start_background(2)?;
    /// running.wait()?;    // returns once a new process has taken over and this one drained
    /// # Ok::<(), typhoon_server::Error>(())
    /// ```
    pub fn serve_handovers(&mut self, path: impl AsRef<Path>) {
        self.handover.serve_at = Some(path.as_ref().to_owned());
    }

    /// Starts `shards` shards on the first allowed CPUs and registers them with
    /// [`IoLoop::current`]; `None` or `Some(0)` means one shard per CPU the process may run
    /// on (its affinity mask: taskset, cgroups and containers are respected).
    ///
    /// # Errors
    ///
    /// [`Error::TooManyShards`] when asking for more shards than allowed CPUs;
    /// [`Error::Usage`] before `bind`; bind errors for the other shards' listeners.
    pub fn start(self, shards: impl Into<Option<usize>>) -> Result<ServerHandle> {
        let plan = self.plan(shards.into())?;
        let handle = plan.handle();
        IoLoop::current().add(Box::new(plan));
        Ok(handle)
    }

    /// The fork model, Tornado's `start(n)`: forks `processes` children with
    /// [`fork_processes`](crate::process::fork_processes) (`None` or `Some(0)`: one per
    /// allowed CPU), and in each registers one shard with [`IoLoop::current`], pinned to the
    /// allowed CPU numbered by its task id and accepting from the sockets bound here, which
    /// every child shares. The parent never returns: it supervises the children (restarts
    /// within [`ServerConfig::max_restarts`], SIGINT/SIGTERM passed on) and exits when they
    /// have all stopped. Call it before anything starts a thread.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start) (in the parent, before forking), plus
    /// [`Error::Usage`] when the process already has threads or
    /// [`ServerConfig::port_per_shard`] is on, and, in the parent once it gives up,
    /// [`Error::TooManyRestarts`].
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
    /// server.start_processes(2)?;   // from here on, in child 0 or child 1
    /// IoLoop::current().start()?;
    /// # Ok::<(), typhoon_server::Error>(())
    /// ```
    pub fn start_processes(self, processes: impl Into<Option<usize>>) -> Result<ServerHandle> {
        if self.config.port_per_shard {
            return Err(Error::Usage(
                "start_processes() does not support port_per_shard: use start(n) for it",
            ));
        }
        if self.handover.predecessor.is_some() || self.handover.serve_at.is_some() {
            return Err(Error::Usage(
                "start_processes() does not support take_over or serve_handovers: use start(n)",
            ));
        }
        if self.first.is_empty() && self.shared.is_empty() {
            return Err(Error::Usage(
                "start_processes() needs a listening address: call bind(port) or add_sockets first",
            ));
        }
        // Checked once here rather than failing in every child, and on this thread: the
        // process must keep a single thread until it forks.
        crate::uring::probe_here()?;
        let cpus = allowed_cpus().map_err(|source| Error::Io {
            context: "cannot read the CPU affinity mask",
            source,
        })?;
        let count = match processes.into() {
            None | Some(0) => cpus.len(),
            Some(n) if n > cpus.len() => {
                return Err(Error::TooManyShards {
                    requested: n,
                    available: cpus.len(),
                    cpus: format_cpus(&cpus),
                })
            }
            Some(n) => n,
        };
        let task = crate::process::fork_processes(count, self.config.max_restarts)?;
        let mut plan = self.plan(Some(1))?;
        for (info, _) in &mut plan.shards {
            info.cpu = cpus[task];
        }
        let handle = plan.handle();
        IoLoop::current().add(Box::new(plan));
        Ok(handle)
    }

    /// One shard on `port`, every interface: Tornado's `listen(port)` (a single process).
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind).
    pub fn listen(mut self, port: u16) -> Result<ServerHandle> {
        self.bind(port)?;
        self.start(1)
    }

    /// Starts the shards now, on their own threads, without an `IoLoop`: for tests and for
    /// programs that run several things. Returns once every shard accepts connections.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start), plus any shard's startup failure.
    pub fn start_background(self, shards: impl Into<Option<usize>>) -> Result<RunningServer> {
        self.plan(shards.into())?.launch_alone()
    }

    /// `bind_addr(port, "127.0.0.1")` then one shard in the background: the usual test setup.
    ///
    /// # Errors
    ///
    /// As [`start_background`](Self::start_background).
    pub fn listen_background(mut self, port: u16) -> Result<RunningServer> {
        self.bind_addr(port, "127.0.0.1")?;
        self.start_background(1)
    }

    fn plan(mut self, shards: Option<usize>) -> Result<Plan<M>> {
        if self.first.is_empty() && self.shared.is_empty() && self.spread.is_empty() {
            return Err(Error::Usage(
                "start() needs a listening address: call bind(port), add_sockets or take_over first",
            ));
        }
        crate::uring::probe()?;
        let cpus = allowed_cpus().map_err(|source| Error::Io {
            context: "cannot read the CPU affinity mask",
            source,
        })?;
        let count = match shards {
            None | Some(0) => cpus.len(),
            Some(n) if n > cpus.len() => {
                return Err(Error::TooManyShards {
                    requested: n,
                    available: cpus.len(),
                    cpus: format_cpus(&cpus),
                })
            }
            Some(n) => n,
        };
        let config = Arc::new(self.config);
        let mut shard_addrs = Vec::with_capacity(count);
        let mut shards = Vec::with_capacity(count);
        let mut first = Some(self.first);
        let spread_addrs: Vec<_> = self
            .spread
            .iter()
            .map(|s| s.local_addr().ok().and_then(|a| a.as_socket()))
            .collect();
        for (id, &cpu) in cpus.iter().enumerate().take(count) {
            let mut sockets = match first.take() {
                Some(sockets) => sockets,
                None => self
                    .group
                    .iter()
                    .map(|&addr| bind_listener(addr, config.backlog))
                    .collect::<Result<Vec<_>>>()?,
            };
            let mut own = Vec::new();
            if config.port_per_shard {
                for addr in own_addrs(&self.asked, id) {
                    if addr.port() != 0 && !config.reuse_port {
                        check_free(addr)?;
                    }
                    let socket = bind_listener(addr, config.backlog)?;
                    own.extend(socket.local_addr().ok().and_then(|a| a.as_socket()));
                    sockets.push(socket);
                }
            }
            for socket in &self.shared {
                sockets.push(socket.try_clone().map_err(|source| Error::Io {
                    context: "cannot duplicate a socket given to add_sockets",
                    source,
                })?);
            }
            for i in takeover::spread(&spread_addrs, count, id) {
                sockets.push(self.spread[i].try_clone().map_err(|source| Error::Io {
                    context: "cannot duplicate a socket taken over",
                    source,
                })?);
            }
            if self.handover.serve_at.is_some() {
                for socket in &sockets {
                    self.handover.keep(socket).map_err(|source| Error::Io {
                        context: "cannot keep a listening socket to hand over",
                        source,
                    })?;
                }
            }
            shard_addrs.push(own);
            shards.push((
                ShardInfo {
                    id,
                    shards: count,
                    cpu,
                },
                sockets,
            ));
        }
        Ok(Plan {
            make: self.make,
            config,
            shards,
            addrs: self.addrs,
            shard_addrs,
            shared: Arc::new(Shared::default()),
            metrics: Arc::new(Metrics::new(count)),
            handover: self.handover,
        })
    }
}

/// `listener` checked to be a listening TCP socket, made non-blocking.
fn checked_listener(listener: TcpListener) -> Result<Socket> {
    let socket = Socket::from(listener);
    let addr = socket.local_addr().ok().and_then(|a| a.as_socket());
    let checked = socket
        .is_listener()
        .and_then(|listening| {
            if listening {
                socket.set_nonblocking(true)
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "the socket is not listening",
                ))
            }
        })
        .and(addr.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a TCP socket")
        }));
    match checked {
        Ok(_) => Ok(socket),
        Err(source) => Err(Error::Bind {
            addr: addr.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0))),
            source,
        }),
    }
}

/// Shard `id`'s own addresses in port-per-shard mode: each address of the shared group at
/// its port + 1 + `id` (port 0 stays 0: the kernel picks).
fn own_addrs(group: &[SocketAddr], id: usize) -> Vec<SocketAddr> {
    let mut seen = Vec::new();
    for addr in group {
        let port = match addr.port() {
            0 => 0,
            port => port.saturating_add(1).saturating_add(id as u16),
        };
        let own = SocketAddr::new(addr.ip(), port);
        if !seen.contains(&own) {
            seen.push(own);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shard_owns_the_port_after_the_shared_one_plus_its_id() {
        let group: Vec<SocketAddr> = vec![
            "0.0.0.0:8888".parse().unwrap(),
            "[::]:8888".parse().unwrap(),
        ];
        let own = own_addrs(&group, 2);
        assert_eq!(
            own,
            [
                "0.0.0.0:8891".parse().unwrap(),
                "[::]:8891".parse().unwrap()
            ]
        );
        let any: Vec<SocketAddr> = vec!["127.0.0.1:0".parse().unwrap()];
        assert_eq!(own_addrs(&any, 5), any);
    }
}
