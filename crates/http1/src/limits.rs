//! Size limits the decoder enforces on every request.

/// Size limits for one request. Every limit is checked before the bytes it guards are
/// buffered or allocated, so a peer cannot make the decoder hold more than these.
///
/// # Examples
///
/// ```
/// use typhoon_http1::Limits;
///
/// let limits = Limits { max_body: 1024 * 1024, ..Limits::default() };
/// assert_eq!(limits.max_headers, 100);
/// assert_eq!(limits.max_body, 1024 * 1024);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line, without its CRLF (default 8192; RFC 9112 §3 recommends at
    /// least 8000). Longer lines are answered with 414.
    pub max_request_line: usize,
    /// Longest head, request line and final empty line included (default 65536, as
    /// Tornado's `max_header_size`). Longer heads are answered with 431.
    pub max_head: usize,
    /// Most header fields in one head (default 100, as hyper). More are answered with 431.
    pub max_headers: usize,
    /// Largest body, declared or chunked (default 100 MiB, as Tornado's `max_body_size`).
    /// Larger bodies are answered with 413 before they are read.
    pub max_body: u64,
    /// Most chunk-extension bytes in one request, all chunk lines together (default
    /// 16 KiB, hyper's `CHUNKED_EXTENSIONS_LIMIT`). More are answered with 400.
    pub max_chunk_extensions: usize,
    /// Largest trailer section of a chunked body, in bytes (default 16 KiB, hyper's
    /// `TRAILER_LIMIT`). Larger trailer sections are answered with 431.
    pub max_trailers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_line: 8192,
            max_head: 65536,
            max_headers: 100,
            max_body: 100 * 1024 * 1024,
            max_chunk_extensions: 16 * 1024,
            max_trailers: 16 * 1024,
        }
    }
}
