//! Request-target forms (RFC 9112 §3.2): origin, absolute and asterisk.

use crate::error::ParseError;
use crate::grammar::{is_target_byte, is_valid_authority};
use crate::method::Method;
use crate::request::Span;

/// The parts of a request target, as ranges into the head.
#[derive(Debug)]
pub(crate) struct TargetParts {
    /// `None` means `/` (absolute-form with an empty path).
    pub(crate) path: Option<Span>,
    pub(crate) query: Span,
    /// The authority of an absolute-form target.
    pub(crate) authority: Option<Span>,
}

/// Splits `target` (a slice of `head`) into path, query and authority.
///
/// # Errors
///
/// [`ParseError::BadTarget`] for raw `#`, controls or non-ASCII bytes (row R8), `*` with
/// a method other than OPTIONS, authority-form (only CONNECT uses it, and CONNECT is
/// already refused with 501), other schemes, and an absolute-form authority that is
/// empty or carries userinfo (rows R6–R7).
pub(crate) fn parse_target(
    head: &[u8],
    target: &[u8],
    method: Method,
) -> Result<TargetParts, ParseError> {
    if target.is_empty() || !target.iter().all(|&b| is_target_byte(b)) {
        return Err(ParseError::BadTarget);
    }
    if target == b"*" {
        if method != Method::Options {
            return Err(ParseError::BadTarget);
        }
        return Ok(TargetParts {
            path: Some(Span::of(head, target)),
            query: Span::default(),
            authority: None,
        });
    }
    if target.starts_with(b"/") {
        let (path, query) = split_query(target);
        return Ok(TargetParts {
            path: Some(Span::of(head, path)),
            query: Span::of(head, query),
            authority: None,
        });
    }
    let rest = strip_scheme(target).ok_or(ParseError::BadTarget)?;
    let authority_len = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_len);
    if !is_valid_authority(authority) {
        return Err(ParseError::BadTarget);
    }
    let (path, query) = split_query(path_and_query);
    Ok(TargetParts {
        path: (!path.is_empty()).then(|| Span::of(head, path)),
        query: Span::of(head, query),
        authority: Some(Span::of(head, authority)),
    })
}

/// `(before the first '?', after it)`; the query is empty (pointing at the end) if
/// there is no `?`.
fn split_query(s: &[u8]) -> (&[u8], &[u8]) {
    match s.iter().position(|&b| b == b'?') {
        Some(q) => (&s[..q], &s[q + 1..]),
        None => (s, &s[s.len()..]),
    }
}

/// What follows `http://` or `https://` (schemes are case-insensitive, RFC 3986 §3.1).
fn strip_scheme(target: &[u8]) -> Option<&[u8]> {
    for scheme in [&b"http://"[..], b"https://"] {
        if target.len() >= scheme.len() && target[..scheme.len()].eq_ignore_ascii_case(scheme) {
            return Some(&target[scheme.len()..]);
        }
    }
    None
}
