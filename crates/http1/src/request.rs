//! A decoded request: its head bytes, byte ranges into them, and its body.

use std::cell::RefCell;
use std::mem::ManuallyDrop;

use bytes::Bytes;

use crate::method::{Method, Version};

/// A byte range into a request's head. Ranges instead of slices let [`Request`] own its
/// bytes without a self-reference and without copying each header into a `String`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    // u32: a head is far below 4 GiB (`Limits::max_head`), and half-size spans let a
    // request keep 16 headers inline.
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    /// The bytes of this range in `bytes`; empty if the range does not fit, so a bug here
    /// can never turn into a panic on peer input.
    pub(crate) fn get<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        bytes
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// As [`Span::get`], for ranges the decoder validated as ASCII (empty if they are not).
    pub(crate) fn get_str<'a>(&self, bytes: &'a [u8]) -> &'a str {
        let bytes = self.get(bytes);
        if bytes.is_ascii() {
            // SAFETY: ASCII is valid UTF-8. (`from_utf8` here was 37 instructions a
            // request for paths of a few bytes, `is_ascii` is a handful.)
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            ""
        }
    }

    /// The range of `part` inside `whole`, where `part` was sliced out of `whole`, a head
    /// (at most `u32::MAX` bytes: [`Decoder::new`](crate::Decoder::new) caps `max_head`).
    pub(crate) fn of(whole: &[u8], part: &[u8]) -> Span {
        debug_assert!(u32::try_from(whole.len()).is_ok());
        // Plain casts: offsets in a head fit in a `u32`. (Six spans a request; checked
        // conversions were about 40 instructions of a pipelined request.) A part from
        // elsewhere, a bug, gives a wrong range, which `get` still answers without panic.
        let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        Span {
            start: start as u32,
            end: start.wrapping_add(part.len()) as u32,
        }
    }
}

/// A complete decoded request. Owns its bytes: the head as one [`Bytes`] with headers
/// kept as byte ranges into it, and the body as another [`Bytes`].
///
/// # Examples
///
/// ```
/// use bytes::BytesMut;
/// use typhoon_http1::{Decoded, Decoder, Limits, Method};
///
/// let mut buf = BytesMut::from(&b"POST /items?id=7 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi"[..]);
/// let Some(Decoded::Request(req)) = Decoder::new(Limits::default()).decode(&mut buf)? else {
///     panic!("expected a request");
/// };
/// assert_eq!(req.method(), Method::Post);
/// assert_eq!(req.path(), "/items");
/// assert_eq!(req.query(), "id=7");
/// assert_eq!(req.host(), Some("example.com"));
/// assert_eq!(req.header("content-length"), Some(&b"2"[..]));
/// assert_eq!(&req.body()[..], b"hi");
/// assert!(req.keep_alive());
/// # Ok::<(), typhoon_http1::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Request(
    // Boxed: a request is moved half a dozen times between the decoder and a handler
    // (out of the parser, through `Result`s and into futures), and each move of the
    // 376-byte parts was a memcpy (about 3 KB per request in the pipelined hello
    // profile); a pointer moves in a register. The boxes are reused per thread (see
    // `Parts::take`), so a request still allocates nothing.
    pub(crate) ManuallyDrop<Box<Parts>>,
);

impl Drop for Request {
    fn drop(&mut self) {
        // SAFETY: `self.0` is never used again: this is the request's last use.
        let parts = unsafe { ManuallyDrop::take(&mut self.0) };
        parts.recycle();
    }
}

/// How many cleared parts a thread keeps for its next requests: about the requests a
/// shard has in flight at once.
const KEEP: usize = 128;

thread_local! {
    /// Parts of dropped requests, cleared, for the next ones decoded on this thread. The
    /// boxes themselves are what is kept: a request's parts never leave their box.
    #[allow(clippy::vec_box)]
    static SPARE: RefCell<Vec<Box<Parts>>> = const { RefCell::new(Vec::new()) };
}

/// What a [`Request`] holds.
#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub(crate) head: Bytes,
    pub(crate) method: Method,
    pub(crate) version: Version,
    pub(crate) target: Span,
    /// `None` for an absolute-form target with an empty path, which means `/`.
    pub(crate) path: Option<Span>,
    pub(crate) query: Span,
    pub(crate) host: Option<Span>,
    /// Name and value ranges; up to 16 inline, so a typical request allocates nothing
    /// more for its headers.
    pub(crate) headers: smallvec::SmallVec<[(Span, Span); 16]>,
    pub(crate) body: Bytes,
    pub(crate) keep_alive: bool,
}

impl Default for Parts {
    fn default() -> Self {
        Self {
            head: Bytes::new(),
            method: Method::Get,
            version: Version::Http11,
            target: Span::default(),
            path: None,
            query: Span::default(),
            host: None,
            headers: smallvec::SmallVec::new(),
            body: Bytes::new(),
            keep_alive: true,
        }
    }
}

