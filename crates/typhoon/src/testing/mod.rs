//! Tornado's `AsyncHTTPTestCase` in Rust: an application on a real server (port 0, one
//! background shard) and a real HTTP client to `fetch` from it; stopped when dropped.

use std::io::Read;
use std::time::Duration;

mod websocket;

pub use websocket::WebSocketTestClient;

use typhoon_server::{HttpServer, RunningServer, ServerConfig};
use typhoon_web::Application;

/// A running test server: `fetch(path)` and friends, clean shutdown when dropped.
///
/// # Examples
///
/// ```
/// use typhoon::testing::TestServer;
/// use typhoon::web::{url, Application, Handler, RequestHandler, Result};
///
/// struct Hello;
/// impl RequestHandler for Hello {
///     async fn get(&mut self, h: &mut Handler) -> Result {
///         h.write(format!("Hello, {}", h.get_argument_or("name", "world")));
///         Ok(())
///     }
/// }
///
/// let server = TestServer::start(Application::new(vec![url(r"/hello", || Hello)]));
/// let response = server.fetch("/hello?name=Ada");
/// assert_eq!(response.status, 200);
/// assert_eq!(response.text(), "Hello, Ada");
/// assert_eq!(server.fetch("/nope").status, 404);
/// ```
pub struct TestServer {
    running: Option<RunningServer>,
    agent: ureq::Agent,
    base: String,
}

impl TestServer {
    /// Starts `app` on 127.0.0.1, port 0, one shard, with settings sized for tests.
    ///
    /// # Panics
    ///
    /// If the server cannot start (the message says why): a test cannot go on without it.
    pub fn start(app: Application) -> TestServer {
        Self::with_config(
            app,
            ServerConfig {
                io_memory: 64 << 10,
                ..ServerConfig::default()
            },
        )
    }

    /// Starts `app` with explicit server settings (limits, timeouts).
    ///
    /// # Panics
    ///
    /// If the server cannot start.
    pub fn with_config(app: Application, config: ServerConfig) -> TestServer {
        let running = HttpServer::with_config(app, config)
            .listen_background(0)
            .unwrap_or_else(|e| panic!("the test server could not start: {e}"));
        let base = format!("http://{}", running.handle().local_addrs()[0]);
        let agent = ureq::AgentBuilder::new()
            .redirects(0)
            .timeout(Duration::from_secs(10))
            .build();
        TestServer {
            running: Some(running),
            agent,
            base,
        }
    }

    /// The full URL of `path` on this server (Tornado's `get_url`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's address (127.0.0.1 and its port).
    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port()))
    }

    /// A WebSocket to `path` on this server (Tornado's `websocket_connect(get_url(path))`
    /// in a test), with `headers` added to the handshake.
    ///
    /// # Errors
    ///
    /// The response head, when the server does not upgrade.
    pub fn websocket(
        &self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<WebSocketTestClient, String> {
        WebSocketTestClient::connect(self.addr(), path, headers)
    }

    /// The server's port (Tornado's `get_http_port`).
    pub fn port(&self) -> u16 {
        self.running.as_ref().map_or(0, |r| r.handle().port())
    }

    /// `GET path`. Redirects are not followed, so tests can see them; errors are
    /// responses too (Tornado's `raise_error=False`).
    pub fn fetch(&self, path: &str) -> TestResponse {
        self.request("GET", path).send()
    }

    /// A request with any method, headers and body.
    pub fn request(&self, method: &str, path: &str) -> TestRequest<'_> {
        TestRequest {
            request: self.agent.request(method, &self.url(path)),
            body: None,
            _server: std::marker::PhantomData,
        }
    }

    /// Stops the server and waits for it (also done on drop).
    ///
    /// # Panics
    ///
    /// If a shard failed while the test ran.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(running) = self.running.take() {
            if let Err(e) = running.stop() {
                if !std::thread::panicking() {
                    panic!("the test server failed: {e}");
                }
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A request being built by [`TestServer::request`].
pub struct TestRequest<'a> {
    request: ureq::Request,
    body: Option<Vec<u8>>,
    #[allow(dead_code)]
    _server: std::marker::PhantomData<&'a TestServer>,
}

impl TestRequest<'_> {
    /// Adds a request header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.set(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends a urlencoded form body.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
    }

    /// Sends the request and reads the whole response.
    ///
    /// # Panics
    ///
    /// On a transport failure (no response at all): the test cannot go on.
    pub fn send(self) -> TestResponse {
        let result = match self.body {
            Some(body) => self.request.send_bytes(&body),
            None => self.request.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("request failed: {e}"),
        };
        let status = response.status();
        let reason = response.status_text().to_owned();
        // ureq lists a name once per header line: keep each name once, in order.
        let mut names = response.headers_names();
        let mut seen = std::collections::HashSet::new();
        names.retain(|name| seen.insert(name.to_ascii_lowercase()));
        let headers = names
            .into_iter()
            .flat_map(|name| {
                response
                    .all(&name)
                    .into_iter()
                    .map(|v| (name.clone(), v.to_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut body = Vec::new();
        if let Err(e) = response.into_reader().read_to_end(&mut body) {
            panic!("reading the response body failed: {e}");
        }
        TestResponse {
            status,
            reason,
            headers,
            body,
        }
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A response as the test client saw it.
#[derive(Clone, Debug)]
pub struct TestResponse {
    /// Status code.
    pub status: u16,
    /// Reason phrase.
    pub reason: String,
    /// Headers in order (names lowercased by the client); repeated headers repeat.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl TestResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name`.
    pub fn headers_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Panics
    ///
    /// If the body is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {}", self.text()))
    }
}
