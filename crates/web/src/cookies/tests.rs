//! Cross-checks against outputs recorded from real Tornado (`testdata/tornado_vectors.json`).
//!
//! The vectors are produced by `testdata/make_vectors.py`; see that script for
//! how each section was generated.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("testdata/tornado_vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("tornado_vectors.json is valid JSON")
}

fn section(name: &str) -> Vec<Value> {
    vectors()[name]
        .as_array()
        .unwrap_or_else(|| panic!("missing section {name}"))
        .clone()
}

fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

fn secret(v: &Value) -> Secret {
    if let Some(single) = v.get("single") {
        return Secret::Single(text(single).as_bytes().to_vec());
    }
    let keys: BTreeMap<u32, Vec<u8>> = v["versioned"]
        .as_object()
        .expect("versioned keys")
        .iter()
        .map(|(k, s)| (k.parse().expect("numeric key"), text(s).as_bytes().to_vec()))
        .collect();
    // Decode cases carry no `current`; any version works for decoding.
    let current = v["current"]
        .as_u64()
        .map_or_else(|| *keys.keys().next().unwrap_or(&0), |c| c as u32);
    Secret::Versioned { keys, current }
}

fn b64(v: &Value) -> Option<Vec<u8>> {
    v.as_str()
        .map(|s| STANDARD.decode(s).expect("vector base64"))
}

#[test]
fn vectors_record_tornado_version() {
    let v = vectors();
    assert!(text(&v["tornado_version"]).starts_with("6."));
}

#[test]
fn tornado_signed_values_decode_and_rust_recreates_them() {
    let cases = section("sign");
    assert!(cases.len() > 100);
    for case in &cases {
        let secret = secret(&case["secret"]);
        let name = text(&case["name"]);
        let value = b64(&case["value_b64"]).expect("value");
        let now = case["now"].as_u64().expect("now");
        let signed = text(&case["signed"]);
        let rust_signed = match case["version"].as_u64() {
            Some(1) => match &secret {
                Secret::Single(key) => create_signed_value_v1(key, name, &value, now),
                Secret::Versioned { .. } => unreachable!("v1 is never versioned"),
            },
            _ => create_signed_value(&secret, name, &value, now),
        };
        // (2) byte-identical output.
        assert_eq!(rust_signed, signed, "create for {case}");
        // (1) Rust decodes what Tornado decodes (Tornado refuses its own v2
        // output for non-ASCII names and v1 output with a `0` timestamp).
        let expected = b64(&case["tornado_decodes_b64"]);
        let decoded = decode_signed_value(&secret, name, signed, 31.0, now, 1);
        assert_eq!(decoded, expected, "decode for {case}");
        let v1 = case["version"] == 1;
        let refused = (!v1 && !name.is_ascii()) || (v1 && now == 0);
        let round_trip = if refused { None } else { Some(value) };
        assert_eq!(decoded, round_trip, "round trip for {case}");
    }
}

#[test]
fn tornado_decode_expectations() {
    let cases = section("decode");
    assert!(cases.len() > 50);
    for case in &cases {
        let got = decode_signed_value(
            &secret(&case["secret"]),
            text(&case["name"]),
            text(&case["value"]),
            case["max_age_days"].as_f64().expect("max_age_days"),
            case["now"].as_u64().expect("now"),
            case["min_version"].as_u64().expect("min_version") as u8,
        );
        assert_eq!(got, b64(&case["expected_b64"]), "{}", case["label"]);
    }
}

#[test]
fn tornado_key_versions() {
    for case in section("key_version") {
        let got = signature_key_version(text(&case["value"]));
        let expected = case["expected"].as_u64().map(|v| v as u32);
        assert_eq!(got, expected, "{}", case["value"]);
    }
}

#[test]
fn tornado_parse_cookie() {
    for case in section("parse_cookie") {
        let expected: Vec<(String, String)> = case["expected"]
            .as_array()
            .expect("pairs")
            .iter()
            .map(|p| (text(&p[0]).to_string(), text(&p[1]).to_string()))
            .collect();
        assert_eq!(
            parse_cookie_header(text(&case["header"])),
            expected,
            "{}",
            case["header"]
        );
    }
}

