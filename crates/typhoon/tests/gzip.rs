//! `compress_response` (Tornado's GZipContentEncoding) and `decompress_request` through
//! a real server: which answers are compressed, `Vary`, HEAD, 304, 206, bodies already
//! encoded, streaming with `flush`, and gzip request bodies with their cap.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::RawResponse;
use typhoon::httpserver::ServerConfig;
use typhoon::testing::{TestResponse, TestServer};
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

/// 2,400 bytes of text, as in Tornado's own example.
fn long_text() -> String {
    "Typhoon gzips this. ".repeat(120)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("a complete gzip stream");
    out
}

/// Writes `n` bytes of text with the type, status and encoding asked for.
struct Body;
impl RequestHandler for Body {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let n: usize = h.get_argument_or("n", "2400").parse()?;
        h.set_header(
            "Content-Type",
            h.get_argument_or("type", "text/html; charset=UTF-8"),
        )?;
        if let Ok(encoding) = h.get_argument("encoding") {
            h.set_header("Content-Encoding", encoding)?;
        }
        if let Ok(vary) = h.get_argument("vary") {
            h.set_header("Vary", vary)?;
        }
        h.set_status(h.get_argument_or("status", "200").parse()?);
        h.write(&long_text().as_bytes()[..n]);
        Ok(())
    }
    async fn head(&mut self, h: &mut Handler) -> Result {
        if h.get_argument("body").is_ok() {
            h.write(long_text());
        }
        Ok(())
    }
}

/// Flushes a first piece, then waits for the test to say go, then sends the rest.
struct Stream {
    go: Arc<AtomicBool>,
}
impl RequestHandler for Stream {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("Content-Type", "text/plain")?;
        h.write("part one;");
        h.flush().await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.go.load(Ordering::SeqCst) && Instant::now() < deadline {
            typhoon::ioloop::sleep(Duration::from_millis(1)).await;
        }
        h.write("part two;");
        h.flush().await?;
        h.write("the end");
        Ok(())
    }
}

/// Echoes the form argument `a` and the body's length.
struct Echo;
impl RequestHandler for Echo {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let a = h.get_argument("a")?;
        let len = h.body().len();
        h.write(format!("a={a} len={len}"));
        Ok(())
    }
}

/// Takes its body as it arrives: counts pieces and checks the bytes.
#[derive(Default)]
struct Upload {
    pieces: usize,
    data: Vec<u8>,
}
impl RequestHandler for Upload {
    const STREAM_REQUEST_BODY: bool = true;
    async fn data_received(&mut self, _h: &mut Handler, chunk: typhoon::web::Bytes) -> Result {
        self.pieces += 1;
        self.data.extend_from_slice(&chunk);
        Ok(())
    }
    async fn put(&mut self, h: &mut Handler) -> Result {
        let zeros = self.data.iter().all(|&b| b == b'0');
        h.write(format!("{} bytes, all zeros: {zeros}", self.data.len()));
        Ok(())
    }
}

fn app(settings: Settings, go: Arc<AtomicBool>) -> Application {
    Application::new(vec![
        url(r"/upload", Upload::default),
        url(r"/body", || Body),
        url(r"/stream", move || Stream { go: go.clone() }),
        url(r"/echo", || Echo),
    ])
    .with_settings(settings)
}

fn server() -> TestServer {
    let settings = Settings {
        compress_response: true,
        decompress_request: true,
        ..Settings::default()
    };
    TestServer::start(app(settings, Arc::new(AtomicBool::new(false))))
}

fn get_gzip(server: &TestServer, path: &str) -> TestResponse {
    server
        .request("GET", path)
        .header("Accept-Encoding", "gzip, deflate")
        .send()
}

#[test]
fn a_long_compressible_body_is_gzipped() {
    let server = server();
    let response = get_gzip(&server, "/body");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("Content-Encoding"), Some("gzip"));
    assert_eq!(response.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(
        response.header("Content-Length"),
        Some(response.body.len().to_string().as_str())
    );
    assert!(response.body.len() < 200, "{} bytes", response.body.len());
    assert_eq!(gunzip(&response.body), long_text().as_bytes());
    // Tornado's list beyond text/*.
    let json = get_gzip(&server, "/body?type=application/json");
    assert_eq!(json.header("Content-Encoding"), Some("gzip"));
}

