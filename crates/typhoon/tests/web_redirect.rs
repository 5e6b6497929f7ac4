//! `RedirectHandler`, `ErrorHandler`, the default handler for unmatched paths, and the
//! `serve_traceback`/`debug` error page, through a real server.

mod support;

use typhoon::testing::TestServer;
use typhoon::web::{
    url, Application, ErrorHandler, Handler, HttpError, RedirectHandler, RequestHandler, Result,
    Settings,
};

fn redirects() -> Application {
    Application::new(vec![
        url(r"/old", || RedirectHandler::new("/new")),
        url(r"/tmp", || {
            RedirectHandler::new("/new?x=1#top").permanent(false)
        }),
        url(r"/pic/(.*)", || RedirectHandler::new("/photos/{0}")),
        url(r"/two/(\w+)/(\w+)", || RedirectHandler::new("/b/{1}/{0}")),
        url(r"/go/(?P<page>\w+)", || {
            RedirectHandler::new("/pages/{page}")
        }),
        url(r"/r/(.*)", || RedirectHandler::new("/{0}/b")),
        url(r"/abs/(.*)", || {
            RedirectHandler::new("https://example.com/{0}")
        }),
        url(r"/braces", || RedirectHandler::new("/{{x}}")),
        url(r"/missing", || RedirectHandler::new("/{3}")),
    ])
}

#[test]
fn redirects_as_tornado() {
    let server = TestServer::start(redirects());
    // Status and Location from Tornado 6.6.1 for the same routes and requests.
    let rows: &[(&str, u16, Option<&str>)] = &[
        ("/old", 301, Some("/new")),
        (
            "/old?a=1&b=x%20y&c=%2F&d=~*",
            301,
            Some("/new?a=1&b=x+y&c=%2F&d=~%2A"),
        ),
        ("/tmp?q=z", 302, Some("/new?x=1&q=z#top")),
        ("/pic/cat%20photo.png", 301, Some("/photos/cat photo.png")),
        ("/two/a/b", 301, Some("/b/b/a")),
        ("/go/home", 301, Some("/pages/home")),
        ("/r//evil.com", 400, None),
        ("/r/%5Cevil.com", 400, None),
        ("/r/ok", 301, Some("/ok/b")),
        ("/abs/x?y=1", 301, Some("https://example.com/x?y=1")),
        ("/braces", 301, Some("/{x}")),
        ("/missing", 500, None),
    ];
    for &(path, status, location) in rows {
        let r = server.fetch(path);
        assert_eq!(r.status, status, "{path}");
        assert_eq!(r.header("Location"), location, "{path}");
    }
    assert_eq!(
        server.request("HEAD", "/old").send().status,
        405,
        "GET only, as Tornado"
    );
    assert_eq!(server.request("POST", "/old").send().status, 405);
}

#[test]
fn error_handler_answers_every_method() {
    let server = TestServer::start(Application::new(vec![url(r"/gone", || {
        ErrorHandler::new(410)
    })]));
    for method in ["GET", "POST", "PUT", "DELETE", "HEAD"] {
        let r = server.request(method, "/gone").send();
        assert_eq!(r.status, 410, "{method}");
    }
    assert_eq!(
        server.fetch("/gone").text(),
        "<html><title>410: Gone</title><body>410: Gone</body></html>"
    );
}

#[test]
fn the_default_handler_takes_unmatched_paths() {
    let app = Application::new(vec![url(r"/", || RedirectHandler::new("/home"))])
        .default_handler(url(r"", || ErrorHandler::new(418)));
    let server = TestServer::start(app);
    assert_eq!(server.fetch("/").status, 301);
    let r = server.fetch("/nowhere");
    assert_eq!(r.status, 418);
    assert!(r.text().contains("418: I&#x27;m a teapot"));

    let app = Application::new(vec![]).default_handler(url(r"", || RedirectHandler::new("/")));
    let server = TestServer::start(app);
    let r = server.fetch("/anything?x=1");
    assert_eq!((r.status, r.header("Location")), (301, Some("/?x=1")));
}

/// Fails in two ways: `?kind=io` (an error with a cause), otherwise an `HttpError`
/// with a log message.
struct Failing;
impl RequestHandler for Failing {
    async fn get(&mut self, h: &mut Handler) -> Result {
        match h.get_argument("kind")?.as_str() {
            "io" => Err(Wrapped(std::io::Error::other("disk <on> fire")).into()),
            _ => Err(HttpError::new(403).log("user 7 & invoice <12>").into()),
        }
    }
}

/// An error with a cause, as application errors often are.
#[derive(Debug)]
struct Wrapped(std::io::Error);
impl std::fmt::Display for Wrapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("loading <the> profile failed")
    }
}
impl std::error::Error for Wrapped {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn failing(settings: Settings) -> TestServer {
    TestServer::start(Application::new(vec![url(r"/fail", || Failing)]).with_settings(settings))
}

#[test]
fn serve_traceback_shows_the_error_and_its_causes() {
    for settings in [
        Settings {
            serve_traceback: true,
            ..Settings::default()
        },
        Settings {
            debug: true,
            ..Settings::default()
        },
    ] {
        let server = failing(settings);
        let r = server.fetch("/fail?kind=io");
        assert_eq!(r.status, 500);
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert_eq!(
            r.text(),
            "loading <the> profile failed\nCaused by: disk <on> fire\n",
            "plain text, not HTML: nothing to escape"
        );
        let r = server.fetch("/fail?kind=http");
        assert_eq!(r.status, 403);
        assert_eq!(r.text(), "HTTP 403: Forbidden (user 7 & invoice <12>)\n");
    }
}

#[test]
fn without_serve_traceback_the_page_says_nothing_more() {
    let server = failing(Settings::default());
    let r = server.fetch("/fail?kind=io");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Content-Type"), Some("text/html; charset=UTF-8"));
    assert_eq!(
        r.text(),
        "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
    );
    assert!(!server.fetch("/fail?kind=http").text().contains("invoice"));
}
