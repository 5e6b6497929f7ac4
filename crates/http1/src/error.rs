//! Decoding errors; each one knows the status code it is answered with.

use crate::status::reason_phrase;

/// Why a request could not be decoded. Every variant means the same thing to the
/// caller: answer with [`ParseError::status`] (see [`crate::encode_error`]), then close
/// the connection — the rest of the buffer must never be read as another request
/// (RFC 9112 §6.1, §6.3; smuggling rows F1–F20).
///
/// Small and `Copy` so that the poisoned decoder can hand it out again without
/// allocating; the limit fields say which limit was hit, for the log.
///
/// # Examples
///
/// ```
/// use typhoon_http1::ParseError;
///
/// let err = ParseError::BodyTooLarge { limit: 1024 };
/// assert_eq!(err.status(), 413);
/// assert_eq!(err.reason(), "Content Too Large");
/// assert_eq!(err.to_string(), "body larger than the limit of 1024 bytes");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The request line has no line end within `limit` bytes (414).
    #[error("request line longer than {limit} bytes")]
    RequestLineTooLong {
        /// [`crate::Limits::max_request_line`]
        limit: usize,
    },
    /// The head is longer than `limit` bytes (431).
    #[error("request head longer than {limit} bytes")]
    HeadTooLarge {
        /// [`crate::Limits::max_head`]
        limit: usize,
    },
    /// More than `limit` header fields (431).
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// [`crate::Limits::max_headers`]
        limit: usize,
    },
    /// A LF not preceded by CR in the head or a chunk line (400; RFC 9112 §2.2).
    #[error("bare LF line terminator")]
    BareLf,
    /// A CR not followed by LF (400; RFC 9112 §2.2).
    #[error("bare CR")]
    BareCr,
    /// The request line is not `method SP target SP version` (400).
    #[error("malformed request line")]
    BadRequestLine,
    /// The method is not a token (400).
    #[error("method is not a valid token")]
    BadMethod,
    /// The method is a valid token that Typhoon does not implement, including
    /// lowercase spellings and `CONNECT` (501; RFC 9110 §9.1).
    #[error("method not implemented")]
    UnknownMethod,
    /// The request target is malformed, has a fragment, non-ASCII bytes or controls, or
    /// has a form the method does not allow (400; RFC 9112 §3.2).
    #[error("invalid request target")]
    BadTarget,
    /// The version is not `HTTP/<digit>.<digit>`, or is missing (HTTP/0.9) (400).
    #[error("malformed HTTP version")]
    BadVersion,
    /// The version is `HTTP/2.0` or later (505; RFC 9110 §15.6.6).
    #[error("HTTP version not supported")]
    UnsupportedVersion,
    /// A header name is not a token, has whitespace before the colon, is a folded
    /// continuation line, or the line has no colon (400; RFC 9112 §5.1–5.2).
    #[error("invalid header name")]
    BadHeaderName,
    /// A header value holds NUL, CR, LF or another control character (400; RFC 9110 §5.5).
    #[error("invalid header value")]
    BadHeaderValue,
    /// An HTTP/1.1 request without a Host header (400; RFC 9112 §3.2).
    #[error("missing Host header")]
    MissingHost,
    /// More than one Host header line (400; RFC 9112 §3.2).
    #[error("more than one Host header")]
    DuplicateHost,
    /// A Host value (or absolute-form authority) that is empty or not `host[:port]` (400).
    #[error("invalid Host header")]
    BadHost,
    /// Both Content-Length and Transfer-Encoding (400; RFC 9112 §6.1, row F1).
    #[error("both Content-Length and Transfer-Encoding")]
    ContentLengthAndTransferEncoding,
    /// A Content-Length that is not 1 to 19 decimal digits (400; row F4).
    #[error("invalid Content-Length")]
    BadContentLength,
    /// Content-Length values that differ (400; row F2).
    #[error("conflicting Content-Length values")]
    ConflictingContentLength,
    /// Transfer-Encoding sent twice, in HTTP/1.0, empty, or with `chunked` not the final
    /// coding (400; rows F6–F8).
    #[error("invalid Transfer-Encoding")]
    BadTransferEncoding,
    /// A transfer coding other than a lone `chunked` (501; RFC 9112 §6.1, row F5).
    #[error("unsupported transfer coding")]
    UnsupportedTransferCoding,
    /// The body is larger than `limit` bytes (413; rows L4–L6).
    #[error("body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// [`crate::Limits::max_body`]
        limit: u64,
    },
    /// A chunk-size line is not `1*16HEXDIG` followed by extensions and CRLF (400; row F9).
    #[error("invalid chunk size line")]
    BadChunkSize,
    /// A chunk extension is not `;name[=token|quoted-string]` (400; row F11).
    #[error("invalid chunk extension")]
    BadChunkExtension,
    /// The chunk extensions of one request total more than `limit` bytes (400; row F11).
    #[error("chunk extensions longer than {limit} bytes")]
    ChunkExtensionsTooLarge {
        /// [`crate::Limits::max_chunk_extensions`]
        limit: usize,
    },
    /// Chunk data not followed by exactly CRLF (400; row F10).
    #[error("chunk data not terminated by CRLF")]
    BadChunkData,
    /// A trailer line that is not a valid field line (400).
    #[error("invalid trailer field")]
    BadTrailer,
    /// The trailer section is longer than `limit` bytes or has too many fields (431).
    #[error("trailer section longer than {limit} bytes or too many fields")]
    TrailersTooLarge {
        /// [`crate::Limits::max_trailers`]
        limit: usize,
    },
    /// An `Expect` value other than `100-continue` (417; RFC 9110 §10.1.1).
    #[error("unsupported expectation")]
    ExpectationFailed,
    /// The head or body did not arrive within its deadline (408). The decoder never
    /// returns this (it has no clock); the connection driver does, so the answer goes
    /// through the same [`crate::encode_error`] path.
    #[error("request not received within its deadline")]
    Timeout,
}

