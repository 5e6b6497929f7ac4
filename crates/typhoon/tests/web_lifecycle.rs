//! `on_connection_close`: a client that leaves while its handler works is noticed.

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

struct Slow {
    closed: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl RequestHandler for Slow {
    async fn get(&mut self, h: &mut Handler) -> Result {
        glommio::timer::sleep(Duration::from_millis(200)).await;
        h.write("too late");
        Ok(())
    }
    fn on_connection_close(&mut self, _h: &Handler) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
    fn on_finish(&mut self, _h: &Handler) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

fn wait_for(counter: &AtomicUsize, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while counter.load(Ordering::SeqCst) < n {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::yield_now();
    }
    true
}

#[test]
fn a_client_that_leaves_mid_request_triggers_on_connection_close() {
    let closed = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (c, f) = (closed.clone(), finished.clone());
    let server = TestServer::start(Application::new(vec![url(r"/slow", move || Slow {
        closed: c.clone(),
        finished: f.clone(),
    })]));

    // A client that stays: no on_connection_close.
    assert_eq!(server.fetch("/slow").text(), "too late");
    assert!(wait_for(&finished, 1));
    assert_eq!(closed.load(Ordering::SeqCst), 0);

    // A client that sends its request and leaves at once.
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    drop(stream);
    assert!(wait_for(&finished, 2), "the second request finished");
    assert_eq!(
        closed.load(Ordering::SeqCst),
        1,
        "on_connection_close ran once"
    );
    assert_eq!(
        server.fetch("/slow").status,
        200,
        "the server keeps serving"
    );
}

/// Waits up to 60 s, stopped by the lifecycle when its client leaves (`STOP_ON_CLOSE`).
struct Stopped {
    started: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    woke: Arc<AtomicUsize>,
}

impl RequestHandler for Stopped {
    const STOP_ON_CLOSE: bool = true;
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.started.fetch_add(1, Ordering::SeqCst);
        typhoon::ioloop::sleep(Duration::from_secs(60)).await;
        self.woke.fetch_add(1, Ordering::SeqCst);
        h.write("too late");
        Ok(())
    }
    fn on_connection_close(&mut self, _h: &Handler) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Races its 60 s wait against `Handler::connection_closed` and says which won.
struct Racing {
    started: Arc<AtomicUsize>,
    learned: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
}

impl RequestHandler for Racing {
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.started.fetch_add(1, Ordering::SeqCst);
        let gone = h.connection_closed();
        let wait = async {
            typhoon::ioloop::sleep(Duration::from_secs(60)).await;
            false
        };
        let left = futures_lite::future::or(wait, async {
            gone.await;
            true
        })
        .await;
        if left {
            self.learned.fetch_add(1, Ordering::SeqCst);
        } else {
            h.write("nobody left");
        }
        Ok(())
    }
    fn on_connection_close(&mut self, _h: &Handler) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// Sends `GET path` and closes the connection once `started` reaches 1; returns when.
fn leave_after_start(port: u16, path: &str, started: &AtomicUsize) -> Instant {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .expect("send the request");
    assert!(wait_for(started, 1), "the handler never started");
    drop(stream);
    Instant::now()
}

#[test]
fn stop_on_close_ends_a_long_await_at_once_and_calls_on_connection_close() {
    let [started, closed, woke] = [0; 3].map(|_| Arc::new(AtomicUsize::new(0)));
    let (s, c, w) = (started.clone(), closed.clone(), woke.clone());
    let server = TestServer::start(Application::new(vec![url(r"/wait", move || Stopped {
        started: s.clone(),
        closed: c.clone(),
        woke: w.clone(),
    })]));
    let left = leave_after_start(server.port(), "/wait", &started);
    assert!(wait_for(&closed, 1), "on_connection_close never ran");
    let took = left.elapsed();
    assert!(took < Duration::from_secs(1), "noticed after {took:?}");
    assert_eq!(
        woke.load(Ordering::SeqCst),
        0,
        "the verb ran past its await"
    );
    // The shard is still serving.
    assert_eq!(server.fetch("/nothing").status, 404);
}

#[test]
fn a_verb_racing_connection_closed_learns_that_its_client_left() {
    let [started, learned, closed] = [0; 3].map(|_| Arc::new(AtomicUsize::new(0)));
    let (s, l, c) = (started.clone(), learned.clone(), closed.clone());
    let server = TestServer::start(Application::new(vec![url(r"/poll", move || Racing {
        started: s.clone(),
        learned: l.clone(),
        closed: c.clone(),
    })]));
    let left = leave_after_start(server.port(), "/poll", &started);
    assert!(
        wait_for(&learned, 1),
        "the verb never learned its client left"
    );
    let took = left.elapsed();
    assert!(took < Duration::from_secs(1), "learned after {took:?}");
    assert!(wait_for(&closed, 1), "on_connection_close never ran");
}
