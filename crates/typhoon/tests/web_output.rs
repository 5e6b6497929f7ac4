//! Building the response through a real server: bodies, JSON, streaming with `flush`,
//! status and reason, headers (and the CR/LF guard), default headers, redirects. Error
//! pages, ETags, HEAD and the access log are in `web_errors.rs`.

mod support;

use serde_json::json;
use support::RawResponse;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result};

const HTML: &str = "text/html; charset=UTF-8";
const JSON: &str = "application/json; charset=UTF-8";

/// Writes text and bytes.
struct Text;
impl RequestHandler for Text {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("héllo, ");
        h.write(String::from("wörld"));
        h.write(&b" \x00\xff"[..]);
        h.write(vec![b'!']);
        Ok(())
    }
}

/// Writes JSON; `?override=1` sets another Content-Type afterwards.
struct Json;
impl RequestHandler for Json {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write_json(&json!({ "a": 1, "l": [1, "x"], "n": null, "s": "</script>" }))?;
        if h.get_query_argument("override").is_ok() {
            h.set_header("Content-Type", "text/plain")?;
        }
        Ok(())
    }
}

/// Writes, flushes, writes, flushes, and leaves the rest for `finish`.
struct Stream;
impl RequestHandler for Stream {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("X-Streamed", "yes")?;
        h.write("one");
        h.flush().await?;
        h.write("two");
        h.flush().await?;
        h.write("three");
        Ok(())
    }
}

fn body_app() -> Application {
    Application::new(vec![
        url(r"/text", || Text),
        url(r"/json", || Json),
        url(r"/stream", || Stream),
    ])
}

#[test]
fn write_text_and_bytes_with_the_default_content_type() {
    let server = TestServer::start(body_app());
    let r = server.fetch("/text");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    let want: &[u8] = "héllo, wörld \u{0}".as_bytes();
    let mut want = want.to_vec();
    want.extend_from_slice(b"\xff!");
    assert_eq!(r.body, want);
    assert_eq!(r.header("Content-Length"), Some(&*want.len().to_string()));
    assert!(r.header("Server").is_some() && r.header("Date").is_some());
}

#[test]
fn write_json_uses_python_separators_and_its_content_type() {
    let server = TestServer::start(body_app());
    let r = server.fetch("/json");
    assert_eq!(r.header("Content-Type"), Some(JSON));
    assert_eq!(
        r.text(),
        r#"{"a": 1, "l": [1, "x"], "n": null, "s": "<\/script>"}"#
    );
    let r = server.fetch("/json?override=1");
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
}

#[test]
fn flush_streams_chunks_on_the_wire() {
    let server = TestServer::start(body_app());
    let raw = support::raw(
        server.port(),
        b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.header("Content-Length"), None);
    assert_eq!(r.header("X-Streamed"), Some("yes"));
    assert_eq!(r.header("Content-Type"), Some(HTML));
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        "3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n"
    );
}

#[test]
fn flush_through_the_client() {
    let server = TestServer::start(body_app());
    let r = server.fetch("/stream");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Transfer-Encoding"), Some("chunked"));
    assert_eq!(r.text(), "onetwothree");
    // The connection is still good for the next request.
    assert_eq!(server.fetch("/stream").text(), "onetwothree");
}

/// Fails after the head went out.
struct LateError;
impl RequestHandler for LateError {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("partial");
        h.flush().await?;
        h.write(" more");
        Err(HttpError::new(503).into())
    }
}

#[test]
fn an_error_after_flush_ends_the_stream_cleanly() {
    let server = TestServer::start(Application::new(vec![
        url(r"/late-error", || LateError),
        url(r"/stream", || Stream),
    ]));
    let raw = support::raw(
        server.port(),
        b"GET /late-error HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = RawResponse::parse(&raw);
    // The status already went out; Tornado only logs and finishes the response.
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        String::from_utf8_lossy(&r.body),
        "7\r\npartial\r\n5\r\n more\r\n0\r\n\r\n"
    );
    // The keep-alive connection of the test client stays usable.
    assert_eq!(server.fetch("/late-error").text(), "partial more");
    assert_eq!(server.fetch("/stream").text(), "onetwothree");
}

