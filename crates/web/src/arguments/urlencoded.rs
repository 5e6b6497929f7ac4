//! Query-string and `application/x-www-form-urlencoded` parsing (Tornado's `parse_qs_bytes`).

use super::text::{decode_name, decode_utf8};
use super::{ArgumentError, Arguments, DEFAULT_MAX_ARGUMENTS};

/// Parses a query string or an `application/x-www-form-urlencoded` body like
/// Tornado's `parse_qs_bytes(qs, keep_blank_values=True)`:
///
/// * fields are separated by `&` only (not `;`); empty fields are skipped;
/// * the name ends at the first `=`; a field without `=` is a name with an
///   empty value; blank values are kept;
/// * `+` is a space, then `%XX` is decoded (a malformed escape stays literal);
/// * values must be UTF-8 (else [`ArgumentError::BadArgument`]); names that
///   are not UTF-8 are read as latin-1, as Tornado reads all names.
///
/// At most [`DEFAULT_MAX_ARGUMENTS`] fields are accepted (Tornado 6.6.1 applies
/// the same limit to query strings); see [`parse_query_with_limit`].
///
/// ```
/// use typhoon_web::arguments::parse_query;
/// let args = parse_query(b"a=1+2&b&c=&&d=%41%zz&=e").unwrap();
/// let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
/// assert_eq!(pairs, [("a", "1 2"), ("b", ""), ("c", ""), ("d", "A%zz"), ("", "e")]);
/// ```
pub fn parse_query(query: &[u8]) -> Result<Arguments, ArgumentError> {
    parse_query_with_limit(query, DEFAULT_MAX_ARGUMENTS)
}

/// [`parse_query`] with an explicit limit on the number of fields. As in
/// Python's `parse_qs`, the count is `1 + number of '&'` (empty fields
/// included), checked before parsing.
///
/// ```
/// use typhoon_web::arguments::{parse_query_with_limit, ArgumentError};
/// assert!(parse_query_with_limit(b"a=1&b=2", 2).is_ok());
/// assert_eq!(parse_query_with_limit(b"a=1&b=2&", 2), Err(ArgumentError::TooManyArguments { limit: 2 }));
/// assert!(parse_query_with_limit(b"", 0).unwrap().is_empty());
/// ```
pub fn parse_query_with_limit(
    query: &[u8],
    max_arguments: usize,
) -> Result<Arguments, ArgumentError> {
    let mut out = Vec::new();
    if query.is_empty() {
        return Ok(out);
    }
    let fields = memchr::memchr_iter(b'&', query).count().saturating_add(1);
    if fields > max_arguments {
        return Err(ArgumentError::TooManyArguments {
            limit: max_arguments,
        });
    }
    for field in query.split(|&b| b == b'&') {
        if field.is_empty() {
            continue;
        }
        let (name, value) = match memchr::memchr(b'=', field) {
            Some(i) => (&field[..i], &field[i + 1..]),
            None => (field, &b""[..]),
        };
        let name = decode_name(unquote_plus(name));
        let value = decode_utf8(&name, unquote_plus(value))?;
        out.push((name, value));
    }
    Ok(out)
}

/// `+` → space, then percent-decoding (`urllib.parse.unquote_to_bytes`).
fn unquote_plus(raw: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&spaced).collect()
}
