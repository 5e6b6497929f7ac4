//! Tornado's `GZipContentEncoding` (setting `compress_response`): gzip for compressible
//! responses to clients that accept it, whole or as each `flush` sends it.

use std::io::Write;

use bytes::BytesMut;
use flate2::write::GzEncoder;
use flate2::Compression;
use typhoon_http1::Field;

use super::Handler;

/// Shorter whole bodies are sent as they are: the gzip header and trailer would eat
/// most of the gain (Tornado's `MIN_LENGTH`). A streamed body is compressed whatever
/// its size.
pub(super) const MIN_LENGTH: usize = 1024;
/// Tornado's `GZIP_LEVEL`, gzip's own default.
const LEVEL: u32 = 6;
/// Types compressed besides `text/*` (Tornado's `CONTENT_TYPES`).
const CONTENT_TYPES: [&str; 7] = [
    "application/javascript",
    "application/x-javascript",
    "application/xml",
    "application/atom+xml",
    "application/json",
    "application/xhtml+xml",
    "image/svg+xml",
];
const VARY: Field<'static> = Field::from_static("Vary", "Accept-Encoding");
const GZIP: Field<'static> = Field::from_static("Content-Encoding", "gzip");

/// Whether a `Content-Type` value names a type worth compressing: `text/*` or one of
/// Tornado's list, compared as Tornado does (the part before `;`, as written).
pub(super) fn compressible(content_type: &str) -> bool {
    let ctype = content_type.split(';').next().unwrap_or_default();
    ctype.starts_with("text/") || CONTENT_TYPES.contains(&ctype)
}

/// The gzip stream of a streamed response, kept between `flush`es.
pub(crate) struct GzipStream {
    encoder: GzEncoder<Vec<u8>>,
}

impl std::fmt::Debug for GzipStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipStream").finish_non_exhaustive()
    }
}

impl GzipStream {
    fn new() -> Self {
        Self {
            encoder: GzEncoder::new(Vec::new(), Compression::new(LEVEL)),
        }
    }

    /// Replaces `body` with its compressed form: everything the client can inflate so
    /// far (a sync flush), or the end of the stream with its trailer when `finishing`.
    fn compress(&mut self, body: &mut BytesMut, finishing: bool) {
        // Writing into a `Vec` cannot fail.
        let written = self.encoder.write_all(body).and_then(|()| {
            if finishing {
                self.encoder.try_finish()
            } else {
                self.encoder.flush()
            }
        });
        debug_assert!(written.is_ok(), "gzip into memory failed: {written:?}");
        body.clear();
        let out = self.encoder.get_mut();
        body.extend_from_slice(out);
        out.clear();
    }
}

impl Handler {
    /// Applies the transform to the body about to go out: the first piece decides
    /// (Tornado's `transform_first_chunk`), later ones follow the decision
    /// (`transform_chunk`). `finishing`: this is the end of the response.
    pub(super) fn gzip_body(&mut self, finishing: bool) {
        if self.head_sent {
            if let Some(stream) = self.extras.as_deref_mut().and_then(|e| e.gzip.as_mut()) {
                stream.compress(&mut self.body, finishing);
            }
            return;
        }
        // Caches must keep the encodings apart whatever this answer is (Tornado adds it
        // to every response).
        match self.header("Vary") {
            None => self.headers.push(VARY),
            Some(vary) => {
                let vary = format!("{vary}, Accept-Encoding");
                self.replace_header(Field::new("Vary", vary).unwrap_or(VARY));
            }
        }
        if !self.gzip_wanted(finishing) {
            return;
        }
        self.replace_header(GZIP);
        let mut stream = GzipStream::new();
        stream.compress(&mut self.body, finishing);
        if !finishing {
            self.extras_mut().gzip = Some(stream);
        }
    }

    /// Tornado's conditions: the client accepts gzip, the type is compressible, the
    /// body is not already encoded, and it is streamed or at least `MIN_LENGTH` long.
    /// Also not for a 206: its `Content-Range` counts the bytes of the unencoded file.
    fn gzip_wanted(&self, finishing: bool) -> bool {
        let accepts = self
            .request
            .header("accept-encoding")
            .is_some_and(|v| memchr::memmem::find(v, b"gzip").is_some());
        accepts
            && self.status != 206
            && (!finishing || self.body.len() >= MIN_LENGTH)
            && self.header("Content-Encoding").is_none()
            && self.header("Content-Type").is_some_and(compressible)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn tornados_types_are_compressible() {
        for ctype in [
            "text/html; charset=UTF-8",
            "text/plain",
            "text/csv",
            "application/json; charset=UTF-8",
            "application/javascript",
            "image/svg+xml",
            "application/atom+xml",
        ] {
            assert!(compressible(ctype), "{ctype}");
        }
        for ctype in [
            "image/png",
            "application/octet-stream",
            "application/gzip",
            "application/ld+json",
            "TEXT/HTML",
            "",
        ] {
            assert!(!compressible(ctype), "{ctype}");
        }
    }

    /// Each flushed piece inflates on its own to what was written so far.
    #[test]
    fn each_flush_can_be_inflated_as_it_arrives() {
        let mut stream = GzipStream::new();
        let mut sent = Vec::new();
        let mut body = BytesMut::from(&b"first piece "[..]);
        stream.compress(&mut body, false);
        sent.extend_from_slice(&body);
        let mut inflated = Vec::new();
        let mut partial = flate2::write::GzDecoder::new(&mut inflated);
        partial.write_all(&sent).expect("a prefix inflates");
        partial.flush().expect("flush");
        drop(partial);
        assert_eq!(inflated, b"first piece ");

        let mut body = BytesMut::from(&b"and the last"[..]);
        stream.compress(&mut body, true);
        sent.extend_from_slice(&body);
        let mut whole = String::new();
        flate2::read::GzDecoder::new(&sent[..])
            .read_to_string(&mut whole)
            .expect("the whole stream inflates");
        assert_eq!(whole, "first piece and the last");
    }
}