/// Sets the status from the query: `code` and optional `reason`.
struct Status;
impl RequestHandler for Status {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let code: u16 = h.get_argument("code")?.parse()?;
        match h.get_argument("reason") {
            Ok(reason) => h.set_status_reason(code, &reason),
            Err(_) => h.set_status(code),
        }
        h.write("status set");
        Ok(())
    }
}

#[test]
fn set_status_with_standard_and_custom_reasons() {
    let server = TestServer::start(Application::new(vec![url(r"/status", || Status)]));
    let line = |query: &str| {
        let request =
            format!("GET /status?{query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawResponse::parse(&support::raw(server.port(), request.as_bytes())).status_line
    };
    assert_eq!(line("code=201"), "HTTP/1.1 201 Created");
    assert_eq!(line("code=418"), "HTTP/1.1 418 I'm a teapot");
    assert_eq!(line("code=299&reason=Custom"), "HTTP/1.1 299 Custom");
    assert_eq!(line("code=200&reason=All+Good"), "HTTP/1.1 200 All Good");
    assert_eq!(line("code=299"), "HTTP/1.1 299 Unknown");
    assert_eq!(line("code=299&reason=a%3Cb"), "HTTP/1.1 299 Unknown");

    let r = server.fetch("/status?code=299&reason=Custom");
    assert_eq!((r.status, r.reason.as_str()), (299, "Custom"));
    assert_eq!(r.text(), "status set");
}

/// Exercises `set_header`, `add_header` and `clear_header`.
struct Headers;
impl RequestHandler for Headers {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("X-Set", "first")?;
        h.set_header("X-Set", "second")?;
        h.set_header("X-Number", 42)?;
        h.add_header("X-Multi", "a")?;
        h.add_header("X-Multi", "b")?;
        h.set_header("X-Gone", "soon")?;
        h.clear_header("x-gone");
        h.set_header("X-Tab", "a\tb")?;
        if h.get_query_argument("no-type").is_ok() {
            h.clear_header("Content-Type");
        }
        h.write("headers");
        Ok(())
    }
}

/// Tries to inject a header through a value.
struct Inject;
impl RequestHandler for Inject {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let value = match h.request().path() {
            "/inject/lf" => "a\nSet-Cookie: pwned=1",
            "/inject/cr" => "a\rX-Evil: 1",
            _ => "a\r\nSet-Cookie: pwned=1",
        };
        h.write("not this");
        h.set_header("X-Evil", value)?;
        Ok(())
    }
}

/// Tries to inject through `add_header`.
struct InjectAdd;
impl RequestHandler for InjectAdd {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.add_header("Link", "</a>\r\nSet-Cookie: pwned=1")?;
        Ok(())
    }
}

