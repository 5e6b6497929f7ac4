//! The connection driver: read, decode every complete request in the buffer, call the
//! service, and write all ready responses with one write.
//!
//! Framing lives in `typhoon_http1` (pure); this file only moves bytes and keeps time.

use std::future::{poll_fn, Future};
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use typhoon_http1::{
    encode_error, encode_response, BodyDecoder, Decoded, Decoder, Method, ParseError, Request,
    CONTINUE,
};

use crate::body::{Feed, RequestBody};
use crate::io::{Conn, ConnIo};
use crate::metrics::{TimeoutKind, CONTENT_TYPE};
use crate::responder::Responder;
use crate::service::{ConnInfo, Service};
use crate::sock::Sock;
use crate::state::{ConnGuard, ShardState};

/// Write what is ready once this much is queued, even mid-batch, so a long pipeline does
/// not buffer unbounded output.
const FLUSH_AT: usize = 64 * 1024;
/// How long and how much a closing connection keeps reading (robustness C4). The byte
/// bound is generous on purpose: a browser's form upload that overshoots the body limit
/// sends it whole without waiting, and must still read its 413 rather than a reset (nginx
/// drains by time alone); the time bound is what limits a client that never stops.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 64 << 20;

/// What the connection is waiting for when it reads; decides the deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Between requests, nothing buffered: the keep-alive idle timeout.
    Idle,
    /// Part of a head is buffered: the total header deadline.
    Head,
    /// A head is decoded and its body is incomplete: the body deadline.
    Body,
}

/// The peer's and our address of a connected socket; `None` once the peer is gone.
fn addresses(sock: &Sock) -> Option<(std::net::SocketAddr, std::net::SocketAddr)> {
    let sock = socket2::SockRef::from(sock);
    Some((
        sock.peer_addr().ok()?.as_socket()?,
        sock.local_addr().ok()?.as_socket()?,
    ))
}

/// Serves one accepted connection until it closes.
///
/// Between requests the connection holds only its socket: the decoder, the buffers and
/// the state of answering live in a boxed [`Busy`] session made when bytes arrive and
/// dropped when everything is answered, so idle keep-alive connections cost little memory.
/// For the same reason the connection is opened before the future is made, and the
/// future keeps only what it uses: an `async fn` would keep its arguments for its whole
/// life beside what it made of them (the task of every idle connection is this future).
pub(crate) fn serve<S: Service>(
    sock: Sock,
    service: Rc<S>,
    state: Rc<ShardState>,
) -> impl Future<Output = ()> {
    let open = Open::new(sock, &state);
    // The idle wait borrows `ConnIo` across an await: no responder exists then.
    #[allow(clippy::await_holding_refcell_ref)]
    async move {
        let Some(Open { conn, .. }) = &open else {
            return; // the peer is already gone
        };
        loop {
            let Some(deadline) = state.idle_deadline(conn.io.borrow().sock.now()) else {
                break;
            };
            let ready = conn.io.borrow().sock.idle_until(deadline).await;
            if !matches!(ready, Ok(true)) {
                if matches!(ready, Ok(false)) {
                    conn.io.borrow().sock.counters().timeout(TimeoutKind::Idle);
                }
                break;
            }
            let busy = Busy {
                decoder: Decoder::new(state.config.limits),
                rbuf: BytesMut::new(),
                conn: conn.clone(),
                head_started: None,
                body_started: None,
                service: &service,
                state: &state,
            };
            match boxed_in_place(|| busy.run()).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    log::debug!("connection from {} ended: {e}", conn.info.remote);
                    break;
                }
            }
        }
        conn.io.borrow().sock.counters().closed();
        drop(open);
    }
}

/// An accepted connection, registered with its shard.
struct Open {
    // Declared first, so dropped first: unregistered before the socket (and its fd) is
    // dropped, so that shutdown-on-stop never touches a reused fd.
    _guard: ConnGuard,
    conn: Rc<Conn>,
}

