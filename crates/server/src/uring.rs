//! A one-syscall check that the kernel lets this process use io_uring, so a missing
//! io_uring is one sentence on the main thread instead of a panic inside glommio.

use crate::error::{Error, Result};

/// Sets up (and closes) a one-entry io_uring with the shards' setup flags.
///
/// # Errors
///
/// [`Error::IoUringUnavailable`] when the kernel refuses: too old (`ENOSYS`, or `EINVAL`
/// for the flags of Linux 6.1), disabled by
/// `kernel.io_uring_disabled` or a seccomp profile (`EPERM`, `EACCES`).
pub(crate) fn probe() -> Result<()> {
    // On a thread of its own: a thread that sets up a ring gets an io_uring task context
    // that outlives the ring. Probing on the caller's thread (often the main or test
    // thread) made later connections of the process close without a response in the
    // parallel test suite (kernel 6.18); a thread that exits takes its context with it.
    std::thread::spawn(probe_here).join().unwrap_or(Ok(()))
}

/// [`probe`] on the calling thread: for a process that must stay single-threaded (the
/// fork model's parent, which then forks and never serves, so the ring's leftover task
/// context there harms nothing).
pub(crate) fn probe_here() -> Result<()> {
    // The flags each shard's ring is set up with (`Ring::new`); DEFER_TASKRUN is the
    // newest of them (Linux 6.1), so an older kernel answers EINVAL here.
    let ring: std::io::Result<io_uring::IoUring> = io_uring::IoUring::builder()
        .setup_single_issuer()
        .setup_defer_taskrun()
        .setup_taskrun_flag()
        .setup_submit_all()
        .build(1);
    match ring {
        Ok(_) => Ok(()),
        Err(err) => match err.raw_os_error() {
            Some(libc::ENOSYS | libc::EPERM | libc::EACCES) => {
                Err(Error::IoUringUnavailable(err.to_string()))
            }
            Some(libc::EINVAL) => Err(Error::IoUringUnavailable(format!(
                "the kernel refuses IORING_SETUP_DEFER_TASKRUN: {err}"
            ))),
            // Anything else (ENOMEM, EMFILE) is not "unavailable": let the shard report it.
            _ => Ok(()),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn io_uring_is_available_here() {
        super::probe().expect("the test machines have io_uring");
    }
}
