//! Tornado's signed values (`create_signed_value` / `decode_signed_value`, formats v1 and v2).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Seconds per day, as Tornado's `max_age_days * 86400`.
const DAY_SECS: f64 = 86_400.0;

/// Python's `base64.b64decode` accepts non-zero trailing bits (`6R==` decodes
/// like `6Q==`); Tornado never produces them, but a value it would accept must
/// not be refused here. Padding is still required, as in Python.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// The application's `cookie_secret`: one key, or versioned keys together with
/// the version used for signing (Tornado's dict `cookie_secret` + `key_version`).
///
/// With `Single`, the key-version field of a v2 value is written as `0` and
/// ignored when decoding. With `Versioned`, new values are signed with
/// `keys[current]` and decoding picks the key named in the value, so keys can
/// be rotated. Versioned secrets cannot decode v1 values (Tornado asserts).
///
/// ```
/// use std::collections::BTreeMap;
/// use typhoon_web::cookies::{create_signed_value, signature_key_version, Secret};
///
/// let keys = BTreeMap::from([(0, b"old key".to_vec()), (1, b"new key".to_vec())]);
/// let secret = Secret::Versioned { keys, current: 1 };
/// let signed = create_signed_value(&secret, "user", b"bob", 1_300_000_000);
/// assert_eq!(signature_key_version(&signed), Some(1));
/// assert_eq!(secret.signing_key(), Some((1, &b"new key"[..])));
/// ```
#[derive(Clone, Debug)]
pub enum Secret {
    /// A single key (Tornado: `cookie_secret` is a str/bytes).
    Single(Vec<u8>),
    /// Versioned keys (Tornado: `cookie_secret` is a dict).
    Versioned {
        /// Every key that is still accepted, by key version.
        keys: BTreeMap<u32, Vec<u8>>,
        /// The version whose key signs new values (Tornado's `key_version`).
        current: u32,
    },
}

impl Secret {
    /// The key version and key that [`create_signed_value`] signs with, or
    /// `None` for a `Versioned` secret whose `current` key is missing (check
    /// this once at startup to rule out the panic in [`create_signed_value`]).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use typhoon_web::cookies::Secret;
    ///
    /// assert_eq!(Secret::Single(b"k".to_vec()).signing_key(), Some((0, &b"k"[..])));
    /// let broken = Secret::Versioned { keys: BTreeMap::new(), current: 3 };
    /// assert_eq!(broken.signing_key(), None);
    /// ```
    pub fn signing_key(&self) -> Option<(u32, &[u8])> {
        match self {
            Secret::Single(key) => Some((0, key)),
            Secret::Versioned { keys, current } => {
                keys.get(current).map(|k| (*current, k.as_slice()))
            }
        }
    }

    /// The key that verifies a v2 value whose key-version field is `field`
    /// (already known to be all ASCII digits). A single secret ignores the
    /// field, as Tornado does.
    fn verifying_key(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Secret::Single(key) => Some(key),
            Secret::Versioned { keys, .. } => keys.get(&parse_u32(field)?).map(Vec::as_slice),
        }
    }
}

