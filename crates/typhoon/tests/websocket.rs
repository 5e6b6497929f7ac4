//! `tornado.websocket` through the facade: the handshake and its refusals, echo of text
//! and binary, pings, both closing handshakes, protocol errors answered with their close
//! codes while the shard keeps serving, permessage-deflate, subprotocols, and close 1001
//! when the server stops. The client here is a plain blocking socket speaking the codec.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use typhoon::testing::{TestServer, WebSocketTestClient};
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result, Settings};
use typhoon::websocket::codec::Message;
use typhoon::websocket::{
    websocket_connect, DeflateConfig, WebSocket, WebSocketHandler, WebSocketRoute, WsMessage,
};

/// What the handlers saw, in order.
type Events = Arc<Mutex<Vec<String>>>;

struct Echo {
    events: Events,
    compress: bool,
}

impl WebSocketHandler for Echo {
    fn get_compression_options(&self) -> Option<DeflateConfig> {
        self.compress.then(DeflateConfig::default)
    }

    fn select_subprotocol(&mut self, offered: &[String]) -> Option<String> {
        offered.iter().find(|p| *p == "chat").cloned()
    }

    async fn open(&mut self, _ws: &WebSocket, h: &Handler) -> Result {
        self.events
            .lock()
            .unwrap()
            .push(format!("open {:?}", h.path_args()));
        Ok(())
    }

    async fn on_message(&mut self, ws: &WebSocket, message: WsMessage) -> Result {
        match message {
            WsMessage::Text(text) if text == "close" => ws.close(Some(4000), "asked to").await,
            WsMessage::Text(text) => {
                let _ = ws.write_message(format!("You said: {text}")).await;
            }
            WsMessage::Binary(data) => {
                let _ = ws.write_message(data).await;
            }
        }
        Ok(())
    }

    fn on_ping(&mut self, _ws: &WebSocket, data: &[u8]) {
        self.events.lock().unwrap().push(format!("ping {data:?}"));
    }

    fn on_close(&mut self, ws: &WebSocket) {
        self.events.lock().unwrap().push(format!(
            "close {:?} {:?}",
            ws.close_code(),
            ws.close_reason()
        ));
    }
}

/// `/relay?compress=1`: a request handler that opens a WebSocket to this server's echo
/// with `websocket_connect`, sends two messages and answers with what came back.
struct Relay;

impl RequestHandler for Relay {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let compress = h.get_argument_or("compress", "") == "1";
        let url = format!("ws://{}/ws/relay", h.host());
        let mut ws = websocket_connect(&url, compress.then(DeflateConfig::default))
            .await
            .map_err(|e| HttpError::new(502).log(e.to_string()))?;
        let mut replies = Vec::new();
        for text in ["one", "two"] {
            ws.write_message(text)
                .await
                .map_err(|e| HttpError::new(502).log(e.to_string()))?;
            replies.push(format!("{:?}", ws.read_message().await));
        }
        ws.close(None, "").await;
        h.write(format!("{} close={:?}", replies.join(" "), ws.close_code()));
        Ok(())
    }
}

fn server(compress: bool, settings: Settings) -> (TestServer, Events) {
    let events = Events::default();
    let seen = events.clone();
    let app = Application::new(vec![
        url(r"/ws/(\w+)", move || {
            WebSocketRoute(Echo {
                events: seen.clone(),
                compress,
            })
        }),
        url(r"/relay", || Relay),
    ])
    .with_settings(settings);
    (TestServer::start(app), events)
}

struct Client;

impl Client {
    fn connect(server: &TestServer, path: &str, extra: &[(&str, &str)]) -> WebSocketTestClient {
        server
            .websocket(path, extra)
            .unwrap_or_else(|head| panic!("refused: {head}"))
    }
}

