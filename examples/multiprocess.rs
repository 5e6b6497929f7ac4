//! The Tornado tutorial's second program: `HTTPServer(app)`, `bind(port)`, `start(2)` —
//! two pinned shards in one process instead of two forked processes; `--model fork` runs
//! Tornado's layout instead (one socket bound here, two forked one-shard processes sharing
//! it, supervised), to compare both models with the same application.
//!
//! ```text
//! cargo run --release --example multiprocess                 # 2 shards on port 8888
//! cargo run --release --example multiprocess -- --shards 0   # one shard per CPU
//! cargo run --release --example multiprocess -- --model fork # 2 forked processes
//! cargo run --release --example multiprocess -- --shards 1 --reuse-port   # x N: N processes
//! cargo run --release --example multiprocess -- --handover /tmp/mp.handover # restartable:
//!     # run it again with the same --handover (any --shards): the new process takes the
//!     # listening sockets over and the old one drains and exits
//! ```

use clap::{Parser, ValueEnum};
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// Serves `good boy` on `/` from several shards sharing one port.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Number of shards (processes with `--model fork`); 0 means one per CPU this process
    /// may use.
    #[arg(long, default_value_t = 2)]
    shards: usize,
    /// `threads`: one process, a pinned shard thread per CPU (`start(n)`); `fork`: a
    /// supervisor process and n forked one-shard processes sharing its socket
    /// (`start_processes(n)`, Tornado's `start(n)`).
    #[arg(long, value_enum, default_value_t = Model::Threads)]
    model: Model,
    /// Restarts allowed in all before giving up (Tornado's `max_restarts`): of shards that
    /// die (a panic that kills a shard's executor), or with `--model fork` of children.
    #[arg(long, default_value_t = typhoon::process::DEFAULT_MAX_RESTARTS)]
    max_restarts: usize,
    /// Leave the shard threads unpinned (for cores shared with other busy processes).
    #[arg(long)]
    no_pin: bool,
    /// Share the port with other processes (SO_REUSEPORT): run several copies with
    /// `--shards 1` to compare with Tornado's fork model of one process per core.
    #[arg(long)]
    reuse_port: bool,
    /// Zero-downtime restarts (threads model): take the listening sockets over from the
    /// process serving handovers at PATH if one answers (binding --port otherwise), then
    /// serve handovers there for the next one.
    #[arg(long, value_name = "PATH")]
    handover: Option<std::path::PathBuf>,
}

/// How the shards are laid out.
#[derive(Clone, Copy, ValueEnum)]
enum Model {
    /// Shard threads in one process.
    Threads,
    /// Forked processes, one shard each.
    Fork,
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
    server.config_mut().max_restarts = Some(args.max_restarts);
    match &args.handover {
        Some(path) => {
            match server.take_over(path) {
                Ok(_) => {}
                Err(typhoon::Error::NothingToTakeOver { .. }) => server.bind(args.port)?,
                Err(e) => return Err(e),
            }
            server.serve_handovers(path);
        }
        None => server.bind(args.port)?,
    }
    match args.model {
        Model::Threads => server.start(args.shards)?,
        Model::Fork => server.start_processes(args.shards)?,
    };
    IoLoop::current().start()
}
