//! [`RequestBody`]: a request body read by its handler as it arrives, with the socket's
//! own flow control (Tornado's `@stream_request_body`).

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use typhoon_http1::{BodyDecoder, BodyPiece, ParseError, CONTINUE};

use crate::io::Conn;
use crate::metrics::TimeoutKind;
use crate::sock::SockReader;

/// Why a streamed body could not be read further.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than its limit, or its chunked framing is malformed: answer
    /// with [`status`](Self::status) (413 or 400); the connection closes after it.
    #[error("bad request body: {0}")]
    Invalid(ParseError),
    /// The body did not arrive within its deadline (answer 408).
    #[error("timeout reading the request body")]
    Timeout,
    /// The client closed the connection (or it failed) before the body was complete;
    /// nobody is left to answer.
    #[error("the client went away before the body was complete")]
    Closed(#[source] Option<io::Error>),
    /// The request was answered already: its connection has moved on.
    #[error("the request was answered; its body can no longer be read")]
    Finished,
}

impl BodyError {
    /// The status to answer with, `None` when there is nobody to answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_server::BodyError;
    /// use typhoon_server::http1::ParseError;
    ///
    /// assert_eq!(BodyError::Invalid(ParseError::BodyTooLarge { limit: 10 }).status(), Some(413));
    /// assert_eq!(BodyError::Timeout.status(), Some(408));
    /// assert_eq!(BodyError::Closed(None).status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            BodyError::Invalid(err) => Some(err.status()),
            BodyError::Timeout => Some(408),
            BodyError::Closed(_) | BodyError::Finished => None,
        }
    }
}

/// The body of a request whose [`Service`](crate::Service) asked to stream it
/// ([`Service::stream_body`](crate::Service::stream_body)), taken from the
/// [`Responder`](crate::Responder) with [`take_body`](crate::Responder::take_body).
///
/// Nothing is read until [`chunk`](Self::chunk) asks, so a slow consumer slows the client
/// (TCP flow control) instead of growing memory: at most a few tens of KiB of a body are
/// held at once, whatever its size. `Expect: 100-continue` is answered when the first
/// chunk is asked for, so a request refused before that never has its body sent.
///
/// A body not read to its end when the request is answered closes the connection after
/// the answer (`Connection: close` if the answer comes first).
///
/// # Examples
///
/// ```
/// use typhoon_server::{Responder, Response, Service};
/// use typhoon_http1::Request;
///
/// /// Counts the bytes of any upload, up to 1 GiB, without holding it.
/// struct Count;
/// impl Service for Count {
///     fn stream_body(&self, _head: &Request) -> bool {
///         true
///     }
///     async fn call(&self, _req: Request, mut out: Responder) {
///         let mut total = 0;
///         if let Some(mut body) = out.take_body() {
///             body.set_max_size(1 << 30);
///             loop {
///                 match body.chunk().await {
///                     Ok(Some(chunk)) => total += chunk.len(),
///                     Ok(None) => break,
///                     Err(err) => {
///                         if let Some(status) = err.status() {
///                             out.send(Response::new(status, err.to_string()));
///                         }
///                         return;
///                     }
///                 }
///             }
///         }
///         out.send(Response::new(200, format!("{total} bytes")));
///     }
/// }
/// ```
pub struct RequestBody {
    feed: Rc<Feed>,
}

/// What a streamed body and its connection share: the read buffer and the body's
/// decoder, lent to the body while the request is being answered.
pub(crate) struct Feed {
    conn: Rc<Conn>,
    reader: SockReader,
    lent: RefCell<Option<Lent>>,
    timeout: Cell<Duration>,
}

/// What the connection lends the body, and takes back when the request is answered.
struct Lent {
    rbuf: BytesMut,
    body: Box<BodyDecoder>,
    /// Set when the first wait for bytes begins (Tornado's body timeout starts there).
    deadline: Option<Instant>,
    /// An error was already logged.
    failed: bool,
}

impl Feed {
    /// Lends `rbuf` (which may already hold the start of the body) and the body's decoder.
    pub fn new(conn: Rc<Conn>, rbuf: BytesMut, body: Box<BodyDecoder>, timeout: Duration) -> Self {
        let reader = conn.io.borrow().sock.reader();
        Self {
            conn,
            reader,
            lent: RefCell::new(Some(Lent {
                rbuf,
                body,
                deadline: None,
                failed: false,
            })),
            timeout: Cell::new(timeout),
        }
    }

