//! Real server, real sockets: responses, pipelining, keep-alive, bad input, panics.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::Write;

use support::*;

#[test]
fn hello_has_length_date_and_server() {
    let server = start(test_config(), 1);
    let response = exchange(&server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"good boy");
    assert_eq!(response.header("content-length"), Some("8"));
    assert_eq!(
        response.header("date").map(str::len),
        Some(29),
        "IMF-fixdate"
    );
    assert!(response
        .header("server")
        .unwrap()
        .starts_with("TyphoonServer/"));
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn two_pipelined_requests_get_two_responses_in_order() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirstPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nsecond");
    assert_eq!(reader.response().unwrap().body, b"first");
    assert_eq!(reader.response().unwrap().body, b"second");
    // The connection is still open for a third.
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
    server.stop().unwrap();
}

#[test]
fn many_pipelined_requests_in_one_write() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(&b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200));
    for _ in 0..200 {
        assert_eq!(reader.response().unwrap().body, b"good boy");
    }
    server.stop().unwrap();
}

#[test]
fn connection_close_and_http10() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    let response = reader.response().unwrap();
    assert_eq!(response.header("connection"), Some("close"));
    assert!(
        reader.closed(),
        "the pipelined request after close is ignored (C2)"
    );

    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
    assert!(reader.closed(), "HTTP/1.0 without keep-alive closes (C3)");

    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let response = reader.response().unwrap();
    assert_eq!(
        response
            .header("connection")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("keep-alive")
    );
    reader.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 200);
    server.stop().unwrap();
}

#[test]
fn head_gets_headers_without_body() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    let response = reader.response_to(true).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), Some("8"));
    // The next response must follow immediately: no stray body bytes in between.
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
    server.stop().unwrap();
}

#[test]
fn expect_100_continue_then_body() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
    );
    assert_eq!(reader.response().unwrap().status, 100);
    reader.send(b"ping");
    let response = reader.response().unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"ping"[..])
    );
    server.stop().unwrap();
}

#[test]
fn oversized_body_is_refused_before_it_is_sent() {
    let mut config = test_config();
    config.limits.max_body = 1024;
    let server = start(config, 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\nExpect: 100-continue\r\n\r\n");
    let response = reader.response().unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));
    assert!(reader.closed());
    server.stop().unwrap();
}

