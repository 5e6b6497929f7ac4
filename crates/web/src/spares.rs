//! `Spares`: a shard's response buffers kept between requests, so answering a request
//! allocates nothing in the common case.

use std::cell::RefCell;

use bytes::BytesMut;
use typhoon_http1::Field;

/// Response headers as the handler builds them, each checked once when set (so the
/// encoder need not check again); names and common values are static.
pub(crate) type Headers = Vec<Field<'static>>;

/// How many of each are kept: about the handlers a shard has in flight at once.
const KEEP: usize = 64;
/// Bodies larger than this are freed rather than kept, so one big answer does not pin
/// its memory for good.
const KEEP_BODY_CAPACITY: usize = 64 * 1024;

/// Cleared header vectors and body buffers of finished requests, per shard (each shard
/// has its own application state, so no locking).
#[derive(Debug, Default)]
pub(crate) struct Spares {
    headers: RefCell<Vec<Headers>>,
    bodies: RefCell<Vec<BytesMut>>,
}

impl Spares {
    /// An empty header vector, with room from an earlier request when there is one.
    pub fn headers(&self) -> Headers {
        self.headers.borrow_mut().pop().unwrap_or_default()
    }

    /// An empty body buffer, with room from an earlier request when there is one.
    pub fn body(&self) -> BytesMut {
        self.bodies.borrow_mut().pop().unwrap_or_default()
    }

    /// Keeps `headers` and `body` (cleared) for a later request.
    pub fn keep(&self, mut headers: Headers, mut body: BytesMut) {
        if headers.capacity() > 0 {
            let mut kept = self.headers.borrow_mut();
            if kept.len() < KEEP {
                headers.clear();
                kept.push(headers);
            }
        }
        if (1..=KEEP_BODY_CAPACITY).contains(&body.capacity()) {
            let mut kept = self.bodies.borrow_mut();
            if kept.len() < KEEP {
                body.clear();
                kept.push(body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_with_their_room() {
        let spares = Spares::default();
        let mut headers = spares.headers();
        headers.push(Field::new("X", String::from("y")).unwrap());
        let mut body = spares.body();
        body.extend_from_slice(b"good boy");
        spares.keep(headers, body);
        let (headers, body) = (spares.headers(), spares.body());
        assert!(headers.is_empty() && headers.capacity() >= 1);
        assert!(body.is_empty() && body.capacity() >= 8);
        assert_eq!(spares.headers().capacity(), 0, "only one was kept");
    }

    #[test]
    fn large_bodies_are_not_kept() {
        let spares = Spares::default();
        spares.keep(Vec::new(), BytesMut::with_capacity(KEEP_BODY_CAPACITY + 1));
        assert_eq!(spares.body().capacity(), 0);
    }
}
