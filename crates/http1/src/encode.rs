//! Response encoding: status line, headers, body framing (RFC 9112 §4, §6, §7).

use bytes::BytesMut;

use crate::error::ParseError;
use crate::field::HeaderField;
use crate::grammar::{is_field_value, is_token, list_contains};
use crate::method::{Method, Version};
use crate::preamble::Preamble;
use crate::request::RequestContext;
use crate::status::{reason_phrase, status_line};

const STATUS_LINE_START: &[u8] = b"HTTP/1.1 ";
const CRLF: &[u8] = b"\r\n";
/// The CRLF ending the last field, then the empty line ending the head.
const END_OF_HEAD: &[u8] = b"\r\n\r\n";
const HEADER_SEPARATOR: &[u8] = b": ";
const CONTENT_LENGTH: &[u8] = b"Content-Length: ";
const CONTENT_LENGTH_ZERO: &[u8] = b"Content-Length: 0\r\n";
const TRANSFER_ENCODING_CHUNKED: &[u8] = b"Transfer-Encoding: chunked\r\n";
const CONNECTION_CLOSE: &[u8] = b"Connection: close\r\n";
const CONNECTION_KEEP_ALIVE: &[u8] = b"Connection: keep-alive\r\n";
const CONNECTION_UPGRADE: &[u8] = b"Connection: Upgrade\r\n";
const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// How the caller must write the body after [`encode_head`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyMode {
    /// Write no body bytes at all (HEAD, 1xx, 204, 304).
    None,
    /// Write exactly the `content_length` bytes announced.
    Length,
    /// Write each piece with [`encode_chunk`], then [`encode_last_chunk`].
    Chunked,
    /// Write the bytes as they are, then close the connection: the end of the body is
    /// the end of the connection (a streamed response to HTTP/1.0, RFC 9112 §6.3(8)).
    CloseDelimited,
}

/// The head of a response, as the application describes it.
///
/// # Examples
///
/// ```
/// use typhoon_http1::ResponseHead;
///
/// let head = ResponseHead { status: 200, reason: "", headers: [("Content-Type", "text/plain")], content_length: Some(5) };
/// assert_eq!(head.status, 200);
/// ```
#[derive(Clone, Debug)]
pub struct ResponseHead<'a, H> {
    /// The status code, 100 to 999.
    pub status: u16,
    /// The reason phrase; `""` (or one holding CR or LF) means the canonical one.
    pub reason: &'a str,
    /// Header fields, in order. `Content-Length`, `Transfer-Encoding` and `Connection`
    /// are dropped (framing belongs to the encoder; a `Connection: close` still closes),
    /// except a `Content-Length` on a 304 or on a HEAD response without a known length.
    /// A field whose name is not a token or whose value holds CR, LF or another control
    /// character is silently dropped: it must never reach the wire (response splitting).
    pub headers: H,
    /// `Some(n)`: the whole body is `n` bytes; `None`: it is streamed.
    pub content_length: Option<u64>,
}

/// Writes the status line, the preamble (`Server`, `Date`), the user's headers and the
/// framing headers into `out`. Returns how to write the body, and whether the connection stays open
/// after this response.
///
/// The status line always says `HTTP/1.1` (RFC 9112 §2.3 allows it for 1.0 clients,
/// row H3). A user `Server` or `Date` header replaces the default one.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{encode_head, encode_chunk, encode_last_chunk, BodyMode, Method, Preamble, RequestContext, ResponseHead, Version};
///
/// let ctx = RequestContext { method: Method::Get, version: Version::Http11, keep_alive: true };
/// let mut out = BytesMut::new();
/// let head = ResponseHead { status: 200, reason: "", headers: [("Content-Type", "text/plain")], content_length: None };
/// let preamble = Preamble::new(b"TyphoonServer/0.1.0", b"Sun, 06 Nov 1994 08:49:37 GMT");
/// let (mode, keep_alive) = encode_head(&mut out, &ctx, head, &preamble);
/// assert_eq!((mode, keep_alive), (BodyMode::Chunked, true));
/// encode_chunk(&mut out, b"hello");
/// encode_last_chunk(&mut out);
/// assert_eq!(&out[..], &b"HTTP/1.1 200 OK\r\nServer: TyphoonServer/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"[..]);
/// ```
pub fn encode_head<H>(
    out: &mut BytesMut,
    ctx: &RequestContext,
    head: ResponseHead<'_, H>,
    preamble: &Preamble,
) -> (BodyMode, bool)
where
    H: IntoIterator,
    H::Item: HeaderField,
{
    write_head(out, ctx, head, &[], preamble)
}

