//! Request heads: finding where one ends, then parsing and checking it.

use std::mem::ManuallyDrop;

use bytes::Bytes;

use crate::error::ParseError;
use crate::grammar::{is_ows, is_token, list_contains, trim_ows};
use crate::host::is_valid_host;
use crate::limits::Limits;
use crate::method::{Method, Version};
use crate::request::{Parts, Request, Span};
use crate::target::parse_target;

/// Header slots kept on the stack; a larger `max_headers` falls back to the heap.
const STACK_HEADERS: usize = 16;

/// Longest Content-Length accepted: 19 digits always fit in a `u64` (row F4).
const MAX_CONTENT_LENGTH_DIGITS: usize = 19;

/// Where a complete head ends.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HeadEnd {
    /// Length of the head, final empty line included.
    pub(crate) len: usize,
    /// Offset just past the request line's CRLF.
    pub(crate) request_line_end: usize,
}

/// Incremental search for the end of a head. Remembers how far it has looked so that a
/// head trickled in one byte at a time costs linear, not quadratic, time; this relies on
/// the caller only appending to the buffer between calls.
///
/// While scanning it enforces what httparse would let through (RFC 9112 §2.2, rows
/// F14–F15): every LF must follow a CR and every CR must precede a LF.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeadScanner {
    scanned: usize,
    line_start: usize,
    request_line_end: Option<usize>,
}

impl HeadScanner {
    /// Whether no byte of the current head has been looked at yet.
    pub(crate) fn is_fresh(&self) -> bool {
        self.scanned == 0
    }

    /// Looks for the empty line that ends the head at the front of `buf`.
    ///
    /// Errors are reported at the first byte that proves them, so the outcome does not
    /// depend on how the bytes were split across reads.
    pub(crate) fn scan(
        &mut self,
        buf: &[u8],
        limits: &Limits,
    ) -> Result<Option<HeadEnd>, ParseError> {
        let mut i = self.scanned;
        while i < buf.len() {
            let b = buf[i];
            if b != b'\r' && b != b'\n' {
                // A run of ordinary bytes: jump to the next CR or LF (memchr, several bytes
                // per instruction) and report the error the byte-by-byte rules below would
                // report first. The `decode/wrk_get` criterion bench justified this.
                let end = memchr::memchr2(b'\r', b'\n', &buf[i..]).map_or(buf.len(), |o| i + o);
                if let Some(err) = self.run_error(buf, i, end, limits) {
                    return Err(err);
                }
                i = end;
                continue;
            }
            // Past index `max_request_line` only the LF of the request line's CRLF may
            // come; anything else makes the line, without CRLF, longer than the limit.
            if self.request_line_end.is_none()
                && i > limits.max_request_line
                && (b != b'\n' || i > limits.max_request_line + 1)
            {
                return Err(ParseError::RequestLineTooLong {
                    limit: limits.max_request_line,
                });
            }
            if i >= limits.max_head {
                return Err(ParseError::HeadTooLarge {
                    limit: limits.max_head,
                });
            }
            let prev = if i > 0 { buf[i - 1] } else { 0 };
            if prev == b'\r' && b != b'\n' {
                return Err(ParseError::BareCr);
            }
            // The usual case, a CR with its LF: both bytes in one step. The checks above
            // passed for the CR; the LF one index further passes them too unless it is
            // the head's last allowed byte (then it goes byte by byte, for the error).
            let pair = b == b'\r' && buf.get(i + 1) == Some(&b'\n') && i + 1 < limits.max_head;
            if b == b'\n' || pair {
                if b == b'\n' && prev != b'\r' {
                    return Err(ParseError::BareLf);
                }
                let lf = if pair { i + 1 } else { i };
                if let Some(end) = self.end_line(lf) {
                    return Ok(Some(end));
                }
                i = lf;
            }
            i += 1;
        }
        // A trailing CR is judged once the byte after it arrives.
        self.scanned = i;
        Ok(None)
    }

