//! Tornado's `demos/file_upload/file_receiver.py`: uploads streamed as they arrive with
//! `STREAM_REQUEST_BODY` (`@stream_request_body`), beside multipart forms read whole.
//!
//! ```text
//! cargo run --release --example file_receiver                         # port 8888
//! curl -T big.iso localhost:8888/big.iso      # PUT, streamed: memory stays flat
//! curl -F file=@photo.jpg localhost:8888/post # POST multipart, read whole (max 100 MiB)
//! ```
//!
//! A `PUT /<name>` is hashed (SHA-256) piece by piece in `data_received` and answered with
//! its size and digest; the next piece is read only once the last one is hashed, so a
//! client sending faster than the hash runs is slowed down by TCP instead of filling
//! memory.

use clap::Parser;
use serde_json::json;
use sha2::{Digest, Sha256};
use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::web::{url, Application, Bytes, Handler, RequestHandler, Result};

/// Receives uploads: `PUT /<name>` streamed, `POST /post` as a multipart form.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Shards (one per CPU by default).
    #[arg(long)]
    shards: Option<usize>,
    /// Largest streamed upload, in bytes.
    #[arg(long, default_value_t = 10 << 30)]
    max_size: u64,
}

/// Tornado: `@stream_request_body class PUTHandler`.
struct PutHandler {
    max_size: u64,
    bytes_read: u64,
    hash: Sha256,
}

impl RequestHandler for PutHandler {
    const STREAM_REQUEST_BODY: bool = true;

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        // Above the server's 100 MiB `max_body`: this handler holds no body in memory.
        h.set_max_body_size(self.max_size);
        Ok(())
    }

    async fn data_received(&mut self, _h: &mut Handler, chunk: Bytes) -> Result {
        self.bytes_read += chunk.len() as u64;
        self.hash.update(&chunk);
        Ok(())
    }

    async fn put(&mut self, h: &mut Handler) -> Result {
        let name = h.path_args()[0].clone();
        let content_type = h.request_header("Content-Type").unwrap_or("").to_owned();
        let digest = std::mem::take(&mut self.hash).finalize();
        let sha256: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        log::info!("PUT {name:?} {content_type:?} {} bytes", self.bytes_read);
        h.write_json(&json!({ "filename": name, "bytes": self.bytes_read, "sha256": sha256 }))?;
        Ok(())
    }
}

/// Tornado: `class POSTHandler`, a multipart form read whole.
struct PostHandler;

impl RequestHandler for PostHandler {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let mut files = Vec::new();
        for (field, file) in h.all_files() {
            log::info!(
                "POST {:?} {:?} {} bytes",
                file.filename,
                file.content_type,
                file.body.len()
            );
            files.push(json!({
                "field": field,
                "filename": file.filename,
                "content_type": file.content_type,
                "bytes": file.body.len(),
            }));
        }
        h.write_json(&json!({ "files": files }))?;
        Ok(())
    }
}

/// The application: `/post` first, then any other path as a PUT target.
pub fn app(max_size: u64) -> Application {
    Application::new(vec![
        url(r"/post", || PostHandler),
        url(r"/(.*)", move || PutHandler {
            max_size,
            bytes_read: 0,
            hash: Sha256::new(),
        }),
    ])
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    let mut server = HttpServer::new(app(args.max_size));
    server.bind(args.port)?;
    server.start(args.shards)?;
    IoLoop::current().start()
}
