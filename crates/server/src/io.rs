//! One connection's socket and write buffer, shared by the connection driver and the
//! [`Responder`](crate::Responder) of the request being answered.

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use bytes::BytesMut;

use crate::body::RequestBody;
use crate::service::ConnInfo;
use crate::sock::Sock;

/// One connection as the driver and the responder of its current request share it: who
/// is on the other end (fixed for its life), and its socket and write buffer.
///
/// The addresses live here rather than in each [`Responder`](crate::Responder), so a
/// responder is three words and making or moving one per request copies little.
pub(crate) struct Conn {
    pub info: ConnInfo,
    pub io: RefCell<ConnIo>,
    /// The current request's answer is still owed: its [`Responder`](crate::Responder)
    /// lives and has not finished. The connection waits for it before it reads, answers
    /// or writes anything else, so a responder that outlives the service's `call` (moved
    /// into a spawned task) still answers in order and never meets the connection's own
    /// borrows of `io`.
    owed: Cell<bool>,
    /// The connection waiting for the answer owed.
    waiter: Cell<Option<Waker>>,
    /// The current request's streamed body, until its handler takes it.
    body: Cell<Option<RequestBody>>,
    /// The current request's body is streamed and not all read yet: its answer closes
    /// the connection.
    unread_body: Cell<bool>,
    /// The client waits for `100 Continue` before it sends the streamed body; cancelled
    /// once the answer starts.
    continue_owed: Cell<bool>,
    /// The connection's read buffer while its current request is answered: what the
    /// client sent after the request, taken by [`Responder::upgrade`](crate::Responder::upgrade).
    lent: Cell<Option<BytesMut>>,
}

impl Conn {
    pub fn new(info: ConnInfo, io: ConnIo) -> Self {
        Self {
            info,
            io: RefCell::new(io),
            owed: Cell::new(false),
            waiter: Cell::new(None),
            body: Cell::new(None),
            unread_body: Cell::new(false),
            continue_owed: Cell::new(false),
            lent: Cell::new(None),
        }
    }

    /// Resolves when the client goes away (closes its side, or the connection fails).
    /// The future holds no borrow. The borrow taken here is only for a clone; a failed
    /// one (impossible but mid-write, when nobody asks) watches nothing rather than
    /// panicking.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + 'static {
        let watch = self.io.try_borrow().ok().map(|io| io.sock.watch_close());
        async move {
            match watch {
                Some(watch) => watch.closed().await,
                None => std::future::pending().await,
            }
        }
    }

    /// Lends the read buffer to the request about to be answered.
    pub fn lend_rbuf(&self, rbuf: BytesMut) {
        self.lent.set(Some(rbuf));
    }

    /// The lent read buffer: back to the connection after the answer (`None` if the
    /// request upgraded the connection and took it), or to the upgrade.
    pub fn take_rbuf(&self) -> Option<BytesMut> {
        self.lent.take()
    }

    /// The current request's body will be read by its handler: `body` waits for
    /// [`take_body`](Self::take_body).
    pub fn offer_body(&self, body: RequestBody, expects_continue: bool) {
        self.body.set(Some(body));
        self.unread_body.set(true);
        self.continue_owed.set(expects_continue);
    }

    /// The streamed body offered for the current request, once.
    pub fn take_body(&self) -> Option<RequestBody> {
        self.body.take()
    }

    /// The request is answered: a body its handler never took is dropped.
    pub fn withdraw_body(&self) {
        drop(self.body.take());
        self.continue_owed.set(false);
    }

    /// The streamed body was read to its end.
    pub fn body_read(&self) {
        self.unread_body.set(false);
    }

    /// Whether the current request's streamed body is still unread.
    pub fn body_unread(&self) -> bool {
        self.unread_body.get()
    }

    /// Whether `100 Continue` is still owed, clearing it: the caller sends it.
    pub fn take_continue(&self) -> bool {
        self.continue_owed.replace(false)
    }

    /// The answer starts: no interim `100 Continue` may follow it.
    pub fn answer_started(&self) {
        self.continue_owed.set(false);
    }

    /// A responder was made for the current request.
    pub fn owe_answer(&self) {
        self.owed.set(true);
    }

    /// The current request's responder has finished (or was dropped).
    pub fn answered(&self) {
        self.owed.set(false);
        if let Some(waker) = self.waiter.take() {
            waker.wake();
        }
    }

    /// Waits until the current request is answered; at once in the common case, a
    /// responder used and dropped within `call`.
    pub async fn until_answered(&self) {
        poll_fn(|cx| {
            if !self.owed.get() {
                return Poll::Ready(());
            }
            self.waiter.set(Some(cx.waker().clone()));
            Poll::Pending
        })
        .await;
    }
}

/// The socket and the responses queued for it.
///
/// It lives in the connection's shared [`Conn`]; the connection is strictly
/// sequential (it awaits the service, and the service's responder writes only while the
/// connection waits), so the borrows held across awaits here never overlap.
pub(crate) struct ConnIo {
    pub sock: Sock,
    /// Encoded responses not yet written.
    pub wbuf: BytesMut,
    /// Whether the connection may serve another request after the current response.
    pub keep_alive: bool,
    /// Longest gap allowed while the client does not read.
    pub write_timeout: Duration,
    /// The service panicked while answering the current request (set before its
    /// responder is dropped, so the responder knows not to finish a partial body).
    pub panicked: bool,
}

impl ConnIo {
    /// Writes everything queued, with one send when the socket takes it.
    pub async fn flush(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        self.sock
            .write_all(&mut self.wbuf, self.write_timeout)
            .await
    }

    /// Appends received bytes to `rbuf`, waiting for some. `Ok(Some(0))` is end-of-file;
    /// `Ok(None)` when `deadline` passed first.
    pub async fn read_before(
        &mut self,
        rbuf: &mut BytesMut,
        deadline: Instant,
    ) -> io::Result<Option<usize>> {
        if !self.sock.readable_before(deadline).await? {
            return Ok(None);
        }
        self.sock.read_ready(rbuf).map(Some)
    }

    /// Half-closes, then reads and discards for a short while so the last response
    /// survives: unread request bytes would otherwise turn our FIN into an RST that
    /// destroys it (robustness C4, nginx's lingering close).
    pub async fn linger(&mut self, time: Duration, bytes: usize) {
        if self.sock.shutdown_write().is_err() {
            return;
        }
        let deadline = Instant::now() + time;
        let mut sink = BytesMut::new();
        let mut drained = 0;
        while drained < bytes {
            sink.clear();
            match self.read_before(&mut sink, deadline).await {
                Ok(Some(n)) if n > 0 => drained += n,
                _ => return,
            }
        }
    }
}
