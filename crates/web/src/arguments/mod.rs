//! Request arguments: query strings, form bodies, multipart uploads and path captures, as Tornado parses them.
//!
//! Behaviour follows Tornado 6.6.1 (`tornado.httputil.parse_body_arguments`,
//! `parse_multipart_form_data`, `tornado.escape.parse_qs_bytes`,
//! `RequestHandler._get_arguments` / `decode_argument`, and the routing
//! helpers `_unquote_or_none` / `URLSpec.reverse`).
//!
//! One deliberate difference: Tornado keeps argument values as bytes and
//! decodes them lazily in `get_argument`, so invalid UTF-8 only fails when
//! the argument is read. Here values are decoded eagerly, and invalid UTF-8
//! yields [`ArgumentError::BadArgument`] (which the web layer answers 400).

mod header;
mod multipart;
pub(crate) mod text;
mod urlencoded;

#[cfg(test)]
mod tests;

pub use urlencoded::{parse_query, parse_query_with_limit};

/// One argument source (query string or body) in order of appearance.
///
/// Names and values are decoded strings; the same name may occur repeatedly.
///
/// ```
/// use typhoon_web::arguments::{parse_query, Arguments};
/// let args: Arguments = parse_query(b"a=1&a=2").unwrap();
/// assert_eq!(args, vec![("a".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())]);
/// ```
pub type Arguments = Vec<(String, String)>;

/// Tornado's default limit on the number of fields in a query string or an
/// `application/x-www-form-urlencoded` body (`ParseUrlEncodedConfig.max_arguments`).
///
/// ```
/// assert_eq!(typhoon_web::arguments::DEFAULT_MAX_ARGUMENTS, 1000);
/// ```
pub const DEFAULT_MAX_ARGUMENTS: usize = 1000;

/// Tornado's default limit on multipart parts (`ParseMultipartConfig.max_parts`).
///
/// ```
/// assert_eq!(typhoon_web::arguments::DEFAULT_MAX_PARTS, 100);
/// ```
pub const DEFAULT_MAX_PARTS: usize = 100;

/// Tornado's default limit on one multipart part's header block, in bytes
/// (`ParseMultipartConfig.max_part_header_size`).
///
/// ```
/// assert_eq!(typhoon_web::arguments::DEFAULT_MAX_PART_HEADER_SIZE, 10 * 1024);
/// ```
pub const DEFAULT_MAX_PART_HEADER_SIZE: usize = 10 * 1024;

/// A file uploaded in a `multipart/form-data` part that has a `filename`
/// (Tornado's `HTTPFile`).
///
/// ```
/// use typhoon_web::arguments::FileUpload;
/// let f = FileUpload {
///     filename: "a.txt".into(),
///     content_type: "application/unknown".into(),
///     body: bytes::Bytes::from_static(b"hi"),
/// };
/// assert_eq!(&f.body[..], b"hi");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileUpload {
    /// The part's `filename` (or decoded `filename*`) parameter.
    pub filename: String,
    /// The part's `Content-Type` header, `application/unknown` when absent.
    pub content_type: String,
    /// The part's body; a zero-copy slice of the request body.
    pub body: bytes::Bytes,
}

/// Limits applied while parsing request bodies (Tornado's `ParseBodyConfig`).
///
/// The default is Tornado's: 100 parts, 10 KiB per part header block and
/// 1000 urlencoded fields.
///
/// ```
/// use typhoon_web::arguments::BodyLimits;
/// let l = BodyLimits::default();
/// assert_eq!((l.max_parts, l.max_part_header_size, l.max_arguments), (100, 10240, 1000));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct BodyLimits {
    /// Most multipart pieces accepted. As in Tornado, the (normally empty)
    /// text before the first boundary counts as one piece, so the default of
    /// 100 admits 99 real parts.
    pub max_parts: usize,
    /// Most bytes in one part's header block (up to the blank line).
    pub max_part_header_size: usize,
    /// Most fields in an `application/x-www-form-urlencoded` body.
    pub max_arguments: usize,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            max_parts: DEFAULT_MAX_PARTS,
            max_part_header_size: DEFAULT_MAX_PART_HEADER_SIZE,
            max_arguments: DEFAULT_MAX_ARGUMENTS,
        }
    }
}

/// Why arguments could not be parsed or decoded. Every variant maps to a
/// 400 response in the web layer.
///
/// ```
/// use typhoon_web::arguments::{decode_path_arg, ArgumentError};
/// let e = decode_path_arg("%FF").unwrap_err();
/// assert!(matches!(e, ArgumentError::BadArgument { .. }));
/// assert_eq!(e.to_string(), r"Invalid unicode in url: b'\xff'");
/// ```
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgumentError {
    /// An argument (or path capture, named `url`) is not valid UTF-8.
    #[error("Invalid unicode in {name}: {preview}")]
    BadArgument {
        /// The argument name, or `url` for a path capture.
        name: String,
        /// Python-style repr of the first 40 bytes of the raw value.
        preview: String,
    },
    /// A query string or urlencoded body has more fields than allowed.
    #[error("Max number of fields exceeded (limit {limit})")]
    TooManyArguments {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A multipart body has more parts than `BodyLimits::max_parts`.
    #[error("Invalid multipart/form-data: multipart/form-data has too many parts (limit {limit})")]
    TooManyParts {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A multipart part's header block exceeds `BodyLimits::max_part_header_size`.
    #[error(
        "Invalid multipart/form-data: multipart/form-data part header too large (limit {limit})"
    )]
    PartHeaderTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The multipart body or its Content-Type is malformed; the text says how.
    #[error("Invalid multipart/form-data: {0}")]
    InvalidMultipart(String),
}

