//! Tornado's automatic entity tag: the quoted hex SHA-1 of the body, with a per-shard
//! memo of the last small body so a service answering the same bytes hashes them once.

use std::cell::RefCell;

use sha1::{Digest, Sha1};
use typhoon_http1::{CheckedField, HeaderField};

/// Bodies up to this size are remembered: comparing them costs less than hashing them.
const MEMO_MAX: usize = 512;

/// A quoted SHA-1 entity tag, `"<40 hex digits>"`.
#[derive(Clone, Copy)]
pub(crate) struct Etag([u8; 42]);

impl Etag {
    /// The tag of `body`, computed.
    // Not inlined: inlined, the tag's 42 bytes were split into 42 scalars, and every
    // caller copied the memo's tag byte by byte (90 instructions per response).
    #[inline(never)]
    pub(crate) fn of(body: &[u8]) -> Self {
        // By hand: `write!("{:02x}")` per byte was 10% of a pipelined hello profile.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut tag = [b'"'; 42];
        for (i, byte) in Sha1::digest(body).into_iter().enumerate() {
            tag[1 + 2 * i] = HEX[usize::from(byte >> 4)];
            tag[2 + 2 * i] = HEX[usize::from(byte & 0xf)];
        }
        Self(tag)
    }

    pub(crate) fn as_str(&self) -> &str {
        debug_assert!(self.0.is_ascii());
        // SAFETY: `of` is the only constructor and writes only `"` and `0-9a-f`: ASCII,
        // so valid UTF-8. (`from_utf8` here was 1.3% of a pipelined hello profile.)
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

/// The `Etag` response header. Checked by construction: `of` writes only quotes and hex
/// digits, so the encoder need not look at it again.
impl HeaderField for Etag {
    fn name(&self) -> &str {
        "Etag"
    }
    fn value(&self) -> &str {
        self.as_str()
    }
    fn checked(&self) -> Option<CheckedField<'_>> {
        // SAFETY: a token name, and `of` writes only quotes and hex digits.
        Some(unsafe { CheckedField::new_unchecked("Etag", self.as_str()) })
    }
}

/// The last small body a shard tagged and its tag. Services often answer many requests
/// with the same bytes (a health check, a static fragment, a benchmark's hello): for
/// them a compare replaces the SHA-1 (3% of a pipelined hello profile).
#[derive(Default)]
pub(crate) struct EtagMemo {
    /// The body and its tag; no tag before the first small body.
    last: RefCell<(Vec<u8>, Option<Etag>)>,
}

impl EtagMemo {
    /// The tag of `body`, from the memo when it is the body tagged last.
    pub(crate) fn of(&self, body: &[u8]) -> Etag {
        if body.len() > MEMO_MAX {
            return Etag::of(body);
        }
        let mut last = self.last.borrow_mut();
        let (bytes, tag) = &mut *last;
        match *tag {
            Some(etag) if bytes[..] == *body => etag,
            _ => {
                let etag = Etag::of(body);
                bytes.clear();
                bytes.extend_from_slice(body);
                *tag = Some(etag);
                etag
            }
        }
    }
}

impl std::fmt::Debug for EtagMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtagMemo").finish_non_exhaustive()
    }
}

/// `If-None-Match` semantics (RFC 9110 §13.1.2, weak comparison, as Tornado): `*`, or any
/// listed tag equal to ours ignoring `W/`.
pub(crate) fn etag_matches(etag: &str, header: &str) -> bool {
    let ours = etag.trim_start_matches("W/");
    header.trim() == "*"
        || header
            .split(',')
            .any(|tag| tag.trim().trim_start_matches("W/") == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_is_weak_and_takes_lists() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"abc\"", "\"x\", \"abc\""));
        assert!(etag_matches("\"abc\"", "*"));
        assert!(!etag_matches("\"abc\"", "\"abd\""));
    }

    #[test]
    fn etag_is_the_quoted_hex_sha1() {
        // SHA-1 of `hello`, as Tornado sends it.
        let hello = "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"";
        assert_eq!(Etag::of(b"hello").as_str(), hello);
        assert_eq!(Etag::of(b"").as_str().len(), 42);
    }

    #[test]
    fn the_memo_answers_the_tag_of_each_body() {
        let memo = EtagMemo::default();
        let big = vec![b'x'; MEMO_MAX + 1];
        for body in [
            &b"hello"[..],
            b"hello",
            b"world",
            b"",
            b"hello",
            &big,
            b"world",
        ] {
            assert_eq!(memo.of(body).as_str(), Etag::of(body).as_str());
        }
    }
}
