//! The client's side of the handshake as bytes and text: the request to send, the response
//! head to read back, and the encoder and decoder the handshake agreed on. Pure, like the
//! rest of the crate: the caller moves the bytes.

use crate::deflate::{accept_response, offer, DeflateConfig};
use crate::handshake::{Accepted, ResponseError};
use crate::{Decoder, Encoder, Role};

/// The upgrade request for `path` on `authority` (`host[:port]`) with `key` (from
/// [`client_key`](crate::client_key)), `headers` added (an `Origin`, a
/// `Sec-WebSocket-Protocol`, …), and a permessage-deflate offer when `compression` is
/// given.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::client_request;
///
/// let request = client_request("example.com", "/chat", "dGhlIHNhbXBsZSBub25jZQ==", &[("Origin", "http://example.com")], None);
/// assert!(request.starts_with("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"));
/// assert!(request.ends_with("Origin: http://example.com\r\n\r\n"));
/// ```
pub fn client_request(
    authority: &str,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
    compression: Option<&DeflateConfig>,
) -> String {
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(config) = compression {
        request.push_str(&format!("Sec-WebSocket-Extensions: {}\r\n", offer(config)));
    }
    request.push_str("\r\n");
    request
}

/// A header field as [`check_response`](crate::check_response) reads it: name and value.
pub type Field<'a> = (&'a str, &'a [u8]);

/// The status and header fields of a response head (up to its blank line), for
/// [`check_response`](crate::check_response); `None` when the status line is not HTTP's.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::parse_response_head;
///
/// let (status, fields) = parse_response_head("HTTP/1.1 101 Switching Protocols\r\nUpgrade:  websocket\r\n\r\n").unwrap();
/// assert_eq!(status, 101);
/// assert_eq!(fields, [("Upgrade", &b"websocket"[..])]);
/// ```
pub fn parse_response_head(head: &str) -> Option<(u16, Vec<Field<'_>>)> {
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let fields = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim(), value.trim().as_bytes()))
        .collect();
    Some((status, fields))
}

impl Accepted {
    /// The client's encoder and decoder for this handshake: compressing when `compression`
    /// was offered and the server accepted it.
    ///
    /// # Errors
    ///
    /// The server's `Sec-WebSocket-Extensions` answer is not one the offer allows.
    pub fn client_codec(
        &self,
        compression: Option<&DeflateConfig>,
    ) -> Result<(Encoder, Decoder), ResponseError> {
        let mut encoder = Encoder::new(Role::Client);
        let mut decoder = Decoder::new(Role::Client);
        if let (Some(config), Some(extension)) = (compression, self.extensions.first()) {
            let negotiated = accept_response(extension, config)?;
            encoder = encoder.with_deflater(Some(negotiated.deflater(Role::Client, config.level)));
            decoder = decoder.with_inflater(Some(negotiated.inflater(Role::Client)));
        }
        Ok((encoder, decoder))
    }
}
