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
use typhoon::httpserver::{HttpServer, MakeService, Responder, Service, ShardInfo};
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

/// Builds a [`Hello`] on each shard's thread.
#[derive(Clone)]
struct MakeHello;

impl MakeService for MakeHello {
    type Service = Hello;

    fn make_service(&self, _shard: &ShardInfo) -> Hello {
        Hello
    }
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let mut server = HttpServer::new(MakeHello);
    server.bind(args.port)?;
    server.start(1)?;
    IoLoop::current().start()
}
