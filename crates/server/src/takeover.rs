//! Zero-downtime restart: a running server hands its listening sockets to a new process
//! over a Unix socket (SCM_RIGHTS), then drains and stops.
//!
//! # Protocol
//! The old server listens on a Unix stream socket at a path
//! ([`HttpServer::serve_handovers`](crate::HttpServer::serve_handovers)). A new process
//! ([`HttpServer::take_over`](crate::HttpServer::take_over)) connects and receives every
//! listening socket of the old one, each once (a shard's SO_REUSEPORT socket, not a
//! duplicate per shard): messages of 8 bytes (the total count and this message's count,
//! little-endian `u32`s), each carrying up to [`FDS_PER_MESSAGE`] descriptors. The new
//! process starts serving on them, takes the path over (bound beside it and renamed onto
//! it, so the path always answers), and writes `READY\n`. Only then does the old server
//! stop accepting and drain: a connection still waiting in an accept queue is accepted by
//! the new process from the very same socket, so none is reset.
//!
//! The descriptors are passed with hand-written `sendmsg`/`recvmsg`: std's ancillary-data
//! API is unstable, and two system calls do not justify a dependency (`nix` is in the tree
//! only at glommio's old version, without its socket feature).

use std::io::{self, Read, Write};
use std::mem::size_of;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::handle::Shared;

/// How long the old server's keep-alive connections may take to send their next request
/// after a handover (answered with `Connection: close`) before they are closed while idle.
/// A client that sends at the very moment of that close can still see its request fail:
/// HTTP/1.1 has no race-free way to close an idle connection; a client under load always
/// sends well within this.
pub(crate) const IDLE_GRACE: Duration = Duration::from_secs(1);
/// What the new process writes once it accepts connections.
const READY: &[u8; 6] = b"READY\n";
/// Descriptors per message, well under the kernel's `SCM_MAX_FD` (253).
const FDS_PER_MESSAGE: usize = 64;
/// How long the old server waits for the new one to start, and the new one for the sockets.
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(30);

/// A server's part in handovers, from [`HttpServer`](crate::HttpServer) to its launch.
#[derive(Debug, Default)]
pub(crate) struct Handover {
    /// The server this one took over from: told `READY` once this one accepts.
    pub predecessor: Option<(UnixStream, PathBuf)>,
    /// Where to serve handovers once started.
    pub serve_at: Option<PathBuf>,
    /// Every listening socket once (duplicates), to pass on.
    pub sockets: Vec<OwnedFd>,
}

impl Handover {
    /// Keeps a duplicate of `fd` to pass on, unless the same socket is kept already.
    pub fn keep(&mut self, fd: &impl AsRawFd) -> io::Result<()> {
        let inode = socket_inode(fd.as_raw_fd())?;
        for kept in &self.sockets {
            if socket_inode(kept.as_raw_fd())? == inode {
                return Ok(());
            }
        }
        // SAFETY: `fd` is open for the duration of this call; the duplicate is ours.
        let dup = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if dup < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `dup` was just made and nothing else owns it.
        self.sockets.push(unsafe { OwnedFd::from_raw_fd(dup) });
        Ok(())
    }

    /// The server accepts connections: serve handovers at `serve_at` (taking the path over
    /// from the predecessor, if any), then tell the predecessor to drain.
    pub fn started(self, shared: Arc<Shared>) {
        if let Some(path) = self.serve_at {
            match bind(&path) {
                Ok((listener, inode)) => {
                    let sockets = self.sockets;
                    shared.set_handover_path(HandoverPath {
                        path: path.clone(),
                        inode,
                    });
                    let spawned = std::thread::Builder::new()
                        .name("typhoon-handover".into())
                        .spawn(move || serve(listener, &path, &sockets, &shared));
                    if let Err(e) = spawned {
                        log::error!("cannot serve handovers: no thread for it: {e}");
                    }
                }
                Err(e) => log::error!("cannot serve handovers at {}: {e}", path.display()),
            }
        }
        if let Some((mut stream, path)) = self.predecessor {
            match stream.write_all(READY) {
                Ok(()) => log::info!(
                    "took over the listening sockets of the server at {}: it drains and exits",
                    path.display()
                ),
                Err(e) => log::warn!(
                    "took over the listening sockets of the server at {}, but could not tell it \
                     to drain ({e}): stop it by hand",
                    path.display()
                ),
            }
        }
    }
}

