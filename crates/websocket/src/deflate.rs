//! permessage-deflate (RFC 7692): offers, negotiation, and the [`Deflater`]/[`Inflater`] pair.

mod codec;

pub use codec::{Deflater, Inflater};

use crate::handshake::ResponseError;
use crate::Role;

/// The extension token.
pub const EXTENSION_NAME: &str = "permessage-deflate";

/// The four bytes a sync flush ends with: stripped when sending, appended when receiving.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// What this endpoint is willing to negotiate.
///
/// Window sizes are clamped to 9..=15: zlib cannot compress with an 8-bit window, so a
/// peer that insists on `server_max_window_bits=8` is declined (the server side) and an
/// 8 that a server picks for `client_max_window_bits` is compressed with 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateConfig {
    /// Reset the server's compression context after every message.
    pub server_no_context_takeover: bool,
    /// Ask (server) or promise (client) that the client resets its context per message.
    pub client_no_context_takeover: bool,
    /// The largest window the server compresses with (9..=15).
    pub server_max_window_bits: u8,
    /// The largest window the client compresses with (9..=15).
    pub client_max_window_bits: u8,
    /// The zlib compression level, 0..=9 (6 is zlib's default).
    pub level: u32,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
            level: 6,
        }
    }
}

/// One valid `permessage-deflate` offer from a client's `Sec-WebSocket-Extensions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeflateOffer {
    /// `server_no_context_takeover` was offered.
    pub server_no_context_takeover: bool,
    /// `client_no_context_takeover` was offered.
    pub client_no_context_takeover: bool,
    /// `server_max_window_bits=N`.
    pub server_max_window_bits: Option<u8>,
    /// `client_max_window_bits` (`Some(None)`) or `client_max_window_bits=N`.
    pub client_max_window_bits: Option<Option<u8>>,
}

/// The parameters both sides agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The server resets its compression context per message.
    pub server_no_context_takeover: bool,
    /// The client resets its compression context per message.
    pub client_no_context_takeover: bool,
    /// The server's compression window (8..=15).
    pub server_max_window_bits: u8,
    /// The client's compression window (8..=15).
    pub client_max_window_bits: u8,
}

impl Negotiated {
    /// The compressor for messages `role` sends.
    pub fn deflater(&self, role: Role, level: u32) -> Deflater {
        match role {
            Role::Server => Deflater::new(
                self.server_max_window_bits,
                self.server_no_context_takeover,
                level,
            ),
            Role::Client => Deflater::new(
                self.client_max_window_bits,
                self.client_no_context_takeover,
                level,
            ),
        }
    }

    /// The decompressor for messages `role` receives.
    pub fn inflater(&self, role: Role) -> Inflater {
        match role {
            Role::Server => {
                Inflater::new(self.client_max_window_bits, self.client_no_context_takeover)
            }
            Role::Client => {
                Inflater::new(self.server_max_window_bits, self.server_no_context_takeover)
            }
        }
    }

    /// The `Sec-WebSocket-Extensions` value that states these parameters.
    pub fn header_value(&self, with_client_bits: bool) -> String {
        let mut s = String::from(EXTENSION_NAME);
        if self.server_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.client_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.server_max_window_bits < 15 {
            s.push_str(&format!(
                "; server_max_window_bits={}",
                self.server_max_window_bits
            ));
        }
        if with_client_bits && self.client_max_window_bits < 15 {
            s.push_str(&format!(
                "; client_max_window_bits={}",
                self.client_max_window_bits
            ));
        }
        s
    }
}

/// One extension of a `Sec-WebSocket-Extensions` list: its name and parameters.
type Extension<'a> = (&'a str, Vec<(&'a str, Option<&'a str>)>);

fn parse_extensions(header: &str) -> Vec<Extension<'_>> {
    header
        .split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|ext| {
            let mut parts = ext.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => {
                        let v = v.trim();
                        let v = v
                            .strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or(v);
                        (k.trim(), Some(v))
                    }
                    None => (p, None),
                })
                .collect();
            (name, params)
        })
        .collect()
}

fn window_bits(value: &str) -> Option<u8> {
    if value.is_empty() || value.len() > 2 || value.starts_with('0') {
        return None;
    }
    let bits: u8 = value.parse().ok()?;
    (8..=15).contains(&bits).then_some(bits)
}

fn offer_from(params: &[(&str, Option<&str>)]) -> Option<DeflateOffer> {
    let mut offer = DeflateOffer::default();
    let mut seen = [false; 4];
    for &(name, value) in params {
        let slot = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" if value.is_none() => {
                offer.server_no_context_takeover = true;
                0
            }
            "client_no_context_takeover" if value.is_none() => {
                offer.client_no_context_takeover = true;
                1
            }
            "server_max_window_bits" => {
                offer.server_max_window_bits = Some(window_bits(value?)?);
                2
            }
            "client_max_window_bits" => {
                offer.client_max_window_bits = Some(match value {
                    None => None,
                    Some(v) => Some(window_bits(v)?),
                });
                3
            }
            _ => return None,
        };
        if std::mem::replace(&mut seen[slot], true) {
            return None;
        }
    }
    Some(offer)
}

