//! `IoLoop`: Tornado's `IOLoop.current().start()` — runs the servers this thread set up and
//! returns when they have stopped (SIGINT or SIGTERM, or a `ServerHandle::stop`).

use std::cell::RefCell;
use std::sync::mpsc::channel;
use std::sync::{Mutex, Once, PoisonError, Weak};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::error::{Error, Result};
use crate::handle::{ServerHandle, Shared};
use crate::launch::{wait_exits, Launch};

thread_local! {
    static PENDING: RefCell<Vec<Box<dyn Launch>>> = const { RefCell::new(Vec::new()) };
}

/// Servers that a signal stops.
static ON_SIGNAL: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// The current thread's loop: it holds the servers that `listen`/`start` registered on this
/// thread until `start` runs them.
///
/// # Examples
///
/// ```no_run
/// # use typhoon_server::{Factory, HttpServer, IoLoop, Response, ShardInfo};
/// # struct Hello;
/// # impl typhoon_server::Service for Hello {
/// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
/// # }
/// HttpServer::new(Factory(|_: &ShardInfo| Hello)).listen(8888)?;
/// IoLoop::current().start()?;   // returns after SIGINT/SIGTERM and a graceful drain
/// # Ok::<(), typhoon_server::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct IoLoop {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl IoLoop {
    /// This thread's loop.
    pub fn current() -> IoLoop {
        IoLoop {
            _not_send: std::marker::PhantomData,
        }
    }

    pub(crate) fn add(&self, server: Box<dyn Launch>) {
        PENDING.with(|p| p.borrow_mut().push(server));
    }

    /// Runs every server registered on this thread until all have stopped. SIGINT and
    /// SIGTERM stop them gracefully (a second signal exits at once).
    ///
    /// # Errors
    ///
    /// A shard that could not start or that failed; [`Error::Usage`] if nothing was
    /// registered.
    pub fn start(&self) -> Result<()> {
        let servers: Vec<_> = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
        if servers.is_empty() {
            return Err(Error::Usage("IoLoop::start() has nothing to run: call listen(port), or bind(port) and start(n), first"));
        }
        install_signal_handler();
        let handles: Vec<ServerHandle> = servers.iter().map(|s| s.handle()).collect();
        ON_SIGNAL
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(handles.iter().map(|h| std::sync::Arc::downgrade(&h.shared)));
        let stop_all = || handles.iter().for_each(ServerHandle::stop);
        let (exits_tx, exits) = channel();
        let mut threads = Vec::new();
        let mut shards = 0;
        for server in servers {
            match server.launch(exits_tx.clone()) {
                Ok(t) => {
                    shards += t.len();
                    threads.extend(t);
                }
                Err(e) => {
                    stop_all();
                    for t in threads {
                        let _ = t.join();
                    }
                    return Err(e);
                }
            }
        }
        drop(exits_tx);
        let result = wait_exits(&exits, shards, stop_all);
        for t in threads {
            let _ = t.join();
        }
        result
    }
}

/// One signal thread per process: the first SIGINT/SIGTERM drains every running server; a
/// second one exits at once, for an operator who does not want to wait.
fn install_signal_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
            Ok(s) => s,
            Err(e) => {
                log::warn!(
                    "cannot install SIGINT/SIGTERM handlers ({e}); stop the server with its handle"
                );
                return;
            }
        };
        let spawned = std::thread::Builder::new()
            .name("typhoon-signals".into())
            .spawn(move || {
                let mut received = 0;
                for signal in signals.forever() {
                    received += 1;
                    let name = if signal == SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    if received > 1 {
                        log::warn!("{name} again: exiting without waiting for in-flight requests");
                        std::process::exit(1);
                    }
                    log::info!("{name} received: stopping gracefully");
                    for shared in ON_SIGNAL
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .iter()
                    {
                        if let Some(shared) = shared.upgrade() {
                            shared.stop();
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start the signal thread ({e}); stop the server with its handle");
        }
    });
}
