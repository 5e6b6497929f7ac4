//! Response encoding tests: framing, header overrides, unsafe headers, errors.

use bytes::BytesMut;
use typhoon_http1::{
    encode_chunk, encode_error, encode_head, encode_last_chunk, encode_response, reason_phrase,
    BodyMode, Method, ParseError, Preamble, RequestContext, ResponseHead, Version,
};

const DATE: &[u8] = b"Sun, 06 Nov 1994 08:49:37 GMT";
const SERVER: &[u8] = b"TyphoonServer/0.1.0";
fn preamble() -> Preamble {
    Preamble::new(SERVER, DATE)
}

const DEFAULTS: &str = "Server: TyphoonServer/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

fn ctx(method: Method, version: Version, keep_alive: bool) -> RequestContext {
    RequestContext {
        method,
        version,
        keep_alive,
    }
}

const GET11: RequestContext = RequestContext {
    method: Method::Get,
    version: Version::Http11,
    keep_alive: true,
};

fn head(
    ctx: &RequestContext,
    status: u16,
    headers: &[(&str, &str)],
    content_length: Option<u64>,
) -> (String, BodyMode, bool) {
    let mut out = BytesMut::new();
    let (mode, keep_alive) = encode_head(
        &mut out,
        ctx,
        ResponseHead {
            status,
            reason: "",
            headers: headers.iter().copied(),
            content_length,
        },
        &preamble(),
    );
    (String::from_utf8_lossy(&out).into_owned(), mode, keep_alive)
}

fn response(
    ctx: &RequestContext,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (String, bool) {
    let mut out = BytesMut::new();
    let keep_alive = encode_response(
        &mut out,
        ctx,
        status,
        "",
        headers.iter().copied(),
        body,
        &preamble(),
    );
    (String::from_utf8_lossy(&out).into_owned(), keep_alive)
}

#[test]
fn known_length_response() {
    let (out, keep_alive) = response(&GET11, 200, &[("Content-Type", "text/plain")], b"hello");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
    );
    assert!(keep_alive);
    let (out, _) = response(&GET11, 200, &[], b"");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 0\r\n\r\n")
    );
}

#[test]
fn streamed_responses() {
    // HTTP/1.1: chunked.
    let (out, mode, keep_alive) = head(&GET11, 200, &[], None);
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Transfer-Encoding: chunked\r\n\r\n")
    );
    assert_eq!((mode, keep_alive), (BodyMode::Chunked, true));
    // HTTP/1.0 (H3): never chunked; the body ends at close, even if keep-alive was asked.
    let (out, mode, keep_alive) = head(&ctx(Method::Get, Version::Http10, true), 200, &[], None);
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Connection: close\r\n\r\n")
    );
    assert_eq!((mode, keep_alive), (BodyMode::CloseDelimited, false));
    let (out, mode, keep_alive) = head(&ctx(Method::Get, Version::Http10, false), 200, &[], None);
    assert_eq!(out, format!("HTTP/1.1 200 OK\r\n{DEFAULTS}\r\n"));
    assert_eq!((mode, keep_alive), (BodyMode::CloseDelimited, false));
}

#[test]
fn head_responses_have_no_body() {
    // H1: the Content-Length a GET would get, no body bytes, never a last chunk.
    let head_ctx = ctx(Method::Head, Version::Http11, true);
    let (out, keep_alive) = response(&head_ctx, 200, &[], b"hello");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 5\r\n\r\n")
    );
    assert!(keep_alive);
    let (out, mode, keep_alive) = head(&head_ctx, 200, &[], None);
    assert_eq!(out, format!("HTTP/1.1 200 OK\r\n{DEFAULTS}\r\n"));
    assert_eq!((mode, keep_alive), (BodyMode::None, true));
    // A HEAD handler's own Content-Length survives when the body is empty.
    let (out, _) = response(&head_ctx, 200, &[("Content-Length", "1234")], b"");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1234\r\n\r\n")
    );
    let (out, mode, _) = head(&head_ctx, 200, &[("content-length", "99")], None);
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}content-length: 99\r\n\r\n")
    );
    assert_eq!(mode, BodyMode::None);
    // ...but not when the body is known.
    let (out, _) = response(&head_ctx, 200, &[("Content-Length", "1234")], b"abc");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 3\r\n\r\n")
    );
    // HEAD to HTTP/1.0 streamed: no body at all, so no need to close.
    let (_, mode, keep_alive) = head(&ctx(Method::Head, Version::Http10, true), 200, &[], None);
    assert_eq!((mode, keep_alive), (BodyMode::None, true));
}

