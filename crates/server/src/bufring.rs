//! The shard's provided-buffer ring: receive buffers the kernel picks from as bytes arrive,
//! so a connection holds no buffer while it waits.
//!
//! Written by hand: the `io-uring` crate registers a buffer ring but leaves its memory and
//! its tail to the caller.

use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::types::BufRingEntry;

/// A ring of `count` receive buffers of `size` bytes each, registered as one buffer group.
pub(crate) struct BufRing {
    /// The ring of entries the kernel reads (page-aligned, as io_uring requires).
    entries: NonNull<BufRingEntry>,
    layout: Layout,
    /// The buffers themselves, `count * size` bytes.
    data: Box<[u8]>,
    size: usize,
    mask: u16,
    /// Our copy of the tail: entries published so far.
    tail: u16,
}

impl BufRing {
    /// Allocates `count` buffers (a power of two, at most 32768) of `size` bytes, all
    /// offered to the kernel once registered.
    pub fn new(count: u16, size: usize) -> io::Result<Self> {
        assert!(count.is_power_of_two() && count <= 32768);
        let bytes = usize::from(count) * std::mem::size_of::<BufRingEntry>();
        let layout = Layout::from_size_align(bytes, 4096)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "buffer ring too large"))?;
        // SAFETY: the layout has a non-zero size (count >= 1).
        let raw = unsafe { alloc_zeroed(layout) }.cast::<BufRingEntry>();
        let entries =
            NonNull::new(raw).ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))?;
        let mut ring = Self {
            entries,
            layout,
            data: vec![0u8; usize::from(count) * size].into_boxed_slice(),
            size,
            mask: count - 1,
            tail: 0,
        };
        for bid in 0..count {
            ring.give_back(bid);
        }
        Ok(ring)
    }

    /// The ring's address and length, for `register_buf_ring`.
    pub fn registration(&self) -> (u64, u16) {
        (self.entries.as_ptr() as u64, self.mask.wrapping_add(1))
    }

    /// The first `len` bytes of buffer `bid`, as the kernel filled them.
    pub fn bytes(&self, bid: u16, len: usize) -> &[u8] {
        let start = usize::from(bid) * self.size;
        &self.data[start..start + len.min(self.size)]
    }

    /// Offers buffer `bid` to the kernel again.
    pub fn give_back(&mut self, bid: u16) {
        let index = usize::from(self.tail & self.mask);
        let addr = self.data.as_ptr() as u64 + (usize::from(bid) * self.size) as u64;
        // SAFETY: `index` is within the `mask + 1` entries allocated in `new`; the kernel
        // only reads entries between its head and our published tail, and this one is
        // past the tail until the store below.
        unsafe {
            let entry = &mut *self.entries.as_ptr().add(index);
            entry.set_addr(addr);
            entry.set_len(self.size as u32);
            entry.set_bid(bid);
        }
        self.tail = self.tail.wrapping_add(1);
        // SAFETY: the tail field overlays the first entry's reserved field, which the
        // kernel reads and we alone write; it is a properly aligned u16.
        let tail = unsafe { &*BufRingEntry::tail(self.entries.as_ptr()).cast::<AtomicU16>() };
        tail.store(self.tail, Ordering::Release);
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the owner unregisters the ring (or
        // destroys the io_uring) before dropping it.
        unsafe { dealloc(self.entries.as_ptr().cast(), self.layout) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_every_buffer_once_and_again_on_give_back() {
        let mut ring = BufRing::new(8, 64).unwrap();
        assert_eq!(ring.tail, 8);
        ring.give_back(3);
        assert_eq!(ring.tail, 9);
        // The ninth entry wraps onto slot 0 and names buffer 3.
        // SAFETY: slot 0 is within the allocation.
        let first = unsafe { &*ring.entries.as_ptr() };
        assert_eq!(first.bid(), 3);
        assert_eq!(first.addr(), ring.data.as_ptr() as u64 + 3 * 64);
        assert_eq!(ring.bytes(3, 1000).len(), 64);
    }
}
