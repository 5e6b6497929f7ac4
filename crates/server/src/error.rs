//! Operator-facing errors: each one reads as a single sentence that names the fix.

use std::fmt;
use std::io;
use std::net::SocketAddr;

/// Why a server could not bind, start or keep running.
///
/// Each variant displays as one sentence an operator can act on; `Debug` prints the same
/// sentence so that `fn main() -> typhoon::Result<()>` shows it without a backtrace.
#[derive(thiserror::Error)]
pub enum Error {
    /// Another socket already listens on the address.
    #[error(
        "port {port} is already in use on {addr}: stop the other server, choose another port \
         (--port), or set reuse_port to share it on purpose"
    )]
    PortInUse {
        /// The port asked for.
        port: u16,
        /// The address that was busy.
        addr: SocketAddr,
    },
    /// The address could not be bound for another reason.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that failed.
        addr: SocketAddr,
        /// The system error.
        source: io::Error,
    },
    /// The host name or address did not resolve to anything bindable.
    #[error("cannot resolve the listen address {address:?}: {source}")]
    Resolve {
        /// The address as given.
        address: String,
        /// The system error.
        source: io::Error,
    },
    /// `start(n)` asked for more shards than the process may run on.
    #[error(
        "cannot start {requested} shards: this process may run on {available} CPU(s) \
         ({cpus}); use start(None) for one shard per CPU or a number up to {available}"
    )]
    TooManyShards {
        /// Shards requested.
        requested: usize,
        /// CPUs in the process's affinity mask.
        available: usize,
        /// The allowed CPUs, listed.
        cpus: String,
    },
    /// `start` or `listen` was called before `bind`, or twice.
    #[error("{0}")]
    Usage(&'static str),
    /// The kernel refuses io_uring (old kernel, `kernel.io_uring_disabled`, or a seccomp
    /// profile such as Docker's default).
    #[error(
        "io_uring is unavailable ({0}): Typhoon needs Linux 6.1 or newer with io_uring \
         enabled (check `sysctl kernel.io_uring_disabled` and the container's seccomp profile)"
    )]
    IoUringUnavailable(String),
    /// The locked-memory limit is too small for the shard's io_uring rings.
    #[error(
        "too little locked memory for io_uring: the limit is {limit_kib} KiB and a shard \
         needs {needed_kib} KiB; raise it with `ulimit -l {suggest_kib}` (or LimitMEMLOCK= \
         in systemd, --ulimit memlock= in Docker)"
    )]
    MemLock {
        /// The current RLIMIT_MEMLOCK, KiB.
        limit_kib: u64,
        /// What one shard asked for, KiB.
        needed_kib: u64,
        /// A limit that fits every shard, KiB.
        suggest_kib: u64,
    },
    /// A shard thread could not start or died.
    #[error("shard {shard} failed: {reason}")]
    Shard {
        /// The shard id.
        shard: usize,
        /// What went wrong, one sentence.
        reason: String,
    },
    /// A supervisor gave up: the fork model's children, or a server's shards, died more
    /// often than [`ServerConfig::max_restarts`](crate::ServerConfig::max_restarts) allows
    /// (Tornado's "Too many child restarts, giving up"). The budget counts restarts over
    /// all children (all shards of a server), not per child.
    #[error(
        "too many {what} restarts ({restarts}, max_restarts is {max_restarts}): {what} \
         {task_id} (pid {pid}) {how}; giving up (the log above says why the {} died)",
        plural(what)
    )]
    TooManyRestarts {
        /// What was restarted: `"child"` (the fork model) or `"shard"`.
        what: &'static str,
        /// Restarts asked for so far, this one included.
        restarts: usize,
        /// The budget.
        max_restarts: usize,
        /// The task id of the child (or the id of the shard) whose end passed the budget.
        task_id: usize,
        /// Its process id (for a shard, the server's own).
        pid: i32,
        /// How it ended: `exited with status 1`, `killed by signal 9`, `panicked: boom`.
        how: String,
    },
    /// A forked child ended badly while the fork model was stopping.
    #[error("child {task_id} (pid {pid}) {how} while stopping")]
    ChildFailed {
        /// The child's task id.
        task_id: usize,
        /// Its process id.
        pid: i32,
        /// How it ended.
        how: String,
    },
    /// [`HttpServer::take_over`](crate::HttpServer::take_over) found no server serving
    /// handovers at the path.
    #[error(
        "nothing to take over at {}: no running server serves handovers there (start it with \
         --handover PATH, or start this one without --takeover)",
        path.display()
    )]
    NothingToTakeOver {
        /// The path given.
        path: std::path::PathBuf,
    },
    /// A server answered at the path, but handing its sockets over failed.
    #[error("cannot take over from the server at {}: {source}", path.display())]
    Takeover {
        /// The path given.
        path: std::path::PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// Any other I/O error while setting up.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The system error.
        source: io::Error,
    },
}

/// `child` → `children`, `shard` → `shards`.
fn plural(what: &str) -> String {
    match what {
        "child" => "children".to_owned(),
        other => format!("{other}s"),
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `Result` with Typhoon's server [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
