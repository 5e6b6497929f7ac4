//! Request head tests: line, target, Host, fields, limits, Expect, keep-alive.

// Rows R1–R9, L1–L3, F14–F19, E1–E2, C1–C5; each input is fed at every split point.

mod support;

use bytes::BytesMut;
use support::{decode, decode_with, error_of, error_with, one_request, one_request_with, Item};
use typhoon_http1::{Decoded, Decoder, Limits, Method, ParseError, Version};

fn get(target: &str, headers: &str) -> Vec<u8> {
    format!("GET {target} HTTP/1.1\r\nHost: a\r\n{headers}\r\n").into_bytes()
}

#[test]
fn simple_request() {
    let req = one_request(b"GET /a/b%20c?x=1&y=?2 HTTP/1.1\r\nHost: example.com:8080\r\nX-Thing:  v a l \t\r\nAccept: */*\r\n\r\n");
    assert_eq!(req.method, Method::Get);
    assert_eq!(req.version, Version::Http11);
    assert_eq!(req.target, "/a/b%20c?x=1&y=?2");
    assert_eq!(req.path, "/a/b%20c");
    assert_eq!(req.query, "x=1&y=?2");
    assert_eq!(req.host.as_deref(), Some("example.com:8080"));
    assert_eq!(
        req.headers,
        [
            ("Host".to_owned(), b"example.com:8080".to_vec()),
            ("X-Thing".to_owned(), b"v a l".to_vec()),
            ("Accept".to_owned(), b"*/*".to_vec()),
        ]
    );
    assert!(req.keep_alive);
}

#[test]
fn request_accessors() {
    let mut buf = BytesMut::from(
        &b"DELETE /x HTTP/1.1\r\nhost: h\r\nX-A: 1\r\nx-a: 2\r\nX-Empty:\r\nX-Obs: \xe9t\xe9\r\n\r\n"[..],
    );
    let Ok(Some(Decoded::Request(req))) = Decoder::new(Limits::default()).decode(&mut buf) else {
        panic!("expected a request");
    };
    assert_eq!(req.header("X-A"), Some(&b"1"[..]));
    assert_eq!(req.header("HOST"), Some(&b"h"[..]));
    assert_eq!(req.header("x-empty"), Some(&b""[..]));
    // obs-text is allowed in values and kept as bytes (F16).
    assert_eq!(req.header("x-obs"), Some(&b"\xe9t\xe9"[..]));
    assert_eq!(req.header("missing"), None);
    let ctx = req.context();
    assert_eq!(
        (ctx.method, ctx.version, ctx.keep_alive),
        (Method::Delete, Version::Http11, true)
    );
    assert!(req.body().is_empty());
    assert!(buf.is_empty());
}

#[test]
fn all_methods() {
    for m in [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Options,
        Method::Trace,
    ] {
        let input = format!("{} / HTTP/1.1\r\nHost: a\r\n\r\n", m.as_str());
        assert_eq!(one_request(input.as_bytes()).method, m);
    }
}