    /// Notes the line ending with the LF at `lf`; the head's end if the line is empty.
    fn end_line(&mut self, lf: usize) -> Option<HeadEnd> {
        let line_start = std::mem::replace(&mut self.line_start, lf + 1);
        match self.request_line_end {
            None => self.request_line_end = Some(lf + 1),
            // An empty line (just CRLF) ends the head.
            Some(request_line_end) if line_start + 1 == lf => {
                *self = HeadScanner::default();
                return Some(HeadEnd {
                    len: lf + 1,
                    request_line_end,
                });
            }
            Some(_) => {}
        }
        None
    }

    /// The first error among the bytes `buf[start..end]`, none of them CR or LF, in the
    /// order the byte-by-byte rules check them: at the lowest index, request-line length,
    /// then head length, then a bare CR before the run.
    fn run_error(
        &self,
        buf: &[u8],
        start: usize,
        end: usize,
        limits: &Limits,
    ) -> Option<ParseError> {
        // Nearly always none of the three applies; settle that with three compares.
        let request_line_open = self.request_line_end.is_none();
        if !(request_line_open && end > limits.max_request_line + 1)
            && end <= limits.max_head
            && (start == 0 || buf[start - 1] != b'\r')
        {
            return None;
        }
        let line_too_long = request_line_open
            .then(|| start.max(limits.max_request_line + 1))
            .filter(|&j| j < end)
            .map(|j| {
                (
                    j,
                    0,
                    ParseError::RequestLineTooLong {
                        limit: limits.max_request_line,
                    },
                )
            });
        let head_too_large = Some(start.max(limits.max_head))
            .filter(|&j| j < end)
            .map(|j| {
                (
                    j,
                    1,
                    ParseError::HeadTooLarge {
                        limit: limits.max_head,
                    },
                )
            });
        let bare_cr =
            (start > 0 && buf[start - 1] == b'\r').then_some((start, 2, ParseError::BareCr));
        [line_too_long, head_too_large, bare_cr]
            .into_iter()
            .flatten()
            .min_by_key(|&(j, rank, _)| (j, rank))
            .map(|(_, _, e)| e)
    }
}

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body (no Content-Length and no Transfer-Encoding, or `Content-Length: 0`).
    None,
    /// A body of exactly this many bytes (more than zero).
    Length(u64),
    /// A chunked body.
    Chunked,
}

/// A parsed and checked head: the request (body still empty) and how to read its body.
#[derive(Debug)]
pub(crate) struct ParsedHead {
    pub(crate) request: Request,
    pub(crate) framing: Framing,
    /// `Expect: 100-continue` on HTTP/1.1 with a body to come (row E1).
    pub(crate) expect_continue: bool,
}

/// Parses a complete head (as found by [`HeadScanner`]) and applies every check that
/// needs the whole head: request line, header syntax, Host, framing, Expect.
pub(crate) fn parse_head(
    head: Bytes,
    end: HeadEnd,
    limits: &Limits,
) -> Result<ParsedHead, ParseError> {
    let line_end = end.request_line_end.saturating_sub(2);
    let line = head.get(..line_end).ok_or(ParseError::BadRequestLine)?;
    let (method, target, version) = parse_request_line(line)?;
    let target_parts = parse_target(&head, target, method)?;

    let section = head
        .get(end.request_line_end..)
        .ok_or(ParseError::BadHeaderName)?;
    // Most requests have a handful of headers: parse into a small stack array first and
    // retry with room for `max_headers` only when that is too small. Initialising 128
    // slots for every request showed up in the pipelined hello profile.
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let mut heap;
    let first = &mut stack[..limits.max_headers.min(STACK_HEADERS)];
    let mut result = httparse::parse_headers(section, first);
    if matches!(result, Err(httparse::Error::TooManyHeaders)) && limits.max_headers > STACK_HEADERS
    {
        heap = vec![httparse::EMPTY_HEADER; limits.max_headers];
        result = httparse::parse_headers(section, &mut heap);
    }
    let parsed = match result {
        Ok(httparse::Status::Complete((used, parsed))) if used == section.len() => parsed,
        Err(httparse::Error::TooManyHeaders) => {
            return Err(ParseError::TooManyHeaders {
                limit: limits.max_headers,
            })
        }
        Err(httparse::Error::HeaderValue) => return Err(ParseError::BadHeaderValue),
        // Obs-fold, whitespace before the colon or before the first header, a line
        // without a colon, or a name that is not a token (rows F17–F19).
        _ => return Err(ParseError::BadHeaderName),
    };

    // Filled in place: a request's parts are boxed (and the box reused; an error below
    // hands it back), and built on the stack the 264-byte header list would be copied
    // into the box.
    let mut request = Request(ManuallyDrop::new(Parts::take()));
    let parts = &mut request.0;
    parts.headers.reserve(parsed.len());
    let mut fields = FieldSummary::default();
    for h in parsed.iter() {
        let name = h.name.as_bytes();
        fields.note(name, h.value)?;
        parts
            .headers
            .push((Span::of(&head, name), Span::of(&head, h.value)));
    }

    let host_header = fields.check_host(version)?;
    let framing = fields.framing(version)?;
    let expect_continue =
        fields.expect_100 && version == Version::Http11 && framing != Framing::None;
    let keep_alive = match version {
        Version::Http11 => !fields.close,
        // Tornado's rule: a 1.0 body without a length can only end at close.
        Version::Http10 => {
            fields.keep_alive
                && !fields.close
                && (matches!(method, Method::Get | Method::Head) || fields.content_length.is_some())
        }
    };
    let host = match target_parts.authority {
        Some(authority) => Some(authority),
        None => host_header.map(|value| Span::of(&head, value)),
    };
    let target = Span::of(&head, target);
    parts.method = method;
    parts.version = version;
    parts.target = target;
    parts.path = target_parts.path;
    parts.query = target_parts.query;
    parts.host = host;
    parts.keep_alive = keep_alive;
    parts.head = head;
    Ok(ParsedHead {
        request,
        framing,
        expect_continue,
    })
}

