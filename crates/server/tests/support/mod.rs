//! Test support: a small service on a real server bound to port 0, and raw-socket clients.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use typhoon_http1::Request;
use typhoon_server::{
    Factory, HttpServer, Responder, Response, RunningServer, ServerConfig, Service, ShardInfo,
};

/// How many `/slow` requests have started (tests wait on it instead of sleeping).
pub static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);

/// Waits until `/slow` has started `n` times in this process.
pub fn wait_slow_started(n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while SLOW_STARTED.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "/slow never started");
        std::thread::yield_now();
    }
}

/// The test application: `/` → `good boy`; `/echo` → the body; `/slow` → waits 300 ms;
/// `/panic` → panics; `/shard` → the shard id; `/stream` → three chunks; `/stream-panic`
/// → panics after the first chunk; `/silent` → returns without answering.
pub struct TestService;

impl Service for TestService {
    async fn call(&self, req: Request, mut out: Responder) {
        let response = match req.path() {
            "/" => Response::new(200, "good boy"),
            "/echo" => Response::new(200, req.body().clone()),
            "/slow" => {
                SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
                glommio::timer::sleep(Duration::from_millis(300)).await;
                Response::new(200, "slow")
            }
            "/panic" => panic!("handler bug"),
            "/shard" => Response::new(200, out.info().shard.to_string()),
            "/stream" | "/stream-panic" => {
                out.start(200, "", [("Content-Type", "text/plain")]);
                for chunk in ["one ", "two ", "three"] {
                    out.write(chunk.as_bytes()).await.unwrap();
                    if req.path() == "/stream-panic" {
                        panic!("handler bug mid-stream");
                    }
                }
                out.finish();
                return;
            }
            "/silent" => return, // never answers: the server sends a 500
            _ => Response::new(404, "not found"),
        };
        out.send(response);
    }
}

/// A config small enough for many servers in one test process.
pub fn test_config() -> ServerConfig {
    ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    }
}

/// Starts the test service with `config` on 127.0.0.1, port 0, `shards` shards.
pub fn start(config: ServerConfig, shards: usize) -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(shards).unwrap()
}

pub fn addr(server: &RunningServer) -> SocketAddr {
    server.handle().local_addrs()[0]
}

pub fn connect(server: &RunningServer) -> TcpStream {
    let stream = TcpStream::connect(addr(server)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
}

/// One parsed response, read with our own minimal parser (independent of the server's).
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads responses from a stream, buffering leftovers for the next one.
pub struct Reader {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    pub fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// The next response, or `None` if the connection closed first. `head_only` for HEAD.
    pub fn response_to(&mut self, head_only: bool) -> Option<RawResponse> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if !self.fill() {
                return None;
            }
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end + 4);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(
            status_line.starts_with("HTTP/1.1 "),
            "status line {status_line:?}"
        );
        let status = status_line[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').unwrap();
                (n.to_owned(), v.trim().to_owned())
            })
            .collect();
        let mut response = RawResponse {
            status,
            headers,
            body: Vec::new(),
        };
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Some(response);
        }
        if let Some(len) = response.header("content-length") {
            let len: usize = len.parse().unwrap();
            while self.buf.len() < len {
                assert!(self.fill(), "connection closed inside a body");
            }
            response.body = self.buf.drain(..len).collect();
        } else if response.header("transfer-encoding") == Some("chunked") {
            response.body = self.chunked_body()?;
        } else if response.header("transfer-encoding").is_none() {
            while self.fill() {}
            response.body = std::mem::take(&mut self.buf);
        }
        Some(response)
    }

    /// A chunked body, by our own minimal reading of RFC 9112 §7.1; `None` if the
    /// connection closes before the last chunk.
    fn chunked_body(&mut self) -> Option<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                if !self.fill() {
                    return None;
                }
            };
            let size =
                usize::from_str_radix(std::str::from_utf8(&self.buf[..line_end]).unwrap(), 16)
                    .unwrap();
            self.buf.drain(..line_end + 2);
            while self.buf.len() < size + 2 {
                if !self.fill() {
                    return None;
                }
            }
            body.extend(self.buf.drain(..size));
            assert_eq!(self.buf.drain(..2).collect::<Vec<_>>(), b"\r\n");
            if size == 0 {
                return Some(body);
            }
        }
    }

    pub fn response(&mut self) -> Option<RawResponse> {
        self.response_to(false)
    }

    /// True if the server closed the connection (EOF) with nothing more to read.
    pub fn closed(&mut self) -> bool {
        self.buf.is_empty() && !self.fill()
    }
}

/// Sends `bytes` on a fresh connection and returns the first response (if any).
pub fn exchange(server: &RunningServer, bytes: &[u8]) -> Option<RawResponse> {
    let mut reader = Reader::new(connect(server));
    reader.send(bytes);
    reader.response()
}

/// `GET /` with an independent HTTP client: the server still serves.
pub fn assert_serves(server: &RunningServer) {
    let url = format!("http://{}/", addr(server));
    let response = ureq::get(&url).call().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.into_string().unwrap(), "good boy");
}
