//! Body framing and smuggling tests (rows F1–F20, L4–L6), at every split point.

mod support;

use support::{decode, decode_with, error_of, error_with, one_request, one_request_with, Item};
use typhoon_http1::{Limits, ParseError};

/// `POST / HTTP/1.1` with Host, the given header lines, and `rest` after the head.
fn post(headers: &str, rest: &[u8]) -> Vec<u8> {
    let mut v = format!("POST / HTTP/1.1\r\nHost: a\r\n{headers}\r\n").into_bytes();
    v.extend_from_slice(rest);
    v
}

fn chunked(body: &[u8]) -> Vec<u8> {
    post("Transfer-Encoding: chunked\r\n", body)
}

#[test]
fn content_length_bodies() {
    for (cl, body) in [
        ("5", &b"hello"[..]),
        ("005", b"hello"), // decimal, never octal (F4)
        ("0", b""),
        (" 5 ", b"hello"),
        ("5, 5", b"hello"), // F3: equal values collapse into one
        ("5,5", b"hello"),
    ] {
        let req = one_request(&post(&format!("Content-Length: {cl}\r\n"), body));
        assert_eq!(req.body, body, "Content-Length: {cl}");
    }
    // F3 with separate lines.
    let req = one_request(&post("Content-Length: 3\r\nContent-Length: 3\r\n", b"abc"));
    assert_eq!(req.body, b"abc");
    // `Content-Length: 010` is ten bytes, not eight.
    let out = decode(&post("Content-Length: 010\r\n", b"12345678"));
    assert!(out.items.is_empty() && out.in_body, "{out:?}");
}

#[test]
fn invalid_content_length_is_400() {
    // F4 (and Tornado's `test_invalid_content_length`: foo, +10, 1_0).
    for cl in [
        "+5",
        "-1",
        "-0",
        "0x5",
        "1_0",
        "1 0",
        "",
        "foo",
        "+10",
        "5,",
        ",5",
        "5;",
        "5.0",
        "1e3",
        "12345678901234567890", // 20 digits
        "\u{a0}5",
    ] {
        let input = post(&format!("Content-Length: {cl}\r\n"), b"hello");
        assert_eq!(
            error_of(&input),
            ParseError::BadContentLength,
            "Content-Length: {cl:?}"
        );
    }
}

#[test]
fn conflicting_content_lengths_are_400() {
    // F2, and the H2O / FastHTTP bugs where the first or last value won.
    for headers in [
        "Content-Length: 5\r\nContent-Length: 10\r\n",
        "Content-Length: 5, 10\r\n",
        "Content-Length: 10\r\nContent-Length: 5\r\n",
        "Content-Length: 5, 5, 6\r\n",
    ] {
        assert_eq!(
            error_of(&post(headers, b"helloworld")),
            ParseError::ConflictingContentLength,
            "{headers:?}"
        );
    }
}

#[test]
fn content_length_with_transfer_encoding_is_400() {
    // F1 in both orders, and Tornado's `..._transfer_encoding_and_content_length`.
    for headers in [
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n",
    ] {
        assert_eq!(
            error_of(&post(headers, b"0\r\n\r\n")),
            ParseError::ContentLengthAndTransferEncoding
        );
    }
}

#[test]
fn transfer_encoding_values() {
    // Accepted: exactly `chunked`, any case, OWS around it (F7 trailing SP).
    for te in ["chunked", "Chunked", "CHUNKED", "chunked ", "  chunked\t"] {
        let req = one_request(&chunked(b"3\r\nabc\r\n0\r\n\r\n").replace_te(te));
        assert_eq!(req.body, b"abc", "{te:?}");
    }
    // F5: unknown codings, and lists ending in chunked with other codings: 501.
    for te in [
        "gzip",
        "identity",
        "xchunked",
        "chunked;x=y",
        "gzip, chunked",
        "chunked, chunked",
        ",chunked",
        "\u{85}chunked",
        "chunk",
    ] {
        assert_eq!(
            error_of(&chunked(b"0\r\n\r\n").replace_te(te)),
            ParseError::UnsupportedTransferCoding,
            "{te:?}"
        );
    }
    // F6: chunked present but not last: 400.
    for te in ["chunked, gzip", "chunked,", "chunked, identity"] {
        assert_eq!(
            error_of(&chunked(b"0\r\n\r\n").replace_te(te)),
            ParseError::BadTransferEncoding,
            "{te:?}"
        );
    }
    // F7: controls around chunked are refused in the header value itself.
    for te in ["\x0bchunked", "\x0cchunked", "chunked\x00", "chu\x01nked"] {
        assert_eq!(
            error_of(&chunked(b"0\r\n\r\n").replace_te(te)),
            ParseError::BadHeaderValue,
            "{te:?}"
        );
    }
    assert_eq!(
        error_of(&chunked(b"0\r\n\r\n").replace_te("")),
        ParseError::BadTransferEncoding
    );
}

