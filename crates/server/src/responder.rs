//! `Responder`: how a service answers one request — a whole response at once, or a head
//! and then body chunks written as they are produced (chunked on HTTP/1.1).

use std::io;
use std::rc::Rc;
use std::time::Instant;

use bytes::BytesMut;
use typhoon_http1::{
    encode_chunk, encode_head, encode_last_chunk, encode_response, BodyMode, HeaderField,
    RequestContext, ResponseHead,
};

use crate::body::RequestBody;
use crate::io::Conn;
use crate::service::{ConnInfo, Response};
use crate::state::ShardState;
use crate::upgraded::Upgraded;

/// Where the answer to one request goes. Dropping it without answering sends a 500;
/// dropping it mid-stream ends the body properly (or, during a panic, closes the
/// connection so the client sees a truncated response rather than a complete-looking one).
///
/// It may outlive [`Service::call`](crate::Service::call): moved into a spawned task, it
/// answers whenever that task is ready, and the connection waits for it — reading,
/// answering and writing nothing else meanwhile — so pipelined requests are still
/// answered in order.
///
/// # Examples
///
/// ```
/// use typhoon_server::{Responder, Service};
/// use typhoon_http1::Request;
///
/// /// Streams three chunks (chunked on HTTP/1.1).
/// struct Count;
/// impl Service for Count {
///     async fn call(&self, _req: Request, mut out: Responder) {
///         out.start(200, "", [("Content-Type", "text/plain")]);
///         for i in 0..3 {
///             if out.write(format!("{i}\n").as_bytes()).await.is_err() {
///                 return; // the client went away
///             }
///         }
///         out.finish();
///     }
/// }
/// ```
pub struct Responder {
    conn: Rc<Conn>,
    state: Rc<ShardState>,
    ctx: RequestContext,
    stage: Stage,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Fresh,
    Streaming(BodyMode),
    Done,
}

impl Responder {
    pub(crate) fn new(conn: Rc<Conn>, state: Rc<ShardState>, ctx: RequestContext) -> Self {
        conn.owe_answer();
        Self {
            conn,
            state,
            ctx,
            stage: Stage::Fresh,
        }
    }

    /// The connection this request came on.
    pub fn info(&self) -> &ConnInfo {
        &self.conn.info
    }

    /// What the request asked for that shapes the response (method, version, keep-alive).
    pub fn context(&self) -> &RequestContext {
        &self.ctx
    }

    /// The shard's clock, read once per turn of its event loop: free to call, and behind
    /// real time by at most one turn. Good for timing requests, not for benchmarks.
    pub fn now(&self) -> Instant {
        self.conn
            .io
            .try_borrow()
            .map_or_else(|_| Instant::now(), |io| io.sock.now())
    }

    /// Whether the client has closed its side of the connection: a non-blocking peek that
    /// sees end-of-file (or a reset). One syscall; use it after slow work, not per request.
    pub fn peer_closed(&self) -> bool {
        self.conn
            .io
            .try_borrow()
            .is_ok_and(|io| io.sock.peer_closed())
    }

    /// Whether the client's going away has already been seen (by [`closed`](Self::closed)
    /// or a read); unlike [`peer_closed`](Self::peer_closed), no syscall.
    pub fn close_seen(&self) -> bool {
        self.conn.io.try_borrow().is_ok_and(|io| io.sock.end_seen())
    }