#[test]
fn an_oversized_body_sent_without_expect_still_reads_its_413() {
    // A browser's form upload sends the whole body without waiting: the server answers
    // 413 at the head and drains what follows, so the answer is not destroyed by a reset.
    let mut config = test_config();
    config.limits.max_body = 1024;
    let server = start(config, 1);
    let mut stream = connect(&server);
    let len = 32 << 20;
    let mut request =
        format!("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {len}\r\n\r\n").into_bytes();
    request.resize(request.len() + len, b'x');
    stream.write_all(&request).unwrap();
    let mut reader = Reader::new(stream);
    let response = reader.response().unwrap();
    assert_eq!(response.status, 413);
    assert_eq!(response.header("connection"), Some("close"));
    drop(reader); // the server's drain ends at our close, not at its deadline
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn chunked_body_is_assembled() {
    let server = start(test_config(), 1);
    let response =
        exchange(&server, b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap();
    assert_eq!(
        (response.status, response.body.as_slice()),
        (200, &b"abcde"[..])
    );
    server.stop().unwrap();
}

/// Rows of the robustness reference (§1.1–1.2): the raw request, and the status we answer
/// (each of them then closes the connection).
const BAD: &[(&str, &[u8], u16)] = &[
    ("F1 CL and TE", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("F2 unequal CLs", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
    ("F2 CL list", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 10\r\n\r\nhello", 400),
    ("F4 +5", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400),
    ("F4 -1", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    ("F4 0x5", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", 400),
    ("F4 1_0", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1_0\r\n\r\n", 400),
    ("F4 empty", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 400),
    ("F4 foo", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: foo\r\n\r\n", 400),
    ("F4 20 digits", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
    ("F5 gzip, chunked", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("F5 xchunked", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 501),
    ("F6 chunked not last", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
    ("F7 space before colon", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("F7 TE twice", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("F8 TE in 1.0", b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("F9 empty chunk size", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n", 400),
    ("F9 1_a", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1_a\r\n", 400),
    ("F9 0x5", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", 400),
    ("F9 17 hex digits", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 400),
    ("F10 chunk too long", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 400),
    ("F11 NUL in extension", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a\x00b\r\nabc\r\n0\r\n\r\n", 400),
    ("F14 bare CR", b"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400),
    ("F15 bare LF", b"GET / HTTP/1.1\nHost: x\n\n", 400),
    ("F16 NUL in value", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400),
    ("F16 CTL in value", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", 400),
    ("F17 bad name", b"GET / HTTP/1.1\r\nHost: x\r\n[x]: y\r\n\r\n", 400),
    ("F17 no colon", b"GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400),
    ("F18 obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),
    ("F19 whitespace line", b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
    ("R1 double space", b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("R1 HTTP/0.9", b"GET /\r\n\r\n", 400),
    ("R1 garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ("R3 HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("R3 h2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    ("R4 unknown method", b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ("R4 lowercase get", b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ("R4 invalid token", b"FOO,BAR / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("R7 CONNECT", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501),
    ("R7 GET *", b"GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("R8 fragment", b"GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("R8 non-ASCII", b"GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("R9 no Host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("R9 two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("R9 empty Host", b"GET / HTTP/1.1\r\nHost: \r\n\r\n", 400),
    ("R9 Host with comma", b"GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", 400),
    ("R9 Host with userinfo", b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400),
    ("E2 unknown expectation", b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx", 417),
];

#[test]
fn malformed_requests_get_their_status_and_the_server_keeps_serving() {
    let server = start(test_config(), 1);
    for (row, bytes, status) in BAD {
        let mut reader = Reader::new(connect(&server));
        reader.send(bytes);
        let response = reader
            .response()
            .unwrap_or_else(|| panic!("{row}: no response"));
        assert_eq!(response.status, *status, "{row}");
        assert_eq!(response.header("connection"), Some("close"), "{row}");
        assert!(reader.closed(), "{row}: connection must close");
        assert_serves(&server);
    }
    server.stop().unwrap();
}

#[test]
fn smuggled_request_after_bad_framing_is_never_served() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    // F20: a CL+TE request with a second request hidden in its "body".
    reader.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /panic HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 400);
    assert!(reader.closed());
    server.stop().unwrap();
}

#[test]
fn limits_answer_414_and_431() {
    let server = start(test_config(), 1);
    let long_target = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    assert_eq!(
        exchange(&server, long_target.as_bytes()).unwrap().status,
        414
    );
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n",
        "b".repeat(70 * 1024)
    );
    assert_eq!(
        exchange(&server, big_header.as_bytes()).unwrap().status,
        431
    );
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: x\r\n{many}\r\n");
    assert_eq!(exchange(&server, many.as_bytes()).unwrap().status, 431);
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn a_panicking_handler_gets_500_and_the_shard_survives() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET /panic HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 500);
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        reader.response().unwrap().body,
        b"good boy",
        "same connection keeps working"
    );
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn random_bytes_never_take_the_shard_down() {
    let server = start(test_config(), 1);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..200 {
        let mut bytes = Vec::new();
        for _ in 0..(seed % 300) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed >> 24) as u8);
        }
        let mut stream = connect(&server);
        use std::io::Write;
        let _ = stream.write_all(&bytes);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut sink = Vec::new();
        use std::io::Read;
        let _ = stream.read_to_end(&mut sink);
    }
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn a_large_body_arrives_whole() {
    let server = start(test_config(), 1);
    let body: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let mut reader = Reader::new(connect(&server));
    let head = format!(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut writer = reader.stream.try_clone().unwrap();
    let sent = body.clone();
    let sender = std::thread::spawn(move || {
        use std::io::Write;
        writer.write_all(head.as_bytes()).unwrap();
        writer.write_all(&sent).unwrap();
    });
    let response = reader.response().unwrap();
    sender.join().unwrap();
    assert_eq!(response.status, 200);
    assert!(response.body == body, "echoed body differs");
    server.stop().unwrap();
}

#[test]
fn a_streamed_body_is_chunked_on_11_and_close_delimited_on_10() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    let response = reader.response().unwrap();
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.body, b"one two three");
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        reader.response().unwrap().body,
        b"good boy",
        "keep-alive after a stream"
    );

    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    let response = reader.response().unwrap();
    assert_eq!(response.header("transfer-encoding"), None);
    assert_eq!(response.body, b"one two three", "delimited by the close");

    let mut reader = Reader::new(connect(&server));
    reader.send(b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    let response = reader.response_to(true).unwrap();
    assert_eq!(response.status, 200);
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        reader.response().unwrap().body,
        b"good boy",
        "no body bytes after a HEAD"
    );
    server.stop().unwrap();
}

#[test]
fn a_panic_mid_stream_truncates_and_closes() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET /stream-panic HTTP/1.1\r\nHost: x\r\n\r\n");
    let r = reader.response();
    assert!(
        r.is_none(),
        "no final chunk: the client sees a truncated body: {r:?}"
    );
    assert_serves(&server);
    server.stop().unwrap();
}

#[test]
fn a_handler_that_never_answers_gets_500() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET /silent HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 500);
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().status, 200);
    server.stop().unwrap();
}

#[test]
fn an_idle_connection_gives_its_buffers_back_and_still_serves() {
    let server = start(test_config(), 1);
    let mut reader = Reader::new(connect(&server));
    reader.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
    // Past the idle park (5 ms) the connection waits without buffers; a request split
    // across that wait is still assembled.
    std::thread::sleep(std::time::Duration::from_millis(30));
    reader.send(b"GET / HTTP/1.1\r\n");
    std::thread::sleep(std::time::Duration::from_millis(30));
    reader.send(b"Host: x\r\n\r\n");
    assert_eq!(reader.response().unwrap().body, b"good boy");
    server.stop().unwrap();
}