impl Open {
    /// Registers `sock` with its shard; `None` when the peer is already gone.
    fn new(sock: Sock, state: &Rc<ShardState>) -> Option<Self> {
        let (remote, local) = addresses(&sock)?;
        let info = ConnInfo {
            remote,
            local,
            shard: state.info.id,
        };
        let guard = state.register(sock.state());
        sock.counters().opened();
        let conn = Rc::new(Conn::new(
            info,
            ConnIo {
                sock,
                // No buffers yet: they come from the shard's pool once bytes arrive.
                wbuf: BytesMut::new(),
                keep_alive: true,
                write_timeout: state.config.write_timeout,
                panicked: false,
            },
        ));
        Some(Self {
            _guard: guard,
            conn,
        })
    }
}

/// Boxes the future `make` returns, built straight into its allocation: the busy
/// session's future is kilobytes (the service's future is part of it), and `Box::pin(f)`
/// builds it on the stack first and copies all of it, once per busy period.
fn boxed_in_place<F: Future>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), make()))
}

/// A connection while it has bytes to answer.
struct Busy<'a, S> {
    decoder: Decoder,
    rbuf: BytesMut,
    conn: Rc<Conn>,
    /// When the first byte of the current head arrived (the header deadline starts here).
    head_started: Option<Instant>,
    /// When the current body started (the body deadline starts here).
    body_started: Option<Instant>,
    service: &'a Rc<S>,
    state: &'a Rc<ShardState>,
}

