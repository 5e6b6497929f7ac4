//! The request decoder: a pure state machine from bytes to [`Request`]s.

use bytes::{Buf, BytesMut};

use crate::body::BodyDecoder;
use crate::chunked::ChunkedDecoder;
use crate::error::ParseError;
use crate::head::{parse_head, Framing, HeadScanner};
use crate::limits::Limits;
use crate::request::Request;

/// The interim response to send when [`Decoder::decode`] returns [`Decoded::Continue`].
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// One step of decoding.
// Boxing the request would cost an allocation per request, which the codec avoids.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Decoded {
    /// The head asked for `Expect: 100-continue`: write [`CONTINUE`], then keep
    /// decoding to get the request once its body has arrived (RFC 9110 §10.1.1).
    Continue,
    /// A complete request, body included.
    Request(Request),
    /// The head of a request whose body the caller takes as it arrives, from
    /// [`Decoder::decode_with`]: with the [`BodyDecoder`] for it. Once the body is
    /// complete ([`BodyPiece::End`](crate::BodyPiece::End)), the same buffer goes on to
    /// this decoder for the next request; if it never completes, the connection closes.
    Head(Request, Box<BodyDecoder>),
}

/// Where the decoder is in the current request.
// One `State` lives per connection; boxing the large variant would instead cost an
// allocation per request with a body.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum State {
    /// Waiting for (the rest of) a head.
    Head,
    /// A head was decoded; its body is still arriving.
    Body { request: Request, body: BodyState },
    /// A request was malformed; every later call returns this error (row F20).
    Failed(ParseError),
}

/// How the rest of the current body is read.
#[derive(Debug)]
enum BodyState {
    /// Exactly this many bytes, taken in one piece once all have arrived.
    Length(u64),
    Chunked(ChunkedDecoder),
}

/// Decodes HTTP/1.1 requests from the front of a buffer. Pure: it never reads a socket
/// or the clock, so every split of the input can be tested.
///
/// One decoder serves one connection. Between calls the caller may only append to the
/// buffer (the decoder remembers how far it has scanned a partial head). After a request
/// whose [`Request::keep_alive`] is false the caller stops decoding: bytes after it
/// belong to no request (RFC 9112 §9.6).
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{Decoded, Decoder, Limits, CONTINUE};
///
/// let mut decoder = Decoder::new(Limits::default());
/// let mut buf = BytesMut::from(&b"PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"[..]);
/// assert!(matches!(decoder.decode(&mut buf)?, Some(Decoded::Continue)));
/// // ... the caller writes CONTINUE, then reads the body:
/// assert!(decoder.decode(&mut buf)?.is_none());
/// assert!(decoder.in_body());
/// buf.extend_from_slice(b"abc");
/// let Some(Decoded::Request(req)) = decoder.decode(&mut buf)? else { panic!() };
/// assert_eq!(&req.body()[..], b"abc");
/// # Ok::<(), typhoon_http1::ParseError>(())
/// ```
#[derive(Debug)]
pub struct Decoder {
    limits: Limits,
    state: State,
    scanner: HeadScanner,
}

impl Decoder {
    /// A decoder for a new connection. A `max_head` over `u32::MAX` is lowered to it:
    /// offsets into a head are kept as `u32`s.
    pub fn new(mut limits: Limits) -> Decoder {
        limits.max_head = limits.max_head.min(u32::MAX as usize);
        Decoder {
            limits,
            state: State::Head,
            scanner: HeadScanner::default(),
        }
    }

    /// The limits this decoder enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Decodes from the front of `buf`, consuming what it uses. Returns one request at
    /// a time; pipelined bytes after it stay in `buf` for the next call.
    /// `Ok(None)`: `buf` holds only part of a request and the caller must read more.
    ///
    /// # Errors
    ///
    /// Any [`ParseError`]: answer with its status (see [`crate::encode_error`]) and close.
    /// The decoder is then poisoned and returns the same error on every later call, so
    /// the rest of the buffer is never read as another request (row F20).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use typhoon_http1::{Decoded, Decoder, Limits};
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// let mut buf = BytesMut::from(&b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET"[..]);
    /// let Some(Decoded::Request(a)) = decoder.decode(&mut buf)? else { panic!() };
    /// let Some(Decoded::Request(b)) = decoder.decode(&mut buf)? else { panic!() };
    /// assert_eq!((a.path(), b.path()), ("/a", "/b"));
    /// assert!(decoder.decode(&mut buf)?.is_none());
    /// assert!(decoder.in_head(&buf));
    ///
    /// let mut bad = BytesMut::from(&b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"[..]);
    /// let err = Decoder::new(Limits::default()).decode(&mut bad).unwrap_err();
    /// assert_eq!(err.status(), 400);
    /// # Ok::<(), typhoon_http1::ParseError>(())
    /// ```
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, ParseError> {
        self.decode_with(buf, |_| false)
    }

