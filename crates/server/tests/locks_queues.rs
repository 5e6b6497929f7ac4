//! `locks` and `queues` on a real one-shard server: a request waits on the shard's `Queue`
//! until a request on another connection fills it, a timed-out `get` takes nothing, and a
//! `Lock` held across an await keeps a second request out until the first lets go.

#![allow(clippy::unwrap_used)]

mod support;

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use support::{connect, exchange, test_config, Reader};
use typhoon_http1::Request;
use typhoon_server::locks::{Event, Lock, TimeoutError};
use typhoon_server::queues::Queue;
use typhoon_server::{Factory, HttpServer, Responder, Response, RunningServer, Service, ShardInfo};

/// Requests that reached `queue.get()` in `/get`.
static GETTING: AtomicUsize = AtomicUsize::new(0);
/// `/hold` requests holding the lock.
static HOLDING: AtomicUsize = AtomicUsize::new(0);
/// `/lock` requests about to wait for the lock.
static LOCKING: AtomicUsize = AtomicUsize::new(0);

/// One shard's state, plain and `!Send`: the primitives under test.
struct Toolkit {
    queue: Queue<Bytes>,
    lock: Lock,
    release: Event,
    /// What the lock's holders did, in order.
    log: RefCell<Vec<&'static str>>,
}

impl Toolkit {
    fn note(&self, step: &'static str) {
        self.log.borrow_mut().push(step);
    }
}

impl Service for Toolkit {
    async fn call(&self, req: Request, out: Responder) {
        let response = match req.path() {
            "/get" => {
                GETTING.fetch_add(1, Ordering::SeqCst);
                Response::new(200, self.queue.get().await)
            }
            "/get-briefly" => match self.queue.get_timeout(Duration::from_millis(50)).await {
                Ok(item) => Response::new(200, item),
                Err(TimeoutError) => Response::new(504, "timed out"),
            },
            "/put" => {
                self.queue.put(req.body().clone()).await;
                Response::new(200, "queued")
            }
            "/hold" => {
                let guard = self.lock.acquire().await;
                self.note("a acquired");
                HOLDING.fetch_add(1, Ordering::SeqCst);
                self.release.wait().await; // other requests run meanwhile
                self.note("a releases");
                drop(guard);
                Response::new(200, "a")
            }
            "/lock" => {
                self.note("b waits");
                LOCKING.fetch_add(1, Ordering::SeqCst);
                let _guard = self.lock.acquire().await;
                self.note("b acquired");
                Response::new(200, self.log.borrow().join(", "))
            }
            "/release" => {
                self.release.set();
                Response::new(200, "released")
            }
            _ => Response::new(404, "not found"),
        };
        out.send(response);
    }
}

fn start() -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let make = Factory(|_: &ShardInfo| Toolkit {
        queue: Queue::new(0),
        lock: Lock::new(),
        release: Event::new(),
        log: RefCell::new(Vec::new()),
    });
    let mut server = HttpServer::with_config(make, test_config());
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(1).unwrap()
}

/// Waits until `counter` reaches `n` (a handler got that far), never longer than 10 s.
fn wait_for(counter: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while counter.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "the handler never got there");
        std::thread::yield_now();
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
}

fn post(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn a_request_waiting_on_the_queue_gets_what_another_connection_puts() {
    let server = start();
    let mut waiting = Reader::new(connect(&server));
    waiting.send(&get("/get"));
    wait_for(&GETTING, 1); // its handler awaits `queue.get()` on an empty queue

    let put = exchange(&server, &post("/put", "hello")).unwrap();
    assert_eq!((put.status, put.body.as_slice()), (200, &b"queued"[..]));
    let got = waiting.response().unwrap();
    assert_eq!((got.status, got.body.as_slice()), (200, &b"hello"[..]));
    server.stop().unwrap();
}

#[test]
fn a_get_that_timed_out_takes_no_item() {
    let server = start();
    let late = exchange(&server, &get("/get-briefly")).unwrap();
    assert_eq!(
        (late.status, late.body.as_slice()),
        (504, &b"timed out"[..])
    );

    exchange(&server, &post("/put", "kept")).unwrap();
    let got = exchange(&server, &get("/get")).unwrap();
    assert_eq!(got.body, b"kept", "the timed-out getter swallowed the item");
    server.stop().unwrap();
}

#[test]
fn a_lock_held_across_an_await_serialises_two_requests() {
    let server = start();
    let mut a = Reader::new(connect(&server));
    a.send(&get("/hold"));
    wait_for(&HOLDING, 1); // `a` holds the lock and awaits the event
    let mut b = Reader::new(connect(&server));
    b.send(&get("/lock"));
    wait_for(&LOCKING, 1); // `b` waits for the lock

    let released = exchange(&server, &get("/release")).unwrap();
    assert_eq!(released.status, 200);
    assert_eq!(a.response().unwrap().body, b"a");
    let log = String::from_utf8(b.response().unwrap().body).unwrap();
    assert_eq!(log, "a acquired, b waits, a releases, b acquired");
    server.stop().unwrap();
}
