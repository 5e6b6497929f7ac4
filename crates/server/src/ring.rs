//! The shard's own io_uring, beside glommio's: listener polls, multishot receive into
//! provided buffers and sends, all submitted with one `io_uring_enter` per loop turn.
//!
//! glommio 0.9 drives sockets with a plain syscall first and a one-shot `POLL_ADD` re-armed
//! on every `EAGAIN`; that costs ~40% of the CPU per request on loopback
//! (`shared/notes/io-path.md`, design B). glommio stays the executor: connection tasks are
//! glommio tasks, and one driver task per shard submits, reaps and wakes them, then lets
//! glommio sleep on the shard's [`Doorbell`] (an epoll set of the ring's sockets) when there
//! is nothing left to do.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use futures_lite::FutureExt;

use io_uring::{cqueue, opcode, squeue, types, IoUring};
use slab::Slab;

use crate::accept::AcceptQueue;
use crate::bufring::BufRing;
use crate::doorbell::Doorbell;
use crate::idle_spin::IdleSpin;
use crate::mailbox::Mailbox;
use crate::metrics::ShardMetrics;
use crate::sock::SockState;

/// The buffer group of the provided receive buffers.
pub(crate) const BUF_GROUP: u16 = 0;
/// Receive buffers per shard, and their size. Sized for bytes in flight, not connections:
/// a connection gives its buffers back as soon as it has copied them out.
const BUFFERS: u16 = 512;
const BUFFER_BYTES: usize = 2048;
const SQ_ENTRIES: u32 = 1024;
const CQ_ENTRIES: u32 = 8192;
/// Completions handled per turn at most, so a burst cannot starve the woken tasks.
const CQES_PER_TURN: usize = 1024;
/// Empty turns (each a yield to the other tasks) before the shard parks.
const SPINS: u32 = 2;
/// The longest a parking shard waits in its own ring at a time (the kernel ends the wait the
/// moment work is queued) before it returns to glommio (see `IDLE_BEATS`). That wait is
/// one syscall where glommio's sleep and wake take about ten: at wrk -c1 `hello_service`
/// took 2 syscalls a request instead of 12.7 and 23 µs of CPU instead of 35–39. It is
/// bounded by a heartbeat timeout kept armed in the ring, not by a timer per wait (which
/// cost ~6 µs a request here), so it may end sooner; glommio's timers and wakes from other
/// threads are late by at most this much while the shard waits.
const HEARTBEAT: Duration = Duration::from_millis(1);
/// Heartbeats in a row with no work before the shard hands its sleep to glommio. Between
/// them the driver yields, and glommio, whose preemption has come due by then, looks at
/// its timers; a shard that sees a request every few hundred microseconds thus never pays
/// for glommio's sleep (10,000 requests/s over 64 connections: ~400 glommio sleeps a
/// second with a sleep after each heartbeat, none with this), and an idle one sleeps there
/// after about this many milliseconds.
const IDLE_BEATS: u32 = 3;
/// The wait holds up the shard's other tasks, so it is only taken when the spins before it
/// came back this fast: nothing else was waiting to run. (20 µs turned most waits down
/// at 2,000 requests/s, when a yield includes glommio's own pass: ~400 glommio sleeps a
/// second instead of ~15.)
const QUIET_SPINS: Duration = Duration::from_micros(50);
/// How long a shard keeps turning, without parking, after a wake came from another thread:
/// where one came, more tend to follow (a flood of bus messages or `submit_to` answers),
/// and a shard that parks after each would be rung awake for each, one syscall on the
/// sender's side and a wakeup on its own.
const MAIL_SPIN: Duration = Duration::from_micros(50);
/// `IORING_ENTER_GETEVENTS` (the crate keeps its `sys` module private).
const ENTER_GETEVENTS: u32 = 1;
/// `user_data` of operations whose completion nobody waits for (cancellations).
const IGNORE: u64 = u64::MAX;

/// What an operation in flight reports to.
pub(crate) enum Op {
    /// A listener's multishot readiness poll.
    Accept(Rc<AcceptQueue>),
    /// A connection's multishot receive.
    Recv(Rc<SockState>),
    /// A connection's send.
    Send(Rc<SockState>),
    /// The heartbeat that bounds a wait in the ring.
    Heartbeat,
    /// The mailbox's bell: a multishot poll, complete while a wake from another thread
    /// waits to be delivered.
    Mail,
}

