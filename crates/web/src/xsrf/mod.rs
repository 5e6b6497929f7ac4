//! XSRF tokens in Tornado's formats: reading a cookie or submitted token, masking a token.
//!
//! Pure functions over strings and bytes (the clock and the random mask are arguments),
//! byte-compatible with Tornado 6.6.1, so a Typhoon application and a Tornado one on the
//! same domain accept each other's `_xsrf` cookies and form tokens. The request-side
//! methods are [`Handler::xsrf_token`](crate::Handler::xsrf_token),
//! [`Handler::xsrf_form_html`](crate::Handler::xsrf_form_html) and
//! [`Handler::check_xsrf_cookie`](crate::Handler::check_xsrf_cookie).
//!
//! - Version 2 (the default): `2|<hex mask>|<hex(token XOR mask)>|<unix time>`, with a
//!   fresh 4-byte mask on every request, so the token in a compressed page changes every
//!   time (the BREACH defence).
//! - Version 1: the token's 16 bytes in hex, read as Tornado reads it (a value that is not
//!   hex is the token itself).
//!
//! ```
//! use typhoon_web::xsrf::{decode_xsrf_token, TokenVersion};
//!
//! let (version, raw) = decode_xsrf_token("2|0102feff|a1a35c5c|1700000000", 0).unwrap();
//! assert_eq!(version, TokenVersion::V2);
//! assert_eq!(raw.token, [0xa0, 0xa1, 0xa2, 0xa3]);
//! assert_eq!(raw.timestamp, 1_700_000_000);
//! // The same token under another mask: a different string, the same token.
//! let again = raw.masked([0, 0, 0, 0]);
//! assert_eq!(again, "2|00000000|a0a1a2a3|1700000000");
//! assert!(raw.matches(&decode_xsrf_token(&again, 0).unwrap().1));
//! ```

#[cfg(test)]
mod tests;

use subtle::ConstantTimeEq;

use crate::arguments::text::py_strip;

/// The format of an XSRF token (Tornado's `xsrf_cookie_version`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenVersion {
    /// The bare token in hex; the same string on every request.
    V1,
    /// `2|mask|masked token|timestamp`, masked anew on every request.
    #[default]
    V2,
}

/// A token as Tornado keeps it before masking (its "raw xsrf token"): the secret bytes
/// and when they were made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawToken {
    /// The secret: 16 random bytes for tokens Typhoon or Tornado made, whatever a
    /// version-1 value held otherwise.
    pub token: Vec<u8>,
    /// When the token was made, in Unix seconds (for a version-1 value, which carries no
    /// time, when it was read).
    pub timestamp: i64,
}

impl RawToken {
    /// The version-2 form of the token under `mask`:
    /// `2|<hex mask>|<hex(token XOR mask)>|<timestamp>`, as Tornado writes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::xsrf::RawToken;
    ///
    /// let raw = RawToken { token: vec![0xa0, 0xa1, 0xa2, 0xa3, 0xa4], timestamp: 5 };
    /// assert_eq!(raw.masked([1, 2, 0xfe, 0xff]), "2|0102feff|a1a35c5ca5|5");
    /// ```
    pub fn masked(&self, mask: [u8; 4]) -> String {
        format!(
            "2|{}|{}|{}",
            hex::encode(mask),
            hex::encode(apply_mask(mask, &self.token)),
            self.timestamp
        )
    }

    /// The version-1 form of the token: its bytes in lowercase hex.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::xsrf::RawToken;
    ///
    /// let raw = RawToken { token: vec![0xa0, 0x01], timestamp: 5 };
    /// assert_eq!(raw.unmasked(), "a001");
    /// ```
    pub fn unmasked(&self) -> String {
        hex::encode(&self.token)
    }

    /// The token in `version`'s form; `mask` is used by version 2 only.
    pub fn encode(&self, version: TokenVersion, mask: [u8; 4]) -> String {
        match version {
            TokenVersion::V1 => self.unmasked(),
            TokenVersion::V2 => self.masked(mask),
        }
    }

    /// Whether the two hold the same secret, compared in constant time (Tornado's
    /// `hmac.compare_digest`); the timestamps do not matter.
    pub fn matches(&self, other: &RawToken) -> bool {
        bool::from(self.token.ct_eq(&other.token))
    }
}

