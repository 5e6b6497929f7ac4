//! XSRF through a real server: the cookie a page sets, the check before `prepare` on
//! unsafe methods, tokens from forms and headers, version 1, Tornado's own tokens and
//! verdicts (`crates/web/src/xsrf/testdata`), and tokens Typhoon made that Tornado
//! accepted.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use typhoon::testing::{TestResponse, TestServer};
use typhoon::web::cookies::{CookieOptions, SameSite};
use typhoon::web::xsrf::{decode_xsrf_token, TokenVersion};
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

const VECTORS: &str = include_str!("../../web/src/xsrf/testdata/tornado_vectors.json");
const TYPHOON_MADE: &str = include_str!("../../web/src/xsrf/testdata/typhoon_made.json");

/// Answers GET with its form (asking twice: the same token both times) and anything
/// else with "ok".
struct Form;
impl RequestHandler for Form {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let form = h.xsrf_form_html();
        let token = h.xsrf_token();
        h.write(format!("{form}\n{token}"));
        Ok(())
    }
    async fn head(&mut self, _h: &mut Handler) -> Result {
        Ok(())
    }
    async fn options(&mut self, _h: &mut Handler) -> Result {
        Ok(())
    }
    async fn post(&mut self, h: &mut Handler) -> Result {
        h.write("ok");
        Ok(())
    }
    async fn put(&mut self, h: &mut Handler) -> Result {
        h.write("ok");
        Ok(())
    }
    async fn patch(&mut self, h: &mut Handler) -> Result {
        h.write("ok");
        Ok(())
    }
    async fn delete(&mut self, h: &mut Handler) -> Result {
        h.write("ok");
        Ok(())
    }
}

fn xsrf_settings() -> Settings {
    Settings {
        xsrf_cookies: true,
        ..Settings::default()
    }
}

fn server(settings: Settings) -> TestServer {
    TestServer::start(Application::new(vec![url(r"/.*", || Form)]).with_settings(settings))
}

/// The `_xsrf` cookie's value in a `Set-Cookie` header, and the rest of the header.
fn cookie_of(r: &TestResponse, name: &str) -> Option<String> {
    r.headers_all("Set-Cookie").into_iter().find_map(|header| {
        let (pair, _) = header.split_once(';').unwrap_or((header, ""));
        let (n, v) = pair.split_once('=')?;
        (n == name).then(|| v.to_owned())
    })
}

