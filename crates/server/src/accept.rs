//! A listener on the shard's ring: one multishot accept, its new connections queued for the
//! shard's accept loop.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::task::{Poll, Waker};

use io_uring::{opcode, types};
use socket2::Socket;

use crate::ring::{Op, Ring};

/// Accept completions not yet taken by the accept loop.
#[derive(Default)]
pub(crate) struct AcceptQueue {
    /// New fds, or `-errno`.
    ready: RefCell<VecDeque<i32>>,
    /// The multishot accept's key while it is in the kernel.
    armed: Cell<Option<usize>>,
    waker: Cell<Option<Waker>>,
}

impl AcceptQueue {
    /// An accept completion.
    pub fn on_accept(&self, res: i32, more: bool, woken: &mut Vec<Waker>) {
        self.ready.borrow_mut().push_back(res);
        if !more {
            self.armed.set(None);
        }
        if let Some(waker) = self.waker.take() {
            woken.push(waker);
        }
    }
}

/// A listening socket whose connections arrive through the ring.
pub(crate) struct Acceptor {
    ring: Rc<Ring>,
    listener: Socket,
    queue: Rc<AcceptQueue>,
}

impl Acceptor {
    pub fn new(ring: Rc<Ring>, listener: Socket) -> Self {
        Self {
            ring,
            listener,
            queue: Rc::default(),
        }
    }

    /// The next connection's fd (owned by the caller), or why accepting failed.
    pub async fn accept(&self) -> io::Result<RawFd> {
        let res = poll_fn(|cx| {
            if let Some(res) = self.queue.ready.borrow_mut().pop_front() {
                return Poll::Ready(res);
            }
            if self.queue.armed.get().is_none() {
                self.arm();
            }
            self.queue.waker.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await;
        if res < 0 {
            return Err(io::Error::from_raw_os_error(-res));
        }
        Ok(res)
    }

    fn arm(&self) {
        let fd = self.listener.as_raw_fd();
        let key = self.ring.start(Op::Accept(self.queue.clone()), || {
            opcode::AcceptMulti::new(types::Fd(fd))
                .flags(libc::SOCK_CLOEXEC)
                .build()
        });
        self.queue.armed.set(Some(key));
    }

    /// Stops accepting: cancels the multishot, waits for its end (until then the kernel
    /// holds the listener open), and closes the connections accepted meanwhile.
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
        for res in self.queue.ready.borrow_mut().drain(..) {
            if res >= 0 {
                // SAFETY: a connection accepted for us that nobody took.
                unsafe { libc::close(res) };
            }
        }
    }
}