/// Tornado's `create_signed_value` with version 2 (the default):
/// `2|1:<kv>|<len>:<ts>|<len>:<name>|<len>:<b64(value)>|<hex hmac-sha256>`.
///
/// The output is byte-identical to Tornado's for the same secret, name, value
/// and timestamp, so Tornado's `decode_signed_value` accepts it. As in
/// Tornado, the `name` length prefix counts characters, not bytes, so a
/// non-ASCII name yields a value that neither Tornado nor
/// [`decode_signed_value`] will accept; use ASCII cookie names.
///
/// # Panics
///
/// If `secret` is `Versioned` and has no key for `current` (Tornado raises
/// `KeyError`); [`Secret::signing_key`] checks this up front.
///
/// ```
/// use typhoon_web::cookies::{create_signed_value, Secret};
///
/// let secret = Secret::Single(b"It's a secret to everybody".to_vec());
/// assert_eq!(
///     create_signed_value(&secret, "key", b"value", 1_300_000_000),
///     "2|1:0|10:1300000000|3:key|8:dmFsdWU=|\
///      3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152"
/// );
/// ```
pub fn create_signed_value(secret: &Secret, name: &str, value: &[u8], now_unix: u64) -> String {
    let Some((key_version, key)) = secret.signing_key() else {
        panic!("cookie secret has no key for the current key version");
    };
    let key_version = key_version.to_string();
    let timestamp = now_unix.to_string();
    let encoded = STANDARD.encode(value);
    let mut signed = String::from("2|");
    for (len, field) in [
        (key_version.len(), key_version.as_str()),
        (timestamp.len(), timestamp.as_str()),
        // Tornado measures the name with Python's len() on a str: code points.
        (name.chars().count(), name),
        (encoded.len(), encoded.as_str()),
    ] {
        // Writing to a String cannot fail.
        let _ = write!(signed, "{len}:{field}|");
    }
    let signature = hmac_sha256_hex(key, signed.as_bytes());
    signed.push_str(&signature);
    signed
}

/// Tornado's `create_signed_value` with `version=1` (HMAC-SHA1):
/// `<b64(value)>|<ts>|<hex hmac-sha1(name + b64 + ts)>`.
///
/// Only for compatibility with old clients and tests; v1 is weaker (the
/// signature has no delimiters between its parts) and has no key versions.
///
/// ```
/// use typhoon_web::cookies::create_signed_value_v1;
///
/// assert_eq!(
///     create_signed_value_v1(b"It's a secret to everybody", "key", b"value", 1_300_000_000),
///     "dmFsdWU=|1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f"
/// );
/// ```
pub fn create_signed_value_v1(secret: &[u8], name: &str, value: &[u8], now_unix: u64) -> String {
    let encoded = STANDARD.encode(value);
    let timestamp = now_unix.to_string();
    let signature = hmac_sha1_hex(
        secret,
        &[name.as_bytes(), encoded.as_bytes(), timestamp.as_bytes()],
    );
    format!("{encoded}|{timestamp}|{signature}")
}

/// Tornado's `decode_signed_value`: returns the signed bytes, or `None` when
/// the value must not be trusted.
///
/// The format is chosen by prefix as Tornado does (`<1-999>|...` is that
/// version, anything else is v1). `None` is returned when:
///
/// - the value is empty or malformed, or its version is not 1 or 2;
/// - its version is below `min_version` (or `min_version` is above 2, where
///   Tornado raises `ValueError`);
/// - the signature is wrong (compared in constant time);
/// - the signed name differs from `name`;
/// - the timestamp is more than `max_age_days` before `now_unix`;
/// - v2 only: the key version is not in a `Versioned` secret;
/// - v1 only: the secret is `Versioned`, or the timestamp is more than 31
///   days after `now_unix` or starts with `0` (v1 signatures let digits move
///   from the payload into the timestamp).
///
/// ```
/// use typhoon_web::cookies::{create_signed_value, decode_signed_value, Secret};
///
/// let secret = Secret::Single(b"secret".to_vec());
/// let signed = create_signed_value(&secret, "user", b"bob", 1_300_000_000);
/// let later = 1_300_000_000 + 31 * 86_400;
/// assert_eq!(decode_signed_value(&secret, "user", &signed, 31.0, later, 1), Some(b"bob".to_vec()));
/// assert_eq!(decode_signed_value(&secret, "user", &signed, 31.0, later + 1, 1), None);
/// assert_eq!(decode_signed_value(&secret, "other", &signed, 31.0, later, 1), None);
/// ```
pub fn decode_signed_value(
    secret: &Secret,
    name: &str,
    value: &str,
    max_age_days: f64,
    now_unix: u64,
    min_version: u8,
) -> Option<Vec<u8>> {
    if min_version > 2 || value.is_empty() {
        return None;
    }
    let value = value.as_bytes();
    let version = signed_value_version(value);
    if version < u32::from(min_version) {
        return None;
    }
    match (version, secret) {
        (1, Secret::Single(key)) => decode_v1(key, name, value, max_age_days, now_unix),
        (2, _) => decode_v2(secret, name, value, max_age_days, now_unix),
        _ => None,
    }
}