/// Where the heartbeat timeout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Beat {
    /// Not in the kernel.
    Off,
    /// Armed: it completes at the latest `HEARTBEAT` after it was armed.
    Armed,
    /// Completed since the shard last looked.
    Fired,
}

/// The ring and everything its completions touch.
pub(crate) struct Inner {
    // Field order is drop order: the io_uring goes before the buffers it writes into.
    uring: IoUring,
    ops: Slab<Op>,
    pub bufs: BufRing,
    /// Recv operations to cancel once the completion pass is over.
    cancels: Vec<usize>,
    /// Tasks to wake once the borrow is released (never wake while holding it).
    pub woken: Vec<Waker>,
    beat: Beat,
    /// The heartbeat's period, read by the kernel when the timeout is submitted.
    beat_period: types::Timespec,
    /// The bell's poll reported since the last turn: read the bell to quiet it.
    mail_rung: bool,
    /// The bell's poll is in the kernel (a multishot poll can end, on memory pressure).
    mail_armed: bool,
    /// The mailbox's bell (owned by the mailbox, which outlives the ring).
    mail_fd: i32,
}

/// One shard's io_uring. Shard-local: `Rc`, never sent.
pub(crate) struct Ring {
    inner: RefCell<Inner>,
    /// Rings when a socket event queues work for the ring; glommio sleeps on it.
    doorbell: Doorbell,
    /// The parked driver, woken when a task queues a submission (nothing else would
    /// submit it).
    parked: Cell<Option<Waker>>,
    /// The time at the start of the current turn: connection deadlines are computed from
    /// it, one clock read per turn instead of several per request.
    now: Cell<Instant>,
    /// The driver is parked (or about to be): `now` may be old.
    parking: Cell<bool>,
    /// Heartbeats in a row that ended a wait in the ring with no work.
    idle_beats: Cell<u32>,
    /// Wakes for this shard's tasks from other threads (`mailbox`).
    mailbox: Arc<Mailbox>,
    /// This shard's counters: the sockets count their bytes here.
    counters: Arc<ShardMetrics>,
    /// When the last turn that delivered a wake from another thread began.
    last_mail: Cell<Instant>,
    /// How long an idle shard polls the ring before it waits there.
    idle_spin: RefCell<IdleSpin>,
}

impl Ring {
    /// Sets up the ring on the calling (shard) thread, which alone may use it; an idle
    /// shard polls it for up to `idle_spin` before it waits ([`ServerConfig::idle_spin`]).
    ///
    /// [`ServerConfig::idle_spin`]: crate::ServerConfig::idle_spin
    ///
    /// # Errors
    /// The kernel's refusal: Linux before 6.1 lacks `DEFER_TASKRUN` (`EINVAL`); or no fd
    /// left for the doorbell.
    pub fn new(counters: Arc<ShardMetrics>, idle_spin: Duration) -> io::Result<Rc<Self>> {
        let uring = IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .setup_taskrun_flag()
            .setup_submit_all()
            .setup_cqsize(CQ_ENTRIES)
            .build(SQ_ENTRIES)?;
        let bufs = BufRing::new(BUFFERS, BUFFER_BYTES)?;
        let (addr, count) = bufs.registration();
        // SAFETY: the entries stay allocated until the ring is dropped (`Inner`'s field
        // order), and are unregistered first in `Drop for Inner`.
        unsafe {
            uring
                .submitter()
                .register_buf_ring_with_flags(addr, count, BUF_GROUP, 0)?;
        }
        let doorbell = Doorbell::new()?;
        let mailbox = Mailbox::open_here()?;
        doorbell.watch_mailbox(mailbox.bell())?;
        let ring = Rc::new(Self {
            inner: RefCell::new(Inner {
                uring,
                ops: Slab::with_capacity(256),
                bufs,
                cancels: Vec::new(),
                woken: Vec::new(),
                beat: Beat::Off,
                beat_period: types::Timespec::from(HEARTBEAT),
                mail_rung: false,
                mail_armed: false,
                mail_fd: mailbox.bell(),
            }),
            doorbell,
            parked: Cell::new(None),
            now: Cell::new(Instant::now()),
            parking: Cell::new(false),
            idle_beats: Cell::new(0),
            mailbox,
            last_mail: Cell::new(Instant::now()),
            counters,
            idle_spin: RefCell::new(IdleSpin::new(idle_spin)),
        });
        ring.with(Inner::arm_mail);
        Ok(ring)
    }

