//! Tornado's `@stream_request_body` through the facade: `STREAM_REQUEST_BODY`, `prepare`
//! after the head, `data_received` per piece, the verb after the body, and the body's
//! limit set in `prepare`.

#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use typhoon::httpserver::ServerConfig;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Bytes, Handler, HttpError, RequestHandler, Result};

/// What the upload handlers did, in order.
type Events = Arc<Mutex<Vec<String>>>;

/// `/upload?max=N`: counts and sums the body as it arrives; `?fail=N` fails in
/// `data_received` once N bytes arrived; `?refuse` answers 403 in `prepare`.
struct Upload {
    events: Events,
    bytes: u64,
    sum: u64,
    pieces: u64,
}

impl Upload {
    fn note(&self, event: impl Into<String>) {
        self.events.lock().unwrap().push(event.into());
    }
}

impl RequestHandler for Upload {
    const STREAM_REQUEST_BODY: bool = true;

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.note("prepare");
        assert!(h.body().is_empty(), "prepare runs before the body");
        if h.get_query_argument("refuse").is_ok() {
            return Err(HttpError::new(403).into());
        }
        if let Ok(max) = h.get_query_argument("max") {
            h.set_max_body_size(max.parse().unwrap());
        }
        Ok(())
    }

    async fn data_received(&mut self, h: &mut Handler, chunk: Bytes) -> Result {
        if self.pieces == 0 {
            self.note("data");
        }
        self.pieces += 1;
        self.bytes += chunk.len() as u64;
        self.sum = chunk.iter().fold(self.sum, |s, &b| s + u64::from(b));
        if let Ok(fail) = h.get_query_argument("fail") {
            if self.bytes >= fail.parse().unwrap() {
                return Err(HttpError::new(400).log("enough").into());
            }
        }
        Ok(())
    }

    async fn put(&mut self, h: &mut Handler) -> Result {
        self.note(format!("put {}", self.bytes));
        h.write(format!("bytes={} sum={}", self.bytes, self.sum));
        Ok(())
    }

    async fn post(&mut self, h: &mut Handler) -> Result {
        self.put(h).await
    }

    fn on_finish(&mut self, h: &Handler) {
        let _ = h;
        self.note("finish");
    }
}

/// A buffered handler beside it: the whole body, as before.
struct Echo;

impl RequestHandler for Echo {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let body = h.body().clone();
        h.write(body);
        Ok(())
    }
}

/// A streaming handler that forgot `data_received`.
struct Forgot;

impl RequestHandler for Forgot {
    const STREAM_REQUEST_BODY: bool = true;
}

fn server(events: &Events) -> TestServer {
    let e = events.clone();
    let app = Application::new(vec![
        url(r"/upload", move || Upload {
            events: e.clone(),
            bytes: 0,
            sum: 0,
            pieces: 0,
        }),
        url(r"/echo", || Echo),
        url(r"/forgot", || Forgot),
    ]);
    let config = ServerConfig {
        limits: typhoon::httputil::Limits {
            max_body: 1 << 20,
            ..Default::default()
        },
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    TestServer::with_config(app, config)
}

fn body_of(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn sum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

#[test]
fn prepare_runs_after_the_head_then_data_received_then_the_verb() {
    let events = Events::default();
    let server = server(&events);
    let body = body_of(3 << 20); // three times the server's max_body
    let response = server
        .request("PUT", &format!("/upload?max={}", 4 << 20))
        .body(body.clone())
        .send();
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.text(),
        format!("bytes={} sum={}", body.len(), sum(&body))
    );
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events,
        ["prepare", "data", &format!("put {}", body.len()), "finish"]
    );
}

#[test]
fn a_chunked_upload_streams_too() {
    let events = Events::default();
    let server = server(&events);
    let body = body_of(500_000);
    // ureq sends a reader's body chunked.
    let response = ureq::post(&server.url("/upload"))
        .send(std::io::Cursor::new(body.clone()))
        .unwrap();
    assert_eq!(
        response.into_string().unwrap(),
        format!("bytes={} sum={}", body.len(), sum(&body))
    );
}

#[test]
fn the_default_limit_holds_unless_prepare_raises_it() {
    let events = Events::default();
    let server = server(&events);
    let too_big = body_of((1 << 20) + 1);
    let refused = server
        .request("PUT", "/upload")
        .body(too_big.clone())
        .send();
    assert_eq!(refused.status, 413);
    assert!(refused.text().contains("413"), "Tornado's error page");
    let lowered = server
        .request("PUT", "/upload?max=10")
        .body("0123456789A")
        .send();
    assert_eq!(lowered.status, 413);
    assert!(
        !events.lock().unwrap().iter().any(|e| e == "data"),
        "no body was handed on"
    );
    // Buffered handlers keep the server's limit and get the whole body.
    assert_eq!(
        server.request("POST", "/echo").body(too_big).send().status,
        413
    );
    assert_eq!(
        server.request("POST", "/echo").body("hi").send().text(),
        "hi"
    );
}

#[test]
fn a_request_refused_in_prepare_never_has_its_body_read() {
    let events = Events::default();
    let server = server(&events);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The client waits for 100 Continue before sending the body: it must not come.
    stream
        .write_all(b"PUT /upload?refuse=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap(); // the server closes after it
    assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    assert!(answer.contains("Connection: close\r\n"), "{answer}");
    assert_eq!(*events.lock().unwrap(), ["prepare", "finish"]);
}

#[test]
fn an_error_in_data_received_is_the_error_page_and_a_close() {
    let events = Events::default();
    let server = server(&events);
    let response = server
        .request("PUT", "/upload?fail=1000")
        .body(body_of(200_000))
        .send();
    assert_eq!(response.status, 400);
    assert_eq!(response.header("connection"), Some("close"));
    let forgot = server.request("PUT", "/forgot").body("x").send();
    assert_eq!(forgot.status, 500);
    // The shard serves on.
    assert_eq!(
        server.request("POST", "/echo").body("ok").send().text(),
        "ok"
    );
}
