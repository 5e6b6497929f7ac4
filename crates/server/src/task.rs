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
use std::future::{poll_fn, Future};
use std::pin::pin;

thread_local! {
    /// Polls of counted tasks on this thread, ever.
    static POLLS: Cell<u64> = const { Cell::new(0) };
}

/// Spawns `future` on the current shard, counted (see the module docs).
pub(crate) fn spawn<T: 'static>(future: impl Future<Output = T> + 'static) -> glommio::Task<T> {
    glommio::spawn_local(async move {
        let mut future = pin!(future);
        poll_fn(|cx| {
            POLLS.with(|polls| polls.set(polls.get().wrapping_add(1)));
            future.as_mut().poll(cx)
        })
        .await
    })
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
