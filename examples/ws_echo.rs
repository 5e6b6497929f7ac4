//! A WebSocket echo server: every text or binary message comes back as it was, with
//! permessage-deflate offered (the server Autobahn's fuzzing client and the echo
//! benchmark talk to).
//!
//! ```text
//! cargo run --release --example ws_echo -- --port 9001
//! ```

use clap::Parser;
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Handler, Result, Settings};
use typhoon::websocket::{DeflateConfig, WebSocket, WebSocketHandler, WebSocketRoute, WsMessage};

/// Echoes WebSocket messages at `/`.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 9001)]
    port: u16,
    /// Number of shards; 0 means one per CPU this process may use.
    #[arg(long, default_value_t = 1)]
    shards: usize,
    /// Largest message accepted, in bytes (Autobahn's case 9 sends 16 MiB).
    #[arg(long, default_value_t = 64 << 20)]
    max_message_size: usize,
}

/// Sends every message back.
struct Echo;

impl WebSocketHandler for Echo {
    fn get_compression_options(&self) -> Option<DeflateConfig> {
        Some(DeflateConfig::default())
    }

    /// A fuzzing client comes from no page: accept every origin.
    fn check_origin(&self, _h: &Handler, _origin: &str) -> bool {
        true
    }

    async fn on_message(&mut self, ws: &WebSocket, message: WsMessage) -> Result {
        // An error means the client is gone; the session ends on its own.
        let _ = ws.write_message(message).await;
        Ok(())
    }
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let settings = Settings {
        websocket_max_message_size: args.max_message_size,
        ..Settings::default()
    };
    let app = Application::new(vec![url(r"/", || WebSocketRoute(Echo))]).with_settings(settings);
    let mut server = HttpServer::new(app);
    server.bind(args.port)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}
