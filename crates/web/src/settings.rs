//! Application settings (Tornado's `Application(**settings)`), the ones this layer reads.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::arguments::BodyLimits;
use crate::cookies::{CookieOptions, Secret};
use crate::xsrf::TokenVersion;

/// Settings shared by every handler of an [`Application`](crate::Application).
///
/// # Examples
///
/// ```
/// use typhoon_web::Settings;
///
/// let settings = Settings { xheaders: true, ..Settings::default() }.cookie_secret("61oETzKX");
/// assert!(settings.cookie_secret.is_some());
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Key for signed cookies (Tornado's `cookie_secret`; a dict + `key_version` is
    /// `Secret::Versioned`).
    pub cookie_secret: Option<Secret>,
    /// Trust `X-Real-Ip`/`X-Forwarded-For`/`X-Scheme`/`X-Forwarded-Proto` (behind a proxy).
    pub xheaders: bool,
    /// Proxies skipped when reading `X-Forwarded-For` from the right.
    pub trusted_downstream: Vec<IpAddr>,
    /// Add an ETag to 200 answers to GET/HEAD and answer a matching `If-None-Match` with
    /// 304 (Tornado's default `compute_etag`).
    pub compute_etag: bool,
    /// Multipart limits (parts, part header size).
    pub body_limits: BodyLimits,
    /// The largest WebSocket message accepted, after decompression (Tornado's
    /// `websocket_max_message_size`, 10 MiB); a larger one closes the WebSocket with 1009.
    pub websocket_max_message_size: usize,
    /// Ping every open WebSocket this often (Tornado's `websocket_ping_interval`; off by
    /// default).
    pub websocket_ping_interval: Option<Duration>,
    /// Close a WebSocket whose ping has gone unanswered this long (Tornado's
    /// `websocket_ping_timeout`; by default three intervals, at least 30 s).
    pub websocket_ping_timeout: Option<Duration>,
    /// The directory [`Handler::render`](crate::Handler::render) loads templates from
    /// (Tornado's `template_path`); rendering without it is a 500.
    pub template_path: Option<PathBuf>,
    /// Escape the output of every `{{ … }}` with Tornado's `xhtml_escape` unless it is
    /// marked `|safe`, in every template whatever its extension (Tornado's default
    /// `autoescape="xhtml_escape"`); `false` is Tornado's `autoescape=None`.
    pub autoescape: bool,
    /// Keep each shard's compiled templates for its life (Tornado's
    /// `compiled_template_cache`); `false` reads and compiles the templates again at every
    /// render, so edits show at once (what Tornado's `debug` mode turns on).
    pub compiled_template_cache: bool,
    /// Gzip compressible responses for clients that accept it (Tornado's
    /// `compress_response`, its `GZipContentEncoding` transform).
    pub compress_response: bool,
    /// Inflate request bodies sent with `Content-Encoding: gzip` before their arguments
    /// are parsed, up to the server's `max_body` (Tornado's `decompress_request`).
    pub decompress_request: bool,
    /// Refuse POST, PUT, PATCH and DELETE requests whose `_xsrf` argument (or
    /// `X-XSRFToken`/`X-CSRFToken` header) does not match the `_xsrf` cookie, with 403,
    /// before `prepare` (Tornado's `xsrf_cookies`; off by default). Forms carry the token
    /// with [`Handler::xsrf_form_html`](crate::Handler::xsrf_form_html).
    pub xsrf_cookies: bool,
    /// The token format [`Handler::xsrf_token`](crate::Handler::xsrf_token) hands out
    /// (Tornado's `xsrf_cookie_version`, 2); both versions are read.
    pub xsrf_cookie_version: TokenVersion,
    /// Attributes of the XSRF cookie (Tornado's `xsrf_cookie_kwargs`): for example
    /// `secure`, `httponly`, `samesite`. While a user is logged in the cookie lasts 30
    /// days unless `expires_days` is given.
    pub xsrf_cookie_kwargs: CookieOptions,
    /// The XSRF cookie's name (Tornado's `xsrf_cookie_name`, `_xsrf`); `__Host-xsrf`
    /// with `secure` pins it to the host.
    pub xsrf_cookie_name: String,
    /// Where [`RequestHandler::authenticated`](crate::RequestHandler::authenticated)
    /// sends a visitor who is not logged in (Tornado's `login_url`).
    pub login_url: Option<String>,
    /// Serve the files under this directory (Tornado's `static_path`): the application
    /// then routes `static_url_prefix` + `(.*)`, `/favicon.ico` and `/robots.txt` to a
    /// [`StaticFileHandler`](crate::StaticFileHandler), and
    /// [`Handler::static_url`](crate::Handler::static_url) works.
    pub static_path: Option<PathBuf>,
    /// Where static files are served (Tornado's `static_url_prefix`, `/static/`).
    pub static_url_prefix: String,
    /// The file served for a directory under `static_path` (Tornado's
    /// `static_handler_args = {"default_filename": ...}`); directories are refused
    /// without it.
    pub static_default_filename: Option<String>,
    /// Keep each static file's version once computed, per shard (Tornado's
    /// `static_hash_cache`, on by default; `debug` turns it off).
    pub static_hash_cache: bool,
    /// Error pages show the error and its causes as text (Tornado's `serve_traceback`).
    pub serve_traceback: bool,
    /// Development mode (Tornado's `debug`): implies `serve_traceback`, no
    /// `static_hash_cache` and no `compiled_template_cache`.
    pub debug: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            cookie_secret: None,
            xheaders: false,
            trusted_downstream: Vec::new(),
            compute_etag: true,
            body_limits: BodyLimits::default(),
            websocket_max_message_size: 10 << 20,
            websocket_ping_interval: None,
            websocket_ping_timeout: None,
            template_path: None,
            autoescape: true,
            compiled_template_cache: true,
            compress_response: false,
            decompress_request: false,
            xsrf_cookies: false,
            xsrf_cookie_version: TokenVersion::V2,
            xsrf_cookie_kwargs: CookieOptions::default(),
            xsrf_cookie_name: "_xsrf".to_owned(),
            login_url: None,
            static_path: None,
            static_url_prefix: "/static/".to_owned(),
            static_default_filename: None,
            static_hash_cache: true,
            serve_traceback: false,
            debug: false,
        }
    }
}

impl Settings {
    /// Sets a single `cookie_secret`.
    pub fn cookie_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.cookie_secret = Some(Secret::Single(secret.as_ref().to_vec()));
        self
    }
}
