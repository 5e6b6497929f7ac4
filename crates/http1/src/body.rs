//! A request body taken as it arrives: [`BodyDecoder`], for handlers that stream uploads.

use bytes::{Bytes, BytesMut};

use crate::chunked::{ChunkedDecoder, Piece};
use crate::error::ParseError;
use crate::limits::Limits;

/// One step of a streamed body.
#[derive(Debug, PartialEq, Eq)]
pub enum BodyPiece {
    /// The next bytes of the body (never empty).
    Data(Bytes),
    /// The body is complete; the bytes after it in the buffer belong to the next request.
    End,
}

/// How the rest of the body is framed.
#[derive(Debug)]
enum Framing {
    /// `Content-Length`: this many bytes are still to come.
    Length {
        declared: u64,
        remaining: u64,
    },
    Chunked(ChunkedDecoder),
}

/// Decodes one request's body piece by piece, for a caller that hands it on as it
/// arrives instead of buffering it whole (Tornado's `@stream_request_body`). Pure, like
/// [`Decoder`](crate::Decoder): the caller appends what it reads to a buffer and calls
/// [`decode`](Self::decode).
///
/// It comes from [`Decoder::decode_with`](crate::Decoder::decode_with) with the head
/// ([`Decoded::Head`](crate::Decoded::Head)). Its size limit starts as the decoder's
/// `max_body` and may be changed before the first piece is taken
/// ([`set_max_body`](Self::set_max_body), Tornado's `set_max_body_size`); a declared
/// `Content-Length` is checked against it then, so a larger body is refused (413)
/// before any of it is read.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{BodyPiece, Decoded, Decoder, Limits};
///
/// let mut decoder = Decoder::new(Limits::default());
/// let mut buf = BytesMut::from(&b"PUT /f HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"[..]);
/// let Some(Decoded::Head(req, mut body)) = decoder.decode_with(&mut buf, |_| true)? else {
///     panic!("expected a head");
/// };
/// assert_eq!(req.path(), "/f");
/// body.set_max_body(1 << 30);
/// assert_eq!(body.decode(&mut buf)?, Some(BodyPiece::Data("abc".into())));
/// assert_eq!(body.decode(&mut buf)?, None); // read more
/// buf.extend_from_slice(b"0\r\n\r\nGET / HTTP/1.1\r\n");
/// assert_eq!(body.decode(&mut buf)?, Some(BodyPiece::End));
/// assert_eq!(&buf[..], b"GET / HTTP/1.1\r\n"); // the next request's, for `decoder`
/// # Ok::<(), typhoon_http1::ParseError>(())
/// ```
#[derive(Debug)]
pub struct BodyDecoder {
    framing: Framing,
    limits: Limits,
    expect_continue: bool,
    /// A piece was taken: the limit is fixed from now on.
    started: bool,
    failed: Option<ParseError>,
}

impl BodyDecoder {
    pub(crate) fn length(declared: u64, limits: Limits, expect_continue: bool) -> Self {
        Self::new(
            Framing::Length {
                declared,
                remaining: declared,
            },
            limits,
            expect_continue,
        )
    }

    pub(crate) fn chunked(limits: Limits, expect_continue: bool) -> Self {
        Self::new(
            Framing::Chunked(ChunkedDecoder::new()),
            limits,
            expect_continue,
        )
    }

    fn new(framing: Framing, limits: Limits, expect_continue: bool) -> Self {
        Self {
            framing,
            limits,
            expect_continue,
            started: false,
            failed: None,
        }
    }

    /// The declared `Content-Length`; `None` for a chunked body.
    pub fn content_length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length { declared, .. } => Some(declared),
            Framing::Chunked(_) => None,
        }
    }

    /// Whether the client asked for `100 Continue` before it sends the body: write
    /// [`CONTINUE`](crate::CONTINUE) before waiting for body bytes, and not at all if
    /// the request is answered without its body.
    pub fn expects_continue(&self) -> bool {
        self.expect_continue
    }

    /// The largest body accepted, in bytes.
    pub fn max_body(&self) -> u64 {
        self.limits.max_body
    }

    /// Sets the largest body accepted (Tornado's `set_max_body_size`). Ignored once a
    /// piece has been taken: the limit a body is read under does not change midway.
    pub fn set_max_body(&mut self, limit: u64) {
        if !self.started {
            self.limits.max_body = limit;
        }
    }

    /// Whether the whole body has been taken (or it ended in an error).
    pub fn is_done(&self) -> bool {
        match &self.framing {
            Framing::Length { remaining, .. } => *remaining == 0,
            Framing::Chunked(chunked) => chunked.is_done(),
        }
    }

    /// Takes the next piece of the body from the front of `buf` (without copying):
    /// `Ok(None)` when `buf` holds none and the caller must read more.
    ///
    /// # Errors
    ///
    /// The body is larger than [`max_body`](Self::max_body) (413; a declared length is
    /// refused on the first call, before any byte is taken) or its chunked framing is
    /// malformed (400). The decoder is then poisoned: every later call returns the same
    /// error, and the connection must close.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<BodyPiece>, ParseError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let result = self.step(buf);
        if let Err(err) = result {
            self.failed = Some(err);
        }
        result
    }

    fn step(&mut self, buf: &mut BytesMut) -> Result<Option<BodyPiece>, ParseError> {
        if !self.started {
            if let Framing::Length { declared, .. } = self.framing {
                if declared > self.limits.max_body {
                    return Err(ParseError::BodyTooLarge {
                        limit: self.limits.max_body,
                    });
                }
            }
            self.started = true;
        }
        match &mut self.framing {
            Framing::Length { remaining, .. } => {
                if *remaining == 0 {
                    return Ok(Some(BodyPiece::End));
                }
                let take = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                if take == 0 {
                    return Ok(None);
                }
                *remaining -= take as u64;
                Ok(Some(BodyPiece::Data(buf.split_to(take).freeze())))
            }
            Framing::Chunked(chunked) => {
                Ok(chunked
                    .next_piece(buf, &self.limits)?
                    .map(|piece| match piece {
                        Piece::Data(data) => BodyPiece::Data(data),
                        Piece::End => BodyPiece::End,
                    }))
            }
        }
    }
}