    /// Takes the read buffer back once the request is answered; `true` if the body was
    /// read to its end, so the connection may decode the next request from the buffer.
    /// Later reads of the body fail with [`BodyError::Finished`].
    pub fn take_back(&self) -> (BytesMut, bool) {
        match self.lent.borrow_mut().take() {
            Some(lent) => (lent.rbuf, lent.body.is_done()),
            None => (BytesMut::new(), false),
        }
    }
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBody")
            .field("content_length", &self.content_length())
            .field("max_size", &self.max_size())
            .finish_non_exhaustive()
    }
}

impl RequestBody {
    pub(crate) fn new(feed: Rc<Feed>) -> Self {
        Self { feed }
    }

    /// The declared `Content-Length`; `None` for a chunked body.
    pub fn content_length(&self) -> Option<u64> {
        self.lent(|lent| lent.body.content_length())
    }

    /// The largest body accepted, in bytes (the server's `max_body` unless changed).
    pub fn max_size(&self) -> u64 {
        self.lent(|lent| Some(lent.body.max_body())).unwrap_or(0)
    }

    /// Sets the largest body accepted, before the first [`chunk`](Self::chunk) (Tornado's
    /// `request.connection.set_max_body_size`, called in `prepare`); ignored after it. A
    /// larger declared length is refused with 413 before any of the body is read.
    pub fn set_max_size(&mut self, limit: u64) {
        self.lent(|lent| {
            lent.body.set_max_body(limit);
            Some(())
        });
    }

    /// Sets how long the whole body may take, counted from the first
    /// [`chunk`](Self::chunk) (Tornado's `set_body_timeout`; the server's
    /// `body_timeout` by default). Ignored once reading began.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.feed.timeout.set(timeout);
    }

    fn lent<T>(&self, f: impl FnOnce(&mut Lent) -> Option<T>) -> Option<T> {
        self.feed.lent.borrow_mut().as_mut().and_then(f)
    }

    /// The next piece of the body as it arrives, `Ok(None)` at its end. Pieces are the
    /// bytes one read of the socket brought (up to a few tens of KiB), not the client's
    /// chunks.
    ///
    /// # Errors
    ///
    /// See [`BodyError`]; after one, the connection closes once the request is answered.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        let feed = &*self.feed;
        loop {
            let deadline = {
                let mut lent = feed.lent.borrow_mut();
                let Some(lent) = lent.as_mut() else {
                    return Err(BodyError::Finished);
                };
                match lent.body.decode(&mut lent.rbuf) {
                    Ok(Some(BodyPiece::Data(data))) => return Ok(Some(data)),
                    Ok(Some(BodyPiece::End)) => {
                        feed.conn.body_read();
                        return Ok(None);
                    }
                    Ok(None) => {}
                    Err(err) => {
                        if !std::mem::replace(&mut lent.failed, true) {
                            log::info!(
                                "bad request body from {}: {err} ({})",
                                feed.conn.info.remote,
                                err.status()
                            );
                        }
                        return Err(BodyError::Invalid(err));
                    }
                }
                *lent
                    .deadline
                    .get_or_insert_with(|| feed.reader.now() + feed.timeout.get())
            };
            if feed.conn.take_continue() {
                self.send_continue().await?;
            }
            match feed.reader.readable_before(deadline).await {
                Ok(true) => {}
                Ok(false) => {
                    log::info!(
                        "timeout reading request body from {}",
                        feed.conn.info.remote
                    );
                    feed.reader.counters().timeout(TimeoutKind::Body);
                    return Err(BodyError::Timeout);
                }
                Err(err) => return Err(BodyError::Closed(Some(err))),
            }
            let mut lent = feed.lent.borrow_mut();
            let Some(lent) = lent.as_mut() else {
                return Err(BodyError::Finished);
            };
            match feed.reader.read_ready(&mut lent.rbuf) {
                Ok(0) => return Err(BodyError::Closed(None)),
                Ok(_) => {}
                Err(err) => return Err(BodyError::Closed(Some(err))),
            }
        }
    }

    /// Writes `100 Continue`: the client waits for it before it sends the body.
    // The borrow is held across the write, as the responder's writes hold it: the
    // connection waits for the answer meanwhile, and a response being written at the same
    // time (the one case the borrow would meet) has already cancelled the interim answer.
    #[allow(clippy::await_holding_refcell_ref)]
    async fn send_continue(&self) -> Result<(), BodyError> {
        let Ok(mut io) = self.feed.conn.io.try_borrow_mut() else {
            return Ok(());
        };
        // After the answers to earlier pipelined requests, if any are still queued.
        io.wbuf.extend_from_slice(CONTINUE);
        io.flush().await.map_err(|e| BodyError::Closed(Some(e)))
    }
}
