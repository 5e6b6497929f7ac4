//! Waiting, inside glommio, for an eventfd to become readable.
//!
//! Written by hand because glommio 0.9 has no public way to await an arbitrary fd (nor to
//! open an eventfd through its file API: `/proc/self/fd` gives `ENXIO`). Its stream type
//! arms a `POLL_ADD` for readability as soon as it is made from a raw fd, and its first
//! read waits for that poll before trying `recv`; `recv` on an eventfd then fails with
//! `ENOTSOCK`, which here only means "readable". So each wait wraps a duplicate of the fd in
//! a fresh stream and reads once. glommio is pinned to 0.9.0 for this (workspace
//! `Cargo.toml`).

use std::os::fd::{FromRawFd, RawFd};
use std::time::Duration;

use futures_lite::AsyncReadExt;

/// Resolves once `fd` (an eventfd) is readable, while glommio sleeps normally: its timers,
/// channels and other tasks keep running.
pub(crate) async fn readable(fd: RawFd) {
    // SAFETY: duplicating an fd we keep open; the duplicate is owned by the stream below.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        // Out of fds: fall back to a short sleep rather than spinning or hanging.
        glommio::timer::sleep(Duration::from_millis(1)).await;
        return;
    }
    // SAFETY: `dup` is a fresh fd that the stream now owns and closes.
    let mut stream = unsafe { glommio::net::TcpStream::from_raw_fd(dup) };
    let mut word = [0u8; 8];
    // Err(ENOTSOCK) is the expected outcome: the poll fired.
    let _ = stream.read(&mut word).await;
}