    /// [`decode`](Self::decode), where `stream` is asked about each request that has a
    /// body, once its head is complete: `true` hands it over as [`Decoded::Head`] with a
    /// [`BodyDecoder`] for the body, to be taken piece by piece under a limit that can
    /// still be changed (Tornado's `@stream_request_body`); `false` buffers the body
    /// whole as `decode` does. `Expect: 100-continue` is then the caller's to answer,
    /// when it first wants the body.
    ///
    /// # Errors
    ///
    /// As [`decode`](Self::decode).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use typhoon_http1::{BodyPiece, Decoded, Decoder, Limits};
    ///
    /// let mut decoder = Decoder::new(Limits::default());
    /// let mut buf = BytesMut::from(&b"POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhel"[..]);
    /// let upload = |req: &typhoon_http1::Request| req.path() == "/upload";
    /// let Some(Decoded::Head(req, mut body)) = decoder.decode_with(&mut buf, upload)? else {
    ///     panic!("expected a head");
    /// };
    /// assert_eq!(body.content_length(), Some(5));
    /// assert_eq!(body.decode(&mut buf)?, Some(BodyPiece::Data("hel".into())));
    /// buf.extend_from_slice(b"lo");
    /// assert_eq!(body.decode(&mut buf)?, Some(BodyPiece::Data("lo".into())));
    /// assert_eq!(body.decode(&mut buf)?, Some(BodyPiece::End));
    /// # Ok::<(), typhoon_http1::ParseError>(())
    /// ```
    pub fn decode_with(
        &mut self,
        buf: &mut BytesMut,
        stream: impl FnOnce(&Request) -> bool,
    ) -> Result<Option<Decoded>, ParseError> {
        match self.step(buf, stream) {
            Ok(decoded) => Ok(decoded),
            Err(err) => {
                self.state = State::Failed(err);
                Err(err)
            }
        }
    }

    /// Whether a head was decoded and its body is still incomplete.
    pub fn in_body(&self) -> bool {
        matches!(self.state, State::Body { .. })
    }

    /// Whether `buf` holds part of a head: anything other than nothing or only the empty
    /// lines a client may send between requests (RFC 9112 §2.2). A server uses this to
    /// tell an idle keep-alive connection from one stuck mid-request.
    pub fn in_head(&self, buf: &[u8]) -> bool {
        matches!(self.state, State::Head) && buf.iter().any(|&b| b != b'\r' && b != b'\n')
    }

    fn step(
        &mut self,
        buf: &mut BytesMut,
        stream: impl FnOnce(&Request) -> bool,
    ) -> Result<Option<Decoded>, ParseError> {
        match &mut self.state {
            State::Failed(err) => return Err(*err),
            State::Body { .. } => return self.body(buf),
            State::Head => {}
        }
        if self.scanner.is_fresh() {
            // Empty lines before a request line are ignored (RFC 9112 §2.2, row C5).
            while buf.starts_with(b"\r\n") {
                buf.advance(2);
            }
            // A lone CR may still become an empty line.
            if buf.is_empty() || buf[..] == b"\r"[..] {
                return Ok(None);
            }
        }
        let Some(end) = self.scanner.scan(buf, &self.limits)? else {
            return Ok(None);
        };
        let head = buf.split_to(end.len).freeze();
        let parsed = parse_head(head, end, &self.limits)?;
        if parsed.framing != Framing::None && stream(&parsed.request) {
            let limits = self.limits;
            let body = match parsed.framing {
                Framing::Length(n) => BodyDecoder::length(n, limits, parsed.expect_continue),
                _ => BodyDecoder::chunked(limits, parsed.expect_continue),
            };
            return Ok(Some(Decoded::Head(parsed.request, Box::new(body))));
        }
        let body = match parsed.framing {
            Framing::None => return Ok(Some(Decoded::Request(parsed.request))),
            // Refused before any body byte is read or buffer reserved (rows L4, L6).
            Framing::Length(n) if n > self.limits.max_body => {
                return Err(ParseError::BodyTooLarge {
                    limit: self.limits.max_body,
                })
            }
            Framing::Length(n) => BodyState::Length(n),
            Framing::Chunked => BodyState::Chunked(ChunkedDecoder::new()),
        };
        self.state = State::Body {
            request: parsed.request,
            body,
        };
        if parsed.expect_continue {
            // Before any body byte is required, even if some are already buffered: the
            // outcome must not depend on how the bytes arrived.
            return Ok(Some(Decoded::Continue));
        }
        self.body(buf)
    }

    /// Continues the body of the current request.
    fn body(&mut self, buf: &mut BytesMut) -> Result<Option<Decoded>, ParseError> {
        let State::Body { body, .. } = &mut self.state else {
            return Ok(None);
        };
        let bytes = match body {
            BodyState::Length(n) => match usize::try_from(*n) {
                // Zero-copy: the body is the front of the read buffer.
                Ok(n) if buf.len() >= n => buf.split_to(n).freeze(),
                _ => return Ok(None),
            },
            BodyState::Chunked(chunked) => match chunked.decode(buf, &self.limits)? {
                Some(bytes) => bytes,
                None => return Ok(None),
            },
        };
        let State::Body { mut request, .. } = std::mem::replace(&mut self.state, State::Head)
        else {
            return Ok(None);
        };
        request.0.body = bytes;
        Ok(Some(Decoded::Request(request)))
    }
}
