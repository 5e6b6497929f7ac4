//! The chatdemo example's application on a real two-shard server: long polls on one shard
//! get messages posted on the other, newcomers get the cache, hung-up pollers are dropped.
#![allow(clippy::unwrap_used)]

#[path = "../chatdemo.rs"]
#[allow(dead_code)]
mod chatdemo;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;
use typhoon::httpserver::{HttpServer, RunningServer, ServerConfig};

/// The chat on 127.0.0.1, port 0, two shards.
fn start() -> (RunningServer, SocketAddr) {
    let config = ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    let mut server = HttpServer::with_config(chatdemo::app(), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    let running = server.start_background(2).unwrap();
    let addr = running.handle().local_addrs()[0];
    (running, addr)
}

/// A keep-alive HTTP/1.1 connection, so a test knows which shard answers it.
struct Conn {
    reader: BufReader<TcpStream>,
}

/// A response: status, headers (names lowercased), body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The ids in a `{"messages": [...]}` reply.
    fn ids(&self) -> Vec<u64> {
        self.json()["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_u64().unwrap())
            .collect()
    }
}

impl Conn {
    fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    /// A connection that shard `shard` serves: the kernel spreads connections over the
    /// shards' listeners, so open them until one lands there.
    fn on_shard(addr: SocketAddr, shard: u64) -> Conn {
        for _ in 0..500 {
            let mut conn = Conn::open(addr);
            if conn.status()["shard"] == shard {
                return conn;
            }
        }
        panic!("no connection reached shard {shard}");
    }

    /// Sends a request; `form` is a urlencoded body (POST) or `None` (GET).
    fn send(&mut self, path: &str, form: Option<&str>) {
        let request = match form {
            None => format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n"),
            Some(form) => format!(
                "POST {path} HTTP/1.1\r\nHost: t\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                form.len()
            ),
        };
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();
    }

    /// Reads one response (the server sends a Content-Length for these).
    fn read(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            let Some((name, value)) = line.trim_end().split_once(':') else {
                break;
            };
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    fn get(&mut self, path: &str) -> Reply {
        self.send(path, None);
        self.read()
    }

    fn post(&mut self, path: &str, form: &str) -> Reply {
        self.send(path, Some(form));
        self.read()
    }

    fn status(&mut self) -> Value {
        self.get("/a/status").json()
    }

    /// Posts `body` (no spaces or symbols) as a new message; returns its id.
    fn say(&mut self, body: &str) -> u64 {
        let reply = self.post("/a/message/new", &format!("body={body}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let message = reply.json();
        assert_eq!(message["body"], body);
        message["id"].as_u64().unwrap()
    }

    /// Waits until `/a/status` shows `waiting` long polls on this connection's shard.
    fn wait_for_waiting(&mut self, waiting: u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.status()["waiting"] != waiting {
            assert!(Instant::now() < deadline, "never {waiting} waiting");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits until message `id` is in the cache of this connection's shard (the bus brings
    /// it to each shard on its own time).
    fn wait_for_newest(&mut self, id: u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.status()["newest"] != id {
            assert!(Instant::now() < deadline, "message {id} never arrived");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn a_poll_on_shard_0_gets_a_message_posted_on_shard_1_and_newcomers_get_the_cache() {
    let (_server, addr) = start();
    let mut poller = Conn::on_shard(addr, 0);
    let mut watcher = Conn::on_shard(addr, 0);
    let mut poster = Conn::on_shard(addr, 1);
    assert_eq!(watcher.status()["shards"], 2);

    // Nothing is cached yet, so the poll waits…
    poller.send("/a/message/updates", Some("cursor="));
    watcher.wait_for_waiting(1);
    // …until shard 1 takes a post.
    let first = poster.say("hello");
    let reply = poller.read();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=UTF-8")
    );
    let message = &reply.json()["messages"][0];
    assert_eq!(message["body"], "hello");
    assert_eq!(
        message["html"],
        format!(r#"<div class="message" id="m{first}">hello</div>"#)
    );
    assert_eq!(reply.ids(), [first]);
    watcher.wait_for_waiting(0);

    // Posts from either shard get ids in one order, which every shard's cache keeps.
    let second = poller.say("from-shard-0");
    let third = poster.say("from-shard-1-again");
    assert!(first < second && second < third);
    for shard in [0, 1] {
        let mut newcomer = Conn::on_shard(addr, shard);
        newcomer.wait_for_newest(third);
        let all = newcomer.post("/a/message/updates", "cursor=");
        assert_eq!(all.ids(), [first, second, third], "shard {shard}");
        // With a cursor, only what came after it, at once.
        let after = newcomer.post("/a/message/updates", &format!("cursor={first}"));
        assert_eq!(after.ids(), [second, third]);
    }
}

#[test]
fn a_poll_with_the_newest_cursor_waits_on_either_shard_for_the_next_message() {
    let (_server, addr) = start();
    let mut poster = Conn::on_shard(addr, 1);
    let seen = poster.say("one");
    let mut pollers = [Conn::on_shard(addr, 0), Conn::on_shard(addr, 1)];
    let mut watchers = [Conn::on_shard(addr, 0), Conn::on_shard(addr, 1)];
    // Both shards have `seen` before anyone polls past it.
    for watcher in &mut watchers {
        watcher.wait_for_newest(seen);
    }
    for (poller, watcher) in pollers.iter_mut().zip(&mut watchers) {
        poller.send("/a/message/updates", Some(&format!("cursor={seen}")));
        watcher.wait_for_waiting(1);
    }
    let next = poster.say("two");
    for poller in &mut pollers {
        assert_eq!(poller.read().ids(), [next]);
    }
}

#[test]
fn a_waiting_client_that_hangs_up_is_dropped() {
    let (_server, addr) = start();
    let mut watcher = Conn::on_shard(addr, 0);
    let mut poller = Conn::on_shard(addr, 0);
    poller.send("/a/message/updates", Some("cursor="));
    watcher.wait_for_waiting(1);
    drop(poller);
    watcher.wait_for_waiting(0);
    // The shard goes on: a new message still reaches a new poll.
    let mut again = Conn::on_shard(addr, 0);
    again.send("/a/message/updates", Some("cursor="));
    watcher.wait_for_waiting(1);
    let id = Conn::on_shard(addr, 1).say("still-here");
    assert_eq!(again.read().ids(), [id]);
}

#[test]
fn the_cache_keeps_the_last_200_messages() {
    let (_server, addr) = start();
    let mut posters = [Conn::on_shard(addr, 0), Conn::on_shard(addr, 1)];
    let ids: Vec<u64> = (0..205)
        .map(|i| posters[i % 2].say(&format!("m{i}")))
        .collect();
    let newest = *ids.last().unwrap();
    for poster in &mut posters {
        poster.wait_for_newest(newest);
        let reply = poster.post("/a/message/updates", "cursor=");
        assert_eq!(reply.ids(), ids[5..]);
        assert_eq!(reply.json()["messages"][0]["body"], "m5");
    }
}

#[test]
fn the_page_lists_escaped_messages_and_next_redirects() {
    let (_server, addr) = start();
    let mut conn = Conn::open(addr);
    let reply = conn.post("/a/message/new", "body=%3Cb%3Ehi%3C%2Fb%3E&next=%2F");
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("/"));
    let mut reader = Conn::open(addr);
    reader.wait_for_newest(1);
    let mut page = reader.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(r#"<div class="message" id="m1">&lt;b&gt;hi&lt;/b&gt;</div>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"let cursor = "1";"#));
    // An off-site `next` is not followed: the message comes back as JSON.
    page = conn.post("/a/message/new", "body=x&next=%2F%2Fevil.example");
    assert_eq!((page.status, page.json()["id"].as_u64()), (200, Some(2)));
    assert_eq!(conn.post("/a/message/updates", "cursor=soon").status, 400);
    assert_eq!(conn.post("/a/message/new", "nobody=1").status, 400);
}
