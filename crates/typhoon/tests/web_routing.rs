//! Routing and the handler lifecycle through a real server: path groups, first match,
//! `reverse_url`, host tables, the default handler, 404/405 pages, initialization
//! arguments, `prepare`, `on_finish`, and errors and panics that must not stop the shard.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::json;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Finish, Handler, HttpError, RequestHandler, Result};

const NOT_FOUND_PAGE: &str =
    "<html><title>404: Not Found</title><body>404: Not Found</body></html>";
const HTML: &str = "text/html; charset=UTF-8";

/// Answers with what the route captured: `{"args": [...], "kwargs": {...}}`.
struct Captured;
impl RequestHandler for Captured {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let kwargs: serde_json::Map<String, serde_json::Value> = ["slug", "id"]
            .iter()
            .filter_map(|k| h.path_kwarg(k).map(|v| (k.to_string(), json!(v))))
            .collect();
        let body = json!({ "args": h.path_args(), "kwargs": kwargs });
        h.write_json(&body)?;
        Ok(())
    }
}

/// Writes a fixed reply (Tornado's `initialize(reply=...)` through the factory closure).
struct Reply {
    reply: String,
}
impl RequestHandler for Reply {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write(self.reply.clone());
        Ok(())
    }
}

fn reply(text: &str) -> impl Fn() -> Reply + Send + Sync + 'static {
    let text = text.to_owned();
    move || Reply {
        reply: text.clone(),
    }
}

#[test]
fn positional_groups_are_percent_decoded_and_plus_stays() {
    let server = TestServer::start(Application::new(vec![url(r"/p/([^/]+)/([^/]+)", || {
        Captured
    })]));
    let r = server.fetch("/p/a%20b/1+1%2B%C3%A9");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({ "args": ["a b", "1+1+é"], "kwargs": {} }));
    // Patterns see the raw path: an encoded slash stays inside one group.
    let r = server.fetch("/p/a%2Fb/c");
    assert_eq!(r.json()["args"], json!(["a/b", "c"]));
}

#[test]
fn named_groups_become_path_kwargs() {
    let server = TestServer::start(Application::new(vec![url(
        r"/post/(?P<slug>[^/]+)/(?P<id>\d+)",
        || Captured,
    )]));
    let r = server.fetch("/post/hello%2Dworld%20x/7");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({ "args": [], "kwargs": { "slug": "hello-world x", "id": "7" } })
    );
}

#[test]
fn invalid_utf8_in_a_capture_is_400() {
    let server = TestServer::start(Application::new(vec![url(r"/p/([^/]+)", || Captured)]));
    let r = server.fetch("/p/%FF");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        "<html><title>400: Bad Request</title><body>400: Bad Request</body></html>"
    );
    // A valid capture on the same route still works.
    assert_eq!(server.fetch("/p/%C3%A9").json()["args"], json!(["é"]));
}

#[test]
fn first_match_wins_and_patterns_are_anchored_at_the_end() {
    let server = TestServer::start(Application::new(vec![
        url(r"/a/(.*)", reply("first")),
        url(r"/a/b", reply("second")),
        url(r"/x", reply("x")),
    ]));
    assert_eq!(server.fetch("/a/b").text(), "first");
    assert_eq!(server.fetch("/x").text(), "x");
    // `$` is appended: `/x` does not match `/xy` or `/x/`.
    assert_eq!(server.fetch("/xy").status, 404);
    assert_eq!(server.fetch("/x/").status, 404);
}

/// Writes `reverse_url` results, one per line.
struct Reverse;
impl RequestHandler for Reverse {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let user = h.reverse_url("user", &["42"])?;
        let pair = h.reverse_url("pair", &["x y", "5"])?;
        h.write(format!("{user}\n{pair}"));
        Ok(())
    }
}

/// Asks for a route that does not exist.
struct ReverseMissing;
impl RequestHandler for ReverseMissing {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let path = h.reverse_url("nope", &[])?;
        h.write(path);
        Ok(())
    }
}

fn reverse_app() -> Application {
    Application::new(vec![
        url(r"/user/(\d+)", || Captured).name("user"),
        url(r"/p/([^/]+)/(\d+)", || Captured).name("pair"),
        url(r"/reverse", || Reverse),
        url(r"/reverse-missing", || ReverseMissing),
    ])
}

