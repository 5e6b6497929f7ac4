//! The opening handshake (RFC 6455 §4): [`check_request`] for servers, [`check_response`] for clients.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha1::{Digest, Sha1};

use crate::deflate::{self, DeflateOffer};

/// The GUID RFC 6455 appends to the key before hashing.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
///
/// # Examples
///
/// ```
/// use typhoon_websocket::accept_key;
///
/// assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(sec_websocket_key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(sec_websocket_key.as_bytes());
    sha.update(GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// A client's `Sec-WebSocket-Key` from 16 random bytes the caller supplies.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::client_key;
///
/// assert_eq!(client_key(*b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
/// ```
pub fn client_key(nonce: [u8; 16]) -> String {
    STANDARD.encode(nonce)
}

/// Why a server refuses an upgrade request; answer with [`status`](Self::status),
/// [`headers`](Self::headers) and the message (its `Display`) as the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The method is not GET (405).
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    /// `Upgrade` does not name `websocket` (400).
    #[error("Can \"Upgrade\" only to \"WebSocket\".")]
    BadUpgrade,
    /// `Connection` lacks the `upgrade` token (400).
    #[error("\"Connection\" must be \"Upgrade\".")]
    BadConnection,
    /// `Sec-WebSocket-Version` is missing or not 13 (426).
    #[error("Unsupported WebSocket version; only version 13 is supported.")]
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing, repeated, or not 16 bytes in base64 (400).
    #[error("Missing/Invalid WebSocket headers")]
    BadKey,
}

impl HandshakeError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::MethodNotAllowed => 405,
            Self::UnsupportedVersion => 426,
            _ => 400,
        }
    }

    /// The response body (the same text as `Display`).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// Extra response headers: `Allow: GET` for 405, `Sec-WebSocket-Version: 13` for 426.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::HandshakeError;
    ///
    /// let e = HandshakeError::UnsupportedVersion;
    /// assert_eq!((e.status(), e.headers()), (426, &[("Sec-WebSocket-Version", "13")][..]));
    /// ```
    pub fn headers(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::MethodNotAllowed => &[("Allow", "GET")],
            Self::UnsupportedVersion => &[("Sec-WebSocket-Version", "13")],
            _ => &[],
        }
    }
}

/// An accepted upgrade request: what the server needs to answer 101.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    /// The `Sec-WebSocket-Accept` value.
    pub accept: String,
    /// The offered subprotocols, in order (`Sec-WebSocket-Protocol`, comma lists).
    pub protocols: Vec<String>,
    /// The raw `Sec-WebSocket-Extensions` values, one per header line.
    pub extensions: Vec<String>,
}

impl Upgrade {
    /// The valid permessage-deflate offers among [`extensions`](Self::extensions).
    pub fn deflate_offers(&self) -> Vec<DeflateOffer> {
        self.extensions
            .iter()
            .flat_map(|e| deflate::parse_offers(e))
            .collect()
    }

    /// The headers of the 101 response, with the chosen subprotocol and extensions.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::check_request;
    ///
    /// let headers: [(&str, &[u8]); 4] = [
    ///     ("Upgrade", b"websocket"),
    ///     ("Connection", b"keep-alive, Upgrade"),
    ///     ("Sec-WebSocket-Version", b"13"),
    ///     ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    /// ];
    /// let up = check_request("GET", headers).unwrap();
    /// assert_eq!(up.response_headers(None, None), vec![
    ///     ("Upgrade", "websocket".to_string()),
    ///     ("Connection", "Upgrade".to_string()),
    ///     ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".to_string()),
    /// ]);
    /// ```
    pub fn response_headers(
        &self,
        protocol: Option<&str>,
        extensions: Option<&str>,
    ) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("Upgrade", "websocket".to_string()),
            ("Connection", "Upgrade".to_string()),
            ("Sec-WebSocket-Accept", self.accept.clone()),
        ];
        if let Some(p) = protocol {
            h.push(("Sec-WebSocket-Protocol", p.to_string()));
        }
        if let Some(e) = extensions {
            h.push(("Sec-WebSocket-Extensions", e.to_string()));
        }
        h
    }
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &str> {
    std::str::from_utf8(value)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Headers as the handshake reads them: repeated fields seen together.
#[derive(Default)]
struct Seen<'a> {
    upgrade: bool,
    connection: bool,
    version: Vec<&'a [u8]>,
    key: Vec<&'a [u8]>,
    accept: Vec<&'a [u8]>,
    protocols: Vec<String>,
    extensions: Vec<String>,
}

