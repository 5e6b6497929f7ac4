//! `Base`: the queue the three public queues share — Tornado's `Queue` with its storage
//! as a parameter, its waiting getters and putters, and `task_done`/`join` accounting.

use std::cell::RefCell;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::{PutTimeout, QueueEmpty, QueueFull, TaskDoneError};
use super::store::Store;
use crate::locks::waiters::{Left, Waiters};
use crate::locks::{within, Event};
use crate::{Deadline, TimeoutError};

/// A queue of at most `maxsize` items (0: no limit) kept in `S`.
///
/// As in Tornado, an item put while getters wait goes straight to the oldest getter, and
/// a slot freed while putters wait is filled at once with the oldest putter's item; so
/// getters wait only on an empty queue and putters only on a full one, and neither can be
/// overtaken by a `*_nowait` call.
pub(crate) struct Base<T, S> {
    maxsize: usize,
    state: RefCell<State<T, S>>,
    /// Set while no item is unfinished: what `join` waits on (Tornado's `_finished`).
    finished: Event,
}

struct State<T, S> {
    items: S,
    getters: Waiters<(), T>,
    /// Each waiting putter holds its item until a slot frees.
    putters: Waiters<T, ()>,
    /// Items put and not yet `task_done`.
    unfinished: usize,
}

impl<T, S: Store<T> + Default> Base<T, S> {
    pub fn new(maxsize: usize) -> Self {
        let finished = Event::new();
        finished.set();
        Self {
            maxsize,
            state: RefCell::new(State {
                items: S::default(),
                getters: Waiters::new(),
                putters: Waiters::new(),
                unfinished: 0,
            }),
            finished,
        }
    }
}

impl<T, S: Store<T>> Base<T, S> {
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    pub fn qsize(&self) -> usize {
        self.state.borrow().items.len()
    }

    pub fn full(&self) -> bool {
        self.maxsize != 0 && self.qsize() >= self.maxsize
    }

    pub fn put_nowait(&self, item: T) -> Result<(), QueueFull<T>> {
        let mut state = self.state.borrow_mut();
        if state.getters.is_empty() && self.maxsize != 0 && state.items.len() >= self.maxsize {
            return Err(QueueFull(item));
        }
        state.unfinished += 1;
        self.finished.clear();
        if let Err(item) = state.getters.hand_first(item) {
            state.items.push(item);
        }
        Ok(())
    }

    pub fn get_nowait(&self) -> Result<T, QueueEmpty> {
        let mut state = self.state.borrow_mut();
        let state = &mut *state;
        // A putter waits only on a full queue: its item goes in as this one comes out
        // (in before out, as Tornado: a LifoQueue gives that newest item).
        let (items, unfinished) = (&mut state.items, &mut state.unfinished);
        state.putters.wake_first(|item| {
            *unfinished += 1;
            items.push(item);
        });
        state.items.pop().ok_or(QueueEmpty)
    }

    pub fn put(&self, item: T) -> Put<'_, T, S> {
        Put {
            base: self,
            stage: PutStage::New(item),
        }
    }

    pub fn get(&self) -> Get<'_, T, S> {
        Get {
            base: self,
            ticket: None,
        }
    }

    pub async fn put_timeout(&self, item: T, timeout: Deadline) -> Result<(), PutTimeout<T>> {
        let mut put = self.put(item);
        match within(timeout, &mut put).await {
            Ok(()) => Ok(()),
            // `None`: the item went in after all (it cannot, in the same turn, but a put
            // that succeeded is not a timeout).
            Err(TimeoutError) => put.reclaim().map_or(Ok(()), |item| Err(PutTimeout(item))),
        }
    }

    pub async fn get_timeout(&self, timeout: Deadline) -> Result<T, TimeoutError> {
        within(timeout, self.get()).await
    }

    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.state.borrow_mut();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.finished.set();
        }
        Ok(())
    }

    pub fn join(&self) -> impl Future<Output = ()> + '_ {
        self.finished.wait()
    }

    pub async fn join_timeout(&self, timeout: Deadline) -> Result<(), TimeoutError> {
        self.finished.wait_timeout(timeout).await
    }

    /// The waiters, for `Debug`.
    pub fn waiting(&self) -> (usize, usize) {
        let state = self.state.borrow();
        (state.getters.len(), state.putters.len())
    }

    /// An item handed to a getter that was dropped before it picked it up: to the next
    /// getter, else back into storage as the oldest item (even past `maxsize` for a while:
    /// losing it would be worse). It is still unfinished, so no count changes.
    fn give_back(&self, item: T) {
        let mut state = self.state.borrow_mut();
        if let Err(item) = state.getters.hand_first(item) {
            state.items.restore(item);
        }
    }
}

/// The future of `put`: places the item on first poll, or waits in line holding it.
pub(crate) struct Put<'a, T, S: Store<T>> {
    base: &'a Base<T, S>,
    stage: PutStage<T>,
}

enum PutStage<T> {
    New(T),
    Waiting(u64),
    Done,
}

// The item is only moved, never pinned in place.
impl<T, S: Store<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Store<T>> Put<'_, T, S> {
    /// The item, if it has not gone into the queue: leaves the line to get it back.
    fn reclaim(&mut self) -> Option<T> {
        match mem::replace(&mut self.stage, PutStage::Done) {
            PutStage::New(item) => Some(item),
            PutStage::Waiting(id) => match self.base.state.borrow_mut().putters.cancel(id) {
                Some(Left::Waiting(item)) => Some(item),
                Some(Left::Handed(())) | None => None,
            },
            PutStage::Done => None,
        }
    }
}

impl<T, S: Store<T>> Future for Put<'_, T, S> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match mem::replace(&mut this.stage, PutStage::Done) {
            PutStage::New(item) => match this.base.put_nowait(item) {
                Ok(()) => Poll::Ready(()),
                Err(QueueFull(item)) => {
                    let id = this.base.state.borrow_mut().putters.push(item, cx);
                    this.stage = PutStage::Waiting(id);
                    Poll::Pending
                }
            },
            PutStage::Waiting(id) => {
                let placed = this.base.state.borrow_mut().putters.poll(id, cx);
                if placed.is_pending() {
                    this.stage = PutStage::Waiting(id);
                }
                placed
            }
            PutStage::Done => Poll::Ready(()),
        }
    }
}

impl<T, S: Store<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        // A put cancelled while waiting takes its item away with it; the item is dropped
        // here, after the queue's borrow ends (its own `Drop` may use the queue).
        drop(self.reclaim());
    }
}

/// The future of `get`: takes an item on first poll, or waits in line for one.
pub(crate) struct Get<'a, T, S: Store<T>> {
    base: &'a Base<T, S>,
    /// Our place in the line once we wait.
    ticket: Option<u64>,
}

impl<T, S: Store<T>> Future for Get<'_, T, S> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        match this.ticket {
            Some(id) => {
                let got = this.base.state.borrow_mut().getters.poll(id, cx);
                if got.is_ready() {
                    this.ticket = None;
                }
                got
            }
            None => match this.base.get_nowait() {
                Ok(item) => Poll::Ready(item),
                Err(QueueEmpty) => {
                    this.ticket = Some(this.base.state.borrow_mut().getters.push((), cx));
                    Poll::Pending
                }
            },
        }
    }
}

impl<T, S: Store<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        let Some(id) = self.ticket else { return };
        let left = self.base.state.borrow_mut().getters.cancel(id);
        if let Some(Left::Handed(item)) = left {
            self.base.give_back(item); // a dropped getter must not swallow an item
        }
    }
}
