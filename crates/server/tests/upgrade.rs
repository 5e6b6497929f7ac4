//! `Responder::upgrade`: after `101 Switching Protocols` the handler owns the connection's
//! bytes both ways, starting with what the client sent right after its request; nothing
//! it sends is read as HTTP again, and the shard keeps serving other connections.

#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use bytes::BytesMut;
use support::{connect, test_config, Reader};
use typhoon_http1::Request;
use typhoon_server::{Factory, HttpServer, Responder, Response, RunningServer, Service, ShardInfo};

/// `/echo` upgrades to an echo of every byte until the client closes; anything else
/// answers `plain`.
struct Echo;

impl Service for Echo {
    async fn call(&self, req: Request, out: Responder) {
        if req.path() != "/echo" {
            out.send(Response::new(200, "plain"));
            return;
        }
        let headers = [("Upgrade", "echo"), ("Connection", "Upgrade")];
        let Ok(mut conn) = out.upgrade(headers).await else {
            return;
        };
        let mut buf = BytesMut::new();
        let stopping = conn.stopping();
        let mut stopping = std::pin::pin!(stopping);
        loop {
            let deadline = conn.now() + Duration::from_secs(10);
            let read = futures_lite::future::or(
                async { Some(conn.read_before(&mut buf, deadline).await) },
                async {
                    stopping.as_mut().await;
                    None
                },
            )
            .await;
            let Some(read) = read else {
                let _ = conn.write_all(b"bye").await;
                return;
            };
            match read {
                Ok(Some(n)) if n > 0 => {
                    if conn.write_all(&buf).await.is_err() {
                        return;
                    }
                    buf.clear();
                }
                _ => return,
            }
        }
    }
}

fn start() -> RunningServer {
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| Echo), test_config());
    server.bind_addr(0, "127.0.0.1").unwrap();
    server.start_background(1).unwrap()
}

/// Reads until `want` bytes have arrived (or the connection ends).
fn read_exactly(stream: &mut std::net::TcpStream, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while got.len() < want {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    got
}

#[test]
fn an_upgraded_connection_carries_raw_bytes_both_ways_from_the_first_byte() {
    let server = start();
    let mut stream = connect(&server);
    // The first bytes of the new protocol travel with the request, before any 101.
    stream
        .write_all(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly",
        )
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "closed during the head");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nUpgrade: echo\r\n"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("content-length"),
        "{head}"
    );
    assert_eq!(read_exactly(&mut stream, 5), b"early");

    // What looks like HTTP is only bytes now: echoed, never answered.
    let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    stream.write_all(request).unwrap();
    assert_eq!(read_exactly(&mut stream, request.len()), request);
    let big = vec![b'z'; 1 << 20];
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        let big = big.clone();
        std::thread::spawn(move || stream.write_all(&big).unwrap())
    };
    assert_eq!(read_exactly(&mut stream, big.len()), big);
    writer.join().unwrap();

    // The client ends the session: the server closes the connection.
    stream.shutdown(Shutdown::Write).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "{rest:?}");

    // The shard serves as before.
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"plain");
    server.stop().unwrap();
}

#[test]
fn a_stopping_server_lets_an_upgraded_session_say_goodbye() {
    let server = start();
    let mut session = connect(&server);
    session
        .write_all(
            b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhi",
        )
        .unwrap();
    let mut got = Vec::new();
    while !got.ends_with(b"hi") {
        got.extend(read_exactly(&mut session, 1));
    }
    let started = std::time::Instant::now();
    server.stop().unwrap();
    let mut rest = Vec::new();
    session.read_to_end(&mut rest).unwrap();
    assert_eq!(rest, b"bye");
    // Well before the shutdown timeout would have cut it.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_long_upgraded_session_does_not_hold_up_its_shard() {
    let server = start();
    let mut session = connect(&server);
    session
        .write_all(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
        .unwrap();
    let head = read_exactly(&mut session, 12);
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{:?}",
        String::from_utf8_lossy(&head)
    );
    for _ in 0..20 {
        let mut reader = Reader::new(connect(&server));
        reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(reader.response().unwrap().body, b"plain");
    }
    drop(session);
    server.stop().unwrap();
}
