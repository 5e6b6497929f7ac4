//! Cross-checks against Tornado 6.6.1 (`testdata/tornado_vectors.json`, made by
//! `testdata/make_vectors.py`; see it for how each section was produced).

use serde_json::Value;

use super::*;
use crate::cookies::{format_set_cookie, parse_cookie_header, CookieOptions, SameSite};

const VECTORS: &str = include_str!("testdata/tornado_vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("tornado_vectors.json is valid JSON")
}

fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(text(v)).expect("hex in the vectors")
}

/// The pinned clock of the vectors, as Tornado's `int(time.time())`.
fn now(v: &Value) -> i64 {
    v.as_f64().expect("a clock") as i64
}

#[test]
fn decodes_as_tornado_does() {
    let v = vectors();
    let cases = v["decode"].as_array().expect("decode cases");
    assert!(cases.len() > 30);
    for case in cases {
        let input = text(&case["input"]);
        let got = decode_xsrf_token(input, 1_700_000_000);
        let expected = case["token_hex"].as_str().map(|_| {
            let version = match case["version"].as_i64() {
                Some(1) => TokenVersion::V1,
                Some(2) => TokenVersion::V2,
                other => panic!("unexpected version {other:?}"),
            };
            let raw = RawToken {
                token: bytes(&case["token_hex"]),
                timestamp: case["timestamp"].as_i64().expect("a timestamp"),
            };
            (version, raw)
        });
        assert_eq!(got, expected, "decoding {input:?}");
    }
}

/// `xsrf_cookie_kwargs` of the vectors as `CookieOptions`.
fn cookie_options(settings: &Value) -> CookieOptions {
    let kwargs = &settings["xsrf_cookie_kwargs"];
    CookieOptions {
        domain: kwargs["domain"].as_str().map(str::to_owned),
        path: kwargs["path"].as_str().map(str::to_owned),
        httponly: kwargs["httponly"].as_bool().unwrap_or(false),
        secure: kwargs["secure"].as_bool().unwrap_or(false),
        samesite: kwargs["samesite"].as_str().map(|s| match s {
            "Strict" => SameSite::Strict,
            "Lax" => SameSite::Lax,
            other => panic!("samesite {other}"),
        }),
        ..CookieOptions::default()
    }
}

/// Tornado's `xsrf_token` step by step with the same inputs: the cookie's token when it
/// reads, else the pinned random token; then the pinned mask; then the cookie.
#[test]
fn issues_the_bytes_tornado_issues() {
    let v = vectors();
    let cases = v["issue"].as_array().expect("issue cases");
    for case in cases {
        let label = text(&case["label"]);
        let settings = &case["settings"];
        let name = settings["xsrf_cookie_name"].as_str().unwrap_or("_xsrf");
        let version = match settings["xsrf_cookie_version"].as_i64() {
            Some(1) => TokenVersion::V1,
            _ => TokenVersion::V2,
        };
        let now = now(&case["now"]);
        let cookie = case["cookie_header"].as_str().and_then(|header| {
            parse_cookie_header(header)
                .into_iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value)
        });
        let mut random = case["random_hex"]
            .as_array()
            .expect("random values")
            .iter()
            .map(bytes);
        let from_cookie = cookie
            .filter(|c| !c.is_empty())
            .and_then(|c| decode_xsrf_token(&c, now));
        let raw = match &from_cookie {
            Some((_, raw)) => raw.clone(),
            None => RawToken {
                token: random.next().expect("a random token"),
                timestamp: now,
            },
        };
        let mask = random
            .next()
            .map_or([0; 4], |m| m.try_into().expect("a 4-byte mask"));
        let token = raw.encode(version, mask);
        assert_eq!(token, text(&case["xsrf_token"]), "{label}");
        assert_eq!(form_html(&token), text(&case["xsrf_form_html"]), "{label}");
        let set_cookie: Vec<String> = match from_cookie {
            Some(_) => Vec::new(),
            None => vec![format_set_cookie(
                name,
                &token,
                &cookie_options(settings),
                std::time::UNIX_EPOCH,
            )
            .expect("a valid cookie")],
        };
        let expected: Vec<&str> = case["set_cookie"]
            .as_array()
            .expect("set_cookie list")
            .iter()
            .map(text)
            .collect();
        assert_eq!(set_cookie, expected, "{label}");
    }
}

#[test]
fn tornado_made_tokens_all_match_their_cookie() {
    let v = vectors();
    let made = &v["tornado_made"];
    let (_, cookie) = decode_xsrf_token(text(&made["cookie"]), 0).expect("the cookie reads");
    assert_eq!(cookie.token.len(), 16);
    let tokens: Vec<&str> = made["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(text)
        .collect();
    assert_ne!(tokens[1], tokens[2], "masked differently");
    for token in tokens {
        let (version, raw) = decode_xsrf_token(token, 0).expect("the token reads");
        assert_eq!(version, TokenVersion::V2);
        assert!(raw.matches(&cookie), "{token}");
        let mask: [u8; 4] = hex::decode(&token[2..10])
            .expect("hex mask")
            .try_into()
            .expect("4 bytes");
        assert_eq!(
            cookie.masked(mask),
            token,
            "the same bytes from the same mask"
        );
    }
}

#[test]
fn mismatches_are_caught_in_constant_time_compare() {
    let a = RawToken {
        token: vec![1; 16],
        timestamp: 0,
    };
    let mut b = a.clone();
    b.timestamp = 99;
    assert!(a.matches(&b), "timestamps do not matter");
    b.token[15] = 2;
    assert!(!a.matches(&b));
    b.token.pop();
    assert!(!a.matches(&b), "nor does a prefix match");
}

#[test]
fn python_int_edges() {
    for (text, expected) in [
        ("17", Some(17)),
        (" +17\n", Some(17)),
        ("-3", Some(-3)),
        ("1_000", Some(1000)),
        ("007", Some(7)),
        ("1__0", None),
        ("_1", None),
        ("1_", None),
        ("", None),
        ("+", None),
        ("1.5", None),
        ("99999999999999999999", None),
    ] {
        assert_eq!(parse_py_int(text), expected, "{text:?}");
    }
}
