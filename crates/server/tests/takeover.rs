//! Zero-downtime restart: one server takes over another's listening sockets (`take_over`,
//! `serve_handovers`) while clients keep asking, and queued connections are served.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use support::*;
use typhoon_http1::Request;
use typhoon_server::{
    Error, Factory, HttpServer, Responder, Response, RunningServer, Service, ShardInfo,
};

/// Set while `/block` holds its shard's thread.
static BLOCKING: AtomicBool = AtomicBool::new(false);

/// Answers its generation's name on `/`; `/block` stalls the whole shard for 800 ms (a
/// blocking call in a handler), so that new connections wait in the accept queue.
struct Generation(&'static str);

impl Service for Generation {
    async fn call(&self, req: Request, out: Responder) {
        if req.path() == "/block" {
            BLOCKING.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(800));
        }
        out.send(Response::new(200, self.0));
    }
}

fn handover_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "typhoon-takeover-{}-{name}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

fn server(name: &'static str) -> HttpServer<Factory<impl Fn(&ShardInfo) -> Generation>> {
    let _ = env_logger::builder().is_test(true).try_init();
    HttpServer::with_config(
        Factory(move |_: &ShardInfo| Generation(name)),
        test_config(),
    )
}

/// Clients asking `GET /` on keep-alive connections as fast as answered, as wrk does:
/// a `Connection: close` answer means a new connection; anything else going wrong (a
/// reset, an early close, a non-200) is counted as a failure.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
    /// Answers by generation, in the order the clients saw them.
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
    clients: Vec<JoinHandle<()>>,
}

impl Load {
    fn start(addr: SocketAddr, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let clients = (0..clients)
            .map(|_| {
                let (stop, ok, failed, seen) =
                    (stop.clone(), ok.clone(), failed.clone(), seen.clone());
                std::thread::spawn(move || {
                    let mut conn: Option<Reader> = None;
                    while !stop.load(Ordering::SeqCst) {
                        let reader = conn.get_or_insert_with(|| {
                            let stream = TcpStream::connect(addr).unwrap();
                            stream
                                .set_read_timeout(Some(Duration::from_secs(5)))
                                .unwrap();
                            Reader::new(stream)
                        });
                        let sent = std::io::Write::write_all(
                            &mut reader.stream,
                            b"GET / HTTP/1.1\r\nHost: t\r\n\r\n",
                        );
                        match sent.ok().and_then(|()| reader.response()) {
                            Some(response) if response.status == 200 => {
                                ok.fetch_add(1, Ordering::SeqCst);
                                let mut seen = seen.lock().unwrap();
                                if seen.last() != Some(&response.body) {
                                    seen.push(response.body.clone());
                                }
                                if response.header("connection") == Some("close") {
                                    conn = None;
                                }
                            }
                            other => {
                                eprintln!("failed: {other:?}");
                                failed.fetch_add(1, Ordering::SeqCst);
                                conn = None;
                            }
                        }
                    }
                })
            })
            .collect();
        Load {
            stop,
            ok,
            failed,
            seen,
            clients,
        }
    }

