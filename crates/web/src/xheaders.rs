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
    // As Tornado: the rightmost X-Forwarded-For hop that is not a trusted proxy (the
    // leftmost when all are), overridden by X-Real-Ip, used only if it is a valid IP.
    let mut candidate = None;
    if let Some(list) = header("X-Forwarded-For") {
        for hop in list.rsplit(',').map(str::trim) {
            candidate = Some(hop);
            if !hop
                .parse::<IpAddr>()
                .is_ok_and(|ip| settings.trusted_downstream.contains(&ip))
            {
                break;
            }
        }
    }
    let candidate = header("X-Real-Ip").map(str::trim).or(candidate);
    let ip = candidate.and_then(|c| c.parse().ok()).unwrap_or(peer);
    let scheme = header("X-Scheme").or_else(|| header("X-Forwarded-Proto"));
    let protocol = match scheme.and_then(|s| s.rsplit(',').next()).map(str::trim) {
        Some("https") => "https",
        _ => "http",
    };
    (ip, protocol)
}
