//! Reading the request through a real server: arguments with Tornado's semantics,
//! urlencoded and multipart bodies, JSON, headers, connection details and `xheaders`.

mod support;

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{json, Value};
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

const BAD_REQUEST_PAGE: &str =
    "<html><title>400: Bad Request</title><body>400: Bad Request</body></html>";
const FORM: &str = "application/x-www-form-urlencoded";

/// Reports every view of argument `x`.
struct Args;
impl RequestHandler for Args {
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.post(h).await
    }
    async fn post(&mut self, h: &mut Handler) -> Result {
        let body = json!({
            "argument": h.get_argument("x").ok(),
            "arguments": h.get_arguments("x"),
            "query_argument": h.get_query_argument("x").ok(),
            "query_arguments": h.get_query_arguments("x"),
            "body_argument": h.get_body_argument("x").ok(),
            "body_arguments": h.get_body_arguments("x"),
        });
        h.write_json(&body)?;
        Ok(())
    }
}

/// Needs argument `x` from the given source.
struct Needs;
impl RequestHandler for Needs {
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.post(h).await
    }
    async fn post(&mut self, h: &mut Handler) -> Result {
        let x = match h.request().path() {
            p if p.ends_with("/query") => h.get_query_argument("x")?,
            p if p.ends_with("/body") => h.get_body_argument("x")?,
            _ => h.get_argument("x")?,
        };
        h.write(format!("x={x}"));
        Ok(())
    }
}

/// `Hello, <name>` with a default.
struct Hello;
impl RequestHandler for Hello {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write(format!("Hello, {}", h.get_argument_or("name", "world")));
        Ok(())
    }
}

fn args_app() -> Application {
    Application::new(vec![
        url(r"/args", || Args),
        url(r"/needs-x(?:/query|/body)?", || Needs),
        url(r"/hello", || Hello),
    ])
}

#[test]
fn arguments_follow_tornado_last_value_control_chars_and_strip() {
    let server = TestServer::start(args_app());
    let r = server
        .request("POST", "/args?x=q1")
        .header("Content-Type", FORM)
        .body(&b"x=+a+&x=b%20\x01c"[..])
        .send();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "argument": "b  c",
            "arguments": ["q1", "a", "b  c"],
            "query_argument": "q1",
            "query_arguments": ["q1"],
            "body_argument": "b  c",
            "body_arguments": ["a", "b  c"],
        })
    );
}

#[test]
fn query_arguments_decode_plus_and_keep_blank_values() {
    let server = TestServer::start(args_app());
    let r = server.fetch("/args?x=1&x=a+b%21&y=2");
    assert_eq!(r.json()["arguments"], json!(["1", "a b!"]));
    assert_eq!(r.json()["argument"], json!("a b!"));
    // A present but empty value is a value, not a missing argument.
    let r = server.fetch("/args?x=");
    assert_eq!(r.json()["argument"], json!(""));
    assert_eq!(server.fetch("/hello?name=").text(), "Hello, ");
}

#[test]
fn a_body_counts_only_with_a_form_content_type() {
    let server = TestServer::start(args_app());
    let r = server
        .request("POST", "/args")
        .header("Content-Type", "text/plain")
        .body("x=1")
        .send();
    assert_eq!(r.json()["arguments"], json!([]));
    assert_eq!(r.json()["argument"], Value::Null);
}

#[test]
fn missing_argument_is_400_with_the_default_page_and_a_warning() {
    support::capture_logs();
    let server = TestServer::start(args_app());
    let r = server
        .request("POST", "/needs-x")
        .header("Content-Type", FORM)
        .body("y=1")
        .send();
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), BAD_REQUEST_PAGE, "the name is not in the body");
    let line = support::wait_for_line("about the missing argument", |l| {
        l.message == "400 POST /needs-x (127.0.0.1): Missing argument x"
    });
    assert_eq!(line.level, log::Level::Warn);
    let access = support::access_line("400 POST /needs-x (127.0.0.1) ");
    assert_eq!(access.level, log::Level::Warn);
}

#[test]
fn get_argument_or_and_single_source_variants() {
    let server = TestServer::start(args_app());
    assert_eq!(server.fetch("/hello?name=Ada").text(), "Hello, Ada");
    assert_eq!(server.fetch("/hello").text(), "Hello, world");

    let post = |path: &str, body: &str| {
        server
            .request("POST", path)
            .header("Content-Type", FORM)
            .body(body.to_owned())
            .send()
    };
    assert_eq!(post("/needs-x?x=q", "").text(), "x=q");
    assert_eq!(post("/needs-x", "x=b").text(), "x=b");
    assert_eq!(post("/needs-x/query?x=q", "x=b").text(), "x=q");
    assert_eq!(post("/needs-x/query", "x=b").status, 400);
    assert_eq!(post("/needs-x/body?x=q", "x=b").text(), "x=b");
    assert_eq!(post("/needs-x/body?x=q", "").status, 400);
}