/// The token in a `Form` page: the second line.
fn page_token(r: &TestResponse) -> String {
    let text = r.text();
    let (form, token) = text.split_once('\n').expect("form and token");
    assert_eq!(
        form,
        format!(r#"<input type="hidden" name="_xsrf" value="{token}"/>"#)
    );
    token.to_owned()
}

/// A fresh visitor: the page's cookie and token.
fn visit(server: &TestServer) -> (String, String) {
    let r = server.fetch("/form");
    assert_eq!(r.status, 200);
    let cookie = cookie_of(&r, "_xsrf").expect("the page sets the cookie");
    (cookie, page_token(&r))
}

fn post_form(server: &TestServer, path: &str, cookie: &str, token: &str) -> TestResponse {
    server
        .request("POST", path)
        .header("Cookie", &format!("_xsrf={cookie}"))
        .form(&[("_xsrf", token), ("body", "hi")])
        .send()
}

#[test]
fn get_sets_a_version_2_cookie_and_the_page_token_matches_it() {
    let server = server(xsrf_settings());
    let r = server.fetch("/form");
    assert_eq!(r.status, 200);
    let headers = r.headers_all("Set-Cookie");
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert!(headers[0].ends_with("; Path=/"), "{headers:?}");
    let cookie = cookie_of(&r, "_xsrf").expect("cookie");
    let token = page_token(&r);
    assert_eq!(cookie, token, "the first token is the cookie itself");
    let (version, raw) = decode_xsrf_token(&cookie, 0).expect("a readable cookie");
    assert_eq!(version, TokenVersion::V2);
    assert_eq!(raw.token.len(), 16);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((raw.timestamp - now).abs() < 60, "{}", raw.timestamp);

    // A visitor holding the cookie keeps it: no new cookie, the same secret, masked anew.
    let again = server
        .request("GET", "/form")
        .header("Cookie", &format!("_xsrf={cookie}"))
        .send();
    assert!(again.headers_all("Set-Cookie").is_empty());
    let token = page_token(&again);
    assert_ne!(token, cookie);
    assert!(decode_xsrf_token(&token, 0).expect("token").1.matches(&raw));
}

#[test]
fn post_without_a_token_is_refused_before_prepare() {
    support::capture_logs();
    static PREPARED: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl RequestHandler for Counted {
        async fn prepare(&mut self, _h: &mut Handler) -> Result {
            PREPARED.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        async fn post(&mut self, h: &mut Handler) -> Result {
            h.write("ok");
            Ok(())
        }
    }
    let server = TestServer::start(
        Application::new(vec![url(r"/counted-missing", || Counted)]).with_settings(xsrf_settings()),
    );
    let r = server
        .request("POST", "/counted-missing")
        .form(&[("body", "hi")])
        .send();
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        "<html><title>403: Forbidden</title><body>403: Forbidden</body></html>"
    );
    assert_eq!(PREPARED.load(Ordering::SeqCst), 0, "prepare did not run");
    support::wait_for_line("with Tornado's message", |l| {
        l.message == "403 POST /counted-missing (127.0.0.1): '_xsrf' argument missing from POST"
    });
}

#[test]
fn form_and_header_tokens_are_accepted() {
    let server = server(xsrf_settings());
    let (cookie, token) = visit(&server);
    let r = post_form(&server, "/post", &cookie, &token);
    assert_eq!((r.status, r.text().as_str()), (200, "ok"));
    for header in ["X-XSRFToken", "X-CSRFToken", "x-xsrftoken"] {
        let r = server
            .request("POST", "/ajax")
            .header("Cookie", &format!("_xsrf={cookie}"))
            .header(header, &token)
            .send();
        assert_eq!(r.status, 200, "{header}");
    }
    let r = server
        .request(
            "POST",
            &format!("/query?_xsrf={}", token.replace('|', "%7C")),
        )
        .header("Cookie", &format!("_xsrf={cookie}"))
        .send();
    assert_eq!(r.status, 200, "a query argument counts too");
}

#[test]
fn every_unsafe_method_is_checked_and_safe_ones_are_not() {
    let server = server(xsrf_settings());
    let (cookie, token) = visit(&server);
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let r = server.request(method, "/m").send();
        assert_eq!(r.status, 403, "{method} without a token");
        let r = server
            .request(method, "/m")
            .header("Cookie", &format!("_xsrf={cookie}"))
            .header("X-XSRFToken", &token)
            .send();
        assert_eq!(r.status, 200, "{method} with a token");
    }
    for method in ["GET", "HEAD", "OPTIONS"] {
        let r = server.request(method, "/m").send();
        assert_eq!(r.status, 200, "{method}");
    }
}

#[test]
fn mismatched_tokens_are_refused() {
    support::capture_logs();
    let server = server(xsrf_settings());
    let (cookie, _) = visit(&server);
    let (_, other) = visit(&server);
    let r = post_form(&server, "/mismatch", &cookie, &other);
    assert_eq!(r.status, 403);
    support::wait_for_line("about the mismatch", |l| {
        l.message == "403 POST /mismatch (127.0.0.1): XSRF cookie does not match POST argument"
    });
    let r = server
        .request("POST", "/no-cookie")
        .form(&[("_xsrf", &other)])
        .send();
    assert_eq!(
        r.status, 403,
        "no cookie: a new secret, which nothing matches"
    );
    let r = post_form(&server, "/invalid-format", &cookie, "3|junk");
    assert_eq!(r.status, 403);
    support::wait_for_line("about the format", |l| {
        l.message == "403 POST /invalid-format (127.0.0.1): '_xsrf' argument has invalid format"
    });
}

#[test]
fn masked_tokens_differ_between_requests_and_all_validate() {
    let server = server(xsrf_settings());
    let (cookie, first) = visit(&server);
    let mut tokens = vec![first];
    for _ in 0..5 {
        let r = server
            .request("GET", "/form")
            .header("Cookie", &format!("_xsrf={cookie}"))
            .send();
        tokens.push(page_token(&r));
    }
    let distinct: std::collections::HashSet<_> = tokens.iter().collect();
    assert_eq!(distinct.len(), tokens.len(), "{tokens:?}");
    for token in &tokens {
        assert_eq!(
            post_form(&server, "/p", &cookie, token).status,
            200,
            "{token}"
        );
    }
}