#[test]
fn set_add_and_clear_headers() {
    let server = TestServer::start(Application::new(vec![url(r"/headers", || Headers)]));
    let raw = support::raw(
        server.port(),
        b"GET /headers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = RawResponse::parse(&raw);
    let all = |name: &str| -> Vec<&str> {
        r.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(all("X-Set"), ["second"]);
    assert_eq!(all("X-Number"), ["42"]);
    assert_eq!(all("X-Multi"), ["a", "b"]);
    assert_eq!(all("X-Gone"), Vec::<&str>::new());
    assert_eq!(all("X-Tab"), ["a\tb"]);
    assert_eq!(all("Content-Type"), [HTML]);
    let r = server.fetch("/headers?no-type=1");
    assert_eq!(r.header("Content-Type"), None);
    assert_eq!(r.text(), "headers");
}

/// `TestResponse::headers_all` must list a repeated header once per line on the wire.
#[test]

fn test_client_lists_repeated_headers_once() {
    let server = TestServer::start(Application::new(vec![url(r"/headers", || Headers)]));
    let r = server.fetch("/headers");
    assert_eq!(r.headers_all("X-Multi"), ["a", "b"]);
    assert_eq!(r.headers.iter().filter(|(n, _)| n == "x-multi").count(), 2);
}

#[test]
fn header_values_with_cr_or_lf_are_500_and_never_injected() {
    let server = TestServer::start(Application::new(vec![
        url(r"/inject/(crlf|lf|cr)", || Inject),
        url(r"/inject-add", || InjectAdd),
    ]));
    for path in ["/inject/crlf", "/inject/lf", "/inject/cr", "/inject-add"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let raw = support::raw(server.port(), request.as_bytes());
        let r = RawResponse::parse(&raw);
        assert_eq!(
            r.status_line, "HTTP/1.1 500 Internal Server Error",
            "{path}"
        );
        assert_eq!(r.header("Set-Cookie"), None, "{path}");
        assert_eq!(r.header("X-Evil"), None, "{path}");
        assert_eq!(r.header("Link"), None, "{path}");
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>",
            "{path}"
        );
    }
}

/// Sets default headers; `?fail=1` ends with a 403.
struct Defaults;
impl RequestHandler for Defaults {
    fn set_default_headers(&mut self, h: &mut Handler) {
        let _ = h.set_header("X-Default", "yes");
        let _ = h.set_header("Server", "Custom/1.0");
    }
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("X-From-Get", "1")?;
        if h.get_query_argument("fail").is_ok() {
            return Err(HttpError::new(403).into());
        }
        h.write("normal");
        Ok(())
    }
}

#[test]
fn set_default_headers_apply_to_normal_and_error_responses() {
    let server = TestServer::start(Application::new(vec![url(r"/defaults", || Defaults)]));
    let r = server.fetch("/defaults");
    assert_eq!(r.text(), "normal");
    assert_eq!(r.header("X-Default"), Some("yes"));
    assert_eq!(r.headers_all("Server"), ["Custom/1.0"]);
    assert_eq!(r.header("X-From-Get"), Some("1"));

    let r = server.fetch("/defaults?fail=1");
    assert_eq!(r.status, 403);
    assert_eq!(r.header("X-Default"), Some("yes"));
    assert_eq!(r.headers_all("Server"), ["Custom/1.0"]);
    // The error page starts from a cleared response, as Tornado's `send_error`.
    assert_eq!(r.header("X-From-Get"), None);
    assert_eq!(
        r.text(),
        "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
    );
}

/// Redirects as the path says.
struct Redirect;
impl RequestHandler for Redirect {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("dropped");
        match h.request().path() {
            "/redirect/permanent" => h.redirect_with("/new?a=1", true, None)?,
            "/redirect/307" => h.redirect_with("https://example.com/x", false, Some(307))?,
            "/redirect/200" => h.redirect_with("/nowhere", false, Some(200))?,
            _ => h.redirect("/target")?,
        }
        h.write("ignored after redirect");
        Ok(())
    }
}

#[test]
fn redirects_302_301_and_explicit_status() {
    let server = TestServer::start(Application::new(vec![url(r"/redirect/?.*", || Redirect)]));
    let r = server.fetch("/redirect");
    assert_eq!((r.status, r.header("Location")), (302, Some("/target")));
    assert_eq!(r.body, b"");
    let r = server.fetch("/redirect/permanent");
    assert_eq!((r.status, r.header("Location")), (301, Some("/new?a=1")));
    assert_eq!(r.body, b"");
    let r = server.fetch("/redirect/307");
    assert_eq!(
        (r.status, r.header("Location")),
        (307, Some("https://example.com/x"))
    );
    // A non-3xx redirect status is a programming error (Tornado asserts): 500.
    let r = server.fetch("/redirect/200");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Location"), None);
}
