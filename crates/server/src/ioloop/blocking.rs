//! [`BlockingPool`]: the shard's threads for blocking work (`IoLoop::run_in_executor`).
//!
//! A plain queue and condition variable rather than glommio's pool: glommio hands a
//! result back through its own reactor, which a shard waiting in its ring or turning it
//! under load reaches only at a heartbeat or a preemption (1.1 ms for `run_in_executor(||
//! ())` on an idle shard). Here the result travels on a oneshot channel whose wake goes
//! through the shard's mailbox (`afar`, `mailbox`), which the ring looks at every turn and
//! which rings a sleeping shard awake.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// One piece of blocking work.
pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// A shard's pool threads. Dropping it lets them end once the queue is empty.
pub(crate) struct BlockingPool {
    shared: Arc<Shared>,
    threads: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

impl BlockingPool {
    /// Starts `threads` threads (at least one) named `name`. They inherit the calling
    /// thread's CPU mask: start them before the shard pins itself, so they may run on every
    /// CPU the process may use.
    ///
    /// # Errors
    /// The OS refused a thread.
    pub fn start(name: &str, threads: usize) -> io::Result<Self> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let pool = Self {
            shared: shared.clone(),
            threads: threads.max(1),
        };
        for _ in 0..pool.threads {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || shared.work())?;
        }
        Ok(pool)
    }

    /// Queues `job` for the next free thread.
    pub fn submit(&self, job: Job) {
        let mut queue = self.shared.lock();
        queue.jobs.push_back(job);
        drop(queue);
        self.shared.ready.notify_one();
    }
}

impl Shared {
    /// Jobs hold no lock while they run, so a poisoned queue is still sound.
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A pool thread: runs jobs until the pool is dropped and the queue is empty.
    fn work(&self) {
        let mut queue = self.lock();
        loop {
            if let Some(job) = queue.jobs.pop_front() {
                drop(queue);
                job();
                queue = self.lock();
            } else if queue.closed {
                return;
            } else {
                queue = self
                    .ready
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_all();
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool")
            .field("threads", &self.threads)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn jobs_run_on_the_pools_threads_and_queued_ones_finish_after_drop() {
        let pool = BlockingPool::start("test-blk", 2).unwrap();
        let (tx, rx) = channel();
        for i in 0..10 {
            let tx = tx.clone();
            pool.submit(Box::new(move || {
                let name = std::thread::current().name().map(str::to_owned);
                tx.send((i, name)).unwrap();
            }));
        }
        drop(pool);
        drop(tx);
        let mut seen: Vec<_> = rx.iter().collect();
        seen.sort();
        assert_eq!(seen.len(), 10);
        assert!(seen
            .iter()
            .all(|(_, name)| name.as_deref() == Some("test-blk")));
    }
}
