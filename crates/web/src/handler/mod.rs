//! `Handler`: one request and the response being built — Tornado's `self` inside a
//! handler. Reading the request is in `input.rs`, building the response in `output.rs`.

mod error_text;
mod extras;
mod gzip;
mod inflate;
mod input;
mod output;
mod render;
mod static_url;
mod user;
mod xsrf;

use std::cell::OnceCell;
use std::net::IpAddr;
use std::rc::Rc;
use std::time::Instant;

use bytes::BytesMut;
use typhoon_http1::Request;
use typhoon_server::{RequestBody, Responder};

use crate::app::AppState;
use crate::arguments::Arguments;
use crate::route::Captures;
use crate::spares::Headers;
use extras::Extras;

/// One request and the response being built (Tornado's `self` in a handler): arguments,
/// headers, cookies and connection details to read; status, headers, body, cookies,
/// redirects and streaming to write.
///
/// # Examples
///
/// ```
/// use typhoon_web::{Handler, RequestHandler, Result};
///
/// struct HelloHandler;
/// impl RequestHandler for HelloHandler {
///     async fn get(&mut self, h: &mut Handler) -> Result {
///         let name = h.get_argument_or("name", "world");
///         h.set_header("Content-Type", "text/plain; charset=UTF-8")?;
///         h.write(format!("Hello, {name}"));
///         Ok(())
///     }
/// }
/// ```
pub struct Handler {
    request: Request,
    app: Rc<AppState>,
    out: Option<Responder>,
    started: Instant,
    remote_ip: IpAddr,
    protocol: &'static str,
    query_args: OnceCell<Arguments>,
    /// Path captures, form arguments, files, a custom reason: made when first needed.
    extras: Option<Box<Extras>>,
    status: u16,
    /// Response headers; names and the common values are static (no allocation).
    headers: Headers,
    body: BytesMut,
    /// The head went out (a `flush`): later output is body chunks only.
    head_sent: bool,
    /// The response was sent.
    finished: bool,
    /// `redirect` or `finish_later` asked to end; the lifecycle sends it.
    finish_requested: bool,
    peer_closed: bool,
    /// The connection was upgraded (a WebSocket): the request was logged then.
    upgraded: bool,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("method", &self.request.method())
            .field("uri", &self.request.target())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// What a [`Handler`] is made from, gathered when the request is routed. The lifecycle
/// makes the handler from it inside its own allocation: built on the stack and moved
/// there, the handler was copied twice per request.
pub(crate) struct HandlerParts {
    pub request: Request,
    pub out: Responder,
    pub app: Rc<AppState>,
    pub captures: Captures,
}

impl Handler {
    pub(crate) fn new(parts: HandlerParts) -> Self {
        let HandlerParts {
            request,
            out,
            app,
            captures,
        } = parts;
        let peer = out.info().remote;
        let started = out.now();
        let (remote_ip, protocol) = crate::xheaders::client(&request, peer.ip(), &app.settings);
        // Spare buffers come empty: with the default headers this is what `clear`
        // leaves. (Built as the return value, not cleared after: the handler is then made
        // where it lives, in the lifecycle's future, with no copy.)
        let (mut headers, body) = app.spares.take();
        output::default_headers(&mut headers);
        Self {
            request,
            app,
            out: Some(out),
            started,
            remote_ip,
            protocol,
            query_args: OnceCell::new(),
            extras: Extras::of_captures(captures.args, captures.kwargs),
            status: 200,
            headers,
            body,
            head_sent: false,
            finished: false,
            finish_requested: false,
            peer_closed: false,
            upgraded: false,
        }
    }

    /// The request as decoded: method, target, headers, body.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// Whether the response has been finished, or asked to finish (by `finish`,
    /// `redirect`, `finish_later`).
    pub fn is_finished(&self) -> bool {
        self.finished || self.finish_requested
    }

    /// Whether the head has been written to the client (after a `flush`).
    pub fn head_sent(&self) -> bool {
        self.head_sent
    }

    /// Whether the client closed the connection before the response was complete.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Resolves when the client goes away before the response is finished: race it
    /// against slow work (a long poll, a slow query) to stop early. It holds no borrow
    /// of the handler. Once the response is finished it never resolves. (To have the
    /// lifecycle stop the verb itself, see
    /// [`RequestHandler::STOP_ON_CLOSE`](crate::RequestHandler::STOP_ON_CLOSE).)
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::future;
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// struct Updates;
    /// impl RequestHandler for Updates {
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         let gone = h.connection_closed();
    ///         let news = async {
    ///             typhoon_server::sleep(std::time::Duration::from_secs(30)).await;
    ///             Some("news")
    ///         };
    ///         if let Some(news) = future::or(news, async { gone.await; None }).await {
    ///             h.write(news);
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn connection_closed(&self) -> impl std::future::Future<Output = ()> + 'static {
        let closed = self.out.as_ref().map(Responder::closed);
        async move {
            match closed {
                Some(closed) => closed.await,
                None => std::future::pending().await,
            }
        }
    }

    /// Sets the largest request body accepted, for a handler with
    /// [`STREAM_REQUEST_BODY`](crate::RequestHandler::STREAM_REQUEST_BODY), in `prepare`
    /// (Tornado's `self.request.connection.set_max_body_size`). It may be above the
    /// server's `max_body`; a larger declared length is answered 413 before any of the
    /// body is read. Does nothing for other handlers, whose body has already been read.
    pub fn set_max_body_size(&mut self, limit: u64) {
        if let Some(body) = self.request_body() {
            body.set_max_size(limit);
        }
    }