/// The valid `permessage-deflate` offers in one `Sec-WebSocket-Extensions` value, in
/// order of preference. Other extensions, and offers with unknown, repeated or
/// out-of-range parameters, are left out (declined).
///
/// # Examples
///
/// ```
/// use typhoon_websocket::deflate::parse_offers;
///
/// let offers = parse_offers(
///     "x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=20, \
///      permessage-deflate; client_max_window_bits; server_no_context_takeover",
/// );
/// assert_eq!(offers.len(), 1);
/// assert_eq!(offers[0].client_max_window_bits, Some(None));
/// assert!(offers[0].server_no_context_takeover);
/// ```
pub fn parse_offers(header: &str) -> Vec<DeflateOffer> {
    parse_extensions(header)
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(EXTENSION_NAME))
        .filter_map(|(_, params)| offer_from(params))
        .collect()
}

/// Server side: picks the first offer `config` can accept and returns the agreed
/// parameters with the `Sec-WebSocket-Extensions` response value; `None` declines
/// compression.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::deflate::{negotiate, parse_offers, DeflateConfig};
///
/// let offers = parse_offers("permessage-deflate; client_max_window_bits");
/// let (agreed, header) = negotiate(&offers, &DeflateConfig::default()).unwrap();
/// assert_eq!(header, "permessage-deflate");
/// assert_eq!(agreed.client_max_window_bits, 15);
///
/// let config = DeflateConfig { client_max_window_bits: 10, ..Default::default() };
/// let (_, header) = negotiate(&offers, &config).unwrap();
/// assert_eq!(header, "permessage-deflate; client_max_window_bits=10");
/// ```
pub fn negotiate(offers: &[DeflateOffer], config: &DeflateConfig) -> Option<(Negotiated, String)> {
    let server_limit = config.server_max_window_bits.clamp(9, 15);
    let client_limit = config.client_max_window_bits.clamp(9, 15);
    offers.iter().find_map(|offer| {
        let server_bits = offer
            .server_max_window_bits
            .map_or(server_limit, |b| b.min(server_limit));
        if server_bits < 9 {
            return None;
        }
        let client_bits = match offer.client_max_window_bits {
            None => 15,
            Some(None) => client_limit,
            Some(Some(b)) => b.min(client_limit),
        };
        let agreed = Negotiated {
            server_no_context_takeover: offer.server_no_context_takeover
                || config.server_no_context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover
                || config.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        };
        let header = agreed.header_value(offer.client_max_window_bits.is_some());
        Some((agreed, header))
    })
}

/// Client side: the `Sec-WebSocket-Extensions` value offering permessage-deflate.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::deflate::{offer, DeflateConfig};
///
/// assert_eq!(offer(&DeflateConfig::default()), "permessage-deflate; client_max_window_bits");
/// ```
pub fn offer(config: &DeflateConfig) -> String {
    let mut s = String::from(EXTENSION_NAME);
    if config.server_no_context_takeover {
        s.push_str("; server_no_context_takeover");
    }
    if config.client_no_context_takeover {
        s.push_str("; client_no_context_takeover");
    }
    let server = config.server_max_window_bits.clamp(9, 15);
    if server < 15 {
        s.push_str(&format!("; server_max_window_bits={server}"));
    }
    let client = config.client_max_window_bits.clamp(9, 15);
    if client < 15 {
        s.push_str(&format!("; client_max_window_bits={client}"));
    } else {
        s.push_str("; client_max_window_bits");
    }
    s
}

