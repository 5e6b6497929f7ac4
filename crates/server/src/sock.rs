//! One accepted connection's socket on the shard's ring: received chunks waiting in provided
//! buffers, and the one send in flight.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use io_uring::{cqueue, opcode, types};
use smallvec::SmallVec;

use crate::bufring::BufRing;
use crate::metrics::{ShardMetrics, TimeoutKind};
use crate::ring::{recv_entry, Op, Ring};

/// Bytes received ahead of the connection's reads before its receive is paused, so a client
/// that pipelines faster than we answer is held back by TCP, not by our memory.
const QUEUE_LIMIT: usize = 16 * 1024;

/// Where the connection's multishot receive stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recv {
    /// Not in the kernel: never armed, or ended (paused, out of buffers).
    Off,
    /// Armed as operation `key`.
    Armed(usize),
    /// Being cancelled (paused); its final completion is still to come.
    Cancelling,
}

/// The part of a connection the ring's completions write to.
pub(crate) struct SockState {
    fd: RawFd,
    /// Received chunks not yet read, in order: (buffer id, length). Inline: a keep-alive
    /// connection mostly has one.
    chunks: RefCell<SmallVec<[(u16, u32); 2]>>,
    queued: Cell<usize>,
    recv: Cell<Recv>,
    /// End of input: `0` for end-of-file, `-errno` for an error.
    end: Cell<Option<i32>>,
    /// The bytes of the send in flight: kept here, not in the caller's future, so they stay
    /// put until the kernel is done with them even if that future is dropped.
    out: RefCell<BytesMut>,
    sending: Cell<bool>,
    sent: Cell<Option<i32>>,
    closed: Cell<bool>,
    reader: Cell<Option<Waker>>,
    writer: Cell<Option<Waker>>,
    /// Whoever waits for the client to go away ([`CloseWatch`]).
    closer: Cell<Option<Waker>>,
    /// When the current wait (a read or a send) gives up; the shard's sweeper checks it
    /// (`ShardState::sweep`), so a wait costs no timer of its own.
    deadline: Cell<Option<Instant>>,
    expired: Cell<bool>,
    /// Waiting for its next request with nothing buffered (shut down first on stop).
    idle: Cell<bool>,
}

impl SockState {
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    pub fn idle(&self) -> bool {
        self.idle.get()
    }

    /// Brings the current wait's deadline forward to `at` if it ends later (a handover's
    /// idle cutoff); the sweep ends the wait then.
    pub fn cut_deadline(&self, at: Instant) {
        if self.deadline.get().is_some_and(|d| d > at) {
            self.deadline.set(Some(at));
        }
    }

    /// Whether the current wait's deadline is at or before `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.deadline.get().is_some_and(|d| d <= now)
    }

    /// Ends the current wait if its deadline is at or before `now`.
    pub fn expire_if_due(&self, now: Instant) {
        if self.due(now) {
            self.deadline.set(None);
            self.expired.set(true);
            for waiter in [&self.reader, &self.writer] {
                if let Some(waker) = waiter.take() {
                    waker.wake();
                }
            }
        }
    }

    /// Starts a wait that ends at `deadline`.
    fn begin_wait(&self, deadline: Instant) {
        self.expired.set(false);
        self.deadline.set(Some(deadline));
    }

    /// Ends a wait; `true` if it ran out of time.
    fn end_wait(&self) -> bool {
        self.deadline.set(None);
        self.expired.replace(false)
    }

    /// A receive completion: a chunk, the end of input, or the end of the multishot.
    pub fn on_recv(
        &self,
        key: usize,
        res: i32,
        flags: u32,
        bufs: &mut BufRing,
        cancels: &mut Vec<usize>,
    ) {
        if res > 0 {
            if let Some(bid) = cqueue::buffer_select(flags) {
                if self.closed.get() {
                    bufs.give_back(bid);
                } else {
                    self.chunks.borrow_mut().push((bid, res as u32));
                    let queued = self.queued.get() + res as usize;
                    self.queued.set(queued);
                    if queued >= QUEUE_LIMIT && self.recv.get() == Recv::Armed(key) {
                        cancels.push(key);
                        self.recv.set(Recv::Cancelling);
                    }
                }
            }
        } else if res == 0 {
            self.end.set(Some(0));
        } else if res != -libc::ENOBUFS && res != -libc::ECANCELED {
            self.end.set(Some(res));
        }
        if !cqueue::more(flags) {
            // Out of buffers or paused: the next read arms it again.
            self.recv.set(Recv::Off);
        }
    }

    /// A send completion.
    pub fn on_sent(&self, res: i32, woken: &mut Vec<Waker>) {
        self.sending.set(false);
        self.sent.set(Some(res));
        if let Some(waker) = self.writer.take() {
            woken.push(waker);
        }
    }

    pub fn wake_reader(&self, woken: &mut Vec<Waker>) {
        if let Some(waker) = self.reader.take() {
            woken.push(waker);
        }
        if self.end.get().is_some() {
            if let Some(waker) = self.closer.take() {
                woken.push(waker);
            }
        }
    }
}

