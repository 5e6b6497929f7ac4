//! `Waiters`: a FIFO of tasks waiting on a shard-local primitive, each handed a value.

use std::collections::{BTreeMap, HashMap};
use std::task::{Context, Poll, Waker};

/// The tasks waiting on one primitive, oldest first. Each brings a payload `P` (a putter's
/// item) and is woken with a value `V` (a permit, a queue item) handed to it alone.
///
/// Written by hand because Tornado's semaphores and queues give what they release straight
/// to the oldest waiter: a task that arrives later cannot take it first, and a waiter that
/// is cancelled after being handed something gives it back to be passed on. Crates wake a
/// waiter and let it race newcomers for the value instead (async-lock's semaphore,
/// event-listener), and none hands items over with Tornado's `task_done`/`join` accounting.
/// One thread only: the primitives are shard-local, so a `RefCell` around this suffices.
#[derive(Debug)]
pub(crate) struct Waiters<P, V> {
    next_id: u64,
    /// Still waiting, in arrival order (ids only grow), each with its waker and payload.
    waiting: BTreeMap<u64, (Waker, P)>,
    /// Woken with a value the task has not yet picked up by polling.
    handed: HashMap<u64, V>,
}

/// What a cancelled waiter leaves behind.
#[derive(Debug)]
pub(crate) enum Left<P, V> {
    /// It was still waiting: here is what it brought.
    Waiting(P),
    /// It had been handed a value it never picked up: pass it on.
    Handed(V),
}

impl<P, V> Waiters<P, V> {
    pub fn new() -> Self {
        Self {
            next_id: 0,
            waiting: BTreeMap::new(),
            handed: HashMap::new(),
        }
    }

    /// True when no task is waiting (some may still have a value to pick up).
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// How many tasks are waiting.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Adds the polling task at the back of the line; the id is its ticket.
    pub fn push(&mut self, payload: P, cx: &Context<'_>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.waiting.insert(id, (cx.waker().clone(), payload));
        id
    }

    /// The value handed to waiter `id`, or `Pending` (with its waker refreshed).
    ///
    /// # Panics
    /// If `id` is neither waiting nor handed a value: its future was polled after it
    /// completed or was cancelled, which the futures of this module never do.
    pub fn poll(&mut self, id: u64, cx: &Context<'_>) -> Poll<V> {
        if let Some(value) = self.handed.remove(&id) {
            return Poll::Ready(value);
        }
        let Some((waker, _)) = self.waiting.get_mut(&id) else {
            unreachable!("waiter {id} polled after it left the line");
        };
        if !waker.will_wake(cx.waker()) {
            *waker = cx.waker().clone();
        }
        Poll::Pending
    }

    /// Wakes the oldest waiter with `value`; gives `value` back if nobody waits.
    pub fn hand_first(&mut self, value: V) -> Result<(), V> {
        let Some((id, (waker, _))) = self.waiting.pop_first() else {
            return Err(value);
        };
        self.handed.insert(id, value);
        waker.wake();
        Ok(())
    }

    /// Wakes the oldest waiter with `hand(its payload)`; false if nobody waits.
    pub fn wake_first(&mut self, hand: impl FnOnce(P) -> V) -> bool {
        let Some((id, (waker, payload))) = self.waiting.pop_first() else {
            return false;
        };
        self.handed.insert(id, hand(payload));
        waker.wake();
        true
    }

    /// Takes waiter `id` out of the line (its future was dropped or timed out).
    pub fn cancel(&mut self, id: u64) -> Option<Left<P, V>> {
        if let Some((_, payload)) = self.waiting.remove(&id) {
            return Some(Left::Waiting(payload));
        }
        self.handed.remove(&id).map(Left::Handed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(std::sync::atomic::AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn hands_values_in_arrival_order_and_gives_back_what_a_cancelled_waiter_held() {
        let count = Arc::new(Count(0.into()));
        let waker = Waker::from(count.clone());
        let cx = Context::from_waker(&waker);
        let mut w: Waiters<&str, u32> = Waiters::new();
        let a = w.push("a", &cx);
        let b = w.push("b", &cx);
        let c = w.push("c", &cx);
        assert_eq!(w.len(), 3);
        assert!(w.poll(a, &cx).is_pending());

        assert!(w.wake_first(|p| {
            assert_eq!(p, "a");
            1
        }));
        assert!(w.wake_first(|p| {
            assert_eq!(p, "b");
            2
        }));
        assert_eq!(count.0.load(std::sync::atomic::Ordering::SeqCst), 2);
        assert_eq!(w.poll(a, &cx), Poll::Ready(1));
        // `b` was handed 2 and dropped before picking it up; `c` still waits.
        assert!(matches!(w.cancel(b), Some(Left::Handed(2))));
        assert!(matches!(w.cancel(c), Some(Left::Waiting("c"))));
        assert!(w.cancel(c).is_none());
        assert!(w.is_empty());
        assert!(!w.wake_first(|_| 3));
        assert_eq!(w.hand_first(4).unwrap_err(), 4);
        let d = w.push("d", &cx);
        assert!(w.hand_first(5).is_ok());
        assert_eq!(w.poll(d, &cx), Poll::Ready(5));
    }
}