    /// Sets how long the request body may take to arrive, counted from its first byte
    /// wanted, for a handler with
    /// [`STREAM_REQUEST_BODY`](crate::RequestHandler::STREAM_REQUEST_BODY), in `prepare`
    /// (Tornado's `set_body_timeout`); past it the answer is 408. Does nothing for other
    /// handlers.
    pub fn set_body_timeout(&mut self, timeout: std::time::Duration) {
        if let Some(body) = self.request_body() {
            body.set_timeout(timeout);
        }
    }

    fn request_body(&mut self) -> Option<&mut RequestBody> {
        self.extras.as_deref_mut()?.request_body.as_mut()
    }

    /// Keeps the request's streamed body (if the server streamed it) for the lifecycle.
    pub(crate) fn keep_request_body(&mut self) {
        if let Some(body) = self.out.as_mut().and_then(Responder::take_body) {
            self.extras_mut().request_body = Some(body);
        }
    }

    /// The streamed body, for the lifecycle to read.
    pub(crate) fn take_request_body(&mut self) -> Option<RequestBody> {
        self.extras.as_deref_mut()?.request_body.take()
    }

    /// Answers `101 Switching Protocols` with `headers` and hands the connection over (the
    /// WebSocket handshake). The request is logged now, as Tornado logs it, not when the
    /// session ends.
    pub(crate) async fn upgrade(
        &mut self,
        headers: Vec<(&'static str, String)>,
    ) -> std::io::Result<typhoon_server::Upgraded> {
        let out = self
            .out
            .take()
            .ok_or_else(|| std::io::Error::other("upgrade() after the response was sent"))?;
        self.status = 101;
        self.finished = true;
        // Kept for the connection's life: hold nothing of the read buffer, and give the
        // response's buffers back.
        self.request.unshare();
        let spare = (
            std::mem::take(&mut self.headers),
            std::mem::take(&mut self.body),
        );
        self.app.spares.keep(spare.0, spare.1);
        let upgraded = out
            .upgrade(headers.iter().map(|(name, value)| (*name, value.as_str())))
            .await;
        if upgraded.is_err() {
            self.peer_closed = true;
        }
        self.log_now();
        self.upgraded = true;
        upgraded
    }

    /// Whether the connection was upgraded (`upgrade`).
    pub(crate) fn upgraded(&self) -> bool {
        self.upgraded
    }

    /// Keeps the session of an upgraded connection until the lifecycle ends.
    pub(crate) fn keep_session(&mut self, session: Box<dyn std::any::Any>) {
        self.extras_mut().session = Some(extras::Session(session));
    }

    /// The session `keep_session` kept.
    pub(crate) fn take_session(&mut self) -> Option<Box<dyn std::any::Any>> {
        Some(self.extras.as_deref_mut()?.session.take()?.0)
    }

    /// The client went away: `on_connection_close` runs after the verb.
    pub(crate) fn set_peer_closed(&mut self) {
        self.peer_closed = true;
    }

    /// `GET /path?query` — for log lines.
    pub(crate) fn request_summary(&self) -> String {
        format!(
            "{} {}",
            self.request.method().as_str(),
            self.request.target()
        )
    }

    /// Tornado's access log: `200 GET /path (127.0.0.1) 0.50ms`, INFO below 400, WARNING
    /// below 500, ERROR above, on the `typhoon::access` target.
    // Inlined, so that with the access log off (as under load) only the level check runs.
    #[inline]
    pub(crate) fn log_request(&self) {
        if self.upgraded {
            return;
        }
        self.log_now();
    }

    /// Writes the access log line now.
    fn log_now(&self) {
        let level = match self.status {
            0..=399 => log::Level::Info,
            400..=499 => log::Level::Warn,
            _ => log::Level::Error,
        };
        if level <= log::max_level() {
            self.write_access_log(level);
        }
    }

    #[inline(never)]
    fn write_access_log(&self, level: log::Level) {
        if log::log_enabled!(target: "typhoon::access", level) {
            let ms = self.started.elapsed().as_secs_f64() * 1000.0;
            log::log!(target: "typhoon::access", level, "{} {} ({}) {ms:.2}ms", self.status, self.request_summary(), self.remote_ip);
        }
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        let headers = std::mem::take(&mut self.headers);
        let body = std::mem::take(&mut self.body);
        self.app.spares.keep(headers, body);
    }
}

impl Handler {
    /// The extras, if something made them.
    fn extras(&self) -> Option<&Extras> {
        self.extras.as_deref()
    }

    /// The extras, made now if nothing did before.
    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// The application's `cookie_secret`, which signed cookies need.
    pub(crate) fn cookie_secret(&self) -> Result<&crate::cookies::Secret, crate::HttpError> {
        self.app.settings.cookie_secret.as_ref().ok_or_else(|| {
            crate::HttpError::new(500)
                .log("the cookie_secret setting is required to use signed cookies")
        })
    }

    /// Cancels a finish request (an error page replaces what was being sent).
    pub(crate) fn reopen(&mut self) {
        self.finish_requested = false;
    }
}

/// Seconds since the Unix epoch, the clock of signed values.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    /// The handler is made, moved into the lifecycle's allocation and dropped once per
    /// request: rarely used parts belong in `Extras`, not here.
    #[test]
    fn handler_stays_small() {
        let size = std::mem::size_of::<super::Handler>();
        assert!(size <= 192, "Handler grew to {size} bytes");
    }
}
