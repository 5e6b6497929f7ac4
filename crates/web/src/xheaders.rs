//! Who the client really is behind a reverse proxy (Tornado's `xheaders`): `X-Real-Ip`,
//! or `X-Forwarded-For` walked from the right past `trusted_downstream`; `X-Scheme` or
//! `X-Forwarded-Proto` for the protocol.

use std::net::IpAddr;

use typhoon_http1::Request;

use crate::Settings;

/// The client's IP address and protocol for `request` arriving from `peer`.
pub(crate) fn client(
    request: &Request,
    peer: IpAddr,
    settings: &Settings,
) -> (IpAddr, &'static str) {
    if !settings.xheaders {
        return (peer, "http");
    }
    let header = |name: &str| {
        request
            .header(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    };
    let forwarded = header("X-Forwarded-For").and_then(|list| {
        list.split(',')
            .map(str::trim)
            .rev()
            .filter_map(|hop| hop.parse::<IpAddr>().ok())
            .find(|ip| !settings.trusted_downstream.contains(ip))
    });
    let ip = header("X-Real-Ip")
        .and_then(|v| v.trim().parse().ok())
        .or(forwarded)
        .unwrap_or(peer);
    let scheme = header("X-Scheme")
        .or_else(|| header("X-Forwarded-Proto").and_then(|v| v.rsplit(',').next()));
    let protocol = match scheme.map(str::trim) {
        Some(s) if s.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    (ip, protocol)
}
