//! Launching a planned server: one thread per shard, readiness, and waiting for the end.

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

use socket2::Socket;

use crate::config::ServerConfig;
use crate::error::{Error, Result};
use crate::handle::{ServerHandle, Shared};
use crate::mesh::Mesh;
use crate::metrics::Metrics;
use crate::service::{MakeService, ShardInfo};
use crate::shard::ShardPlan;
use crate::takeover::Handover;

/// How a shard thread ended.
pub(crate) struct ShardExit {
    pub shard: usize,
    pub result: Result<()>,
}

/// A server with its listeners bound and its shards assigned to CPUs, not yet running.
pub(crate) struct Plan<M> {
    pub make: Arc<M>,
    pub config: Arc<ServerConfig>,
    pub shards: Vec<(ShardInfo, Vec<Socket>)>,
    pub addrs: Vec<SocketAddr>,
    /// Each shard's own addresses (port-per-shard mode), by shard id.
    pub shard_addrs: Vec<Vec<SocketAddr>>,
    pub shared: Arc<Shared>,
    /// Every shard's counters.
    pub metrics: Arc<Metrics>,
    /// Handovers: the predecessor to tell, the path to serve (`takeover`).
    pub handover: Handover,
}

/// How a shard thread tells `launch` it accepts connections, at most once.
pub(crate) struct Ready {
    pub shard: usize,
    pub tx: Sender<(usize, Result<()>)>,
    pub sent: Cell<bool>,
}

impl Ready {
    /// The shard accepts connections.
    pub fn started(&self) {
        self.sent.set(true);
        let _ = self.tx.send((self.shard, Ok(())));
    }
}

/// A plan with its service type erased, so an [`IoLoop`](crate::IoLoop) can hold several.
pub(crate) trait Launch: Send {
    /// Spawns every shard (each under its keeper, `supervise`) and returns once all accept
    /// connections (or one failed).
    fn launch(self: Box<Self>, exits: Sender<ShardExit>) -> Result<Vec<JoinHandle<()>>>;
    fn handle(&self) -> ServerHandle;
}

impl<M: MakeService> Plan<M> {
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            shared: self.shared.clone(),
            addrs: self.addrs.clone(),
            shard_addrs: self.shard_addrs.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// Launches on its own exit channel: the background mode.
    pub fn launch_alone(self) -> Result<RunningServer> {
        let handle = self.handle();
        let shards = self.shards.len();
        let (exits_tx, exits) = channel();
        let threads = Box::new(self).launch(exits_tx)?;
        Ok(RunningServer {
            handle,
            threads,
            exits,
            shards,
        })
    }
}

impl<M: MakeService> Launch for Plan<M> {
    fn launch(self: Box<Self>, exits: Sender<ShardExit>) -> Result<Vec<JoinHandle<()>>> {
        let Plan {
            make,
            config,
            shards,
            shared,
            metrics,
            handover,
            ..
        } = *self;
        let (ready_tx, ready) = channel::<(usize, Result<()>)>();
        let mut threads = Vec::with_capacity(shards.len());
        let count = shards.len();
        let mesh = Arc::new(Mesh::new(count));
        for (info, listeners) in shards {
            let plan = ShardPlan {
                info,
                listeners,
                make: make.clone(),
                config: config.clone(),
                shared: shared.clone(),
                mesh: mesh.clone(),
                metrics: metrics.clone(),
            };
            let spawned = crate::supervise::spawn_keeper(plan, ready_tx.clone(), exits.clone());
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(source) => {
                    shared.stop();
                    return Err(Error::Io {
                        context: "cannot spawn a shard thread",
                        source,
                    });
                }
            }
        }
        drop(ready_tx);
        // Every shard reports once: started, or why it could not start.
        let mut reported = vec![false; count];
        let mut failure = None;
        while reported.iter().any(|r| !r) {
            match ready.recv() {
                Ok((shard, Ok(()))) => reported[shard] = true,
                Ok((shard, Err(e))) => {
                    reported[shard] = true;
                    failure.get_or_insert(e);
                }
                Err(_) => {
                    let shard = reported.iter().position(|r| !r).unwrap_or(0);
                    failure.get_or_insert(Error::Shard {
                        shard,
                        reason: "it died while starting".into(),
                    });
                    break;
                }
            }
        }
        if let Some(err) = failure {
            shared.stop();
            for thread in threads {
                let _ = thread.join();
            }
            return Err(err);
        }
        handover.started(shared);
        Ok(threads)
    }

    fn handle(&self) -> ServerHandle {
        Plan::handle(self)
    }
}

/// A server running on its own shard threads (see
/// [`HttpServer::start_background`](crate::HttpServer::start_background)).
#[derive(Debug)]
pub struct RunningServer {
    handle: ServerHandle,
    threads: Vec<JoinHandle<()>>,
    exits: Receiver<ShardExit>,
    shards: usize,
}

impl RunningServer {
    /// The handle: addresses, port, `stop()`.
    pub fn handle(&self) -> &ServerHandle {
        &self.handle
    }

    /// Blocks until every shard has stopped. A shard that dies meanwhile is restarted (see
    /// [`ServerConfig::max_restarts`](crate::ServerConfig::max_restarts)) without this
    /// returning.
    ///
    /// # Errors
    ///
    /// The first shard failure, such as [`Error::TooManyRestarts`] once shards died more
    /// often than the budget allows; the other shards are then stopped too.
    pub fn wait(self) -> Result<()> {
        let result = wait_exits(&self.exits, self.shards, || self.handle.stop());
        for thread in self.threads {
            let _ = thread.join();
        }
        result
    }

    /// Stops the server and waits for it: what a test does at its end.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    pub fn stop(self) -> Result<()> {
        self.handle.stop();
        self.wait()
    }
}

/// Collects `count` shard exits; on the first failure calls `stop_all` and keeps waiting
/// for the rest, so no shard is left running when this returns.
pub(crate) fn wait_exits(
    exits: &Receiver<ShardExit>,
    count: usize,
    stop_all: impl Fn(),
) -> Result<()> {
    let mut first = None;
    for _ in 0..count {
        let Ok(exit) = exits.recv() else { break };
        if let Err(e) = exit.result {
            log::error!("shard {} stopped: {e}", exit.shard);
            if first.is_none() {
                stop_all();
                first = Some(e);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// The message a panic was raised with, when it was a string.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("non-string panic")
}
