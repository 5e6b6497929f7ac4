//! Inflating gzip request bodies before their arguments are parsed (Tornado's
//! `decompress_request`), with the server's body size as the cap.

use std::io::Read;

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
    /// 400 for a body that is not gzip (Tornado's answer), 413 for one too large once
    /// inflated (Tornado answers 400 there too; 413 is what a too large body gets
    /// here before it is inflated).
    fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 400,
            Self::TooLarge { .. } => 413,
        }
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
            Err(err) => Err(HttpError::new(err.status()).log(format!("Invalid body: {err}"))),
        }
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
        assert!(matches!(inflate_gzip(b"a=1", 100), Err(InflateError::Invalid(_))));
        let whole = gzip(b"a=1&b=2");
        let cut = &whole[..whole.len() - 4];
        assert!(matches!(inflate_gzip(cut, 100), Err(InflateError::Invalid(_))));
    }

    #[test]
    fn stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 1 << 20]);
        assert!(bomb.len() < 2048);
        assert!(matches!(
            inflate_gzip(&bomb, 1000),
            Err(InflateError::TooLarge { cap: 1000 })
        ));
        assert_eq!(inflate_gzip(&bomb, 1 << 20).map(|b| b.len()).ok(), Some(1 << 20));
    }
}
