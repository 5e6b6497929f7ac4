//! A `Responder` that outlives `Service::call` (moved into a spawned task) answers in
//! order, streams without meeting the connection's own borrows, and a dropped one still
//! gets its request a 500 — while the shard keeps serving.

#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use glommio::timer::sleep;
use support::{connect, test_config, Reader};
use typhoon_http1::Request;
use typhoon_server::{Factory, HttpServer, Responder, Response, RunningServer, Service, ShardInfo};

/// How many `/wait-close` requests have started waiting, and how many saw their client go.
static WAITING: AtomicUsize = AtomicUsize::new(0);
static SAW_CLOSE: AtomicUsize = AtomicUsize::new(0);

/// `/wait-close` waits up to 20 s for its client to go away (`Responder::closed`);
/// `/late` answers from a task 30 ms after `call` returned; `/late-stream` streams three
/// chunks from such a task; `/late-drop` drops its responder in a task without answering;
/// `/late-panic` panics in `call` after handing its responder to a task that streams;
/// `/owned` streams three pieces with `write_from` under a `Content-Length`, and
/// `/owned-chunked` without one; anything else answers its path at once.
struct Late;

impl Service for Late {
    async fn call(&self, req: Request, mut out: Responder) {
        match req.path() {
            "/late" => {
                glommio::spawn_local(async move {
                    sleep(Duration::from_millis(30)).await;
                    out.send(Response::new(200, "late"));
                })
                .detach();
            }
            "/late-stream" | "/late-panic" => {
                let task = glommio::spawn_local(async move {
                    out.start(200, "", [("Content-Type", "text/plain")]);
                    for chunk in ["one ", "two ", "three"] {
                        sleep(Duration::from_millis(5)).await;
                        out.write(chunk.as_bytes()).await.unwrap();
                    }
                    out.finish();
                });
                task.detach();
                if req.path() == "/late-panic" {
                    // Let the task start its body first.
                    sleep(Duration::from_millis(7)).await;
                    panic!("handler bug after handing its responder on");
                }
            }
            "/late-drop" => {
                glommio::spawn_local(async move {
                    sleep(Duration::from_millis(10)).await;
                    drop(out);
                })
                .detach();
            }
            "/owned" | "/owned-chunked" => {
                let length = [("Content-Length", "13")];
                match req.path() {
                    "/owned" => out.start(200, "", length),
                    _ => out.start(200, "", [] as [(&str, &str); 0]),
                }
                let mut chunk = bytes::BytesMut::with_capacity(64);
                for piece in ["one ", "two ", "three"] {
                    chunk.extend_from_slice(piece.as_bytes());
                    out.write_from(&mut chunk).await.unwrap();
                    assert!(chunk.is_empty(), "what was sent is gone");
                    assert!(chunk.capacity() >= 64, "the allocation is kept");
                }
                out.finish();
            }
            "/wait-close" => {
                WAITING.fetch_add(1, Ordering::SeqCst);
                let gone = out.closed();
                let slow = sleep(Duration::from_secs(20));
                let left = futures_lite::future::or(
                    async {
                        gone.await;
                        true
                    },
                    async {
                        slow.await;
                        false
                    },
                )
                .await;
                if left {
                    SAW_CLOSE.fetch_add(1, Ordering::SeqCst);
                } else {
                    out.send(Response::new(200, "nobody left"));
                }
            }
            path => out.send(Response::new(200, path.to_owned())),
        }
    }
}

fn start() -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| Late), test_config());
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(1).unwrap()
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
}

/// Sends `paths` pipelined in one write and returns each answer's status and body.
fn pipelined(server: &RunningServer, paths: &[&str]) -> Vec<(u16, String)> {
    let mut reader = Reader::new(connect(server));
    let batch: Vec<u8> = paths.iter().flat_map(|p| get(p)).collect();
    reader.send(&batch);
    paths
        .iter()
        .map(|_| {
            let r = reader.response_to(false).expect("an answer");
            (r.status, String::from_utf8(r.body).unwrap())
        })
        .collect()
}

#[test]
fn a_late_answer_keeps_its_place_among_pipelined_requests() {
    let server = start();
    let answers = pipelined(&server, &["/a", "/late", "/b", "/late", "/c"]);
    let expected = [
        (200, "/a"),
        (200, "late"),
        (200, "/b"),
        (200, "late"),
        (200, "/c"),
    ];
    let expected: Vec<_> = expected.iter().map(|(s, b)| (*s, b.to_string())).collect();
    assert_eq!(answers, expected);
    server.stop().unwrap();
}

#[test]
fn a_body_streamed_from_another_task_arrives_whole_and_in_order() {
    let server = start();
    let answers = pipelined(&server, &["/late-stream", "/after", "/late-stream"]);
    assert_eq!(answers[0], (200, "one two three".to_string()));
    assert_eq!(answers[1], (200, "/after".to_string()));
    assert_eq!(answers[2], (200, "one two three".to_string()));
    server.stop().unwrap();
}

#[test]
fn pieces_written_from_a_reused_buffer_arrive_whole_and_in_order() {
    let server = start();
    let answers = pipelined(&server, &["/owned", "/owned-chunked", "/after", "/owned"]);
    assert_eq!(answers[0], (200, "one two three".to_string()));
    assert_eq!(answers[1], (200, "one two three".to_string()));
    assert_eq!(answers[2], (200, "/after".to_string()));
    assert_eq!(answers[3], (200, "one two three".to_string()));
    server.stop().unwrap();
}

#[test]
fn a_responder_dropped_in_another_task_answers_500_and_the_connection_goes_on() {
    let server = start();
    let answers = pipelined(&server, &["/late-drop", "/next"]);
    assert_eq!(answers[0].0, 500);
    assert_eq!(answers[1], (200, "/next".to_string()));
    server.stop().unwrap();
}

#[test]
fn a_panic_in_call_while_another_task_streams_its_answer_leaves_the_shard_serving() {
    let server = start();
    let answers = pipelined(&server, &["/late-panic", "/next"]);
    assert_eq!(answers[0], (200, "one two three".to_string()));
    assert_eq!(answers[1], (200, "/next".to_string()));
    // The shard is still there for a fresh connection.
    assert_eq!(
        pipelined(&server, &["/fresh"]),
        [(200, "/fresh".to_string())]
    );
    server.stop().unwrap();
}

/// Polls `counter` until it reaches `n`, for at most `limit`.
fn wait_for(counter: &AtomicUsize, n: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while counter.load(Ordering::SeqCst) < n {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

#[test]
fn a_handler_learns_at_once_that_its_client_went_away() {
    let server = start();
    let mut reader = Reader::new(connect(&server));
    reader.send(&get("/wait-close"));
    assert!(
        wait_for(&WAITING, 1, Duration::from_secs(10)),
        "never started"
    );
    let left = Instant::now();
    drop(reader);
    assert!(
        wait_for(&SAW_CLOSE, 1, Duration::from_secs(5)),
        "the handler never learned its client left"
    );
    let took = left.elapsed();
    eprintln!("close seen after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // The shard goes on serving.
    assert_eq!(
        pipelined(&server, &["/after"]),
        [(200, "/after".to_string())]
    );
    server.stop().unwrap();
}
