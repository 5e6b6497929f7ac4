//! may-minihttp hello, one may worker thread (`--workers N` for more): `GET /` → 200
//! `good boy`.
//!
//! may-minihttp 0.1 binds its own listener and leaves `set_nodelay` commented out in its
//! accept loop, so TCP_NODELAY is set on the listening socket right after `start` (before any
//! connection is accepted): Linux copies it to every accepted socket. `--no-nodelay` leaves it
//! off (the library's default).
use std::io;
use std::os::fd::RawFd;

use may_minihttp::{HttpServer, HttpService, Request, Response};

#[derive(Clone)]
struct Hello;

impl HttpService for Hello {
    fn call(&mut self, _req: Request, rsp: &mut Response) -> io::Result<()> {
        rsp.body(typhoon_bench_peers::BODY);
        Ok(())
    }
}

/// The listening TCP socket of this process: (fd, port).
fn find_listener() -> Option<(RawFd, u16)> {
    for entry in std::fs::read_dir("/proc/self/fd").ok()? {
        let fd: RawFd = match entry
            .ok()?
            .file_name()
            .to_str()
            .and_then(|s| s.parse().ok())
        {
            Some(fd) => fd,
            None => continue,
        };
        // SAFETY: borrowed for the duration of the calls only; never closed here.
        let sock = unsafe {
            std::mem::ManuallyDrop::new(<socket2::Socket as std::os::fd::FromRawFd>::from_raw_fd(
                fd,
            ))
        };
        let listening = sock.is_listener().unwrap_or(false);
        if !listening {
            continue;
        }
        if let Some(addr) = sock.local_addr().ok().and_then(|a| a.as_socket()) {
            return Some((fd, addr.port()));
        }
    }
    None
}

fn main() -> io::Result<()> {
    let port = typhoon_bench_peers::port_arg();
    let nodelay = !typhoon_bench_peers::has_flag("--no-nodelay");
    let workers = typhoon_bench_peers::workers_arg();
    may::config().set_workers(workers).set_worker_pin(false);
    let server = HttpServer(Hello).start(("127.0.0.1", port))?;
    let (fd, bound) = find_listener().expect("may-minihttp's listening socket");
    if nodelay {
        // SAFETY: as above.
        let sock = unsafe {
            std::mem::ManuallyDrop::new(<socket2::Socket as std::os::fd::FromRawFd>::from_raw_fd(
                fd,
            ))
        };
        sock.set_nodelay(true)?;
    }
    eprintln!(
        "may-minihttp: TCP_NODELAY {}",
        if nodelay { "on" } else { "off" }
    );
    typhoon_bench_peers::announce(bound);
    server.join().ok();
    Ok(())
}
