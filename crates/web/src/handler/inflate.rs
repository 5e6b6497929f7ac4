//! Inflating gzip request bodies (Tornado's `decompress_request`): whole bodies before
//! their arguments are parsed, streamed ones piece by piece; the body size limit caps
//! what they inflate to.

use std::io::{Read, Write};

use bytes::Bytes;
use flate2::read::MultiGzDecoder;

use super::Handler;
use crate::error::HttpError;

/// Why a gzip body was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InflateError {
    /// Not gzip, corrupt, truncated, or with bytes after the last member.
    #[error("invalid gzip data: {0}")]
    Invalid(std::io::Error),
    /// It inflates past the cap (a "zip bomb", or just too big).
    #[error("the body inflates past {cap} bytes")]
    TooLarge {
        /// The cap, in bytes.
        cap: u64,
    },
}

impl InflateError {
    /// The status that answers it: 400 for a body that is not gzip (Tornado's answer), 413 for one too large once
    /// inflated (Tornado answers 400 there too; 413 is what a too large body gets
    /// here before it is inflated).
    fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::TooLarge { .. } => 413,
        }
    }

    /// The error that answers it, with this as its log message.
    pub(crate) fn to_http(&self) -> HttpError {
        HttpError::new(self.status()).log(format!("Invalid body: {self}"))
    }
}

/// The gzip stream `data` inflated (every member of it, as Tornado 6.6 does), refused
/// as soon as it passes `cap` bytes: the output never grows past `cap + 1` bytes
/// whatever the ratio.
pub(crate) fn inflate_gzip(data: &[u8], cap: u64) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::new();
    MultiGzDecoder::new(data)
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(InflateError::Invalid)?;
    if out.len() as u64 > cap {
        return Err(InflateError::TooLarge { cap });
    }
    Ok(out)
}

/// Compressed bytes fed to the decoder at once: deflate inflates at most about 1,032
/// to 1, so one step makes at most about 1 MiB, however the body was made.
const INPUT_STEP: usize = 1024;
/// Inflated bytes handed on together, at least (a step may make more).
const PIECE: usize = 64 << 10;

/// A streamed gzip body inflated as its pieces arrive, for `data_received`.
pub(crate) struct Inflater {
    decoder: flate2::write::MultiGzDecoder<Vec<u8>>,
    total: u64,
    cap: u64,
}

impl Inflater {
    /// An inflater refusing more than `cap` inflated bytes.
    pub(crate) fn new(cap: u64) -> Self {
        Self {
            decoder: flate2::write::MultiGzDecoder::new(Vec::new()),
            total: 0,
            cap,
        }
    }

    /// The inflated pieces that `data` completes: each at least 64 KiB and at most
    /// what one step of 1 KiB makes (about 1 MiB), so memory stays bounded.
    ///
    /// # Errors
    ///
    /// `data` is not valid gzip, or the body inflates past the cap.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<Vec<Bytes>, InflateError> {
        let mut pieces = Vec::new();
        for step in data.chunks(INPUT_STEP) {
            self.decoder
                .write_all(step)
                .map_err(InflateError::Invalid)?;
            self.take_pieces(&mut pieces, PIECE)?;
        }
        Ok(pieces)
    }

    /// Checks that the stream ended where the body did; returns what was left.
    ///
    /// # Errors
    ///
    /// The body stopped inside a gzip member.
    pub(crate) fn finish(mut self) -> Result<Vec<Bytes>, InflateError> {
        self.decoder.try_finish().map_err(InflateError::Invalid)?;
        let mut pieces = Vec::new();
        self.take_pieces(&mut pieces, 1)?;
        Ok(pieces)
    }

    /// Moves what was inflated into `pieces` once there is at least `min` of it.
    fn take_pieces(&mut self, pieces: &mut Vec<Bytes>, min: usize) -> Result<(), InflateError> {
        let out = self.decoder.get_mut();
        if out.len() < min {
            return Ok(());
        }
        self.total += out.len() as u64;
        if self.total > self.cap {
            return Err(InflateError::TooLarge { cap: self.cap });
        }
        pieces.push(Bytes::from(std::mem::take(out)));
        Ok(())
    }
}

