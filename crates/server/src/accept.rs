//! A listener on the shard's ring: a multishot poll says when connections wait, and the
//! shard's accept loop takes them with `accept4`.
//!
//! Why not io_uring's multishot accept: it waits on the listener *exclusively*, at the tail
//! of the socket's wait queue, behind the shard's doorbell, so a parked shard was woken
//! before the accept's completion was queued and could go back to sleep without it (seen
//! in traces: the doorbell fired 9 µs before the accept's work). A plain poll waits at the
//! head, ahead of the doorbell (see `doorbell`), so the ring's work is always queued first;
//! the accepts themselves are plain non-blocking syscalls, one per connection.

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::task::{Poll, Waker};

use io_uring::{opcode, types};
use socket2::Socket;

use crate::ring::{Op, Ring};

/// What the ring's poll on a listener reports to.
#[derive(Default)]
pub(crate) struct AcceptQueue {
    /// Connections may be waiting: try `accept4` before waiting again.
    ready: Cell<bool>,
    /// The multishot poll's key while it is in the kernel.
    armed: Cell<Option<usize>>,
    waker: Cell<Option<Waker>>,
}

impl AcceptQueue {
    /// A poll completion: the listener is readable (or the poll ended).
    pub fn on_ready(&self, more: bool, woken: &mut Vec<Waker>) {
        self.ready.set(true);
        if !more {
            self.armed.set(None);
        }
        if let Some(waker) = self.waker.take() {
            woken.push(waker);
        }
    }
}

/// A listening socket (non-blocking) whose readiness arrives through the ring.
pub(crate) struct Acceptor {
    ring: Rc<Ring>,
    listener: Socket,
    queue: Rc<AcceptQueue>,
}

impl Acceptor {
    /// Takes the listener, which the ring's doorbell already watches (`shard::run` adds it
    /// before anything is armed on it); nothing is armed until the first `accept`.
    pub fn new(ring: Rc<Ring>, listener: Socket) -> Self {
        let queue = AcceptQueue::default();
        // Connections may already wait in the backlog.
        queue.ready.set(true);
        Self {
            ring,
            listener,
            queue: Rc::new(queue),
        }
    }

    /// The next connection's fd (owned by the caller), or why accepting failed.
    pub async fn accept(&self) -> io::Result<RawFd> {
        poll_fn(|cx| {
            if self.queue.ready.get() {
                match self.accept_now() {
                    Ok(Some(fd)) => return Poll::Ready(Ok(fd)),
                    Ok(None) => self.queue.ready.set(false),
                    Err(e) => return Poll::Ready(Err(e)),
                }
            }
            if self.queue.armed.get().is_none() {
                self.arm();
            }
            self.queue.waker.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await
    }

    /// One non-blocking `accept4`: `None` when no connection waits.
    fn accept_now(&self) -> io::Result<Option<RawFd>> {
        loop {
            // SAFETY: accept4 on our own listener; the address arguments may be null.
            let fd = unsafe {
                libc::accept4(
                    self.listener.as_raw_fd(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    libc::SOCK_CLOEXEC,
                )
            };
            if fd >= 0 {
                return Ok(Some(fd));
            }
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EAGAIN) => return Ok(None),
                // The peer gave up before we took it, or a signal: try the next one.
                Some(libc::ECONNABORTED | libc::EPROTO | libc::EINTR) => continue,
                _ => return Err(err),
            }
        }
    }

    fn arm(&self) {
        let fd = self.listener.as_raw_fd();
        // SAFETY: a poll entry carries no pointer, only the listener's fd.
        let key = unsafe {
            self.ring.start(Op::Accept(self.queue.clone()), || {
                opcode::PollAdd::new(types::Fd(fd), libc::POLLIN as u32)
                    .multi(true)
                    .build()
            })
        };
        self.queue.armed.set(Some(key));
    }

    /// Stops watching the listener: cancels the poll and waits for its end (until then the
    /// kernel holds the listener open).
    pub async fn close(self) {
        if let Some(key) = self.queue.armed.get() {
            self.ring.cancel(key);
        }
        poll_fn(|cx| {
            if self.queue.armed.get().is_none() {
                return Poll::Ready(());
            }
            self.queue.waker.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await;
    }
}
