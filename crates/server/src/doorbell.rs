//! The shard's doorbell: an epoll set holding every socket of the shard's ring, which glommio
//! sleeps on when the shard has nothing to do.
//!
//! Why not the ring's own eventfd: with `DEFER_TASKRUN`, a socket event queues work for the
//! ring and the kernel signals a registered eventfd, but a signal raised from softirq
//! context (every network and loopback wakeup) is deferred to an RCU callback, one grace
//! period later. Measured on Linux 6.18: 8–16 ms per wake, so an idle shard answered 62
//! requests/s on one connection (issue 18; `perf record -g` showed the wake coming from
//! `rcu_do_batch` → `io_eventfd_do_signal`). An epoll set is woken synchronously, from the
//! socket's own wait queue, in the same walk that queues the ring's work.
//!
//! # Ordering
//! A socket is added here *before* the ring arms anything on it. epoll and the ring's
//! non-exclusive polls put their wait entries at the head of the socket's wait queue
//! (`add_wait_queue`), and a wakeup walks the queue from the head, so the ring's entries
//! (always armed later) are reached first: by the time the bell rings, the ring's work is
//! queued and its `IORING_SQ_TASKRUN` flag is set, and the woken shard finds it. The one
//! exclusive waiter io_uring would use, its accept, waits at the tail, behind the bell, so
//! listeners are polled instead (see `accept`). A trace of 12,550 rings under keep-alive
//! and connection-per-request load (perf, io_uring's `task_add` tracepoint) had each one
//! right after the ring's own work for it, on the same CPU.
//!
//! Edge-triggered: under load nobody waits on the set, and an event costs the kernel one
//! list insertion; the shard takes what rang (`clear`) only when it is about to sleep.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// What wakes a parked shard for a connection: bytes, the peer's end, errors (always
/// reported), and room to send for a send that waits in the kernel.
const CONN_EVENTS: u32 = (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;
/// What wakes it for a listener: a connection to accept.
const LISTENER_EVENTS: u32 = (libc::EPOLLIN | libc::EPOLLET) as u32;
/// Events taken per `epoll_wait` while clearing.
const BATCH: usize = 64;

/// An epoll set of the shard's sockets.
pub(crate) struct Doorbell {
    epoll: OwnedFd,
}

impl Doorbell {
    /// A new, empty set.
    ///
    /// # Errors
    /// The kernel's refusal (out of fds or memory).
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain epoll creation; the fd is owned right below.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh fd nobody else owns.
        let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Self { epoll })
    }

    /// Adds a connected socket. Call before the ring arms anything on it (see the module
    /// docs); the kernel drops it from the set when the socket closes.
    pub fn watch_conn(&self, fd: RawFd) -> io::Result<()> {
        self.add(fd, CONN_EVENTS)
    }

    /// Adds a listening socket, before the ring arms its accept.
    pub fn watch_listener(&self, fd: RawFd) -> io::Result<()> {
        self.add(fd, LISTENER_EVENTS)
    }

    /// Adds the shard's mailbox bell (`mailbox`): a wake from another thread rings it.
    pub fn watch_mailbox(&self, fd: RawFd) -> io::Result<()> {
        self.add(fd, LISTENER_EVENTS)
    }

    fn add(&self, fd: RawFd, events: u32) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events,
            u64: fd as u64,
        };
        // SAFETY: `event` is a valid epoll_event for the duration of the call.
        let res =
            unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) };
        if res < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Takes every event that rang so far, so the set reads as quiet until the next one.
    /// The events themselves are not needed: the ring's completions say what happened.
    pub fn clear(&self) {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; BATCH];
        loop {
            // SAFETY: `events` has room for `BATCH` entries; timeout 0 never blocks.
            let n = unsafe {
                libc::epoll_wait(self.epoll.as_raw_fd(), events.as_mut_ptr(), BATCH as i32, 0)
            };
            if n < BATCH as i32 {
                // Fewer than asked (or EINTR, which leaves the rest for the next clear).
                return;
            }
        }
    }

    /// Resolves once an event rings, while glommio sleeps normally (its timers, channels
    /// and other tasks keep running).
    pub async fn rung(&self) {
        crate::park::readable(self.epoll.as_raw_fd()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsRawFd;

    fn pending(bell: &Doorbell) -> i32 {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; BATCH];
        // SAFETY: as in `clear`.
        unsafe { libc::epoll_wait(bell.epoll.as_raw_fd(), events.as_mut_ptr(), 64, 0) }
    }

    #[test]
    fn a_connection_and_its_bytes_ring_and_clear_quiets_it() {
        let bell = Doorbell::new().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        bell.watch_listener(listener.as_raw_fd()).unwrap();
        assert_eq!(pending(&bell), 0);

        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        bell.watch_conn(server.as_raw_fd()).unwrap();
        // The accept rang, and the new socket is writable from the start.
        assert!(pending(&bell) >= 1);
        bell.clear();
        assert_eq!(pending(&bell), 0, "cleared");

        client.write_all(b"x").unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while pending(&bell) == 0 {
            assert!(std::time::Instant::now() < deadline, "bytes never rang");
        }
        bell.clear();
        assert_eq!(pending(&bell), 0, "edge-triggered: unread bytes ring once");
    }
}