/// Writes a whole response with a known body: the head as [`encode_head`] does, then
/// the body unless the framing forbids one (HEAD, 1xx, 204, 304). Returns whether the
/// connection stays open.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{encode_response, Method, Preamble, RequestContext, Version};
///
/// let ctx = RequestContext { method: Method::Head, version: Version::Http11, keep_alive: true };
/// let mut out = BytesMut::new();
/// let preamble = Preamble::new(b"", b"Sun, 06 Nov 1994 08:49:37 GMT");
/// let keep_alive = encode_response(&mut out, &ctx, 200, "", [("Content-Type", "text/plain")], b"hello", &preamble);
/// assert!(keep_alive);
/// assert_eq!(&out[..], &b"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"[..]);
/// ```
#[allow(clippy::too_many_arguments)] // The signature is the crate's public contract.
pub fn encode_response<H>(
    out: &mut BytesMut,
    ctx: &RequestContext,
    status: u16,
    reason: &str,
    headers: H,
    body: &[u8],
    preamble: &Preamble,
) -> bool
where
    H: IntoIterator,
    H::Item: HeaderField,
{
    let head = ResponseHead {
        status,
        reason,
        headers,
        content_length: Some(body.len() as u64),
    };
    let (_, keep_alive) = write_head(out, ctx, head, body, preamble);
    keep_alive
}

/// Writes one chunk of a chunked body; writes nothing for empty `data`, since an empty
/// chunk would end the body.
///
/// # Examples
///
/// ```
/// let mut out = bytes::BytesMut::new();
/// typhoon_http1::encode_chunk(&mut out, &[b'x'; 26]);
/// typhoon_http1::encode_chunk(&mut out, b"");
/// assert!(out.starts_with(b"1a\r\nxxx"));
/// assert!(out.ends_with(b"x\r\n"));
/// ```
pub fn encode_chunk(out: &mut BytesMut, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    // `usize` has at most 16 hex digits.
    let mut digits = [0u8; 16];
    let mut n = data.len();
    let mut start = digits.len();
    while n > 0 || start == digits.len() {
        start -= 1;
        digits[start] = b"0123456789abcdef"[n & 0xf];
        n >>= 4;
    }
    extend_all(out, [&digits[start..], CRLF, data, CRLF]);
}

/// Writes the last chunk and an empty trailer section: `0\r\n\r\n`.
///
/// # Examples
///
/// ```
/// let mut out = bytes::BytesMut::new();
/// typhoon_http1::encode_last_chunk(&mut out);
/// assert_eq!(&out[..], b"0\r\n\r\n");
/// ```
pub fn encode_last_chunk(out: &mut BytesMut) {
    out.extend_from_slice(LAST_CHUNK);
}

/// Writes the response to a [`ParseError`]: its status line, the preamble,
/// `Content-Length: 0` and `Connection: close`. The caller then closes the connection.
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{encode_error, ParseError, Preamble};
///
/// let mut out = BytesMut::new();
/// let preamble = Preamble::new(b"TyphoonServer/0.1.0", b"Sun, 06 Nov 1994 08:49:37 GMT");
/// encode_error(&mut out, ParseError::BodyTooLarge { limit: 10 }, &preamble);
/// assert_eq!(&out[..], &b"HTTP/1.1 413 Content Too Large\r\nServer: TyphoonServer/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"[..]);
/// ```
pub fn encode_error(out: &mut BytesMut, err: ParseError, preamble: &Preamble) {
    write_status_line(out, err.status(), err.reason(), preamble.as_bytes());
    extend_all(out, [CONTENT_LENGTH_ZERO, CONNECTION_CLOSE, CRLF]);
}

/// The shared body of [`encode_head`] and [`encode_response`]: the head, then `body`
/// when the framing is a Content-Length (`encode_head` passes none).
fn write_head<H>(
    out: &mut BytesMut,
    ctx: &RequestContext,
    head: ResponseHead<'_, H>,
    body: &[u8],
    preamble: &Preamble,
) -> (BodyMode, bool)
where
    H: IntoIterator,
    H::Item: HeaderField,
{
    let ResponseHead {
        status,
        reason,
        headers,
        content_length,
    } = head;
    let is_head = ctx.method == Method::Head;
    // RFC 9110 §6.4.1: 1xx, 204 and 304 never have content; §8.6 and RFC 9112 §6.1:
    // no Content-Length or Transfer-Encoding on 1xx and 204.
    let bodyless_status = (100..200).contains(&status) || status == 204 || status == 304;
    // Where no body follows and the encoder cannot know the length, the application's
    // Content-Length is the only source of it: a 304 (the length a 200 would have) and
    // a HEAD response without a known body (row H1).
    let keep_user_length =
        status == 304 || (is_head && !bodyless_status && matches!(content_length, None | Some(0)));

    write_status_line(out, status, reason, preamble.as_bytes());
    let user_at = out.len();
    let server_at = user_at - preamble.as_bytes().len();
    let date_at = server_at + preamble.server_len();

    let mut user = UserHeaders::default();
    for field in headers {
        user.write(out, &field, keep_user_length);
    }
    // A user `Server` or `Date` replaces ours; cut ours out (the later one first).
    if user.date {
        remove_range(out, date_at, user_at);
    }
    if user.server {
        remove_range(out, server_at, date_at);
    }

    let mut keep_alive = ctx.keep_alive && !user.close;
    // The framing field: a constant line, or a length (written below with its digits).
    let (mode, framing, length): (_, &[u8], Option<u64>) = if bodyless_status {
        (BodyMode::None, b"", None)
    } else if is_head {
        // The same Content-Length a GET would get, but never a body or a last chunk.
        let length = content_length.filter(|_| !user.content_length);
        (BodyMode::None, b"", length)
    } else if let Some(n) = content_length {
        (BodyMode::Length, b"", Some(n))
    } else if ctx.version == Version::Http11 {
        (BodyMode::Chunked, TRANSFER_ENCODING_CHUNKED, None)
    } else {
        // HTTP/1.0 has no chunked coding (RFC 9112 §6.1): the body ends at close.
        keep_alive = false;
        (BodyMode::CloseDelimited, b"", None)
    };
    // A 101 switches protocols (RFC 9110 §7.8): its `Connection` names the upgrade,
    // whatever keep-alive would have said.
    let connection: &[u8] = if status == 101 {
        CONNECTION_UPGRADE
    } else if !keep_alive && (ctx.version == Version::Http11 || ctx.keep_alive) {
        CONNECTION_CLOSE
    } else if keep_alive && ctx.version == Version::Http10 {
        // HTTP/1.0 closes by default; persisting must be said (RFC 9112 §9.3, row C3).
        CONNECTION_KEEP_ALIVE
    } else {
        b""
    };
    let body = if mode == BodyMode::Length { body } else { &[] };
    // Each call below has constant pieces where it can, so they are copied inline.
    match length {
        Some(n) => {
            let mut digits = itoa::Buffer::new();
            let digits = digits.format(n).as_bytes();
            if connection.is_empty() {
                extend_all(out, [CONTENT_LENGTH, digits, END_OF_HEAD, body]);
            } else {
                extend_all(out, [CONTENT_LENGTH, digits, CRLF, connection, CRLF, body]);
            }
        }
        None => extend_all(out, [framing, connection, CRLF]),
    }
    (mode, keep_alive)
}

