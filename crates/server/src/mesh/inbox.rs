//! One shard's inbox: a bounded lock-free queue of work sent by any shard, drained by a
//! task on the owning shard.

use std::future::poll_fn;
use std::rc::Rc;
use std::sync::atomic::{fence, AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use atomic_waker::AtomicWaker;
use crossbeam_queue::ArrayQueue;
use event_listener::{Event, IntoNotification};

use super::member::Member;

/// Work for a shard, run on its thread by its inbox task: a `submit_to` closure to spawn, or
/// a bus message to hand to the local subscribers.
pub(crate) type Job = Box<dyn FnOnce(&Rc<Member>) + Send>;

/// Jobs an inbox holds at most. A job is two words, so an inbox is 16 KiB; a sender finding
/// it full waits (`send`) or is told so (`try_send`): the back-pressure of the mesh.
pub(crate) const CAPACITY: usize = 1024;

/// Jobs run in one go before the inbox task yields to the shard's other tasks, so a flood
/// of messages cannot starve its connections.
const BATCH: usize = 128;

/// Why `try_send` gave the job back.
pub(crate) enum TrySendError {
    /// The inbox holds `CAPACITY` jobs.
    Full(Job),
    /// The shard has stopped.
    Closed(Job),
}

/// A shard's inbox. Any thread may send; only the owning shard runs the jobs.
///
/// The queue is crossbeam's `ArrayQueue` (lock-free, bounded). The shard's inbox task
/// leaves its waker in an `AtomicWaker` when the queue is empty; a sender wakes it after
/// each push, and the wake reaches the shard through its mailbox (the task is wrapped in
/// `afar::from_afar`), ringing it awake if it sleeps. Senders waiting for room listen on an `Event`, which the inbox task notifies
/// only when `waiting` says somebody listens, so the common path takes no lock at all.
pub(crate) struct Inbox {
    queue: ArrayQueue<Job>,
    reader: AtomicWaker,
    room: Event,
    /// Senders listening on `room`.
    waiting: AtomicUsize,
    closed: AtomicBool,
}

impl Inbox {
    pub fn new(capacity: usize) -> Self {
        Self {
            queue: ArrayQueue::new(capacity),
            reader: AtomicWaker::new(),
            room: Event::new(),
            waiting: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// Queues `job` unless the inbox is full or closed.
    pub fn try_send(&self, job: Job) -> Result<(), TrySendError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(TrySendError::Closed(job));
        }
        match self.queue.push(job) {
            Ok(()) => {
                self.pushed();
                Ok(())
            }
            Err(job) => Err(TrySendError::Full(job)),
        }
    }

    /// Queues `job`, waiting while the inbox is full. Gives the job back if the shard has
    /// stopped (also while waiting: `close` wakes every waiting sender).
    pub async fn send(&self, job: Job) -> Result<(), Job> {
        let mut job = match self.try_send(job) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(job)) => return Err(job),
            Err(TrySendError::Full(job)) => job,
        };
        // Listen before saying so: a pop that sees `waiting` then notifies this listener,
        // and a pop that does not see it happened before the retry below, which finds room.
        let mut listener = self.room.listen();
        let _waiting = Waiting::enter(&self.waiting);
        loop {
            job = match self.try_send(job) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(job)) => return Err(job),
                Err(TrySendError::Full(job)) => job,
            };
            // The owning shard makes room from its thread: through our mailbox.
            crate::afar::from_afar(listener).await;
            listener = self.room.listen();
        }
    }

    /// Runs the jobs as they arrive, `BATCH` at a time, forever: the shard's inbox task.
    pub async fn serve(&self, mut run: impl FnMut(Job)) {
        loop {
            poll_fn(|cx| self.poll_run(cx, &mut run)).await;
            // Let what these jobs woke or spawned run, and the shard's connections, before
            // the next batch: a steady stream of messages cannot hog the shard, and a
            // subscriber reads while its shard's buffer still holds what it missed.
            futures_lite::future::yield_now().await;
        }
    }

    /// Runs up to `BATCH` queued jobs; `Pending` (with the waker left) when there were none.
    fn poll_run(&self, cx: &mut Context<'_>, run: &mut impl FnMut(Job)) -> Poll<()> {
        loop {
            let mut ran = 0;
            while ran < BATCH {
                let Some(job) = self.queue.pop() else { break };
                run(job);
                ran += 1;
            }
            if ran > 0 {
                fence(Ordering::SeqCst);
                if self.waiting.load(Ordering::SeqCst) > 0 {
                    self.room.notify(ran.additional());
                }
                return Poll::Ready(());
            }
            self.reader.register(cx.waker());
            // A push between the pop above and the registration woke nobody: look again.
            if self.queue.is_empty() {
                return Poll::Pending;
            }
        }
    }

    /// Refuses every later send, wakes the senders waiting for room (they get their job
    /// back), and drops the jobs left, so whoever waits on one learns the shard stopped.
    /// Called once the shard's executor has ended.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        self.room.notify(usize::MAX);
        self.drop_jobs();
    }

    /// Accepts sends again: a restarted shard (`supervise`) took the closed inbox over.
    /// Called by the new shard before its inbox task runs, after the dead one closed it.
    pub fn reopen(&self) {
        self.closed.store(false, Ordering::SeqCst);
    }

    /// After a push: wake the inbox task, or, when the inbox closed meanwhile, drop what
    /// `close` may have missed (either it sees this job or this sees the flag).
    fn pushed(&self) {
        fence(Ordering::SeqCst);
        if self.closed.load(Ordering::SeqCst) {
            self.drop_jobs();
        } else {
            self.reader.wake();
        }
    }

    fn drop_jobs(&self) {
        while let Some(job) = self.queue.pop() {
            drop(job);
        }
    }
}

/// Counts a sender in `waiting` for as long as it waits for room.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> Job {
        Box::new(|_| {})
    }

    #[test]
    fn try_send_refuses_past_capacity() {
        let inbox = Inbox::new(2);
        assert!(inbox.try_send(job()).is_ok());
        assert!(inbox.try_send(job()).is_ok());
        assert!(matches!(inbox.try_send(job()), Err(TrySendError::Full(_))));
    }

    #[test]
    fn close_drops_queued_jobs_and_refuses_new_ones() {
        let inbox = Inbox::new(4);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let queued: Job = Box::new(move |_| drop(tx));
        assert!(inbox.try_send(queued).is_ok());
        inbox.close();
        // The job's captures were dropped without it running: its channel disconnected.
        assert!(rx.recv().is_err());
        assert!(matches!(
            inbox.try_send(job()),
            Err(TrySendError::Closed(_))
        ));
    }

    #[test]
    fn close_releases_a_sender_waiting_for_room() {
        let inbox = std::sync::Arc::new(Inbox::new(1));
        assert!(inbox.try_send(job()).is_ok());
        let waiter = {
            let inbox = inbox.clone();
            std::thread::spawn(move || futures_lite::future::block_on(inbox.send(job())).is_err())
        };
        while inbox.waiting.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        inbox.close();
        assert!(
            waiter.join().unwrap_or(false),
            "the waiting send got its job back"
        );
    }
}