impl ParseError {
    /// The status code the request is answered with before the connection closes.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_http1::ParseError;
    ///
    /// assert_eq!(ParseError::UnknownMethod.status(), 501);
    /// assert_eq!(ParseError::BareLf.status(), 400);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            ParseError::RequestLineTooLong { .. } => 414,
            ParseError::HeadTooLarge { .. }
            | ParseError::TooManyHeaders { .. }
            | ParseError::TrailersTooLarge { .. } => 431,
            ParseError::BodyTooLarge { .. } => 413,
            ParseError::UnknownMethod | ParseError::UnsupportedTransferCoding => 501,
            ParseError::UnsupportedVersion => 505,
            ParseError::ExpectationFailed => 417,
            ParseError::Timeout => 408,
            ParseError::BareLf
            | ParseError::BareCr
            | ParseError::BadRequestLine
            | ParseError::BadMethod
            | ParseError::BadTarget
            | ParseError::BadVersion
            | ParseError::BadHeaderName
            | ParseError::BadHeaderValue
            | ParseError::MissingHost
            | ParseError::DuplicateHost
            | ParseError::BadHost
            | ParseError::ContentLengthAndTransferEncoding
            | ParseError::BadContentLength
            | ParseError::ConflictingContentLength
            | ParseError::BadTransferEncoding
            | ParseError::BadChunkSize
            | ParseError::BadChunkExtension
            | ParseError::ChunkExtensionsTooLarge { .. }
            | ParseError::BadChunkData
            | ParseError::BadTrailer => 400,
        }
    }

    /// The canonical reason phrase of [`ParseError::status`].
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_http1::ParseError;
    ///
    /// assert_eq!(ParseError::MissingHost.reason(), "Bad Request");
    /// ```
    pub fn reason(&self) -> &'static str {
        reason_phrase(self.status())
    }
}
