//! Typhoon's `tornado.web`: an [`Application`] of routes, [`RequestHandler`]s with
//! Tornado's lifecycle, and a [`Handler`] to read the request and build the response —
//! arguments, files, JSON, cookies (plain and signed, byte-compatible with Tornado),
//! redirects, error pages, ETags, streaming with `flush`, templates (`render`), gzip both
//! ways, and Tornado's access log.
//!
//! ```no_run
//! use typhoon_web::{url, Application, Handler, RequestHandler, Result};
//!
//! struct IndexHandler;
//! impl RequestHandler for IndexHandler {
//!     async fn get(&mut self, h: &mut Handler) -> Result {
//!         h.write("good boy");
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> typhoon_server::Result<()> {
//!     let app = Application::new(vec![url(r"/", || IndexHandler)]);
//!     app.listen(8888)?;
//!     typhoon_server::IoLoop::current().start()
//! }
//! ```
//!
//! # Layout
//! - `app`: [`Application`] — host rules, routing, the per-shard service.
//! - `route`: [`url`], [`Route`], reversing a route into a URL.
//! - `lifecycle`: [`RequestHandler`] and the order its hooks run in.
//! - `handler`: [`Handler`] — `input.rs` reads the request, `output.rs` builds the response.
//! - [`arguments`]: query, form and multipart parsing with Tornado's semantics.
//! - [`cookies`]: `Cookie`/`Set-Cookie` and Tornado's signed values.
//! - `xheaders`: the client behind a proxy; `settings`: [`Settings`]; `json`: [`json_encode`].
//! - `error`: [`HttpError`], [`Finish`], [`Error`] and Tornado's error page.
//! - `etag`: the automatic ETag and `If-None-Match`; `escape`: [`xhtml_escape`].
//! - `template`: each shard's templates for [`Handler::render`] (minijinja), [`TemplateError`].
//! - `handler/gzip.rs`, `handler/inflate.rs`: `compress_response` and `decompress_request`.
//! - `static_files`: [`StaticFileHandler`] and `static_url`'s versions; `redirect`:
//!   [`RedirectHandler`]; `error_handler`: [`ErrorHandler`]; `traceback`: the
//!   `serve_traceback` error page.
//! - [`websocket`]: [`websocket::WebSocketHandler`], the handshake and the session.
//! - [`xsrf`]: Tornado's XSRF token formats; `auth`: the `authenticated` guard.

mod app;
pub mod arguments;
mod auth;
pub mod cookies;
mod error;
mod error_handler;
mod escape;
mod etag;
mod handler;
mod json;
mod lifecycle;
mod redirect;
mod route;
mod settings;
mod spares;
mod static_files;
mod template;
mod traceback;
pub mod websocket;
mod xheaders;
pub mod xsrf;

pub use app::{AppService, Application};
/// The bytes of a streamed body piece (`RequestHandler::data_received`).
pub use bytes::Bytes;
pub use error::{Error, Finish, HttpError, Result};
pub use error_handler::ErrorHandler;
pub use escape::xhtml_escape;
pub use handler::Handler;
pub use json::json_encode;
pub use lifecycle::RequestHandler;
/// Builds a template context: `context! { title => "Hi", items }` (minijinja's macro),
/// for [`Handler::render`].
pub use minijinja::context;
pub use redirect::RedirectHandler;
pub use route::{url, Captures, Route};
pub use settings::Settings;
pub use static_files::StaticFileHandler;
pub use template::TemplateError;