#[test]
fn version_1_cookies_and_tokens_are_read_and_can_be_issued() {
    let server = server(xsrf_settings());
    let v1 = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
    // A version-1 cookie is kept (not rewritten) and its token masked in version 2.
    let r = server
        .request("GET", "/form")
        .header("Cookie", &format!("_xsrf={v1}"))
        .send();
    assert!(r.headers_all("Set-Cookie").is_empty());
    let masked = page_token(&r);
    assert!(masked.starts_with("2|"), "{masked}");
    for token in [v1, &v1.to_uppercase(), &masked] {
        assert_eq!(post_form(&server, "/v1", v1, token).status, 200, "{token}");
    }
    // With xsrf_cookie_version 1 the token is the bare hex, the same every time.
    let server = self::server(Settings {
        xsrf_cookie_version: TokenVersion::V1,
        ..xsrf_settings()
    });
    let (cookie, token) = visit(&server);
    assert_eq!(cookie, token);
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(post_form(&server, "/v1-out", &cookie, &token).status, 200);
}

#[test]
fn cookie_name_and_attributes_come_from_the_settings() {
    let server = server(Settings {
        xsrf_cookie_name: "__Host-xsrf".into(),
        xsrf_cookie_kwargs: CookieOptions {
            secure: true,
            httponly: true,
            samesite: Some(SameSite::Strict),
            ..CookieOptions::default()
        },
        ..xsrf_settings()
    });
    let r = server.fetch("/form");
    let header = r.header("Set-Cookie").expect("a cookie");
    let value = cookie_of(&r, "__Host-xsrf").expect("the configured name");
    assert_eq!(
        header,
        format!("__Host-xsrf={value}; HttpOnly; Path=/; SameSite=Strict; Secure")
    );
    let token = page_token(&r);
    let r = server
        .request("POST", "/named")
        .header("Cookie", &format!("_xsrf=junk; __Host-xsrf={value}"))
        .form(&[("_xsrf", &token)])
        .send();
    assert_eq!(r.status, 200, "the form field is still `_xsrf`");
}

#[test]
fn off_by_default() {
    let server = server(Settings::default());
    assert_eq!(server.request("POST", "/off").send().status, 200);
}

#[test]
fn check_xsrf_cookie_can_be_overridden() {
    struct Api;
    impl RequestHandler for Api {
        fn check_xsrf_cookie(&mut self, h: &mut Handler) -> Result {
            if h.request_header("Authorization").is_some() {
                return Ok(());
            }
            Ok(h.check_xsrf_cookie()?)
        }
        async fn post(&mut self, h: &mut Handler) -> Result {
            h.write("ok");
            Ok(())
        }
    }
    let server = TestServer::start(
        Application::new(vec![url(r"/api", || Api)]).with_settings(xsrf_settings()),
    );
    assert_eq!(server.request("POST", "/api").send().status, 403);
    let r = server
        .request("POST", "/api")
        .header("Authorization", "Bearer x")
        .send();
    assert_eq!(r.status, 200);
}

#[test]
fn the_cookie_lasts_30_days_while_a_user_is_logged_in() {
    struct LoggedIn;
    impl RequestHandler for LoggedIn {
        async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
            Ok(Some("ada".into()))
        }
        async fn get(&mut self, h: &mut Handler) -> Result {
            self.current_user(h).await?;
            let token = h.xsrf_token();
            h.write(token);
            Ok(())
        }
    }
    let server = TestServer::start(
        Application::new(vec![url(r"/", || LoggedIn)]).with_settings(xsrf_settings()),
    );
    let header = server.fetch("/").header("Set-Cookie").map(str::to_owned);
    let header = header.expect("a cookie");
    assert!(header.contains("; expires="), "{header}");
    let anonymous = self::server(xsrf_settings()).fetch("/form");
    let header = anonymous.header("Set-Cookie").expect("a cookie");
    assert!(!header.contains("expires"), "{header}");
}

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("tornado_vectors.json")
}

