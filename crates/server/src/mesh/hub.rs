//! One shard's buffer of a bus's messages: the last `capacity` of them, read by the
//! shard's subscribers, each at its own pace.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::subscription::Lagged;

/// A bus's messages on one shard. Shard-local (`Rc`, `RefCell`): only this shard's inbox
/// task and subscribers touch it, so it needs no atomics.
///
/// Messages are numbered from 0 in arrival order; the ring holds numbers `first..end`. A
/// subscriber's cursor is the number it reads next: behind `first`, it lagged and lost the
/// difference; at `end`, it waits. A message stays until `capacity` newer ones push it out,
/// so memory is bounded whatever the subscribers do.
pub(crate) struct Hub<T> {
    capacity: usize,
    ring: RefCell<VecDeque<T>>,
    /// The number of `ring[0]`.
    first: Cell<u64>,
    /// Each subscriber's waker while it waits at the end.
    readers: RefCell<Slab<Option<Waker>>>,
}

impl<T: Clone> Hub<T> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ring: RefCell::new(VecDeque::new()),
            first: Cell::new(0),
            readers: RefCell::new(Slab::new()),
        }
    }

    /// The number the next message will get.
    fn end(&self) -> u64 {
        self.first.get() + self.ring.borrow().len() as u64
    }

    /// Appends `message`, pushing out the oldest when full, and wakes the waiting readers.
    pub fn push(&self, message: T) {
        {
            let mut ring = self.ring.borrow_mut();
            if ring.len() == self.capacity {
                ring.pop_front();
                self.first.set(self.first.get() + 1);
            }
            ring.push_back(message);
        }
        // Waking a task of this shard only schedules it: nothing re-enters the hub here.
        for (_, waker) in self.readers.borrow_mut().iter_mut() {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
    }

    /// A new reader: its key, and its cursor (it reads what arrives from now on).
    pub fn join(&self) -> (usize, u64) {
        (self.readers.borrow_mut().insert(None), self.end())
    }

    pub fn leave(&self, key: usize) {
        self.readers.borrow_mut().try_remove(key);
    }

    /// The next message for the reader at `cursor`, or how many it lost; `Pending` (with
    /// `cx`'s waker kept, when given) at the end.
    pub fn poll_next(
        &self,
        key: usize,
        cursor: &mut u64,
        cx: Option<&mut Context<'_>>,
    ) -> Poll<Result<T, Lagged>> {
        let first = self.first.get();
        if *cursor < first {
            let lost = first - *cursor;
            *cursor = first;
            return Poll::Ready(Err(Lagged(lost)));
        }
        if let Some(message) = self.ring.borrow().get((*cursor - first) as usize) {
            *cursor += 1;
            return Poll::Ready(Ok(message.clone()));
        }
        if let Some(cx) = cx {
            if let Some(slot) = self.readers.borrow_mut().get_mut(key) {
                match slot {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => *slot = Some(cx.waker().clone()),
                }
            }
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(hub: &Hub<u32>, key: usize, cursor: &mut u64) -> Option<Result<u32, Lagged>> {
        match hub.poll_next(key, cursor, None) {
            Poll::Ready(item) => Some(item),
            Poll::Pending => None,
        }
    }

    #[test]
    fn readers_get_what_arrives_after_they_join_in_order() {
        let hub = Hub::new(8);
        hub.push(0);
        let (key, mut cursor) = hub.join();
        for n in 1..=3 {
            hub.push(n);
        }
        let got: Vec<_> = std::iter::from_fn(|| next(&hub, key, &mut cursor)).collect();
        assert_eq!(got, vec![Ok(1), Ok(2), Ok(3)]);
    }

    #[test]
    fn a_reader_that_falls_behind_loses_the_oldest_and_is_told_how_many() {
        let hub = Hub::new(4);
        let (key, mut cursor) = hub.join();
        for n in 0..10 {
            hub.push(n);
        }
        let got: Vec<_> = std::iter::from_fn(|| next(&hub, key, &mut cursor)).collect();
        assert_eq!(got, vec![Err(Lagged(6)), Ok(6), Ok(7), Ok(8), Ok(9)]);
        assert_eq!(
            hub.ring.borrow().len(),
            4,
            "the ring never holds more than its capacity"
        );
    }

    #[test]
    fn each_reader_keeps_its_own_place() {
        let hub = Hub::new(4);
        let (a, mut at_a) = hub.join();
        let (b, mut at_b) = hub.join();
        hub.push(1);
        hub.push(2);
        assert_eq!(next(&hub, a, &mut at_a), Some(Ok(1)));
        assert_eq!(next(&hub, a, &mut at_a), Some(Ok(2)));
        assert_eq!(next(&hub, a, &mut at_a), None);
        assert_eq!(next(&hub, b, &mut at_b), Some(Ok(1)));
    }
}
