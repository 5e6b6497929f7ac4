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
    typhoon::log::enable_pretty_logging();
    let app = Application::new(vec![url(r"/", || IndexHandler)]);
    if !args.metrics && args.handover.is_none() && args.takeover.is_none() && args.shards == 1 {
        app.listen(args.port)?;
        return IoLoop::current().start();
    }
    // The same server, configured: Tornado's `HTTPServer(app)`, `bind`, `start(n)`.
    let mut server = HttpServer::new(app);
    if args.metrics {
        server.config_mut().metrics_path = Some(args.metrics_path);
    }
    if let Some(path) = &args.takeover {
        server.take_over(path)?;
        server.serve_handovers(path);
    } else if let Some(path) = &args.handover {
        match server.take_over(path) {
            Ok(_) => {}
            Err(typhoon::Error::NothingToTakeOver { .. }) => server.bind(args.port)?,
            Err(e) => return Err(e),
        }
        server.serve_handovers(path);
    } else {
        server.bind(args.port)?;
    }
    server.start(args.shards)?;
    IoLoop::current().start()
}
