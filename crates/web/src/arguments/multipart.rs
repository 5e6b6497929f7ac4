//! `multipart/form-data` parsing over a fully buffered body (Tornado's `parse_multipart_form_data`).
//!
//! The body is already in memory (the server buffers it up to its size
//! limit), so this is a hand-written parser over the byte slice rather than
//! one of the multipart crates: those are built around async streams and
//! pull in an executor, which buys nothing for a buffered body. File bodies
//! are zero-copy slices of the request body (`Bytes::slice`).
//!
//! The algorithm is Tornado's, step for step, so that the same bodies are
//! accepted and rejected:
//!
//! 1. Find the **last** `--BOUNDARY--`; without it the body is invalid.
//!    Everything after it (the epilogue) is ignored.
//! 2. Split what precedes it on `--BOUNDARY\r\n`. Each piece is a part; the
//!    piece before the first delimiter (the preamble) is a part too, and is
//!    skipped only when empty. The number of pieces is checked against
//!    `max_parts` before any part is looked at.
//! 3. Each non-empty piece needs `\r\n\r\n` (else "missing headers"), a
//!    header block of at most `max_part_header_size` bytes, valid UTF-8
//!    headers, `Content-Disposition: form-data`, a trailing `\r\n` and a
//!    non-empty `name`; any failure rejects the whole body (Tornado ≥ 6.5.5
//!    raises instead of the older log-and-skip).
//! 4. The value is the piece between the blank line and its final `\r\n`.
//!    A non-empty `filename` makes it a file (Content-Type defaulting to
//!    `application/unknown`), otherwise a field.

use bytes::Bytes;
use memchr::memmem;

use super::header::{parse_header, PartHeaders};
use super::text::{decode_utf8, py_strip};
use super::{ArgumentError, Arguments, BodyLimits, FileUpload};

fn invalid(detail: impl Into<String>) -> ArgumentError {
    ArgumentError::InvalidMultipart(detail.into())
}

/// Extracts the boundary from a `multipart/form-data` Content-Type like
/// `parse_body_arguments`: the type must be exactly `multipart/form-data`
/// before the first `;` (after stripping), and the first `boundary=` field
/// with a non-empty value wins. Quotes are removed later, by the parser.
pub(crate) fn boundary_from_content_type(content_type: &str) -> Result<&str, ArgumentError> {
    let mut fields = content_type.split(';');
    if fields.next().map(py_strip) != Some("multipart/form-data") {
        return Err(invalid("Invalid content type"));
    }
    content_type
        .split(';')
        .filter_map(|field| py_strip(field).split_once('='))
        .find(|(k, v)| *k == "boundary" && !v.is_empty())
        .map(|(_, v)| v)
        .ok_or_else(|| invalid("multipart boundary not found"))
}

/// Parses a multipart body with the given boundary (possibly quoted).
pub(crate) fn parse_multipart(
    boundary: &[u8],
    body: &Bytes,
    limits: &BodyLimits,
) -> Result<(Arguments, Vec<(String, FileUpload)>), ArgumentError> {
    // A quoted boundary loses its quotes (no backslash unescaping, as Tornado).
    let boundary = if boundary.starts_with(b"\"") && boundary.ends_with(b"\"") {
        boundary
            .get(1..boundary.len().saturating_sub(1))
            .unwrap_or(b"")
    } else {
        boundary
    };
    let data: &[u8] = body;

    let final_delim = [b"--", boundary, b"--"].concat();
    let end =
        memmem::rfind(data, &final_delim).ok_or_else(|| invalid("no final boundary found"))?;
    let head = &data[..end];

    // Split on "--BOUNDARY\r\n", stopping once the limit is known to be exceeded.
    let delim = [b"--", boundary, b"\r\n"].concat();
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for pos in memmem::find_iter(head, &delim) {
        pieces.push((start, pos));
        start = pos + delim.len();
        if pieces.len() > limits.max_parts {
            break;
        }
    }
    pieces.push((start, head.len()));
    if pieces.len() > limits.max_parts {
        return Err(ArgumentError::TooManyParts {
            limit: limits.max_parts,
        });
    }

    let mut arguments = Vec::new();
    let mut files = Vec::new();
    // Undecodable field values are reported after the structure is validated,
    // so a malformed body gets the multipart error, as in Tornado.
    let mut bad_value: Option<ArgumentError> = None;
    for (pstart, pend) in pieces {
        let part = &data[pstart..pend];
        if part.is_empty() {
            continue;
        }
        let eoh = memmem::find(part, b"\r\n\r\n")
            .ok_or_else(|| invalid("multipart/form-data missing headers"))?;
        if eoh > limits.max_part_header_size {
            return Err(ArgumentError::PartHeaderTooLarge {
                limit: limits.max_part_header_size,
            });
        }
        let header_text = std::str::from_utf8(&part[..eoh])
            .map_err(|e| invalid(format!("part headers are not valid UTF-8: {e}")))?;
        let headers = PartHeaders::parse(header_text).map_err(invalid)?;
        let disposition = parse_header(&headers.get("Content-Disposition").unwrap_or_default())
            .map_err(invalid)?;
        if disposition.key != "form-data" || !part.ends_with(b"\r\n") {
            return Err(invalid("Invalid multipart/form-data"));
        }
        // Python's part[eoh + 4:-2] is empty when the slice bounds cross.
        let vstart = pstart + eoh + 4;
        let vend = (pend - 2).max(vstart);
        let name = match disposition.param("name") {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => return Err(invalid("multipart/form-data missing name")),
        };
        match disposition.param("filename") {
            Some(filename) if !filename.is_empty() => {
                let content_type = headers
                    .get("Content-Type")
                    .unwrap_or_else(|| "application/unknown".to_string());
                files.push((
                    name,
                    FileUpload {
                        filename: filename.to_string(),
                        content_type,
                        body: body.slice(vstart..vend),
                    },
                ));
            }
            _ => match decode_utf8(&name, data[vstart..vend].to_vec()) {
                Ok(value) => arguments.push((name, value)),
                Err(e) => {
                    bad_value.get_or_insert(e);
                }
            },
        }
    }
    match bad_value {
        Some(e) => Err(e),
        None => Ok((arguments, files)),
    }
}