fn system_time(secs: f64) -> SystemTime {
    let d = Duration::from_secs_f64(secs.abs());
    if secs >= 0.0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

#[test]
fn tornado_set_and_clear_cookie() {
    let cases = section("set_cookie");
    assert!(cases.len() > 40);
    for case in &cases {
        let o = &case["options"];
        let options = CookieOptions {
            domain: o.get("domain").map(|v| text(v).to_string()),
            path: o.get("path").map(|v| text(v).to_string()),
            expires: o.get("expires").and_then(Value::as_f64).map(system_time),
            expires_days: o.get("expires_days").and_then(Value::as_f64),
            max_age: o.get("max_age").and_then(Value::as_i64),
            httponly: o.get("httponly").and_then(Value::as_bool).unwrap_or(false),
            secure: o.get("secure").and_then(Value::as_bool).unwrap_or(false),
            samesite: o.get("samesite").map(|v| match text(v) {
                "Strict" => SameSite::Strict,
                "Lax" => SameSite::Lax,
                "None" => SameSite::None,
                other => panic!("samesite {other}"),
            }),
        };
        let now = system_time(case["now"].as_f64().expect("now"));
        let name = text(&case["name"]);
        let got = if case["kind"] == "set" {
            format_set_cookie(name, text(&case["value"]), &options, now)
        } else {
            format_clear_cookie(name, &options, now)
        };
        match (case.get("header"), case.get("error")) {
            (Some(header), _) => assert_eq!(got.as_deref(), Ok(text(header)), "{case}"),
            (None, Some(error)) => {
                let err = got.expect_err(&case.to_string());
                // Tornado raises ValueError only for bad values.
                let is_value = matches!(err, CookieError::InvalidValue { .. });
                assert_eq!(is_value, text(error) == "ValueError", "{case}: {err}");
            }
            _ => panic!("case without result: {case}"),
        }
    }
}

/// A tiny deterministic PRNG (xorshift64*) so the fuzz test needs no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn string(&mut self, alphabet: &[char], max_len: usize) -> String {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet: Vec<char> = "0123456789|:=;\"\\ \t\n\r\u{0}\u{7f}abcXYZ+/=-_é€\u{1c}\u{a0}😀"
        .chars()
        .collect();
    let single = Secret::Single(b"It's a secret to everybody".to_vec());
    let versioned = Secret::Versioned {
        keys: BTreeMap::from([(0, b"a".to_vec()), (7, b"b".to_vec())]),
        current: 7,
    };
    let seeds = [
        create_signed_value(&single, "key", b"value", 1_300_000_000),
        create_signed_value(&versioned, "key", b"\xff\x00", 1_300_000_000),
        create_signed_value_v1(
            b"It's a secret to everybody",
            "key",
            b"value",
            1_300_000_000,
        ),
    ];
    for i in 0..20_000 {
        // Alternate random strings with mutations of valid values, which reach
        // the deeper parsing paths.
        let input = if i % 2 == 0 {
            rng.string(&alphabet, 80)
        } else {
            let mut chars: Vec<char> = seeds[rng.below(seeds.len())].chars().collect();
            for _ in 0..=rng.below(3) {
                let at = rng.below(chars.len() + 1);
                match rng.below(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 if at < chars.len() => chars[at] = alphabet[rng.below(alphabet.len())],
                    _ => chars.insert(at, alphabet[rng.below(alphabet.len())]),
                }
            }
            chars.into_iter().collect()
        };
        for secret in [&single, &versioned] {
            for min_version in [0, 1, 2, 3] {
                let _ =
                    decode_signed_value(secret, "key", &input, 31.0, 1_300_000_000, min_version);
            }
            let _ = decode_signed_value(secret, &input, &input, f64::NAN, u64::MAX, 1);
            let _ = decode_signed_value(secret, "key", &input, -1e308, 0, 1);
        }
        let _ = signature_key_version(&input);
        let _ = parse_cookie_header(&input);
        let options = CookieOptions {
            domain: Some(input.clone()),
            path: Some(input.clone()),
            expires_days: Some(f64::from_bits(rng.next())),
            max_age: Some(rng.next() as i64),
            ..Default::default()
        };
        let _ = format_set_cookie(&input, &input, &options, UNIX_EPOCH);
        let _ = format_set_cookie("n", &input, &CookieOptions::default(), UNIX_EPOCH);
        let _ = format_clear_cookie(&input, &options, UNIX_EPOCH);
    }
}

#[test]
fn rust_signed_values_for_tornado_check() {
    // Emits values for `make_vectors.py --check` when asked to; otherwise just
    // verifies that Rust round-trips them. Set TYPHOON_COOKIE_CHECK_OUT=<file>.
    let single = Secret::Single("sécret".as_bytes().to_vec());
    let versioned = Secret::Versioned {
        keys: BTreeMap::from([(3, b"three".to_vec()), (12, b"twelve".to_vec())]),
        current: 12,
    };
    let mut items = Vec::new();
    for (i, value) in [&b""[..], b"x", b"\x00\x01\xfe\xff", "ünïcode".as_bytes()]
        .iter()
        .enumerate()
    {
        let now = 1_700_000_000 + i as u64;
        for (secret, json_secret) in [
            (&single, serde_json::json!({"single": "sécret"})),
            (
                &versioned,
                serde_json::json!({"versioned": {"3": "three", "12": "twelve"}}),
            ),
        ] {
            let signed = create_signed_value(secret, "sess", value, now);
            assert_eq!(
                decode_signed_value(secret, "sess", &signed, 31.0, now, 2).as_deref(),
                Some(*value)
            );
            items.push(serde_json::json!({
                "secret": json_secret, "name": "sess", "signed": signed, "now": now,
                "value_b64": STANDARD.encode(value),
            }));
        }
        let v1 = create_signed_value_v1("sécret".as_bytes(), "sess", value, now);
        items.push(serde_json::json!({
            "secret": {"single": "sécret"}, "name": "sess", "signed": v1, "now": now,
            "value_b64": STANDARD.encode(value),
        }));
    }
    if let Some(path) = std::env::var_os("TYPHOON_COOKIE_CHECK_OUT") {
        std::fs::write(path, Value::Array(items).to_string()).expect("write check file");
    }
}