#[test]
fn text_binary_and_ping_are_echoed_and_a_client_close_is_answered() {
    let (server, events) = server(false, Settings::default());
    let mut client = Client::connect(&server, "/ws/room1", &[]);
    assert!(!client.response_head.contains("Sec-WebSocket-Extensions"));
    client.send(&Message::Text("hi".into()));
    assert_eq!(client.recv(), Some(Message::Text("You said: hi".into())));
    client.send(&Message::Binary(vec![0, 1, 2, 255]));
    assert_eq!(client.recv(), Some(Message::Binary(vec![0, 1, 2, 255])));
    client.send(&Message::Ping(b"are you there".to_vec()));
    assert_eq!(
        client.recv(),
        Some(Message::Pong(b"are you there".to_vec()))
    );
    let big = "x".repeat(1 << 20);
    client.send(&Message::Text(big.clone()));
    assert_eq!(
        client.recv(),
        Some(Message::Text(format!("You said: {big}")))
    );
    client.send(&Message::Close(Some((1000, "bye".into()))));
    assert_eq!(
        client.recv(),
        Some(Message::Close(Some((1000, String::new()))))
    );
    assert!(client.closed());
    drop(client);
    server.stop();
    let events = events.lock().unwrap().clone();
    assert_eq!(
        events,
        [
            "open [\"room1\"]".to_owned(),
            "ping [97, 114, 101, 32, 121, 111, 117, 32, 116, 104, 101, 114, 101]".to_owned(),
            "close Some(1000) Some(\"bye\")".to_owned(),
        ]
    );
}

#[test]
fn the_server_closes_with_the_code_its_handler_gives() {
    let (server, events) = server(false, Settings::default());
    let mut client = Client::connect(&server, "/ws/a", &[]);
    client.send(&Message::Text("close".into()));
    assert_eq!(
        client.recv(),
        Some(Message::Close(Some((4000, "asked to".into()))))
    );
    client.send(&Message::Close(Some((4000, String::new()))));
    assert!(client.closed());
    drop(client);
    server.stop();
    assert!(events
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .starts_with("close Some(4000)"));
}

#[test]
fn bad_handshakes_get_tornados_answers() {
    let (server, _) = server(false, Settings::default());
    let plain = server.fetch("/ws/a");
    assert_eq!(plain.status, 400);
    assert_eq!(plain.text(), "Can \"Upgrade\" only to \"WebSocket\".");
    let old = server
        .request("GET", "/ws/a")
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("Sec-WebSocket-Version", "8")
        .send();
    assert_eq!(old.status, 426);
    assert_eq!(old.header("Sec-WebSocket-Version"), Some("13"));
    assert_eq!(server.request("POST", "/ws/a").send().status, 405);
    let foreign = server.websocket("/ws/a", &[("Origin", "http://evil.example")]);
    assert!(foreign.unwrap_err().starts_with("HTTP/1.1 403"));
    let own = format!("http://127.0.0.1:{}", server.port());
    drop(Client::connect(&server, "/ws/a", &[("Origin", &own)]));
    server.stop();
}

/// Sends raw bytes on a fresh WebSocket and returns the close code the server answers.
fn close_code_for(server: &TestServer, bytes: &[u8]) -> Option<u16> {
    let mut client = Client::connect(server, "/ws/a", &[]);
    client.send_raw(bytes);
    match client.recv() {
        Some(Message::Close(Some((code, _)))) => Some(code),
        other => panic!("expected a close, got {other:?}"),
    }
}

