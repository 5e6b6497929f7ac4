//! Cookies through a real server: reading `Cookie`, writing `Set-Cookie` with every
//! attribute, clearing, and signed cookies in Tornado's v2 format (including a value
//! Python Tornado produced).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use typhoon::testing::{TestResponse, TestServer};
use typhoon::web::cookies::{
    create_signed_value, decode_signed_value, CookieOptions, SameSite, Secret,
};
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

const SECRET: &str = "61oETzKXQAGaYdkL5gEmGeJJFuYh7EQnp2XdTP1o/Vo=";
const VECTORS: &str = include_str!("../../web/src/cookies/testdata/tornado_vectors.json");

/// Reports the request's cookies.
struct ReadCookies;
impl RequestHandler for ReadCookies {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let names = ["a", "b", "c", "d", "missing"];
        let each: serde_json::Map<String, Value> = names
            .iter()
            .map(|n| (n.to_string(), json!(h.get_cookie(n))))
            .collect();
        let body = json!({ "each": each, "all": h.cookies() });
        h.write_json(&body)?;
        Ok(())
    }
}

#[test]
fn get_cookie_reads_several_cookies_and_unquotes() {
    let server = TestServer::start(Application::new(vec![url(r"/read", || ReadCookies)]));
    let r = server
        .request("GET", "/read")
        .header("Cookie", r#"a=1; b="quoted value"; c=x=y;d="a\073b""#)
        .send();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json()["each"],
        json!({ "a": "1", "b": "quoted value", "c": "x=y", "d": "a;b", "missing": null })
    );
    assert_eq!(
        r.json()["all"],
        json!([
            ["a", "1"],
            ["b", "quoted value"],
            ["c", "x=y"],
            ["d", "a;b"]
        ])
    );
    let r = server.fetch("/read");
    assert_eq!(r.json()["all"], json!([]));
}

/// Sets one cookie, chosen by the path.
struct SetCookie;
impl RequestHandler for SetCookie {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let path = h.request().path().to_owned();
        match path.as_str() {
            "/set/all" => h.set_cookie(
                "all",
                "x",
                &CookieOptions {
                    domain: Some("example.com".into()),
                    path: Some("/p".into()),
                    expires: Some(UNIX_EPOCH + Duration::from_secs(1_893_553_445)),
                    max_age: Some(3600),
                    httponly: true,
                    secure: true,
                    samesite: Some(SameSite::Strict),
                    ..CookieOptions::default()
                },
            )?,
            "/set/plain" => h.set_cookie(
                "plain",
                "v",
                &CookieOptions {
                    max_age: Some(10),
                    httponly: true,
                    samesite: Some(SameSite::Lax),
                    ..CookieOptions::default()
                },
            )?,
            "/set/days" => h.set_cookie(
                "foo",
                "bar",
                &CookieOptions {
                    expires_days: Some(1.0),
                    ..CookieOptions::default()
                },
            )?,
            "/set/none" => h.set_cookie(
                "none",
                "x",
                &CookieOptions {
                    samesite: Some(SameSite::None),
                    secure: true,
                    ..CookieOptions::default()
                },
            )?,
            "/set/quoted" => h.set_cookie("equals", "a=b", &CookieOptions::default())?,
            "/set/bad" => h.set_cookie("foo", "a b", &CookieOptions::default())?,
            "/clear" => h.clear_cookie("foo", &CookieOptions::default())?,
            "/clear/scoped" => h.clear_cookie(
                "foo",
                &CookieOptions {
                    path: Some("/bar".into()),
                    domain: Some("example.com".into()),
                    ..CookieOptions::default()
                },
            )?,
            _ => h.set_cookie("str", "asdf", &CookieOptions::default())?,
        }
        h.write("ok");
        Ok(())
    }
}

fn set_cookie(server: &TestServer, path: &str) -> String {
    let r = server.fetch(path);
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.header("Set-Cookie")
        .unwrap_or_else(|| panic!("{path}: no Set-Cookie"))
        .to_owned()
}