/// A handover path this server bound, and the inode it had then: removed on stop only if
/// it is still this server's (a successor has renamed its own onto it otherwise).
#[derive(Debug)]
pub(crate) struct HandoverPath {
    path: PathBuf,
    inode: u64,
}

impl HandoverPath {
    pub fn remove(self) {
        if std::fs::metadata(&self.path).is_ok_and(|meta| meta.ino() == self.inode) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Connects to the server serving handovers at `path` and receives its listening sockets.
pub(crate) fn receive(path: &Path) -> Result<(UnixStream, Vec<TcpListener>)> {
    let stream = match UnixStream::connect(path) {
        Ok(stream) => stream,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Err(Error::NothingToTakeOver {
                path: path.to_owned(),
            })
        }
        Err(source) => {
            return Err(Error::Takeover {
                path: path.to_owned(),
                source,
            })
        }
    };
    let received = stream
        .set_read_timeout(Some(HANDOVER_TIMEOUT))
        .and_then(|()| recv_fds(&stream));
    match received {
        Ok(fds) => Ok((stream, fds.into_iter().map(TcpListener::from).collect())),
        Err(source) => Err(Error::Takeover {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Binds a Unix socket at `path`: beside it first, then renamed onto it, so a path that
/// answers (the predecessor's) is replaced without a moment when nothing does. Readable and
/// writable by the owner only: whoever connects gets the listening sockets.
fn bind(path: &Path) -> io::Result<(UnixListener, u64)> {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.new", std::process::id()));
    let fresh = PathBuf::from(name);
    let _ = std::fs::remove_file(&fresh);
    let listener = UnixListener::bind(&fresh)?;
    let placed = std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&fresh, path))
        .and_then(|()| std::fs::metadata(path));
    match placed {
        Ok(meta) => Ok((listener, meta.ino())),
        Err(e) => {
            let _ = std::fs::remove_file(&fresh);
            Err(e)
        }
    }
}

/// The old side: answers handover requests until one succeeds (then asks the server to
/// drain) or the server stops (which removes the path).
fn serve(listener: UnixListener, path: &Path, sockets: &[OwnedFd], shared: &Shared) {
    if let Err(e) = listener.set_nonblocking(true) {
        log::error!("cannot serve handovers at {}: {e}", path.display());
        return;
    }
    log::info!("serving handovers at {}", path.display());
    while !shared.stop_requested() {
        match listener.accept() {
            Ok((stream, _)) => match hand_over(stream, sockets) {
                Ok(()) => {
                    log::info!(
                        "handed {} listening socket(s) over at {}: draining",
                        sockets.len(),
                        path.display()
                    );
                    shared.stop_handed_over();
                    return;
                }
                Err(e) => log::warn!(
                    "a handover at {} failed, still serving: {e}",
                    path.display()
                ),
            },
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_readable(&listener),
            Err(e) => {
                log::warn!("handover socket at {}: {e}", path.display());
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Waits up to 100 ms for a connection, so a stop is noticed soon.
fn wait_readable(listener: &UnixListener) {
    let mut fd = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, for the duration of the call.
    unsafe { libc::poll(&mut fd, 1, 100) };
}

/// Sends the sockets to one new process and waits until it accepts connections.
fn hand_over(stream: UnixStream, sockets: &[OwnedFd]) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(HANDOVER_TIMEOUT))?;
    stream.set_write_timeout(Some(HANDOVER_TIMEOUT))?;
    let raw: Vec<RawFd> = sockets.iter().map(AsRawFd::as_raw_fd).collect();
    send_fds(&stream, &raw)?;
    let mut ack = [0u8; READY.len()];
    (&stream).read_exact(&mut ack).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            io::Error::other("the new process went away before it was ready")
        } else {
            e
        }
    })?;
    if &ack != READY {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the new process answered something other than READY",
        ));
    }
    Ok(())
}

