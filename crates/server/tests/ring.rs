//! The shard's own io_uring under pressure: more bytes in flight than receive buffers, a
//! client that pipelines faster than it is answered, a client that stops reading, and a
//! stop that must give the port back.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use support::{addr, connect, start, test_config, Reader};

#[test]
fn many_clients_uploading_at_once_are_all_answered() {
    // 24 × 192 KiB in flight together is several times the shard's 1 MiB of receive
    // buffers: connections run out, pause and resume, and every byte still arrives.
    let server = start(test_config(), 1);
    let clients: Vec<_> = (0..24u8)
        .map(|i| {
            let mut reader = Reader::new(connect(&server));
            thread::spawn(move || {
                let body: Vec<u8> = (0..192 * 1024).map(|n| (n % 251) as u8 ^ i).collect();
                let head = format!(
                    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                reader.send(head.as_bytes());
                reader.send(&body);
                let response = reader.response().expect("an answer");
                assert_eq!(response.status, 200);
                assert!(response.body == body, "client {i}: the echo differs");
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let mut after = Reader::new(connect(&server));
    after.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(after.response().unwrap().body, b"good boy");
}

#[test]
fn a_client_pipelining_faster_than_it_is_answered_gets_every_answer() {
    // 20,000 requests written without reading: the server holds the client back through
    // TCP (its receive pauses at a bound) instead of buffering them all.
    const N: usize = 20_000;
    let server = start(test_config(), 1);
    let stream = connect(&server);
    let mut writer = stream.try_clone().unwrap();
    let sender = thread::spawn(move || {
        let batch = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1000);
        for _ in 0..N / 1000 {
            writer.write_all(&batch).unwrap();
        }
    });
    let mut reader = Reader::new(stream);
    for i in 0..N {
        let response = reader
            .response()
            .unwrap_or_else(|| panic!("answer {i} missing"));
        assert_eq!(response.body, b"good boy");
    }
    sender.join().unwrap();
}

#[test]
fn a_client_that_stops_reading_is_cut_off_after_the_write_timeout() {
    let mut config = test_config();
    config.write_timeout = Duration::from_millis(300);
    let server = start(config, 1);
    let mut stream = connect(&server);
    // Ask for far more than the socket buffers of both ends hold, and never read.
    let body = vec![b'x'; 32 << 20];
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    // The server gives up on us and closes: our writes then fail (reset).
    let deadline = Instant::now() + Duration::from_secs(10);
    while stream.write_all(b"GET / HTTP/1.1\r\n").is_ok() {
        assert!(Instant::now() < deadline, "the server never cut us off");
        thread::sleep(Duration::from_millis(20));
    }
    let mut sink = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
    assert!(
        total < body.len(),
        "the whole echo arrived: no write timeout"
    );
    // The shard keeps serving.
    let mut after = Reader::new(connect(&server));
    after.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(after.response().unwrap().body, b"good boy");
}

#[test]
fn a_stopped_server_gives_its_port_back() {
    let server = start(test_config(), 1);
    let address = addr(&server);
    let mut client = Reader::new(connect(&server));
    client.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(client.response().unwrap().status, 200);
    let handle = server.handle().clone();
    handle.stop();
    server.wait().unwrap();
    // Without SO_REUSEPORT: only free if no accept still holds the old listener.
    TcpListener::bind(address).expect("the port is free again");
}
