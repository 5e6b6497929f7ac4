//! SIGINT and SIGTERM for [`IoLoop::start`](super::IoLoop::start): one signal thread per
//! process that stops every server a loop runs.

use std::sync::{Arc, Mutex, Once, PoisonError, Weak};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::handle::Shared;

/// Servers that a signal stops. Touched when a loop starts and when a signal arrives,
/// never on the request path.
static ON_SIGNAL: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// Makes the next SIGINT/SIGTERM stop these servers, starting the signal thread if needed.
pub(super) fn stop_on_signal<'a>(servers: impl IntoIterator<Item = &'a Arc<Shared>>) {
    install_signal_handler();
    ON_SIGNAL
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .extend(servers.into_iter().map(Arc::downgrade));
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
