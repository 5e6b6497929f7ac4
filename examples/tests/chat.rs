//! The WebSocket chat example on a real two-shard server: a message sent to a socket on
//! one shard reaches the sockets on both, newcomers see the cache on the page, and a
//! closed socket is forgotten.
#![allow(clippy::unwrap_used)]

#[path = "../chat.rs"]
#[allow(dead_code)]
mod chat;

use std::net::SocketAddr;

use serde_json::{json, Value};
use typhoon::httpserver::{HttpServer, RunningServer, ServerConfig};
use typhoon::testing::WebSocketTestClient;
use typhoon::websocket::codec::Message;

/// The chat on 127.0.0.1, port 0, two shards.
fn start() -> (RunningServer, SocketAddr) {
    let config = ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    let mut server = HttpServer::with_config(chat::app(), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    let running = server.start_background(2).unwrap();
    let addr = running.handle().local_addrs()[0];
    (running, addr)
}

/// The next JSON message on `ws`.
fn next(ws: &mut WebSocketTestClient) -> Value {
    match ws.recv() {
        Some(Message::Text(text)) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Opens sockets until one has landed on each shard; the others are closed.
fn one_per_shard(addr: SocketAddr) -> [WebSocketTestClient; 2] {
    let mut found: [Option<WebSocketTestClient>; 2] = [None, None];
    for _ in 0..200 {
        let mut ws = WebSocketTestClient::connect(addr, "/chatsocket", &[]).unwrap();
        let shard = next(&mut ws)["shard"].as_u64().unwrap() as usize;
        if found[shard].is_none() {
            found[shard] = Some(ws);
        }
        if found.iter().all(Option::is_some) {
            return found.map(Option::unwrap);
        }
    }
    panic!("200 connections and still not one on each shard");
}

#[test]
fn a_message_sent_on_one_shard_reaches_sockets_on_both() {
    let (server, addr) = start();
    let [mut on0, mut on1] = one_per_shard(addr);
    on1.send(&Message::Text(
        json!({ "body": "hello from 1 <b>" }).to_string(),
    ));
    let seen0 = next(&mut on0);
    let seen1 = next(&mut on1);
    assert_eq!(seen0, seen1);
    assert_eq!(seen0["body"], "hello from 1 <b>");
    assert!(seen0["id"].as_str().unwrap().starts_with("1-"), "{seen0}");
    assert!(seen0["html"]
        .as_str()
        .unwrap()
        .contains("hello from 1 &lt;b&gt;"));
    on0.send(&Message::Text(json!({ "body": "and back" }).to_string()));
    assert_eq!(next(&mut on1)["body"], "and back");
    assert_eq!(next(&mut on0)["body"], "and back");

    // A newcomer's page, on whichever shard, shows both messages in the cache.
    for _ in 0..4 {
        let page = ureq::get(&format!("http://{addr}/"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(
            page.contains("hello from 1 &lt;b&gt;") && page.contains("and back"),
            "{page}"
        );
    }

    // A socket that closed is dropped from its shard: the others still get messages.
    on0.send(&Message::Close(Some((1000, String::new()))));
    assert!(matches!(on0.recv(), Some(Message::Close(_))));
    assert!(on0.closed());
    on1.send(&Message::Text(json!({ "body": "still here" }).to_string()));
    assert_eq!(next(&mut on1)["body"], "still here");
    // Without a body the message is ignored.
    on1.send(&Message::Text("{}".to_owned()));
    on1.send(&Message::Text(json!({ "body": "after" }).to_string()));
    assert_eq!(next(&mut on1)["body"], "after");
    drop((on0, on1));
    server.stop().unwrap();
}