/// Tornado's `get_signature_key_version`: the key version recorded in a v2
/// value, or `None` for v1 values and malformed input. The signature is not
/// checked.
///
/// ```
/// use typhoon_web::cookies::signature_key_version;
///
/// let v2 = "2|1:1|10:1300000000|3:key|4:6Q==|75fed969da3a9a9d3f1a48f2e97dbc8a875c97fec091ae0b07c176494da223fc";
/// assert_eq!(signature_key_version(v2), Some(1));
/// assert_eq!(signature_key_version("dmFsdWU=|1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f"), None);
/// ```
pub fn signature_key_version(value: &str) -> Option<u32> {
    let value = value.as_bytes();
    if signed_value_version(value) < 2 {
        return None;
    }
    // Like Tornado, skip exactly two bytes ("2|") whatever the version was.
    let fields = split_v2_fields(value.get(2..)?)?;
    parse_u32(fields.key_version)
}

/// Tornado's `_get_version`: the regex `^([1-9][0-9]*)\|(.*)$` decides, and
/// numbers above 999 (which can be base64 payload) mean v1.
fn signed_value_version(value: &[u8]) -> u32 {
    let digits = value.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 3 || value[0] == b'0' || value.get(digits) != Some(&b'|') {
        return 1;
    }
    // Python's `.` stops at a newline and `$` also matches before one final
    // newline, so the rest may contain a newline only as its last byte.
    let rest = &value[digits + 1..];
    if let Some(pos) = rest.iter().position(|&b| b == b'\n') {
        if pos + 1 != rest.len() {
            return 1;
        }
    }
    value[..digits]
        .iter()
        .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
}

/// The length-prefixed fields of a v2 value (after the leading `2|`).
struct V2Fields<'a> {
    key_version: &'a [u8],
    timestamp: &'a [u8],
    name: &'a [u8],
    value: &'a [u8],
    signature: &'a [u8],
}

/// Tornado's `_decode_fields_v2`. Length prefixes must be ASCII digits (Tornado
/// uses Python's more permissive `int()`; Tornado itself never writes signs,
/// spaces or underscores there), and the key version must be a number.
fn split_v2_fields(rest: &[u8]) -> Option<V2Fields<'_>> {
    let (key_version, rest) = consume_field(rest)?;
    let (timestamp, rest) = consume_field(rest)?;
    let (name, rest) = consume_field(rest)?;
    let (value, signature) = consume_field(rest)?;
    if !is_digits(key_version) {
        return None;
    }
    Some(V2Fields {
        key_version,
        timestamp,
        name,
        value,
        signature,
    })
}

/// One `<len>:<bytes>|` field: returns the bytes and what follows the pipe.
fn consume_field(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = s.iter().position(|&b| b == b':')?;
    let (len, rest) = (&s[..colon], &s[colon + 1..]);
    if !is_digits(len) {
        return None;
    }
    let n = parse_usize(len)?;
    if rest.get(n) != Some(&b'|') {
        return None;
    }
    Some((&rest[..n], &rest[n + 1..]))
}

fn decode_v2(
    secret: &Secret,
    name: &str,
    value: &[u8],
    max_age_days: f64,
    now_unix: u64,
) -> Option<Vec<u8>> {
    let fields = split_v2_fields(value.get(2..)?)?;
    let key = secret.verifying_key(fields.key_version)?;
    // The signature covers everything before it, including the final pipe.
    let signed = &value[..value.len() - fields.signature.len()];
    let expected = hmac_sha256_hex(key, signed);
    if !bool::from(fields.signature.ct_eq(expected.as_bytes())) {
        return None;
    }
    if fields.name != name.as_bytes() {
        return None;
    }
    let timestamp = parse_timestamp(fields.timestamp)?;
    if is_expired(timestamp, max_age_days, now_unix) {
        return None;
    }
    LENIENT_B64.decode(fields.value).ok()
}

