//! The connection driver: read, decode every complete request in the buffer, call the
//! service, encode, and write all ready responses with one write.
//!
//! Framing lives in `typhoon_http1` (pure); this file only moves bytes and keeps time.

use std::io;
use std::net::Shutdown;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures_lite::{AsyncReadExt, AsyncWriteExt, FutureExt};
use glommio::net::TcpStream;
use glommio::timer::Timer;
use typhoon_http1::{
    encode_error, encode_response, Decoded, Decoder, ParseError, RequestContext, CONTINUE,
};

use crate::service::{ConnInfo, Response, Service};
use crate::state::{ConnGuard, ShardState};

/// Bytes reserved for each read: one typical request batch.
const READ_CHUNK: usize = 8 * 1024;
/// The most one read asks the socket for.
const MAX_READ: usize = 64 * 1024;
/// Write what is ready once this much is queued, even mid-batch, so a long pipeline does
/// not buffer unbounded output.
const FLUSH_AT: usize = 64 * 1024;
/// After an error response, how long and how much to keep reading before closing, so the
/// client's unread request bytes do not turn our FIN into an RST that destroys the
/// response (robustness C4, nginx's lingering close).
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 64 * 1024;

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

/// Serves one accepted connection until it closes.
pub(crate) async fn serve<S: Service>(stream: TcpStream, service: Rc<S>, state: Rc<ShardState>) {
    use std::os::fd::AsRawFd;
    let (Ok(remote), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return; // the peer is already gone
    };
    let info = ConnInfo {
        remote,
        local,
        shard: state.info.id,
    };
    let guard = state.register(stream.as_raw_fd());
    let mut conn = Conn {
        decoder: Decoder::new(state.config.limits),
        rbuf: BytesMut::with_capacity(READ_CHUNK),
        wbuf: BytesMut::with_capacity(READ_CHUNK),
        head_started: None,
        body_started: None,
        stream,
        service,
        state,
        info,
    };
    if let Err(e) = conn.run(&guard).await {
        log::debug!("connection from {remote} ended: {e}");
    }
    // Unregister before the stream (and its fd) is dropped: shutdown-on-stop must never
    // touch a reused fd.
    drop(guard);
    drop(conn);
}

struct Conn<S> {
    stream: TcpStream,
    decoder: Decoder,
    rbuf: BytesMut,
    wbuf: BytesMut,
    /// When the first byte of the current head arrived (the header deadline starts here).
    head_started: Option<Instant>,
    /// When the current body started (the body deadline starts here).
    body_started: Option<Instant>,
    service: Rc<S>,
    state: Rc<ShardState>,
    info: ConnInfo,
}

impl<S: Service> Conn<S> {
    async fn run(&mut self, guard: &ConnGuard) -> io::Result<()> {
        loop {
            if !self.answer_ready().await? {
                self.flush().await?;
                self.linger().await;
                return Ok(());
            }
            self.flush().await?;
            let phase = self.phase();
            if phase == Phase::Idle && self.state.stopping() {
                return Ok(());
            }
            guard.slot.set_idle(phase == Phase::Idle);
            let deadline = self.deadline(phase);
            let read = self.read_before(deadline).await;
            guard.slot.set_idle(false);
            match read? {
                Some(0) => return Ok(()), // the client closed
                Some(_) => {}
                None if phase == Phase::Idle => return Ok(()),
                None => return self.time_out(phase).await,
            }
        }
    }

    /// Decodes and answers every complete request in the read buffer. Returns `false` when
    /// the connection must close after what has been written.
    async fn answer_ready(&mut self) -> io::Result<bool> {
        loop {
            match self.decoder.decode(&mut self.rbuf) {
                Ok(None) => return Ok(true),
                Ok(Some(Decoded::Continue)) => {
                    self.wbuf.extend_from_slice(CONTINUE);
                    self.flush().await?;
                }
                Ok(Some(Decoded::Request(req))) => {
                    self.head_started = None;
                    self.body_started = None;
                    let mut ctx = req.context();
                    let response = self.call(req, &ctx).await;
                    // Checked after the call: a shutdown that began while the handler ran
                    // still closes this connection after its response.
                    if self.state.stopping() || self.state.config.no_keep_alive {
                        ctx.keep_alive = false;
                    }
                    if !self.encode(&ctx, &response) {
                        return Ok(false);
                    }
                    if self.wbuf.len() >= FLUSH_AT {
                        self.flush().await?;
                    }
                    glommio::yield_if_needed().await;
                }
                Err(err) => {
                    self.reject(err);
                    return Ok(false);
                }
            }
        }
    }