#[test]
fn reverse_url_from_a_handler_escapes_arguments() {
    let server = TestServer::start(reverse_app());
    let r = server.fetch("/reverse");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), "/user/42\n/p/x%20y/5");
    // The reversed URL routes back to the same handler with the original argument.
    assert_eq!(
        server.fetch("/p/x%20y/5").json()["args"],
        json!(["x y", "5"])
    );
    // An unknown name is a server error (Tornado raises KeyError).
    assert_eq!(server.fetch("/reverse-missing").status, 500);
}

#[test]
fn application_reverse_url() {
    let app = reverse_app();
    assert_eq!(
        app.reverse_url("user", &["42"]).as_deref(),
        Some("/user/42")
    );
    assert_eq!(
        app.reverse_url("pair", &["a/b c", "1"]).as_deref(),
        Some("/p/a/b%20c/1")
    );
    assert_eq!(app.reverse_url("user", &["1", "2"]), None);
    assert_eq!(app.reverse_url("nope", &[]), None);
}

fn host_app() -> Application {
    Application::new(vec![url(r"/foo", reply("wildcard"))])
        .add_handlers(r"www\.example\.com", vec![url(r"/foo", reply("[0]"))])
}

#[test]
fn host_tables_are_chosen_by_the_host_header() {
    let server = TestServer::start(host_app());
    let host = |h: &str| server.request("GET", "/foo").header("Host", h).send();
    assert_eq!(server.fetch("/foo").text(), "wildcard");
    assert_eq!(host("www.example.com").text(), "[0]");
    // The port is stripped and the match is case-insensitive.
    assert_eq!(host("WWW.Example.COM:8080").text(), "[0]");
    // The pattern is anchored at both ends.
    assert_eq!(host("www.example.com.evil").text(), "wildcard");
    assert_eq!(host("xwww.example.com").text(), "wildcard");
    assert_eq!(host("other.org").text(), "wildcard");
}

/// Tornado's `HostMatchingTest.test_host_matching`: a host table without the path falls
/// through to the next matching table and finally to the catch-all rules.
#[test]

fn host_tables_fall_through_like_tornado() {
    let app = Application::new(vec![url(r"/foo", reply("wildcard"))])
        .add_handlers("www.example.com", vec![url(r"/foo", reply("[0]"))])
        .add_handlers(r"www\.example\.com", vec![url(r"/bar", reply("[1]"))])
        .add_handlers("www.example.com", vec![url(r"/baz", reply("[2]"))])
        .add_handlers("www.e.*e.com", vec![url(r"/baz", reply("[3]"))]);
    let server = TestServer::start(app);
    let get = |path: &str, host: &str| server.request("GET", path).header("Host", host).send();

    assert_eq!(server.fetch("/foo").text(), "wildcard");
    assert_eq!(server.fetch("/bar").status, 404);
    assert_eq!(server.fetch("/baz").status, 404);
    assert_eq!(get("/foo", "www.example.com").text(), "[0]");
    assert_eq!(get("/bar", "www.example.com").text(), "[1]");
    assert_eq!(get("/baz", "www.example.com").text(), "[2]");
    assert_eq!(get("/baz", "www.exe.com").text(), "[3]");
    // Only the catch-all table has `/foo` for this host.
    assert_eq!(get("/foo", "www.exe.com").text(), "wildcard");
}

/// Serves every unmatched path.
struct Fallback;
impl RequestHandler for Fallback {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_status(404);
        h.write(format!("fallback for {}", h.request().path()));
        Ok(())
    }
}

#[test]
fn default_handler_serves_unmatched_paths() {
    let app = Application::new(vec![url(r"/known", reply("known"))])
        .default_handler(url(r"/ignored", || Fallback));
    let server = TestServer::start(app);
    assert_eq!(server.fetch("/known").text(), "known");
    let r = server.fetch("/somewhere/else");
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "fallback for /somewhere/else");
}

