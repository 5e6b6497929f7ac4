//! Serves a directory with `StaticFileHandler` under `/static/` (Tornado's `static_path`
//! setting), for trying static files and for `scripts/static-bench.sh`.
//!
//! ```text
//! cargo run --release --example static_server -- --root ./public --port 8888
//! curl -i localhost:8888/static/index.html
//! ```

use std::path::PathBuf;

use clap::Parser;
use typhoon::ioloop::IoLoop;
use typhoon::web::{Application, Settings};

/// Serves --root at /static/.
#[derive(Parser)]
struct Args {
    /// The directory to serve.
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// Port to listen on; 0 lets the kernel choose (the log line says which).
    #[arg(long, default_value_t = 8888)]
    port: u16,
}

fn main() {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let app = Application::new(Vec::new()).with_settings(Settings {
        static_path: Some(args.root),
        ..Settings::default()
    });
    if let Err(e) = app
        .listen(args.port)
        .and_then(|_| IoLoop::current().start())
    {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
