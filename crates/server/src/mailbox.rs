//! The shard's mailbox: wakes sent from other threads (the blocking pool, other shards),
//! delivered by the shard's ring at its next turn and ringing an eventfd the ring reads
//! when the shard sleeps.
//!
//! glommio's own path for a foreign wake queues it and writes glommio's eventfd only while
//! glommio sleeps; a shard waiting in its own ring (or busy turning it) runs the wake at
//! glommio's next reactor pass, up to a heartbeat or a preemption later: 1.1 ms for a
//! `run_in_executor` on an idle shard. Here the ring itself looks at the mailbox every
//! turn, and a sleeping shard, whichever sleep it is in, is woken by the eventfd: the ring
//! keeps a read armed on it, and the doorbell (glommio's sleep) watches it.
//!
//! # Ordering
//! A sender queues the waker, then looks whether the shard sleeps; the shard says it sleeps,
//! then looks whether anything is queued. Both use `SeqCst`, so at least one sees the
//! other: either the shard does not sleep or the sender rings.

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Waker;

use crossbeam_queue::SegQueue;

thread_local! {
    /// The mailbox of the shard running on this thread.
    static HOME: RefCell<Option<Arc<Mailbox>>> = const { RefCell::new(None) };
}

/// Wakes for one shard's tasks, posted by any thread.
pub(crate) struct Mailbox {
    wakes: SegQueue<Waker>,
    /// The shard waits in its ring or in glommio: a post must ring.
    asleep: AtomicBool,
    /// Written to wake the sleeping shard; non-blocking, so a full counter never blocks.
    bell: OwnedFd,
}

impl Mailbox {
    /// A mailbox for the calling thread's shard, which becomes its home until `leave`.
    ///
    /// # Errors
    /// No eventfd (out of fds).
    pub fn open_here() -> io::Result<Arc<Self>> {
        // SAFETY: plain eventfd creation; the fd is owned right below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mailbox = Arc::new(Self {
            wakes: SegQueue::new(),
            asleep: AtomicBool::new(false),
            // SAFETY: `fd` is a fresh fd nobody else owns.
            bell: unsafe { OwnedFd::from_raw_fd(fd) },
        });
        HOME.with(|home| *home.borrow_mut() = Some(mailbox.clone()));
        Ok(mailbox)
    }

    /// The calling thread's shard's mailbox, if it has one.
    pub fn here() -> Option<Arc<Self>> {
        HOME.try_with(|home| home.borrow().clone()).ok().flatten()
    }

    /// Ends the calling thread's tie to its mailbox (the shard's ring is going).
    pub fn leave() {
        let _ = HOME.try_with(|home| home.borrow_mut().take());
    }

    /// Whether the calling thread is this mailbox's shard.
    pub fn is_home(self: &Arc<Self>) -> bool {
        HOME.try_with(|home| home.borrow().as_ref().is_some_and(|h| Arc::ptr_eq(h, self)))
            .unwrap_or(false)
    }

    /// Queues `waker` for the shard, ringing it if it sleeps.
    pub fn post(&self, waker: Waker) {
        self.wakes.push(waker);
        if self.asleep.swap(false, Ordering::SeqCst) {
            let one: u64 = 1;
            // SAFETY: writes the 8 bytes of `one` to our eventfd. It cannot fail but for an
            // overflowing counter (EAGAIN), which is rung already.
            unsafe { libc::write(self.bell.as_raw_fd(), (&one as *const u64).cast(), 8) };
        }
    }

    /// The shard is about to sleep: `false` when wakes are waiting, and it must not.
    pub fn fall_asleep(&self) -> bool {
        self.asleep.store(true, Ordering::SeqCst);
        if self.wakes.is_empty() {
            return true;
        }
        self.asleep.store(false, Ordering::SeqCst);
        false
    }

    /// Whether wakes are waiting to be delivered.
    pub fn has_wakes(&self) -> bool {
        !self.wakes.is_empty()
    }

    /// The shard is awake again: posts need not ring.
    pub fn wake_up(&self) {
        self.asleep.store(false, Ordering::Relaxed);
    }

    /// Runs the wakes posted so far on the shard's thread; returns how many.
    pub fn deliver(&self) -> usize {
        let mut delivered = 0;
        while let Some(waker) = self.wakes.pop() {
            waker.wake();
            delivered += 1;
        }
        delivered
    }

    /// Reads the bell, so its poll reports only the next ring.
    pub fn quiet(&self) {
        let mut count = 0u64;
        // SAFETY: reads at most 8 bytes into `count`; the fd is non-blocking, so an unrung
        // bell answers EAGAIN.
        unsafe { libc::read(self.bell.as_raw_fd(), (&mut count as *mut u64).cast(), 8) };
    }

    /// The eventfd a post rings (readable while rung).
    pub fn bell(&self) -> RawFd {
        self.bell.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn rung(mailbox: &Mailbox) -> bool {
        let mut value = 0u64;
        // SAFETY: reads 8 bytes into `value`; the fd is non-blocking.
        let n = unsafe { libc::read(mailbox.bell(), (&mut value as *mut u64).cast(), 8) };
        n == 8
    }

    #[test]
    fn a_post_rings_only_a_sleeping_shard_and_is_delivered_at_home() {
        let mailbox = Mailbox::open_here().unwrap();
        assert!(mailbox.is_home());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());

        let away = mailbox.clone();
        let sent = waker.clone();
        std::thread::spawn(move || {
            assert!(!away.is_home());
            away.post(sent);
        })
        .join()
        .unwrap();
        assert!(!rung(&mailbox), "awake: no ring");
        assert!(!mailbox.fall_asleep(), "a wake is waiting");
        assert_eq!(mailbox.deliver(), 1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);

        assert!(mailbox.fall_asleep());
        mailbox.post(waker.clone());
        mailbox.post(waker);
        assert!(rung(&mailbox), "asleep: rung");
        assert!(!rung(&mailbox), "rung once");
        mailbox.wake_up();
        assert_eq!(mailbox.deliver(), 2);
        assert_eq!(count.0.load(Ordering::SeqCst), 3);
        Mailbox::leave();
        assert!(Mailbox::here().is_none());
    }
}
