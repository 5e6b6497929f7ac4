//! A one-syscall check that the kernel lets this process use io_uring, so a missing
//! io_uring is one sentence on the main thread instead of a panic inside glommio.

use std::io;

use crate::error::{Error, Result};

/// Sets up (and closes) a one-entry io_uring.
///
/// # Errors
///
/// [`Error::IoUringUnavailable`] when the kernel refuses: too old (`ENOSYS`), disabled by
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
    // struct io_uring_params is 120 bytes; all zero asks for no features.
    let mut params = [0u32; 30];
    // SAFETY: io_uring_setup writes at most sizeof(io_uring_params) bytes into `params`.
    let fd = unsafe { libc::syscall(libc::SYS_io_uring_setup, 1u32, params.as_mut_ptr()) };
    if fd < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::ENOSYS | libc::EPERM | libc::EACCES) => {
                Err(Error::IoUringUnavailable(err.to_string()))
            }
            // Anything else (ENOMEM, EMFILE) is not "unavailable": let glommio report it.
            _ => Ok(()),
        };
    }
    // SAFETY: `fd` is the ring we just created and own.
    unsafe { libc::close(fd as i32) };
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn io_uring_is_available_here() {
        super::probe().expect("the test machines have io_uring");
    }
}
