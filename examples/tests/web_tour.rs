//! The web_tour example answers every route of issue 3 exactly as listed, as a user runs it.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use support::{port_of, Program};

struct Tour {
    _program: Program,
    port: u16,
    agent: ureq::Agent,
}

impl Tour {
    fn start() -> Tour {
        let program = Program::spawn("web_tour", &["--port", "0"]);
        let port = port_of(&program.wait_listening(1)[0]);
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        Tour {
            _program: program,
            port,
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Status, content type, body; error statuses are answers too.
    fn get(&self, path: &str) -> (u16, String, String) {
        let response = match self.agent.get(&self.url(path)).call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {path}: {e}"),
        };
        let status = response.status();
        let content_type = response
            .header("content-type")
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.into_string().unwrap())
    }
}

#[test]
fn every_route_answers_as_listed() {
    let tour = Tour::start();
    assert_eq!(
        tour.get("/hello?name=Ada"),
        (200, "text/plain; charset=UTF-8".into(), "Hello, Ada".into())
    );
    assert_eq!(tour.get("/hello").2, "Hello, world");
    assert_eq!(
        tour.get("/user/42"),
        (
            200,
            "application/json; charset=UTF-8".into(),
            r#"{"id": 42}"#.into()
        )
    );
    assert_eq!(tour.get("/post/typhoon-is-fast-1").2, "typhoon-is-fast-1");
    assert_eq!(tour.get("/reverse").2, "/user/42");
    assert_eq!(
        tour.get("/json"),
        (
            200,
            "application/json; charset=UTF-8".into(),
            r#"{"message": "Hello, World!"}"#.into()
        )
    );
    let not_found = "<html><title>404: Not Found</title><body>404: Not Found</body></html>";
    assert_eq!(
        tour.get("/no/such/page"),
        (404, "text/html; charset=UTF-8".into(), not_found.into())
    );
    let teapot = tour.get("/error/418");
    assert_eq!(
        (teapot.0, teapot.2.as_str()),
        (
            418,
            "<html><title>418: I&#x27;m a teapot</title><body>418: I&#x27;m a teapot</body></html>"
        )
    );
    assert_eq!(tour.get("/error/503").0, 503);
}

#[test]
fn redirect_is_302_to_hello() {
    let tour = Tour::start();
    let response = tour.agent.get(&tour.url("/redirect")).call().unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.header("location"), Some("/hello"));
}

#[test]
fn form_takes_urlencoded_and_multipart_with_a_file() {
    let tour = Tour::start();
    let body = tour
        .agent
        .post(&tour.url("/form"))
        .send_form(&[("a", "1"), ("b", "two words")])
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(body, r#"{"a": "1", "b": "two words", "files": {}}"#);

    let boundary = "XyZ123";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\ny\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello file\r\n\
         --{boundary}--\r\n"
    );
    let body = tour
        .agent
        .post(&tour.url("/form"))
        .set(
            "Content-Type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .send_string(&multipart)
        .unwrap()
        .into_string()
        .unwrap();
    assert_eq!(
        body,
        r#"{"a": "x", "b": "y", "files": {"f": {"filename": "notes.txt", "size": 10}}}"#
    );
}

#[test]
fn cookies_plain_and_signed() {
    let tour = Tour::start();
    let response = tour
        .agent
        .get(&tour.url("/cookie/set?user=ada"))
        .call()
        .unwrap();
    let cookies: Vec<String> = response
        .all("set-cookie")
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("plain=ada; Path=/")),
        "{cookies:?}"
    );
    let signed = cookies
        .iter()
        .find(|c| c.starts_with("user=2|1:0|"))
        .expect("a v2 signed cookie");
    let signed_value = signed
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("user=")
        .to_owned();

    let get = |cookie: &str| {
        tour.agent
            .get(&tour.url("/cookie/get"))
            .set("Cookie", cookie)
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    };
    assert_eq!(
        get(&format!("plain=ada; user={signed_value}")),
        r#"{"plain": "ada", "user": "ada"}"#
    );
    let tampered = signed_value.replace("|4:YWRh|", "|4:ZXZl|"); // "eve" with ada's signature
    assert_eq!(
        get(&format!("plain=eve; user={tampered}")),
        r#"{"plain": "eve", "user": null}"#
    );
    assert_eq!(get("plain=x"), r#"{"plain": "x", "user": null}"#);
}

#[test]
fn stream_sends_three_chunks() {
    let tour = Tour::start();
    let mut stream = TcpStream::connect(("127.0.0.1", tour.port)).unwrap();
    stream
        .write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.contains("Transfer-Encoding: chunked\r\n"), "{raw}");
    assert!(
        raw.ends_with("\r\n\r\n8\r\nchunk 1\n\r\n8\r\nchunk 2\n\r\n8\r\nchunk 3\n\r\n0\r\n\r\n"),
        "{raw}"
    );
}
