//! The WebSocket handshake (as the answer to a GET) and the session that runs a
//! [`WebSocketHandler`] until the connection closes.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use typhoon_server::UpgradedReader;
use typhoon_websocket::deflate::negotiate;
use typhoon_websocket::{check_request, Decoder, Encoder, Message, Role};

use super::{WebSocket, WebSocketHandler, WsMessage};
use crate::error::Result;
use crate::handler::Handler;

/// How long a closing WebSocket waits for the client's close frame (Tornado waits 5 s).
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// The longest read wait when nothing else is due: an idle WebSocket wakes this rarely.
const IDLE_WAIT: Duration = Duration::from_secs(3600);

/// Answers the handshake request in `h` and, when it is a good one, upgrades the
/// connection, calls `open` and leaves the session in `h` ([`Handler::keep_session`]) for
/// [`Opened::serve`] to run once the request's lifecycle is over.
pub(crate) async fn open<T: WebSocketHandler>(handler: &mut T, h: &mut Handler) -> Result {
    let request = h.request();
    let upgrade = match check_request(request.method().as_str(), request.headers()) {
        Ok(upgrade) => upgrade,
        Err(refused) => {
            log::info!(
                "refused a WebSocket handshake from {}: {}",
                h.remote_ip(),
                refused.message()
            );
            h.set_status(refused.status());
            for (name, value) in refused.headers() {
                h.set_header(name, value)?;
            }
            h.write(refused.message());
            return Ok(());
        }
    };
    if let Some(origin) = h.request_header("Origin") {
        if !handler.check_origin(h, origin) {
            h.set_status(403);
            h.write("Cross origin websockets not allowed");
            return Ok(());
        }
    }
    let protocol = handler
        .select_subprotocol(&upgrade.protocols)
        .filter(|chosen| upgrade.protocols.contains(chosen));
    let deflate = handler
        .get_compression_options()
        .and_then(|config| negotiate(&upgrade.deflate_offers(), &config).map(|n| (n, config)));
    let headers = upgrade.response_headers(
        protocol.as_deref(),
        deflate.as_ref().map(|((_, value), _)| value.as_str()),
    );
    // Not kept in this future for the connection's life.
    drop(upgrade);
    let deflate = deflate.map(|((negotiated, _), config)| (negotiated, config));
    let settings = h.settings();
    let limits = Limits {
        max_message_size: settings.websocket_max_message_size,
        ping_interval: settings.websocket_ping_interval,
        ping_timeout: settings.websocket_ping_timeout,
    };
    // Boxed here and below: what is awaited once (or between idle waits) is not kept
    // inline in the future an idle WebSocket holds for its whole life.
    let Ok(upgraded) = Box::pin(h.upgrade(headers)).await else {
        return Ok(()); // the client went away before the 101
    };
    let (reader, writer) = upgraded.into_split();
    let mut encoder = Encoder::new(Role::Server);
    let mut decoder = Decoder::new(Role::Server).with_max_message_size(limits.max_message_size);
    if let Some((negotiated, config)) = &deflate {
        encoder = encoder.with_deflater(Some(negotiated.deflater(Role::Server, config.level)));
        decoder = decoder.with_inflater(Some(negotiated.inflater(Role::Server)));
    }
    let ws = WebSocket::new(writer, encoder, protocol);
    let session = Session {
        ws: ws.clone(),
        reader,
        decoder,
        buf: BytesMut::new(),
        limits,
        close_by: None,
        pong: false,
    };
    if let Err(err) = Box::pin(handler.open(&ws, h)).await {
        log::error!("WebSocket open failed: {err:?}");
        Box::pin(ws.close(Some(1011), "")).await;
    }
    h.keep_session(Box::new(Opened { session, ws }));
    Ok(())
}

/// An open WebSocket's session, between the handshake request's lifecycle and its own
/// task. It runs on its own so that what only the request needed (the `Handler` with the
/// request's head and parts, the lifecycle's and the connection's request futures) is
/// freed while the WebSocket stays open: about 1.9 KB of an idle WebSocket's memory.
pub(crate) struct Opened {
    session: Session,
    ws: WebSocket,
}

impl Opened {
    /// Reads and dispatches messages to `handler` until the WebSocket has closed, then
    /// calls its `on_close`.
    pub(crate) async fn serve<T: WebSocketHandler>(self, mut handler: T) {
        let Opened { mut session, ws } = self;
        session.serve(&mut handler).await;
        drop(session);
        Box::pin(ws.release()).await;
        handler.on_close(&ws);
    }
}

/// The settings a session keeps.
#[derive(Clone, Copy, Debug)]
struct Limits {
    max_message_size: usize,
    ping_interval: Option<Duration>,
    ping_timeout: Option<Duration>,
}

impl Limits {
    /// How long a ping may go unanswered: the setting, else Tornado's
    /// `max(3 × interval, 30 s)`.
    fn ping_timeout(&self) -> Option<Duration> {
        let interval = self.ping_interval?;
        Some(
            self.ping_timeout
                .unwrap_or_else(|| (interval * 3).max(Duration::from_secs(30))),
        )
    }
}

/// One open WebSocket's reading side and timers.
struct Session {
    ws: WebSocket,
    reader: UpgradedReader,
    decoder: Decoder,
    buf: BytesMut,
    limits: Limits,
    /// When the client must have answered our close frame.
    close_by: Option<Instant>,
    /// A pong arrived since the session last looked.
    pong: bool,
}

/// What ended a wait of the session loop.
enum Woke {
    Read(std::io::Result<Option<usize>>),
    Timer,
    Stopping,
    CloseSent,
}

