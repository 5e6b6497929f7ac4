//! Small text helpers that reproduce Python semantics (`str.strip`, `bytes` repr, latin-1).

use super::ArgumentError;

/// Python's `str.isspace()`: Unicode White_Space plus the information
/// separators `\x1c`–`\x1f`, which Python also counts as whitespace.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\x1c'..='\x1f')
}

/// Python's `str.strip()` with no arguments.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Decodes bytes as latin-1 (every byte is the code point of the same value).
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Decodes an argument name. Tornado decodes urlencoded names as latin-1;
/// we use UTF-8 when it is valid (so non-ASCII names can be looked up) and
/// fall back to latin-1 otherwise, so a name never fails.
pub(crate) fn decode_name(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => latin1(e.as_bytes()),
    }
}

/// Decodes an argument value as UTF-8, or fails like Tornado's
/// `decode_argument` ("Invalid unicode in NAME: b'...'").
pub(crate) fn decode_utf8(name: &str, bytes: Vec<u8>) -> Result<String, ArgumentError> {
    String::from_utf8(bytes).map_err(|e| ArgumentError::BadArgument {
        name: name.to_string(),
        preview: py_bytes_repr(&e.as_bytes()[..e.as_bytes().len().min(40)]),
    })
}

/// Python's `repr(bytes)`, e.g. `b'a\xff'`.
pub(crate) fn py_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(bytes.len() + 3);
    out.push('b');
    out.push(quote);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if char::from(b) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}
