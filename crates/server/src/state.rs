//! Shard-local state: the stop flag, the live-connection registry, the response preamble
//! (`Server` and `Date` lines).
//!
//! Everything here lives on one shard thread, so it is plain `Rc`/`Cell`/`RefCell`; nothing
//! on the request path takes a lock.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::{Instant, SystemTime};

use slab::Slab;
use typhoon_http1::{DateCache, Preamble};

use crate::config::ServerConfig;
use crate::metrics::Metrics;
use crate::pool::BufferPool;
use crate::service::ShardInfo;
use crate::sock::SockState;

/// State shared by the tasks of one shard.
pub(crate) struct ShardState {
    pub info: ShardInfo,
    /// Connection buffers not in use.
    pub buffers: BufferPool,
    pub config: std::sync::Arc<ServerConfig>,
    /// `Server` and `Date` lines of every response, rebuilt when the date changes.
    pub preamble: RefCell<Preamble>,
    /// Every shard's counters, for the metrics endpoint (this shard's own are written
    /// through its ring: `Ring::counters`).
    pub metrics: std::sync::Arc<Metrics>,
    stopping: Cell<bool>,
    /// After a handover: when connections still idle are closed (see `begin_stop`).
    idle_cutoff: Cell<Option<Instant>>,
    /// Live connections: their sockets, to shut them down on stop and to end their waits
    /// at their deadlines.
    conns: RefCell<Slab<Rc<SockState>>>,
    drained: Cell<Option<Waker>>,
    /// Told when the shard begins to stop: upgraded sessions (WebSockets) listen, to
    /// close properly before the shutdown deadline.
    stop: event_listener::Event,
}

impl ShardState {
    pub fn new(
        info: ShardInfo,
        config: std::sync::Arc<ServerConfig>,
        metrics: std::sync::Arc<Metrics>,
    ) -> Self {
        let date = DateCache::new(SystemTime::now());
        let preamble = Preamble::new(config.server_name.as_bytes(), date.as_bytes());
        Self {
            info,
            buffers: BufferPool::default(),
            config,
            preamble: RefCell::new(preamble),
            metrics,
            stopping: Cell::new(false),
            idle_cutoff: Cell::new(None),
            conns: RefCell::new(Slab::new()),
            drained: Cell::new(None),
            stop: event_listener::Event::new(),
        }
    }

    /// Resolves once the shard has begun to stop.
    pub async fn until_stopping(&self) {
        loop {
            if self.stopping() {
                return;
            }
            let listener = self.stop.listen();
            // Listening before looking again: a stop between the two is not missed.
            if self.stopping() {
                return;
            }
            listener.await;
        }
    }

    /// Shows `now` in the preamble's `Date` line (called once a second, so the date is
    /// formatted afresh each time).
    pub fn set_date(&self, now: SystemTime) {
        let date = DateCache::new(now);
        self.preamble.borrow_mut().set_date(date.as_bytes());
    }

    /// True once shutdown began: no new connections, `Connection: close` on every response.
    pub fn stopping(&self) -> bool {
        self.stopping.get()
    }

    /// Registers a connection; the guard unregisters it when the connection ends.
    pub fn register(self: &Rc<Self>, sock: &Rc<SockState>) -> ConnGuard {
        let id = self.conns.borrow_mut().insert(sock.clone());
        ConnGuard {
            state: self.clone(),
            id,
        }
    }

    /// Begins shutdown on this shard: marks it stopping and wakes every idle connection by
    /// shutting down its read side, so its pending read returns end-of-file and it closes.
    /// Busy connections finish their request and close after the response.
    ///
    /// After a handover (`idle_grace`) idle connections are left to send their next
    /// request instead, answered with `Connection: close`, for up to `idle_grace`: a
    /// client under load has its next request on the way, and closing under it would fail
    /// that request. Those still idle then end at their wait's deadline.
    pub fn begin_stop(&self, idle_grace: Option<std::time::Duration>) {
        self.stopping.set(true);
        self.stop.notify(usize::MAX);
        if let Some(grace) = idle_grace {
            let cutoff = Instant::now() + grace;
            self.idle_cutoff.set(Some(cutoff));
            for (_, sock) in self.conns.borrow().iter() {
                if sock.idle() {
                    sock.cut_deadline(cutoff);
                }
            }
            return;
        }
        for (_, sock) in self.conns.borrow().iter() {
            if sock.idle() {
                // SAFETY: the fd belongs to a live connection: sockets are unregistered
                // (ConnGuard drop) before they close their fd.
                unsafe { libc::shutdown(sock.fd(), libc::SHUT_RD) };
            }
        }
    }

    /// Until when a connection that has answered everything may wait for its next
    /// request, from `now`: the idle timeout, cut short after a handover; `None` once the
    /// shard stops otherwise (the connection closes).
    pub fn idle_deadline(&self, now: Instant) -> Option<Instant> {
        let deadline = now + self.config.idle_timeout;
        match (self.stopping(), self.idle_cutoff.get()) {
            (false, _) => Some(deadline),
            (true, Some(cutoff)) => Some(deadline.min(cutoff)),
            (true, None) => None,
        }
    }

    /// After the shard's executor died (a panic unwound out of it), its connections'
    /// tasks will never run again: shuts every connection down both ways, so its client
    /// sees the end at once. (Their descriptors stay open, held by the dead tasks.)
    pub fn abandon(&self) {
        let Ok(conns) = self.conns.try_borrow() else {
            return;
        };
        for (_, sock) in conns.iter() {
            // SAFETY: the fd belongs to a live connection (see `begin_stop`); its owner,
            // a task of the dead executor, never runs or closes it again.
            unsafe { libc::shutdown(sock.fd(), libc::SHUT_RDWR) };
        }
    }

    /// The connections whose current wait's deadline is at or before `now` (the sweep
    /// runs every `sweep_period` and ends their waits a few at a time).
    pub fn due(&self, now: Instant) -> Vec<Rc<SockState>> {
        self.conns
            .borrow()
            .iter()
            .filter(|(_, sock)| sock.due(now))
            .map(|(_, sock)| sock.clone())
            .collect()
    }

    /// How often deadlines are checked: often enough for the shortest configured timeout
    /// to be kept within an eighth of it, and at least four times a second.
    pub fn sweep_period(&self) -> std::time::Duration {
        let c = &self.config;
        let shortest = [
            c.idle_timeout,
            c.header_timeout,
            c.body_timeout,
            c.write_timeout,
        ]
        .into_iter()
        .min()
        .unwrap_or_default();
        (shortest / 8).clamp(
            std::time::Duration::from_millis(5),
            std::time::Duration::from_millis(250),
        )
    }

    /// Number of live connections.
    pub fn live(&self) -> usize {
        self.conns.borrow().len()
    }

    /// Resolves when no connection is left.
    pub async fn drained(&self) {
        poll_fn(|cx| {
            if self.live() == 0 {
                Poll::Ready(())
            } else {
                self.drained.set(Some(cx.waker().clone()));
                Poll::Pending
            }
        })
        .await
    }
}

/// Keeps a connection in its shard's registry while it lives.
pub(crate) struct ConnGuard {
    state: Rc<ShardState>,
    id: usize,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let empty = {
            let mut conns = self.state.conns.borrow_mut();
            conns.try_remove(self.id);
            conns.is_empty()
        };
        if empty {
            if let Some(waker) = self.state.drained.take() {
                waker.wake();
            }
        }
    }
}
