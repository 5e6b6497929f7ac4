//! [`from_afar`]: a future whose wakes may come from other threads, routed through the
//! shard's [`Mailbox`] instead of glommio's foreign-wake queue (see `mailbox` for why).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};

use crate::mailbox::Mailbox;

/// Wraps `future`, awaited on a shard, whose waker another thread will call: the wake
/// reaches the shard at its next ring turn, or rings it awake. The shard is the one
/// calling this (not the one first polling); off the shards the future is polled as it
/// is.
pub(crate) fn from_afar<F: Future>(future: F) -> impl Future<Output = F::Output> {
    let mailbox = Mailbox::here();
    async move {
        let mut future = pin!(future);
        let Some(mailbox) = mailbox else {
            return future.await;
        };
        // The last task waker seen and the routed waker made for it, reused while the
        // task's waker stays the same.
        let mut routed: Option<(Waker, Waker)> = None;
        poll_fn(|cx| {
            let waker = match &routed {
                Some((task, waker)) if task.will_wake(cx.waker()) => waker.clone(),
                _ => {
                    let waker = Waker::from(Arc::new(Routed {
                        task: cx.waker().clone(),
                        mailbox: mailbox.clone(),
                    }));
                    routed = Some((cx.waker().clone(), waker.clone()));
                    waker
                }
            };
            future.as_mut().poll(&mut Context::from_waker(&waker))
        })
        .await
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
