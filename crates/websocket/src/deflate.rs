//! permessage-deflate (RFC 7692): offers, negotiation, and the [`Deflater`]/[`Inflater`] pair.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{DecodeError, EncodeError};
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

/// Compresses outgoing messages: raw deflate, sync-flushed, tail stripped.
pub struct Deflater {
    compress: Compress,
    no_context_takeover: bool,
}

impl std::fmt::Debug for Deflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .finish_non_exhaustive()
    }
}

impl Deflater {
    /// A compressor with a `window_bits` window (8 is compressed with 9, zlib's least),
    /// resetting its context after each message when `no_context_takeover`.
    pub fn new(window_bits: u8, no_context_takeover: bool, level: u32) -> Self {
        Self {
            compress: Compress::new_with_window_bits(
                Compression::new(level.min(9)),
                false,
                window_bits.clamp(9, 15),
            ),
            no_context_takeover,
        }
    }

    /// Appends the compressed form of one whole message to `out`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::deflate::{Deflater, Inflater};
    ///
    /// let mut d = Deflater::new(15, false, 6);
    /// let mut wire = Vec::new();
    /// d.compress(b"Hello", &mut wire).unwrap();
    /// // RFC 7692 §7.2.3.1: "Hello" compressed without context takeover.
    /// assert_eq!(wire, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    ///
    /// let mut i = Inflater::new(15, false);
    /// let mut back = Vec::new();
    /// i.inflate(&wire, &mut back, 1024).unwrap();
    /// i.finish(&mut back, 1024).unwrap();
    /// assert_eq!(back, b"Hello");
    /// ```
    pub fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let mut pos = 0;
        loop {
            out.reserve(input.len() - pos + 64);
            let before = self.compress.total_in();
            self.compress
                .compress_vec(&input[pos..], out, FlushCompress::Sync)
                .map_err(|_| EncodeError::Compress)?;
            pos += (self.compress.total_in() - before) as usize;
            if pos == input.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        if out.len() == start {
            // Nothing was flushed (an empty message): send an empty stored block's
            // header, which the receiver's appended tail completes (RFC 7692 §7.2.3.6).
            out.push(0x00);
        }
        if self.no_context_takeover {
            self.compress.reset();
        }
        Ok(())
    }
}

/// Decompresses incoming messages piece by piece, never producing more than a limit.
pub struct Inflater {
    decompress: Decompress,
    no_context_takeover: bool,
    /// The peer ended the deflate stream (BFINAL) inside this message.
    ended: bool,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .finish_non_exhaustive()
    }
}

/// The most an inflate step writes before the output is checked against the limit.
const INFLATE_CHUNK: usize = 16 * 1024;