#[test]
fn unmatched_path_gets_tornados_404_page() {
    support::capture_logs();
    let server = TestServer::start(Application::new(vec![url(r"/", reply("home"))]));
    let r = server.fetch("/no-such-route-404?q=1");
    assert_eq!(r.status, 404);
    assert_eq!(r.reason, "Not Found");
    assert_eq!(r.text(), NOT_FOUND_PAGE);
    assert_eq!(r.header("Content-Type"), Some(HTML));
    let line = support::access_line("404 GET /no-such-route-404?q=1 (127.0.0.1) ");
    assert_eq!(line.level, log::Level::Warn);
}

/// Serves GET only.
struct GetOnly;
impl RequestHandler for GetOnly {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("got");
        Ok(())
    }
}

#[test]
fn unimplemented_verbs_are_405_without_automatic_head() {
    let server = TestServer::start(Application::new(vec![url(r"/only-get", || GetOnly)]));
    assert_eq!(server.fetch("/only-get").text(), "got");
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"] {
        let r = server.request(method, "/only-get").send();
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("Allow"), None, "{method}: Tornado sends no Allow");
        if method != "HEAD" {
            assert_eq!(
                r.text(),
                "<html><title>405: Method Not Allowed</title><body>405: Method Not Allowed</body></html>",
                "{method}"
            );
        }
    }
}

#[test]
fn trace_is_405_too() {
    let server = TestServer::start(Application::new(vec![url(r"/only-get", || GetOnly)]));
    let raw = support::raw(
        server.port(),
        b"TRACE /only-get HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let r = support::RawResponse::parse(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 405 Method Not Allowed");
}

/// Holds what its route's factory gave it (Tornado's `initialize(**kwargs)`).
struct Configured {
    greeting: String,
    made: Arc<AtomicUsize>,
}
impl RequestHandler for Configured {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let n = self.made.load(Ordering::SeqCst);
        h.write(format!("{} #{n}", self.greeting));
        Ok(())
    }
}

#[test]
fn initialization_arguments_come_from_the_factory_and_a_fresh_handler_per_request() {
    let made = Arc::new(AtomicUsize::new(0));
    let route = |pattern: &str, greeting: &'static str| {
        let made = made.clone();
        url(pattern, move || {
            made.fetch_add(1, Ordering::SeqCst);
            Configured {
                greeting: greeting.to_owned(),
                made: made.clone(),
            }
        })
    };
    let server = TestServer::start(Application::new(vec![
        route("/en", "hello"),
        route("/fr", "bonjour"),
    ]));
    assert_eq!(server.fetch("/en").text(), "hello #1");
    assert_eq!(server.fetch("/fr").text(), "bonjour #2");
    assert_eq!(server.fetch("/en").text(), "hello #3");
}

/// `prepare` may end the request; the verb then never runs.
struct Gate {
    verb_calls: Arc<AtomicUsize>,
}
impl RequestHandler for Gate {
    async fn prepare(&mut self, h: &mut Handler) -> Result {
        match h.get_query_argument("mode").ok().as_deref() {
            Some("redirect") => h.redirect("/elsewhere")?,
            Some("finish") => {
                h.set_status(503);
                h.write("closed");
                return Err(Finish.into());
            }
            Some("finish-later") => {
                h.write("later");
                h.finish_later();
            }
            _ => {}
        }
        Ok(())
    }
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.verb_calls.fetch_add(1, Ordering::SeqCst);
        h.write("verb ran");
        Ok(())
    }
}

#[test]
fn prepare_that_finishes_skips_the_verb() {
    let verb_calls = Arc::new(AtomicUsize::new(0));
    let calls = verb_calls.clone();
    let server = TestServer::start(Application::new(vec![url(r"/gate", move || Gate {
        verb_calls: calls.clone(),
    })]));

    let r = server.fetch("/gate?mode=redirect");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("Location"), Some("/elsewhere"));
    assert_eq!(r.body, b"");

    let r = server.fetch("/gate?mode=finish");
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "closed");

    let r = server.fetch("/gate?mode=finish-later");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "later");

    assert_eq!(verb_calls.load(Ordering::SeqCst), 0);
    assert_eq!(server.fetch("/gate").text(), "verb ran");
    assert_eq!(verb_calls.load(Ordering::SeqCst), 1);
}

