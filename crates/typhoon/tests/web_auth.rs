//! Authentication through a real server: a signed-cookie login, `get_current_user` once
//! per request, and the `authenticated` guard's redirect, 403 and 500.

use std::sync::atomic::{AtomicUsize, Ordering};

use typhoon::testing::TestServer;
use typhoon::web::cookies::CookieOptions;
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

const SECRET: &str = "61oETzKXQAGaYdkL5gEmGeJJFuYh7EQnp2XdTP1o/Vo=";

/// How often `get_current_user` ran, over all tests (each test reads its own difference).
static LOOKUPS: AtomicUsize = AtomicUsize::new(0);

/// Logs in whoever POSTs a name.
struct Login;
impl RequestHandler for Login {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let name = h.get_argument("name")?;
        h.set_signed_cookie("user", &name, &CookieOptions::default())?;
        h.write("logged in");
        Ok(())
    }
}

/// A page for logged-in users only, reading the user from the signed cookie.
struct Private;
impl RequestHandler for Private {
    async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        LOOKUPS.fetch_add(1, Ordering::SeqCst);
        Ok(h.get_signed_cookie("user")?)
    }
    async fn get(&mut self, h: &mut Handler) -> Result {
        let user = self.authenticated(h).await?;
        let again = self.current_user(h).await?;
        let cached = h.current_user().map(str::to_owned);
        h.write(format!("{user} {again:?} {cached:?}"));
        Ok(())
    }
    async fn head(&mut self, h: &mut Handler) -> Result {
        self.authenticated(h).await?;
        Ok(())
    }
    async fn post(&mut self, h: &mut Handler) -> Result {
        let user = self.authenticated(h).await?;
        h.write(format!("posted by {user}"));
        Ok(())
    }
}

fn app(login_url: Option<&str>) -> TestServer {
    let settings = Settings {
        login_url: login_url.map(str::to_owned),
        ..Settings::default()
    }
    .cookie_secret(SECRET);
    TestServer::start(
        Application::new(vec![
            url(r"/login", || Login),
            url(r"/private.*", || Private),
        ])
        .with_settings(settings),
    )
}

/// Logs in as `name`; the `Cookie` header value to send afterwards.
fn log_in(server: &TestServer, name: &str) -> String {
    let r = server
        .request("POST", "/login")
        .form(&[("name", name)])
        .send();
    assert_eq!(r.status, 200);
    let header = r.header("Set-Cookie").expect("the login cookie");
    header.split(';').next().expect("name=value").to_owned()
}

#[test]
fn a_logged_in_user_gets_the_page_and_the_user_is_determined_once() {
    let server = app(Some("/login"));
    let cookie = log_in(&server, "ada");
    let before = LOOKUPS.load(Ordering::SeqCst);
    let r = server
        .request("GET", "/private")
        .header("Cookie", &cookie)
        .send();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#"ada Some("ada") Some("ada")"#);
    // Other tests run in parallel: at least one lookup, and this request made exactly one
    // of them unless another ran meanwhile.
    assert!(LOOKUPS.load(Ordering::SeqCst) > before);
    let r = server
        .request("POST", "/private")
        .header("Cookie", &cookie)
        .send();
    assert_eq!((r.status, r.text().as_str()), (200, "posted by ada"));
}

#[test]
fn get_current_user_runs_once_per_request() {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    struct Twice;
    impl RequestHandler for Twice {
        async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
            CALLS.fetch_add(1, Ordering::SeqCst);
            Ok(Some("bo".into()))
        }
        async fn get(&mut self, h: &mut Handler) -> Result {
            self.current_user(h).await?;
            self.current_user(h).await?;
            let user = self.authenticated(h).await?;
            h.write(user);
            Ok(())
        }
    }
    let server = TestServer::start(Application::new(vec![url(r"/twice", || Twice)]));
    assert_eq!(server.fetch("/twice").text(), "bo");
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(server.fetch("/twice").text(), "bo");
    assert_eq!(CALLS.load(Ordering::SeqCst), 2, "not kept between requests");
}

