//! Error pages and `write_error`, `HttpError` logging, automatic ETags with
//! `If-None-Match`, HEAD, and the access log, through a real server.

mod support;

use serde_json::json;
use support::RawResponse;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result};

const HTML: &str = "text/html; charset=UTF-8";
const JSON: &str = "application/json; charset=UTF-8";
/// SHA-1 of `hello`, Tornado's ETag for that body.
const HELLO_ETAG: &str = "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"";

/// `send_error(418)` from the verb.
struct Teapot;
impl RequestHandler for Teapot {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("X-Lost", "1")?;
        h.write("this is replaced");
        self.send_error(h, 418);
        Ok(())
    }
}

/// Overrides `write_error`.
struct CustomErrors;
impl RequestHandler for CustomErrors {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let status: u16 = h.get_argument("status")?.parse()?;
        Err(HttpError::new(status).log("custom detail").into())
    }
    fn write_error(&mut self, h: &mut Handler, status: u16) {
        let _ = h.write_json(&json!({ "error": status }));
    }
}

#[test]
fn send_error_writes_tornados_page() {
    let server = TestServer::start(Application::new(vec![url(r"/teapot", || Teapot)]));
    let r = server.fetch("/teapot");
    assert_eq!((r.status, r.reason.as_str()), (418, "I'm a teapot"));
    assert_eq!(
        r.text(),
        "<html><title>418: I&#x27;m a teapot</title><body>418: I&#x27;m a teapot</body></html>"
    );
    assert_eq!(r.header("Content-Type"), Some(HTML));
    assert_eq!(r.header("X-Lost"), None);
}