#[test]
fn bodyless_statuses() {
    // H2: 1xx and 204: no CL, no TE, no body, whatever the handler said.
    for status in [100, 101, 103, 204] {
        let (out, keep_alive) = response(
            &GET11,
            status,
            &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
            b"hello",
        );
        let connection = if status == 101 {
            "Connection: Upgrade\r\n"
        } else {
            ""
        };
        assert_eq!(
            out,
            format!(
                "HTTP/1.1 {status} {}\r\n{DEFAULTS}{connection}\r\n",
                reason_phrase(status)
            )
        );
        assert!(keep_alive);
        let (out, mode, _) = head(&GET11, status, &[], None);
        assert!(!out.contains("Transfer-Encoding"));
        assert_eq!(mode, BodyMode::None);
    }
    // 304: no body, no TE, and a Content-Length only if the handler gave one.
    let (out, _) = response(&GET11, 304, &[("ETag", "\"x\"")], b"hello");
    assert_eq!(
        out,
        format!("HTTP/1.1 304 Not Modified\r\n{DEFAULTS}ETag: \"x\"\r\n\r\n")
    );
    let (out, mode, _) = head(&GET11, 304, &[("Content-Length", "42")], None);
    assert_eq!(
        out,
        format!("HTTP/1.1 304 Not Modified\r\n{DEFAULTS}Content-Length: 42\r\n\r\n")
    );
    assert_eq!(mode, BodyMode::None);
}

#[test]
fn connection_header() {
    // C2: a request that asked to close gets `Connection: close`.
    let (out, keep_alive) = response(&ctx(Method::Get, Version::Http11, false), 200, &[], b"x");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1\r\nConnection: close\r\n\r\nx")
    );
    assert!(!keep_alive);
    // C3: HTTP/1.0 keep-alive is echoed; 1.0 without it closes silently.
    let (out, keep_alive) = response(&ctx(Method::Get, Version::Http10, true), 200, &[], b"x");
    assert_eq!(
        out,
        format!(
            "HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1\r\nConnection: keep-alive\r\n\r\nx"
        )
    );
    assert!(keep_alive);
    let (out, keep_alive) = response(&ctx(Method::Get, Version::Http10, false), 200, &[], b"x");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1\r\n\r\nx")
    );
    assert!(!keep_alive);
    // The handler's Connection header is replaced, but its `close` is honoured.
    let (out, keep_alive) = response(&GET11, 200, &[("Connection", "keep-alive")], b"x");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1\r\n\r\nx")
    );
    assert!(keep_alive);
    let (out, keep_alive) = response(&GET11, 200, &[("connection", "Close")], b"x");
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 1\r\nConnection: close\r\n\r\nx")
    );
    assert!(!keep_alive);
}

#[test]
fn user_headers() {
    // Server and Date can be overridden; the user's come in the user's position.
    let (out, _) = response(
        &GET11,
        200,
        &[
            ("X-A", "1"),
            ("server", "mine"),
            ("X-B", "2"),
            ("DATE", "today"),
        ],
        b"",
    );
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nX-A: 1\r\nserver: mine\r\nX-B: 2\r\nDATE: today\r\nContent-Length: 0\r\n\r\n"
    );
    let (out, _) = response(&GET11, 200, &[("Date", "today")], b"");
    assert_eq!(
        out,
        "HTTP/1.1 200 OK\r\nServer: TyphoonServer/0.1.0\r\nDate: today\r\nContent-Length: 0\r\n\r\n"
    );
    // Framing headers belong to the encoder.
    let (out, _) = response(
        &GET11,
        200,
        &[
            ("Content-Length", "100"),
            ("Transfer-Encoding", "gzip, chunked"),
        ],
        b"ab",
    );
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}Content-Length: 2\r\n\r\nab")
    );
    // CR, LF and other controls never reach the wire: the header is dropped.
    let (out, _) = response(
        &GET11,
        200,
        &[
            ("X-Evil", "a\r\nSet-Cookie: x=1"),
            ("X-Evil2", "a\nb"),
            ("X-Nul", "a\0b"),
            ("X\r\nInjected", "v"),
            ("", "v"),
            ("Bad Name", "v"),
            ("X-Ok", "caf\u{e9} \t ok"),
        ],
        b"",
    );
    assert_eq!(
        out,
        format!("HTTP/1.1 200 OK\r\n{DEFAULTS}X-Ok: caf\u{e9} \t ok\r\nContent-Length: 0\r\n\r\n")
    );
}