impl Inflater {
    /// A decompressor for a peer compressing with a `window_bits` window, reset after
    /// each message when `no_context_takeover`.
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Self {
            decompress: Decompress::new_with_window_bits(false, window_bits.clamp(9, 15)),
            no_context_takeover,
            ended: false,
            scratch: vec![0; INFLATE_CHUNK],
        }
    }

    /// Inflates the next piece of a message's compressed payload onto `out`.
    ///
    /// Fails with [`DecodeError::MessageTooBig`] as soon as `out` would exceed `limit`
    /// bytes; `out` then holds at most `limit` bytes, so a compression bomb costs no
    /// more than the limit.
    pub fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), DecodeError> {
        let mut pos = 0;
        while !self.ended {
            let (before_in, before_out) = (self.decompress.total_in(), self.decompress.total_out());
            let status = self
                .decompress
                .decompress(&input[pos..], &mut self.scratch, FlushDecompress::Sync)
                .map_err(|_| DecodeError::Inflate)?;
            let consumed = (self.decompress.total_in() - before_in) as usize;
            let produced = (self.decompress.total_out() - before_out) as usize;
            pos += consumed;
            if produced > limit.saturating_sub(out.len()) {
                return Err(DecodeError::MessageTooBig);
            }
            out.extend_from_slice(&self.scratch[..produced]);
            if status == Status::StreamEnd {
                self.ended = true;
            } else if (pos == input.len() && produced < self.scratch.len())
                || (consumed == 0 && produced == 0)
            {
                break;
            }
        }
        Ok(())
    }

    /// Ends a message: inflates the stripped `00 00 ff ff` tail, and resets the context
    /// when the peer does not take it over.
    pub fn finish(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), DecodeError> {
        self.inflate(&TAIL, out, limit)?;
        if self.no_context_takeover || self.ended {
            self.decompress.reset(false);
        }
        self.ended = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(window: u8, no_context: bool) {
        let mut d = Deflater::new(window, no_context, 6);
        let mut i = Inflater::new(window, no_context);
        let mut sizes = Vec::new();
        for n in 0..5 {
            let msg: Vec<u8> =
                format!("message {n}: the quick brown fox jumps over the lazy dog. ")
                    .repeat(50 + n)
                    .into_bytes();
            let mut wire = Vec::new();
            d.compress(&msg, &mut wire).unwrap();
            sizes.push(wire.len());
            let mut back = Vec::new();
            // Feed in uneven pieces.
            for piece in wire.chunks(7) {
                i.inflate(piece, &mut back, 1 << 20).unwrap();
            }
            i.finish(&mut back, 1 << 20).unwrap();
            assert_eq!(back, msg, "window {window} no_context {no_context}");
        }
        // The same text again is cheaper with the context kept.
        let mut d2 = Deflater::new(window, no_context, 6);
        let msg = b"repeated repeated repeated payload payload payload".to_vec();
        let mut a = Vec::new();
        d2.compress(&msg, &mut a).unwrap();
        let mut b = Vec::new();
        d2.compress(&msg, &mut b).unwrap();
        if no_context {
            assert_eq!(a, b);
        } else {
            assert!(b.len() < a.len());
        }
    }

    #[test]
    fn round_trips_every_window() {
        for window in 8..=15 {
            round_trip(window, false);
            round_trip(window, true);
        }
    }

    #[test]
    fn empty_message_round_trips() {
        let mut d = Deflater::new(15, false, 6);
        let mut i = Inflater::new(15, false);
        for _ in 0..3 {
            let mut wire = Vec::new();
            d.compress(b"", &mut wire).unwrap();
            let mut back = Vec::new();
            i.inflate(&wire, &mut back, 10).unwrap();
            i.finish(&mut back, 10).unwrap();
            assert!(back.is_empty(), "{wire:x?} {back:x?}");
        }
    }

    #[test]
    fn rfc7692_shared_window_example() {
        // §7.2.3.2: two "Hello" messages with context takeover.
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        i.inflate(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], &mut out, 100)
            .unwrap();
        i.finish(&mut out, 100).unwrap();
        i.inflate(&[0xf2, 0x00, 0x11, 0x00, 0x00], &mut out, 100)
            .unwrap();
        i.finish(&mut out, 100).unwrap();
        assert_eq!(out, b"HelloHello");
        // §7.2.3.3: an uncompressed (stored) block; §7.2.3.5: two blocks.
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        i.inflate(
            &[
                0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
            ],
            &mut out,
            100,
        )
        .unwrap();
        i.finish(&mut out, 100).unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn final_block_then_next_message() {
        // A peer that ends each message with BFINAL (a whole raw deflate stream).
        let mut c = Compress::new_with_window_bits(Compression::default(), false, 15);
        let mut wire = Vec::with_capacity(100);
        c.compress_vec(b"Hello", &mut wire, FlushCompress::Finish)
            .unwrap();
        let mut i = Inflater::new(15, false);
        for _ in 0..2 {
            let mut out = Vec::new();
            i.inflate(&wire, &mut out, 100).unwrap();
            i.finish(&mut out, 100).unwrap();
            assert_eq!(out, b"Hello");
        }
    }

    #[test]
    fn bomb_is_cut_at_the_limit() {
        let zeros = vec![0u8; 1 << 20];
        let mut c = Compress::new_with_window_bits(Compression::best(), false, 15);
        let mut wire = Vec::new();
        for _ in 0..100 {
            wire.reserve(1 << 16);
            c.compress_vec(&zeros, &mut wire, FlushCompress::None)
                .unwrap();
        }
        wire.reserve(1 << 16);
        c.compress_vec(&[], &mut wire, FlushCompress::Sync).unwrap();
        assert!(wire.len() < 200 * 1024, "{}", wire.len());
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        let limit = 1 << 20;
        assert_eq!(
            i.inflate(&wire, &mut out, limit),
            Err(DecodeError::MessageTooBig)
        );
        assert!(out.len() <= limit);
        assert!(out.capacity() <= 2 * limit);
    }

    #[test]
    fn corrupt_data_is_1007() {
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        let r = i
            .inflate(&[0xff, 0xff, 0xff, 0xff, 0xff], &mut out, 100)
            .and_then(|()| i.finish(&mut out, 100));
        assert_eq!(r, Err(DecodeError::Inflate));
        assert_eq!(DecodeError::Inflate.close_code().0, 1007);
    }

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
