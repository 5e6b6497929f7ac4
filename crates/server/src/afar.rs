//! [`from_afar`]: a future whose wakes may come from other threads, routed through the
//! shard's [`Mailbox`] instead of glommio's foreign-wake queue (see `mailbox` for why).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::mailbox::Mailbox;

/// Wraps `future`, awaited on a shard, whose waker another thread will call: the wake
/// reaches the shard at its next ring turn, or rings it awake. The shard is the one
/// calling this (not the one first polling); off the shards the future is polled as it
/// is.
pub(crate) fn from_afar<F: Future>(future: F) -> FromAfar<F> {
    FromAfar {
        future,
        mailbox: Mailbox::here(),
        routed: None,
    }
}

pin_project_lite::pin_project! {
    /// See [`from_afar`]. A struct rather than an `async` block, which would hold the
    /// future twice (captured, then pinned).
    pub(crate) struct FromAfar<F> {
        #[pin]
        future: F,
        mailbox: Option<Arc<Mailbox>>,
        // The last task waker seen and the routed waker made for it, reused while the
        // task's waker stays the same.
        routed: Option<(Waker, Waker)>,
    }
}

impl<F: Future> Future for FromAfar<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(mailbox) = this.mailbox else {
            return this.future.poll(cx);
        };
        let waker = match this.routed {
            Some((task, waker)) if task.will_wake(cx.waker()) => waker.clone(),
            _ => {
                let waker = Waker::from(Arc::new(Routed {
                    task: cx.waker().clone(),
                    mailbox: mailbox.clone(),
                }));
                *this.routed = Some((cx.waker().clone(), waker.clone()));
                waker
            }
        };
        this.future.poll(&mut Context::from_waker(&waker))
    }
}

/// A task's waker that, called away from its shard, posts itself to the shard's mailbox.
struct Routed {
    task: Waker,
    mailbox: Arc<Mailbox>,
}

impl Wake for Routed {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.mailbox.is_home() {
            self.task.wake_by_ref();
        } else {
            self.mailbox.post(self.task.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_holds_the_future_once() {
        let future = async {
            let held = [7u8; 1000];
            futures_lite::future::yield_now().await;
            held.len()
        };
        let size = std::mem::size_of_val(&future);
        let wrapped = from_afar(future);
        assert!(std::mem::size_of_val(&wrapped) < size + 64);
        assert_eq!(futures_lite::future::block_on(wrapped), 1000);
    }
}