/// Reports the form fields and uploaded files.
struct Upload;
impl RequestHandler for Upload {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let files: Vec<Value> = h
            .all_files()
            .iter()
            .map(|(field, f)| {
                json!({
                    "field": field,
                    "filename": f.filename,
                    "content_type": f.content_type,
                    "body": f.body.to_vec(),
                })
            })
            .collect();
        let body = json!({
            "a": h.get_arguments("a"),
            "b": h.get_body_argument("b").ok(),
            "f_count": h.files("f").len(),
            "files": files,
        });
        h.write_json(&body)?;
        Ok(())
    }
}

/// One multipart part: field name, `(filename, content type)` for a file, body.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn multipart(boundary: &str, parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, file, body) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((filename, content_type)) => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n\
                     Content-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => out.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

#[test]
fn urlencoded_body_fields() {
    let server = TestServer::start(Application::new(vec![url(r"/upload", || Upload)]));
    let r = server
        .request("POST", "/upload?a=0")
        .form(&[("a", "1 2"), ("b", "x&y=z")])
        .send();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["a"], json!(["0", "1 2"]));
    assert_eq!(r.json()["b"], json!("x&y=z"));
    assert_eq!(r.json()["files"], json!([]));
}

#[test]
fn multipart_body_with_fields_and_a_file() {
    let server = TestServer::start(Application::new(vec![url(r"/upload", || Upload)]));
    let file: &[u8] = b"line 1\r\n\x00\xff binary";
    let body = multipart(
        "XyZzY42",
        &[
            ("a", None, b"one"),
            ("f", Some(("hello world.txt", "text/plain")), file),
            ("b", None, b"two"),
        ],
    );
    let r = server
        .request("POST", "/upload")
        .header("Content-Type", "multipart/form-data; boundary=XyZzY42")
        .body(body)
        .send();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "a": ["one"],
            "b": "two",
            "f_count": 1,
            "files": [{
                "field": "f",
                "filename": "hello world.txt",
                "content_type": "text/plain",
                "body": file.to_vec(),
            }],
        })
    );
}

#[test]
fn bad_multipart_bodies_are_400() {
    let server = TestServer::start(Application::new(vec![url(r"/upload", || Upload)]));
    let post = |content_type: &str, body: &[u8]| {
        server
            .request("POST", "/upload")
            .header("Content-Type", content_type)
            .body(body.to_vec())
            .send()
    };
    let no_final_boundary = b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n";
    let r = post("multipart/form-data; boundary=XX", no_final_boundary);
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), BAD_REQUEST_PAGE);

    let no_name = b"--XX\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XX--\r\n";
    assert_eq!(
        post("multipart/form-data; boundary=XX", no_name).status,
        400
    );

    let no_boundary = multipart("XX", &[("a", None, b"1")]);
    assert_eq!(post("multipart/form-data", &no_boundary).status, 400);
}

/// Echoes a JSON body's `n` field, doubled.
struct JsonIn;
impl RequestHandler for JsonIn {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let input: HashMap<String, i64> = h.json_body()?;
        let n = input.get("n").copied().unwrap_or_default();
        h.write_json(&json!({ "doubled": n * 2 }))?;
        Ok(())
    }
}

#[test]
fn json_body_ok_and_invalid() {
    let server = TestServer::start(Application::new(vec![url(r"/json-in", || JsonIn)]));
    let send = |body: &str| {
        server
            .request("POST", "/json-in")
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
    };
    let r = send(r#"{"n": 21}"#);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"doubled": 42}"#);
    let r = send("{not json");
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), BAD_REQUEST_PAGE);
    assert_eq!(send(r#"{"n": "text"}"#).status, 400, "wrong shape");
}

/// Reports the connection details Tornado exposes on `self.request`.
struct Info;
impl RequestHandler for Info {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let elapsed = h.request_time();
        let body = json!({
            "remote_ip": h.remote_ip().to_string(),
            "host": h.host(),
            "host_name": h.host_name(),
            "protocol": h.protocol(),
            "full_url": h.full_url(),
            "uri": h.uri(),
            "thing": h.request_header("X-Thing"),
            "thing_lower": h.request_header("x-thing"),
            "missing": h.request_header("X-Missing"),
            "request_time_ok": elapsed < std::time::Duration::from_secs(5),
        });
        h.write_json(&body)?;
        Ok(())
    }
}

