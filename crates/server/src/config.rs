//! Server settings: limits, timeouts and socket options, with Tornado-like defaults.

use std::time::Duration;

use typhoon_http1::Limits;

/// Settings shared by every shard of an [`HttpServer`](crate::HttpServer).
///
/// The defaults follow Tornado's `HTTPServer` where it has one (64 KiB header section,
/// 100 MiB body, one-hour idle keep-alive) and the robustness reference where it has none
/// (a total header deadline against slowloris, a body deadline against slow POSTs).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use typhoon_server::ServerConfig;
///
/// let mut config = ServerConfig::default();
/// config.limits.max_body = 1 << 20;
/// config.idle_timeout = Duration::from_secs(75);
/// assert_eq!(config.backlog, 1024);
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Request size limits (request line 8 KiB → 414, head 64 KiB → 431, 100 headers → 431,
    /// body 100 MiB → 413).
    pub limits: Limits,
    /// How long a keep-alive connection may wait for the first byte of its next request
    /// (Tornado's `idle_connection_timeout`, 3600 s).
    pub idle_timeout: Duration,
    /// Total time allowed for a request head from its first byte; not reset by each read,
    /// so a slowloris client cannot stretch it (robustness T1). Expiry answers 408.
    pub header_timeout: Duration,
    /// Total time allowed for a request body once its head is read (robustness T2, F13).
    /// Expiry answers 408 and closes.
    pub body_timeout: Duration,
    /// Longest gap allowed while writing a response to a client that does not read (T3).
    pub write_timeout: Duration,
    /// How long shutdown waits for in-flight requests before the shards stop anyway.
    pub shutdown_timeout: Duration,
    /// `listen(2)` backlog of each shard's socket.
    pub backlog: i32,
    /// Share the port with sockets that are already listening on it (SO_REUSEPORT across
    /// processes). Off by default, so a second server on a busy port fails loudly.
    pub reuse_port: bool,
    /// Port-per-shard mode: besides the shared port P, shard k also listens alone on port
    /// P + 1 + k (each bound address), so a reverse proxy or a monitor can address one
    /// shard. With port 0 the kernel picks each shard's own port; [`ServerHandle::shard_addrs`]
    /// tells which.
    ///
    /// [`ServerHandle::shard_addrs`]: crate::ServerHandle::shard_addrs
    pub port_per_shard: bool,
    /// Close every connection after one response (Tornado's `no_keep_alive`).
    pub no_keep_alive: bool,
    /// Bytes of io_uring registered memory per shard (glommio's `io_memory`). The default
    /// leaves room for several shards within an 8 MiB locked-memory limit.
    pub io_memory: usize,
    /// The `Server` header value sent with every response.
    pub server_name: String,
    /// Pin each shard's thread to its CPU. On by default (thread-per-core on dedicated
    /// cores); turn it off when the cores are shared with other busy processes (a load
    /// generator on the same cores, say), where the scheduler places threads better.
    pub pin: bool,
    /// Threads in each shard's blocking pool, which runs
    /// [`IoLoop::run_in_executor`](crate::IoLoop::run_in_executor) (at least one; 4 by
    /// default). Tornado's default executor is one `ThreadPoolExecutor` per process with
    /// `min(32, CPUs + 4)` threads; here each shard has its own pool, so that a shard never
    /// waits on another's work, and 4 a shard keeps the total near Tornado's on small
    /// machines. The threads are started with the shard and may run on any CPU the process
    /// may use.
    pub blocking_threads: usize,
    /// The restart budget (Tornado's `max_restarts`; `None` is Tornado's 100): how many
    /// times in all the server's shards may die and be restarted — or, in the fork model
    /// ([`HttpServer::start_processes`]), its children — before it gives up. It counts
    /// restarts over the whole server, as Tornado counts them over all its children, not
    /// per shard, and never resets.
    ///
    /// A shard dies when a task of its panics outside a handler (a handler's own panic is
    /// caught: its request gets a 500 and the shard goes on) or its executor fails. Unless
    /// the server is stopping, the shard is then restarted on a new thread with the same
    /// id, CPU and listening sockets and a fresh copy of the application, logged at ERROR
    /// (`shard 1 died: it panicked: …; restarting it (1 of 100 restarts)`) and counted in
    /// [`ServerHandle::restarts`]. The other shards keep serving; connections that arrive
    /// on its sockets meanwhile wait in their accept queues for the new shard, while those
    /// the dead shard held are shut down. Past the budget the server stops gracefully and
    /// `IoLoop::start` / `RunningServer::wait` return [`Error::TooManyRestarts`].
    ///
    /// [`HttpServer::start_processes`]: crate::HttpServer::start_processes
    /// [`ServerHandle::restarts`]: crate::ServerHandle::restarts
    /// [`Error::TooManyRestarts`]: crate::Error::TooManyRestarts
    pub max_restarts: Option<usize>,
    /// Serve the per-shard metrics, in Prometheus's text format, at this path (say
    /// `Some("/metrics".into())`): a `GET` for exactly this target, on any shard, is
    /// answered by the server itself before the service sees it, with every shard's
    /// series. Off (`None`) by default. Scrapes are not counted as requests. The same
    /// numbers are always available from [`ServerHandle::metrics`].
    ///
    /// [`ServerHandle::metrics`]: crate::ServerHandle::metrics
    pub metrics_path: Option<String>,
    /// How long a shard with nothing to do polls its io_uring before it sleeps; zero (the
    /// default) sleeps at once. Waking a sleeping thread takes longer than a small request
    /// (14–20 µs on a virtual machine whose idle vCPU halts), so under steady load a shard
    /// that catches the next request while polling answers it sooner: with 10 µs, at
    /// 60,000 requests/s on one core (28% of its peak), median latency fell from 28 to 16
    /// µs and p99 from 92 to 74 µs, at the price of about a quarter of a core spent
    /// polling (`BENCHMARKS.md`, issue 18). The window closes after four polls in a row
    /// catch nothing (then it is tried one idle spell in 16), so sparse traffic and an
    /// idle shard cost nothing; traffic in between, where a poll catches work only now and
    /// then, pays for the polls it keeps making. On a virtual machine, mind the host: at
    /// half the peak the polling shard never let its vCPU halt, and the host took the CPU
    /// away for tens of milliseconds a run (p99 1.9–2.9 ms instead of 0.4 ms).
    pub idle_spin: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            idle_timeout: Duration::from_secs(3600),
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(10),
            backlog: 1024,
            reuse_port: false,
            port_per_shard: false,
            no_keep_alive: false,
            io_memory: 512 << 10,
            server_name: concat!("TyphoonServer/", env!("CARGO_PKG_VERSION")).to_owned(),
            pin: true,
            blocking_threads: 4,
            max_restarts: None,
            metrics_path: None,
            idle_spin: Duration::ZERO,
        }
    }
}
