//! `typhoon::locks` and `typhoon::queues` from web handlers, with no glommio in sight: a
//! long-poll `GET /next` waits on the shard's queue until a `POST /put` fills it, under a
//! lock that a timed acquire cannot get meanwhile.

use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use typhoon::locks::{Lock, TimeoutError};
use typhoon::queues::Queue;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// One shard's state: handlers are made per request, the shard's state outlives them.
struct Shard {
    messages: Queue<String>,
    /// Held by the `/next` that waits, so `/busy` sees it taken.
    reader: Lock,
}

thread_local! {
    static SHARD: Rc<Shard> = Rc::new(Shard { messages: Queue::new(0), reader: Lock::new() });
}

fn shard() -> Rc<Shard> {
    SHARD.with(Rc::clone)
}

/// `/next` requests waiting on the queue.
static WAITING: AtomicUsize = AtomicUsize::new(0);

struct Next;
impl RequestHandler for Next {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let shard = shard();
        let _reading = shard.reader.acquire().await;
        WAITING.fetch_add(1, Ordering::SeqCst);
        let message = shard.messages.get().await;
        h.write(message);
        Ok(())
    }
}

struct Put;
impl RequestHandler for Put {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let message = String::from_utf8_lossy(h.body()).into_owned();
        shard().messages.put(message).await;
        h.write("queued");
        Ok(())
    }
}

struct Busy;
impl RequestHandler for Busy {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let shard = shard();
        let taken = shard
            .reader
            .acquire_timeout(Duration::from_millis(20))
            .await;
        h.write(format!("busy={}", taken.err() == Some(TimeoutError)));
        Ok(())
    }
}

#[test]
fn a_handler_waits_on_the_shard_queue_for_another_request() {
    let server = TestServer::start(Application::new(vec![
        url(r"/next", || Next),
        url(r"/put", || Put),
        url(r"/busy", || Busy),
    ]));
    let next = server.url("/next");
    let waiting = std::thread::spawn(move || ureq::get(&next).call().unwrap().into_string());
    let deadline = Instant::now() + Duration::from_secs(10);
    while WAITING.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "/next never waited");
        std::thread::yield_now();
    }
    assert_eq!(server.fetch("/busy").text(), "busy=true");
    let put = server.request("POST", "/put").body("hello").send();
    assert_eq!(put.text(), "queued");
    assert_eq!(waiting.join().unwrap().unwrap(), "hello");
    assert_eq!(server.fetch("/busy").text(), "busy=false");
}