#[test]
fn short_bodies_stay_as_they_are_from_1024_bytes_down() {
    let server = server();
    let at_min = get_gzip(&server, "/body?n=1024");
    assert_eq!(at_min.header("Content-Encoding"), Some("gzip"));
    let under = get_gzip(&server, "/body?n=1023");
    assert_eq!(under.header("Content-Encoding"), None);
    assert_eq!(under.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(under.body, &long_text().as_bytes()[..1023]);
}

#[test]
fn other_types_stay_as_they_are_but_say_vary() {
    let server = server();
    for ctype in ["image/png", "application/octet-stream"] {
        let response = get_gzip(&server, &format!("/body?type={ctype}"));
        assert_eq!(response.header("Content-Encoding"), None, "{ctype}");
        assert_eq!(response.header("Vary"), Some("Accept-Encoding"), "{ctype}");
        assert_eq!(response.body.len(), 2400);
    }
}

#[test]
fn without_accept_encoding_nothing_is_compressed() {
    let server = server();
    let response = server.fetch("/body");
    assert_eq!(response.header("Content-Encoding"), None);
    assert_eq!(response.header("Vary"), Some("Accept-Encoding"));
    assert_eq!(response.body, long_text().as_bytes());
    let identity = server
        .request("GET", "/body")
        .header("Accept-Encoding", "identity, br")
        .send();
    assert_eq!(identity.header("Content-Encoding"), None);
}

#[test]
fn an_existing_vary_is_extended() {
    let server = server();
    let response = get_gzip(&server, "/body?vary=Cookie");
    assert_eq!(response.header("Vary"), Some("Cookie, Accept-Encoding"));
}

#[test]
fn with_the_setting_off_nothing_changes() {
    let server = TestServer::start(app(Settings::default(), Arc::new(AtomicBool::new(false))));
    let response = get_gzip(&server, "/body");
    assert_eq!(response.header("Content-Encoding"), None);
    assert_eq!(response.header("Vary"), None);
    assert_eq!(response.body, long_text().as_bytes());
}

#[test]
fn bodies_already_encoded_and_partial_content_stay_as_they_are() {
    let server = server();
    let encoded = get_gzip(&server, "/body?encoding=br");
    assert_eq!(encoded.header("Content-Encoding"), Some("br"));
    assert_eq!(encoded.body, long_text().as_bytes());
    let partial = get_gzip(&server, "/body?status=206");
    assert_eq!(partial.status, 206);
    assert_eq!(partial.header("Content-Encoding"), None);
    assert_eq!(partial.body, long_text().as_bytes());
}

#[test]
fn head_compresses_only_a_body_it_has() {
    let server = server();
    let port = server.port();
    let bare = RawResponse::parse(&support::raw(
        port,
        b"HEAD /body HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(bare.header("Content-Encoding"), None);
    assert_eq!(bare.header("Vary"), Some("Accept-Encoding"));
    assert!(bare.body.is_empty());
    // As Tornado: the length the compressed GET would have, and no body.
    let with_body = RawResponse::parse(&support::raw(
        port,
        b"HEAD /body?body=1 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(with_body.header("Content-Encoding"), Some("gzip"));
    let get = get_gzip(&server, "/body");
    assert_eq!(
        with_body.header("Content-Length"),
        Some(get.body.len().to_string().as_str())
    );
    assert!(with_body.body.is_empty());
}

#[test]
fn a_matching_etag_gives_a_bare_304() {
    let server = server();
    let first = get_gzip(&server, "/body");
    let etag = first.header("Etag").expect("an automatic ETag").to_owned();
    // The tag is the unencoded body's, as in Tornado.
    assert_eq!(server.fetch("/body").header("Etag"), Some(etag.as_str()));
    let again = server
        .request("GET", "/body")
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &etag)
        .send();
    assert_eq!(again.status, 304);
    assert_eq!(again.header("Content-Encoding"), None);
    assert!(again.body.is_empty());
}

/// The data of the complete chunks at the start of a chunked body, and whether the last
/// chunk was among them.
fn dechunk(mut body: &[u8]) -> (Vec<u8>, bool) {
    let mut data = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .expect("a chunk size line");
        if size == 0 {
            return (data, true);
        }
        let start = eol + 2;
        if body.len() < start + size + 2 {
            break;
        }
        data.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    (data, false)
}

#[test]
fn each_flush_sends_gzip_the_client_can_inflate_at_once() {
    let go = Arc::new(AtomicBool::new(false));
    let settings = Settings {
        compress_response: true,
        ..Settings::default()
    };
    let server = TestServer::start(app(settings, go.clone()));
    let mut stream = TcpStream::connect(server.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
        .write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
        .expect("send");

    // Read until the first flushed piece inflates; the handler waits meanwhile.
    let mut received = Vec::new();
    let mut inflated = Vec::new();
    let mut buf = [0u8; 4096];
    while !inflated.ends_with(b"part one;") {
        let n = stream.read(&mut buf).expect("the first piece arrives");
        assert!(
            n > 0,
            "closed early: {:?}",
            String::from_utf8_lossy(&received)
        );
        received.extend_from_slice(&buf[..n]);
        let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let (data, done) = dechunk(&received[at + 4..]);
        assert!(!done, "the response ended before the go");
        let mut decoder = flate2::write::GzDecoder::new(Vec::new());
        decoder.write_all(&data).expect("a valid gzip prefix");
        decoder.flush().expect("flush");
        inflated = decoder.get_ref().clone();
    }
    let head = RawResponse::parse(&received);
    assert_eq!(head.header("Content-Encoding"), Some("gzip"));
    assert_eq!(head.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(head.header("Content-Length"), None);
    assert_eq!(inflated, b"part one;");

    go.store(true, Ordering::SeqCst);
    stream.read_to_end(&mut received).expect("the rest");
    let at = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let (data, done) = dechunk(&received[at + 4..]);
    assert!(done, "the last chunk");
    assert_eq!(gunzip(&data), b"part one;part two;the end");
}

#[test]
fn a_gzip_request_body_is_inflated_into_arguments() {
    let server = server();
    let body = format!("a=hello+gzip&pad={}", "x".repeat(500));
    let response = server
        .request("POST", "/echo")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Content-Encoding", "gzip")
        .body(gzip(body.as_bytes()))
        .send();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), format!("a=hello gzip len={}", body.len()));
}

#[test]
fn a_body_that_is_not_gzip_is_a_400() {
    support::capture_logs();
    let server = server();
    let response = server
        .request("POST", "/echo?bad-gzip")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Content-Encoding", "gzip")
        .body("a=1")
        .send();
    assert_eq!(response.status, 400);
    let line = support::wait_for_line("about bad gzip", |l| {
        l.message.contains("/echo?bad-gzip") && l.message.contains("invalid gzip data")
    });
    assert_eq!(line.level, log::Level::Warn);
}

#[test]
fn a_body_inflating_past_max_body_is_refused() {
    let mut config = ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    config.limits.max_body = 64 << 10;
    let settings = Settings {
        decompress_request: true,
        ..Settings::default()
    };
    let server = TestServer::with_config(app(settings, Arc::new(AtomicBool::new(false))), config);
    let mut form = b"a=1&pad=".to_vec();
    form.resize(1 << 20, b'0');
    let bomb = gzip(&form);
    assert!(bomb.len() < 4096, "{} bytes", bomb.len());
    let refused = server
        .request("POST", "/echo")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Content-Encoding", "gzip")
        .body(bomb)
        .send();
    assert_eq!(refused.status, 413);
    // Under the cap it is fine.
    form.truncate(60 << 10);
    let fits = server
        .request("POST", "/echo")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Content-Encoding", "gzip")
        .body(gzip(&form))
        .send();
    assert_eq!(fits.status, 200);
    assert_eq!(fits.text(), format!("a=1 len={}", 60 << 10));
}

#[test]
fn a_streamed_gzip_body_reaches_data_received_inflated() {
    let server = server();
    let upload = vec![b'0'; 300_000];
    let response = server
        .request("PUT", "/upload")
        .header("Content-Encoding", "gzip")
        .body(gzip(&upload))
        .send();
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "300000 bytes, all zeros: true");
    let bad = server
        .request("PUT", "/upload")
        .header("Content-Encoding", "gzip")
        .body(vec![b'0'; 5000])
        .send();
    assert_eq!(bad.status, 400);
    let mut truncated = gzip(&upload);
    truncated.truncate(truncated.len() - 3);
    let cut = server
        .request("PUT", "/upload")
        .header("Content-Encoding", "gzip")
        .body(truncated)
        .send();
    assert_eq!(cut.status, 400);
}