#[test]
fn bad_frames_get_their_close_codes_and_the_shard_keeps_serving() {
    let settings = Settings {
        websocket_max_message_size: 1024,
        ..Settings::default()
    };
    let (server, _) = server(false, settings);
    // An unmasked frame from a client.
    assert_eq!(
        close_code_for(&server, &[0x81, 0x02, b'h', b'i']),
        Some(1002)
    );
    // Invalid UTF-8 in a (masked, zero-key) text frame.
    assert_eq!(
        close_code_for(&server, &[0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28]),
        Some(1007)
    );
    // A ping over 125 bytes.
    let mut long_ping = vec![0x89, 0xfe, 0x00, 0x7e, 0, 0, 0, 0];
    long_ping.extend(vec![0u8; 126]);
    assert_eq!(close_code_for(&server, &long_ping), Some(1002));
    // A message over the limit, and a 1 GiB length field.
    let mut big = vec![0x82, 0xfe, 0x08, 0x00, 0, 0, 0, 0];
    big.extend(vec![0u8; 2048]);
    assert_eq!(close_code_for(&server, &big), Some(1009));
    let huge = [0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(close_code_for(&server, &huge), Some(1009));
    // A reserved opcode.
    assert_eq!(
        close_code_for(&server, &[0x83, 0x80, 0, 0, 0, 0]),
        Some(1002)
    );
    let mut client = Client::connect(&server, "/ws/a", &[]);
    client.send(&Message::Text("still here".into()));
    assert_eq!(
        client.recv(),
        Some(Message::Text("You said: still here".into()))
    );
    drop(client);
    server.stop();
}

#[test]
fn permessage_deflate_is_negotiated_when_the_handler_offers_compression() {
    let (server, _) = server(true, Settings::default());
    let mut client = WebSocketTestClient::connect_compressed(server.addr(), "/ws/a").unwrap();
    assert!(
        client.response_head.contains("permessage-deflate"),
        "{}",
        client.response_head
    );
    for i in 0..3 {
        let text = format!("{i} {}", "compressible ".repeat(1000));
        client.send(&Message::Text(text.clone()));
        assert_eq!(
            client.recv(),
            Some(Message::Text(format!("You said: {text}")))
        );
    }
    drop(client);
    server.stop();
}

#[test]
fn a_subprotocol_is_chosen_only_from_those_offered() {
    let (server, _) = server(false, Settings::default());
    let chosen = Client::connect(
        &server,
        "/ws/a",
        &[("Sec-WebSocket-Protocol", "mqtt, chat")],
    );
    assert!(chosen
        .response_head
        .contains("Sec-WebSocket-Protocol: chat\r\n"));
    let none = Client::connect(&server, "/ws/a", &[("Sec-WebSocket-Protocol", "mqtt")]);
    assert!(!none.response_head.contains("Sec-WebSocket-Protocol"));
    drop((chosen, none));
    server.stop();
}

#[test]
fn websocket_connect_talks_to_a_server_from_a_handler_with_and_without_compression() {
    for compress in [false, true] {
        let (server, events) = server(compress, Settings::default());
        let relayed = server.fetch(if compress {
            "/relay?compress=1"
        } else {
            "/relay"
        });
        assert_eq!(relayed.status, 200, "{}", relayed.text());
        assert_eq!(
            relayed.text(),
            "Some(Text(\"You said: one\")) Some(Text(\"You said: two\")) close=Some(1000)"
        );
        server.stop();
        let events = events.lock().unwrap().clone();
        assert_eq!(events.last().unwrap(), "close Some(1000) Some(\"\")");
    }
}

#[test]
fn a_stopping_server_closes_open_websockets_with_1001() {
    let (server, events) = server(false, Settings::default());
    let mut client = Client::connect(&server, "/ws/a", &[]);
    client.send(&Message::Text("hi".into()));
    assert!(client.recv().is_some());
    let stopper = std::thread::spawn(move || server.stop());
    match client.recv() {
        Some(Message::Close(Some((code, _)))) => assert_eq!(code, 1001),
        other => panic!("expected close 1001, got {other:?}"),
    }
    client.send(&Message::Close(Some((1001, String::new()))));
    assert!(client.closed());
    drop(client);
    stopper.join().unwrap();
    assert!(events
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .starts_with("close Some(1001)"));
}

#[test]
fn pings_keep_the_websocket_alive_and_an_unanswered_one_closes_it() {
    let settings = Settings {
        websocket_ping_interval: Some(Duration::from_millis(50)),
        websocket_ping_timeout: Some(Duration::from_millis(300)),
        ..Settings::default()
    };
    let (server, events) = server(false, settings);
    // A client that answers every ping stays open well past the timeout.
    let mut answering = Client::connect(&server, "/ws/a", &[]);
    let until = std::time::Instant::now() + Duration::from_millis(700);
    let mut pings = 0;
    while std::time::Instant::now() < until {
        match answering.recv() {
            Some(Message::Ping(data)) => {
                pings += 1;
                answering.send(&Message::Pong(data));
            }
            other => panic!("expected a ping, got {other:?}"),
        }
    }
    assert!(pings >= 5, "{pings} pings");
    answering.send(&Message::Text("alive".into()));
    loop {
        match answering.recv() {
            Some(Message::Ping(data)) => answering.send(&Message::Pong(data)),
            other => {
                assert_eq!(other, Some(Message::Text("You said: alive".into())));
                break;
            }
        }
    }
    drop(answering);
    let mut client = Client::connect(&server, "/ws/a", &[]);
    // The server pings; this client never answers, so it is closed after the timeout.
    assert_eq!(client.recv(), Some(Message::Ping(Vec::new())));
    let started = std::time::Instant::now();
    while client.recv().is_some() {}
    let waited = started.elapsed();
    drop(client);
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    server.stop();
    assert!(events
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .starts_with("close None"));
}