#[test]
fn write_error_can_be_overridden() {
    let server = TestServer::start(Application::new(vec![url(r"/custom", || CustomErrors)]));
    let r = server.fetch("/custom?status=404");
    assert_eq!(r.status, 404);
    assert_eq!(r.header("Content-Type"), Some(JSON));
    assert_eq!(r.text(), r#"{"error": 404}"#);
    let r = server.fetch("/custom?status=503");
    assert_eq!((r.status, r.text().as_str()), (503, r#"{"error": 503}"#));
    // Errors the handler did not raise itself go through the override too.
    let r = server.fetch("/custom");
    assert_eq!((r.status, r.text().as_str()), (400, r#"{"error": 400}"#));
}

/// `HttpError` with a log message and, for `?reason=1`, a custom reason.
struct Forbidden;
impl RequestHandler for Forbidden {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let err = HttpError::new(403).log("user 7 may not see invoice 12");
        if h.get_query_argument("reason").is_ok() {
            return Err(err.with_reason("Go Away").into());
        }
        Err(err.into())
    }
}

#[test]
fn http_error_log_message_goes_to_the_log_not_the_body() {
    support::capture_logs();
    let server = TestServer::start(Application::new(vec![url(r"/forbidden-log", || Forbidden)]));
    let r = server.fetch("/forbidden-log");
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
    );
    let line = support::wait_for_line("with the log message", |l| {
        l.message == "403 GET /forbidden-log (127.0.0.1): user 7 may not see invoice 12"
    });
    assert_eq!(line.level, log::Level::Warn);

    let r = server.fetch("/forbidden-log?reason=1");
    assert_eq!((r.status, r.reason.as_str()), (403, "Go Away"));
    assert_eq!(
        r.text(),
        "<html><title>403: Go Away</title><body>403: Go Away</body></html>"
    );
}

/// Writes `hello` for GET and HEAD; POST and `?status=201` answer without an ETag.
struct Hello;
impl RequestHandler for Hello {
    async fn get(&mut self, h: &mut Handler) -> Result {
        if h.get_query_argument("status").is_ok() {
            h.set_status(201);
        }
        h.write("hello");
        Ok(())
    }
    async fn head(&mut self, h: &mut Handler) -> Result {
        h.write("hello");
        Ok(())
    }
    async fn post(&mut self, h: &mut Handler) -> Result {
        h.write("hello");
        Ok(())
    }
}

fn hello_app() -> Application {
    Application::new(vec![url(r"/hello", || Hello)])
}

#[test]
fn automatic_etag_is_the_quoted_sha1_of_the_body() {
    let server = TestServer::start(hello_app());
    let r = server.fetch("/hello");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Etag"), Some(HELLO_ETAG));
    assert_eq!(server.request("POST", "/hello").send().header("Etag"), None);
    let r = server.fetch("/hello?status=201");
    assert_eq!((r.status, r.header("Etag")), (201, None));
}

#[test]
fn if_none_match_gives_304_with_an_empty_body() {
    let server = TestServer::start(hello_app());
    let weak = format!("W/{HELLO_ETAG}");
    let list = format!("\"other\", {HELLO_ETAG}");
    for value in [HELLO_ETAG, weak.as_str(), list.as_str(), "*"] {
        let r = server
            .request("GET", "/hello")
            .header("If-None-Match", value)
            .send();
        assert_eq!(r.status, 304, "If-None-Match: {value}");
        assert_eq!(r.body, b"", "If-None-Match: {value}");
        assert_eq!(r.header("Etag"), Some(HELLO_ETAG), "If-None-Match: {value}");
        assert_eq!(r.header("Content-Type"), None, "If-None-Match: {value}");
    }
    let r = server
        .request("GET", "/hello")
        .header("If-None-Match", "\"aaf4c61d\"")
        .send();
    assert_eq!((r.status, r.text().as_str()), (200, "hello"));
    // POST is never turned into a 304.
    let r = server
        .request("POST", "/hello")
        .header("If-None-Match", "*")
        .send();
    assert_eq!((r.status, r.text().as_str()), (200, "hello"));
}

#[test]
fn not_modified_on_the_wire_has_no_body_and_no_representation_headers() {
    let server = TestServer::start(hello_app());
    let request = format!(
        "GET /hello HTTP/1.1\r\nHost: x\r\nIf-None-Match: {HELLO_ETAG}\r\nConnection: close\r\n\r\n"
    );
    let r = RawResponse::parse(&support::raw(server.port(), request.as_bytes()));
    assert_eq!(r.status_line, "HTTP/1.1 304 Not Modified");
    assert_eq!(r.body, b"");
    assert_eq!(r.header("Etag"), Some(HELLO_ETAG));
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.header("Transfer-Encoding"), None);
    assert_eq!(r.header("Content-Length"), None);
}

#[test]
fn head_keeps_content_length_without_a_body() {
    let server = TestServer::start(hello_app());
    let raw = support::raw(
        server.port(),
        b"HEAD /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Length"), Some("5"));
    assert_eq!(r.header("Etag"), Some(HELLO_ETAG));
    assert_eq!(r.body, b"", "no body after a HEAD response");

    let r = server.request("HEAD", "/hello").send();
    assert_eq!((r.status, r.header("Content-Length")), (200, Some("5")));
    assert_eq!(r.body, b"");
}

/// Answers 200, or the status in `?status=`.
struct Logged;
impl RequestHandler for Logged {
    async fn get(&mut self, h: &mut Handler) -> Result {
        if let Ok(status) = h.get_query_argument("status") {
            return Err(HttpError::new(status.parse()?).into());
        }
        h.write("logged");
        Ok(())
    }
}

/// Checks `200 GET /uri (127.0.0.1) 0.12ms`: the prefix, then a number with two
/// decimals, then `ms`.
fn assert_access_format(line: &support::Line, prefix: &str) {
    let rest = line
        .message
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{line:?} does not start with {prefix:?}"));
    let ms = rest
        .strip_suffix("ms")
        .unwrap_or_else(|| panic!("{line:?} does not end with ms"));
    let (whole, decimals) = ms
        .split_once('.')
        .unwrap_or_else(|| panic!("{line:?}: no decimals"));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    assert!(
        decimals.len() == 2 && decimals.bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    assert_eq!(line.target, "typhoon::access");
}

#[test]
fn access_log_format_and_levels() {
    support::capture_logs();
    let server = TestServer::start(Application::new(vec![url(r"/access-logged", || Logged)]));

    assert_eq!(server.fetch("/access-logged?q=%20hi").status, 200);
    let prefix = "200 GET /access-logged?q=%20hi (127.0.0.1) ";
    let line = support::access_line(prefix);
    assert_eq!(line.level, log::Level::Info);
    assert_access_format(&line, prefix);

    assert_eq!(server.fetch("/access-logged?status=404").status, 404);
    let prefix = "404 GET /access-logged?status=404 (127.0.0.1) ";
    let line = support::access_line(prefix);
    assert_eq!(line.level, log::Level::Warn);
    assert_access_format(&line, prefix);

    assert_eq!(server.fetch("/access-logged?status=503").status, 503);
    let prefix = "503 GET /access-logged?status=503 (127.0.0.1) ";
    let line = support::access_line(prefix);
    assert_eq!(line.level, log::Level::Error);
    assert_access_format(&line, prefix);

    let r = server.request("POST", "/access-logged").send();
    assert_eq!(r.status, 405);
    let line = support::access_line("405 POST /access-logged (127.0.0.1) ");
    assert_eq!(line.level, log::Level::Warn);
}