    /// This shard's counters, which only this shard writes.
    pub fn counters(&self) -> &ShardMetrics {
        &self.counters
    }

    /// The time at the start of the current turn (microseconds old at most while
    /// connections run).
    pub fn now(&self) -> Instant {
        if self.parking.get() {
            // Tasks woken by glommio itself (timers) run before the next turn.
            Instant::now()
        } else {
            self.now.get()
        }
    }

    /// Runs `f` on the ring's state (never across an await, never while waking).
    pub fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.inner.borrow_mut())
    }

    /// Starts an operation: `build` gets the `user_data` its completions will carry.
    /// Returns that key.
    ///
    /// # Safety
    ///
    /// Every pointer in the entry `build` makes must stay valid (and, for a buffer the
    /// kernel writes, unaliased) until the operation's final completion is reaped: the
    /// kernel reads or writes it at any time before then. `op` is what keeps it alive
    /// (a send's `SockState` owns the buffer until `on_sent`).
    pub unsafe fn start(&self, op: Op, build: impl FnOnce() -> squeue::Entry) -> usize {
        let key = self.with(|inner| {
            let key = inner.ops.insert(op);
            // SAFETY: the caller vouches for the entry's pointers (this function's contract).
            unsafe { inner.push(build().user_data(key as u64)) };
            key
        });
        self.unpark();
        key
    }

    /// Asks the kernel to cancel operation `key` (its final completion still comes).
    pub fn cancel(&self, key: usize) {
        // SAFETY: a cancel entry carries no pointer, only the key of the operation.
        self.with(|inner| unsafe { inner.push(cancel_entry(key)) });
        self.unpark();
    }

    fn unpark(&self) {
        if let Some(driver) = self.parked.take() {
            driver.wake();
        }
    }

    /// Submits what is queued and handles every completion ready, without blocking.
    /// Returns the number of completions handled.
    pub fn turn(&self) -> usize {
        self.now.set(Instant::now());
        let (handled, mut woken) = self.with(|inner| {
            inner.enter(0);
            let handled = inner.reap();
            (handled, std::mem::take(&mut inner.woken))
        });
        for waker in woken.drain(..) {
            waker.wake();
        }
        let rung = self.with(|inner| {
            if inner.woken.is_empty() {
                inner.woken = woken;
            }
            std::mem::take(&mut inner.mail_rung)
        });
        if rung {
            self.mailbox.quiet();
            self.with(Inner::arm_mail);
        }
        let delivered = self.mailbox.deliver();
        if delivered > 0 {
            self.last_mail.set(self.now.get());
        }
        handled + delivered
    }

    /// The shard's driver: turns the ring while there is work, and lets glommio sleep on
    /// the doorbell when there is none. Runs until the shard's executor ends.
    pub async fn drive(self: Rc<Self>) {
        let mut empty = 0;
        let mut spins_began = self.now.get();
        let mut polls = crate::task::polls();
        loop {
            // A pass in which another task ran is not idle: it may have woken one more,
            // which must run before the shard blocks in its ring (see `task`).
            let polls_now = crate::task::polls();
            let others_ran = polls_now != polls;
            polls = polls_now;
            if self.turn() > 0 || others_ran {
                empty = 0;
            } else {
                if empty == 0 {
                    spins_began = self.now.get();
                }
                empty += 1;
                let mail_lately = self.now.get().duration_since(self.last_mail.get()) < MAIL_SPIN;
                if empty > SPINS && !mail_lately {
                    let quiet = self.now.get().duration_since(spins_began) < QUIET_SPINS;
                    self.park(quiet).await;
                    empty = 0;
                    continue;
                }
            }
            // Let the woken connections run; they queue their sends for the next turn.
            futures_lite::future::yield_now().await;
        }
    }

    /// Waits until a socket event queues work for the ring or a task queues a submission:
    /// (when `linger`) in the ring itself until the heartbeat, returning to let glommio
    /// look at its timers; after `IDLE_BEATS` heartbeats with no work, inside glommio.
    async fn park(&self, linger: bool) {
        self.parking.set(true);
        // The shard is idle: the log lines it holds go to the writer now (the logging
        // options' logger batches a shard's lines; other loggers flush as they like).
        log::logger().flush();
        if linger {
            if !self.poll_for_work() && self.mailbox.fall_asleep() {
                self.with(Inner::wait_for_work);
                self.mailbox.wake_up();
            }
            let handled = self.turn();
            let beat_only = self.with(|inner| inner.take_beat()) && handled == 1;
            let idle_beats = if beat_only {
                self.idle_beats.get() + 1
            } else {
                0
            };
            if handled > 0 && idle_beats < IDLE_BEATS {
                self.idle_beats.set(idle_beats);
                self.parking.set(false);
                return;
            }
            self.idle_beats.set(0);
        }
        // What rang while the shard was busy has been handled, or is queued in the ring
        // (its work is queued before the bell rings) and is handled by the turn below.
        self.doorbell.clear();
        if self.mailbox.fall_asleep() && self.turn() == 0 {
            let submission = poll_fn(|cx| {
                if self.with(|inner| inner.uring.submission().is_empty()) {
                    self.parked.set(Some(cx.waker().clone()));
                    Poll::Pending
                } else {
                    Poll::Ready(())
                }
            });
            self.doorbell.rung().or(submission).await;
            self.parked.set(None);
        }
        self.mailbox.wake_up();
        self.parking.set(false);
    }

    /// Polls the ring and the mailbox for the idle window (`idle_spin`) before the shard
    /// waits: whether work came meanwhile. The window follows how often that pays.
    fn poll_for_work(&self) -> bool {
        let window = self.idle_spin.borrow_mut().window();
        if window.is_zero() {
            return false;
        }
        let began = Instant::now();
        let caught = loop {
            if self.with(|inner| inner.has_work()) || self.mailbox.has_wakes() {
                break true;
            }
            if began.elapsed() >= window {
                break false;
            }
            std::hint::spin_loop();
        };
        let mut spin = self.idle_spin.borrow_mut();
        if caught {
            spin.caught();
        } else {
            spin.missed();
        }
        caught
    }

    /// The shard's doorbell: sockets join it before the ring arms anything on them.
    pub fn doorbell(&self) -> &Doorbell {
        &self.doorbell
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        if self.mailbox.is_home() {
            Mailbox::leave();
        }
    }
}

