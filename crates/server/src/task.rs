//! Spawning a task on the shard so that the ring's driver sees it run.
//!
//! The driver blocks the shard in its ring only when nothing else is left to run, and
//! glommio offers no way to ask whether a task is ready. So every task the server spawns
//! counts its polls here: a pass of the driver in which another task was polled is not an
//! idle pass, however fast it came back. Without this, a chain of wakes among tasks (a
//! ping-pong through a `Queue`, the inbox task between two batches) could find the driver
//! asleep in the ring with a task ready, waiting for the heartbeat (1 ms) at each link.
//! A task spawned straight on glommio is not counted: spawn through here (or
//! `IoLoop::spawn_callback`).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    /// Polls of counted tasks on this thread, ever.
    static POLLS: Cell<u64> = const { Cell::new(0) };
}

/// Spawns `future` on the current shard, counted (see the module docs).
pub(crate) fn spawn<T: 'static>(future: impl Future<Output = T> + 'static) -> glommio::Task<T> {
    glommio::spawn_local(Counted { future })
}

pin_project_lite::pin_project! {
    /// `future`, counting its polls in `POLLS`. A struct rather than an `async` block:
    /// a block that pins a future it captured holds it twice (the captured value and the
    /// pinned local), which doubled every connection task's size.
    struct Counted<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        POLLS.with(|polls| polls.set(polls.get().wrapping_add(1)));
        self.project().future.poll(cx)
    }
}

/// Polls of counted tasks on this thread so far: compare two readings to learn whether
/// any ran in between.
pub(crate) fn polls() -> u64 {
    POLLS.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_adds_nothing_to_the_task_s_size() {
        let future = async {
            let held = [7u8; 1000];
            futures_lite::future::yield_now().await;
            held.len()
        };
        let size = std::mem::size_of_val(&future);
        assert_eq!(std::mem::size_of_val(&Counted { future }), size);
    }

    #[test]
    fn a_counted_task_counts_each_poll() {
        glommio::LocalExecutorBuilder::default()
            .io_memory(64 << 10)
            .make()
            .unwrap()
            .run(async {
                let before = polls();
                let task = spawn(async {
                    futures_lite::future::yield_now().await;
                    7
                });
                assert_eq!(task.await, 7);
                assert!(polls() - before >= 2, "polled before and after its yield");
                let quiet = polls();
                futures_lite::future::yield_now().await;
                assert_eq!(polls(), quiet, "nothing counted ran");
            });
    }
}
