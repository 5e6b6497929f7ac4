//! `good boy` from the server's own `Service` API, below the web layer: no routing, no
//! handler lifecycle, no automatic ETag — what hyper's `service_fn` or may-minihttp offer.
//!
//! The benchmark harness runs it beside the `hello` example to show what the Tornado-style
//! web layer costs per request.
//!
//! ```text
//! cargo run --release --example hello_service            # then: curl localhost:8888/
//! cargo run --release --example hello_service -- --port 9000
//! ```

use clap::Parser;
use typhoon::httpserver::{Factory, HttpServer, Responder, Service, ShardInfo};
use typhoon::httputil::Request;
use typhoon::ioloop::IoLoop;

/// Serves `good boy` for every request.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
}

/// One shard's service: answers every request at once.
struct Hello;

impl Service for Hello {
    async fn call(&self, _req: Request, out: Responder) {
        let headers = [("Content-Type", "text/plain; charset=UTF-8")];
        out.send_parts(200, "", headers, b"good boy");
    }
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    // One `Hello` per shard, built on the shard's thread.
    let mut server = HttpServer::new(Factory(|_shard: &ShardInfo| Hello));
    server.bind(args.port)?;
    server.start(1)?;
    IoLoop::current().start()
}