/// An accepted connection's socket, driven by the shard's ring. Closes the fd on drop.
pub(crate) struct Sock {
    ring: Rc<Ring>,
    state: Rc<SockState>,
}

impl Sock {
    /// Takes ownership of the connected socket `fd` and starts receiving on it.
    ///
    /// # Errors
    /// The shard's doorbell could not watch it (out of memory, or past
    /// `fs.epoll.max_user_watches`); the fd is closed.
    pub fn new(ring: Rc<Ring>, fd: RawFd) -> io::Result<Self> {
        // Before anything is armed on it: see `doorbell` on the order of wait entries.
        if let Err(e) = ring.doorbell().watch_conn(fd) {
            // SAFETY: the fd was handed to us and nothing else refers to it yet.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        let state = Rc::new(SockState {
            fd,
            chunks: RefCell::new(SmallVec::new()),
            queued: Cell::new(0),
            recv: Cell::new(Recv::Off),
            end: Cell::new(None),
            out: RefCell::new(BytesMut::new()),
            sending: Cell::new(false),
            sent: Cell::new(None),
            closed: Cell::new(false),
            reader: Cell::new(None),
            writer: Cell::new(None),
            closer: Cell::new(None),
            deadline: Cell::new(None),
            expired: Cell::new(false),
            idle: Cell::new(false),
        });
        let sock = Self { ring, state };
        sock.arm();
        Ok(sock)
    }

    /// The time at the start of the shard's current turn.
    pub fn now(&self) -> Instant {
        self.ring.now()
    }

    /// The shard's counters, which only this shard writes.
    pub fn counters(&self) -> &ShardMetrics {
        self.ring.counters()
    }

    /// The part the ring's completions and the shard's sweeper see.
    pub fn state(&self) -> &Rc<SockState> {
        &self.state
    }

    fn arm(&self) {
        arm(&self.ring, &self.state);
    }

    /// A watch for the client going away, held apart from the socket (which the
    /// connection and its responder borrow in turn).
    pub fn watch_close(&self) -> CloseWatch {
        CloseWatch {
            ring: self.ring.clone(),
            state: self.state.clone(),
        }
    }

    /// Waits until `ready`, holding no buffer. `Ok(false)` when `deadline` passed first.
    pub fn readable_before(&self, deadline: Instant) -> Readable<'_> {
        Readable::new(&self.ring, &self.state, deadline, false)
    }

    /// The receiving side alone, for a reader that cannot borrow the socket: a streamed
    /// request body, read by its handler while the connection waits for the answer.
    pub fn reader(&self) -> SockReader {
        SockReader {
            ring: self.ring.clone(),
            state: self.state.clone(),
        }
    }

    /// `readable_before` for a keep-alive connection between requests: marked idle
    /// meanwhile, so a stopping shard closes it at once.
    pub fn idle_until(&self, deadline: Instant) -> Readable<'_> {
        Readable::new(&self.ring, &self.state, deadline, true)
    }

    /// Appends every received byte to `dst` and gives the buffers back. `Ok(0)` means
    /// end-of-file. Call when `ready`.
    pub fn read_ready(&self, dst: &mut BytesMut) -> io::Result<usize> {
        read_ready(&self.ring, &self.state, dst)
    }

    /// Sends all of `wbuf` (leaving it empty), giving up after `timeout` without progress.
    pub async fn write_all(&self, wbuf: &mut BytesMut, timeout: Duration) -> io::Result<()> {
        let state = &self.state;
        if state.sending.get() || !state.out.borrow().is_empty() {
            return Err(io::Error::other(
                "an earlier write on this connection was abandoned",
            ));
        }
        std::mem::swap(wbuf, &mut *state.out.borrow_mut());
        let total = state.out.borrow().len();
        let mut done = 0;
        let mut result = Ok(());
        while done < total {
            let (ptr, len) = {
                let out = state.out.borrow();
                (
                    out[done..].as_ptr(),
                    (total - done).min(u32::MAX as usize) as u32,
                )
            };
            let fd = state.fd;
            state.sending.set(true);
            // SAFETY: `ptr..ptr+len` lies in `state.out`, which the `Op::Send` holds and
            // nobody touches while `sending` is set (until `on_sent`, awaited just below,
            // even on a timeout).
            unsafe {
                self.ring.start(Op::Send(state.clone()), || {
                    opcode::Send::new(types::Fd(fd), ptr, len)
                        .flags(libc::MSG_NOSIGNAL)
                        .build()
                })
            };
            match self.sent(timeout).await {
                Ok(n) => {
                    done += n;
                    self.ring.counters().written(n);
                }
                Err(e) => {
                    if e.kind() == io::ErrorKind::TimedOut {
                        self.ring.counters().timeout(TimeoutKind::Write);
                    }
                    result = Err(e);
                    break;
                }
            }
        }
        std::mem::swap(wbuf, &mut *state.out.borrow_mut());
        wbuf.clear();
        result
    }

    /// The result of the send in flight; past `timeout`, the socket is shut down so the
    /// send ends, and its end is awaited before reporting the timeout.
    async fn sent(&self, timeout: Duration) -> io::Result<usize> {
        let state = &self.state;
        state.begin_wait(self.ring.now() + timeout);
        let mut shut = false;
        let res = poll_fn(|cx| {
            if let Some(res) = state.sent.take() {
                return Poll::Ready(res);
            }
            if state.expired.get() && !shut {
                // The send ends once the socket is shut down; wait for that.
                shut = true;
                // SAFETY: shutting down our own open socket.
                unsafe { libc::shutdown(state.fd, libc::SHUT_RDWR) };
            }
            state.writer.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await;
        state.end_wait();
        if shut {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "client stopped reading",
            ));
        }
        match res {
            n if n > 0 => Ok(n as usize),
            0 => Err(io::ErrorKind::WriteZero.into()),
            err => Err(io::Error::from_raw_os_error(-err)),
        }
    }

    /// Half-closes: no more writes; reading goes on.
    pub fn shutdown_write(&self) -> io::Result<()> {
        socket2::SockRef::from(self).shutdown(std::net::Shutdown::Write)
    }

    /// Whether the end of the client's input has already been received (no syscall).
    pub fn end_seen(&self) -> bool {
        self.state.end.get().is_some()
    }

    /// Whether the client has closed its side (end-of-file or reset already seen).
    pub fn peer_closed(&self) -> bool {
        if self.state.end.get().is_some() {
            return true;
        }
        let mut byte = 0u8;
        // SAFETY: reads at most one byte into `byte` from our own open fd.
        let n = unsafe {
            libc::recv(
                self.state.fd,
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let err = io::Error::last_os_error();
            return err.kind() != io::ErrorKind::WouldBlock
                && err.kind() != io::ErrorKind::Interrupted;
        }
        n == 0
    }
}