    /// Resolves when the client goes away (closes its side, or the connection fails)
    /// while this request is being answered: race it against slow work to stop that work
    /// early (Tornado's `on_connection_close`). The future holds no borrow of the
    /// responder, so it can be raced against work that uses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future;
    /// use typhoon_server::{Responder, Response, Service};
    ///
    /// struct LongPoll;
    /// impl Service for LongPoll {
    ///     async fn call(&self, _req: typhoon_http1::Request, out: Responder) {
    ///         let gone = out.closed();
    ///         let news = async {
    ///             typhoon_server::sleep(std::time::Duration::from_secs(30)).await;
    ///             Some("news")
    ///         };
    ///         match future::or(news, async { gone.await; None }).await {
    ///             Some(body) => out.send(Response::new(200, body)),
    ///             None => {} // nobody to answer; dropping `out` ends the request
    ///         }
    ///     }
    /// }
    /// ```
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + 'static {
        self.conn.closed()
    }

    /// The request's body, to read as it arrives, when the service asked to stream it
    /// ([`Service::stream_body`](crate::Service::stream_body)); `None` otherwise, and
    /// after the first call.
    pub fn take_body(&mut self) -> Option<RequestBody> {
        self.conn.take_body()
    }

    /// The largest request body the server accepts (its `limits.max_body`): the cap for
    /// what a compressed body may inflate to.
    pub fn max_body_size(&self) -> u64 {
        self.state.config.limits.max_body
    }

    /// Whether a head has been sent (by `start` or `send`).
    pub fn started(&self) -> bool {
        self.stage != Stage::Fresh
    }

    /// Sends a whole response. It is queued and written with the other responses of the
    /// same pipelined batch, in one write.
    pub fn send(self, response: Response) {
        let headers = response
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        self.send_parts(response.status, &response.reason, headers, &response.body);
    }

    /// Sends a whole response from its parts, without building a [`Response`]. Headers
    /// are `(name, value)` pairs, or [`Field`](typhoon_http1::Field)s checked when made.
    pub fn send_parts<H>(mut self, status: u16, reason: &str, headers: H, body: &[u8])
    where
        H: IntoIterator,
        H::Item: HeaderField,
    {
        self.queue(status, reason, headers, body);
    }

    /// Encodes a whole response into the connection's write buffer.
    fn queue<H>(&mut self, status: u16, reason: &str, headers: H, body: &[u8])
    where
        H: IntoIterator,
        H::Item: HeaderField,
    {
        if self.stage != Stage::Fresh {
            return;
        }
        let ctx = self.effective_context();
        self.conn.answer_started();
        let mut io = self.conn.io.borrow_mut();
        io.sock.counters().response(status);
        let preamble = self.state.preamble.borrow();
        io.keep_alive =
            encode_response(&mut io.wbuf, &ctx, status, reason, headers, body, &preamble);
        drop((io, preamble));
        self.done();
    }

    /// Answers `101 Switching Protocols` with `headers` and hands the connection over:
    /// the returned [`Upgraded`] reads and writes raw bytes, starting with what the client
    /// sent after the request. The connection serves no more HTTP; it closes when the
    /// `Upgraded` is dropped. The caller checks the request first (WebSocket's handshake,
    /// say): this sends whatever `headers` it is given.
    ///
    /// # Errors
    ///
    /// A response was already started, or the client went away before the 101 was
    /// written.
    // The borrow is held across the flush on purpose: see `ConnIo`.
    #[allow(clippy::await_holding_refcell_ref)]
    pub async fn upgrade<H>(mut self, headers: H) -> io::Result<Upgraded>
    where
        H: IntoIterator,
        H::Item: HeaderField,
    {
        if self.stage != Stage::Fresh {
            return Err(io::Error::other("upgrade() after a response was started"));
        }
        self.conn.answer_started();
        let mut io = self.conn.io.borrow_mut();
        io.sock.counters().response(101);
        let preamble = self.state.preamble.borrow();
        encode_response(&mut io.wbuf, &self.ctx, 101, "", headers, b"", &preamble);
        drop(preamble);
        // Whatever happens next, this connection speaks HTTP no more.
        io.keep_alive = false;
        let reader = io.sock.reader();
        let written = io.flush().await;
        // The session takes a write buffer from the pool when it writes.
        if io.wbuf.is_empty() {
            self.state.buffers.put(std::mem::take(&mut io.wbuf));
        }
        drop(io);
        // The `Upgraded` owes the answer from here on: the connection waits until it is
        // dropped.
        self.stage = Stage::Done;
        let upgraded = Upgraded::new(
            self.conn.clone(),
            self.state.clone(),
            reader,
            self.conn.take_rbuf().unwrap_or_default(),
        );
        written.map(|()| upgraded)
    }

    /// Sends the head of a response whose body follows in [`write`](Self::write) calls:
    /// chunked on HTTP/1.1, delimited by closing the connection on HTTP/1.0, nothing for
    /// HEAD, 204 and 304. Does nothing if a head was already sent.
    pub fn start<H>(&mut self, status: u16, reason: &str, headers: H)
    where
        H: IntoIterator,
        H::Item: HeaderField,
    {
        if self.stage != Stage::Fresh {
            return;
        }
        let ctx = self.effective_context();
        self.conn.answer_started();
        let mut io = self.conn.io.borrow_mut();
        io.sock.counters().response(status);
        let preamble = self.state.preamble.borrow();
        let head = ResponseHead {
            status,
            reason,
            headers,
            content_length: None,
        };
        let (mode, keep_alive) = encode_head(&mut io.wbuf, &ctx, head, &preamble);
        io.keep_alive = keep_alive;
        drop((io, preamble));
        self.stage = Stage::Streaming(mode);
    }

    /// Writes a piece of a streamed body and flushes it to the client.
    ///
    /// # Errors
    ///
    /// The client closed the connection or stopped reading for the write timeout; the
    /// connection is then closed after this request.
    // The borrow is held across the write on purpose: see `ConnIo`.
    #[allow(clippy::await_holding_refcell_ref)]
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        let Stage::Streaming(mode) = self.stage else {
            return Err(io::Error::other("write() before start() or after finish()"));
        };
        let mut io = self.conn.io.borrow_mut();
        match mode {
            BodyMode::Chunked => encode_chunk(&mut io.wbuf, chunk),
            BodyMode::CloseDelimited | BodyMode::Length => io.wbuf.extend_from_slice(chunk),
            BodyMode::None => {}
        }
        let result = io.flush().await;
        if result.is_err() {
            io.keep_alive = false;
        }
        result
    }

    /// As [`write`](Self::write), but sends `chunk`'s own bytes instead of copying them
    /// when nothing is queued before them (a length-delimited body after its first
    /// write): `chunk` is left empty either way, its allocation kept for the next piece.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    // The borrow is held across the write on purpose: see `ConnIo`.
    #[allow(clippy::await_holding_refcell_ref)]
    pub async fn write_from(&mut self, chunk: &mut BytesMut) -> io::Result<()> {
        let Stage::Streaming(mode) = self.stage else {
            return Err(io::Error::other("write() before start() or after finish()"));
        };
        let mut io = self.conn.io.borrow_mut();
        if !matches!(mode, BodyMode::Length | BodyMode::CloseDelimited) || !io.wbuf.is_empty() {
            drop(io);
            let result = self.write(chunk).await;
            chunk.clear();
            return result;
        }
        let timeout = io.write_timeout;
        let result = io.sock.write_all(chunk, timeout).await;
        if result.is_err() {
            io.keep_alive = false;
        }
        result
    }

    /// Ends a streamed body (the final empty chunk on HTTP/1.1).
    pub fn finish(mut self) {
        self.end();
    }

    fn end(&mut self) {
        if let Stage::Streaming(mode) = self.stage {
            if mode == BodyMode::Chunked {
                encode_last_chunk(&mut self.conn.io.borrow_mut().wbuf);
            }
            self.done();
        }
    }

    /// The answer is complete: the connection may go on. Called once, on the step to
    /// `Done` (a responder kept after that must not speak for the next request).
    fn done(&mut self) {
        self.stage = Stage::Done;
        self.conn.answered();
    }

    /// The request's context, with keep-alive turned off when the server is stopping,
    /// is configured to close after each response, or a streamed body was left unread.
    fn effective_context(&self) -> RequestContext {
        let mut ctx = self.ctx;
        if self.state.stopping() || self.state.config.no_keep_alive || self.conn.body_unread() {
            ctx.keep_alive = false;
        }
        ctx
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        // The common case, answered, looks nothing up.
        if self.stage != Stage::Done {
            self.abandon();
        }
    }
}

