//! The seam between the server and the application: what a shard calls for each request.

use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use typhoon_http1::Request;

use crate::responder::Responder;

/// Where a request came from: the connection and the shard serving it.
#[derive(Clone, Copy, Debug)]
pub struct ConnInfo {
    /// The client's address.
    pub remote: SocketAddr,
    /// The local address the client connected to.
    pub local: SocketAddr,
    /// The shard that owns the connection.
    pub shard: usize,
}

/// Which shard a service is being built for.
#[derive(Clone, Copy, Debug)]
pub struct ShardInfo {
    /// Shard id, `0..shards`.
    pub id: usize,
    /// Number of shards of the server.
    pub shards: usize,
    /// The CPU the shard is pinned to.
    pub cpu: usize,
}

/// A complete response produced by a [`Service`].
///
/// Framing headers (`Content-Length`, `Transfer-Encoding`, `Connection`) are the server's
/// job and are ignored here; `Server` and `Date` are added unless set.
#[derive(Clone, Debug, Default)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Reason phrase; empty means the standard one for `status`.
    pub reason: String,
    /// Header fields in order, names as they should be sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// A response with `status` and `body` and no extra headers.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = typhoon_server::Response::new(200, "good boy");
    /// assert_eq!(&r.body[..], b"good boy");
    /// ```
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            reason: String::new(),
            headers: Vec::new(),
            body: body.into(),
        }
    }
}

/// What a shard runs for each request. Built once per shard, on that shard's thread, so it
/// may hold `Rc` and `Cell` state; its futures never leave the shard.
///
/// # Examples
///
/// ```
/// use typhoon_server::{Responder, Response, Service};
/// use typhoon_http1::Request;
///
/// struct Hello;
/// impl Service for Hello {
///     async fn call(&self, _req: Request, out: Responder) {
///         out.send(Response::new(200, "good boy"));
///     }
/// }
/// ```
pub trait Service: 'static {
    /// Answers one request through `out` (whole, or streamed).
    fn call(&self, req: Request, out: Responder) -> impl Future<Output = ()>;

    /// Asked about each request with a body once its head has arrived: `true` calls
    /// [`call`](Self::call) at once, with the body left to read as it arrives
    /// ([`Responder::take_body`], [`RequestBody`](crate::RequestBody)); `false` (the
    /// default) reads the whole body first, up to `max_body`, and hands it over with the
    /// request.
    fn stream_body(&self, _head: &Request) -> bool {
        false
    }
}

/// Builds each shard's private [`Service`]; shared by all shard threads, so it is `Send +
/// Sync`, while the services it makes need not be.
pub trait MakeService: Send + Sync + 'static {
    /// The per-shard service.
    type Service: Service;
    /// Called once on each shard's own thread.
    fn make_service(&self, shard: &ShardInfo) -> Self::Service;
}

/// A [`MakeService`] from a closure: `HttpServer::new(Factory(|shard| MyService::new()))`.
///
/// # Examples
///
/// ```
/// use typhoon_server::{Factory, HttpServer, Responder, Response, Service, ShardInfo};
///
/// struct Hello;
/// impl Service for Hello {
///     async fn call(&self, _req: typhoon_http1::Request, out: Responder) {
///         out.send(Response::new(200, "good boy"));
///     }
/// }
/// let server = HttpServer::new(Factory(|_shard: &ShardInfo| Hello));
/// ```
pub struct Factory<F>(pub F);

impl<F, S> MakeService for Factory<F>
where
    F: Fn(&ShardInfo) -> S + Send + Sync + 'static,
    S: Service,
{
    type Service = S;
    fn make_service(&self, shard: &ShardInfo) -> S {
        (self.0)(shard)
    }
}