impl Inner {
    /// Queues one submission, flushing the queue to the kernel first when it is full.
    ///
    /// # Safety
    ///
    /// As [`Ring::start`]: what the entry points at must outlive its operation.
    unsafe fn push(&mut self, entry: squeue::Entry) {
        loop {
            // SAFETY: the caller vouches for the entry (this function's contract).
            if unsafe { self.uring.submission().push(&entry) }.is_ok() {
                return;
            }
            self.enter(0);
        }
    }

    /// One `io_uring_enter` when there is something to submit or completions to run
    /// (with `DEFER_TASKRUN`, nothing completes until we enter with `GETEVENTS`).
    fn enter(&mut self, wait: u32) {
        let (pending, taskrun, overflow) = {
            let sq = self.uring.submission();
            (sq.len(), sq.taskrun(), sq.cq_overflow())
        };
        if pending == 0 && !taskrun && !overflow && wait == 0 {
            return;
        }
        // SAFETY: no argument struct is passed.
        let entered = unsafe {
            self.uring.submitter().enter::<libc::sigset_t>(
                pending as u32,
                wait,
                ENTER_GETEVENTS,
                None,
            )
        };
        if let Err(e) = entered {
            // EBUSY/EAGAIN: the completion queue is full; the reaping that follows makes room.
            if !matches!(
                e.raw_os_error(),
                Some(libc::EBUSY | libc::EAGAIN | libc::EINTR)
            ) {
                log::error!("io_uring_enter failed: {e}");
            }
        }
    }