/// The hidden form field that carries `token` (Tornado's `xsrf_form_html`): always named
/// `_xsrf`, whatever the cookie is called, the value HTML-escaped.
///
/// # Examples
///
/// ```
/// use typhoon_web::xsrf::form_html;
///
/// assert_eq!(form_html("2|00|ab|1"), r#"<input type="hidden" name="_xsrf" value="2|00|ab|1"/>"#);
/// ```
pub fn form_html(token: &str) -> String {
    format!(
        r#"<input type="hidden" name="_xsrf" value="{}"/>"#,
        crate::escape::xhtml_escape(token)
    )
}

/// Reads a cookie or submitted token as Tornado's `_decode_xsrf_token` does; `None` when
/// it cannot be read (Tornado's `(None, None, None)`). `now_unix` is the timestamp given
/// to version-1 values.
///
/// A value starting `<digits>|` is versioned: version 2 must be exactly
/// `2|<8 hex digits>|<hex>|<integer>`, and other versions are refused. Any other value is
/// version 1: its bytes decoded from hex, or, when they are not hex, the value itself.
///
/// # Examples
///
/// ```
/// use typhoon_web::xsrf::{decode_xsrf_token, TokenVersion};
///
/// let (version, raw) = decode_xsrf_token("a0a1", 99).unwrap();
/// assert_eq!((version, raw.token, raw.timestamp), (TokenVersion::V1, vec![0xa0, 0xa1], 99));
/// assert_eq!(decode_xsrf_token("hello", 99).unwrap().1.token, b"hello");
/// assert!(decode_xsrf_token("3|anything", 99).is_none());
/// assert!(decode_xsrf_token("2|0102|a1a2|17", 99).is_none(), "the mask is 4 bytes");
/// ```
pub fn decode_xsrf_token(value: &str, now_unix: i64) -> Option<(TokenVersion, RawToken)> {
    match version_prefix(value) {
        Some("2") => decode_v2(value).map(|raw| (TokenVersion::V2, raw)),
        Some(_) => None,
        None => {
            let token = hex::decode(value).unwrap_or_else(|_| value.as_bytes().to_vec());
            let raw = RawToken {
                token,
                timestamp: now_unix,
            };
            Some((TokenVersion::V1, raw))
        }
    }
}

/// The version digits of a versioned value: what Tornado's `^([1-9][0-9]*)\|(.*)$`
/// captures first. As in Python's `re`, `.` stops at a newline and `$` also matches
/// before a final one.
fn version_prefix(value: &str) -> Option<&str> {
    let (digits, rest) = value.split_once('|')?;
    let versioned = digits.starts_with(|c: char| matches!(c, '1'..='9'))
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !rest.strip_suffix('\n').unwrap_or(rest).contains('\n');
    versioned.then_some(digits)
}

/// `2|mask|masked|timestamp`, each part checked as Tornado's `binascii` and `int` do.
fn decode_v2(value: &str) -> Option<RawToken> {
    let mut parts = value.split('|');
    let (_, mask, masked, timestamp) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mask: [u8; 4] = hex::decode(mask).ok()?.try_into().ok()?;
    let token = apply_mask(mask, &hex::decode(masked).ok()?);
    Some(RawToken {
        token,
        timestamp: parse_py_int(timestamp)?,
    })
}

/// XORs `data` with `mask` repeated (RFC 6455 masking, which Tornado reuses here).
fn apply_mask(mask: [u8; 4], data: &[u8]) -> Vec<u8> {
    data.iter()
        .zip(mask.iter().cycle())
        .map(|(b, m)| b ^ m)
        .collect()
}

/// Python's `int(text)` in base 10: surrounding whitespace, a sign, and single
/// underscores between digits allowed. (Python also takes non-ASCII digits; those, and
/// values beyond `i64`, are refused here, which only makes a new token.)
fn parse_py_int(text: &str) -> Option<i64> {
    let text = py_strip(text);
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let well_formed = digits
        .split('_')
        .all(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return None;
    }
    let value: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -value } else { value })
}
