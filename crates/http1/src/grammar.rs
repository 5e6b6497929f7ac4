//! Character classes and small grammars of RFC 9110 / RFC 3986 shared by the decoder.

/// `tchar` (RFC 9110 §5.6.2): the characters of methods, header names and codings.
pub(crate) const fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// `is_tchar` as a table: one load per byte on the response path.
pub(crate) const TCHAR: [bool; 256] = alphanumeric_and(b"!#$%&'*+-.^_`|~");

/// A byte-class table: ASCII letters and digits, and `extra`.
const fn alphanumeric_and(extra: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = (i as u8).is_ascii_alphanumeric();
        i += 1;
    }
    let mut j = 0;
    while j < extra.len() {
        table[extra[j] as usize] = true;
        j += 1;
    }
    table
}

/// `token = 1*tchar`.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().fold(true, |ok, &b| ok & is_tchar(b))
}

/// A byte allowed inside a field value: HTAB, SP, VCHAR and obs-text (RFC 9110 §5.5).
/// NUL, CR, LF, the other controls and DEL are not.
pub(crate) const fn is_field_value_byte(b: u8) -> bool {
    b == b'\t' || (b >= b' ' && b != 0x7f)
}

/// `is_field_value_byte` as a table, for `const` checks.
pub(crate) const FIELD_VALUE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = is_field_value_byte(i as u8);
        i += 1;
    }
    table
};

/// Whether every byte of `s` may appear in a field value (no early exit: the loop
/// vectorizes, and values are short).
pub(crate) fn is_field_value(s: &[u8]) -> bool {
    s.iter().fold(true, |ok, &b| ok & is_field_value_byte(b))
}

/// Whether `b` is optional whitespace (`OWS`/`BWS`: SP or HTAB).
pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `s` without leading and trailing OWS.
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_ows(b)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// Whether the comma-separated list `value` holds `token`, compared case-insensitively
/// (the `Connection` grammar, RFC 9110 §7.6.1).
pub(crate) fn list_contains(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|item| trim_ows(item).eq_ignore_ascii_case(token.as_bytes()))
}

/// Whether `b` may appear in a request target. Raw `#` (a fragment is never sent,
/// RFC 9112 §3.2), controls, SP, DEL and non-ASCII are refused (row R8). Other visible
/// ASCII is allowed even where RFC 3986 would want it percent-encoded (`|`, `{`, `"`),
/// as nginx does, because real clients send those and they cannot change framing.
pub(crate) fn is_target_byte(b: u8) -> bool {
    (b'!'..=b'~').contains(&b) && b != b'#'
}

/// Whether `s` is a valid `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2), the
/// value of a Host header or the authority of an absolute-form target.
///
/// Userinfo (`@`), paths, commas (a sign of two merged Host lines), whitespace and any
/// other character outside `reg-name` are refused (row R9).
pub(crate) fn is_valid_authority(s: &[u8]) -> bool {
    let port = if let Some(rest) = s.strip_prefix(b"[") {
        // IP-literal: hex digits, colons and dots (IPv6, IPv4-mapped), then `]`.
        let Some(close) = rest.iter().position(|&b| b == b']') else {
            return false;
        };
        let literal = &rest[..close];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match &rest[close + 1..] {
            [] => return true,
            [b':', port @ ..] => port,
            _ => return false,
        }
    } else {
        // One pass: `:` is not a reg-name byte, so the first byte that is not one must
        // be the port's colon (or the host is invalid).
        let host_len = s
            .iter()
            .position(|&b| !is_reg_name_byte(b))
            .unwrap_or(s.len());
        if host_len == 0 {
            return false;
        }
        match &s[host_len..] {
            [] => return true,
            [b':', port @ ..] => port,
            _ => return false,
        }
    };
    port.len() <= 5 && port.iter().all(u8::is_ascii_digit)
}

/// `reg-name` characters: unreserved, `%` of pct-encoded, and sub-delims except `,`.
fn is_reg_name_byte(b: u8) -> bool {
    REG_NAME[usize::from(b)]
}

/// `is_reg_name_byte` as a table: every request's Host is checked byte by byte.
const REG_NAME: [bool; 256] = alphanumeric_and(b"-._~%!$&'()*+;=");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_accepts_hosts_and_ports() {
        for ok in [
            &b"example.com"[..],
            b"example.com:8080",
            b"127.0.0.1",
            b"[::1]",
            b"[::1]:80",
            b"localhost:",
            b"a-b_c~d",
        ] {
            assert!(is_valid_authority(ok), "{:?}", String::from_utf8_lossy(ok));
        }
    }

    #[test]
    fn authority_rejects_userinfo_paths_and_garbage() {
        for bad in [
            &b""[..],
            b":80",
            b"user@host",
            b"host/path",
            b"a,b",
            b"a b",
            b"a\tb",
            b"host:80:90",
            b"host:8x",
            b"host:123456",
            b"[::1",
            b"[]",
            b"[::1]x",
            b"[zz]",
            b"h\xc3\xa9",
            b"host?q",
            b"host#f",
            b"ho\\st",
        ] {
            assert!(
                !is_valid_authority(bad),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn trims_and_lists() {
        assert_eq!(trim_ows(b" \t a b \t"), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
        assert!(list_contains(b"keep-alive, Close", "close"));
        assert!(!list_contains(b"closed", "close"));
    }

    #[test]
    fn field_value_bytes() {
        assert!(is_field_value_byte(b'\t'));
        assert!(is_field_value_byte(0xff));
        assert!(!is_field_value_byte(0));
        assert!(!is_field_value_byte(0x7f));
        assert!(!is_field_value_byte(b'\r'));
        assert!(!is_field_value_byte(0x0b));
    }
}
