//! Listening sockets from elsewhere (`bind_sockets` + `add_sockets`) and port-per-shard mode.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use support::*;
use typhoon_server::{bind_sockets, Factory, HttpServer, RunningServer, ShardInfo};

fn serve_on(sockets: Vec<TcpListener>, shards: usize) -> RunningServer {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), test_config());
    server.add_sockets(sockets).unwrap();
    server.start_background(shards).unwrap()
}

fn get(stream: &mut TcpStream, path: &str) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn added_sockets_are_served_by_every_shard_and_outlive_the_server() {
    let sockets = bind_sockets(0, "127.0.0.1", 128).unwrap();
    let kept = sockets[0].try_clone().unwrap();
    let addr = kept.local_addr().unwrap();
    let server = serve_on(sockets, 2);
    assert_eq!(server.handle().local_addrs(), [addr]);
    let mut shards = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let text = get(&mut TcpStream::connect(addr).unwrap(), "/shard");
        assert!(text.starts_with("HTTP/1.1 200"), "{text}");
        shards.insert(text.rsplit("\r\n").next().unwrap().to_owned());
    }
    assert_eq!(
        shards.len(),
        2,
        "both shards accept from the one socket: {shards:?}"
    );
    server.stop().unwrap();

    // Stopping left the socket listening: a client connecting now waits in its queue and
    // is answered by the next server given the socket (a hot restart's handover).
    let mut waiting = TcpStream::connect(addr).unwrap();
    write!(
        waiting,
        "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let next = serve_on(vec![kept], 1);
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut text = String::new();
    waiting.read_to_string(&mut text).unwrap();
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("good boy"),
        "{text}"
    );
    next.stop().unwrap();
}

#[test]
fn a_socket_that_does_not_listen_is_refused() {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let mut server = HttpServer::with_config(Factory(|_: &ShardInfo| TestService), test_config());
    let err = server.add_sockets([TcpListener::from(socket)]).unwrap_err();
    assert!(err.to_string().contains("not listening"), "{err}");
}

#[test]
fn bind_sockets_refuses_a_busy_port() {
    let first = bind_sockets(0, "127.0.0.1", 16).unwrap();
    let port = first[0].local_addr().unwrap().port();
    let err = bind_sockets(port, "127.0.0.1", 16).unwrap_err();
    assert!(err.to_string().contains("already in use"), "{err}");
}

#[test]
fn port_per_shard_lets_a_client_pick_its_shard() {
    let mut config = test_config();
    config.port_per_shard = true;
    let server = start(config, 2);
    let shared = addr(&server);
    for shard in 0..2 {
        let own = server.handle().shard_addrs(shard);
        assert_eq!(own.len(), 1, "{own:?}");
        assert_ne!(own[0].port(), shared.port());
        for _ in 0..8 {
            let text = get(&mut TcpStream::connect(own[0]).unwrap(), "/shard");
            assert!(text.ends_with(&format!("\r\n\r\n{shard}")), "{text}");
        }
    }
    assert!(server.handle().shard_addrs(2).is_empty());
    let text = get(&mut TcpStream::connect(shared).unwrap(), "/");
    assert!(text.ends_with("good boy"), "{text}");
    server.stop().unwrap();
}
