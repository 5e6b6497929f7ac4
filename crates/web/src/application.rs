//! `Application`: the route table, served by every shard from its own private copy.

use typhoon_http1::Request;
use typhoon_server::{
    ConnInfo, HttpServer, MakeService, Response, ServerHandle, Service, ShardInfo,
};

use crate::error::HttpError;
use crate::handler::Handler;
use crate::route::Route;

/// A Tornado `Application`: an ordered route table; the first matching rule wins and an
/// unmatched path gets Tornado's 404 page.
///
/// Each shard builds its own copy on its own thread (the application is cloned there), so
/// nothing is shared between shards.
///
/// # Examples
///
/// ```no_run
/// use typhoon_web::{url, Application, Handler, RequestHandler, Result};
///
/// struct IndexHandler;
/// impl RequestHandler for IndexHandler {
///     async fn get(&mut self, h: &mut Handler) -> Result { h.write("good boy"); Ok(()) }
/// }
///
/// let app = Application::new(vec![url(r"/", || IndexHandler)]);
/// app.listen(8888)?;
/// typhoon_server::IoLoop::current().start()?;
/// # Ok::<(), typhoon_server::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Application {
    routes: Vec<Route>,
}

impl Application {
    /// An application with `routes`, tried in order.
    pub fn new(routes: Vec<Route>) -> Self {
        Self { routes }
    }

    /// Serves this application on `port`, every interface, with one shard: Tornado's
    /// `app.listen(port)`. Runs once `IoLoop::current().start()` is called.
    ///
    /// # Errors
    ///
    /// The port is in use, or cannot be bound.
    pub fn listen(&self, port: u16) -> typhoon_server::Result<ServerHandle> {
        HttpServer::new(self.clone()).listen(port)
    }

    /// Routes one request and runs its handler.
    async fn handle(&self, req: Request, conn: &ConnInfo) -> Response {
        let method = req.method();
        let found = self
            .routes
            .iter()
            .find_map(|route| route.matches(req.path()).map(|args| (route, args)));
        let Some((route, args)) = found else {
            let mut h = Handler::new(req, *conn, Vec::new());
            h.send_error(&HttpError::new(404));
            return h.into_response();
        };
        let mut h = Handler::new(req, *conn, args);
        let mut handler = route.make_handler();
        if let Err(err) = handler.dispatch(method, &mut h).await {
            h.send_error(&err);
        }
        h.into_response()
    }
}

impl Service for Application {
    async fn call(&self, req: Request, conn: &ConnInfo) -> Response {
        self.handle(req, conn).await
    }
}

impl MakeService for Application {
    type Service = Application;

    /// Each shard gets its own copy, built on the shard's thread.
    fn make_service(&self, _shard: &ShardInfo) -> Application {
        self.clone()
    }
}