/// Splits and checks `method SP target SP version` (RFC 9112 §3).
///
/// Syntax errors come first (400), then the version (505), then the method (501), so
/// that `PRI * HTTP/2.0` is a 505 and `CONNECT host:443 HTTP/1.1` a 501.
fn parse_request_line(line: &[u8]) -> Result<(Method, &[u8], Version), ParseError> {
    let sp = line
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadRequestLine)?;
    let (method, rest) = (&line[..sp], &line[sp + 1..]);
    if !is_token(method) {
        return Err(ParseError::BadMethod);
    }
    // No second space means no version: HTTP/0.9, which we do not speak.
    let sp = rest
        .iter()
        .position(|&b| b == b' ')
        .ok_or(ParseError::BadVersion)?;
    let (target, version) = (&rest[..sp], &rest[sp + 1..]);
    if target.is_empty() {
        return Err(ParseError::BadRequestLine);
    }
    let version = parse_version(version)?;
    let method = Method::from_bytes(method).ok_or(ParseError::UnknownMethod)?;
    Ok((method, target, version))
}

/// `HTTP/1.0` and `HTTP/1.1`; later 1.x read as 1.1 (RFC 9110 §2.5, row R2); 2.0 and
/// later are 505 (row R3); anything else is 400.
fn parse_version(v: &[u8]) -> Result<Version, ParseError> {
    // Nearly every request says `HTTP/1.1`: one 8-byte compare settles it.
    if v == b"HTTP/1.1" {
        return Ok(Version::Http11);
    }
    match v {
        b"HTTP/1.0" => Ok(Version::Http10),
        [b'H', b'T', b'T', b'P', b'/', b'1', b'.', minor] if minor.is_ascii_digit() => {
            Ok(Version::Http11)
        }
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if (b'2'..=b'9').contains(major) && minor.is_ascii_digit() =>
        {
            Err(ParseError::UnsupportedVersion)
        }
        _ => Err(ParseError::BadVersion),
    }
}

/// What the header fields say about Host, framing, Connection and Expect.
#[derive(Debug, Default)]
struct FieldSummary<'a> {
    host: Option<&'a [u8]>,
    host_count: usize,
    content_length: Option<u64>,
    transfer_encoding: Option<&'a [u8]>,
    transfer_encoding_count: usize,
    close: bool,
    keep_alive: bool,
    expect_100: bool,
}

