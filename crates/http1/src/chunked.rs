//! Chunked body framing (RFC 9112 §7.1).

use bytes::{Buf, Bytes, BytesMut};

use crate::error::ParseError;
use crate::grammar::{is_field_value_byte, is_ows, is_tchar, is_token, trim_ows};
use crate::limits::Limits;

/// Most hex digits in a chunk size: 16 always fit in a `u64` (RFC 9112 §7.1 asks
/// recipients to guard against overflow; row F9).
const MAX_SIZE_DIGITS: usize = 16;

/// Most trailer fields in one request (hyper's limit).
const MAX_TRAILER_FIELDS: usize = 100;

/// Where the decoder is inside a chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Expecting a chunk-size line.
    Size,
    /// Inside chunk data, with this many bytes still to come.
    Data(u64),
    /// Expecting the CRLF after chunk data.
    DataEnd,
    /// After the last chunk: trailer lines until an empty line.
    Trailers,
    /// The body and its trailer section are complete.
    Done,
}

/// One step of a chunked body, for a caller that takes the body as it arrives.
#[derive(Debug)]
pub(crate) enum Piece {
    /// Chunk data, in the order received (one chunk may come in several pieces).
    Data(Bytes),
    /// The last chunk and the trailer section have arrived.
    End,
}

/// Decodes one chunked body into a single buffer, checking every line as it arrives.
///
/// Trailer fields are validated, counted and then dropped: they are never merged into
/// the header section (RFC 9110 §6.5.1, row F12).
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: State,
    body: BytesMut,
    /// Body bytes announced so far, checked against `max_body` before data is buffered.
    total: u64,
    /// Chunk-extension bytes seen so far in this request.
    extension_bytes: usize,
    /// Trailer-section bytes seen so far, final empty line included.
    trailer_bytes: usize,
    trailer_fields: usize,
}

impl ChunkedDecoder {
    /// A decoder at the start of a chunked body.
    pub(crate) fn new() -> Self {
        ChunkedDecoder {
            state: State::Size,
            body: BytesMut::new(),
            total: 0,
            extension_bytes: 0,
            trailer_bytes: 0,
            trailer_fields: 0,
        }
    }

