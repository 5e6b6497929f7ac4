//! The `Content-Type` of a static file, from its name, as Tornado's `get_content_type`.

use std::path::Path;

/// The type of the file at `path`: from `mime_guess`, except that a compressed file
/// (`.gz`, `.tgz`, `.svgz`) is `application/gzip` and one in another encoding
/// (`.bz2`, `.xz`, `.br`, `.Z`, …) or of an unknown type is `application/octet-stream`,
/// as Python's `mimetypes` and Tornado say. No `charset` is added, as in Tornado.
pub(crate) fn content_type(path: &Path) -> String {
    const GZIP: &[&str] = &["gz", "tgz", "taz", "tz", "svgz"];
    const OTHER_ENCODINGS: &[&str] = &["bz2", "tbz2", "xz", "txz", "br", "Z"];
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    // Python's map of encodings is case-sensitive (`.GZ` is not one).
    if GZIP.contains(&ext) {
        return "application/gzip".to_owned();
    }
    if OTHER_ENCODINGS.contains(&ext) {
        return "application/octet-stream".to_owned();
    }
    mime_guess::from_path(path)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_as_tornado() {
        for (name, expected) in [
            ("a.html", "text/html"),
            ("a.css", "text/css"),
            ("a.txt", "text/plain"),
            ("a.png", "image/png"),
            ("a.json", "application/json"),
            ("a.svg", "image/svg+xml"),
            ("a.tar.gz", "application/gzip"),
            ("a.gz", "application/gzip"),
            ("a.tar.bz2", "application/octet-stream"),
            ("a.Z", "application/octet-stream"),
            ("a.svgz", "application/gzip"),
            ("a.js", "text/javascript"),
            ("noext", "application/octet-stream"),
            ("a.unknownext", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), expected, "{name}");
        }
    }
}