    /// Runs the service; a panic in user code becomes a 500 and the shard keeps serving.
    async fn call(&self, req: typhoon_http1::Request, ctx: &RequestContext) -> Response {
        match AssertUnwindSafe(self.service.call(req, &self.info))
            .catch_unwind()
            .await
        {
            Ok(response) => response,
            Err(panic) => {
                let what = crate::launch::panic_text(panic.as_ref());
                log::error!(
                    "uncaught panic in a {} handler (client {}): {what}",
                    ctx.method.as_str(),
                    self.info.remote
                );
                Response::new(500, "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>")
            }
        }
    }

    fn encode(&mut self, ctx: &RequestContext, response: &Response) -> bool {
        let date = self.state.date.borrow();
        let headers = response
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        encode_response(
            &mut self.wbuf,
            ctx,
            response.status,
            &response.reason,
            headers,
            &response.body,
            date.as_bytes(),
            self.state.config.server_name.as_bytes(),
        )
    }

    /// Queues the error response for bad input. The caller closes afterwards (F20: the rest
    /// of the buffer is never parsed as another request).
    fn reject(&mut self, err: ParseError) {
        // Bad input from the network is the client's problem, not ours: INFO, never ERROR.
        log::info!(
            "bad request from {}: {err} ({})",
            self.info.remote,
            err.status()
        );
        let date = self.state.date.borrow();
        encode_error(
            &mut self.wbuf,
            err,
            date.as_bytes(),
            self.state.config.server_name.as_bytes(),
        );
    }

    /// Head or body deadline passed: 408, then close.
    async fn time_out(&mut self, phase: Phase) -> io::Result<()> {
        log::info!(
            "timeout reading request {} from {}",
            if phase == Phase::Body { "body" } else { "head" },
            self.info.remote
        );
        self.reject(ParseError::Timeout);
        self.flush().await?;
        self.linger().await;
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
        let now = Instant::now();
        let config = &self.state.config;
        match phase {
            Phase::Idle => now + config.idle_timeout,
            Phase::Head => *self.head_started.get_or_insert(now) + config.header_timeout,
            Phase::Body => *self.body_started.get_or_insert(now) + config.body_timeout,
        }
    }

    /// Reads more bytes into the read buffer. `Ok(None)` when `deadline` passed first.
    async fn read_before(&mut self, deadline: Instant) -> io::Result<Option<usize>> {
        let start = self.rbuf.len();
        if self.rbuf.capacity() - start < READ_CHUNK / 2 {
            self.rbuf.reserve(READ_CHUNK);
        }
        // Zero at most one read's worth: a buffer grown for a large body must not be
        // re-zeroed on every read.
        let room = (self.rbuf.capacity() - start).min(MAX_READ);
        self.rbuf.resize(start + room, 0);
        let wait = deadline.saturating_duration_since(Instant::now());
        let read = async { self.stream.read(&mut self.rbuf[start..]).await.map(Some) };
        let timer = async {
            Timer::new(wait).await;
            Ok(None)
        };
        let result = read.or(timer).await;
        let n = match &result {
            Ok(Some(n)) => *n,
            _ => 0,
        };
        self.rbuf.truncate(start + n);
        result
    }

    /// Writes everything queued, with one write when the socket takes it.
    async fn flush(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let wait = self.state.config.write_timeout;
        let write = self.stream.write_all(&self.wbuf);
        let timed_out = async {
            Timer::new(wait).await;
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "client stopped reading",
            ))
        };
        write.or(timed_out).await?;
        self.wbuf.clear();
        Ok(())
    }

    /// Half-closes, then reads and discards for a short while so the response survives.
    async fn linger(&mut self) {
        if self.stream.shutdown(Shutdown::Write).await.is_err() {
            return;
        }
        let deadline = Instant::now() + LINGER_TIME;
        let mut drained = 0;
        while drained < LINGER_BYTES {
            self.rbuf.clear();
            match self.read_before(deadline).await {
                Ok(Some(n)) if n > 0 => drained += n,
                _ => return,
            }
        }
    }
}
