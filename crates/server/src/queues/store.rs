//! `Store`: where a queue keeps its items, which decides the order they come out in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The storage of a queue: Tornado's `_init`/`_put`/`_get` hooks, which are all that
/// `PriorityQueue` and `LifoQueue` change.
pub(crate) trait Store<T> {
    fn len(&self) -> usize;
    fn push(&mut self, item: T);
    fn pop(&mut self) -> Option<T>;
    /// Takes back an item a getter was handed but dropped. Getters wait only on an empty
    /// queue, so every item here arrived after it: it goes where it would have been had
    /// it never left.
    fn restore(&mut self, item: T);
}

/// First in, first out (`Queue`).
pub(crate) struct Fifo<T>(VecDeque<T>);

/// Last in, first out (`LifoQueue`).
pub(crate) struct Lifo<T>(Vec<T>);

/// Lowest first, as Python's `heapq` (`PriorityQueue`).
pub(crate) struct Heap<T>(BinaryHeap<Reverse<T>>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Self(VecDeque::new())
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord> Default for Heap<T> {
    fn default() -> Self {
        Self(BinaryHeap::new())
    }
}

impl<T> Store<T> for Fifo<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn restore(&mut self, item: T) {
        self.0.push_front(item); // the oldest: out next
    }
}

impl<T> Store<T> for Lifo<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn restore(&mut self, item: T) {
        self.0.insert(0, item); // the oldest: out last
    }
}

impl<T: Ord> Store<T> for Heap<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn restore(&mut self, item: T) {
        self.push(item); // order is by value, not arrival
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain<S: Store<u32>>(mut s: S) -> Vec<u32> {
        std::iter::from_fn(|| s.pop()).collect()
    }

    fn filled<S: Store<u32> + Default>(items: &[u32], restored: u32) -> S {
        let mut s = S::default();
        s.restore(restored);
        items.iter().for_each(|&i| s.push(i));
        s
    }

    #[test]
    fn each_store_gives_its_order_and_restores_an_item_as_the_oldest() {
        assert_eq!(drain(filled::<Fifo<_>>(&[3, 1, 2], 9)), [9, 3, 1, 2]);
        assert_eq!(drain(filled::<Lifo<_>>(&[3, 1, 2], 9)), [2, 1, 3, 9]);
        assert_eq!(drain(filled::<Heap<_>>(&[3, 1, 2], 9)), [1, 2, 3, 9]);
        let mut lifo = filled::<Lifo<_>>(&[1, 2], 0);
        lifo.restore(7);
        assert_eq!(lifo.len(), 4);
        assert_eq!(drain(lifo), [2, 1, 0, 7]);
    }
}