/// Counts `on_finish` calls and records the final status they saw.
struct Finisher {
    finished: Arc<AtomicUsize>,
    last_status: Arc<AtomicUsize>,
}
impl RequestHandler for Finisher {
    async fn get(&mut self, h: &mut Handler) -> Result {
        if h.get_query_argument("fail").is_ok() {
            return Err(HttpError::new(403).into());
        }
        h.write("done");
        Ok(())
    }
    fn on_finish(&mut self, h: &Handler) {
        assert!(h.is_finished(), "on_finish runs after the response");
        self.last_status
            .store(usize::from(h.status()), Ordering::SeqCst);
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits (bounded) for `counter` to reach `want`: `on_finish` may run just after the
/// client has its answer.
fn wait_count(counter: &AtomicUsize, want: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while counter.load(Ordering::SeqCst) < want && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(counter.load(Ordering::SeqCst), want);
}

#[test]
fn on_finish_runs_after_each_response() {
    let finished = Arc::new(AtomicUsize::new(0));
    let last_status = Arc::new(AtomicUsize::new(0));
    let (f, s) = (finished.clone(), last_status.clone());
    let server = TestServer::start(Application::new(vec![url(r"/fin", move || Finisher {
        finished: f.clone(),
        last_status: s.clone(),
    })]));

    assert_eq!(server.fetch("/fin").text(), "done");
    wait_count(&finished, 1);
    assert_eq!(last_status.load(Ordering::SeqCst), 200);

    assert_eq!(server.fetch("/fin?fail=1").status, 403);
    wait_count(&finished, 2);
    assert_eq!(last_status.load(Ordering::SeqCst), 403);
}

/// Fails the way application code fails: an I/O error through `?`.
struct Broken;
impl RequestHandler for Broken {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("partial output that must not be sent");
        Err(std::io::Error::other("disk on fire"))?;
        Ok(())
    }
}

/// Panics.
/// Tornado's page for an uncaught error.
const ERROR_500_PAGE: &str =
    "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>";

struct Panicky;
impl RequestHandler for Panicky {
    async fn get(&mut self, _h: &mut Handler) -> Result {
        panic!("handler exploded on purpose");
    }
}

#[test]
fn uncaught_error_is_a_logged_500_and_the_server_keeps_serving() {
    support::capture_logs();
    let server = TestServer::start(Application::new(vec![
        url(r"/uncaught-boom", || Broken),
        url(r"/ok", reply("ok")),
    ]));
    let r = server.fetch("/uncaught-boom");
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), ERROR_500_PAGE);
    let line = support::wait_for_line("Uncaught exception for /uncaught-boom", |l| {
        l.message
            .contains("Uncaught exception GET /uncaught-boom (127.0.0.1)")
    });
    assert_eq!(line.level, log::Level::Error);
    assert!(line.message.contains("disk on fire"), "{line:?}");
    let access = support::access_line("500 GET /uncaught-boom (127.0.0.1) ");
    assert_eq!(access.level, log::Level::Error);

    assert_eq!(server.fetch("/ok").text(), "ok");
    assert_eq!(server.fetch("/uncaught-boom").status, 500);
    assert_eq!(server.fetch("/ok").text(), "ok");
}

#[test]
fn panicking_handler_is_500_and_the_server_keeps_serving() {
    let server = TestServer::start(Application::new(vec![
        url(r"/panic", || Panicky),
        url(r"/ok", reply("ok")),
    ]));
    assert_eq!(server.fetch("/panic").status, 500);
    assert_eq!(server.fetch("/ok").text(), "ok");
    assert_eq!(server.fetch("/panic").status, 500);
    assert_eq!(server.fetch("/ok").text(), "ok");
}

#[test]
fn a_panicking_handler_factory_is_500_and_the_server_keeps_serving() {
    // The route's factory (Tornado's `initialize`) is user code too.
    fn exploding() -> Panicky {
        panic!("initialize failed")
    }
    let server = TestServer::start(Application::new(vec![
        url(r"/init-panic", exploding),
        url(r"/ok", reply("ok")),
    ]));
    let r = server.fetch("/init-panic");
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), ERROR_500_PAGE);
    assert_eq!(server.fetch("/ok").text(), "ok");
    assert_eq!(server.fetch("/init-panic").status, 500);
    assert_eq!(server.fetch("/ok").text(), "ok");
}
