//! The Tornado tutorial's first program: one handler, `app.listen(port)`, `IOLoop.start()`.
//!
//! ```text
//! cargo run --release --example hello            # then: curl localhost:8888/  → good boy
//! cargo run --release --example hello -- --port 9000
//! cargo run --release --example hello -- --metrics --shards 2   # curl localhost:8888/metrics
//! ```
//!
//! Restarts without downtime (scripts/hot-restart.sh): start every generation with the same
//! `--handover PATH`; each new one takes the listening sockets over from the one running
//! (which drains and exits 0), or binds `--port` when none runs.
//!
//! ```text
//! hello --handover /tmp/hello.handover &        # binds port 8888
//! hello --handover /tmp/hello.handover &        # takes over; the first drains and exits
//! ```
//!
//! Started by systemd socket activation (`LISTEN_FDS`), it serves the sockets passed.

use std::path::PathBuf;

use clap::Parser;
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// Serves `good boy` on `/`.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Serve handovers on this Unix socket path, after taking the listening sockets over
    /// from the server serving handovers there if one answers (binding --port otherwise).
    #[arg(long, value_name = "PATH")]
    handover: Option<PathBuf>,
    /// Take the listening sockets over from the server serving handovers at PATH (which
    /// then drains and exits), failing if none answers; then serve handovers there too.
    #[arg(long, value_name = "PATH", conflicts_with = "handover")]
    takeover: Option<PathBuf>,
    /// Serve per-shard metrics in Prometheus's text format at `--metrics-path`.
    #[arg(long)]
    metrics: bool,
    /// Where `--metrics` serves them.
    #[arg(long, default_value = "/metrics")]
    metrics_path: String,
    /// Shards sharing the port; 1 is Tornado's `listen(port)`, 0 one per CPU.
    #[arg(long, default_value_t = 1)]
    shards: usize,
}

/// Tornado: `class IndexHandler(tornado.web.RequestHandler)`.
struct IndexHandler;

impl RequestHandler for IndexHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("good boy");
        Ok(())
    }
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    // First: it edits the environment, which no other thread may be reading.
    let activated = typhoon::netutil::listen_fds()?;
    typhoon::log::enable_pretty_logging();
    let app = Application::new(vec![url(r"/", || IndexHandler)]);
    let handover = args.takeover.as_ref().or(args.handover.as_ref());
    if !args.metrics && activated.is_empty() && handover.is_none() && args.shards == 1 {
        app.listen(args.port)?;
        return IoLoop::current().start();
    }
    // The same server, configured: Tornado's `HTTPServer(app)`, `bind`, `start(n)`.
    let mut server = HttpServer::new(app);
    if args.metrics {
        server.config_mut().metrics_path = Some(args.metrics_path);
    }
    let taken_over = match (&args.takeover, &args.handover) {
        (Some(path), _) => server.take_over(path).map(|_| true)?,
        (None, Some(path)) => match server.take_over(path) {
            Ok(_) => true,
            Err(typhoon::Error::NothingToTakeOver { .. }) => false,
            Err(e) => return Err(e),
        },
        (None, None) => false,
    };
    if !taken_over {
        if activated.is_empty() {
            server.bind(args.port)?;
        } else {
            server.add_sockets(activated)?;
        }
    }
    if let Some(path) = handover {
        server.serve_handovers(path);
    }
    server.start(args.shards)?;
    IoLoop::current().start()
}