impl Session {
    /// Reads and dispatches messages until the WebSocket has closed.
    async fn serve<T: WebSocketHandler>(&mut self, handler: &mut T) {
        let mut stopping: Option<Pin<Box<dyn Future<Output = ()>>>> = self
            .ws
            .stopping()
            .map(|f| Box::pin(f) as Pin<Box<dyn Future<Output = ()>>>);
        let mut next_ping = self.limits.ping_interval.map(|i| self.reader.now() + i);
        let mut pong_due: Option<Instant> = None;
        loop {
            if !Box::pin(self.dispatch_buffered(handler)).await {
                return;
            }
            let now = self.reader.now();
            if self.ws.close_sent() && self.close_by.is_none() {
                self.close_by = Some(now + CLOSE_WAIT);
            }
            // A timer only when one is due: an idle WebSocket waits on its socket alone.
            let deadline = [self.close_by, next_ping, pong_due]
                .into_iter()
                .flatten()
                .min();
            let woke = {
                // The socket's own deadlines are checked by the shard's sweep, a few times
                // a second: the session's timers (pings, the close wait) run on a timer.
                let far = now + IDLE_WAIT;
                let read = async { Woke::Read(self.reader.read_before(&mut self.buf, far).await) };
                // Boxed: most waits have no timer, and the future of one that has is
                // then not part of every idle session's size.
                let sleep = deadline.map(|at| {
                    Box::pin(typhoon_server::sleep(
                        at.saturating_duration_since(Instant::now()),
                    ))
                });
                let timer = async move {
                    match sleep {
                        Some(sleep) => {
                            sleep.await;
                            Woke::Timer
                        }
                        None => std::future::pending().await,
                    }
                };
                let stop = async {
                    match stopping.as_mut() {
                        Some(stop) => {
                            stop.await;
                            Woke::Stopping
                        }
                        None => std::future::pending().await,
                    }
                };
                let ws = self.ws.clone();
                let close_sent = async move {
                    if ws.close_sent() {
                        return std::future::pending().await;
                    }
                    ws.until_close_sent().await;
                    Woke::CloseSent
                };
                let others =
                    futures_lite::future::or(timer, futures_lite::future::or(stop, close_sent));
                futures_lite::future::or(read, others).await
            };
            match woke {
                Woke::Read(Ok(Some(n))) if n > 0 => {}
                Woke::Read(Ok(Some(_)) | Err(_)) => {
                    // The client is gone (or closed its side without a close frame).
                    self.ws.set_closed(None, None);
                    return;
                }
                Woke::Read(Ok(None)) => {} // an hour without a byte: look again
                Woke::Timer => {
                    let now = Instant::now();
                    if self.close_by.is_some_and(|by| now >= by) {
                        log::debug!("WebSocket client did not answer our close; closing");
                        return;
                    }
                    if pong_due.is_some_and(|due| now >= due) {
                        log::info!("WebSocket ping timed out; closing");
                        self.ws.set_closed(None, None);
                        return;
                    }
                    if next_ping.is_some_and(|at| now >= at) {
                        let _ = Box::pin(self.ws.ping(b"")).await;
                        next_ping = self.limits.ping_interval.map(|i| now + i);
                        if pong_due.is_none() {
                            pong_due = self.limits.ping_timeout().map(|t| now + t);
                        }
                    }
                }
                Woke::Stopping => {
                    stopping = None;
                    Box::pin(self.ws.close(Some(1001), "server shutting down")).await;
                }
                Woke::CloseSent => {}
            }
            if pong_due.is_some() && self.pong_seen() {
                pong_due = None;
            }
        }
    }

    /// Whether a pong arrived since the last look.
    fn pong_seen(&mut self) -> bool {
        std::mem::take(&mut self.pong)
    }

    /// Hands every complete message in the buffer to the handler. `false` once the
    /// session is over (a close frame, or a protocol error answered with its code).
    async fn dispatch_buffered<T: WebSocketHandler>(&mut self, handler: &mut T) -> bool {
        loop {
            let (used, message) = match self.decoder.decode(&self.buf) {
                Ok(decoded) => decoded,
                Err(err) => {
                    log::info!("WebSocket protocol error: {err}");
                    let code = err.close_code().0;
                    self.ws.set_closed(None, None);
                    let _ = self
                        .ws
                        .send(&Message::Close(Some((code, String::new()))))
                        .await;
                    return false;
                }
            };
            self.buf.advance(used);
            let Some(message) = message else {
                return true;
            };
            match message {
                Message::Text(text) => self.deliver(handler, WsMessage::Text(text)).await,
                Message::Binary(data) => self.deliver(handler, WsMessage::Binary(data)).await,
                Message::Ping(data) => {
                    if !self.ws.is_closing() {
                        let _ = self.ws.send(&Message::Pong(data.clone())).await;
                    }
                    handler.on_ping(&self.ws, &data);
                }
                Message::Pong(data) => {
                    self.pong = true;
                    handler.on_pong(&self.ws, &data);
                }
                Message::Close(payload) => {
                    let (code, reason) = match payload {
                        Some((code, reason)) => (Some(code), Some(reason)),
                        None => (None, None),
                    };
                    self.ws.set_closed(code, reason);
                    if !self.ws.close_sent() {
                        // Echo the client's code (RFC 6455 §5.5.1).
                        let echo = code.map(|c| (c, String::new()));
                        let _ = self.ws.send(&Message::Close(echo)).await;
                    }
                    return false;
                }
            }
        }
    }

    /// A data message to the handler, unless the WebSocket is closing.
    async fn deliver<T: WebSocketHandler>(&mut self, handler: &mut T, message: WsMessage) {
        if self.ws.is_closing() {
            return;
        }
        if let Err(err) = handler.on_message(&self.ws, message).await {
            log::error!("WebSocket on_message failed: {err:?}");
            self.ws.close(Some(1011), "").await;
        }
    }
}
