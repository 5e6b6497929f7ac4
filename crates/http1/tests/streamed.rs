//! Streamed bodies (`Decoder::decode_with` and `BodyDecoder`): the per-request limit, the
//! pieces, and what follows the body. Every framing test in this directory also runs
//! streamed (see `support::decode_with`); these cover what only streaming has.

mod support;

use bytes::BytesMut;
use support::XorShift;
use typhoon_http1::{BodyDecoder, BodyPiece, Decoded, Decoder, Limits, ParseError};

/// The streamed head at the front of `buf`, under `limits`.
fn head(limits: Limits, buf: &mut BytesMut) -> Box<BodyDecoder> {
    match Decoder::new(limits).decode_with(buf, |_| true) {
        Ok(Some(Decoded::Head(_, body))) => body,
        other => panic!("expected a streamed head, got {other:?}"),
    }
}

fn post(headers: &str, rest: &[u8]) -> BytesMut {
    let mut v = BytesMut::from(format!("POST /up HTTP/1.1\r\nHost: a\r\n{headers}\r\n").as_bytes());
    v.extend_from_slice(rest);
    v
}

/// Every piece until the end, or the error.
fn drain(body: &mut BodyDecoder, buf: &mut BytesMut) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::new();
    loop {
        match body.decode(buf)? {
            Some(BodyPiece::Data(data)) => out.extend_from_slice(&data),
            Some(BodyPiece::End) => return Ok(out),
            None => panic!("body incomplete after {} bytes", out.len()),
        }
    }
}

#[test]
fn a_declared_length_over_the_decoders_limit_streams_once_the_limit_is_raised() {
    let limits = Limits {
        max_body: 4,
        ..Limits::default()
    };
    // Buffered: refused at the head.
    let mut buf = post("Content-Length: 10\r\n", b"0123456789");
    let err = Decoder::new(limits).decode(&mut buf).unwrap_err();
    assert_eq!(err, ParseError::BodyTooLarge { limit: 4 });
    // Streamed: the handler raises the limit before the first piece (`set_max_body_size`).
    let mut buf = post("Content-Length: 10\r\n", b"0123456789");
    let mut body = head(limits, &mut buf);
    assert_eq!(body.max_body(), 4);
    body.set_max_body(10);
    assert_eq!(drain(&mut body, &mut buf).unwrap(), b"0123456789");
    assert!(body.is_done());
}

#[test]
fn a_lowered_limit_refuses_a_declared_length_before_taking_a_byte() {
    let mut buf = post("Content-Length: 10\r\n", b"0123456789");
    let mut body = head(Limits::default(), &mut buf);
    body.set_max_body(9);
    let before = buf.len();
    let err = body.decode(&mut buf).unwrap_err();
    assert_eq!(err, ParseError::BodyTooLarge { limit: 9 });
    assert_eq!(err.status(), 413);
    assert_eq!(buf.len(), before, "nothing taken");
    // Poisoned.
    assert_eq!(body.decode(&mut buf).unwrap_err(), err);
}

#[test]
fn a_chunked_body_is_refused_at_the_chunk_that_crosses_the_limit() {
    let mut buf = post(
        "Transfer-Encoding: chunked\r\n",
        b"4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n",
    );
    let mut body = head(Limits::default(), &mut buf);
    body.set_max_body(6);
    assert_eq!(
        body.decode(&mut buf).unwrap(),
        Some(BodyPiece::Data("abcd".into()))
    );
    assert_eq!(
        body.decode(&mut buf).unwrap_err(),
        ParseError::BodyTooLarge { limit: 6 }
    );
}

#[test]
fn the_limit_is_fixed_once_the_first_piece_is_taken() {
    let mut buf = post("Content-Length: 6\r\n", b"abc");
    let mut body = head(Limits::default(), &mut buf);
    assert_eq!(
        body.decode(&mut buf).unwrap(),
        Some(BodyPiece::Data("abc".into()))
    );
    body.set_max_body(1);
    assert_eq!(body.max_body(), Limits::default().max_body);
    buf.extend_from_slice(b"def");
    assert_eq!(drain(&mut body, &mut buf).unwrap(), b"def");
}

#[test]
fn the_next_request_is_left_in_the_buffer_for_the_decoder() {
    let mut buf = post(
        "Content-Length: 3\r\n",
        b"abcGET /next HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    let mut decoder = Decoder::new(Limits::default());
    let Ok(Some(Decoded::Head(req, mut body))) = decoder.decode_with(&mut buf, |_| true) else {
        panic!("expected a streamed head");
    };
    assert_eq!(req.path(), "/up");
    assert!(req.body().is_empty());
    assert_eq!(drain(&mut body, &mut buf).unwrap(), b"abc");
    // After the end, more calls take nothing.
    assert_eq!(body.decode(&mut buf).unwrap(), Some(BodyPiece::End));
    let Ok(Some(Decoded::Request(next))) = decoder.decode(&mut buf) else {
        panic!("expected the pipelined request");
    };
    assert_eq!(next.path(), "/next");
    assert!(buf.is_empty());
}

#[test]
fn requests_without_a_body_are_never_streamed() {
    let mut buf = BytesMut::from(&b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"[..]);
    let mut asked = false;
    let decoded = Decoder::new(Limits::default()).decode_with(&mut buf, |_| {
        asked = true;
        true
    });
    assert!(matches!(decoded, Ok(Some(Decoded::Request(_)))));
    assert!(!asked, "the predicate is for requests with a body");
}

#[test]
fn expect_continue_is_reported_and_left_to_the_caller() {
    let mut buf = post("Content-Length: 2\r\nExpect: 100-continue\r\n", b"");
    let mut body = head(Limits::default(), &mut buf);
    assert!(body.expects_continue());
    assert_eq!(body.content_length(), Some(2));
    assert_eq!(body.decode(&mut buf).unwrap(), None);
    let mut buf2 = post("Transfer-Encoding: chunked\r\n", b"");
    let body2 = head(Limits::default(), &mut buf2);
    assert!(!body2.expects_continue());
    assert_eq!(body2.content_length(), None);
}

/// A large chunked body in random splits: the pieces put back together are the body, and
/// no piece holds more than what one read appended.
#[test]
fn random_reads_of_a_large_chunked_body() {
    let mut rng = XorShift(0x5eed_b0d1);
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for i in 0..200 {
        let len = 1 + rng.below(3000);
        let data: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
        wire.extend_from_slice(format!("{len:x}\r\n").as_bytes());
        wire.extend_from_slice(&data);
        wire.extend_from_slice(b"\r\n");
        expected.extend_from_slice(&data);
    }
    wire.extend_from_slice(b"0\r\nX-Sum: 1\r\n\r\n");
    let mut buf = post("Transfer-Encoding: chunked\r\n", b"");
    let mut body = head(Limits::default(), &mut buf);
    let mut got = Vec::new();
    let mut at = 0;
    let mut ended = false;
    while !ended {
        let read = (1 + rng.below(5000)).min(wire.len() - at);
        buf.extend_from_slice(&wire[at..at + read]);
        at += read;
        loop {
            match body.decode(&mut buf).unwrap() {
                Some(BodyPiece::Data(data)) => {
                    assert!(!data.is_empty() && data.len() <= read);
                    got.extend_from_slice(&data);
                }
                Some(BodyPiece::End) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
    }
    assert_eq!(at, wire.len());
    assert_eq!(got, expected);
    assert!(buf.is_empty());
}
