//! The permessage-deflate compressor and decompressor: [`Deflater`] and [`Inflater`].

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::TAIL;
use crate::error::{DecodeError, EncodeError};

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
}
