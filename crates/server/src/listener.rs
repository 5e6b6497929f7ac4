//! Listening sockets made with socket2, as Tornado's `bind_sockets`: every address of the
//! host (IPv4 and IPv6) by default, SO_REUSEADDR, SO_REUSEPORT for one socket per shard.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, ToSocketAddrs};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::error::{Error, Result};

/// Where a server listens: a port on one host name or address, or on every interface.
#[derive(Clone, Debug)]
pub(crate) struct BindSpec {
    pub port: u16,
    /// `None` or `""`: every interface, IPv4 and IPv6.
    pub address: Option<String>,
}

/// The concrete addresses of a [`BindSpec`], IPv4 first, duplicates removed.
pub(crate) fn resolve(spec: &BindSpec) -> Result<Vec<SocketAddr>> {
    let mut addrs: Vec<SocketAddr> = match spec.address.as_deref() {
        None | Some("") => vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), spec.port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), spec.port),
        ],
        Some(host) => (host, spec.port)
            .to_socket_addrs()
            .map_err(|source| Error::Resolve {
                address: host.to_owned(),
                source,
            })?
            .collect(),
    };
    addrs.sort_by_key(|a| (a.is_ipv6(), *a));
    addrs.dedup();
    if addrs.is_empty() {
        return Err(Error::Resolve {
            address: spec.address.clone().unwrap_or_default(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
        });
    }
    Ok(addrs)
}

/// Binds `spec` on each address it resolves to, as Tornado's `bind_sockets`: with port 0
/// the port the kernel gives the first address is used for the others, and an address
/// family the host lacks is skipped when no address was named. Unless `share` says the
/// port may already be in use by others, a busy port is [`Error::PortInUse`].
pub(crate) fn bind_all(
    spec: &BindSpec,
    backlog: i32,
    share: bool,
) -> Result<Vec<(Socket, SocketAddr)>> {
    let lenient = matches!(spec.address.as_deref(), None | Some("") | Some("localhost"));
    let mut port = spec.port;
    let mut bound = Vec::new();
    for addr in resolve(spec)? {
        let addr = SocketAddr::new(addr.ip(), port);
        let socket = if port != 0 && !share {
            check_free(addr).and_then(|()| bind_listener(addr, backlog))
        } else {
            bind_listener(addr, backlog)
        };
        let socket = match socket {
            Ok(socket) => socket,
            Err(e) if lenient && is_absent_family(&e) => {
                log::debug!("skipping {addr}: {e}");
                continue;
            }
            Err(e) => return Err(e),
        };
        let local = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .ok_or(Error::Usage("a bound socket has no local address"))?;
        port = local.port();
        bound.push((socket, local));
    }
    if bound.is_empty() {
        return Err(Error::Usage("no address could be bound"));
    }
    Ok(bound)
}

/// Tornado's `netutil.bind_sockets`: listening sockets on `port` at `address` (`""` for
/// every interface, IPv4 and IPv6), to hand to
/// [`HttpServer::add_sockets`](crate::HttpServer::add_sockets) — of this process, or of
/// processes forked after binding. They carry SO_REUSEADDR and SO_REUSEPORT; a port some
/// other socket already listens on is refused.
///
/// # Errors
///
/// [`Error::PortInUse`], [`Error::Resolve`], [`Error::Bind`].
///
/// # Examples
///
/// ```
/// let sockets = typhoon_server::bind_sockets(0, "127.0.0.1", 128)?;
/// assert_eq!(sockets.len(), 1);
/// assert_ne!(sockets[0].local_addr()?.port(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn bind_sockets(port: u16, address: &str, backlog: i32) -> Result<Vec<TcpListener>> {
    let spec = BindSpec {
        port,
        address: Some(address.to_owned()),
    };
    Ok(bind_all(&spec, backlog, false)?
        .into_iter()
        .map(|(socket, _)| TcpListener::from(socket))
        .collect())
}

/// Fails with [`Error::PortInUse`] if some socket already listens on `addr`.
///
/// SO_REUSEPORT would let our bind join another process's listening group silently and
/// split its traffic; a probe bound *without* SO_REUSEPORT cannot join that group, so its
/// `EADDRINUSE` tells the two cases apart.
pub(crate) fn check_free(addr: SocketAddr) -> Result<()> {
    let probe = new_socket(addr).map_err(|source| Error::Bind { addr, source })?;
    match probe.bind(&SockAddr::from(addr)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(Error::PortInUse {
            port: addr.port(),
            addr,
        }),
        Err(source) => Err(Error::Bind { addr, source }),
    }
}

/// A non-blocking listening socket on `addr` with SO_REUSEADDR and SO_REUSEPORT, so each
/// shard can bind its own socket on the same port and the kernel spreads connections.
pub(crate) fn bind_listener(addr: SocketAddr, backlog: i32) -> Result<Socket> {
    let socket = new_socket(addr).map_err(|source| Error::Bind { addr, source })?;
    let setup = || -> io::Result<()> {
        socket.set_reuse_port(true)?;
        socket.bind(&SockAddr::from(addr))?;
        socket.listen(backlog)?;
        socket.set_nonblocking(true)
    };
    match setup() {
        Ok(()) => Ok(socket),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Err(Error::PortInUse {
            port: addr.port(),
            addr,
        }),
        Err(source) => Err(Error::Bind { addr, source }),
    }
}

/// Whether a failure to bind `addr` means "this host has no such family or address" (skip
/// it, as Tornado's `bind_sockets` does for IPv6 on IPv4-only hosts) rather than a real error.
pub(crate) fn is_absent_family(err: &Error) -> bool {
    match err {
        Error::Bind { source, .. } => matches!(
            source.raw_os_error(),
            Some(libc::EAFNOSUPPORT) | Some(libc::EADDRNOTAVAIL) | Some(libc::EPROTONOSUPPORT)
        ),
        _ => false,
    }
}

fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(
        Domain::for_address(addr),
        Type::STREAM.cloexec(),
        Some(Protocol::TCP),
    )?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // As Tornado: the IPv6 socket serves IPv6 only; IPv4 has its own socket.
        socket.set_only_v6(true)?;
    }
    Ok(socket)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn localhost(port: u16) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)
    }

    #[test]
    fn every_interface_means_v4_and_v6() {
        let addrs = resolve(&BindSpec {
            port: 80,
            address: None,
        })
        .expect("resolve");
        assert_eq!(addrs.len(), 2);
        assert!(addrs[0].is_ipv4() && addrs[1].is_ipv6());
    }

    #[test]
    fn shards_share_a_port_but_a_probe_sees_it_busy() {
        let first = bind_listener(localhost(0), 16).expect("bind");
        let port = first
            .local_addr()
            .expect("addr")
            .as_socket()
            .expect("inet")
            .port();
        let second = bind_listener(localhost(port), 16).expect("second shard joins the group");
        let err = check_free(localhost(port)).expect_err("port is busy");
        assert!(matches!(err, Error::PortInUse { .. }), "{err}");
        drop((first, second));
    }

    #[test]
    fn free_port_passes_the_probe() {
        let free = {
            let s = std::net::TcpListener::bind(localhost(0)).expect("bind");
            s.local_addr().expect("addr").port()
        };
        check_free(localhost(free)).expect("free");
    }
}