/// The receiving side of a connection's socket, held apart from the socket: it reads
/// what the socket receives, but does not own or close it. Only one reader may wait at a
/// time; the connection does not read while a handler reads its request's body.
pub(crate) struct SockReader {
    ring: Rc<Ring>,
    state: Rc<SockState>,
}

impl SockReader {
    /// The time at the start of the shard's current turn.
    pub fn now(&self) -> Instant {
        self.ring.now()
    }

    /// The shard's counters.
    pub fn counters(&self) -> &ShardMetrics {
        self.ring.counters()
    }

    /// As [`Sock::readable_before`]; an error once the socket is closed (its fd number
    /// may already belong to another connection).
    pub async fn readable_before(&self, deadline: Instant) -> io::Result<bool> {
        self.open()?;
        Readable::new(&self.ring, &self.state, deadline, false).await
    }

    /// As [`Sock::read_ready`]; an error once the socket is closed.
    pub fn read_ready(&self, dst: &mut BytesMut) -> io::Result<usize> {
        self.open()?;
        read_ready(&self.ring, &self.state, dst)
    }

    fn open(&self) -> io::Result<()> {
        if self.state.closed.get() {
            return Err(io::ErrorKind::NotConnected.into());
        }
        Ok(())
    }
}

fn ready(state: &SockState) -> bool {
    !state.chunks.borrow().is_empty() || state.end.get().is_some()
}