impl<'a> FieldSummary<'a> {
    /// Records one header field; rejects what is wrong on its own.
    fn note(&mut self, name: &[u8], value: &'a [u8]) -> Result<(), ParseError> {
        if name.eq_ignore_ascii_case(b"host") {
            self.host = Some(value);
            self.host_count += 1;
        } else if name.eq_ignore_ascii_case(b"content-length") {
            self.note_content_length(value)?;
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            self.transfer_encoding = Some(value);
            self.transfer_encoding_count += 1;
        } else if name.eq_ignore_ascii_case(b"connection") {
            self.close |= list_contains(value, "close");
            self.keep_alive |= list_contains(value, "keep-alive");
        } else if name.eq_ignore_ascii_case(b"expect") {
            // Only `100-continue` is defined (RFC 9110 §10.1.1); anything else is 417.
            if !trim_ows(value).eq_ignore_ascii_case(b"100-continue") {
                return Err(ParseError::ExpectationFailed);
            }
            self.expect_100 = true;
        }
        Ok(())
    }

    /// Each element of a Content-Length (a comma list, or repeated lines) must be
    /// `1*DIGIT`; equal values collapse into one (RFC 9110 §8.6 allows either this or a
    /// 400; we follow hyper and Tornado, row F3), different values are 400 (row F2).
    fn note_content_length(&mut self, value: &[u8]) -> Result<(), ParseError> {
        for item in value.split(|&b| b == b',') {
            let digits = trim_ows(item);
            if digits.is_empty()
                || digits.len() > MAX_CONTENT_LENGTH_DIGITS
                || !digits.iter().all(u8::is_ascii_digit)
            {
                return Err(ParseError::BadContentLength);
            }
            // Decimal only, so `007` is 7, never octal; 19 digits cannot overflow.
            let n = digits
                .iter()
                .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
            match self.content_length {
                Some(prev) if prev != n => return Err(ParseError::ConflictingContentLength),
                _ => self.content_length = Some(n),
            }
        }
        Ok(())
    }

    /// RFC 9112 §3.2: exactly one valid Host in HTTP/1.1, at most one in HTTP/1.0.
    fn check_host(&self, version: Version) -> Result<Option<&'a [u8]>, ParseError> {
        if self.host_count > 1 {
            return Err(ParseError::DuplicateHost);
        }
        match self.host {
            None if version == Version::Http11 => Err(ParseError::MissingHost),
            None => Ok(None),
            Some(host) if is_valid_host(host) => Ok(Some(host)),
            Some(_) => Err(ParseError::BadHost),
        }
    }

    /// Decides the body framing (RFC 9112 §6.1, §6.3; rows F1–F8, L4).
    fn framing(&self, version: Version) -> Result<Framing, ParseError> {
        if let Some(te) = self.transfer_encoding {
            if self.content_length.is_some() {
                return Err(ParseError::ContentLengthAndTransferEncoding);
            }
            if version == Version::Http10 || self.transfer_encoding_count > 1 {
                return Err(ParseError::BadTransferEncoding);
            }
            return parse_transfer_encoding(te).map(|()| Framing::Chunked);
        }
        // The length is checked against `max_body` by the decoder, once it knows
        // whether the body is buffered or streamed under a limit of its own.
        match self.content_length {
            None | Some(0) => Ok(Framing::None),
            Some(n) => Ok(Framing::Length(n)),
        }
    }
}

/// Accepts only a lone `chunked` (any case, OWS around it). A list that ends in
/// `chunked` but has other codings (`gzip, chunked`, `chunked, chunked`) or one without
/// `chunked` at all is an unsupported coding (501, row F5); a list where `chunked`
/// appears but is not last is 400 (row F6). Mangled values (`,chunked`, `chunked,`) fall
/// into one of these and are never read as chunked (row F7).
fn parse_transfer_encoding(value: &[u8]) -> Result<(), ParseError> {
    let is_chunked = |item: &[u8]| trim_ows(item).eq_ignore_ascii_case(b"chunked");
    if is_chunked(value) {
        return Ok(());
    }
    if value.iter().all(|&b| is_ows(b)) {
        return Err(ParseError::BadTransferEncoding);
    }
    let mut items = value.split(|&b| b == b',');
    let last_is_chunked = items.next_back().is_some_and(is_chunked);
    if !last_is_chunked && items.any(is_chunked) {
        return Err(ParseError::BadTransferEncoding);
    }
    Err(ParseError::UnsupportedTransferCoding)
}