/// Control-message buffer for `fds` descriptors, aligned for `cmsghdr`.
fn control_buffer(fds: usize) -> (Vec<u64>, usize) {
    let bytes = (fds * size_of::<RawFd>()) as u32;
    // SAFETY: CMSG_SPACE is arithmetic on its argument.
    let space = unsafe { libc::CMSG_SPACE(bytes) } as usize;
    (vec![0u64; space.div_ceil(size_of::<u64>())], space)
}

/// Sends `fds` in messages of [`FDS_PER_MESSAGE`], each with its 8-byte header.
fn send_fds(stream: &UnixStream, fds: &[RawFd]) -> io::Result<()> {
    let total = fds.len() as u32;
    let mut chunks: Vec<&[RawFd]> = fds.chunks(FDS_PER_MESSAGE).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    for chunk in chunks {
        let mut header = [0u8; 8];
        header[..4].copy_from_slice(&total.to_le_bytes());
        header[4..].copy_from_slice(&(chunk.len() as u32).to_le_bytes());
        let (mut control, space) = control_buffer(chunk.len());
        let mut iov = libc::iovec {
            iov_base: header.as_mut_ptr().cast(),
            iov_len: header.len(),
        };
        // SAFETY: a zeroed msghdr is valid (no name, no iov, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if !chunk.is_empty() {
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = space as _;
            // SAFETY: `control` is `space` bytes, aligned, room for one header and
            // `chunk.len()` descriptors (CMSG_SPACE), so the first header and its data fit.
            unsafe {
                let cmsg = libc::CMSG_FIRSTHDR(&msg);
                (*cmsg).cmsg_level = libc::SOL_SOCKET;
                (*cmsg).cmsg_type = libc::SCM_RIGHTS;
                (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of_val(chunk) as u32) as _;
                std::ptr::copy_nonoverlapping(
                    chunk.as_ptr(),
                    libc::CMSG_DATA(cmsg).cast::<RawFd>(),
                    chunk.len(),
                );
            }
        }
        let sent = loop {
            // SAFETY: `msg` points at `iov`, `header` and `control`, all alive here.
            let sent = unsafe { libc::sendmsg(stream.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
            if sent >= 0 {
                break sent as usize;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        };
        // The descriptors went with the first byte; the rest of the header follows plainly.
        (&*stream).write_all(&header[sent..])?;
    }
    Ok(())
}

/// Receives the sockets `send_fds` sent, close-on-exec.
fn recv_fds(stream: &UnixStream) -> io::Result<Vec<OwnedFd>> {
    let mut fds = Vec::new();
    loop {
        let mut header = [0u8; 8];
        let (mut control, space) = control_buffer(FDS_PER_MESSAGE);
        let mut iov = libc::iovec {
            iov_base: header.as_mut_ptr().cast(),
            iov_len: header.len(),
        };
        // SAFETY: a zeroed msghdr is valid (no name, no iov, no control).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let got = loop {
            // SAFETY: `msg` points at `iov`, `header` and `control`, all alive here.
            let got =
                unsafe { libc::recvmsg(stream.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
            if got >= 0 {
                break got as usize;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        };
        let before = fds.len();
        // Owned first, so that they are closed on any error below.
        // SAFETY: the kernel filled `control` (msg_controllen bytes) with well-formed
        // headers; SCM_RIGHTS data are descriptors now open in this process, owned by us.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let data = libc::CMSG_DATA(cmsg).cast::<RawFd>();
                    let len = (*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                    for i in 0..len / size_of::<RawFd>() {
                        fds.push(OwnedFd::from_raw_fd(data.add(i).read_unaligned()));
                    }
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        if got == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the running server closed the handover connection before sending its sockets",
            ));
        }
        if msg.msg_flags & libc::MSG_CTRUNC != 0 {
            return Err(io::Error::other("too many descriptors in one message"));
        }
        (&*stream).read_exact(&mut header[got..])?;
        let total = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        if fds.len() - before != count || fds.len() > total {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the handover messages do not add up: is a Typhoon server listening there?",
            ));
        }
        if fds.len() == total {
            return Ok(fds);
        }
    }
}

/// The inode of socket `fd`: the same for every duplicate of one socket.
fn socket_inode(fd: RawFd) -> io::Result<u64> {
    // SAFETY: a zeroed stat is a valid out-parameter.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `stat` is a valid out-parameter; a bad fd is an error, not UB.
    if unsafe { libc::fstat(fd, &mut stat) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stat.st_ino as u64)
}