/// Waits until the socket is ready to read, holding no buffer: `Ok(false)` when the
/// deadline passed first. A struct rather than an `async fn`: it is what every idle
/// keep-alive connection's task holds, and nested `async fn`s would each keep their own
/// copy of the arguments.
pub(crate) struct Readable<'a> {
    ring: &'a Ring,
    state: &'a Rc<SockState>,
    /// The deadline until the first poll begins the wait.
    deadline: Option<Instant>,
    /// Marks the socket idle while it waits (a keep-alive connection between requests).
    idle: bool,
}

impl<'a> Readable<'a> {
    fn new(ring: &'a Ring, state: &'a Rc<SockState>, deadline: Instant, idle: bool) -> Self {
        Self {
            ring,
            state,
            deadline: Some(deadline),
            idle,
        }
    }
}

impl Future for Readable<'_> {
    type Output = io::Result<bool>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        let state = self.state;
        if let Some(deadline) = self.deadline.take() {
            if ready(state) {
                return Poll::Ready(Ok(true));
            }
            state.begin_wait(deadline);
            if self.idle {
                state.idle.set(true);
            }
        }
        if ready(state) || state.expired.get() {
            let expired = state.end_wait();
            if self.idle {
                state.idle.set(false);
            }
            return Poll::Ready(Ok(ready(state) || !expired));
        }
        if state.recv.get() == Recv::Off {
            arm(self.ring, state);
        }
        state.reader.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

fn read_ready(ring: &Ring, state: &SockState, dst: &mut BytesMut) -> io::Result<usize> {
    let mut chunks = state.chunks.borrow_mut();
    if chunks.is_empty() {
        return match state.end.get() {
            Some(0) | None => Ok(0),
            Some(err) => Err(io::Error::from_raw_os_error(-err)),
        };
    }
    dst.reserve(state.queued.get());
    let mut total = 0;
    ring.with(|inner| {
        for (bid, len) in chunks.drain(..) {
            dst.extend_from_slice(inner.bufs.bytes(bid, len as usize));
            inner.bufs.give_back(bid);
            total += len as usize;
        }
    });
    state.queued.set(0);
    ring.counters().read(total);
    Ok(total)
}

/// Starts the connection's multishot receive.
fn arm(ring: &Ring, state: &Rc<SockState>) {
    let fd = state.fd;
    // SAFETY: the receive picks buffers from the ring's provided-buffer group, owned by
    // the ring; the entry itself carries no pointer.
    let key = unsafe { ring.start(Op::Recv(state.clone()), || recv_entry(fd)) };
    state.recv.set(Recv::Armed(key));
}

/// Waits for a connection's client to go away (end of input or an error), while its
/// request is being handled and nobody reads: [`Responder::closed`](crate::Responder::closed).
pub(crate) struct CloseWatch {
    ring: Rc<Ring>,
    state: Rc<SockState>,
}

impl CloseWatch {
    /// Resolves once the client has closed its side or the connection failed. Bytes the
    /// client sends meanwhile are kept for the connection; past `QUEUE_LIMIT` of them the
    /// receive pauses and a close is seen only when the connection reads again.
    pub async fn closed(self) {
        let state = &self.state;
        poll_fn(|cx| {
            if state.end.get().is_some() {
                return Poll::Ready(());
            }
            if state.recv.get() == Recv::Off
                && state.queued.get() < QUEUE_LIMIT
                && !state.closed.get()
            {
                arm(&self.ring, state);
            }
            state.closer.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await;
    }
}

impl AsFd for Sock {
    /// The connected socket, for socket options and addresses (`socket2::SockRef`).
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd stays open while `self` lives (closed only in `drop`).
        unsafe { BorrowedFd::borrow_raw(self.state.fd) }
    }
}

impl Drop for Sock {
    fn drop(&mut self) {
        let state = &self.state;
        state.closed.set(true);
        if let Recv::Armed(key) = state.recv.get() {
            // close() alone would leave the multishot holding the socket open.
            self.ring.cancel(key);
        }
        self.ring.with(|inner| {
            for (bid, _) in state.chunks.borrow_mut().drain(..) {
                inner.bufs.give_back(bid);
            }
        });
        // SAFETY: the fd is ours; operations still in flight hold their own reference to
        // the socket, not the number.
        unsafe { libc::close(state.fd) };
    }
}
