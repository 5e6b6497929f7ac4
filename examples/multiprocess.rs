//! The Tornado tutorial's second program: `HTTPServer(app)`, `bind(port)`, `start(2)` —
//! two pinned shards in one process instead of two forked processes.
//!
//! ```text
//! cargo run --release --example multiprocess                 # 2 shards on port 8888
//! cargo run --release --example multiprocess -- --shards 0   # one shard per CPU
//! cargo run --release --example multiprocess -- --shards 1 --reuse-port   # × N: fork model
//! ```

use clap::Parser;
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// Serves `good boy` on `/` from several shards sharing one port.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Number of shards; 0 means one per CPU this process may use.
    #[arg(long, default_value_t = 2)]
    shards: usize,
    /// Leave the shard threads unpinned (for cores shared with other busy processes).
    #[arg(long)]
    no_pin: bool,
    /// Share the port with other processes (SO_REUSEPORT): run several copies with
    /// `--shards 1` to compare with Tornado's fork model of one process per core.
    #[arg(long)]
    reuse_port: bool,
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
    let mut server = HttpServer::new(app);
    server.config_mut().pin = !args.no_pin;
    server.config_mut().reuse_port = args.reuse_port;
    server.bind(args.port)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}