#[test]
fn transfer_encoding_framing_errors() {
    // Duplicate TE (Tornado's `test_chunked_request_body_duplicate_header`).
    let input = post(
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        b"0\r\n\r\n",
    );
    assert_eq!(error_of(&input), ParseError::BadTransferEncoding);
    // F8: TE in HTTP/1.0.
    let input = b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(error_of(input), ParseError::BadTransferEncoding);
    // F7: whitespace before the colon, and a folded TE line.
    let input = post("Transfer-Encoding : chunked\r\n", b"0\r\n\r\n");
    assert_eq!(error_of(&input), ParseError::BadHeaderName);
    let input = post("Transfer-Encoding:\r\n chunked\r\n", b"0\r\n\r\n");
    assert_eq!(error_of(&input), ParseError::BadHeaderName);
    // `Transfer_Encoding` is just some other header: the Content-Length frames.
    let req = one_request(&post(
        "Transfer_Encoding: chunked\r\nContent-Length: 3\r\n",
        b"abc",
    ));
    assert_eq!(req.body, b"abc");
}

#[test]
fn chunked_bodies() {
    for (body, expected) in [
        (&b"0\r\n\r\n"[..], &b""[..]),
        (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
        (b"A\r\n0123456789\r\n0\r\n\r\n", b"0123456789"),
        (b"a\r\n0123456789\r\n000\r\n\r\n", b"0123456789"),
        (b"0005\r\nhello\r\n0\r\n\r\n", b"hello"),
        // Chunk extensions are validated, then ignored (F11).
        (b"5;name=value\r\nhello\r\n0;last\r\n\r\n", b"hello"),
        (b"5 ;a = b ; c=\"x y\\\"z\"\r\nhello\r\n0\r\n\r\n", b"hello"),
        // Trailers are validated, then dropped (F12).
        (b"5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n", b"hello"),
    ] {
        let req = one_request(&chunked(body));
        assert_eq!(req.body, expected, "{:?}", String::from_utf8_lossy(body));
    }
}

#[test]
fn trailers_never_become_headers() {
    // F12: framing and routing fields in trailers are ignored, not merged.
    let req = one_request(&chunked(
        b"3\r\nabc\r\n0\r\nContent-Length: 50\r\nTransfer-Encoding: gzip\r\nHost: evil\r\n\r\n",
    ));
    assert_eq!(req.body, b"abc");
    assert_eq!(req.host.as_deref(), Some("a"));
    assert!(!req.headers.iter().any(|(n, _)| n == "Content-Length"));
    assert_eq!(req.headers.len(), 2);
}

#[test]
fn malformed_chunk_sizes_are_400() {
    // F9, Tornado's `1_a`, and http-garden trophy #17 (empty size read as 0).
    for line in [
        &b"\r\n"[..],
        b"0x5\r\n",
        b"-1\r\n",
        b"+1\r\n",
        b"1_0\r\n",
        b"1_a\r\n",
        b" 5\r\n",
        b"5 \r\n",
        b"5\t\r\n",
        b"1 0\r\n",
        b"10000000000000000\r\n", // 17 digits
        b"g\r\n",
        b"5\rXhello\r\n", // line ending at `\rX` (Node.js bug)
    ] {
        let mut body = line.to_vec();
        body.extend_from_slice(b"hello\r\n0\r\n\r\n");
        assert_eq!(
            error_of(&chunked(&body)),
            ParseError::BadChunkSize,
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn malformed_chunk_extensions_are_400() {
    for line in [
        &b"5;\r\n"[..],
        b"5; \r\n",
        b"5;;a\r\n",
        b"5;a\x00b\r\n",
        b"5;a=\r\n",
        b"5;a=\"x\r\n",
        b"5;a=\"\x01\"\r\n",
        b"5;a=b c\r\n",
        b"5;=b\r\n",
        b"5;a\rb\r\n",
        b"5;a\x7f\r\n",
    ] {
        let mut body = line.to_vec();
        body.extend_from_slice(b"hello\r\n0\r\n\r\n");
        assert_eq!(
            error_of(&chunked(&body)),
            ParseError::BadChunkExtension,
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn chunk_lines_need_crlf() {
    // F15 for chunk lines: bare LF in a size line, an extension, a trailer.
    for body in [
        &b"5\nhello\r\n0\r\n\r\n"[..],
        b"5;a\nb\r\nhello\r\n0\r\n\r\n",
        b"0\n\r\n",
        b"0\r\n\n",
        b"0\r\nX: y\n\r\n",
        b"\n",
    ] {
        assert_eq!(
            error_of(&chunked(body)),
            ParseError::BareLf,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn chunk_data_needs_exactly_crlf() {
    // F10: too many bytes, missing CRLF, bare LF or bare CR after the data.
    for body in [
        &b"5\r\nhelloXX\r\n0\r\n\r\n"[..],
        b"5\r\nhello0\r\n\r\n",
        b"5\r\nhello\n0\r\n\r\n",
        b"5\r\nhello\r0\r\n\r\n",
        b"5\r\nhello\r\r\n0\r\n\r\n",
    ] {
        assert_eq!(
            error_of(&chunked(body)),
            ParseError::BadChunkData,
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn chunk_extension_limit() {
    let limits = Limits {
        max_chunk_extensions: 32,
        ..Limits::default()
    };
    // 31 extension bytes over two lines: fine. 33: too many, per request, not per line.
    let ok = chunked(b"1;aaaaaaaaaaaaaaa\r\nx\r\n1;bbbbbbbbbbbbbb\r\ny\r\n0\r\n\r\n");
    assert_eq!(one_request_with(limits, &ok).body, b"xy");
    let over = chunked(b"1;aaaaaaaaaaaaaaa\r\nx\r\n1;bbbbbbbbbbbbbbbb\r\ny\r\n0\r\n\r\n");
    assert_eq!(
        error_with(limits, &over),
        ParseError::ChunkExtensionsTooLarge { limit: 32 }
    );
    // An endless extension line is refused without waiting for its end.
    let mut endless = chunked(b"1;");
    endless.extend(std::iter::repeat_n(b'a', 100));
    assert_eq!(
        error_with(limits, &endless),
        ParseError::ChunkExtensionsTooLarge { limit: 32 }
    );
    // Default limit, the probe's 64 KiB extension.
    let mut big = chunked(b"1;a=");
    big.extend(std::iter::repeat_n(b'b', 64 * 1024));
    big.extend_from_slice(b"\r\nx\r\n0\r\n\r\n");
    assert_eq!(
        error_of(&big),
        ParseError::ChunkExtensionsTooLarge { limit: 16 * 1024 }
    );
}

#[test]
fn trailer_limits_and_syntax() {
    let limits = Limits {
        max_trailers: 32,
        ..Limits::default()
    };
    // 30 bytes of trailer lines plus the final CRLF = 32: fine; one more: 431.
    let ok = chunked(b"0\r\nX-A: 12345678901234567890123\r\n\r\n");
    assert_eq!(one_request_with(limits, &ok).body, b"");
    let over = chunked(b"0\r\nX-A: 123456789012345678901234\r\n\r\n");
    assert_eq!(
        error_with(limits, &over),
        ParseError::TrailersTooLarge { limit: 32 }
    );
    let mut endless = chunked(b"0\r\nX-A: ");
    endless.extend(std::iter::repeat_n(b'a', 100));
    assert_eq!(
        error_with(limits, &endless),
        ParseError::TrailersTooLarge { limit: 32 }
    );
    // 100 trailer fields are fine, 101 are not.
    let many = |n: usize| {
        let mut body = b"0\r\n".to_vec();
        for i in 0..n {
            body.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        chunked(&body)
    };
    assert_eq!(one_request(&many(100)).body, b"");
    assert_eq!(
        error_of(&many(101)),
        ParseError::TrailersTooLarge { limit: 16 * 1024 }
    );
    for trailer in [
        &b"no colon"[..],
        b" X: folded",
        b"X : y",
        b": y",
        b"[x]: y",
        b"X: a\x00b",
        b"X: a\rb",
        b"X\xc3\xa9: y",
    ] {
        let mut body = b"0\r\n".to_vec();
        body.extend_from_slice(trailer);
        body.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            error_of(&chunked(&body)),
            ParseError::BadTrailer,
            "{:?}",
            String::from_utf8_lossy(trailer)
        );
    }
}

#[test]
fn body_limits_are_413_before_reading() {
    let limits = Limits {
        max_body: 10,
        ..Limits::default()
    };
    // L4/L6: refused as soon as the head is complete, no body byte sent.
    let too_large = ParseError::BodyTooLarge { limit: 10 };
    assert_eq!(
        error_with(limits, &post("Content-Length: 11\r\n", b"")),
        too_large
    );
    assert_eq!(
        one_request_with(limits, &post("Content-Length: 10\r\n", b"0123456789")).body,
        b"0123456789"
    );
    // Default limit: 999999999 is over 100 MiB; 19 nines still parse.
    let default_too_large = ParseError::BodyTooLarge {
        limit: 100 * 1024 * 1024,
    };
    assert_eq!(
        error_of(&post("Content-Length: 999999999\r\n", b"")),
        default_too_large
    );
    assert_eq!(
        error_of(&post("Content-Length: 9999999999999999999\r\n", b"")),
        default_too_large
    );
    // L5: the running chunked total, checked at the size line before the data.
    assert_eq!(
        error_with(limits, &chunked(b"8\r\n01234567\r\n3\r\n")),
        too_large
    );
    assert_eq!(
        one_request_with(limits, &chunked(b"8\r\n01234567\r\n2\r\n89\r\n0\r\n\r\n")).body,
        b"0123456789"
    );
    assert_eq!(
        error_of(&chunked(b"FFFFFFFFFFFFFFFF\r\n")),
        default_too_large
    );
}

#[test]
fn no_pipelined_request_after_an_error() {
    // F20: CL.TE and TE.CL payloads: one error, never a second (smuggled) request.
    for input in [
        &b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"[..],
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n",
    ] {
        let out = decode(input);
        assert_eq!(out.items.len(), 1, "{out:?}");
        assert!(matches!(out.items[0], Item::Error(_)), "{out:?}");
    }
}

#[test]
fn pipelined_requests_come_one_at_a_time() {
    let mut input = b"\r\nGET /1 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    input.extend_from_slice(&post("Content-Length: 3\r\n", b"abc"));
    input.extend_from_slice(&chunked(b"2\r\nde\r\n0\r\n\r\n"));
    input.extend_from_slice(
        b"\r\n\r\nHEAD /4?x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /5 HT",
    );
    let out = decode(&input);
    let got: Vec<_> = out
        .requests()
        .iter()
        .map(|r| (r.target.clone(), r.body.clone(), r.keep_alive))
        .collect();
    assert_eq!(
        got,
        [
            ("/1".to_owned(), b"".to_vec(), true),
            ("/".to_owned(), b"abc".to_vec(), true),
            ("/".to_owned(), b"de".to_vec(), true),
            ("/4?x".to_owned(), b"".to_vec(), false),
        ]
    );
    assert_eq!(out.items.len(), 4);
    assert!(!out.in_body);
}

#[test]
fn partial_bodies_wait() {
    for input in [
        post("Content-Length: 5\r\n", b"hel"),
        chunked(b"5\r\nhel"),
        chunked(b"5\r\nhello\r"),
        chunked(b"5;a=\"b"),
        chunked(b"0\r\nX-T: y\r\n"),
    ] {
        let out = decode(&input);
        assert!(out.items.is_empty() && out.in_body, "{out:?}");
    }
    let out = decode_with(Limits::default(), &post("Content-Length: 5\r\n", b""));
    assert!(out.in_body);
}

/// Replaces the `chunked` value of the Transfer-Encoding line built by [`chunked`].
trait ReplaceTe {
    fn replace_te(&self, te: &str) -> Vec<u8>;
}

impl ReplaceTe for Vec<u8> {
    fn replace_te(&self, te: &str) -> Vec<u8> {
        let needle = b"Transfer-Encoding: chunked\r\n";
        let at = self
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap_or(self.len());
        let mut v = self[..at].to_vec();
        v.extend_from_slice(b"Transfer-Encoding: ");
        v.extend_from_slice(te.as_bytes());
        v.extend_from_slice(b"\r\n");
        v.extend_from_slice(self.get(at + needle.len()..).unwrap_or_default());
        v
    }
}
