//! The Host header check, with a per-thread memo of the last value found valid.

use std::cell::RefCell;

use crate::grammar::is_valid_authority;

/// Longest Host value remembered; longer ones are checked every time.
const MEMO_MAX: usize = 64;

/// The last valid Host value a thread checked. A client sends the same Host on every
/// request of a connection, and most clients of a service send the same one: comparing
/// costs less than checking again (the check was 112 instructions of a pipelined hello
/// request, the compare about 30).
struct HostMemo {
    len: usize,
    bytes: [u8; MEMO_MAX],
}

thread_local! {
    static LAST_VALID: RefCell<HostMemo> = const {
        RefCell::new(HostMemo { len: 0, bytes: [0; MEMO_MAX] })
    };
}

/// Whether `value` is a valid Host: [`is_valid_authority`], answered from the memo when
/// `value` is the last valid Host this thread saw. Only valid values enter the memo, so
/// the answer is always the check's.
pub(crate) fn is_valid_host(value: &[u8]) -> bool {
    // `try_with`: while the thread exits, the memo may be gone; the check still answers.
    LAST_VALID
        .try_with(|memo| memo.borrow_mut().check(value))
        .unwrap_or_else(|_| is_valid_authority(value))
}

impl HostMemo {
    /// `is_valid_authority(value)`, from the memo when `value` is the remembered one.
    fn check(&mut self, value: &[u8]) -> bool {
        // An empty value is never remembered (and never valid): `len` 0 means no memo.
        if !value.is_empty() && self.len == value.len() && self.bytes[..self.len] == *value {
            return true;
        }
        let valid = is_valid_authority(value);
        if valid && value.len() <= MEMO_MAX {
            self.bytes[..value.len()].copy_from_slice(value);
            self.len = value.len();
        }
        valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo never changes an answer, whatever order values come in.
    #[test]
    fn answers_are_the_checks_in_any_order() {
        let long = "h".repeat(MEMO_MAX + 1);
        let values: [&[u8]; 9] = [
            b"example.com",
            b"example.com",
            b"example.com:80",
            b"",
            b"exa mple.com",
            b"example.com",
            long.as_bytes(),
            long.as_bytes(),
            b"a,b",
        ];
        for _ in 0..2 {
            for value in values {
                assert_eq!(is_valid_host(value), is_valid_authority(value), "{value:?}");
            }
        }
    }

    /// A remembered value does not make a longer or shorter one with the same start valid.
    #[test]
    fn only_the_whole_value_matches() {
        assert!(is_valid_host(b"example.com"));
        assert!(!is_valid_host(b"example.com@evil"));
        assert!(!is_valid_host(b"example.co m"));
        assert!(is_valid_host(b"example.co"));
    }
}
