//! Typhoon's sans-io WebSocket codec (RFC 6455, with permessage-deflate from RFC 7692).
//!
//! Like `typhoon-http1`, this crate only turns bytes into values and values into bytes:
//! no sockets, no clock, no runtime, no randomness the caller cannot seed. A server
//! built on it does four things:
//!
//! 1. Checks the upgrade request with [`check_request`]; on an error answers with the
//!    error's status, headers and message; otherwise picks a subprotocol from
//!    [`Upgrade::protocols`], negotiates compression with [`deflate::negotiate`] over
//!    [`Upgrade::deflate_offers`], and answers 101 with [`Upgrade::response_headers`].
//! 2. Feeds what it reads from the socket to a [`Decoder`], which validates every frame
//!    (masking, reserved bits, control frame rules, fragmentation, UTF-8, close codes,
//!    size limits) and yields whole [`Message`]s. Each [`DecodeError`] names the close
//!    code to fail the connection with.
//! 3. Writes messages with an [`Encoder`], which can compress and fragment them.
//! 4. Answers pings and close frames as the protocol asks (that policy is the caller's).
//!
//! Clients use [`client_key`], [`check_response`] and [`deflate::accept_response`], and
//! the same decoder and encoder with [`Role::Client`].
//!
//! Because nothing here does I/O, the tests feed every stream split at every byte.
//!
//! # Examples
//!
//! ```
//! use typhoon_websocket::deflate::{negotiate, DeflateConfig};
//! use typhoon_websocket::{check_request, Decoder, Encoder, Message, Role};
//!
//! let headers: [(&str, &[u8]); 5] = [
//!     ("Upgrade", b"websocket"),
//!     ("Connection", b"Upgrade"),
//!     ("Sec-WebSocket-Version", b"13"),
//!     ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
//!     ("Sec-WebSocket-Extensions", b"permessage-deflate; client_max_window_bits"),
//! ];
//! let upgrade = check_request("GET", headers).unwrap();
//! let config = DeflateConfig::default();
//! let (agreed, ext) = negotiate(&upgrade.deflate_offers(), &config).unwrap();
//! let _response = upgrade.response_headers(None, Some(&ext));
//!
//! // The client's side of the connection, then the server's.
//! let mut client = Encoder::new(Role::Client)
//!     .with_deflater(Some(agreed.deflater(Role::Client, config.level)));
//! let mut server = Decoder::new(Role::Server).with_inflater(Some(agreed.inflater(Role::Server)));
//! let mut wire = Vec::new();
//! client.encode(&Message::Text("hello hello hello".into()), &mut wire).unwrap();
//! assert_eq!(server.decode_vec(&mut wire).unwrap(), Some(Message::Text("hello hello hello".into())));
//! ```

mod client;
mod decode;
pub mod deflate;
mod error;
mod frame;
mod handshake;
mod message;

pub use client::{client_request, parse_response_head};
pub use decode::{Decoder, DEFAULT_MAX_MESSAGE_SIZE};
pub use error::{DecodeError, EncodeError};
pub use frame::{apply_mask, encode_frame, FrameHeader, Opcode, MAX_HEADER_LEN};
pub use handshake::{
    accept_key, check_request, check_response, client_key, Accepted, HandshakeError, ResponseError,
    Upgrade, GUID,
};
pub use message::{CloseCode, Encoder, Message};

/// Which end of the connection this endpoint is: it decides who masks.
///
/// Clients mask every frame they send; servers never do, and each refuses the other's
/// mistake with close code 1002.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Accepted the connection: decodes masked frames, sends unmasked ones.
    Server,
    /// Opened the connection: decodes unmasked frames, sends masked ones.
    Client,
}
