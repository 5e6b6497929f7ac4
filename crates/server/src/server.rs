//! `HttpServer`: Tornado's `HTTPServer(app)`, `bind(port)`, `start(n)` and `listen(port)`,
//! with shards in place of forked processes.

use std::net::SocketAddr;
use std::sync::Arc;

use socket2::Socket;

use crate::config::ServerConfig;
use crate::cpus::{allowed_cpus, format_cpus};
use crate::error::{Error, Result};
use crate::handle::{ServerHandle, Shared};
use crate::ioloop::IoLoop;
use crate::launch::{Plan, RunningServer};
use crate::listener::{bind_listener, check_free, is_absent_family, resolve, BindSpec};
use crate::service::{MakeService, ShardInfo};

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
        let lenient = matches!(spec.address.as_deref(), None | Some("") | Some("localhost"));
        let mut port = spec.port;
        let mut bound = 0;
        for addr in resolve(&spec)? {
            let addr = SocketAddr::new(addr.ip(), port);
            let socket = if port != 0 && !self.config.reuse_port {
                check_free(addr).and_then(|()| bind_listener(addr, self.config.backlog))
            } else {
                bind_listener(addr, self.config.backlog)
            };
            let socket = match socket {
                Ok(socket) => socket,
                Err(e) if lenient && is_absent_family(&e) => {
                    log::debug!("skipping {addr}: {e}");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let local = socket
                .local_addr()
                .ok()
                .and_then(|a| a.as_socket())
                .ok_or(Error::Usage("a bound socket has no local address"))?;
            // As Tornado's bind_sockets: with port 0, the first family's port is reused.
            port = local.port();
            self.addrs.push(local);
            self.first.push(socket);
            bound += 1;
        }
        if bound == 0 {
            return Err(Error::Usage("no address could be bound"));
        }
        Ok(())
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

    fn plan(self, shards: Option<usize>) -> Result<Plan<M>> {
        if self.first.is_empty() {
            return Err(Error::Usage(
                "start() needs a listening address: call bind(port) first",
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
        let mut listeners = vec![self.first];
        for _ in 1..count {
            let sockets = self
                .addrs
                .iter()
                .map(|&addr| bind_listener(addr, config.backlog));
            listeners.push(sockets.collect::<Result<Vec<_>>>()?);
        }
        let shards = listeners
            .into_iter()
            .enumerate()
            .map(|(id, sockets)| {
                (
                    ShardInfo {
                        id,
                        shards: count,
                        cpu: cpus[id],
                    },
                    sockets,
                )
            })
            .collect();
        Ok(Plan {
            make: self.make,
            config,
            shards,
            addrs: self.addrs,
            shared: Arc::new(Shared::default()),
        })
    }
}