    /// Waits until `n` more requests have been answered.
    fn wait_answers(&self, n: usize) {
        let target = self.ok.load(Ordering::SeqCst) + n;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.ok.load(Ordering::SeqCst) < target {
            assert!(Instant::now() < deadline, "clients stalled");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Stops the clients: (answered, failed, generations seen).
    fn finish(self) -> (usize, usize, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        for client in self.clients {
            client.join().unwrap();
        }
        let seen = self.seen.lock().unwrap();
        let mut names: Vec<String> = Vec::new();
        for body in seen.iter() {
            let name = String::from_utf8_lossy(body).into_owned();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        (
            self.ok.load(Ordering::SeqCst),
            self.failed.load(Ordering::SeqCst),
            names,
        )
    }
}

/// Waits for `running` to end by itself (after handing over), within `within`.
fn wait_ended(running: RunningServer, within: Duration) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(running.wait()));
    let result = rx
        .recv_timeout(within)
        .unwrap_or_else(|_| panic!("the old server did not stop within {within:?}"));
    result.unwrap_or_else(|e| panic!("the old server failed: {e}"));
}

#[test]
fn restarts_under_load_lose_no_request_whatever_the_shard_counts() {
    let path = handover_path("chain");
    let mut first = server("first");
    first.bind_addr(0, "127.0.0.1").unwrap();
    first.serve_handovers(&path);
    let first = first.start_background(2).unwrap();
    let addr = first.handle().local_addrs()[0];
    let load = Load::start(addr, 4);
    load.wait_answers(200);

    // 2 shards → 1: the one shard accepts from both sockets.
    let mut second = server("second");
    assert_eq!(
        second.take_over(&path).unwrap(),
        2,
        "one socket per old shard"
    );
    second.serve_handovers(&path);
    let second = second.start_background(1).unwrap();
    assert_eq!(second.handle().local_addrs(), [addr]);
    wait_ended(first, Duration::from_secs(5));
    load.wait_answers(200);

    // 1 shard → 2, taking over at the same path: both sockets passed on again.
    let mut third = server("third");
    assert_eq!(third.take_over(&path).unwrap(), 2);
    third.serve_handovers(&path);
    let third = third.start_background(2).unwrap();
    wait_ended(second, Duration::from_secs(5));
    load.wait_answers(200);

    let (ok, failed, seen) = load.finish();
    assert_eq!(failed, 0, "{failed} of {} requests failed", ok + failed);
    assert_eq!(seen.last().map(String::as_str), Some("third"), "{seen:?}");
    assert!(seen.contains(&"first".to_owned()), "{seen:?}");
    third.stop().unwrap();
    assert!(
        !path.exists(),
        "a server stopped without a successor removes its path"
    );
}

#[test]
fn a_connection_queued_before_the_handover_is_served() {
    let path = handover_path("queued");
    let mut old = server("old");
    old.bind_addr(0, "127.0.0.1").unwrap();
    old.serve_handovers(&path);
    let old = old.start_background(1).unwrap();
    let addr = old.handle().local_addrs()[0];

    // Stall the old server's only shard: it accepts nothing meanwhile.
    let mut blocker = Reader::new(TcpStream::connect(addr).unwrap());
    blocker.send(b"GET /block HTTP/1.1\r\nHost: t\r\n\r\n");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !BLOCKING.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "/block never started");
        std::thread::sleep(Duration::from_millis(1));
    }
    // Connected (the kernel completed the handshake) and asking, but not accepted yet.
    let mut queued = Reader::new(TcpStream::connect(addr).unwrap());
    queued
        .stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    queued.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");

    let mut new = server("new");
    assert_eq!(new.take_over(&path).unwrap(), 1);
    let new = new.start_background(2).unwrap();

    let response = queued
        .response()
        .expect("the queued connection was answered");
    assert_eq!(response.status, 200);
    let blocked = blocker
        .response()
        .expect("the in-flight request was answered");
    assert_eq!(blocked.status, 200);
    wait_ended(old, Duration::from_secs(5));
    let mut fresh = Reader::new(TcpStream::connect(addr).unwrap());
    fresh.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(fresh.response().unwrap().body, b"new");
    new.stop().unwrap();
}

#[test]
fn an_idle_keep_alive_connection_of_the_old_server_is_closed_after_the_grace() {
    let path = handover_path("idle");
    let mut old = server("old");
    old.bind_addr(0, "127.0.0.1").unwrap();
    old.serve_handovers(&path);
    let old = old.start_background(1).unwrap();
    let addr = old.handle().local_addrs()[0];
    let mut idle = Reader::new(TcpStream::connect(addr).unwrap());
    idle.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_eq!(idle.response().unwrap().body, b"old");
    let mut busy = Reader::new(TcpStream::connect(addr).unwrap());
    busy.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert!(busy.response().unwrap().header("connection").is_none());

    let mut new = server("new");
    new.take_over(&path).unwrap();
    let new = new.start_background(1).unwrap();
    let handed_over = Instant::now();

    // A keep-alive connection asking again is answered by the old server, and told to go
    // once it has seen the stop (the ack reaches it from another thread).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        busy.send(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        let answer = busy.response().expect("answered, never cut off");
        assert_eq!(answer.body, b"old");
        if answer.header("connection") == Some("close") {
            break;
        }
        assert!(Instant::now() < deadline, "never told to close");
    }
    assert!(busy.closed());
    // One that stays idle is closed once the grace has passed, not at once.
    assert!(idle.closed());
    let waited = handed_over.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "closed after {waited:?}"
    );
    wait_ended(old, Duration::from_secs(5));
    new.stop().unwrap();
}

#[test]
fn nothing_to_take_over_says_so_in_one_sentence() {
    let path = handover_path("nobody");
    let err = server("x").take_over(&path).expect_err("nobody there");
    assert!(matches!(err, Error::NothingToTakeOver { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(!text.contains('\n'), "{text}");
}