impl Handler {
    /// Inflates a body sent with `Content-Encoding: gzip`; [`Handler::body`] and the
    /// form arguments then read the inflated bytes.
    pub(super) fn inflate_body(&mut self) -> Result<(), HttpError> {
        let gzipped = self
            .request
            .header("content-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"gzip"));
        if !gzipped || self.request.body().is_empty() {
            return Ok(());
        }
        let cap = self
            .out
            .as_ref()
            .map_or(u64::MAX, typhoon_server::Responder::max_body_size);
        match inflate_gzip(self.request.body(), cap) {
            Ok(body) => {
                self.extras_mut().inflated_body = Some(Bytes::from(body));
                Ok(())
            }
            Err(err) => Err(err.to_http()),
        }
    }

    /// An inflater for the streamed body of this request, capped at `cap`, when
    /// `decompress_request` is on and the body came with `Content-Encoding: gzip`.
    pub(crate) fn body_inflater(&self, cap: u64) -> Option<Inflater> {
        let gzipped = self
            .request
            .header("content-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case(b"gzip"));
        (self.app.settings.decompress_request && gzipped).then(|| Inflater::new(cap))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("gzip into memory");
        encoder.finish().expect("gzip into memory")
    }

    #[test]
    fn inflates_every_member() {
        let mut two = gzip(b"a=1&");
        two.extend(gzip(b"b=2"));
        assert_eq!(inflate_gzip(&two, 100).expect("valid"), b"a=1&b=2");
    }

    #[test]
    fn refuses_what_is_not_gzip_or_is_cut_short() {
        assert!(matches!(
            inflate_gzip(b"a=1", 100),
            Err(InflateError::Invalid(_))
        ));
        let whole = gzip(b"a=1&b=2");
        let cut = &whole[..whole.len() - 4];
        assert!(matches!(
            inflate_gzip(cut, 100),
            Err(InflateError::Invalid(_))
        ));
    }

    #[test]
    fn streamed_pieces_inflate_at_every_split() {
        let mut two = gzip(b"hello, ");
        two.extend(gzip(&vec![b'z'; 200_000]));
        let mut expected = b"hello, ".to_vec();
        expected.extend(vec![b'z'; 200_000]);
        for split in [0, 1, 2, 10, 30, two.len() / 2, two.len() - 1] {
            let mut inflater = Inflater::new(1 << 20);
            let mut out = Vec::new();
            for part in [&two[..split], &two[split..]] {
                for piece in inflater.push(part).expect("valid") {
                    assert!(piece.len() <= PIECE + INPUT_STEP * 1100);
                    out.extend_from_slice(&piece);
                }
            }
            for piece in inflater.finish().expect("complete") {
                out.extend_from_slice(&piece);
            }
            assert_eq!(out, expected, "split at {split}");
        }
    }

    #[test]
    fn streamed_bodies_are_checked_as_whole_ones() {
        let whole = gzip(b"a=1&b=2");
        let mut cut = Inflater::new(100);
        let pushed = cut.push(&whole[..whole.len() - 4]);
        assert!(pushed.is_err() || cut.finish().is_err());
        assert!(Inflater::new(100).push(b"not gzip at all").is_err());
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(matches!(
            Inflater::new(1000).push(&bomb),
            Err(InflateError::TooLarge { cap: 1000 })
        ));
    }

    #[test]
    fn stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 2048);
        assert!(matches!(
            inflate_gzip(&bomb, 1000),
            Err(InflateError::TooLarge { cap: 1000 })
        ));
        assert_eq!(
            inflate_gzip(&bomb, 1 << 20).map(|b| b.len()).ok(),
            Some(1 << 20)
        );
    }
}
