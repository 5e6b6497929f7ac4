//! Streamed request bodies (`Service::stream_body`, `RequestBody`) on a real server: the
//! per-request limit, `100 Continue` only when the body is wanted, flow control against a
//! slow consumer, timeouts, clients that leave, and what follows the body.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use glommio::timer::sleep;
use support::{connect, test_config, Reader};
use typhoon_http1::Request;
use typhoon_server::{
    BodyError, Factory, HttpServer, Responder, Response, RunningServer, ServerConfig, Service,
    ShardInfo,
};

/// The gated upload has started waiting; the gate opens it.
static GATED: AtomicBool = AtomicBool::new(false);
static GATE: AtomicBool = AtomicBool::new(false);
/// Uploads that ended because their client went away.
static CLIENT_LEFT: AtomicUsize = AtomicUsize::new(0);
/// What a body kept past its answer got when read.
static LEFTOVER: Mutex<Option<String>> = Mutex::new(None);

/// The server's `max_body` in these tests: uploads over it need a raised limit.
const MAX_BODY: u64 = 1 << 20;

/// Streams every path starting with `/up`: `/up?max=N` reads the body under limit N and
/// answers `bytes=… sum=…` (`/up-count`: the sum is 0); `/up-gated` waits for `GATE`
/// before reading; `/up-refuse` answers 403 without reading; `/up-leave` answers at once
/// and reads from a task later; `/up-timeout` allows the body 300 ms. Other paths are
/// buffered: `/echo` echoes.
struct Uploads;

impl Service for Uploads {
    fn stream_body(&self, head: &Request) -> bool {
        head.path().starts_with("/up")
    }