/// Client side: checks the server's `Sec-WebSocket-Extensions` answer to [`offer`]
/// (`config` must be the one the offer was made from).
///
/// # Examples
///
/// ```
/// use typhoon_websocket::deflate::{accept_response, DeflateConfig};
///
/// let config = DeflateConfig::default();
/// let agreed = accept_response("permessage-deflate; client_max_window_bits=12", &config).unwrap();
/// assert_eq!(agreed.client_max_window_bits, 12);
/// assert!(accept_response("permessage-deflate; bogus", &config).is_err());
/// ```
pub fn accept_response(header: &str, config: &DeflateConfig) -> Result<Negotiated, ResponseError> {
    let bad = ResponseError::Extension;
    let exts = parse_extensions(header);
    let [(name, params)] = exts.as_slice() else {
        return Err(bad("expected exactly one extension"));
    };
    if !name.eq_ignore_ascii_case(EXTENSION_NAME) {
        return Err(bad("unknown extension"));
    }
    let offer = offer_from(params).ok_or(bad("invalid permessage-deflate parameters"))?;
    let server_limit = config.server_max_window_bits.clamp(9, 15);
    let client_limit = config.client_max_window_bits.clamp(9, 15);
    if config.server_no_context_takeover && !offer.server_no_context_takeover {
        return Err(bad("server_no_context_takeover was not accepted"));
    }
    let server_bits = match offer.server_max_window_bits {
        Some(b) if b <= server_limit => b,
        Some(_) => return Err(bad("server_max_window_bits above the offer")),
        None if server_limit < 15 => {
            return Err(bad("server_max_window_bits was not accepted"));
        }
        None => 15,
    };
    let client_bits = match offer.client_max_window_bits {
        Some(Some(b)) if b <= client_limit => b,
        Some(Some(_)) => return Err(bad("client_max_window_bits above the offer")),
        Some(None) => return Err(bad("client_max_window_bits needs a value")),
        None => client_limit,
    };
    Ok(Negotiated {
        server_no_context_takeover: offer.server_no_context_takeover,
        client_no_context_takeover: offer.client_no_context_takeover
            || config.client_no_context_takeover,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn offers_parse_and_decline() {
        let o = parse_offers("permessage-deflate");
        assert_eq!(o, [DeflateOffer::default()]);
        for bad in [
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=010",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; unknown",
            "deflate-frame",
        ] {
            assert!(parse_offers(bad).is_empty(), "{bad}");
        }
        let o = parse_offers(
            "permessage-deflate; client_max_window_bits=\"10\"; server_max_window_bits=12; client_no_context_takeover",
        );
        assert_eq!(
            o,
            [DeflateOffer {
                server_no_context_takeover: false,
                client_no_context_takeover: true,
                server_max_window_bits: Some(12),
                client_max_window_bits: Some(Some(10)),
            }]
        );
    }

    #[test]
    fn negotiation() {
        let cfg = DeflateConfig::default();
        // First acceptable offer wins; server_max_window_bits=8 cannot be honoured.
        let offers = parse_offers(
            "permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=10; server_no_context_takeover",
        );
        let (n, h) = negotiate(&offers, &cfg).unwrap();
        assert_eq!(
            h,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
        );
        assert_eq!(n.server_max_window_bits, 10);
        assert_eq!(n.client_max_window_bits, 15);
        assert!(negotiate(
            &parse_offers("permessage-deflate; server_max_window_bits=8"),
            &cfg
        )
        .is_none());
        assert!(negotiate(&[], &cfg).is_none());
        // The server may ask the client not to keep its context.
        let cfg2 = DeflateConfig {
            client_no_context_takeover: true,
            client_max_window_bits: 12,
            ..cfg
        };
        let (n, h) = negotiate(&parse_offers("permessage-deflate"), &cfg2).unwrap();
        assert_eq!(h, "permessage-deflate; client_no_context_takeover");
        assert_eq!(n.client_max_window_bits, 15);
        let (n, h) = negotiate(
            &parse_offers("permessage-deflate; client_max_window_bits=9"),
            &cfg2,
        )
        .unwrap();
        assert_eq!(
            h,
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"
        );
        assert_eq!(n.client_max_window_bits, 9);
    }

    #[test]
    fn client_offer_and_response() {
        let cfg = DeflateConfig {
            server_no_context_takeover: true,
            server_max_window_bits: 10,
            ..Default::default()
        };
        assert_eq!(
            offer(&cfg),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits"
        );
        let n = accept_response(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
            &cfg,
        )
        .unwrap();
        assert_eq!(n.server_max_window_bits, 9);
        assert_eq!(n.client_max_window_bits, 15);
        for bad in [
            "permessage-deflate; server_max_window_bits=9",
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits",
            "permessage-deflate, permessage-deflate",
            "x-other",
        ] {
            assert!(accept_response(bad, &cfg).is_err(), "{bad}");
        }
        // Server and client ends agree on a stream.
        let server_cfg = DeflateConfig::default();
        let (server_side, header) = negotiate(
            &parse_offers(&offer(&DeflateConfig::default())),
            &server_cfg,
        )
        .unwrap();
        let client_side = accept_response(&header, &DeflateConfig::default()).unwrap();
        assert_eq!(server_side, client_side);
        let mut d = client_side.deflater(Role::Client, 6);
        let mut i = server_side.inflater(Role::Server);
        let mut wire = Vec::new();
        d.compress(b"agreed", &mut wire).unwrap();
        let mut out = Vec::new();
        i.inflate(&wire, &mut out, 100).unwrap();
        i.finish(&mut out, 100).unwrap();
        assert_eq!(out, b"agreed");
    }
}