    /// Consumes body bytes from the front of `buf`. Returns the whole body once the last
    /// chunk and the trailer section are complete; `Ok(None)` means more bytes are needed.
    pub(crate) fn decode(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Bytes>, ParseError> {
        while let Some(piece) = self.next_piece(buf, limits)? {
            match piece {
                Piece::Data(data) => self.body.extend_from_slice(&data),
                Piece::End => return Ok(Some(std::mem::take(&mut self.body).freeze())),
            }
        }
        Ok(None)
    }

    /// Whether the last chunk and the trailer section have been consumed.
    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes body bytes from the front of `buf` up to the next piece of data (taken
    /// without copying) or the end of the body; `Ok(None)` means more bytes are needed.
    /// After the end, every call returns [`Piece::End`] and consumes nothing.
    ///
    /// Like the head scanner, it judges each line only once it is complete or once it is
    /// too long to ever be valid, so the outcome does not depend on how bytes were split.
    pub(crate) fn next_piece(
        &mut self,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<Piece>, ParseError> {
        loop {
            match self.state {
                State::Size => {
                    let Some(line_len) = self.size_line(buf, limits)? else {
                        return Ok(None);
                    };
                    buf.advance(line_len);
                }
                State::Data(remaining) => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    if take == 0 {
                        return Ok(None);
                    }
                    let data = buf.split_to(take).freeze();
                    let remaining = remaining - take as u64;
                    self.state = if remaining == 0 {
                        State::DataEnd
                    } else {
                        State::Data(remaining)
                    };
                    return Ok(Some(Piece::Data(data)));
                }
                State::DataEnd => match buf.get(..2) {
                    Some(b"\r\n") => {
                        buf.advance(2);
                        self.state = State::Size;
                    }
                    Some(_) => return Err(ParseError::BadChunkData),
                    None if buf.first().is_some_and(|&b| b != b'\r') => {
                        return Err(ParseError::BadChunkData)
                    }
                    None => return Ok(None),
                },
                State::Trailers => {
                    let Some(line_len) = self.trailer_line(buf, limits)? else {
                        return Ok(None);
                    };
                    buf.advance(line_len);
                    if line_len == 2 {
                        self.state = State::Done;
                    }
                }
                State::Done => return Ok(Some(Piece::End)),
            }
        }
    }

    /// Parses the chunk-size line at the front of `buf`; returns its length with CRLF.
    fn size_line(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<usize>, ParseError> {
        let budget = limits
            .max_chunk_extensions
            .saturating_sub(self.extension_bytes);
        // Longest line that could still be valid: the digits, the extension bytes left
        // to this request, and the CR.
        let longest = MAX_SIZE_DIGITS + budget + 1;
        let Some(lf) = find_line_end(
            buf,
            longest,
            ParseError::ChunkExtensionsTooLarge {
                limit: limits.max_chunk_extensions,
            },
        )?
        else {
            return Ok(None);
        };
        let line = &buf[..lf - 1];
        let (size, extension_len) = parse_size_line(line)?;
        self.extension_bytes += extension_len;
        if self.extension_bytes > limits.max_chunk_extensions {
            return Err(ParseError::ChunkExtensionsTooLarge {
                limit: limits.max_chunk_extensions,
            });
        }
        if size > limits.max_body.saturating_sub(self.total) {
            return Err(ParseError::BodyTooLarge {
                limit: limits.max_body,
            });
        }
        self.total += size;
        self.state = if size == 0 {
            State::Trailers
        } else {
            State::Data(size)
        };
        Ok(Some(lf + 1))
    }

    /// Checks the trailer line at the front of `buf`; returns its length with CRLF
    /// (2 for the empty line that ends the body).
    fn trailer_line(&mut self, buf: &[u8], limits: &Limits) -> Result<Option<usize>, ParseError> {
        let too_large = ParseError::TrailersTooLarge {
            limit: limits.max_trailers,
        };
        let budget = limits.max_trailers.saturating_sub(self.trailer_bytes);
        let Some(lf) = find_line_end(buf, budget.saturating_sub(1), too_large)? else {
            return Ok(None);
        };
        self.trailer_bytes += lf + 1;
        let line = &buf[..lf - 1];
        if line.is_empty() {
            return Ok(Some(2));
        }
        self.trailer_fields += 1;
        if self.trailer_fields > MAX_TRAILER_FIELDS {
            return Err(too_large);
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ParseError::BadTrailer)?;
        let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
        if !is_token(name) || !value.iter().all(|&b| is_field_value_byte(b)) {
            return Err(ParseError::BadTrailer);
        }
        Ok(Some(lf + 1))
    }
}

/// The index of the LF ending the line at the front of `buf`, which must be preceded
/// by CR (chunk lines need CRLF, row F15). `Ok(None)` while the line is incomplete;
/// `too_long` once the LF would sit past index `longest`, whether or not it has arrived.
fn find_line_end(
    buf: &[u8],
    longest: usize,
    too_long: ParseError,
) -> Result<Option<usize>, ParseError> {
    let window = &buf[..buf.len().min(longest.saturating_add(1))];
    match window.iter().position(|&b| b == b'\n') {
        Some(0) => Err(ParseError::BareLf),
        Some(lf) if buf[lf - 1] != b'\r' => Err(ParseError::BareLf),
        Some(lf) => Ok(Some(lf)),
        None if buf.len() > longest => Err(too_long),
        None => Ok(None),
    }
}

/// Parses `chunk-size [BWS chunk-ext]` (RFC 9112 §7.1, §7.1.1); returns the size and the
/// number of bytes after the digits, which count against the extension limit.
///
/// httparse's `parse_chunk_size` reads an empty size as 0 and accepts `5 ` and NUL in
/// extensions (http-garden trophy #17), so the grammar is checked here instead.
fn parse_size_line(line: &[u8]) -> Result<(u64, usize), ParseError> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > MAX_SIZE_DIGITS {
        return Err(ParseError::BadChunkSize);
    }
    let size = line[..digits]
        .iter()
        .fold(0u64, |n, &d| (n << 4) | hex_value(d));
    let rest = &line[digits..];
    if rest.is_empty() {
        return Ok((size, 0));
    }
    // Whitespace after the size is only allowed as BWS before an extension (row F9).
    let ws = rest.iter().take_while(|&&b| is_ows(b)).count();
    if rest.get(ws) != Some(&b';') {
        return Err(ParseError::BadChunkSize);
    }
    parse_extensions(&rest[ws..])?;
    Ok((size, rest.len()))
}

/// Checks `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`, where `s`
/// starts at the first `;`. Extensions are then ignored, as RFC 9112 §7.1.1 requires.
fn parse_extensions(s: &[u8]) -> Result<(), ParseError> {
    let err = ParseError::BadChunkExtension;
    let mut i = 0;
    while i < s.len() {
        if s[i] != b';' {
            return Err(err);
        }
        i = skip_ows(s, i + 1);
        let name_len = s[i..].iter().take_while(|&&b| is_tchar(b)).count();
        if name_len == 0 {
            return Err(err);
        }
        i = skip_ows(s, i + name_len);
        if s.get(i) == Some(&b'=') {
            i = skip_ows(s, i + 1);
            i = if s.get(i) == Some(&b'"') {
                skip_quoted_string(s, i).ok_or(err)?
            } else {
                let value_len = s[i..].iter().take_while(|&&b| is_tchar(b)).count();
                if value_len == 0 {
                    return Err(err);
                }
                i + value_len
            };
            i = skip_ows(s, i);
        }
    }
    Ok(())
}

/// The index after the OWS starting at `i`.
fn skip_ows(s: &[u8], i: usize) -> usize {
    i + s
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| is_ows(b))
        .count()
}

/// The index after the quoted-string starting (at its `"`) at `start`, or `None` if it
/// is unterminated or holds a control character (RFC 9110 §5.6.4).
fn skip_quoted_string(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *s.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => {
                let escaped = *s.get(i + 1)?;
                if !is_field_value_byte(escaped) {
                    return None;
                }
                i += 2;
            }
            b if is_field_value_byte(b) => i += 1,
            _ => return None,
        }
    }
}

