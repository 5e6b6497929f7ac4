//! `RequestHandler`, the hooks a handler implements, and the lifecycle that calls them in
//! Tornado's order: `set_default_headers`, body parsing, the XSRF check, `prepare`, (for
//! `STREAM_REQUEST_BODY` handlers, the body into `data_received`), the verb, `finish`,
//! `on_finish` (Tornado's `RequestHandler._execute`).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use typhoon_http1::Method;

use crate::error::{Error, HttpError, Result};
use crate::handler::{Handler, HandlerParts};

/// A request handler, Tornado's `RequestHandler` subclass: implement the verbs you serve;
/// every other verb answers 405, as in Tornado (no automatic HEAD or OPTIONS).
///
/// A fresh value is made for each request by the route's factory (the closure given to
/// [`url`](crate::url), which plays Tornado's `initialize(**kwargs)`), on the shard's
/// thread, so a handler may hold anything, `Rc` included.
///
/// # Examples
///
/// ```
/// use typhoon_web::{Handler, RequestHandler, Result};
///
/// struct IndexHandler;
/// impl RequestHandler for IndexHandler {
///     async fn get(&mut self, h: &mut Handler) -> Result {
///         h.write("good boy");
///         Ok(())
///     }
/// }
/// ```
// Handlers run on one shard and never move between threads, so their futures need no
// `Send` bound: that is the point of the thread-per-core design.
#[allow(async_fn_in_trait)]
pub trait RequestHandler: 'static {
    /// Runs before the verb (Tornado's `prepare`); finishing the request here (or
    /// returning `Err(Finish.into())`) skips the verb.
    async fn prepare(&mut self, _h: &mut Handler) -> Result {
        Ok(())
    }
    /// GET.
    async fn get(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// POST.
    async fn post(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// PUT.
    async fn put(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// DELETE.
    async fn delete(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// PATCH.
    async fn patch(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// HEAD.
    async fn head(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// OPTIONS.
    async fn options(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(405).into())
    }
    /// Sets headers every response of this handler carries (Tornado's
    /// `set_default_headers`); also called again before an error page.
    fn set_default_headers(&mut self, _h: &mut Handler) {}
    /// Writes the error page for `status` (Tornado's `write_error`). The default is
    /// Tornado's `<html><title>404: Not Found</title>…` page.
    fn write_error(&mut self, h: &mut Handler, status: u16) {
        h.write_default_error_page(status);
    }
    /// Replaces the response with the error page for `status` through
    /// [`write_error`](Self::write_error) (Tornado's `self.send_error(404)`); the response
    /// is sent when the verb returns. Returning `Err(HttpError::new(404).into())` does the
    /// same and also stops the verb.
    fn send_error(&mut self, h: &mut Handler, status: u16)
    where
        Self: Sized,
    {
        send_error(self, h, status, None);
    }
    /// Checks the XSRF token of a POST, PUT, PATCH or DELETE before `prepare`, when
    /// [`Settings::xsrf_cookies`](crate::Settings::xsrf_cookies) is on (Tornado's
    /// `check_xsrf_cookie`). The default is [`Handler::check_xsrf_cookie`]; override it to
    /// exempt some requests or check another way.
    fn check_xsrf_cookie(&mut self, h: &mut Handler) -> Result {
        Ok(h.check_xsrf_cookie()?)
    }
    /// Determines the user of the request (Tornado's `get_current_user`), from a signed
    /// cookie say; it may await (a database lookup). Called at most once per request, by
    /// the first [`current_user`](Self::current_user) or
    /// [`authenticated`](Self::authenticated); never by the lifecycle itself, so a handler
    /// that does not ask costs nothing. The default: nobody.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// struct Compose;
    /// impl RequestHandler for Compose {
    ///     async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
    ///         Ok(h.get_signed_cookie("user")?)
    ///     }
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         let user = self.authenticated(h).await?; // or off to login_url
    ///         h.write(format!("Write something, {user}"));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
        Ok(None)
    }
    /// The user of the request (Tornado's `current_user`): on the first call
    /// [`get_current_user`](Self::get_current_user)'s answer, kept in `h` for the rest of
    /// the request, where [`Handler::current_user`] reads it without awaiting. (Not meant
    /// to be overridden: override `get_current_user`, or call
    /// [`Handler::set_current_user`] in `prepare`.)
    ///
    /// # Errors
    ///
    /// Whatever `get_current_user` returned.
    async fn current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        crate::auth::current_user(self, h).await
    }
    /// Requires a logged-in user (Tornado's `@authenticated`); call it at the top of a
    /// verb or in `prepare`: `let user = self.authenticated(h).await?;`.
    ///
    /// # Errors
    ///
    /// With nobody logged in (no [`current_user`](Self::current_user), or an empty
    /// one): for GET and HEAD, a redirect to [`get_login_url`](Self::get_login_url)
    /// with `?next=` and the request's URI (the full URL when the login URL is
    /// absolute; nothing added when it has a query already), returned as
    /// [`Error::Finish`] so that `?` stops the verb and the redirect goes out; for other
    /// methods a 403. Without a `login_url`, a GET gets a 500 as in Tornado.
    async fn authenticated(&mut self, h: &mut Handler) -> Result<String> {
        crate::auth::authenticated(self, h).await
    }
    /// The login page [`authenticated`](Self::authenticated) sends visitors to
    /// (Tornado's `get_login_url`); the default is [`Handler::get_login_url`], the
    /// `login_url` setting. Override it to choose per request.
    fn get_login_url(&mut self, h: &Handler) -> Result<String> {
        Ok(h.get_login_url()?)
    }
    /// Called after the response was sent (Tornado's `on_finish`): cleanup, metrics.
    fn on_finish(&mut self, _h: &Handler) {}
    /// Called when the client closed the connection before the response was complete
    /// (Tornado's `on_connection_close`), once, after `prepare` and the verb have ended:
    /// at once when [`STOP_ON_CLOSE`](Self::STOP_ON_CLOSE) stops them, otherwise when the
    /// verb returns (a verb that wants to stop waiting races
    /// [`Handler::connection_closed`] against its work).
    fn on_connection_close(&mut self, _h: &Handler) {}
    /// When `true`, `prepare` and the verb are stopped (their futures dropped at the
    /// await they are in) as soon as the client goes away, and `on_connection_close`
    /// runs at once: for long polls and streams whose only reader has left. `false` by
    /// default, as in Tornado, where a handler's coroutine runs to its end: work such as
    /// a database write is not cut in the middle unless the handler asks.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// struct Wait;
    /// impl RequestHandler for Wait {
    ///     const STOP_ON_CLOSE: bool = true;
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         typhoon_server::sleep(std::time::Duration::from_secs(60)).await;
    ///         h.write("still here");
    ///         Ok(())
    ///     }
    ///     fn on_connection_close(&mut self, _h: &Handler) {
    ///         log::info!("the client left; nothing to clean up");
    ///     }
    /// }
    /// ```
    const STOP_ON_CLOSE: bool = false;
    /// When `true`, request bodies are not read before `prepare`: `prepare` runs once
    /// the head has arrived (where [`Handler::set_max_body_size`] and
    /// [`Handler::set_body_timeout`] may change the body's limits), then the body is
    /// handed to [`data_received`](Self::data_received) piece by piece as it arrives,
    /// then the verb runs. Tornado's `@stream_request_body`: uploads of any size with
    /// memory that stays flat. `h.body()` is then empty and no form arguments are parsed.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Bytes, Handler, RequestHandler, Result};
    ///
    /// /// Counts an upload of up to 10 GiB as it arrives.
    /// #[derive(Default)]
    /// struct Upload {
    ///     bytes: u64,
    /// }
    /// impl RequestHandler for Upload {
    ///     const STREAM_REQUEST_BODY: bool = true;
    ///     async fn prepare(&mut self, h: &mut Handler) -> Result {
    ///         h.set_max_body_size(10 << 30);
    ///         Ok(())
    ///     }
    ///     async fn data_received(&mut self, _h: &mut Handler, chunk: Bytes) -> Result {
    ///         self.bytes += chunk.len() as u64; // the next piece is read after this returns
    ///         Ok(())
    ///     }
    ///     async fn put(&mut self, h: &mut Handler) -> Result {
    ///         h.write(format!("{} bytes\n", self.bytes));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    const STREAM_REQUEST_BODY: bool = false;
    /// A piece of the request body as it arrives, for a handler with
    /// [`STREAM_REQUEST_BODY`](Self::STREAM_REQUEST_BODY) (Tornado's `data_received`).
    /// The next piece is read only once this returns, so a slow handler slows the client
    /// down instead of letting the body pile up in memory. An error stops the body (the
    /// connection then closes after the error page).
    async fn data_received(&mut self, _h: &mut Handler, _chunk: Bytes) -> Result {
        Err(HttpError::new(500)
            .log("a STREAM_REQUEST_BODY handler must implement data_received")
            .into())
    }
    /// What goes on after the request's lifecycle when the handler upgraded the
    /// connection: a WebSocket's session, run as a task of its own once the request's
    /// state is dropped. Implemented by [`WebSocketRoute`](crate::websocket::WebSocketRoute);
    /// not meant for other handlers.
    #[doc(hidden)]
    fn into_session(self, _h: &mut Handler) -> Option<impl Future<Output = ()> + 'static>
    where
        Self: Sized,
    {
        None::<std::future::Ready<()>>
    }
}

/// A boxed, shard-local future.
pub(crate) type LocalFuture<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// [`RequestHandler`] with its type erased, so one route table holds many handler types.
pub(crate) trait Dispatch {
    /// Runs the lifecycle for the request in `parts`. The handler, its [`Handler`] and
    /// the lifecycle's state share one allocation, so the connection's future holds only
    /// a pointer to them: small enough for the allocator's per-thread cache, which a busy
    /// session holding the `Handler` itself was not (1,840 bytes against 984 for a bare
    /// `Service`).
    fn run(self: Box<Self>, parts: HandlerParts) -> LocalFuture<'static>;
}

impl<T: RequestHandler> Dispatch for T {
    fn run(self: Box<Self>, parts: HandlerParts) -> LocalFuture<'static> {
        // Built straight into its allocation rather than on the stack and copied.
        let future: Pin<Box<_>> =
            Box::into_pin(Box::write(Box::new_uninit(), execute(*self, parts)));
        future
    }
}

/// Tornado's `_execute`, step by step. The `Handler` is made here, inside the future, so
/// it is built where it stays.
// Not an `async fn`: its arguments would be stored twice in the future (once as taken,
// once as the body's locals; with the `Handler` itself among them, that once took the
// future past the allocator's per-thread cache). The block captures them once and works
// through references to them. (672 bytes for the hello example.)
#[allow(clippy::manual_async_fn)]
fn execute<T: RequestHandler>(mut handler: T, parts: HandlerParts) -> impl Future<Output = ()> {
    async move {
        let mut h = Handler::new(parts);
        {
            let (handler, h) = (&mut handler, &mut h);
            if T::STREAM_REQUEST_BODY {
                h.keep_request_body();
            }
            handler.set_default_headers(h);
            let mut result = h.prepare_request();
            if result.is_ok() && h.xsrf_check_applies() {
                result = handler.check_xsrf_cookie(h);
            }
            if result.is_ok() {
                result = if T::STOP_ON_CLOSE {
                    until_closed(handler, h).await
                } else {
                    prepare_and_verb(handler, h).await
                };
            }
            if let Err(err) = result {
                handle_error(handler, h, err);
            }
            h.finish_response().await;
            if h.peer_closed() {
                handler.on_connection_close(h);
            }
            h.log_request();
            handler.on_finish(h);
        }
        if h.upgraded() {
            // The upgraded session goes on in a task of its own; this future, with the
            // `Handler` and the request, ends now.
            if let Some(session) = handler.into_session(&mut h) {
                drop(h);
                // Boxed: the spawning wrappers would each keep a copy of a future this size.
                typhoon_server::IoLoop::current().spawn_callback(Box::pin(session));
            }
        }
    }
}

/// `prepare`, the streamed body for a `STREAM_REQUEST_BODY` handler, then the verb,
/// unless a step failed or finished the request.
async fn prepare_and_verb<T: RequestHandler>(handler: &mut T, h: &mut Handler) -> Result {
    handler.prepare(h).await?;
    if h.is_finished() {
        return Ok(());
    }
    if T::STREAM_REQUEST_BODY {
        receive_body(handler, h).await?;
        if h.is_finished() {
            return Ok(());
        }
    }
    match h.request().method() {
        Method::Get => handler.get(h).await,
        Method::Post => handler.post(h).await,
        Method::Put => handler.put(h).await,
        Method::Delete => handler.delete(h).await,
        Method::Patch => handler.patch(h).await,
        Method::Head => handler.head(h).await,
        Method::Options => handler.options(h).await,
        Method::Trace => Err(HttpError::new(405).into()),
    }
}

/// The streamed body, piece by piece into `data_received` (nothing for a request
/// without a body), inflated first when `decompress_request` applies. The server has
/// logged a bad or late body; a client that left ends the request quietly, as one that
/// leaves during any other await.
async fn receive_body<T: RequestHandler>(handler: &mut T, h: &mut Handler) -> Result {
    let Some(mut body) = h.take_request_body() else {
        return Ok(());
    };
    let mut inflater = h.body_inflater(body.max_size());
    loop {
        match body.chunk().await {
            Ok(Some(chunk)) => match inflater.as_mut() {
                None => handler.data_received(h, chunk).await?,
                Some(inflater) => {
                    let pieces = inflater.push(&chunk).map_err(|e| e.to_http())?;
                    deliver(handler, h, pieces).await?;
                }
            },
            Ok(None) => {
                if let Some(inflater) = inflater {
                    let pieces = inflater.finish().map_err(|e| e.to_http())?;
                    deliver(handler, h, pieces).await?;
                }
                return Ok(());
            }
            Err(err) => {
                return Err(match err.status() {
                    Some(status) => HttpError::new(status).into(),
                    None => {
                        h.set_peer_closed();
                        Error::Finish
                    }
                })
            }
        }
    }
}

/// Inflated pieces of a streamed body, into `data_received`.
async fn deliver<T: RequestHandler>(
    handler: &mut T,
    h: &mut Handler,
    pieces: Vec<Bytes>,
) -> Result {
    for piece in pieces {
        handler.data_received(h, piece).await?;
    }
    Ok(())
}

/// `prepare_and_verb`, stopped when the client goes away (`STOP_ON_CLOSE`).
async fn until_closed<T: RequestHandler>(handler: &mut T, h: &mut Handler) -> Result {
    let gone = h.connection_closed();
    let work = async { Some(prepare_and_verb(handler, h).await) };
    let outcome = futures_lite::future::or(work, async {
        gone.await;
        None
    })
    .await;
    outcome.unwrap_or_else(|| {
        h.set_peer_closed();
        Err(Error::Finish)
    })
}

/// What an error from a hook or verb turns into: nothing for `Finish`, else the error
/// page (logged as Tornado does). Apart and cold, so the common path (`Ok`) carries no
/// error handling or drop code.
#[cold]
fn handle_error<T: RequestHandler>(handler: &mut T, h: &mut Handler, err: Error) {
    if !matches!(err, Error::Finish) && (h.settings().serve_traceback || h.settings().debug) {
        h.set_traceback(crate::traceback::describe(&err));
    }
    match err {
        Error::Finish => {}
        Error::Http(err) => {
            if let Some(message) = &err.log_message {
                log::warn!(
                    "{} {} ({}): {message}",
                    err.status,
                    h.request_summary(),
                    h.remote_ip()
                );
            }
            send_error(handler, h, err.status, err.reason.as_deref());
        }
        Error::Internal(err) => {
            log::error!(
                "Uncaught exception {} ({}): {err}",
                h.request_summary(),
                h.remote_ip()
            );
            send_error(handler, h, 500, None);
        }
    }
}

/// Tornado's `send_error`: a fresh response with the error page, unless the head is
/// already on the wire (then the error is only logged and the response ends).
pub(crate) fn send_error<T: RequestHandler>(
    handler: &mut T,
    h: &mut Handler,
    status: u16,
    reason: Option<&str>,
) {
    if h.head_sent() {
        log::error!("Cannot send error response after headers written");
        return;
    }
    h.reopen();
    h.clear();
    handler.set_default_headers(h);
    match reason {
        Some(reason) => h.set_status_reason(status, reason),
        None => h.set_status(status),
    }
    handler.write_error(h, status);
}