/// No headers (a bare `[]` leaves the field type unknown).
const NO_HEADERS: [(&str, &str); 0] = [];

#[test]
fn status_line_and_reason() {
    let mut out = BytesMut::new();
    encode_head(
        &mut out,
        &GET11,
        ResponseHead {
            status: 299,
            reason: "Custom Thing",
            headers: Vec::<(&str, &str)>::new(),
            content_length: Some(0),
        },
        &Preamble::new(b"", b""),
    );
    // Empty date and server switch those headers off.
    assert_eq!(
        &out[..],
        b"HTTP/1.1 299 Custom Thing\r\nContent-Length: 0\r\n\r\n"
    );
    let mut out = BytesMut::new();
    encode_response(
        &mut out,
        &GET11,
        404,
        "Nope\r\nX: y",
        NO_HEADERS,
        b"",
        &Preamble::default(),
    );
    assert_eq!(
        &out[..],
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    );
    let mut out = BytesMut::new();
    encode_response(
        &mut out,
        &GET11,
        599,
        "",
        NO_HEADERS,
        b"",
        &Preamble::default(),
    );
    assert!(out.starts_with(b"HTTP/1.1 599 Unknown\r\n"));
    // A 1.0 request still gets an HTTP/1.1 status line (H3).
    let (out, _) = response(&ctx(Method::Get, Version::Http10, false), 200, &[], b"");
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n"));
}

#[test]
fn chunks() {
    let mut out = BytesMut::new();
    encode_chunk(&mut out, b"hello");
    encode_chunk(&mut out, b"");
    encode_chunk(&mut out, &[b'x'; 0x1ff]);
    encode_last_chunk(&mut out);
    let mut expected = b"5\r\nhello\r\n1ff\r\n".to_vec();
    expected.extend_from_slice(&[b'x'; 0x1ff]);
    expected.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(&out[..], &expected[..]);
}

#[test]
fn error_responses() {
    for (err, line) in [
        (ParseError::BareLf, "400 Bad Request"),
        (
            ParseError::RequestLineTooLong { limit: 1 },
            "414 URI Too Long",
        ),
        (
            ParseError::HeadTooLarge { limit: 1 },
            "431 Request Header Fields Too Large",
        ),
        (
            ParseError::BodyTooLarge { limit: 1 },
            "413 Content Too Large",
        ),
        (ParseError::UnknownMethod, "501 Not Implemented"),
        (ParseError::UnsupportedTransferCoding, "501 Not Implemented"),
        (
            ParseError::UnsupportedVersion,
            "505 HTTP Version Not Supported",
        ),
        (ParseError::ExpectationFailed, "417 Expectation Failed"),
        (
            ParseError::TrailersTooLarge { limit: 1 },
            "431 Request Header Fields Too Large",
        ),
    ] {
        let mut out = BytesMut::new();
        encode_error(&mut out, err, &preamble());
        assert_eq!(
            String::from_utf8_lossy(&out),
            format!("HTTP/1.1 {line}\r\n{DEFAULTS}Content-Length: 0\r\nConnection: close\r\n\r\n")
        );
    }
}

#[test]
fn a_101_names_the_upgrade_in_its_connection_header_and_has_no_framing() {
    let headers = [
        ("Upgrade", "websocket"),
        ("Connection", "keep-alive, Upgrade"),
    ];
    let (out, _) = response(&GET11, 101, &headers, b"");
    assert_eq!(
        out,
        format!("HTTP/1.1 101 Switching Protocols\r\n{DEFAULTS}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
    );
    // An HTTP/1.0 client without keep-alive still reads the upgrade, not a close.
    let (out, _) = response(
        &ctx(Method::Get, Version::Http10, false),
        101,
        &headers,
        b"",
    );
    assert!(
        out.ends_with("Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
        "{out}"
    );
}
