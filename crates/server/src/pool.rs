//! A shard's pool of connection buffers: a connection holds buffers only while it has
//! bytes to parse or to send, so thousands of idle keep-alive connections cost almost
//! nothing (issue 5: idle memory per connection).

use std::cell::RefCell;

use bytes::BytesMut;

/// Buffers most connections need for one request batch.
pub(crate) const BUFFER_SIZE: usize = 8 * 1024;

/// Buffers kept for reuse at most; beyond it, returned buffers are freed.
const KEEP: usize = 256;

/// Free buffers of one shard (shard-local: no lock).
#[derive(Debug, Default)]
pub(crate) struct BufferPool {
    free: RefCell<Vec<BytesMut>>,
}

impl BufferPool {
    /// An empty buffer with room for a batch: a pooled one, or a new one.
    pub fn take(&self) -> BytesMut {
        self.free
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| BytesMut::with_capacity(BUFFER_SIZE))
    }

    /// Gives `buf` back if it is empty and of the usual size; others are freed (a buffer
    /// that grew for a large body is not kept).
    pub fn put(&self, buf: BytesMut) {
        if buf.is_empty() && buf.capacity() >= BUFFER_SIZE / 2 && buf.capacity() <= 4 * BUFFER_SIZE
        {
            let mut free = self.free.borrow_mut();
            if free.len() < KEEP {
                free.push(buf);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_only_empty_buffers_of_the_usual_size() {
        let pool = BufferPool::default();
        let buf = pool.take();
        assert!(buf.capacity() >= BUFFER_SIZE);
        pool.put(buf);
        assert_eq!(pool.free.borrow().len(), 1);
        let mut full = pool.take();
        full.extend_from_slice(b"pending");
        pool.put(full);
        assert_eq!(
            pool.free.borrow().len(),
            0,
            "a buffer with bytes is never pooled"
        );
        pool.put(BytesMut::with_capacity(1 << 20));
        assert_eq!(pool.free.borrow().len(), 0, "a grown buffer is freed");
    }
}