#[test]
fn request_headers_and_connection_details() {
    let server = TestServer::start(Application::new(vec![url(r"/info", || Info)]));
    let port = server.port();
    let r = server
        .request("GET", "/info?a=1&b=%20")
        .header("X-Thing", "gizmo 1")
        .send();
    assert_eq!(
        r.json(),
        json!({
            "remote_ip": "127.0.0.1",
            "host": format!("127.0.0.1:{port}"),
            "host_name": "127.0.0.1",
            "protocol": "http",
            "full_url": format!("http://127.0.0.1:{port}/info?a=1&b=%20"),
            "uri": "/info?a=1&b=%20",
            "thing": "gizmo 1",
            "thing_lower": "gizmo 1",
            "missing": null,
            "request_time_ok": true,
        })
    );

    let r = server
        .request("GET", "/info")
        .header("Host", "Example.COM:8080")
        .send();
    assert_eq!(r.json()["host"], json!("Example.COM:8080"));
    assert_eq!(r.json()["host_name"], json!("example.com"));
    assert_eq!(r.json()["full_url"], json!("http://Example.COM:8080/info"));
}

fn proxied_app() -> Application {
    let trusted: IpAddr = "10.0.0.2".parse().expect("an IP address");
    Application::new(vec![url(r"/info", || Info)]).with_settings(Settings {
        xheaders: true,
        trusted_downstream: vec![trusted],
        ..Settings::default()
    })
}

#[test]
fn xheaders_give_the_client_behind_a_proxy() {
    let server = TestServer::start(proxied_app());
    let get = |headers: &[(&str, &str)]| {
        let mut request = server.request("GET", "/info");
        for (n, v) in headers {
            request = request.header(n, v);
        }
        request.send().json()
    };
    let r = get(&[("X-Forwarded-For", "1.1.1.1, 9.9.9.9, 10.0.0.2")]);
    assert_eq!(r["remote_ip"], json!("9.9.9.9"));
    assert_eq!(r["protocol"], json!("http"));

    let r = get(&[("X-Real-Ip", "4.4.4.4"), ("X-Forwarded-For", "9.9.9.9")]);
    assert_eq!(r["remote_ip"], json!("4.4.4.4"), "X-Real-Ip wins");
    let r = get(&[("X-Real-Ip", "2001:db8::1")]);
    assert_eq!(r["remote_ip"], json!("2001:db8::1"));

    let r = get(&[("X-Scheme", "https")]);
    assert_eq!(r["protocol"], json!("https"));
    let port = server.port();
    assert_eq!(
        r["full_url"],
        json!(format!("https://127.0.0.1:{port}/info"))
    );
    let r = get(&[("X-Forwarded-Proto", "http, https")]);
    assert_eq!(r["protocol"], json!("https"), "the last entry counts");
    let r = get(&[("X-Forwarded-Proto", "https, http")]);
    assert_eq!(r["protocol"], json!("http"));
    let r = get(&[("X-Scheme", "gopher")]);
    assert_eq!(r["protocol"], json!("http"), "only http and https");
}

/// Tornado takes the rightmost untrusted hop of X-Forwarded-For and uses it only if it is
/// a valid IP (`_apply_xheaders`); it does not skip an invalid hop to an earlier one.
#[test]

fn xheaders_invalid_forwarded_hop_leaves_the_peer_address() {
    let server = TestServer::start(proxied_app());
    // The proxy appended `unknown`: the client-supplied 1.1.1.1 must not be believed.
    let r = server
        .request("GET", "/info")
        .header("X-Forwarded-For", "1.1.1.1, unknown")
        .send();
    assert_eq!(r.json()["remote_ip"], json!("127.0.0.1"));
}

/// Tornado: `ip = headers.get("X-Real-Ip", ip)`, then used only if valid; an invalid
/// X-Real-Ip leaves the peer address rather than falling back to X-Forwarded-For.
#[test]

fn xheaders_invalid_real_ip_leaves_the_peer_address() {
    let server = TestServer::start(proxied_app());
    let r = server
        .request("GET", "/info")
        .header("X-Real-Ip", "not-an-ip")
        .header("X-Forwarded-For", "9.9.9.9")
        .send();
    assert_eq!(r.json()["remote_ip"], json!("127.0.0.1"));
}

#[test]
fn without_xheaders_proxy_headers_are_ignored() {
    let server = TestServer::start(Application::new(vec![url(r"/info", || Info)]));
    let r = server
        .request("GET", "/info")
        .header("X-Real-Ip", "4.4.4.4")
        .header("X-Forwarded-For", "1.1.1.1, 9.9.9.9")
        .header("X-Scheme", "https")
        .header("X-Forwarded-Proto", "https")
        .send()
        .json();
    assert_eq!(r["remote_ip"], json!("127.0.0.1"));
    assert_eq!(r["protocol"], json!("http"));
}