/// Appends `parts` one after another, with one capacity check for all of them where
/// `extend_from_slice` would check (and grow) once per part: a response head is a dozen
/// pieces, and the checks showed in the pipelined profile.
#[inline(always)]
fn extend_all<const N: usize>(out: &mut BytesMut, parts: [&[u8]; N]) {
    let len: usize = parts.iter().map(|part| part.len()).sum();
    out.reserve(len);
    let spare = &mut out.spare_capacity_mut()[..len];
    let mut at = 0;
    for part in parts {
        spare[at..at + part.len()].write_copy_of_slice(part);
        at += part.len();
    }
    // SAFETY: `reserve` made room for `len` more bytes, and all `len` of them, just past
    // the end, were written above.
    unsafe { out.set_len(out.len() + len) };
}

/// What the application's headers said that the framing depends on.
#[derive(Debug, Default)]
struct UserHeaders {
    server: bool,
    date: bool,
    content_length: bool,
    close: bool,
}

impl UserHeaders {
    /// Writes one application header unless it is unsafe or framing belongs to us.
    fn write(&mut self, out: &mut BytesMut, field: &impl HeaderField, keep_length: bool) {
        let (name, value) = match field.checked() {
            Some(checked) => (checked.name(), checked.value()),
            None => {
                let (name, value) = (field.name(), field.value());
                if !(is_token(name.as_bytes()) && is_field_value(value.as_bytes())) {
                    return;
                }
                (name, value)
            }
        };
        // By length first: most names are none of these, and one compare settles it.
        match name.len() {
            14 if name.eq_ignore_ascii_case("content-length") => {
                let valid = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                if !keep_length || self.content_length || !valid {
                    return;
                }
                self.content_length = true;
            }
            17 if name.eq_ignore_ascii_case("transfer-encoding") => return,
            10 if name.eq_ignore_ascii_case("connection") => {
                self.close |= list_contains(value.as_bytes(), "close");
                return;
            }
            6 if name.eq_ignore_ascii_case("server") => self.server = true,
            4 if name.eq_ignore_ascii_case("date") => self.date = true,
            _ => {}
        }
        extend_all(
            out,
            [name.as_bytes(), HEADER_SEPARATOR, value.as_bytes(), CRLF],
        );
    }
}

/// `HTTP/1.1 <status> <reason>\r\n`, then `then` (the preamble, or what else follows at
/// once). An empty reason, or one that could split the response, is replaced by the
/// canonical one, and a canonical line comes whole from the table.
fn write_status_line(out: &mut BytesMut, status: u16, reason: &str, then: &[u8]) {
    let custom = !reason.is_empty() && is_field_value(reason.as_bytes());
    if let (false, Some(line)) = (custom, status_line(status)) {
        extend_all(out, [line.as_bytes(), then]);
        return;
    }
    let reason = if custom {
        reason
    } else {
        reason_phrase(status)
    };
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(status).as_bytes();
    extend_all(
        out,
        [
            STATUS_LINE_START,
            digits,
            b" ",
            reason.as_bytes(),
            CRLF,
            then,
        ],
    );
}

/// Removes `out[start..end]` in place, shifting what follows.
fn remove_range(out: &mut BytesMut, start: usize, end: usize) {
    let len = out.len();
    out.copy_within(end..len, start);
    out.truncate(len - (end - start));
}
