//! The Tornado tutorial's first program: one handler, `app.listen(port)`, `IOLoop.start()`.
//!
//! ```text
//! cargo run --release --example hello            # then: curl localhost:8888/  → good boy
//! cargo run --release --example hello -- --port 9000
//! cargo run --release --example hello -- --metrics --shards 2   # curl localhost:8888/metrics
//! ```

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
    if !args.metrics && args.shards == 1 {
        app.listen(args.port)?;
        return IoLoop::current().start();
    }
    // The same server, configured: Tornado's `HTTPServer(app)`, `bind`, `start(n)`.
    let mut server = HttpServer::new(app);
    if args.metrics {
        server.config_mut().metrics_path = Some(args.metrics_path);
    }
    server.bind(args.port)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}
