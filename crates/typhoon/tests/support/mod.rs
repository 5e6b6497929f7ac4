//! Shared helpers for the web integration tests: a capturing logger and a raw TCP client.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// One captured log record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub level: log::Level,
    pub target: String,
    pub message: String,
}

static LINES: Mutex<Vec<Line>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = Line {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
        };
        LINES.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }

    fn flush(&self) {}
}

/// Installs the capturing logger for this test binary (once; later calls do nothing).
/// Tests run in parallel threads under `cargo test`, so each test looks only at lines
/// that mention something unique to it (its own path).
pub fn capture_logs() {
    INSTALL.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// Every captured line whose message contains `needle`.
pub fn lines_with(needle: &str) -> Vec<Line> {
    LINES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|l| l.message.contains(needle))
        .cloned()
        .collect()
}

/// Waits (up to five seconds) for a captured line matching `pred` and returns it.
/// The server logs on its own thread, possibly just after the client has its answer.
///
/// # Panics
///
/// If no such line appears; the message lists what was captured.
pub fn wait_for_line(what: &str, pred: impl Fn(&Line) -> bool) -> Line {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let found = LINES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|l| pred(l))
            .cloned();
        if let Some(line) = found {
            return line;
        }
        if Instant::now() > deadline {
            let all = LINES.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("no log line {what}; captured: {all:#?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits for an access-log line (target `typhoon::access`) that starts with `prefix`.
pub fn access_line(prefix: &str) -> Line {
    wait_for_line(&format!("starting {prefix:?} on typhoon::access"), |l| {
        l.target == "typhoon::access" && l.message.starts_with(prefix)
    })
}

/// Sends `request` as raw bytes on a fresh connection and reads until the server closes
/// it (send `Connection: close`) or five seconds pass.
pub fn raw(port: u16, request: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the test server");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set a read timeout");
    stream.write_all(request).expect("send the request");
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!(
                "reading the raw response failed ({e}); got so far: {:?}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
    out
}

/// A raw response split into its head (status line and headers) and body bytes.
pub struct RawResponse {
    pub status_line: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// Splits `bytes` at the first blank line.
    pub fn parse(bytes: &[u8]) -> RawResponse {
        let at = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
        let head = String::from_utf8_lossy(&bytes[..at]).into_owned();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default().to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
            .collect();
        RawResponse {
            status_line,
            headers,
            body: bytes[at + 4..].to_vec(),
        }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
