//! Typhoon's sans-io HTTP/1.1 codec: request decoding, body framing, limits, responses.
//!
//! This crate turns bytes into [`Request`]s and responses into bytes, and does nothing
//! else: no sockets, no clock, no runtime. The server crate reads from the socket into a
//! buffer, calls [`Decoder::decode`] in a loop (pipelining is one request per call),
//! and writes what the `encode_*` functions produce. Because the codec is pure, its
//! tests feed every input at every split point.
//!
//! The decoder is strict where leniency enables request smuggling (RFC 9112 §6, §7):
//! it refuses bare LF and bare CR, Content-Length together with Transfer-Encoding,
//! malformed or conflicting lengths, unknown transfer codings, malformed chunk lines and
//! extensions, and a missing or repeated Host. Every [`ParseError`] carries the status
//! to answer with; after one, the connection must close.
//!
//! # Examples
//!
//! ```
//! use bytes::BytesMut;
//! use typhoon_http1::{encode_error, encode_response, DateCache, Decoded, Decoder, Limits, Preamble};
//!
//! let date = DateCache::new(std::time::SystemTime::now());
//! let preamble = Preamble::new(b"TyphoonServer/0.1.0", date.as_bytes());
//! let mut decoder = Decoder::new(Limits::default());
//! let mut read_buf = BytesMut::from(&b"GET /hello HTTP/1.1\r\nHost: example.com\r\n\r\n"[..]);
//! let mut write_buf = BytesMut::new();
//! loop {
//!     match decoder.decode(&mut read_buf) {
//!         Ok(Some(Decoded::Request(req))) => {
//!             let body = format!("hello from {}", req.path());
//!             let keep_alive = encode_response(&mut write_buf, &req.context(), 200, "",
//!                 [("Content-Type", "text/plain")], body.as_bytes(), &preamble);
//!             if !keep_alive { break; }
//!         }
//!         Ok(Some(Decoded::Continue)) => write_buf.extend_from_slice(typhoon_http1::CONTINUE),
//!         Ok(Some(Decoded::Head(..))) => unreachable!("only decode_with streams bodies"),
//!         Ok(None) => break, // read more from the socket
//!         Err(err) => {
//!             encode_error(&mut write_buf, err, &preamble);
//!             break; // then close
//!         }
//!     }
//! }
//! assert!(write_buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
//! assert!(write_buf.ends_with(b"\r\n\r\nhello from /hello"));
//! ```
//!
//! # Layout
//!
//! - `decode` — [`Decoder`], the state machine from bytes to [`Decoded`] items.
//! - `head` — finding the end of a head, then parsing and checking it (Host, framing,
//!   Expect, Connection).
//! - `host` — the Host check, with a per-thread memo of the last valid value.
//! - `target` — request-target forms: origin, absolute, asterisk.
//! - `chunked` — chunked body framing, extensions and trailers.
//! - `body` — [`BodyDecoder`], a body taken piece by piece as it arrives.
//! - `request` — [`Request`] and [`RequestContext`].
//! - `method` — [`Method`] and [`Version`].
//! - `limits` — [`Limits`].
//! - `error` — [`ParseError`] and the status each error is answered with.
//! - `encode` — response heads, bodies, chunks and error responses.
//! - `field` — [`Field`], a response header checked once, and [`HeaderField`].
//! - `status` — [`reason_phrase`].
//! - `date` — [`DateCache`].
//! - `preamble` — [`Preamble`], the `Server` and `Date` lines of every response.
//! - `grammar` — RFC 9110 character classes shared by the above.

mod body;
mod chunked;
mod date;
mod decode;
mod encode;
mod error;
mod field;
mod grammar;
mod head;
mod host;
mod limits;
mod method;
mod preamble;
mod request;
mod status;
mod target;

pub use body::{BodyDecoder, BodyPiece};
pub use date::DateCache;
pub use decode::{Decoded, Decoder, CONTINUE};
pub use encode::{
    encode_chunk, encode_error, encode_head, encode_last_chunk, encode_response, BodyMode,
    ResponseHead,
};
pub use error::ParseError;
pub use field::{CheckedField, Field, HeaderField, InvalidField};
pub use limits::Limits;
pub use method::{Method, Version};
pub use preamble::Preamble;
pub use request::{Request, RequestContext};
pub use status::reason_phrase;
