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