    /// Arms the heartbeat unless it is armed, submits what is queued, and blocks in the
    /// kernel until a completion is ready: the kernel wakes the owner of a `DEFER_TASKRUN`
    /// ring as soon as work is queued for it, and the heartbeat bounds the wait.
    fn wait_for_work(&mut self) {
        if self.beat != Beat::Armed {
            let key = self.ops.insert(Op::Heartbeat);
            let timeout = opcode::Timeout::new(&self.beat_period).build();
            // SAFETY: the timeout points at `beat_period`, owned by the ring, which
            // outlives every operation (dropping the ring drops the io_uring first).
            unsafe { self.push(timeout.user_data(key as u64)) };
            self.beat = Beat::Armed;
        }
        if let Err(e) = self.uring.submitter().submit_and_wait(1) {
            if !matches!(
                e.raw_os_error(),
                Some(libc::EBUSY | libc::EAGAIN | libc::EINTR)
            ) {
                log::error!("io_uring_enter failed: {e}");
            }
        }
    }

    /// Whether the kernel has work queued for this ring (`DEFER_TASKRUN` task work, flagged
    /// in the submission queue) or completions waiting, without entering it.
    fn has_work(&mut self) -> bool {
        self.uring.submission().taskrun() || !self.uring.completion().is_empty()
    }

    /// Arms the multishot poll on the mailbox's bell unless it is armed.
    fn arm_mail(&mut self) {
        if self.mail_armed {
            return;
        }
        let poll = opcode::PollAdd::new(types::Fd(self.mail_fd), libc::POLLIN as u32)
            .multi(true)
            .build();
        let key = self.ops.insert(Op::Mail);
        // SAFETY: a poll entry carries no pointer, only the bell's fd.
        unsafe { self.push(poll.user_data(key as u64)) };
        self.mail_armed = true;
    }

    /// Whether the heartbeat completed since the last look.
    fn take_beat(&mut self) -> bool {
        if self.beat == Beat::Fired {
            self.beat = Beat::Off;
            return true;
        }
        false
    }

    /// Handles the completions ready, up to `CQES_PER_TURN`.
    fn reap(&mut self) -> usize {
        let mut handled = 0;
        let mut cq = self.uring.completion();
        for cqe in cq.by_ref().take(CQES_PER_TURN) {
            handled += 1;
            let key = cqe.user_data();
            if key == IGNORE {
                continue;
            }
            let key = key as usize;
            let (res, flags) = (cqe.result(), cqe.flags());
            let more = cqueue::more(flags);
            match self.ops.get(key) {
                Some(Op::Recv(sock)) => {
                    sock.on_recv(key, res, flags, &mut self.bufs, &mut self.cancels);
                    sock.wake_reader(&mut self.woken);
                }
                Some(Op::Send(sock)) => sock.on_sent(res, &mut self.woken),
                Some(Op::Accept(queue)) => queue.on_ready(more, &mut self.woken),
                Some(Op::Heartbeat) => self.beat = Beat::Fired,
                Some(Op::Mail) => {
                    self.mail_rung = true;
                    self.mail_armed = more;
                }
                None => {}
            }
            if !more {
                self.ops.try_remove(key);
            }
        }
        drop(cq);
        for key in std::mem::take(&mut self.cancels) {
            // SAFETY: a cancel entry carries no pointer.
            unsafe { self.push(cancel_entry(key)) };
        }
        handled
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The kernel must stop picking buffers before their memory goes.
        let _ = self.uring.submitter().unregister_buf_ring(BUF_GROUP);
    }
}

/// A cancellation of operation `key`, whose own completion is ignored.
fn cancel_entry(key: usize) -> squeue::Entry {
    opcode::AsyncCancel::new(key as u64)
        .build()
        .user_data(IGNORE)
}

/// A multishot receive on `fd` into the provided buffers.
pub(crate) fn recv_entry(fd: i32) -> squeue::Entry {
    opcode::RecvMulti::new(types::Fd(fd), BUF_GROUP).build()
}
