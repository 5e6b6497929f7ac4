//! `Spares`: a shard's response buffers kept between requests, so answering a request
//! allocates nothing in the common case.

use std::cell::RefCell;

use bytes::BytesMut;
use typhoon_http1::Field;

/// Response headers as the handler builds them, each checked once when set (so the
/// encoder need not check again); names and common values are static.
pub(crate) type Headers = Vec<Field<'static>>;

/// How many are kept: about the handlers a shard has in flight at once.
const KEEP: usize = 64;
/// Bodies larger than this are freed rather than kept, so one big answer does not pin
/// its memory for good.
const KEEP_BODY_CAPACITY: usize = 64 * 1024;

/// Cleared header vectors and body buffers of finished requests, per shard (each shard
/// has its own application state, so no locking). Kept in pairs, so a request takes and
/// gives back both with one look at the pool.
#[derive(Debug, Default)]
pub(crate) struct Spares {
    kept: RefCell<Vec<(Headers, BytesMut)>>,
}

impl Spares {
    /// An empty header vector and body buffer, with room from an earlier request when
    /// there is one.
    pub fn take(&self) -> (Headers, BytesMut) {
        self.kept.borrow_mut().pop().unwrap_or_default()
    }

    /// Keeps `headers` and `body` (cleared) for a later request; a large body's buffer
    /// is freed instead.
    pub fn keep(&self, mut headers: Headers, mut body: BytesMut) {
        if body.capacity() > KEEP_BODY_CAPACITY {
            body = BytesMut::new();
        }
        let mut kept = self.kept.borrow_mut();
        if kept.len() >= KEEP || headers.capacity() == 0 && body.capacity() == 0 {
            return; // full, or nothing worth keeping
        }
        headers.clear();
        body.clear();
        kept.push((headers, body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_with_their_room() {
        let spares = Spares::default();
        let (mut headers, mut body) = spares.take();
        headers.push(Field::new("X", String::from("y")).unwrap());
        body.extend_from_slice(b"good boy");
        spares.keep(headers, body);
        let (headers, body) = spares.take();
        assert!(headers.is_empty() && headers.capacity() >= 1);
        assert!(body.is_empty() && body.capacity() >= 8);
        assert_eq!(spares.take().0.capacity(), 0, "only one pair was kept");
    }

    #[test]
    fn large_bodies_are_not_kept() {
        let spares = Spares::default();
        spares.keep(
            Vec::with_capacity(1),
            BytesMut::with_capacity(KEEP_BODY_CAPACITY + 1),
        );
        let (headers, body) = spares.take();
        assert_eq!(headers.capacity(), 1, "the headers are kept");
        assert_eq!(body.capacity(), 0, "the large body is not");
    }
}
