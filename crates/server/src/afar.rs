//! [`FromAfar`]: a future whose wakes may come from other threads, routed through the
//! shard's [`Mailbox`] instead of glommio's foreign-wake queue (see `mailbox` for why).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::mailbox::Mailbox;

/// Wraps `future`, awaited on a shard, whose waker another thread will call: the wake
/// reaches the shard at its next ring turn, or rings it awake. Off the shards (no
/// mailbox) the future is polled as it is.
pub(crate) fn from_afar<F: Future>(future: F) -> FromAfar<F> {
    FromAfar {
        future: Box::pin(future),
        mailbox: Mailbox::here(),
        routed: None,
    }
}

/// See [`from_afar`].
pub(crate) struct FromAfar<F> {
    future: Pin<Box<F>>,
    mailbox: Option<Arc<Mailbox>>,
    /// The last task waker seen and the routed waker made for it, reused while the task's
    /// waker stays the same.
    routed: Option<(Waker, Waker)>,
}

impl<F: Future> Future for FromAfar<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // Every field is `Unpin` (the inner future is boxed).
        let this = self.get_mut();
        let Some(mailbox) = &this.mailbox else {
            return this.future.as_mut().poll(cx);
        };
        let routed = match &this.routed {
            Some((task, routed)) if task.will_wake(cx.waker()) => routed.clone(),
            _ => {
                let routed = Waker::from(Arc::new(Routed {
                    task: cx.waker().clone(),
                    mailbox: mailbox.clone(),
                }));
                this.routed = Some((cx.waker().clone(), routed.clone()));
                routed
            }
        };
        this.future.as_mut().poll(&mut Context::from_waker(&routed))
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