#[test]
fn get_and_head_without_a_user_are_sent_to_the_login_page() {
    let server = app(Some("/login"));
    for method in ["GET", "HEAD"] {
        let r = server.request(method, "/private?a=1&b=x y").send();
        assert_eq!(r.status, 302, "{method}");
        assert_eq!(
            r.header("Location"),
            Some("/login?next=%2Fprivate%3Fa%3D1%26b%3Dx%2520y"),
            "{method}"
        );
    }
    // A tampered cookie is nobody too.
    let r = server
        .request("GET", "/private")
        .header("Cookie", "user=2|1:0|10:1|4:user|4:YWRh|00")
        .send();
    assert_eq!(r.header("Location"), Some("/login?next=%2Fprivate"));
}

#[test]
fn other_methods_without_a_user_are_forbidden() {
    let server = app(Some("/login"));
    let r = server.request("POST", "/private").send();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
    );
    let server = app(None);
    assert_eq!(
        server.request("POST", "/private").send().status,
        403,
        "no login_url needed"
    );
}

#[test]
fn a_login_url_with_a_query_is_used_as_it_is() {
    let server = app(Some("/login?from=guard"));
    let r = server.fetch("/private/x");
    assert_eq!(r.header("Location"), Some("/login?from=guard"));
}

#[test]
fn an_absolute_login_url_gets_the_full_url_as_next() {
    let server = app(Some("https://auth.example.com/login"));
    let r = server.fetch("/private/p?q=1");
    let expected = format!(
        "https://auth.example.com/login?next=http%3A%2F%2F127.0.0.1%3A{}%2Fprivate%2Fp%3Fq%3D1",
        server.port()
    );
    assert_eq!(r.header("Location"), Some(expected.as_str()));
}

#[test]
fn no_login_url_is_a_server_error() {
    let server = app(None);
    let r = server.fetch("/private");
    assert_eq!(r.status, 500);
}

#[test]
fn an_empty_user_is_nobody() {
    struct Empty;
    impl RequestHandler for Empty {
        async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
            Ok(Some(String::new()))
        }
        async fn get(&mut self, h: &mut Handler) -> Result {
            self.authenticated(h).await?;
            h.write("in");
            Ok(())
        }
    }
    let settings = Settings {
        login_url: Some("/login".into()),
        ..Settings::default()
    };
    let server =
        TestServer::start(Application::new(vec![url(r"/e", || Empty)]).with_settings(settings));
    assert_eq!(server.fetch("/e").status, 302);
}

#[test]
fn prepare_may_set_the_user_and_the_login_url_may_be_chosen_per_request() {
    struct Custom;
    impl RequestHandler for Custom {
        async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
            panic!("set_current_user in prepare means this is never called")
        }
        async fn prepare(&mut self, h: &mut Handler) -> Result {
            let user = h.get_query_argument("as").ok();
            h.set_current_user(user);
            Ok(())
        }
        fn get_login_url(&mut self, h: &Handler) -> Result<String> {
            Ok(format!("/login/{}", h.host_name()))
        }
        async fn get(&mut self, h: &mut Handler) -> Result {
            let user = self.authenticated(h).await?;
            h.write(user);
            Ok(())
        }
    }
    let server = TestServer::start(Application::new(vec![url(r"/c", || Custom)]));
    assert_eq!(server.fetch("/c?as=cy").text(), "cy");
    let r = server.fetch("/c");
    assert_eq!(r.header("Location"), Some("/login/127.0.0.1?next=%2Fc"));
}

#[test]
fn handlers_that_never_ask_have_no_user() {
    struct Plain;
    impl RequestHandler for Plain {
        async fn get(&mut self, h: &mut Handler) -> Result {
            h.write(format!("{:?}", h.current_user()));
            Ok(())
        }
    }
    let server = TestServer::start(Application::new(vec![url(r"/", || Plain)]));
    assert_eq!(server.fetch("/").text(), "None");
}