fn scan<'a, I>(headers: I) -> Seen<'a>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut seen = Seen::default();
    for (name, value) in headers {
        let name = name.trim();
        if name.eq_ignore_ascii_case("upgrade") {
            seen.upgrade |= tokens(value).any(|t| t.eq_ignore_ascii_case("websocket"));
        } else if name.eq_ignore_ascii_case("connection") {
            seen.connection |= tokens(value).any(|t| t.eq_ignore_ascii_case("upgrade"));
        } else if name.eq_ignore_ascii_case("sec-websocket-version") {
            seen.version.push(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-key") {
            seen.key.push(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-accept") {
            seen.accept.push(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-protocol") {
            seen.protocols.extend(tokens(value).map(str::to_string));
        } else if name.eq_ignore_ascii_case("sec-websocket-extensions") {
            if let Ok(v) = std::str::from_utf8(value) {
                seen.extensions.push(v.trim().to_string());
            }
        }
    }
    seen
}

/// Server side: validates an upgrade request (RFC 6455 §4.2.1) in Tornado's order:
/// method, `Upgrade`, `Connection`, `Sec-WebSocket-Version`, `Sec-WebSocket-Key`.
///
/// Header names match case-insensitively; a field may repeat.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{check_request, HandshakeError};
///
/// let mut headers: Vec<(&str, &[u8])> = vec![
///     ("Upgrade", b"WebSocket"),
///     ("Connection", b"Upgrade"),
///     ("Sec-WebSocket-Version", b"13"),
///     ("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="),
///     ("Sec-WebSocket-Protocol", b"chat, superchat"),
/// ];
/// let up = check_request("GET", headers.iter().copied()).unwrap();
/// assert_eq!(up.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// assert_eq!(up.protocols, ["chat", "superchat"]);
///
/// headers[2] = ("Sec-WebSocket-Version", b"8");
/// let err = check_request("GET", headers.iter().copied()).unwrap_err();
/// assert_eq!(err, HandshakeError::UnsupportedVersion);
/// assert_eq!(err.status(), 426);
/// ```
pub fn check_request<'a, I>(method: &str, headers: I) -> Result<Upgrade, HandshakeError>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    if method != "GET" {
        return Err(HandshakeError::MethodNotAllowed);
    }
    let seen = scan(headers);
    if !seen.upgrade {
        return Err(HandshakeError::BadUpgrade);
    }
    if !seen.connection {
        return Err(HandshakeError::BadConnection);
    }
    if !matches!(seen.version.as_slice(), [v] if v.trim_ascii() == b"13") {
        return Err(HandshakeError::UnsupportedVersion);
    }
    let [key] = seen.key.as_slice() else {
        return Err(HandshakeError::BadKey);
    };
    let key = std::str::from_utf8(key.trim_ascii()).map_err(|_| HandshakeError::BadKey)?;
    match STANDARD.decode(key) {
        Ok(nonce) if nonce.len() == 16 => {}
        _ => return Err(HandshakeError::BadKey),
    }
    Ok(Upgrade {
        accept: accept_key(key),
        protocols: seen.protocols,
        extensions: seen.extensions,
    })
}

/// Why a client refuses the server's handshake response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The status is not 101.
    #[error("expected status 101, got {0}")]
    Status(u16),
    /// `Upgrade: websocket` is missing.
    #[error("missing \"Upgrade: websocket\"")]
    Upgrade,
    /// `Connection: Upgrade` is missing.
    #[error("missing \"Connection: Upgrade\"")]
    Connection,
    /// `Sec-WebSocket-Accept` is missing or does not match the key.
    #[error("missing or wrong Sec-WebSocket-Accept")]
    Accept,
    /// The server picked a subprotocol the client did not offer, or several.
    #[error("unexpected Sec-WebSocket-Protocol")]
    Protocol,
    /// The server's `Sec-WebSocket-Extensions` is not acceptable.
    #[error("unacceptable Sec-WebSocket-Extensions: {0}")]
    Extension(&'static str),
}

/// A server's accepted handshake, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The subprotocol the server chose, if any.
    pub protocol: Option<String>,
    /// The raw `Sec-WebSocket-Extensions` values the server answered with.
    pub extensions: Vec<String>,
}