/// `Wed, 02 Jan 2030 03:04:05 GMT` → seconds since the epoch.
fn parse_http_date(text: &str) -> i64 {
    let parts: Vec<&str> = text.split([' ', ':']).collect();
    let [_, day, month, year, hh, mm, ss, "GMT"] = parts[..] else {
        panic!("not an HTTP date: {text:?}");
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)
    .unwrap_or_else(|| panic!("bad month in {text:?}")) as i64
        + 1;
    let num = |s: &str| -> i64 {
        s.parse()
            .unwrap_or_else(|_| panic!("bad number in {text:?}"))
    };
    // Howard Hinnant's days_from_civil.
    let (y, m, d) = (num(year), month, num(day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + num(hh) * 3600 + num(mm) * 60 + num(ss)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Splits `name=value; expires=<date>; rest` and checks the expiry is `offset` seconds
/// from now (within a minute); returns the header with the date replaced by `<date>`.
fn check_expiry(header: &str, offset: i64) -> String {
    let start = header
        .find("expires=")
        .unwrap_or_else(|| panic!("no expires in {header:?}"))
        + "expires=".len();
    let end = header[start..]
        .find(';')
        .map_or(header.len(), |i| start + i);
    let when = parse_http_date(&header[start..end]);
    let want = now() + offset;
    assert!(
        (when - want).abs() < 60,
        "expires {} is not about now{offset:+}s in {header:?}",
        &header[start..end]
    );
    format!("{}<date>{}", &header[..start], &header[end..])
}

#[test]
fn http_date_parser_matches_tornado_vectors() {
    assert_eq!(
        parse_http_date("Wed, 02 Jan 2030 03:04:05 GMT"),
        1_893_553_445
    );
    assert_eq!(
        parse_http_date("Mon, 29 Feb 1960 12:00:00 GMT"),
        -310_478_400
    );
}

#[test]
fn set_cookie_writes_every_attribute_like_tornado() {
    let server = TestServer::start(Application::new(vec![url(r"/(?:set|clear)/?.*", || {
        SetCookie
    })]));
    assert_eq!(
        set_cookie(&server, "/set/all"),
        "all=x; Domain=example.com; expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; \
         Max-Age=3600; Path=/p; SameSite=Strict; Secure"
    );
    assert_eq!(
        set_cookie(&server, "/set/plain"),
        "plain=v; HttpOnly; Max-Age=10; Path=/; SameSite=Lax"
    );
    assert_eq!(
        set_cookie(&server, "/set/none"),
        "none=x; Path=/; SameSite=None; Secure"
    );
    assert_eq!(set_cookie(&server, "/set/default"), "str=asdf; Path=/");
    assert_eq!(
        set_cookie(&server, "/set/quoted"),
        r#"equals="a=b"; Path=/"#
    );
    let days = set_cookie(&server, "/set/days");
    assert_eq!(
        check_expiry(&days, 86_400),
        "foo=bar; expires=<date>; Path=/"
    );

    let r = server.fetch("/set/bad");
    assert_eq!(r.status, 500, "a space cannot go in a cookie value");
    assert_eq!(r.header("Set-Cookie"), None);
}

#[test]
fn clear_cookie_sets_an_empty_value_that_expired_a_year_ago() {
    let server = TestServer::start(Application::new(vec![url(r"/(?:set|clear)/?.*", || {
        SetCookie
    })]));
    let header = set_cookie(&server, "/clear");
    assert_eq!(
        check_expiry(&header, -365 * 86_400),
        r#"foo=""; expires=<date>; Path=/"#
    );
    let header = set_cookie(&server, "/clear/scoped");
    assert_eq!(
        check_expiry(&header, -365 * 86_400),
        r#"foo=""; Domain=example.com; expires=<date>; Path=/bar"#
    );
}

/// `/sign?name=N&v=V` sets signed cookie N=V; `/read-signed?name=N` reads it back.
struct Signed;
impl RequestHandler for Signed {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let name = h.get_argument_or("name", "user");
        if h.request().path() == "/sign" {
            let value = h.get_argument("v")?;
            h.set_signed_cookie(&name, &value, &CookieOptions::default())?;
            h.write("signed");
        } else {
            let value = h.get_signed_cookie(&name)?;
            h.write_json(&json!({ "value": value }))?;
        }
        Ok(())
    }
}

fn signed_app(settings: Settings) -> Application {
    Application::new(vec![url(r"/(?:sign|read-signed)", || Signed)]).with_settings(settings)
}

/// The cookie's value as a browser would send it back: everything before the first `;`
/// after `name=`.
fn cookie_value(header: &str, name: &str) -> String {
    let rest = header
        .strip_prefix(&format!("{name}="))
        .unwrap_or_else(|| panic!("{header:?} does not set {name}"));
    rest.split(';').next().unwrap_or_default().to_owned()
}

fn read_signed(server: &TestServer, name: &str, cookie: &str) -> TestResponse {
    server
        .request("GET", &format!("/read-signed?name={name}"))
        .header("Cookie", &format!("{name}={cookie}"))
        .send()
}

#[test]
fn signed_cookies_round_trip_in_tornados_v2_format() {
    let server = TestServer::start(signed_app(Settings::default().cookie_secret(SECRET)));
    let header = set_cookie(&server, "/sign?v=bob");
    let value = cookie_value(&header, "user");
    // 2|1:0|10:<ts>|4:user|4:Ym9i|<64 hex digits of HMAC-SHA256>
    let fields: Vec<&str> = value.split('|').collect();
    assert_eq!(fields.len(), 6, "{value}");
    assert_eq!(&fields[..2], ["2", "1:0"]);
    let ts: i64 = fields[2]
        .strip_prefix("10:")
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("timestamp field in {value}"));
    assert!((ts - now()).abs() < 60, "{value}");
    assert_eq!(&fields[3..5], ["4:user", "4:Ym9i"]);
    assert!(
        fields[5].len() == 64 && fields[5].bytes().all(|b| b.is_ascii_hexdigit()),
        "{value}"
    );
    // Tornado's set_signed_cookie expires in 30 days.
    assert_eq!(
        check_expiry(&header, 30 * 86_400),
        format!("user={value}; expires=<date>; Path=/")
    );
    let expected = create_signed_value(
        &Secret::Single(SECRET.as_bytes().to_vec()),
        "user",
        b"bob",
        ts as u64,
    );
    assert_eq!(value, expected, "byte-identical to create_signed_value");

    let r = read_signed(&server, "user", &value);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({ "value": "bob" }));
}

