//! systemd socket activation: listening sockets passed as `LISTEN_FDS` from fd 3 on.

use std::net::TcpListener;
use std::os::fd::{FromRawFd, RawFd};

use crate::error::{Error, Result};

/// The first descriptor systemd passes (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// The listening sockets systemd passed this process (socket activation, `sd_listen_fds`):
/// `LISTEN_FDS` descriptors from fd 3 on, when `LISTEN_PID` names this process; none
/// otherwise. Hand them to [`HttpServer::add_sockets`](crate::HttpServer::add_sockets)
/// (which refuses one that is not a listening TCP socket). The variables are removed so
/// that child processes do not take the sockets for theirs, and the descriptors are made
/// close-on-exec; call it once, before starting threads.
///
/// # Errors
///
/// [`Error::Usage`] when `LISTEN_FDS` is not a number.
///
/// # Examples
///
/// ```no_run
/// # use typhoon_server::{Factory, HttpServer, Response, ShardInfo};
/// # struct Hello;
/// # impl typhoon_server::Service for Hello {
/// #     async fn call(&self, _r: typhoon_http1::Request, out: typhoon_server::Responder) { out.send(Response::new(200, "")) }
/// # }
/// let mut server = HttpServer::new(Factory(|_: &ShardInfo| Hello));
/// let inherited = typhoon_server::listen_fds()?;
/// if inherited.is_empty() {
///     server.bind(8888)?;
/// } else {
///     server.add_sockets(inherited)?;
/// }
/// # Ok::<(), typhoon_server::Error>(())
/// ```
pub fn listen_fds() -> Result<Vec<TcpListener>> {
    let ours = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        == Some(std::process::id());
    if !ours {
        return Ok(Vec::new());
    }
    let count = std::env::var("LISTEN_FDS").unwrap_or_default();
    let count: RawFd = count
        .trim()
        .parse()
        .map_err(|_| Error::Usage("LISTEN_FDS is not a number of sockets"))?;
    for name in ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] {
        std::env::remove_var(name);
    }
    let mut sockets = Vec::new();
    for fd in FIRST_FD..FIRST_FD.saturating_add(count.max(0)) {
        // SAFETY: F_SETFD on a descriptor systemd passed us; a closed one fails harmlessly.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
            continue; // not open: nothing to own
        }
        // SAFETY: systemd passed this descriptor to this process (LISTEN_PID) for it to
        // own, and nothing else in the process takes it.
        sockets.push(unsafe { TcpListener::from_raw_fd(fd) });
    }
    Ok(sockets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_process_s_sockets_are_not_ours() {
        // LISTEN_PID of some other process: nothing is taken, whatever LISTEN_FDS says.
        std::env::set_var("LISTEN_PID", "1");
        std::env::set_var("LISTEN_FDS", "2");
        assert!(listen_fds().expect("not ours").is_empty());
        std::env::remove_var("LISTEN_PID");
        std::env::remove_var("LISTEN_FDS");
    }
}