/// Client side: validates the server's response to a request sent with `key`
/// (RFC 6455 §4.1): status 101, `Upgrade`, `Connection`, and `Sec-WebSocket-Accept`.
/// The extensions are returned raw; check them with [`deflate::accept_response`].
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{check_response, ResponseError};
///
/// let key = "dGhlIHNhbXBsZSBub25jZQ==";
/// let headers: [(&str, &[u8]); 3] = [
///     ("Upgrade", b"websocket"),
///     ("Connection", b"Upgrade"),
///     ("Sec-WebSocket-Accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
/// ];
/// assert!(check_response(101, headers, key).is_ok());
/// assert_eq!(check_response(200, headers, key), Err(ResponseError::Status(200)));
/// ```
pub fn check_response<'a, I>(status: u16, headers: I, key: &str) -> Result<Accepted, ResponseError>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    if status != 101 {
        return Err(ResponseError::Status(status));
    }
    let seen = scan(headers);
    if !seen.upgrade {
        return Err(ResponseError::Upgrade);
    }
    if !seen.connection {
        return Err(ResponseError::Connection);
    }
    match seen.accept.as_slice() {
        [a] if a.trim_ascii() == accept_key(key).as_bytes() => {}
        _ => return Err(ResponseError::Accept),
    }
    let protocol = match seen.protocols.as_slice() {
        [] => None,
        [p] => Some(p.clone()),
        _ => return Err(ResponseError::Protocol),
    };
    Ok(Accepted {
        protocol,
        extensions: seen.extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Vec<(&'static str, &'static [u8])> {
        vec![
            ("Host", b"example.com"),
            ("upgrade", b"websocket"),
            ("connection", b"keep-alive, Upgrade"),
            ("sec-websocket-version", b"13"),
            ("sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
        ]
    }

    fn with(
        name: &'static str,
        value: Option<&'static [u8]>,
    ) -> Vec<(&'static str, &'static [u8])> {
        let mut h: Vec<_> = good()
            .into_iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .collect();
        if let Some(v) = value {
            h.push((name, v));
        }
        h
    }

    #[test]
    fn accepts_a_good_request() {
        let mut h = good();
        h.push((
            "Sec-WebSocket-Extensions",
            b"permessage-deflate; client_max_window_bits",
        ));
        h.push(("Sec-WebSocket-Extensions", b"x-foo"));
        h.push(("Sec-WebSocket-Protocol", b"a, b"));
        h.push(("Sec-WebSocket-Protocol", b"c"));
        let up = check_request("GET", h).unwrap();
        assert_eq!(up.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(up.protocols, ["a", "b", "c"]);
        assert_eq!(up.extensions.len(), 2);
        assert_eq!(up.deflate_offers().len(), 1);
    }

    #[test]
    fn refusals_carry_tornados_statuses() {
        let e = check_request("POST", good()).unwrap_err();
        assert_eq!((e.status(), e.headers()), (405, &[("Allow", "GET")][..]));
        let cases: [(&str, Option<&'static [u8]>, HandshakeError); 10] = [
            ("upgrade", None, HandshakeError::BadUpgrade),
            ("upgrade", Some(b"h2c"), HandshakeError::BadUpgrade),
            ("connection", None, HandshakeError::BadConnection),
            (
                "connection",
                Some(b"keep-alive"),
                HandshakeError::BadConnection,
            ),
            (
                "sec-websocket-version",
                None,
                HandshakeError::UnsupportedVersion,
            ),
            (
                "sec-websocket-version",
                Some(b"8"),
                HandshakeError::UnsupportedVersion,
            ),
            ("sec-websocket-key", None, HandshakeError::BadKey),
            (
                "sec-websocket-key",
                Some(b"not base64!"),
                HandshakeError::BadKey,
            ),
            (
                "sec-websocket-key",
                Some(b"dGhlIHNhbXBsZQ=="),
                HandshakeError::BadKey,
            ),
            ("sec-websocket-key", Some(b""), HandshakeError::BadKey),
        ];
        for (name, value, want) in cases {
            let got = check_request("GET", with(name, value)).unwrap_err();
            assert_eq!(got, want, "{name} {value:?}");
        }
        assert_eq!(HandshakeError::BadUpgrade.status(), 400);
        assert_eq!(
            HandshakeError::BadUpgrade.message(),
            "Can \"Upgrade\" only to \"WebSocket\"."
        );
        assert_eq!(
            HandshakeError::BadConnection.message(),
            "\"Connection\" must be \"Upgrade\"."
        );
        assert_eq!(HandshakeError::BadKey.status(), 400);
        let e = HandshakeError::UnsupportedVersion;
        assert_eq!(e.status(), 426);
        assert_eq!(e.headers(), [("Sec-WebSocket-Version", "13")]);
        // A repeated key is refused.
        let mut h = good();
        h.push(("Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(check_request("GET", h), Err(HandshakeError::BadKey));
    }

    #[test]
    fn client_round_trip() {
        let key = client_key([7; 16]);
        let accept = accept_key(&key);
        let ok: Vec<(&str, &[u8])> = vec![
            ("Upgrade", b"WebSocket"),
            ("Connection", b"upgrade"),
            ("Sec-WebSocket-Accept", accept.as_bytes()),
            ("Sec-WebSocket-Protocol", b"chat"),
            ("Sec-WebSocket-Extensions", b"permessage-deflate"),
        ];
        let acc = check_response(101, ok.iter().copied(), &key).unwrap();
        assert_eq!(acc.protocol.as_deref(), Some("chat"));
        assert_eq!(acc.extensions, ["permessage-deflate"]);
        let drop = |n: &str| -> Vec<(&str, &[u8])> {
            ok.iter().copied().filter(|(k, _)| *k != n).collect()
        };
        assert_eq!(
            check_response(101, drop("Upgrade"), &key),
            Err(ResponseError::Upgrade)
        );
        assert_eq!(
            check_response(101, drop("Connection"), &key),
            Err(ResponseError::Connection)
        );
        assert_eq!(
            check_response(101, drop("Sec-WebSocket-Accept"), &key),
            Err(ResponseError::Accept)
        );
        assert_eq!(
            check_response(101, ok.iter().copied(), &client_key([8; 16])),
            Err(ResponseError::Accept)
        );
    }
}
