//! Idle, header and body deadlines, measured on real sockets.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use support::*;

#[test]
fn idle_keep_alive_connection_is_closed() {
    let mut config = test_config();
    config.idle_timeout = Duration::from_millis(200);
    let server = start(config, 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 200);
    let waited = Instant::now();
    assert!(
        reader.closed(),
        "idle connection closes with a FIN, no response"
    );
    assert!(waited.elapsed() < Duration::from_secs(5));
    server.stop().unwrap();
}

#[test]
fn header_deadline_is_total_not_per_read() {
    let mut config = test_config();
    config.header_timeout = Duration::from_millis(600);
    let server = start(config, 1);
    let mut stream = connect(&server);
    let started = Instant::now();
    // Slowloris: a byte every 100 ms would reset a per-read timer forever.
    let mut answered = None;
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: "
        .iter()
        .cycle()
        .take(200)
    {
        if stream.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
        stream.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 256];
        if let Ok(n) = std::io::Read::read(&mut stream, &mut buf) {
            answered = Some((
                started.elapsed(),
                String::from_utf8_lossy(&buf[..n]).into_owned(),
            ));
            break;
        }
        stream.set_nonblocking(false).unwrap();
    }
    let (when, text) = answered.expect("the server answered before the client gave up");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        when < Duration::from_secs(2),
        "closed at {when:?}, deadline 600 ms"
    );
    server.stop().unwrap();
}

#[test]
fn body_deadline_answers_408() {
    let mut config = test_config();
    config.body_timeout = Duration::from_millis(300);
    let server = start(config, 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    let response = reader.response().unwrap();
    assert_eq!(response.status, 408);
    assert!(reader.closed());
    server.stop().unwrap();
}