#[test]
fn unknown_and_invalid_methods() {
    // R4/R5: valid tokens we do not implement are 501 (Tornado says 405 for FOO).
    let long = "X".repeat(100);
    for m in [
        "FOO",
        "get",
        "Get",
        "CONNECT",
        "PRI",
        "PROPFIND",
        long.as_str(),
    ] {
        let input = format!("{m} / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(error_of(input.as_bytes()), ParseError::UnknownMethod, "{m}");
    }
    assert_eq!(
        error_of(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
        ParseError::UnknownMethod
    );
    // Not tokens: 400 (Tornado's `FOO,BAR`).
    for m in ["FOO,BAR", "G(T", "GE\"T", "G\x00T", "GÉT"] {
        let input = format!("{m} / HTTP/1.1\r\nHost: a\r\n\r\n");
        assert_eq!(error_of(input.as_bytes()), ParseError::BadMethod, "{m:?}");
    }
}

#[test]
fn malformed_request_lines() {
    // R1.
    for (line, err) in [
        (&b"GET  / HTTP/1.1"[..], ParseError::BadRequestLine),
        (b"GET / HTTP/1.1 ", ParseError::BadVersion),
        (b"GET /  HTTP/1.1", ParseError::BadVersion),
        (b"GET\t/ HTTP/1.1", ParseError::BadMethod),
        (b"GET /\tHTTP/1.1", ParseError::BadVersion),
        (b" GET / HTTP/1.1", ParseError::BadMethod),
        (b"GET", ParseError::BadRequestLine),
        (b"GET /", ParseError::BadVersion),
        (b"GET HTTP/1.1", ParseError::BadVersion),
        (b"asdf", ParseError::BadRequestLine),
        (b"\x16\x03\x01\x02\x00\x01", ParseError::BadRequestLine),
        (b"\x16\x03 \x01", ParseError::BadMethod),
    ] {
        let mut input = line.to_vec();
        input.extend_from_slice(b"\r\nHost: a\r\n\r\n");
        assert_eq!(error_of(&input), err, "{:?}", String::from_utf8_lossy(line));
    }
}

#[test]
fn versions() {
    // R2: later 1.x minor versions read as 1.1.
    for v in ["HTTP/1.1", "HTTP/1.2", "HTTP/1.9"] {
        let input = format!("GET / {v}\r\nHost: a\r\n\r\n");
        assert_eq!(
            one_request(input.as_bytes()).version,
            Version::Http11,
            "{v}"
        );
    }
    assert_eq!(
        one_request(b"GET / HTTP/1.0\r\n\r\n").version,
        Version::Http10
    );
    // R3: 505 for later major versions and the h2 preface.
    for v in ["HTTP/2.0", "HTTP/3.0", "HTTP/9.9", "HTTP/2.1"] {
        let input = format!("GET / {v}\r\nHost: a\r\n\r\n");
        assert_eq!(
            error_of(input.as_bytes()),
            ParseError::UnsupportedVersion,
            "{v}"
        );
    }
    assert_eq!(
        error_of(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        ParseError::UnsupportedVersion
    );
    for v in [
        "HTTP/0.9",
        "HTTP/1",
        "HTTP/1.",
        "HTTP/1.10",
        "HTTP/11",
        "http/1.1",
        "HTTP/1.1x",
        "HTTP/a.b",
        "HTTPS/1.1",
        "HTTP/1,1",
        "",
    ] {
        let input = format!("GET / {v}\r\nHost: a\r\n\r\n");
        assert_eq!(error_of(input.as_bytes()), ParseError::BadVersion, "{v:?}");
    }
}

#[test]
fn target_forms() {
    // R6: absolute-form; the authority in the target wins over Host.
    let req = one_request(b"GET http://example.com/p/q?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    assert_eq!(
        (req.path.as_str(), req.query.as_str(), req.host.as_deref()),
        ("/p/q", "x=1", Some("example.com"))
    );
    assert_eq!(req.target, "http://example.com/p/q?x=1");
    let req = one_request(b"GET HTTPS://EXAMPLE.com:443 HTTP/1.1\r\nHost: EXAMPLE.com\r\n\r\n");
    assert_eq!(
        (req.path.as_str(), req.query.as_str(), req.host.as_deref()),
        ("/", "", Some("EXAMPLE.com:443"))
    );
    let req = one_request(b"GET http://[::1]:8080?q HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((req.path.as_str(), req.query.as_str()), ("/", "q"));
    assert_eq!(req.host.as_deref(), Some("[::1]:8080"));
    // R7: asterisk-form only for OPTIONS.
    let req = one_request(b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!((req.path.as_str(), req.query.as_str()), ("*", ""));
    // Percent-encoding stays as sent (R8).
    let req = one_request(&get("/%00%0d%0a?a=%23", ""));
    assert_eq!(
        (req.path.as_str(), req.query.as_str()),
        ("/%00%0d%0a", "a=%23")
    );
    // Not a network-path reference: an origin-form path that starts with an empty
    // segment, kept as sent (as nginx and hyper do) for the router to normalise.
    let req = one_request(&get("//example.com/", ""));
    assert_eq!(
        (req.path.as_str(), req.host.as_deref()),
        ("//example.com/", Some("a"))
    );
    let req = one_request(&get("/?", ""));
    assert_eq!((req.path.as_str(), req.query.as_str()), ("/", ""));
    for target in [
        "*",
        "example.com:443",
        "example.com",
        "ftp://example.com/",
        "http://user@example.com/",
        "http:///p",
        "http://",
        "http://a b/",
        "/a#frag",
        "/#",
        "/\u{e9}",
        "/a\x7f",
        "*?x",
        "relative/path",
    ] {
        let input = get(target, "");
        // Some of these split into extra request-line parts; all are 400.
        assert_eq!(error_of(&input).status(), 400, "{target:?}");
    }
    assert_eq!(error_of(&get("/a#frag", "")), ParseError::BadTarget);
    assert_eq!(error_of(&get("*", "")), ParseError::BadTarget);
    assert_eq!(
        error_of(b"GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n"),
        ParseError::BadTarget
    );
}

#[test]
fn host_rules() {
    // R9.
    assert_eq!(error_of(b"GET / HTTP/1.1\r\n\r\n"), ParseError::MissingHost);
    assert_eq!(
        error_of(b"GET http://a/ HTTP/1.1\r\n\r\n"),
        ParseError::MissingHost
    );
    assert_eq!(
        error_of(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
        ParseError::DuplicateHost
    );
    assert_eq!(
        error_of(b"GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"),
        ParseError::DuplicateHost
    );
    for host in [
        "",
        " ",
        "user@host",
        "host/path",
        "a, b",
        "a,b",
        "foo bar",
        "a\tb",
        "host:80:80",
        "host:http",
        "[::1",
        "h\u{e9}",
        "host?",
    ] {
        let input = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(error_of(input.as_bytes()), ParseError::BadHost, "{host:?}");
    }
    for host in [
        "localhost",
        "localhost:8080",
        "127.0.0.1:1",
        "[::1]",
        "xn--bcher-kva.example",
    ] {
        let input = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        assert_eq!(one_request(input.as_bytes()).host.as_deref(), Some(host));
    }
    // HTTP/1.0 needs no Host.
    assert_eq!(one_request(b"GET / HTTP/1.0\r\n\r\n").host, None);
}

#[test]
fn bare_cr_and_lf_in_the_head() {
    // F14, F15, and the Node.js `\r\n\rX` head end.
    for (input, err) in [
        (&b"GET / HTTP/1.1\nHost: a\r\n\r\n"[..], ParseError::BareLf),
        (
            b"GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n",
            ParseError::BareLf,
        ),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\n", ParseError::BareLf),
        (b"GET / HTTP/1.1\nHost: a\n\n", ParseError::BareLf),
        (b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BareLf),
        (
            b"GET / HTTP/1.1\r\nHost: a\rX: y\r\n\r\n",
            ParseError::BareCr,
        ),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\rX", ParseError::BareCr),
        (b"GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", ParseError::BareCr),
        (b"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", ParseError::BareCr),
        (b"\rGET / HTTP/1.1\r\n", ParseError::BareCr),
    ] {
        assert_eq!(error_of(input), err, "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn bad_header_lines() {
    // F16–F19 and the http-garden `\xa0` / `\x00` payloads.
    for (line, err) in [
        (&b"X: a\x00b"[..], ParseError::BadHeaderValue),
        (b"X: a\x01b", ParseError::BadHeaderValue),
        (b"X: a\x7fb", ParseError::BadHeaderValue),
        (b"X: a\x0cb", ParseError::BadHeaderValue),
        (b"X: \x1b", ParseError::BadHeaderValue),
        (b"[x]: y", ParseError::BadHeaderName),
        (b"X\xc3\xa9: y", ParseError::BadHeaderName),
        (b"\xa0X: y", ParseError::BadHeaderName),
        (b": v", ParseError::BadHeaderName),
        (b"NoColon", ParseError::BadHeaderName),
        (b"X : y", ParseError::BadHeaderName),
        (b"X\t: y", ParseError::BadHeaderName),
        (b"X-Y: a\r\n continued", ParseError::BadHeaderName),
        (b"X-Y: a\r\n\tcontinued", ParseError::BadHeaderName),
        (b"X(Y): z", ParseError::BadHeaderName),
    ] {
        let mut input = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
        input.extend_from_slice(line);
        input.extend_from_slice(b"\r\n\r\n");
        assert_eq!(error_of(&input), err, "{:?}", String::from_utf8_lossy(line));
    }
    // F19: whitespace before the first header, or a whitespace line.
    for input in [
        &b"GET / HTTP/1.1\r\n Host: a\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\n\tHost: a\r\n\r\n",
        b"GET / HTTP/1.1\r\n \r\nHost: a\r\n\r\n",
    ] {
        assert_eq!(error_of(input), ParseError::BadHeaderName);
    }
    // `\xa0` around a Host value makes it invalid (http-garden: never stripped).
    assert_eq!(
        error_of(b"GET / HTTP/1.1\r\nHost: a\xa0\r\n\r\n"),
        ParseError::BadHost
    );
}

#[test]
fn request_line_limit() {
    let limits = Limits {
        max_request_line: 32,
        ..Limits::default()
    };
    let line = |len: usize| format!("GET /{} HTTP/1.1", "a".repeat(len - 14));
    assert_eq!(line(32).len(), 32);
    let ok = format!("{}\r\nHost: a\r\n\r\n", line(32));
    assert_eq!(one_request_with(limits, ok.as_bytes()).method, Method::Get);
    // L1: complete but too long, and too long without any line end yet.
    let over = format!("{}\r\nHost: a\r\n\r\n", line(33));
    let too_long = ParseError::RequestLineTooLong { limit: 32 };
    assert_eq!(error_with(limits, over.as_bytes()), too_long);
    assert_eq!(error_with(limits, "GET /".repeat(20).as_bytes()), too_long);
    // 33 bytes and a CR: the line end can no longer come in time.
    let mut partial = line(33).into_bytes();
    partial.push(b'\r');
    assert_eq!(error_with(limits, &partial), too_long);
    // 32 bytes and a CR still wait for the LF.
    let mut partial = line(32).into_bytes();
    partial.push(b'\r');
    assert!(decode_with(limits, &partial).items.is_empty());
    // Default limit: 8 KiB target answered with 414 before the head ends.
    let huge = format!("GET /{} HTTP/1.1\r\n", "a".repeat(9000));
    assert_eq!(error_of(huge.as_bytes()).status(), 414);
}

#[test]
fn head_and_header_count_limits() {
    let limits = Limits {
        max_head: 64,
        ..Limits::default()
    };
    // L2: exactly 64 bytes fine, 65 too large, and an endless head too.
    let head = |pad: usize| {
        format!(
            "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
            "p".repeat(pad)
        )
    };
    assert_eq!(head(32).len(), 64);
    assert_eq!(
        one_request_with(limits, head(32).as_bytes()).headers.len(),
        2
    );
    let too_large = ParseError::HeadTooLarge { limit: 64 };
    assert_eq!(error_with(limits, head(33).as_bytes()), too_large);
    assert_eq!(
        error_with(
            limits,
            format!("GET / HTTP/1.1\r\nX: {}", "p".repeat(200)).as_bytes()
        ),
        too_large
    );
    // Default 64 KiB.
    let big = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nX: {}\r\n\r\n",
        "p".repeat(70_000)
    );
    assert_eq!(error_of(big.as_bytes()).status(), 431);
    // L3: 100 fields fine, 101 are 431.
    let fields = |n: usize| {
        let mut s = "GET / HTTP/1.1\r\nHost: a\r\n".to_owned();
        for i in 1..n {
            s.push_str(&format!("X-{i}: v\r\n"));
        }
        s.push_str("\r\n");
        s
    };
    assert_eq!(one_request(fields(100).as_bytes()).headers.len(), 100);
    assert_eq!(
        error_of(fields(101).as_bytes()),
        ParseError::TooManyHeaders { limit: 100 }
    );
    // A limit above the stack array's size still works.
    let many = Limits {
        max_headers: 300,
        ..Limits::default()
    };
    assert_eq!(
        one_request_with(many, fields(300).as_bytes()).headers.len(),
        300
    );
    assert_eq!(
        error_with(many, fields(301).as_bytes()),
        ParseError::TooManyHeaders { limit: 300 }
    );
}

#[test]
fn expect_100_continue() {
    // E1: Continue once, right after the head, then the request.
    let input =
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc";
    let out = decode(input);
    assert_eq!(out.items.len(), 2);
    assert_eq!(out.items[0], Item::Continue);
    assert_eq!(out.requests()[0].body, b"abc");
    // Before any body byte has arrived.
    let out = decode(&input[..input.len() - 3]);
    assert_eq!(out.items, [Item::Continue]);
    assert!(out.in_body);
    // Case-insensitive, and for chunked bodies.
    let out = decode(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-CONTINUE\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");
    assert_eq!(out.items[0], Item::Continue);
    assert_eq!(out.items.len(), 2);
    // Ignored for HTTP/1.0 and without a body.
    for input in [
        &b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"[..],
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
    ] {
        let out = decode(input);
        assert!(matches!(out.items[..], [Item::Request(_)]), "{out:?}");
    }
    // 413 wins over Continue.
    let limits = Limits {
        max_body: 2,
        ..Limits::default()
    };
    let out = decode_with(limits, input);
    assert_eq!(
        out.items,
        [Item::Error(ParseError::BodyTooLarge { limit: 2 })]
    );
    // E2.
    for value in ["foo", "100-continue, foo", "", "100-continued"] {
        let input =
            format!("POST / HTTP/1.1\r\nHost: a\r\nExpect: {value}\r\nContent-Length: 1\r\n\r\nx");
        assert_eq!(
            error_of(input.as_bytes()),
            ParseError::ExpectationFailed,
            "{value:?}"
        );
    }
}

#[test]
fn keep_alive_rules() {
    for (input, keep_alive) in [
        // C1, C2.
        (&b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"[..], true),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Close\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nConnection: close\r\n\r\n",
            false,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n",
            true,
        ),
        (
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n",
            true,
        ),
        // C3, with Tornado's rule for 1.0.
        (b"GET / HTTP/1.0\r\n\r\n", false),
        (b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        (b"HEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
        (
            b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
            true,
        ),
        (b"POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false),
        (
            b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
            false,
        ),
    ] {
        assert_eq!(
            one_request(input).keep_alive,
            keep_alive,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn leading_empty_lines_are_ignored() {
    // C5, and Tornado's `test_http10_keepalive_extra_crlf`.
    let req = one_request(b"\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(req.path, "/");
    let out = decode(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_eq!(out.requests().len(), 2);
    assert_eq!(out.requests()[1].path, "/2");
    // Only empty lines: nothing yet, and no head in progress.
    let out = decode(b"\r\n\r\n\r");
    assert!(out.items.is_empty());
    let decoder = Decoder::new(Limits::default());
    assert!(!decoder.in_head(b"\r\n\r\n"));
    assert!(!decoder.in_head(b""));
    assert!(decoder.in_head(b"\r\nG"));
}

#[test]
fn in_head_and_in_body() {
    let mut decoder = Decoder::new(Limits::default());
    let mut buf = BytesMut::from(&b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"[..]);
    assert!(decoder.decode(&mut buf).is_ok_and(|d| d.is_none()));
    assert!(decoder.in_head(&buf));
    assert!(!decoder.in_body());
    buf.extend_from_slice(b"\r\nx");
    assert!(decoder.decode(&mut buf).is_ok_and(|d| d.is_none()));
    assert!(decoder.in_body());
    assert!(!decoder.in_head(&buf));
    buf.extend_from_slice(b"y");
    assert!(matches!(
        decoder.decode(&mut buf),
        Ok(Some(Decoded::Request(_)))
    ));
    assert!(!decoder.in_body());
    assert!(buf.is_empty());
    assert_eq!(decoder.limits().max_headers, 100);
}

#[test]
fn tornado_raw_cases() {
    // HTTPServerRawTest: malformed first line, malformed headers, whitespace in Host.
    assert_eq!(error_of(b"asdf\r\n\r\n").status(), 400);
    assert_eq!(error_of(b"GET / HTTP/1.0\r\nasdf\r\n\r\n").status(), 400);
    assert_eq!(
        error_of(b"GET / HTTP/1.1\r\nHost: foo bar\r\n\r\n").status(),
        400
    );
    // An empty request: nothing at all, and nothing decoded.
    assert!(decode(b"").items.is_empty());
}
