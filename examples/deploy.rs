//! A deployable app for running behind nginx: one port per shard, `xheaders` on, and the
//! server's deadlines on the command line (see `examples/deploy/` for nginx and systemd).
//!
//! ```text
//! cargo run --release --example deploy -- --port-per-shard --shards 2
//! curl localhost:8888/          # → good boy
//! curl localhost:8889/whoami    # → remote_ip=127.0.0.1 shard=0   (shard 0 alone)
//! curl -d hello localhost:8888/upload   # → received 5 bytes
//! ```
//!
//! Behind a proxy the app trusts `X-Real-Ip` and `X-Forwarded-For` as Tornado's
//! `xheaders=True` does, so it binds 127.0.0.1 by default: only the proxy may reach it.

use std::time::Duration;

use clap::Parser;
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

/// Serves `/`, `/whoami` and `POST /upload` from sharded listeners, for a reverse proxy.
#[derive(Parser)]
struct Args {
    /// Port shared by every shard; with `--port-per-shard` shard k also listens alone on
    /// port + 1 + k.
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Address to bind; "" means every interface. Keep it private: the app believes
    /// whatever X-Real-Ip says.
    #[arg(long, default_value = "127.0.0.1")]
    address: String,
    /// Number of shards; 0 means one per CPU this process may use.
    #[arg(long, default_value_t = 0)]
    shards: usize,
    /// Shard k also listens alone on port + 1 + k, for an nginx upstream of shards.
    #[arg(long)]
    port_per_shard: bool,
    /// Seconds a client has to send a whole request head (slowloris deadline; 408).
    #[arg(long, default_value_t = 30)]
    header_timeout: u64,
    /// Seconds a client has to send a whole request body (slow POST deadline; 408).
    #[arg(long, default_value_t = 60)]
    body_timeout: u64,
    /// Microseconds an idle shard polls before it sleeps (`ServerConfig::idle_spin`; 0:
    /// sleep at once): lower latency under steady load for the CPU the polls take.
    #[arg(long, default_value_t = 0)]
    idle_spin_us: u64,
}

/// `/`: the tutorial's answer.
struct IndexHandler;

impl RequestHandler for IndexHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("good boy");
        Ok(())
    }
}

/// `/whoami`: the client address the app sees (after xheaders) and the shard serving it.
struct WhoamiHandler;

impl RequestHandler for WhoamiHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let answer = format!("remote_ip={} shard={}\n", h.remote_ip(), h.shard());
        h.write(answer);
        Ok(())
    }
}

/// `POST /upload`: reads the whole body (so a slow POST meets the body deadline) and says
/// how much arrived.
struct UploadHandler;

impl RequestHandler for UploadHandler {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let answer = format!("received {} bytes\n", h.body().len());
        h.write(answer);
        Ok(())
    }
}

/// The application, with `xheaders` on as behind nginx.
pub fn app() -> Application {
    Application::new(vec![
        url(r"/", || IndexHandler),
        url(r"/whoami", || WhoamiHandler),
        url(r"/upload", || UploadHandler),
    ])
    .with_settings(Settings {
        xheaders: true,
        ..Settings::default()
    })
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let mut server = HttpServer::new(app());
    let config = server.config_mut();
    config.port_per_shard = args.port_per_shard;
    config.header_timeout = Duration::from_secs(args.header_timeout);
    config.body_timeout = Duration::from_secs(args.body_timeout);
    config.idle_spin = Duration::from_micros(args.idle_spin_us);
    server.bind_addr(args.port, &args.address)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}
