//! `RequestHandler` (the verbs a handler implements) and `Handler` (what it reads and writes).

use std::future::Future;
use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use typhoon_http1::{Method, Request};
use typhoon_server::{ConnInfo, Response};

use crate::error::{error_page, HttpError, Result};

/// A request handler, Tornado's `RequestHandler` subclass: implement the verbs you serve;
/// every other verb answers 405, as in Tornado (no automatic HEAD or OPTIONS).
///
/// A fresh value is made for each request by the route's factory, on the shard's thread,
/// so a handler may hold anything, `Rc` included.
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
    /// GET.
    async fn get(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// POST.
    async fn post(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// PUT.
    async fn put(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// DELETE.
    async fn delete(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// PATCH.
    async fn patch(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// HEAD.
    async fn head(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
    /// OPTIONS.
    async fn options(&mut self, h: &mut Handler) -> Result {
        not_allowed(h)
    }
}

fn not_allowed(_h: &mut Handler) -> Result {
    Err(HttpError::new(405))
}

/// A boxed, shard-local future.
pub(crate) type LocalFuture<'a> = Pin<Box<dyn Future<Output = Result> + 'a>>;

/// [`RequestHandler`] with its type erased, so one route table holds many handler types.
pub(crate) trait Dispatch {
    fn dispatch<'a>(&'a mut self, method: Method, h: &'a mut Handler) -> LocalFuture<'a>;
}

impl<T: RequestHandler> Dispatch for T {
    fn dispatch<'a>(&'a mut self, method: Method, h: &'a mut Handler) -> LocalFuture<'a> {
        match method {
            Method::Get => Box::pin(self.get(h)),
            Method::Post => Box::pin(self.post(h)),
            Method::Put => Box::pin(self.put(h)),
            Method::Delete => Box::pin(self.delete(h)),
            Method::Patch => Box::pin(self.patch(h)),
            Method::Head => Box::pin(self.head(h)),
            Method::Options => Box::pin(self.options(h)),
            Method::Trace => Box::pin(async { Err(HttpError::new(405)) }),
        }
    }
}

/// One request and the response being built: Tornado's `self` inside a handler.
#[derive(Debug)]
pub struct Handler {
    request: Request,
    conn: ConnInfo,
    path_args: Vec<String>,
    status: u16,
    reason: String,
    headers: Vec<(String, String)>,
    body: BytesMut,
}

impl Handler {
    pub(crate) fn new(request: Request, conn: ConnInfo, path_args: Vec<String>) -> Self {
        Self {
            request,
            conn,
            path_args,
            status: 200,
            reason: String::new(),
            headers: vec![(
                "Content-Type".to_owned(),
                "text/html; charset=UTF-8".to_owned(),
            )],
            body: BytesMut::new(),
        }
    }

    /// The request: method, target, headers, body.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The groups the route's pattern captured, in order.
    pub fn path_args(&self) -> &[String] {
        &self.path_args
    }

    /// The client's IP address.
    pub fn remote_ip(&self) -> std::net::IpAddr {
        self.conn.remote.ip()
    }

    /// The shard serving this request.
    pub fn shard(&self) -> usize {
        self.conn.shard
    }

    /// Appends `chunk` to the response body.
    pub fn write(&mut self, chunk: impl AsRef<[u8]>) {
        self.body.extend_from_slice(chunk.as_ref());
    }

    /// Sets the status code (with its standard reason phrase).
    pub fn set_status(&mut self, status: u16) {
        self.status = status;
        self.reason.clear();
    }

    /// The status code so far.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Sets a response header, replacing any value it had.
    ///
    /// # Errors
    ///
    /// A 500 [`HttpError`] if the name is not a token or the value holds a control
    /// character (CR/LF would let a value inject headers).
    pub fn set_header(&mut self, name: &str, value: impl ToString) -> Result {
        let value = value.to_string();
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
        let value_ok = value
            .bytes()
            .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f));
        if !name_ok || !value_ok {
            return Err(HttpError::new(500).log(format!("unsafe header {name:?}: {value:?}")));
        }
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value));
        Ok(())
    }

    /// A response header set so far.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Replaces the response with Tornado's error page for `err` and logs its message.
    pub(crate) fn send_error(&mut self, err: &HttpError) {
        if let Some(message) = &err.log_message {
            log::warn!(
                "{} {} {} ({}): {message}",
                err.status,
                self.request.method().as_str(),
                self.request.target(),
                self.remote_ip()
            );
        }
        self.status = err.status;
        self.reason = err.reason.clone().unwrap_or_default();
        self.headers.clear();
        self.headers.push((
            "Content-Type".to_owned(),
            "text/html; charset=UTF-8".to_owned(),
        ));
        self.body.clear();
        self.body
            .extend_from_slice(error_page(err.status, err.reason()).as_bytes());
    }

    pub(crate) fn into_response(self) -> Response {
        Response {
            status: self.status,
            reason: self.reason,
            headers: self.headers,
            body: Bytes::from(self.body),
        }
    }
}