/// Which of the sockets bound to `addrs` (by index) shard `id` of `shards` accepts from:
/// those of each address are spread apart ([`spread_one`]), so that every shard accepts
/// from every address (an old server's shards held one IPv4 and one IPv6 socket each: a
/// plain spread would leave one new shard all the IPv4 sockets).
pub(crate) fn spread<A: PartialEq>(addrs: &[A], shards: usize, id: usize) -> Vec<usize> {
    let mut mine = Vec::new();
    for (first, addr) in addrs.iter().enumerate() {
        if addrs[..first].contains(addr) {
            continue; // its group is done
        }
        let group: Vec<usize> = (first..addrs.len())
            .filter(|&i| addrs[i] == *addr)
            .collect();
        mine.extend(
            spread_one(group.len(), shards, id)
                .into_iter()
                .map(|i| group[i]),
        );
    }
    mine.sort_unstable();
    mine
}

/// Which of `sockets` sockets (by index) shard `id` of `shards` accepts from: every
/// socket goes to at least one shard and every shard gets at least one socket.
fn spread_one(sockets: usize, shards: usize, id: usize) -> Vec<usize> {
    if sockets == 0 || shards == 0 {
        Vec::new()
    } else if sockets >= shards {
        (id..sockets).step_by(shards).collect()
    } else {
        vec![id % sockets]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_socket_has_a_shard_and_every_shard_a_socket() {
        for sockets in 1..7 {
            for shards in 1..7 {
                let mut served = vec![0; sockets];
                for id in 0..shards {
                    let mine = spread_one(sockets, shards, id);
                    assert!(
                        !mine.is_empty(),
                        "{sockets} sockets, {shards} shards, #{id}"
                    );
                    mine.iter().for_each(|&i| served[i] += 1);
                }
                assert!(
                    served.iter().all(|&n| n >= 1),
                    "{sockets}/{shards}: {served:?}"
                );
                if sockets >= shards {
                    assert!(served.iter().all(|&n| n == 1), "each socket once");
                }
            }
        }
    }

    #[test]
    fn every_shard_gets_every_address() {
        // Two old shards, each with an IPv4 and an IPv6 socket, to two new shards.
        let addrs = ["v4", "v6", "v4", "v6"];
        assert_eq!(spread(&addrs, 2, 0), [0, 1]);
        assert_eq!(spread(&addrs, 2, 1), [2, 3]);
        assert_eq!(spread(&addrs, 1, 0), [0, 1, 2, 3]);
        assert_eq!(spread(&addrs, 4, 3), [2, 3]);
        assert_eq!(spread(&["v4", "v6"], 2, 1), [0, 1]);
    }

    #[test]
    fn descriptors_cross_a_unix_socket() {
        let (a, b) = UnixStream::pair().expect("pair");
        let listeners: Vec<TcpListener> = (0..70)
            .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind"))
            .collect();
        let raw: Vec<RawFd> = listeners.iter().map(AsRawFd::as_raw_fd).collect();
        let sender = std::thread::spawn(move || send_fds(&a, &raw));
        let got = recv_fds(&b).expect("received");
        sender.join().expect("sender").expect("sent");
        assert_eq!(got.len(), 70);
        for (mine, theirs) in listeners.iter().zip(&got) {
            let theirs = TcpListener::from(theirs.try_clone().expect("dup"));
            assert_eq!(
                mine.local_addr().expect("addr"),
                theirs.local_addr().expect("addr")
            );
            assert_eq!(
                socket_inode(mine.as_raw_fd()).expect("inode"),
                socket_inode(theirs.as_raw_fd()).expect("inode"),
                "the very same socket"
            );
        }
    }

    #[test]
    fn a_closed_connection_is_an_error_not_a_hang() {
        let (a, b) = UnixStream::pair().expect("pair");
        drop(a);
        let err = recv_fds(&b).expect_err("nothing sent");
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn keeping_a_socket_twice_keeps_it_once() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let dup = listener.try_clone().expect("dup");
        let mut handover = Handover::default();
        handover.keep(&listener).expect("keep");
        handover.keep(&dup).expect("keep");
        assert_eq!(handover.sockets.len(), 1);
    }
}
