//! `Application`: host rule tables and named routes; each shard serves its own copy.

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::rc::Rc;

use regex::Regex;
use typhoon_http1::Request;
use typhoon_server::{HttpServer, MakeService, Responder, ServerHandle, Service, ShardInfo};

use crate::error::HttpError;
use crate::etag::EtagMemo;
use crate::handler::{Handler, HandlerParts};
use crate::lifecycle::{send_error, LocalFuture, RequestHandler};
use crate::route::{Captures, Route};
use crate::spares::Spares;
use crate::Settings;

/// A Tornado `Application`: ordered route tables (per host pattern, then the catch-all);
/// the first matching rule wins and an unmatched path gets Tornado's 404 page, or the
/// `default_handler`.
///
/// Each shard builds its own copy on its own thread, so nothing is shared between shards.
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
    hosts: Vec<HostRules>,
    default_handler: Option<Route>,
    settings: Settings,
    /// How many routes at the front of the catch-all table `static_path` added.
    static_routes: usize,
}

#[derive(Clone, Debug)]
struct HostRules {
    /// `None` for the catch-all table (`.*`), which needs no host at all.
    pattern: Option<Regex>,
    routes: Vec<Route>,
}

impl Application {
    /// An application with `routes` for every host, tried in order.
    pub fn new(routes: Vec<Route>) -> Self {
        Self {
            hosts: vec![HostRules {
                pattern: None,
                routes,
            }],
            default_handler: None,
            settings: Settings::default(),
            static_routes: 0,
        }
    }

