//! Asynchronous handlers: a handler that awaits a timer, one that hashes on the blocking pool, and a periodic callback.
//!
//! ```text
//! cargo run --release --example async_handlers                 # port 8888, one shard
//! curl 'localhost:8888/sleep?ms=500'                            # slept 500 ms
//! curl 'localhost:8888/hash?data=abc&rounds=5000000'            # sha256 off the shard
//! curl localhost:8888/status                                    # answered meanwhile
//! ```
//!
//! Each shard keeps its own state (`thread_local!`): the periodic callback counts ticks and
//! notes when it last ran, and `/hash` counts the hashes in flight, which `/status` shows.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::json;
use sha2::{Digest, Sha256};
use typhoon::httpserver::{Factory, HttpServer, MakeService, ShardInfo};
use typhoon::ioloop::{shard_id, sleep, IoLoop, PeriodicCallback};
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result};

/// Serves the timer, the hash and the status on one shard.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Period of the status refresh, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    tick_ms: u64,
}

/// The longest `/sleep` and the most `/hash` rounds a request may ask for.
const MAX_SLEEP_MS: u64 = 60_000;
const MAX_ROUNDS: u64 = 100_000_000;

/// One shard's state: only that shard's thread reads or writes it, so plain `Cell`s do.
struct ShardState {
    /// Runs of the periodic callback so far.
    ticks: Cell<u64>,
    /// When it last ran, in milliseconds since the Unix epoch (0: not yet).
    refreshed_ms: Cell<u128>,
    /// `/hash` requests running on the blocking pool now.
    hashing: Cell<u64>,
}

thread_local! {
    static STATE: ShardState = const {
        ShardState { ticks: Cell::new(0), refreshed_ms: Cell::new(0), hashing: Cell::new(0) }
    };
}

/// The periodic callback: one more tick, and the time of this refresh.
fn refresh() {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    STATE.with(|s| {
        s.ticks.set(s.ticks.get() + 1);
        s.refreshed_ms.set(now);
    });
}

/// An integer query argument, 400 if it is not one or exceeds `max`.
fn argument_u64(
    h: &Handler,
    name: &str,
    default: u64,
    max: u64,
) -> std::result::Result<u64, HttpError> {
    match h.get_argument_or(name, "").as_str() {
        "" => Ok(default),
        text => text
            .parse()
            .ok()
            .filter(|&n| n <= max)
            .ok_or_else(|| HttpError::new(400)),
    }
}

/// `GET /sleep?ms=N` → `slept N ms`, after awaiting a timer: the shard serves others meanwhile.
struct SleepHandler;
impl RequestHandler for SleepHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let ms = argument_u64(h, "ms", 100, MAX_SLEEP_MS)?;
        sleep(Duration::from_millis(ms)).await;
        h.write(format!("slept {ms} ms"));
        Ok(())
    }
}

/// `GET /hash?data=X&rounds=N` → `{"rounds": N, "sha256": hex}`: sha256 applied N times,
/// run in `run_in_executor`, so the shard goes on answering while the pool hashes.
struct HashHandler;
impl RequestHandler for HashHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let rounds = argument_u64(h, "rounds", 100_000, MAX_ROUNDS)?.max(1);
        let data = h.get_argument_or("data", "typhoon").into_bytes();
        let _in_flight = InFlight::start();
        let digest = IoLoop::current()
            .run_in_executor(move || sha256_rounds(&data, rounds))
            .await
            .map_err(|_| HttpError::new(500))?;
        h.write_json(&json!({ "rounds": rounds, "sha256": digest }))?;
        Ok(())
    }
}

/// Counts a `/hash` request in `ShardState::hashing` until dropped (even if it is cut short).
struct InFlight;
impl InFlight {
    fn start() -> InFlight {
        STATE.with(|s| s.hashing.set(s.hashing.get() + 1));
        InFlight
    }
}
impl Drop for InFlight {
    fn drop(&mut self) {
        STATE.with(|s| s.hashing.set(s.hashing.get() - 1));
    }
}

/// sha256 of `data`, then of that digest, `rounds` times in all; lowercase hex. Blocking.
fn sha256_rounds(data: &[u8], rounds: u64) -> String {
    let mut digest = Sha256::digest(data);
    for _ in 1..rounds {
        digest = Sha256::digest(digest);
    }
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET /status` → this shard's id, its ticks, their last time and the hashes in flight.
struct StatusHandler;
impl RequestHandler for StatusHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let status = STATE.with(|s| {
            json!({
                "shard": shard_id(),
                "ticks": s.ticks.get(),
                "refreshed_ms": s.refreshed_ms.get() as u64,
                "hashing": s.hashing.get(),
            })
        });
        h.write_json(&status)?;
        Ok(())
    }
}

/// The application, made on each shard with its periodic callback started there (a
/// `PeriodicCallback` runs on the shard that starts it).
pub(crate) fn app(tick_ms: u64) -> impl MakeService {
    let app = Application::new(vec![
        url(r"/sleep", || SleepHandler),
        url(r"/hash", || HashHandler),
        url(r"/status", || StatusHandler),
    ]);
    Factory(move |shard: &ShardInfo| {
        PeriodicCallback::new(refresh, tick_ms.max(1)).start();
        app.make_service(shard)
    })
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    HttpServer::new(app(args.tick_ms)).listen(args.port)?;
    IoLoop::current().start()
}
