//! Test helpers: feed an input to a fresh decoder at every split point and compare.
#![allow(dead_code)] // Each test binary uses a different part of this module.

use bytes::BytesMut;
use typhoon_http1::{
    BodyDecoder, BodyPiece, Decoded, Decoder, Limits, Method, ParseError, Request, Version,
};

/// What a decoded request looked like, owned, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub method: Method,
    pub version: Version,
    pub target: String,
    pub path: String,
    pub query: String,
    pub host: Option<String>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
}

impl Summary {
    fn of(req: &Request) -> Summary {
        Summary {
            method: req.method(),
            version: req.version(),
            target: req.target().to_owned(),
            path: req.path().to_owned(),
            query: req.query().to_owned(),
            host: req.host().map(str::to_owned),
            headers: req
                .headers()
                .map(|(n, v)| (n.to_owned(), v.to_vec()))
                .collect(),
            body: req.body().to_vec(),
            keep_alive: req.keep_alive(),
        }
    }
}

/// One thing the decoder produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Continue,
    Request(Summary),
    Error(ParseError),
}

/// Everything a decoder produced from an input, and where it was left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub items: Vec<Item>,
    /// A head was decoded but its body is incomplete.
    pub in_body: bool,
}

impl Outcome {
    pub fn requests(&self) -> Vec<&Summary> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Request(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    pub fn error(&self) -> Option<ParseError> {
        self.items.iter().find_map(|i| match i {
            Item::Error(e) => Some(*e),
            _ => None,
        })
    }
}

/// Feeds `parts` one after another to a fresh decoder, decoding after each.
pub fn feed(limits: Limits, parts: &[&[u8]]) -> Outcome {
    feed_as(limits, parts, false)
}

/// [`feed`], taking every body as it arrives (`Decoder::decode_with` and a
/// `BodyDecoder`) and putting it back together, as a server streaming uploads does:
/// the outcome must be the buffered decoder's, item for item.
pub fn feed_streamed(limits: Limits, parts: &[&[u8]]) -> Outcome {
    feed_as(limits, parts, true)
}

/// A streamed body being taken: the request's summary and the bytes so far.
struct Streaming {
    summary: Summary,
    body: Box<BodyDecoder>,
    bytes: Vec<u8>,
    /// The first piece was asked for (the size check, then `100 Continue`).
    asked: bool,
}

fn feed_as(limits: Limits, parts: &[&[u8]], streamed: bool) -> Outcome {
    let mut decoder = Decoder::new(limits);
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    let mut streaming: Option<Streaming> = None;
    for part in parts {
        buf.extend_from_slice(part);
        loop {
            if let Some(s) = &mut streaming {
                let piece = s.body.decode(&mut buf);
                if !s.asked {
                    // A server checks the limit, then writes `100 Continue`, then reads.
                    s.asked = true;
                    if piece.is_ok() && s.body.expects_continue() {
                        items.push(Item::Continue);
                    }
                }
                match piece {
                    Ok(Some(BodyPiece::Data(data))) => {
                        assert!(!data.is_empty(), "an empty piece");
                        s.bytes.extend_from_slice(&data);
                    }
                    Ok(Some(BodyPiece::End)) => {
                        assert!(s.body.is_done());
                        let mut summary = s.summary.clone();
                        summary.body = std::mem::take(&mut s.bytes);
                        items.push(Item::Request(summary));
                        streaming = None;
                    }
                    Ok(None) => break,
                    Err(err) => {
                        buf.extend_from_slice(b"0\r\n\r\n");
                        assert_eq!(s.body.decode(&mut buf).err(), Some(err));
                        items.push(Item::Error(err));
                        return Outcome {
                            items,
                            in_body: false,
                        };
                    }
                }
                continue;
            }
            match decoder.decode_with(&mut buf, |_| streamed) {
                Ok(Some(Decoded::Continue)) => items.push(Item::Continue),
                Ok(Some(Decoded::Request(req))) => items.push(Item::Request(Summary::of(&req))),
                Ok(Some(Decoded::Head(req, body))) => {
                    assert!(streamed, "a head from a decoder that was told to buffer");
                    streaming = Some(Streaming {
                        summary: Summary::of(&req),
                        body,
                        bytes: Vec::new(),
                        asked: false,
                    });
                }
                Ok(None) => break,
                Err(err) => {
                    // Poisoned: the same error again, whatever else arrives (row F20).
                    buf.extend_from_slice(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
                    assert_eq!(decoder.decode(&mut buf).err(), Some(err));
                    assert!(!decoder.in_body());
                    items.push(Item::Error(err));
                    return Outcome {
                        items,
                        in_body: false,
                    };
                }
            }
        }
    }
    Outcome {
        in_body: decoder.in_body() || streaming.is_some(),
        items,
    }
}

/// Decodes `input` whole, split in two at every point (every `stride`-th point for large
/// inputs), and byte by byte; asserts all give the same outcome and returns it.
pub fn decode_with(limits: Limits, input: &[u8]) -> Outcome {
    let whole = feed(limits, &[input]);
    let stride = (input.len() / 600).max(1);
    for at in (0..=input.len()).step_by(stride) {
        let split = feed(limits, &[&input[..at], &input[at..]]);
        assert_eq!(
            split,
            whole,
            "split at {at} differs for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        feed(limits, &bytes),
        whole,
        "byte-by-byte differs for {:?}",
        String::from_utf8_lossy(input)
    );
    // Streamed bodies: the same outcome, whole, at every split and byte by byte.
    for at in (0..=input.len()).step_by(stride) {
        let split = feed_streamed(limits, &[&input[..at], &input[at..]]);
        assert_eq!(
            split,
            whole,
            "streamed, split at {at} differs for {:?}",
            String::from_utf8_lossy(input)
        );
    }
    assert_eq!(
        feed_streamed(limits, &bytes),
        whole,
        "streamed byte-by-byte differs for {:?}",
        String::from_utf8_lossy(input)
    );
    whole
}

/// [`decode_with`] under the default limits.
pub fn decode(input: &[u8]) -> Outcome {
    decode_with(Limits::default(), input)
}

/// Decodes `input` (at every split) and asserts it yields exactly one request and
/// nothing else; returns that request.
pub fn one_request(input: &[u8]) -> Summary {
    one_request_with(Limits::default(), input)
}

/// [`one_request`] under `limits`.
pub fn one_request_with(limits: Limits, input: &[u8]) -> Summary {
    let outcome = decode_with(limits, input);
    match &outcome.items[..] {
        [Item::Request(req)] if !outcome.in_body => req.clone(),
        _ => panic!(
            "expected one request from {:?}, got {outcome:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

/// Decodes `input` (at every split) and returns the error it must end in.
pub fn error_of(input: &[u8]) -> ParseError {
    error_with(Limits::default(), input)
}

/// [`error_of`] under `limits`.
pub fn error_with(limits: Limits, input: &[u8]) -> ParseError {
    let outcome = decode_with(limits, input);
    match outcome.error() {
        Some(err) => err,
        None => panic!(
            "expected an error from {:?}, got {outcome:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

/// A deterministic xorshift64* generator, so that failures can be replayed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