#[test]
fn signed_values_that_need_quoting_survive_the_round_trip() {
    let server = TestServer::start(signed_app(Settings::default().cookie_secret(SECRET)));
    for v in ["alice", "Jos%C3%A9+%3B%22x%22"] {
        let header = set_cookie(&server, &format!("/sign?name=who&v={v}"));
        let value = cookie_value(&header, "who");
        let r = read_signed(&server, "who", &value);
        let want = if v == "alice" {
            "alice"
        } else {
            "José ;\"x\""
        };
        assert_eq!(r.json(), json!({ "value": want }), "{header}");
    }
}

#[test]
fn tampered_unsigned_misnamed_or_expired_values_are_none() {
    let server = TestServer::start(signed_app(Settings::default().cookie_secret(SECRET)));
    let secret = Secret::Single(SECRET.as_bytes().to_vec());
    let fresh = create_signed_value(&secret, "user", b"bob", now() as u64);
    assert_eq!(
        read_signed(&server, "user", &fresh).json()["value"],
        json!("bob")
    );

    let mut tampered = fresh.clone();
    let last = tampered.pop().unwrap_or('0');
    tampered.push(if last == '0' { '1' } else { '0' });
    let other_value = fresh.replace("4:Ym9i", "4:ZXZl");
    let other_name = create_signed_value(&secret, "admin", b"bob", now() as u64);
    let old = create_signed_value(&secret, "user", b"bob", (now() - 32 * 86_400) as u64);
    let other_secret = create_signed_value(
        &Secret::Single(b"another secret".to_vec()),
        "user",
        b"bob",
        now() as u64,
    );
    for (what, cookie) in [
        ("tampered signature", tampered.as_str()),
        ("tampered value", other_value.as_str()),
        ("unsigned", "bob"),
        ("signed for another name", other_name.as_str()),
        ("older than 31 days", old.as_str()),
        ("another secret", other_secret.as_str()),
        ("garbage", "2|1:0|garbage"),
    ] {
        let r = read_signed(&server, "user", cookie);
        assert_eq!(r.status, 200, "{what}");
        assert_eq!(r.json(), json!({ "value": null }), "{what}");
    }
    assert_eq!(
        server.fetch("/read-signed").json(),
        json!({ "value": null })
    );
}

#[test]
fn a_value_signed_by_tornado_is_accepted() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    assert!(vectors["tornado_version"]
        .as_str()
        .is_some_and(|v| v.starts_with("6.")));
    let case = vectors["sign"]
        .as_array()
        .expect("a sign section")
        .iter()
        .find(|c| {
            c["version"] == 2
                && c["value_b64"] == "dmFsdWU="
                && c["secret"]["single"] == "It's a secret to everybody"
                && c["now"] == 1_300_000_000
        })
        .expect("the v2 vector for key=value")
        .clone();
    let signed = case["signed"].as_str().expect("signed text");
    assert_eq!(
        signed,
        "2|1:0|10:1300000000|3:key|8:dmFsdWU=|\
         3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152"
    );
    let secret = Secret::Single(b"It's a secret to everybody".to_vec());
    // Tornado's value decodes at its own time (it is too old for get_signed_cookie now).
    let decoded = decode_signed_value(&secret, "key", signed, 31.0, 1_300_000_000, 1);
    assert_eq!(decoded.as_deref(), Some(&b"value"[..]));
    assert_eq!(
        decode_signed_value(&secret, "key", signed, 31.0, 1_300_000_000 + 32 * 86_400, 1),
        None,
        "31 days later it has expired"
    );
    // And Typhoon signs the same bytes.
    assert_eq!(
        create_signed_value(&secret, "key", b"value", 1_300_000_000),
        signed
    );

    // The same secret through the HTTP path, with a fresh timestamp.
    let settings = Settings::default().cookie_secret("It's a secret to everybody");
    let server = TestServer::start(signed_app(settings));
    let fresh = create_signed_value(&secret, "key", b"value", now() as u64);
    let r = read_signed(&server, "key", &fresh);
    assert_eq!(r.json(), json!({ "value": "value" }));
}

#[test]
fn signed_cookies_without_a_cookie_secret_are_500() {
    let server = TestServer::start(signed_app(Settings::default()));
    let secret = Secret::Single(SECRET.as_bytes().to_vec());
    let fresh = create_signed_value(&secret, "user", b"bob", now() as u64);
    let r = read_signed(&server, "user", &fresh);
    assert_eq!(r.status, 500);
    assert_eq!(
        r.text(),
        "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
    );
    let r = server.fetch("/sign?v=bob");
    assert_eq!(r.status, 500);
    assert_eq!(r.header("Set-Cookie"), None);
}
