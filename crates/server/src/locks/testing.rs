//! Test support: running a test's body on a glommio executor small enough for CI.

use std::future::Future;

use glommio::{LocalExecutorBuilder, Placement};

/// Runs `body` to completion on a fresh glommio executor with 64 KiB of io_uring memory
/// (the default 10 MiB would not fit a CI machine's locked-memory limit).
pub(crate) fn run<T>(body: impl Future<Output = T>) -> T {
    LocalExecutorBuilder::new(Placement::Unbound)
        .io_memory(64 << 10)
        .make()
        .expect("a glommio executor")
        .run(body)
}
