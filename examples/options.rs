//! The Tornado tutorial's options program (being written: see issue 4).
//!
//! ```text
//! cargo run --release --example hello            # then: curl localhost:8888/  → good boy
//! cargo run --release --example hello -- --port 9000
//! ```

use clap::Parser;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// Serves `good boy` on `/`.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
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
    app.listen(args.port)?;
    IoLoop::current().start()
}
