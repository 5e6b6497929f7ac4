//! A cached `Date` header value (RFC 9110 §6.6.1), refreshed by the caller's clock.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
const IMF_FIXDATE_LEN: usize = 29;

/// Last second httpdate can format (9999-12-31T23:59:59Z); it panics past it.
const LAST_FORMATTABLE_SECOND: u64 = 253_402_300_799;

/// The current date as a 29-byte IMF-fixdate, formatted once per second instead of once
/// per response. The codec never reads the clock: the server passes `now` in (a
/// per-shard timer in Typhoon), as hyper's per-thread cache does.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use typhoon_http1::DateCache;
///
/// let mut date = DateCache::new(UNIX_EPOCH + Duration::from_secs(784_111_777));
/// assert_eq!(date.as_bytes(), b"Sun, 06 Nov 1994 08:49:37 GMT");
/// date.update(UNIX_EPOCH + Duration::from_secs(784_111_778));
/// assert_eq!(date.as_bytes(), b"Sun, 06 Nov 1994 08:49:38 GMT");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DateCache {
    bytes: [u8; IMF_FIXDATE_LEN],
    /// The second `bytes` shows, so that `update` within it does no work.
    second: u64,
}

impl DateCache {
    /// A cache showing `now`. Times before 1970 show 1970 and times after 9999 show the
    /// last second of 9999, instead of panicking.
    pub fn new(now: SystemTime) -> Self {
        let mut cache = DateCache {
            bytes: [b' '; IMF_FIXDATE_LEN],
            second: u64::MAX,
        };
        cache.update(now);
        cache
    }

    /// Shows `now`; costs nothing when `now` is within the second already shown.
    pub fn update(&mut self, now: SystemTime) {
        let second = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .min(LAST_FORMATTABLE_SECOND);
        if second == self.second {
            return;
        }
        let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(second));
        let len = text.len().min(IMF_FIXDATE_LEN);
        self.bytes[..len].copy_from_slice(&text.as_bytes()[..len]);
        self.second = second;
    }

    /// The date, ready to be written as a `Date` header value.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_instead_of_panicking() {
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(
            DateCache::new(before).as_bytes(),
            b"Thu, 01 Jan 1970 00:00:00 GMT"
        );
        let after = UNIX_EPOCH + Duration::from_secs(LAST_FORMATTABLE_SECOND + 1000);
        assert_eq!(
            DateCache::new(after).as_bytes(),
            b"Fri, 31 Dec 9999 23:59:59 GMT"
        );
    }

    #[test]
    fn update_changes_with_the_second() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut cache = DateCache::new(t);
        let first = cache.as_bytes().to_vec();
        cache.update(t + Duration::from_millis(500));
        assert_eq!(cache.as_bytes(), &first[..]);
        cache.update(t + Duration::from_secs(1));
        assert_ne!(cache.as_bytes(), &first[..]);
        assert_eq!(cache.as_bytes(), b"Tue, 14 Nov 2023 22:13:21 GMT");
    }
}
