//! The access log as users run it: on by default, each line naming its shard, and a log
//! reader that stops reading never stops the shards from serving.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use support::{example, port_of, Program};

/// Sends `count` keep-alive GETs on one connection; each must answer 200 within `limit`.
fn get_many(port: u16, count: usize, limit: Duration) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut reply = [0u8; 4096];
    for i in 0..count {
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut got = Vec::new();
        while !got.ends_with(b"good boy") {
            let n = stream
                .read(&mut reply)
                .unwrap_or_else(|e| panic!("request {i} got no answer in {limit:?}: {e}"));
            assert!(n > 0, "the server closed the connection at request {i}");
            got.extend_from_slice(&reply[..n]);
        }
        assert!(got.starts_with(b"HTTP/1.1 200"), "request {i}");
    }
}

#[test]
fn every_line_of_a_shard_names_it() {
    let program = Program::spawn("multiprocess", &["--port", "0", "--shards", "2"]);
    let listening = program.wait_listening(2);
    let mut shards: Vec<&str> = listening
        .iter()
        .map(|l| {
            if l.contains(" shard0 ") {
                "shard0"
            } else if l.contains(" shard1 ") {
                "shard1"
            } else {
                panic!("no shard in {l}")
            }
        })
        .collect();
    shards.sort_unstable();
    assert_eq!(shards, ["shard0", "shard1"]);
    get_many(port_of(&listening[0]), 3, Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut access = 0;
    while access < 3 {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = program
            .take_line(" 200 GET / (127.0.0.1)", left)
            .expect("the access lines arrive (a shard hands its lines over when idle)");
        assert!(line.starts_with("[I ") && line.contains(" shard"), "{line}");
        access += 1;
    }
}

#[test]
fn a_log_reader_that_stops_reading_does_not_stop_the_shard() {
    let mut child = Command::new(example("hello"))
        .args(["--port", "0"])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "hello exited");
    }
    let port = port_of(line.trim_end());
    // Nobody reads stderr now: its pipe (64 KiB) fills after about a thousand lines, and a
    // logger that wrote on the shard's thread would stop the shard there.
    get_many(port, 5_000, Duration::from_secs(5));
    // Reading again lets every line out, none lost.
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut lines = 0;
        let mut line = String::new();
        while stderr.read_line(&mut line).unwrap_or(0) > 0 {
            if line.contains(" 200 GET / ") {
                lines += 1;
                if lines == 5_000 {
                    let _ = tx.send(lines);
                }
            }
            line.clear();
        }
    });
    let lines = rx.recv_timeout(Duration::from_secs(20));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(lines, Ok(5_000));
}