    /// Replaces the settings. With
    /// [`static_path`](Settings::static_path), the routes of Tornado's static files are
    /// put before the others: `static_url_prefix` + `(.*)`, `/(favicon\.ico)` and
    /// `/(robots\.txt)`, served by [`StaticFileHandler`](crate::StaticFileHandler).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self.static_handler(|files| files)
    }

    /// Serves the `static_path` routes with `make(files)` instead of the plain
    /// [`StaticFileHandler`](crate::StaticFileHandler) (Tornado's `static_handler_class`):
    /// a handler of your own that wraps it, to add headers or checks. Call it after
    /// [`with_settings`](Self::with_settings).
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Application, Handler, RequestHandler, Result, Settings, StaticFileHandler};
    ///
    /// struct NoSniff(StaticFileHandler);
    /// impl RequestHandler for NoSniff {
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         h.set_header("X-Content-Type-Options", "nosniff")?;
    ///         self.0.get(h).await
    ///     }
    /// }
    /// let settings = Settings { static_path: Some("static".into()), ..Settings::default() };
    /// let app = Application::new(vec![]).with_settings(settings).static_handler(NoSniff);
    /// # let _ = app;
    /// ```
    pub fn static_handler<H, F>(mut self, make: F) -> Self
    where
        H: RequestHandler,
        F: Fn(crate::StaticFileHandler) -> H + Clone + Send + Sync + 'static,
    {
        let routes = crate::static_files::static_routes(&self.settings, make);
        if let Some(table) = self.hosts.last_mut() {
            table
                .routes
                .splice(..self.static_routes, routes.iter().cloned());
        }
        self.static_routes = routes.len();
        self
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Adds rules for hosts matching `host_pattern` (a regex, `$` appended, matched against
    /// the host name without port), tried before the catch-all rules (Tornado's
    /// `add_handlers`).
    ///
    /// # Panics
    ///
    /// If `host_pattern` is not a valid regular expression.
    pub fn add_handlers(mut self, host_pattern: &str, routes: Vec<Route>) -> Self {
        let at = self.hosts.len().saturating_sub(1);
        self.hosts.insert(
            at,
            HostRules {
                pattern: Some(host_regex(host_pattern)),
                routes,
            },
        );
        self
    }

    /// The handler for paths no rule matches (Tornado's `default_handler_class`); its
    /// pattern is ignored.
    pub fn default_handler(mut self, route: Route) -> Self {
        self.default_handler = Some(route);
        self
    }

    /// The path of the route named `name` with `args` in its groups (Tornado's
    /// `reverse_url`); `None` if there is no such route or it cannot be reversed.
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Option<String> {
        self.hosts
            .iter()
            .flat_map(|h| &h.routes)
            .find(|r| r.route_name() == Some(name))?
            .reverse(args)
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

    /// The first route matching the request's path in the host tables matching its host,
    /// in order: a table without a match falls through to the next (Tornado's
    /// `RuleRouter`).
    /// Whether the handler `req` goes to takes its body as it arrives.
    fn streams_body(&self, req: &Request) -> bool {
        match self.find(req) {
            Some((route, _)) => route.streams_body(),
            None => self
                .default_handler
                .as_ref()
                .is_some_and(Route::streams_body),
        }
    }

    /// Whether any handler takes bodies as they arrive (if none, no head is routed twice).
    fn any_streams_body(&self) -> bool {
        self.hosts
            .iter()
            .flat_map(|h| &h.routes)
            .chain(&self.default_handler)
            .any(Route::streams_body)
    }

    fn find(&self, req: &Request) -> Option<(&Route, Captures)> {
        // Only host tables need the host name: most applications have none.
        let host = if self.hosts.len() > 1 {
            host_name(req.host().unwrap_or(""))
        } else {
            String::new()
        };
        let path = req.path();
        self.hosts
            .iter()
            .filter(|h| h.pattern.as_ref().is_none_or(|p| p.is_match(&host)))
            .find_map(|h| {
                h.routes
                    .iter()
                    .find_map(|route| route.captures(path).map(|caps| (route, caps)))
            })
    }
}

fn host_regex(pattern: &str) -> Regex {
    let anchored = if pattern.ends_with('$') {
        pattern.to_owned()
    } else {
        format!("{pattern}$")
    };
    Regex::new(&format!(r"\A(?:{anchored})"))
        .unwrap_or_else(|e| panic!("invalid host pattern {pattern:?}: {e}"))
}

/// A host without its port, lowercased (`[::1]:80` → `[::1]`).
pub(crate) fn host_name(host: &str) -> String {
    let name = match host.rfind(':') {
        Some(i) if !host[i..].contains(']') => &host[..i],
        _ => host,
    };
    name.to_ascii_lowercase()
}

/// One shard's copy of the application, shared by its handlers.
#[derive(Debug)]
pub(crate) struct AppState {
    app: Application,
    pub settings: Settings,
    /// Buffers of finished responses, reused by the next ones.
    pub spares: Spares,
    /// The tag of the last small body, for the automatic ETag.
    pub etags: EtagMemo,
    /// Some route's handler streams request bodies.
    streams_body: bool,
    /// This shard's compiled templates, made on the first render.
    pub templates: crate::template::Templates,
    /// Versions of static files, for `static_url` and `StaticFileHandler`'s ETag.
    pub static_versions: crate::static_files::StaticVersions,
}

impl AppState {
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Option<String> {
        self.app.reverse_url(name, args)
    }
}

/// The per-shard service an [`Application`] becomes.
pub struct AppService {
    state: Rc<AppState>,
}

impl MakeService for Application {
    type Service = AppService;

    /// Each shard gets its own copy, built on the shard's thread.
    fn make_service(&self, _shard: &ShardInfo) -> AppService {
        AppService {
            state: Rc::new(AppState {
                settings: self.settings.clone(),
                app: self.clone(),
                spares: Spares::default(),
                etags: EtagMemo::default(),
                streams_body: self.any_streams_body(),
                templates: crate::template::Templates::default(),
                static_versions: Default::default(),
            }),
        }
    }
}

impl Service for AppService {
    /// Routes the head of a request with a body: handlers with
    /// `STREAM_REQUEST_BODY` take it as it arrives (`data_received`).
    fn stream_body(&self, head: &Request) -> bool {
        self.state.streams_body && self.state.app.streams_body(head)
    }

    fn call(&self, req: Request, out: Responder) -> impl Future<Output = ()> {
        let app = &self.state.app;
        let found = app.find(&req);
        let (route, caps) = match found {
            Some((route, caps)) => (Some(route), caps),
            None => (app.default_handler.as_ref(), Captures::default()),
        };
        let parts = HandlerParts {
            request: req,
            out,
            app: self.state.clone(),
            captures: caps,
        };
        let Some(route) = route else {
            return not_found(Handler::new(parts));
        };
        // The factory is user code (Tornado's `initialize`) and runs here, before the
        // server polls the future: a panic in it is raised again from the future, where
        // the server catches handler panics, for the same 500 and log line.
        match catch_unwind(AssertUnwindSafe(|| route.make_handler())) {
            Ok(handler) => handler.run(parts),
            Err(panic) => {
                let h = Handler::new(parts);
                Box::pin(async move {
                    let _answered_by_the_server = h;
                    resume_unwind(panic)
                })
            }
        }
    }
}

/// Tornado's `ErrorHandler(404)` for unmatched paths.
struct NotFound;

impl RequestHandler for NotFound {}

fn not_found(mut h: Handler) -> LocalFuture<'static> {
    Box::pin(async move {
        send_error(&mut NotFound, &mut h, HttpError::new(404).status, None);
        h.finish_response().await;
        h.log_request();
    })
}
