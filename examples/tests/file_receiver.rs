//! The file_receiver example: streamed PUT uploads hashed as they arrive, multipart POSTs
//! read whole, and a 1 GiB upload through the real program with its memory measured.
#![allow(clippy::unwrap_used)]

mod support;

#[path = "../file_receiver.rs"]
#[allow(dead_code)]
mod file_receiver;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use support::{port_of, Program};
use typhoon::httpserver::{HttpServer, RunningServer, ServerConfig};

fn start(max_size: u64) -> (RunningServer, String) {
    let config = ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    let mut server = HttpServer::with_config(file_receiver::app(max_size), config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    let running = server.start_background(1).unwrap();
    let base = format!("http://{}", running.handle().local_addrs()[0]);
    (running, base)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn json(response: ureq::Response) -> Value {
    serde_json::from_str(&response.into_string().unwrap()).unwrap()
}

#[test]
fn a_put_is_hashed_as_it_arrives_with_a_length_or_chunked() {
    let (_server, base) = start(1 << 30);
    let body: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
    let expected = hex(&Sha256::digest(&body));
    let reply = json(
        ureq::put(&format!("{base}/photos/cat.jpg"))
            .send_bytes(&body)
            .unwrap(),
    );
    assert_eq!(reply["filename"], "photos/cat.jpg");
    assert_eq!(reply["bytes"], 3_000_000);
    assert_eq!(reply["sha256"], expected);
    // A reader's body goes chunked.
    let reply = json(
        ureq::put(&format!("{base}/chunked.bin"))
            .send(std::io::Cursor::new(body))
            .unwrap(),
    );
    assert_eq!(
        (reply["bytes"].as_u64(), &reply["sha256"]),
        (Some(3_000_000), &Value::from(expected))
    );
}

#[test]
fn a_put_over_max_size_is_refused_before_its_body() {
    let (_server, base) = start(1000);
    match ureq::put(&format!("{base}/big")).send_bytes(&[0u8; 1001]) {
        Err(ureq::Error::Status(413, _)) => {}
        other => panic!("expected a 413, got {other:?}"),
    }
}

#[test]
fn a_multipart_post_lists_its_files() {
    let (_server, base) = start(1 << 30);
    let form = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--\r\n";
    let reply = json(
        ureq::post(&format!("{base}/post"))
            .set("Content-Type", "multipart/form-data; boundary=XyZ")
            .send_string(form)
            .unwrap(),
    );
    assert_eq!(reply["files"][0]["filename"], "a.txt");
    assert_eq!(reply["files"][0]["content_type"], "text/plain");
    assert_eq!(reply["files"][0]["bytes"], 5);
}

/// A field of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Issue 14's acceptance: 1 GiB through `@stream_request_body` with the server's resident
/// memory growing by less than 64 MiB.
#[test]
fn one_gib_through_the_program_keeps_its_memory_flat() {
    let program = Program::spawn("file_receiver", &["--port", "0", "--shards", "1"]);
    let port = port_of(&program.wait_listening(1)[0]);
    let pid = program.pid();
    // Warm up (the first request sets up buffers), then reset the peak to the present.
    ureq::put(&format!("http://127.0.0.1:{port}/warm"))
        .send_bytes(b"warm")
        .unwrap();
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let before = status_kib(pid, "VmRSS:");

    let len: usize = 1 << 30;
    let block: Vec<u8> = (0..1usize << 20).map(|i| (i * 31 % 256) as u8).collect();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        stream,
        "PUT /big.bin HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut expected = Sha256::new();
    for _ in 0..len / block.len() {
        stream.write_all(&block).unwrap();
        expected.update(&block);
    }
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    let reply: Value = serde_json::from_str(body).unwrap();
    assert_eq!(reply["bytes"].as_u64(), Some(len as u64));
    assert_eq!(reply["sha256"], hex(&expected.finalize()));

    let peak = status_kib(pid, "VmHWM:");
    let growth_mib = peak.saturating_sub(before) / 1024;
    eprintln!("file_receiver, 1 GiB PUT: RSS {before} KiB before, peak {peak} KiB during: +{growth_mib} MiB");
    assert!(growth_mib < 64, "the server's RSS grew by {growth_mib} MiB");
}