/// Tornado's `check_xsrf_cookie` verdicts on the same cookie and token, replayed as real
/// requests: accepted, or refused with the same log message.
#[test]
fn tornado_verdicts_hold_on_a_real_server() {
    support::capture_logs();
    let server = server(xsrf_settings());
    let vectors = vectors();
    let cases = vectors["check"].as_array().expect("check cases");
    for (i, case) in cases.iter().enumerate() {
        let mut path = format!("/tornado-check/{i}");
        if let Some(arg) = case["arg"].as_str() {
            let mut query = String::new();
            for b in arg.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => query.push(char::from(b)),
                    b => query.push_str(&format!("%{b:02X}")),
                }
            }
            path = format!("{path}?_xsrf={query}");
        }
        let mut request = server.request("POST", &path);
        if let Some(cookie) = case["cookie"].as_str() {
            request = request.header("Cookie", &format!("_xsrf={cookie}"));
        }
        if let Some(header) = case["header"].as_str() {
            let name = case["header_name"].as_str().expect("header name");
            request = request.header(name, header);
        }
        if let Some(body) = case["body"].as_str() {
            request = request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let r = request.send();
        match case["error"].as_str() {
            None => assert_eq!(r.status, 200, "case {i}: {case}"),
            Some(message) => {
                assert_eq!(r.status, 403, "case {i}: {case}");
                let prefix = format!("403 POST /tornado-check/{i}");
                support::wait_for_line(message, |l| {
                    l.message.starts_with(&prefix) && l.message.ends_with(message)
                });
            }
        }
    }
}

/// A cookie and tokens a real Tornado application handed out.
#[test]
fn tokens_tornado_made_are_accepted() {
    let server = server(xsrf_settings());
    let vectors = vectors();
    let made = &vectors["tornado_made"];
    let cookie = made["cookie"].as_str().expect("cookie");
    for token in made["tokens"].as_array().expect("tokens") {
        let token = token.as_str().expect("token");
        assert_eq!(
            post_form(&server, "/t", cookie, token).status,
            200,
            "{token}"
        );
        let r = server
            .request("PUT", "/t")
            .header("Cookie", &format!("_xsrf={cookie}"))
            .header("X-XSRFToken", token)
            .send();
        assert_eq!(r.status, 200, "{token}");
    }
    // A Typhoon page for a visitor holding Tornado's cookie keeps it and masks its token.
    let r = server
        .request("GET", "/form")
        .header("Cookie", &format!("_xsrf={cookie}"))
        .send();
    assert!(r.headers_all("Set-Cookie").is_empty());
    let (_, ours) = decode_xsrf_token(&page_token(&r), 0).expect("token");
    let (_, theirs) = decode_xsrf_token(cookie, 0).expect("cookie");
    assert!(ours.matches(&theirs));
}

/// Cookies and tokens a Typhoon server handed out (recorded by
/// `typhoon_tokens_for_tornado`), which Tornado's own `check_xsrf_cookie` accepted
/// (`make_vectors.py --check typhoon_made.json`): they still validate here.
#[test]
fn tokens_typhoon_made_were_accepted_by_tornado() {
    let made: Value = serde_json::from_str(TYPHOON_MADE).expect("typhoon_made.json");
    assert!(made["checked_with"]
        .as_str()
        .expect("checked by Tornado")
        .starts_with("tornado 6."));
    let pairs = made["pairs"].as_array().expect("pairs");
    assert!(pairs.len() >= 4);
    let server = server(xsrf_settings());
    for pair in pairs {
        assert_eq!(pair["tornado_check"], "accepted", "{pair}");
        let cookie = pair["cookie"].as_str().expect("cookie");
        let token = pair["token"].as_str().expect("token");
        assert_eq!(
            post_form(&server, "/ours", cookie, token).status,
            200,
            "{pair}"
        );
    }
}

/// Records fresh Typhoon-made cookie/token pairs for Tornado to check, when
/// `TYPHOON_XSRF_PAIRS` names a file (then run `make_vectors.py --check` on it);
/// otherwise only checks that such pairs validate here.
#[test]
fn typhoon_tokens_for_tornado() {
    let server = server(xsrf_settings());
    let mut pairs = Vec::new();
    for _ in 0..2 {
        let (cookie, first) = visit(&server);
        pairs.push(serde_json::json!({ "cookie": cookie, "token": first }));
        let r = server
            .request("GET", "/form")
            .header("Cookie", &format!("_xsrf={cookie}"))
            .send();
        pairs.push(serde_json::json!({ "cookie": cookie, "token": page_token(&r) }));
    }
    for pair in &pairs {
        let (cookie, token) = (pair["cookie"].as_str(), pair["token"].as_str());
        let r = post_form(&server, "/pairs", cookie.unwrap_or(""), token.unwrap_or(""));
        assert_eq!(r.status, 200);
    }
    if let Ok(path) = std::env::var("TYPHOON_XSRF_PAIRS") {
        let json = serde_json::json!({ "pairs": pairs });
        std::fs::write(path, format!("{json:#}\n")).expect("writing the pairs");
    }
}
