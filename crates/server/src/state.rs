//! Shard-local state: the stop flag, the live-connection registry, the Date cache.
//!
//! Everything here lives on one shard thread, so it is plain `Rc`/`Cell`/`RefCell`; nothing
//! on the request path takes a lock.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::poll_fn;
use std::os::fd::RawFd;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::SystemTime;

use typhoon_http1::DateCache;

use crate::config::ServerConfig;
use crate::pool::BufferPool;
use crate::service::ShardInfo;

/// One connection as the shard sees it: its fd (to shut it down on stop) and whether it is
/// waiting, with nothing buffered, for its next request.
#[derive(Debug)]
pub(crate) struct ConnSlot {
    fd: RawFd,
    idle: Cell<bool>,
}

impl ConnSlot {
    pub fn set_idle(&self, idle: bool) {
        self.idle.set(idle);
    }
}

/// State shared by the tasks of one shard.
pub(crate) struct ShardState {
    pub info: ShardInfo,
    /// Connection buffers not in use.
    pub buffers: BufferPool,
    pub config: std::sync::Arc<ServerConfig>,
    pub date: RefCell<DateCache>,
    stopping: Cell<bool>,
    next_id: Cell<u64>,
    conns: RefCell<HashMap<u64, Rc<ConnSlot>>>,
    drained: Cell<Option<Waker>>,
}

impl ShardState {
    pub fn new(info: ShardInfo, config: std::sync::Arc<ServerConfig>) -> Self {
        Self {
            info,
            buffers: BufferPool::default(),
            config,
            date: RefCell::new(DateCache::new(SystemTime::now())),
            stopping: Cell::new(false),
            next_id: Cell::new(0),
            conns: RefCell::new(HashMap::new()),
            drained: Cell::new(None),
        }
    }

    /// True once shutdown began: no new connections, `Connection: close` on every response.
    pub fn stopping(&self) -> bool {
        self.stopping.get()
    }

    /// Registers a connection; the guard unregisters it when the connection ends.
    pub fn register(self: &Rc<Self>, fd: RawFd) -> ConnGuard {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let slot = Rc::new(ConnSlot {
            fd,
            idle: Cell::new(false),
        });
        self.conns.borrow_mut().insert(id, slot.clone());
        ConnGuard {
            state: self.clone(),
            id,
            slot,
        }
    }

    /// Begins shutdown on this shard: marks it stopping and wakes every idle connection by
    /// shutting down its read side, so its pending read returns end-of-file and it closes.
    /// Busy connections finish their request and close after the response.
    pub fn begin_stop(&self) {
        self.stopping.set(true);
        for slot in self.conns.borrow().values() {
            if slot.idle.get() {
                // SAFETY: the fd belongs to a live connection: slots are removed (ConnGuard
                // drop) before their stream closes the fd.
                unsafe { libc::shutdown(slot.fd, libc::SHUT_RD) };
            }
        }
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
    id: u64,
    pub slot: Rc<ConnSlot>,
}

impl Drop for ConnGuard {
    fn drop(&mut self) {
        let empty = {
            let mut conns = self.state.conns.borrow_mut();
            conns.remove(&self.id);
            conns.is_empty()
        };
        if empty {
            if let Some(waker) = self.state.drained.take() {
                waker.wake();
            }
        }
    }
}