fn decode_v1(
    key: &[u8],
    name: &str,
    value: &[u8],
    max_age_days: f64,
    now_unix: u64,
) -> Option<Vec<u8>> {
    let mut parts = value.split(|&b| b == b'|');
    let (Some(payload), Some(ts), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let expected = hmac_sha1_hex(key, &[name.as_bytes(), payload, ts]);
    if !bool::from(signature.ct_eq(expected.as_bytes())) {
        return None;
    }
    let timestamp = parse_timestamp(ts)?;
    if is_expired(timestamp, max_age_days, now_unix) {
        return None;
    }
    // The v1 signature hashes name+payload+timestamp with no delimiters, so
    // trailing payload digits could be moved into the timestamp without
    // changing it; such values have a far-future timestamp, or one with a
    // leading zero.
    if timestamp as f64 > now_unix as f64 + 31.0 * DAY_SECS || ts.first() == Some(&b'0') {
        return None;
    }
    LENIENT_B64.decode(payload).ok()
}

/// Tornado's `timestamp < clock() - max_age_days * 86400`, in floating point
/// as Python evaluates it (a NaN `max_age_days` never expires, as in Python).
fn is_expired(timestamp: u64, max_age_days: f64, now_unix: u64) -> bool {
    (timestamp as f64) < now_unix as f64 - max_age_days * DAY_SECS
}

/// A decimal timestamp; absurdly long ones saturate (Python's integers are
/// unbounded, and such a timestamp is simply far in the future).
fn parse_timestamp(s: &[u8]) -> Option<u64> {
    if !is_digits(s) {
        return None;
    }
    Some(s.iter().fold(0u64, |n, &d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

fn is_digits(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(u8::is_ascii_digit)
}

fn parse_u32(s: &[u8]) -> Option<u32> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn parse_usize(s: &[u8]) -> Option<usize> {
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC takes keys of any length, so construction cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    to_hex(&mac.finalize().into_bytes())
}

fn hmac_sha1_hex(key: &[u8], parts: &[&[u8]]) -> String {
    // HMAC takes keys of any length, so construction cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    for part in parts {
        mac.update(part);
    }
    to_hex(&mac.finalize().into_bytes())
}

/// Lowercase hex, as Python's `hexdigest()`.
fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    const SECRET: &[u8] = b"It's a secret to everybody";
    const PRESENT: u64 = 1_300_000_000;

    #[test]
    fn known_values() {
        // From Tornado's SignedValueTest.test_known_values.
        let single = Secret::Single(SECRET.to_vec());
        let v1 = create_signed_value_v1(SECRET, "key", b"value", PRESENT);
        assert_eq!(
            v1,
            "dmFsdWU=|1300000000|31c934969f53e48164c50768b40cbd7e2daaaa4f"
        );
        let v2 = create_signed_value(&single, "key", b"value", PRESENT);
        assert_eq!(
            v2,
            "2|1:0|10:1300000000|3:key|8:dmFsdWU=|3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152"
        );
        assert_eq!(
            decode_signed_value(&single, "key", &v1, 31.0, PRESENT, 1),
            Some(b"value".to_vec())
        );
        assert_eq!(
            decode_signed_value(&single, "key", &v2, 31.0, PRESENT, 2),
            Some(b"value".to_vec())
        );
        assert_eq!(
            decode_signed_value(&single, "key", &v1, 31.0, PRESENT, 2),
            None
        );
    }

    #[test]
    fn name_swap_and_expiry() {
        let s = Secret::Single(SECRET.to_vec());
        let a = create_signed_value(&s, "key1", b"value", PRESENT);
        assert_eq!(decode_signed_value(&s, "key2", &a, 31.0, PRESENT, 1), None);
        let past = PRESENT - 86_400 * 32;
        let old = create_signed_value(&s, "key1", b"value", past);
        assert!(decode_signed_value(&s, "key1", &old, 31.0, past, 1).is_some());
        assert_eq!(
            decode_signed_value(&s, "key1", &old, 31.0, PRESENT, 1),
            None
        );
    }

    #[test]
    fn v1_digit_shifting_is_rejected() {
        // SecureCookieV1Test.test_cookie_tampering_future_timestamp.
        let secret = b"0123456789";
        let signed = create_signed_value_v1(
            secret,
            "foo",
            &[0xd7, 0x6d, 0xf8, 0xe7, 0xae, 0xfc],
            PRESENT,
        );
        let mut parts = signed.split('|');
        assert_eq!(parts.next(), Some("12345678"));
        let ts = parts.next().unwrap_or_default();
        let sig = parts.next().unwrap_or_default();
        // Shifting digits into the timestamp keeps the signature valid...
        assert_eq!(
            hmac_sha1_hex(secret, &[b"foo", b"1234", format!("5678{ts}").as_bytes()]),
            sig
        );
        // ...but the result is rejected as far in the future.
        let tampered = format!("1234|5678{ts}|{sig}");
        let s = Secret::Single(secret.to_vec());
        assert_eq!(
            decode_signed_value(&s, "foo", &tampered, 31.0, PRESENT, 1),
            None
        );
    }

    #[test]
    fn key_rotation() {
        // SecureCookieV2Test key-version cases.
        let keys = BTreeMap::from([
            (0, b"ajklasdf0ojaisdf".to_vec()),
            (1, b"aslkjasaolwkjsdf".to_vec()),
        ]);
        let old = Secret::Versioned {
            keys: keys.clone(),
            current: 0,
        };
        let new = Secret::Versioned {
            keys: keys.clone(),
            current: 1,
        };
        let signed = create_signed_value(&old, "foo", b"bar", PRESENT);
        assert_eq!(
            decode_signed_value(&new, "foo", &signed, 31.0, PRESENT, 1),
            Some(b"bar".to_vec())
        );
        let mut fewer = keys;
        fewer.remove(&0);
        let pruned = Secret::Versioned {
            keys: fewer,
            current: 1,
        };
        assert_eq!(
            decode_signed_value(&pruned, "foo", &signed, 31.0, PRESENT, 1),
            None
        );
        // A versioned secret never reads v1 (Tornado asserts).
        let v1 = create_signed_value_v1(b"ajklasdf0ojaisdf", "foo", b"bar", PRESENT);
        assert_eq!(
            decode_signed_value(&old, "foo", &v1, 31.0, PRESENT, 1),
            None
        );
    }

    #[test]
    fn version_detection() {
        assert_eq!(signed_value_version(b"2|x"), 2);
        assert_eq!(signed_value_version(b"2|x\n"), 2);
        assert_eq!(signed_value_version(b"2|x\ny"), 1);
        assert_eq!(signed_value_version(b"999|"), 999);
        assert_eq!(signed_value_version(b"1000|"), 1);
        assert_eq!(signed_value_version(b"02|"), 1);
        assert_eq!(signed_value_version(b"2"), 1);
        assert_eq!(signed_value_version(b""), 1);
    }

    #[test]
    fn min_version_above_two_rejects() {
        let s = Secret::Single(SECRET.to_vec());
        let v2 = create_signed_value(&s, "key", b"value", PRESENT);
        assert_eq!(decode_signed_value(&s, "key", &v2, 31.0, PRESENT, 3), None);
    }

    #[test]
    #[should_panic(expected = "no key for the current key version")]
    fn missing_current_key_panics() {
        let s = Secret::Versioned {
            keys: BTreeMap::new(),
            current: 1,
        };
        let _ = create_signed_value(&s, "k", b"v", PRESENT);
    }
}