impl Parts {
    /// Empty parts: a dropped request's, or new ones. Every field is to be set.
    pub(crate) fn take() -> Box<Parts> {
        SPARE
            .try_with(|spare| spare.borrow_mut().pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Keeps these parts for a later request on this thread. The byte buffers are let go
    /// first (they would pin the connection's read buffer), and a spilled header list is
    /// not kept.
    fn recycle(mut self: Box<Self>) {
        if self.headers.spilled() {
            return;
        }
        self.head = Bytes::new();
        self.body = Bytes::new();
        self.headers.clear();
        // `try_with`: a request dropped while the thread exits is simply freed.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            if spare.len() < KEEP {
                spare.push(self);
            }
        });
    }
}

impl Request {
    /// The request method.
    pub fn method(&self) -> Method {
        self.0.method
    }

    /// The protocol version (`HTTP/1.2` and later minor versions read as 1.1).
    pub fn version(&self) -> Version {
        self.0.version
    }

    /// The request target as sent: validated ASCII, still percent-encoded.
    pub fn target(&self) -> &str {
        self.0.target.get_str(&self.0.head)
    }

    /// The path: the origin-form target before `?`; for an absolute-form target
    /// (`http://h/p?q`) its path (`/p`, or `/` when empty); `*` for asterisk-form.
    ///
    /// # Examples
    ///
    /// ```
    /// # use bytes::BytesMut;
    /// # use typhoon_http1::{Decoded, Decoder, Limits};
    /// let mut buf = BytesMut::from(&b"GET http://example.com:8080?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n"[..]);
    /// let Some(Decoded::Request(req)) = Decoder::new(Limits::default()).decode(&mut buf)? else { panic!() };
    /// assert_eq!(req.path(), "/");
    /// assert_eq!(req.query(), "x=1");
    /// assert_eq!(req.host(), Some("example.com:8080"));
    /// # Ok::<(), typhoon_http1::ParseError>(())
    /// ```
    pub fn path(&self) -> &str {
        match self.0.path {
            Some(span) => span.get_str(&self.0.head),
            None => "/",
        }
    }

    /// The query: what follows the first `?` of the target, `""` if there is none.
    pub fn query(&self) -> &str {
        self.0.query.get_str(&self.0.head)
    }

    /// The value of the first header named `name` (compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.0
            .headers
            .iter()
            .find(|(n, _)| n.get(&self.0.head).eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.get(&self.0.head))
    }

    /// All header fields in the order sent, names spelled as sent.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0
            .headers
            .iter()
            .map(|(n, v)| (n.get_str(&self.0.head), v.get(&self.0.head)))
    }

    /// The authority the request is for: that of an absolute-form target (RFC 9112
    /// §3.2.2), else the Host header; `None` only for HTTP/1.0 without Host.
    pub fn host(&self) -> Option<&str> {
        self.0.host.map(|span| span.get_str(&self.0.head))
    }

    /// The body, assembled into one buffer (empty when the request has none).
    pub fn body(&self) -> &Bytes {
        &self.0.body
    }

    /// Copies the head and body into allocations of their own, letting go of the
    /// connection's read buffer they were cut from: for a request kept long after it was
    /// read (the handshake of a WebSocket, kept for the connection's life).
    ///
    /// # Examples
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use typhoon_http1::{Decoded, Decoder, Limits};
    ///
    /// let mut buf = BytesMut::from(&b"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n"[..]);
    /// let Ok(Some(Decoded::Request(mut req))) = Decoder::new(Limits::default()).decode(&mut buf) else {
    ///     panic!("a whole request");
    /// };
    /// req.unshare();
    /// assert_eq!(req.path(), "/ws");
    /// assert_eq!(req.host(), Some("x"));
    /// ```
    pub fn unshare(&mut self) {
        self.0.head = Bytes::copy_from_slice(&self.0.head);
        if !self.0.body.is_empty() {
            self.0.body = Bytes::copy_from_slice(&self.0.body);
        }
    }

    /// Whether the connection may persist after the response (RFC 9112 §9.3): HTTP/1.1
    /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` and
    /// either a GET/HEAD method or a Content-Length, as Tornado decides.
    pub fn keep_alive(&self) -> bool {
        self.0.keep_alive
    }

    /// What the encoder needs to frame the response to this request.
    pub fn context(&self) -> RequestContext {
        RequestContext {
            method: self.0.method,
            version: self.0.version,
            keep_alive: self.0.keep_alive,
        }
    }
}

/// What the encoder needs to frame a response: HEAD gets no body, HTTP/1.0 gets no
/// chunked coding, and the connection closes unless the request allowed otherwise.
///
/// # Examples
///
/// ```
/// use typhoon_http1::{Method, RequestContext, Version};
///
/// let ctx = RequestContext { method: Method::Get, version: Version::Http11, keep_alive: true };
/// assert!(ctx.keep_alive);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The request's method.
    pub method: Method,
    /// The request's version.
    pub version: Version,
    /// Whether the request allows the connection to persist.
    pub keep_alive: bool,
}