    async fn call(&self, req: Request, mut out: Responder) {
        match req.path() {
            "/echo" => return out.send(Response::new(200, req.body().clone())),
            "/" => return out.send(Response::new(200, "good boy")),
            "/up-refuse" => return out.send(Response::new(403, "no")),
            _ => {}
        }
        let Some(mut body) = out.take_body() else {
            return out.send(Response::new(200, "no body"));
        };
        assert!(out.take_body().is_none(), "taken once");
        if let Some(max) = req.query().strip_prefix("max=") {
            body.set_max_size(max.parse().unwrap());
        }
        match req.path() {
            "/up-leave" => {
                glommio::spawn_local(async move {
                    sleep(Duration::from_millis(20)).await;
                    let got = match body.chunk().await {
                        Err(BodyError::Finished) => "finished".to_owned(),
                        other => format!("{other:?}"),
                    };
                    *LEFTOVER.lock().unwrap() = Some(got);
                })
                .detach();
                return out.send(Response::new(200, "answered first"));
            }
            "/up-timeout" => body.set_timeout(Duration::from_millis(300)),
            "/up-gated" => {
                GATED.store(true, Ordering::SeqCst);
                while !GATE.load(Ordering::SeqCst) {
                    sleep(Duration::from_millis(2)).await;
                }
            }
            _ => {}
        }
        // `/up-count` only counts: summing bytes in a debug build is slower than the socket.
        let summing = req.path() != "/up-count";
        let (mut bytes, mut sum) = (0u64, 0u64);
        loop {
            match body.chunk().await {
                Ok(Some(chunk)) => {
                    assert!(!chunk.is_empty());
                    bytes += chunk.len() as u64;
                    if summing {
                        sum = chunk.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    match err.status() {
                        Some(status) => out.send(Response::new(status, err.to_string())),
                        None => {
                            CLIENT_LEFT.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    return;
                }
            }
        }
        out.send(Response::new(200, format!("bytes={bytes} sum={sum}")));
    }
}

fn start() -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let config = ServerConfig {
        limits: typhoon_http1::Limits {
            max_body: MAX_BODY,
            ..Default::default()
        },
        ..test_config()
    };
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| Uploads), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(1).unwrap()
}

/// The body byte at offset `i` of every test upload.
fn byte_at(i: usize) -> u8 {
    (i * 7 + i / 4096) as u8
}

fn sum_of(len: usize) -> u64 {
    (0..len).map(|i| u64::from(byte_at(i))).sum()
}

fn body_of(len: usize) -> Vec<u8> {
    (0..len).map(byte_at).collect()
}

/// Writes `len` body bytes (in 64 KiB writes), counting them in `written`.
fn write_body(stream: &mut impl Write, len: usize, written: &AtomicUsize) -> std::io::Result<()> {
    let mut piece = Vec::with_capacity(64 << 10);
    let mut at = 0;
    while at < len {
        let n = (len - at).min(64 << 10);
        piece.clear();
        piece.extend((at..at + n).map(byte_at));
        stream.write_all(&piece)?;
        at += n;
        written.store(at, Ordering::SeqCst);
    }
    Ok(())
}

fn assert_serves(server: &RunningServer) {
    let mut reader = Reader::new(connect(server));
    reader.send(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
}

#[test]
fn an_upload_over_the_servers_limit_streams_under_its_own_then_the_connection_goes_on() {
    let server = start();
    let len = 5 << 20; // five times the server's max_body
    let mut reader = Reader::new(connect(&server));
    reader.send(
        format!(
            "POST /up?max={} HTTP/1.1\r\nHost: a\r\nContent-Length: {len}\r\n\r\n",
            8 << 20
        )
        .as_bytes(),
    );
    let mut wire = body_of(len);
    // The next request right behind the body, in the same writes.
    wire.extend_from_slice(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
    reader.send(&wire);
    let first = reader.response().unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(first.header("connection"), None, "kept alive");
    assert_eq!(
        String::from_utf8(first.body).unwrap(),
        format!("bytes={len} sum={}", sum_of(len))
    );
    let second = reader.response().unwrap();
    assert_eq!((second.status, &second.body[..]), (200, &b"hi"[..]));
}

#[test]
fn a_chunked_upload_streams_with_its_trailers() {
    let server = start();
    let mut reader = Reader::new(connect(&server));
    let body = body_of(300_000);
    let mut wire = b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in body.chunks(7_777) {
        wire.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        wire.extend_from_slice(piece);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\nX-Checksum: 1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    reader.send(&wire);
    let first = reader.response().unwrap();
    assert_eq!(
        String::from_utf8(first.body).unwrap(),
        format!("bytes=300000 sum={}", sum_of(300_000))
    );
    assert_eq!(reader.response().unwrap().body, b"good boy");
}

#[test]
fn the_servers_limit_applies_unless_raised_and_a_refused_body_closes_the_connection() {
    let server = start();
    let len = MAX_BODY + 1;
    for path in ["/up", "/echo"] {
        let mut reader = Reader::new(connect(&server));
        reader.send(
            format!("POST {path} HTTP/1.1\r\nHost: a\r\nContent-Length: {len}\r\n\r\n").as_bytes(),
        );
        let response = reader.response().unwrap();
        assert_eq!(response.status, 413, "{path}");
        assert_eq!(response.header("connection"), Some("close"), "{path}");
        assert!(reader.closed(), "{path}");
    }
    // A lowered limit refuses a chunked body at the chunk that crosses it.
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /up?max=10 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 413);
    assert!(reader.closed());
    assert_serves(&server);
}

#[test]
fn continue_is_sent_only_when_the_handler_asks_for_the_body() {
    let server = start();
    // Wanted: 100 Continue, then the body, then the answer.
    let mut reader = Reader::new(connect(&server));
    reader
        .send(b"PUT /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    let interim = reader.response().unwrap();
    assert_eq!(interim.status, 100);
    reader.send(b"hello");
    let done = reader.response().unwrap();
    assert_eq!(
        String::from_utf8(done.body).unwrap(),
        format!(
            "bytes=5 sum={}",
            b"hello".iter().map(|&b| u64::from(b)).sum::<u64>()
        )
    );
    // Refused before the body: the final answer with no 100 before it, then a close.
    for head in [
        "PUT /up-refuse HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        "PUT /up?max=4 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
    ] {
        let mut reader = Reader::new(connect(&server));
        reader.send(head.as_bytes());
        let response = reader.response().unwrap();
        assert!(
            [403, 413].contains(&response.status),
            "{head:?}: {}",
            response.status
        );
        assert_eq!(response.header("connection"), Some("close"));
        assert!(reader.closed());
    }
}

#[test]
fn a_slow_handler_holds_the_client_back_instead_of_buffering() {
    let server = start();
    let len = 128 << 20;
    let mut stream = connect(&server);
    stream
        .write_all(
            format!(
                "POST /up-gated?max={len} HTTP/1.1\r\nHost: a\r\nContent-Length: {len}\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let written = std::sync::Arc::new(AtomicUsize::new(0));
    let mut writer = stream.try_clone().unwrap();
    let counter = written.clone();
    let client = std::thread::spawn(move || write_body(&mut writer, len, &counter));
    // Wait for the handler to hold its body, then for the client's writes to stop
    // advancing: TCP has pushed back.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !GATED.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline);
        std::thread::yield_now();
    }
    let mut last = usize::MAX;
    let mut still_since = Instant::now();
    loop {
        assert!(Instant::now() < deadline, "the client never stalled");
        let now = written.load(Ordering::SeqCst);
        if now != last {
            last = now;
            still_since = Instant::now();
        } else if still_since.elapsed() > Duration::from_millis(300) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        last < 48 << 20,
        "the server took {} MiB of a body nobody read",
        last >> 20
    );
    GATE.store(true, Ordering::SeqCst);
    client.join().unwrap().unwrap();
    let mut reader = Reader::new(stream);
    let response = reader.response().unwrap();
    assert_eq!(
        String::from_utf8(response.body).unwrap(),
        format!("bytes={len} sum={}", sum_of(len))
    );
}

#[test]
fn a_stalled_body_times_out_with_408() {
    let server = start();
    let mut reader = Reader::new(connect(&server));
    let started = Instant::now();
    reader.send(b"POST /up-timeout HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789");
    let response = reader.response().unwrap();
    assert_eq!(response.status, 408);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(reader.closed());
    assert_serves(&server);
}

#[test]
fn a_client_leaving_mid_body_ends_the_upload_and_the_shard_serves_on() {
    let server = start();
    let before = CLIENT_LEFT.load(Ordering::SeqCst);
    let mut stream = connect(&server);
    stream
        .write_all(b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly some")
        .unwrap();
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(10);
    while CLIENT_LEFT.load(Ordering::SeqCst) == before {
        assert!(
            Instant::now() < deadline,
            "the handler never saw the client go"
        );
        std::thread::yield_now();
    }
    assert_serves(&server);
}

#[test]
fn a_body_kept_past_its_answer_reads_finished_and_the_connection_closes() {
    let server = start();
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /up-leave HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n");
    let response = reader.response().unwrap();
    assert_eq!(response.body, b"answered first");
    assert_eq!(
        response.header("connection"),
        Some("close"),
        "its body was never read"
    );
    assert!(reader.closed());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(got) = LEFTOVER.lock().unwrap().clone() {
            assert_eq!(got, "finished");
            break;
        }
        assert!(Instant::now() < deadline);
        std::thread::yield_now();
    }
    assert_serves(&server);
}

#[test]
fn malformed_chunks_are_a_400_and_a_close() {
    let server = start();
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    let response = reader.response().unwrap();
    assert_eq!(response.status, 400);
    assert!(reader.closed());
    assert_serves(&server);
}

/// VmHWM (peak resident set) after clearing it, and VmRSS, in KiB.
fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_quarter_gib_upload_keeps_memory_flat() {
    // 1 GiB goes through the file_receiver example's program in its own test.
    let server = start();
    assert_serves(&server);
    let len: usize = 256 << 20;
    // Resets the peak resident set size to the current one (Linux 4.0+).
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = rss_kib("VmRSS:");
    let mut stream = connect(&server);
    stream
        .write_all(
            format!(
                "POST /up-count?max={len} HTTP/1.1\r\nHost: a\r\nContent-Length: {len}\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    // The same 1 MiB block again and again: the client's own memory stays flat.
    let block = vec![b'x'; 1 << 20];
    for _ in 0..len / block.len() {
        stream.write_all(&block).unwrap();
    }
    let mut reader = Reader::new(stream);
    let response = reader.response().unwrap();
    assert_eq!(
        String::from_utf8(response.body).unwrap(),
        format!("bytes={len} sum=0")
    );
    let peak = rss_kib("VmHWM:");
    let growth_mib = peak.saturating_sub(before) / 1024;
    eprintln!("256 MiB upload: RSS {before} KiB before, peak {peak} KiB, growth {growth_mib} MiB");
    assert!(growth_mib < 64, "RSS grew {growth_mib} MiB");
    let _ = reader.stream.read(&mut [0u8; 1]);
}