impl Responder {
    /// Ends a response its handler left unfinished: a 500 if nothing was sent, the end
    /// of a streamed body, or a close if the handler panicked mid-stream.
    #[cold]
    fn abandon(&mut self) {
        // A panicking handler drops its responder either while unwinding (locals of the
        // handler's future) or right after (the connection sets `panicked` first).
        let panicked =
            std::thread::panicking() || self.conn.io.try_borrow().map_or(true, |io| io.panicked);
        match self.stage {
            Stage::Done => {}
            Stage::Streaming(_) if panicked => {
                // Never send the terminator of a body the handler did not finish.
                if let Ok(mut io) = self.conn.io.try_borrow_mut() {
                    io.keep_alive = false;
                }
                self.done();
            }
            Stage::Streaming(_) => self.end(),
            Stage::Fresh => {
                if !panicked {
                    log::error!(
                        "a handler for {} ended without answering",
                        self.ctx.method.as_str()
                    );
                }
                let page = "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>";
                self.queue(
                    500,
                    "",
                    [("Content-Type", "text/html; charset=UTF-8")],
                    page.as_bytes(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Made and moved once per request: the connection's addresses live in its `Conn`.
    #[test]
    fn responder_is_three_words() {
        assert_eq!(std::mem::size_of::<super::Responder>(), 24);
    }
}