/// The value of an ASCII hex digit (callers check `is_ascii_hexdigit` first).
fn hex_value(d: u8) -> u64 {
    u64::from(match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        _ => d.wrapping_sub(b'A').wrapping_add(10) & 0x0f,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_lines() {
        assert_eq!(parse_size_line(b"0"), Ok((0, 0)));
        assert_eq!(parse_size_line(b"1a"), Ok((26, 0)));
        assert_eq!(parse_size_line(b"FFFFFFFFFFFFFFFF"), Ok((u64::MAX, 0)));
        assert_eq!(parse_size_line(b"0005;a=b"), Ok((5, 4)));
        assert_eq!(parse_size_line(b"5 ; a = \"x y\" ;b"), Ok((5, 15)));
        assert_eq!(parse_size_line(b"5;a=\"q\\\"t\""), Ok((5, 9)));
        for bad in [
            &b""[..],
            b" 5",
            b"5 ",
            b"0x5",
            b"-1",
            b"+1",
            b"1_0",
            b"1 0",
            b"10000000000000000",
            b"5\r",
            b"5\x00",
        ] {
            assert_eq!(
                parse_size_line(bad),
                Err(ParseError::BadChunkSize),
                "{bad:?}"
            );
        }
        for bad in [
            &b"5;"[..],
            b"5; ",
            b"5;;a",
            b"5;a\x00b",
            b"5;a=",
            b"5;a=\"x",
            b"5;a=\"x\x01\"",
            b"5;a=b c",
            b"5;=b",
            b"5;a\rb",
            b"5;a=\"x\"y",
        ] {
            assert_eq!(
                parse_size_line(bad),
                Err(ParseError::BadChunkExtension),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hex_values() {
        for (d, v) in [
            (b'0', 0),
            (b'9', 9),
            (b'a', 10),
            (b'f', 15),
            (b'A', 10),
            (b'F', 15),
        ] {
            assert_eq!(hex_value(d), v);
        }
    }
}