/// Parses a request body by Content-Type, like Tornado's `parse_body_arguments`.
///
/// * `application/x-www-form-urlencoded…` (prefix match, as Tornado) → arguments.
/// * `multipart/form-data; boundary=…` → arguments (parts without a filename)
///   and files (parts with one), each in order of appearance.
/// * anything else → nothing.
///
/// Tornado also rejects bodies with a `Content-Encoding` header here; this
/// function does not see headers, so the caller must do that check.
///
/// ```
/// use bytes::Bytes;
/// use typhoon_web::arguments::{parse_body, BodyLimits};
/// let body = Bytes::from_static(
///     b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
///       --XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\r\nhi\r\n--XX--\r\n");
/// let (args, files) = parse_body("multipart/form-data; boundary=XX", &body, &BodyLimits::default()).unwrap();
/// assert_eq!(args, vec![("a".to_string(), "1".to_string())]);
/// assert_eq!(files[0].0, "f");
/// assert_eq!(files[0].1.filename, "x.txt");
/// assert_eq!(files[0].1.content_type, "application/unknown");
/// assert_eq!(&files[0].1.body[..], b"hi");
///
/// let (args, _) = parse_body("application/x-www-form-urlencoded", &Bytes::from_static(b"x=+a+"), &BodyLimits::default()).unwrap();
/// assert_eq!(args[0].1, " a ");
/// ```
pub fn parse_body(
    content_type: &str,
    body: &bytes::Bytes,
    limits: &BodyLimits,
) -> Result<(Arguments, Vec<(String, FileUpload)>), ArgumentError> {
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let args = parse_query_with_limit(body, limits.max_arguments)?;
        Ok((args, Vec::new()))
    } else if content_type.starts_with("multipart/form-data") {
        let boundary = multipart::boundary_from_content_type(content_type)?;
        multipart::parse_multipart(boundary.as_bytes(), body, limits)
    } else {
        Ok((Vec::new(), Vec::new()))
    }
}

/// Tornado's `get_argument` post-processing: every character in
/// `[\x00-\x08\x0e-\x1f]` becomes a space, then, when `strip` is true, the
/// value is stripped like Python's `str.strip()` (Unicode whitespace,
/// including `\x1c`–`\x1f`).
///
/// ```
/// use typhoon_web::arguments::clean_argument;
/// assert_eq!(clean_argument("b \x01c", true), "b  c");
/// assert_eq!(clean_argument(" a\u{3000}", true), "a");
/// assert_eq!(clean_argument(" a ", false), " a ");
/// ```
pub fn clean_argument(value: &str, strip: bool) -> String {
    let replaced: String = value
        .chars()
        .map(|c| {
            if matches!(c, '\x00'..='\x08' | '\x0e'..='\x1f') {
                ' '
            } else {
                c
            }
        })
        .collect();
    if strip {
        text::py_strip(&replaced).to_string()
    } else {
        replaced
    }
}

/// Percent-decodes a path capture as Tornado's routing does
/// (`url_unescape(plus=False)`: `+` stays `+`, malformed `%` escapes stay
/// literal), then decodes UTF-8; invalid UTF-8 is an error (the web layer
/// answers 400 "Invalid unicode in url").
///
/// ```
/// use typhoon_web::arguments::decode_path_arg;
/// assert_eq!(decode_path_arg("1%20+%201").unwrap(), "1 + 1");
/// assert_eq!(decode_path_arg("%C3%A9").unwrap(), "é");
/// assert!(decode_path_arg("invalid%FF").is_err());
/// ```
pub fn decode_path_arg(raw: &str) -> Result<String, ArgumentError> {
    let bytes: Vec<u8> = percent_encoding::percent_decode(raw.as_bytes()).collect();
    text::decode_utf8("url", bytes)
}

/// Characters `urllib.parse.quote` escapes with its default `safe="/"`:
/// everything except ASCII letters, digits, `_.-~` and `/`.
const PATH_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes one path argument for `reverse_url`, like Tornado's
/// `url_escape(value, plus=False)` (`urllib.parse.quote`): letters, digits,
/// `_.-~` and `/` stay, everything else becomes `%XX` of its UTF-8 bytes.
///
/// ```
/// use typhoon_web::arguments::escape_path_arg;
/// assert_eq!(escape_path_arg("a b/c+é"), "a%20b/c%2B%C3%A9");
/// ```
pub fn escape_path_arg(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, PATH_ESCAPE).to_string()
}

/// All values of `name` in `args`, in order. Tornado's `get_argument`
/// takes the last one; `get_arguments` takes them all.
///
/// ```
/// use typhoon_web::arguments::{parse_query, values};
/// let args = parse_query(b"x=1&y=2&x=3").unwrap();
/// assert_eq!(values(&args, "x").collect::<Vec<_>>(), ["1", "3"]);
/// assert_eq!(values(&args, "x").last(), Some("3"));
/// assert_eq!(values(&args, "z").next(), None);
/// ```
pub fn values<'a>(args: &'a Arguments, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    args.iter()
        .filter(move |(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}