// The connection is strictly sequential: while the service runs, this task only awaits
// it, so the `ConnIo` borrows held across awaits here never meet the responder's.
#[allow(clippy::await_holding_refcell_ref)]
impl<'a, S: Service> Busy<'a, S> {
    /// Reads and answers until nothing is left to answer (`Ok(true)`: the connection
    /// waits for its next request) or the connection must close (`Ok(false)`).
    // Not an `async fn`: it would keep `self` twice in its future (as taken and as the
    // body's local); the block captures it once.
    #[allow(clippy::manual_async_fn)]
    fn run(mut self) -> impl Future<Output = io::Result<bool>> + 'a {
        async move {
            let result = self.serve().await;
            self.release_buffers();
            result
        }
    }

    async fn serve(&mut self) -> io::Result<bool> {
        loop {
            let phase = self.phase();
            let deadline = self.deadline(phase);
            self.acquire_buffers();
            let read = self
                .conn
                .io
                .borrow_mut()
                .read_before(&mut self.rbuf, deadline)
                .await;
            match read? {
                Some(0) => return Ok(false), // the client closed
                Some(_) => {}
                None if phase == Phase::Idle => {
                    self.counters(|c| c.timeout(TimeoutKind::Idle));
                    return Ok(false);
                }
                None => {
                    self.time_out(phase).await?;
                    return Ok(false);
                }
            }
            let open = self.answer_ready().await?;
            self.conn.io.borrow_mut().flush().await?;
            if !open {
                self.conn
                    .io
                    .borrow_mut()
                    .linger(LINGER_TIME, LINGER_BYTES)
                    .await;
                return Ok(false);
            }
            if self.phase() == Phase::Idle {
                return Ok(true);
            }
        }
    }

    /// Takes buffers from the shard's pool for a connection that has none.
    fn acquire_buffers(&mut self) {
        if self.rbuf.capacity() == 0 {
            self.rbuf = self.state.buffers.take();
        }
        let mut io = self.conn.io.borrow_mut();
        if io.wbuf.capacity() == 0 {
            io.wbuf = self.state.buffers.take();
        }
    }

    /// Gives empty buffers back to the shard's pool (bytes still pending are kept).
    fn release_buffers(&mut self) {
        if self.rbuf.is_empty() {
            self.state.buffers.put(std::mem::take(&mut self.rbuf));
        }
        let mut io = self.conn.io.borrow_mut();
        if io.wbuf.is_empty() {
            self.state.buffers.put(std::mem::take(&mut io.wbuf));
        }
    }

    /// Decodes and answers every complete request in the read buffer. Returns `false` when
    /// the connection must close after what has been queued.
    async fn answer_ready(&mut self) -> io::Result<bool> {
        loop {
            let service = self.service;
            match self
                .decoder
                .decode_with(&mut self.rbuf, |head| service.stream_body(head))
            {
                Ok(None) => return Ok(true),
                Ok(Some(Decoded::Continue)) => {
                    let mut io = self.conn.io.borrow_mut();
                    io.wbuf.extend_from_slice(CONTINUE);
                    io.flush().await?;
                }
                Ok(Some(Decoded::Request(req))) => {
                    if self.is_scrape(&req) {
                        self.scrape(&req);
                    } else {
                        self.call(req).await;
                    }
                    if !self.answered().await? {
                        return Ok(false);
                    }
                }
                Ok(Some(Decoded::Head(req, body))) => {
                    // A body left unread leaves the buffer mid-request: close.
                    if !self.call_streamed(req, body).await || !self.answered().await? {
                        return Ok(false);
                    }
                }
                Err(err) => {
                    self.counters(|c| c.parse_error());
                    self.reject(err);
                    return Ok(false);
                }
            }
        }
    }

    /// After a request is answered: whether the connection goes on, writing what is
    /// queued once there is enough of it.
    // The borrow is held across the flush, as everywhere on this connection.
    #[allow(clippy::await_holding_refcell_ref)]
    async fn answered(&mut self) -> io::Result<bool> {
        self.head_started = None;
        self.body_started = None;
        let mut io = self.conn.io.borrow_mut();
        if !io.keep_alive {
            return Ok(false);
        }
        if io.wbuf.len() >= FLUSH_AT {
            io.flush().await?;
        }
        drop(io);
        glommio::yield_if_needed().await;
        Ok(true)
    }

    /// Runs the service; a panic in user code becomes a 500 (or a close, mid-stream) and
    /// the shard keeps serving.
    async fn call(&mut self, req: Request) {
        let ctx = req.context();
        // The turn in which the head was read: the duration counts from there.
        let started = self.conn.io.borrow().sock.now();
        // What follows the request is the upgrade's if it upgrades the connection.
        self.conn.lend_rbuf(std::mem::take(&mut self.rbuf));
        let responder = Responder::new(self.conn.clone(), self.state.clone(), ctx);
        let io = &self.conn.io;
        let outcome = {
            // Not boxed on its own: it lives in the busy session, which is boxed already
            // and dropped while the connection waits for its next request.
            let mut fut = std::pin::pin!(self.service.call(req, responder));
            poll_fn(
                |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
                    Ok(Poll::Ready(())) => Poll::Ready(None),
                    Ok(Poll::Pending) => Poll::Pending,
                    Err(panic) => {
                        // Before the future (and its responder) is dropped: see
                        // `ConnIo::panicked`. Borrowed only by a responder the service
                        // moved into another task, mid-write: that one is not dropped
                        // with the future and needs no flag.
                        if let Ok(mut io) = io.try_borrow_mut() {
                            io.panicked = true;
                        }
                        Poll::Ready(Some(panic))
                    }
                },
            )
            .await
        };
        if let Some(panic) = outcome {
            let what = crate::launch::panic_text(panic.as_ref());
            log::error!(
                "uncaught panic in a {} handler (client {}): {what}",
                ctx.method.as_str(),
                self.conn.info.remote
            );
            if let Ok(mut io) = self.conn.io.try_borrow_mut() {
                io.panicked = false;
            }
        }
        // A responder moved out of `call` (into a spawned task) answers later: nothing
        // else happens on this connection until it has.
        self.conn.until_answered().await;
        // Taken by an upgrade, which turned keep-alive off: the connection closes (and
        // the upgraded session's life is no request's duration).
        match self.conn.take_rbuf() {
            Some(rbuf) => {
                self.rbuf = rbuf;
                let took = Instant::now().saturating_duration_since(started);
                self.counters(|c| c.observe(took));
            }
            None => self.rbuf = BytesMut::new(),
        }
    }

    /// Runs `f` on the shard's counters.
    fn counters(&self, f: impl FnOnce(&crate::metrics::ShardMetrics)) {
        f(self.conn.io.borrow().sock.counters());
    }

    /// Whether `req` asks for the metrics endpoint (`ServerConfig::metrics_path`).
    fn is_scrape(&self, req: &Request) -> bool {
        self.state
            .config
            .metrics_path
            .as_deref()
            .is_some_and(|path| req.method() == Method::Get && req.target() == path)
    }

    /// Answers a scrape with every shard's counters. Not counted as a request: a
    /// monitor's scrapes would otherwise show up in the numbers they read.
    #[cold]
    fn scrape(&mut self, req: &Request) {
        let mut ctx = req.context();
        if self.state.stopping() || self.state.config.no_keep_alive {
            ctx.keep_alive = false;
        }
        let body = self.state.metrics.snapshot().to_prometheus();
        let preamble = self.state.preamble.borrow();
        let mut io = self.conn.io.borrow_mut();
        let headers = [("Content-Type", CONTENT_TYPE)];
        io.keep_alive = encode_response(
            &mut io.wbuf,
            &ctx,
            200,
            "",
            headers,
            body.as_bytes(),
            &preamble,
        );
    }

    /// Runs the service for a request whose body it reads as it arrives: the read buffer
    /// is lent to the body meanwhile. Returns `false` when the body was not read to its
    /// end, so the connection must close after the answer.
    async fn call_streamed(&mut self, req: Request, body: Box<BodyDecoder>) -> bool {
        let expects_continue = body.expects_continue();
        let rbuf = std::mem::take(&mut self.rbuf);
        let timeout = self.state.config.body_timeout;
        let feed = Rc::new(Feed::new(self.conn.clone(), rbuf, body, timeout));
        self.conn
            .offer_body(RequestBody::new(feed.clone()), expects_continue);
        self.call(req).await;
        self.conn.withdraw_body();
        let (rbuf, read) = feed.take_back();
        self.rbuf = rbuf;
        if read {
            self.conn.body_read();
        }
        read
    }

    /// Queues the error response for bad input. The caller closes afterwards (F20: the rest
    /// of the buffer is never parsed as another request).
    fn reject(&mut self, err: ParseError) {
        // Bad input from the network is the client's problem, not ours: INFO, never ERROR.
        log::info!(
            "bad request from {}: {err} ({})",
            self.conn.info.remote,
            err.status()
        );
        let preamble = self.state.preamble.borrow();
        let mut io = self.conn.io.borrow_mut();
        io.sock.counters().response(err.status());
        encode_error(&mut io.wbuf, err, &preamble);
    }

    /// Head or body deadline passed: 408, then close.
    async fn time_out(&mut self, phase: Phase) -> io::Result<()> {
        let (what, kind) = if phase == Phase::Body {
            ("body", TimeoutKind::Body)
        } else {
            ("head", TimeoutKind::Head)
        };
        self.counters(|c| c.timeout(kind));
        log::info!(
            "timeout reading request {what} from {}",
            self.conn.info.remote
        );
        self.reject(ParseError::Timeout);
        let mut io = self.conn.io.borrow_mut();
        io.flush().await?;
        io.linger(LINGER_TIME, LINGER_BYTES).await;
        Ok(())
    }

    fn phase(&self) -> Phase {
        if self.decoder.in_body() {
            Phase::Body
        } else if self.decoder.in_head(&self.rbuf) {
            Phase::Head
        } else {
            Phase::Idle
        }
    }

    fn deadline(&mut self, phase: Phase) -> Instant {
        let now = self.conn.io.borrow().sock.now();
        let config = &self.state.config;
        match phase {
            Phase::Idle => now + config.idle_timeout,
            Phase::Head => *self.head_started.get_or_insert(now) + config.header_timeout,
            Phase::Body => *self.body_started.get_or_insert(now) + config.body_timeout,
        }
    }
}
