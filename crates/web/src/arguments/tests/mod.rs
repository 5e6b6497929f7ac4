//! Tests for the arguments module, mostly ported from Tornado's httputil_test.py and web_test.py.

use super::*;
use bytes::Bytes;

fn pairs(args: &Arguments) -> Vec<(&str, &str)> {
    args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Tornado's tests write bodies with `\n` and replace it by `\r\n`.
fn crlf(s: &str) -> Bytes {
    Bytes::from(s.replace('\n', "\r\n").into_bytes())
}

fn multipart(body: &Bytes) -> Result<(Arguments, Vec<(String, FileUpload)>), ArgumentError> {
    parse_body(
        "multipart/form-data; boundary=1234",
        body,
        &BodyLimits::default(),
    )
}

fn multipart_limits(body: &Bytes, limits: BodyLimits) -> Result<(), ArgumentError> {
    parse_body("multipart/form-data; boundary=1234", body, &limits).map(|_| ())
}

fn single_file(body: &Bytes) -> FileUpload {
    let (args, files) = multipart(body).unwrap();
    assert!(args.is_empty());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].0, "files");
    files[0].1.clone()
}

fn detail(e: ArgumentError) -> String {
    match e {
        ArgumentError::InvalidMultipart(d) => d,
        other => panic!("expected InvalidMultipart, got {other:?}"),
    }
}

const AB_TXT: &str =
    "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"\n\nFoo\n--1234--";

// ---------------------------------------------------------------- query strings

#[test]
fn query_basic_and_repeated() {
    let args = parse_query(b"a=1&b=2&a=3").unwrap();
    assert_eq!(pairs(&args), [("a", "1"), ("b", "2"), ("a", "3")]);
    assert_eq!(values(&args, "a").collect::<Vec<_>>(), ["1", "3"]);
}

#[test]
fn query_blank_values_and_missing_equals_are_kept() {
    let args = parse_query(b"foo=&bar&=baz&&x==y").unwrap();
    assert_eq!(
        pairs(&args),
        [("foo", ""), ("bar", ""), ("", "baz"), ("x", "=y")]
    );
}

#[test]
fn query_plus_and_percent() {
    let args = parse_query(b"a+b=1+%2B+1&c=%41%4a%zz%4&d=%").unwrap();
    assert_eq!(
        pairs(&args),
        [("a b", "1 + 1"), ("c", "AJ%zz%4"), ("d", "%")]
    );
    // `%2B` decodes after `+` → space, so it stays a plus sign.
    assert_eq!(parse_query(b"x=%2b").unwrap()[0].1, "+");
}

#[test]
fn query_semicolon_is_not_a_separator() {
    let args = parse_query(b"a=1;b=2").unwrap();
    assert_eq!(pairs(&args), [("a", "1;b=2")]);
}

#[test]
fn query_empty() {
    assert!(parse_query(b"").unwrap().is_empty());
    assert!(parse_query(b"&&&").unwrap().is_empty());
}

#[test]
fn query_invalid_utf8_value_names_the_argument() {
    let e = parse_query(b"ok=1&foo=%FF").unwrap_err();
    assert_eq!(
        e,
        ArgumentError::BadArgument {
            name: "foo".into(),
            preview: r"b'\xff'".into()
        }
    );
    assert_eq!(e.to_string(), r"Invalid unicode in foo: b'\xff'");
}

#[test]
fn query_non_ascii_names() {
    let args = parse_query(b"%C3%A9=1&%E9=2").unwrap();
    assert_eq!(pairs(&args), [("é", "1"), ("é", "2")]);
}

#[test]
fn query_utf8_values() {
    // web_test test_decode_argument: foo=%C3%A9 → "é".
    assert_eq!(parse_query(b"foo=%C3%A9").unwrap()[0].1, "é");
    assert_eq!(parse_query("foo=é".as_bytes()).unwrap()[0].1, "é");
}

#[test]
fn query_max_arguments() {
    let ok: Vec<String> = (0..1000).map(|i| format!("a={i}")).collect();
    assert_eq!(parse_query(ok.join("&").as_bytes()).unwrap().len(), 1000);
    let too_many: Vec<String> = (0..1001).map(|i| format!("a={i}")).collect();
    assert_eq!(
        parse_query(too_many.join("&").as_bytes()),
        Err(ArgumentError::TooManyArguments { limit: 1000 })
    );
    // Empty fields count, as in Python's parse_qs.
    assert!(parse_query_with_limit(b"a&&", 2).is_err());
}

#[test]
fn urlencoded_body() {
    // UrlEncodedDataTest.test_urlencoded_data
    let body = Bytes::from_static(b"a=1&b=2&a=3");
    let (args, files) = parse_body(
        "application/x-www-form-urlencoded",
        &body,
        &BodyLimits::default(),
    )
    .unwrap();
    assert_eq!(pairs(&args), [("a", "1"), ("b", "2"), ("a", "3")]);
    assert!(files.is_empty());
}

#[test]
fn urlencoded_body_max_arguments() {
    // UrlEncodedDataTest.test_max_arguments: 1001 fields plus a trailing '&'.
    let body = Bytes::from("a=1&".repeat(1001));
    let e = parse_body(
        "application/x-www-form-urlencoded",
        &body,
        &BodyLimits::default(),
    );
    assert_eq!(e, Err(ArgumentError::TooManyArguments { limit: 1000 }));
    let limits = BodyLimits {
        max_arguments: 2000,
        ..BodyLimits::default()
    };
    let (args, _) = parse_body("application/x-www-form-urlencoded", &body, &limits).unwrap();
    assert_eq!(args.len(), 1001);
}

#[test]
fn content_type_selection() {
    let body = Bytes::from_static(b"a=1");
    let limits = BodyLimits::default();
    // Prefix match, as Tornado's startswith.
    for ct in [
        "application/x-www-form-urlencoded; charset=UTF-8",
        "application/x-www-form-urlencodedjunk",
    ] {
        assert_eq!(parse_body(ct, &body, &limits).unwrap().0.len(), 1, "{ct}");
    }
    for ct in [
        "text/plain",
        "application/json",
        "",
        "Application/x-www-form-urlencoded",
    ] {
        let (a, f) = parse_body(ct, &body, &limits).unwrap();
        assert!(a.is_empty() && f.is_empty(), "{ct}");
    }
}

// ---------------------------------------------------------------- cleaning (tornado.md §2.6)

#[test]
fn tornado_md_get_argument_example() {
    let query = parse_query(b"x=q1").unwrap();
    let body = Bytes::from_static(b"x=+a+&x=b%20\x01c");
    let (body_args, _) = parse_body(
        "application/x-www-form-urlencoded",
        &body,
        &BodyLimits::default(),
    )
    .unwrap();
    let all: Arguments = query.iter().chain(body_args.iter()).cloned().collect();
    let cleaned: Vec<String> = values(&all, "x").map(|v| clean_argument(v, true)).collect();
    assert_eq!(cleaned, ["q1", "a", "b  c"]);
    assert_eq!(cleaned.last().unwrap(), "b  c");
    let q: Vec<String> = values(&query, "x")
        .map(|v| clean_argument(v, true))
        .collect();
    assert_eq!(q, ["q1"]);
    let b: Vec<String> = values(&body_args, "x")
        .map(|v| clean_argument(v, true))
        .collect();
    assert_eq!(b, ["a", "b  c"]);
}

#[test]
fn clean_argument_control_chars_and_strip() {
    assert_eq!(clean_argument("\x00\x08x\x0e\x1f", false), "  x  ");
    // \t \n \v \f \r and DEL are not replaced, but \t..\r are stripped.
    assert_eq!(clean_argument("a\tb\x7f", false), "a\tb\x7f");
    assert_eq!(clean_argument("\t\n\x0b\x0c\r a \r\n", true), "a");
    assert_eq!(clean_argument("\u{a0}\u{2003}a\u{3000}\u{85}", true), "a");
    assert_eq!(clean_argument("\x1c a \x1f", true), "a");
    assert_eq!(clean_argument(" keep ", false), " keep ");
    assert_eq!(clean_argument("", true), "");
}

// ---------------------------------------------------------------- path arguments

#[test]
fn path_args_decode() {
    // web_test test_decode_argument_plus: both paths give "1 + 1".
    assert_eq!(decode_path_arg("1%20%2B%201").unwrap(), "1 + 1");
    assert_eq!(decode_path_arg("1%20+%201").unwrap(), "1 + 1");
    assert_eq!(decode_path_arg("%C3%A9").unwrap(), "é");
    assert_eq!(decode_path_arg("a%zz%").unwrap(), "a%zz%");
    assert_eq!(decode_path_arg("é").unwrap(), "é");
    // test_decode_argument_invalid_unicode
    let e = decode_path_arg("invalid%FF").unwrap_err();
    assert_eq!(e.to_string(), r"Invalid unicode in url: b'invalid\xff'");
}

#[test]
fn path_args_escape() {
    assert_eq!(escape_path_arg("bar"), "bar");
    assert_eq!(escape_path_arg("5"), "5");
    assert_eq!(escape_path_arg("a/b c"), "a/b%20c");
    assert_eq!(escape_path_arg("~_.-"), "~_.-");
    assert_eq!(escape_path_arg("?#&=+%"), "%3F%23%26%3D%2B%25");
    assert_eq!(escape_path_arg("é"), "%C3%A9");
    for s in ["a b", "é/+%", "x?y"] {
        assert_eq!(decode_path_arg(&escape_path_arg(s)).unwrap(), s);
    }
}

#[test]
fn bad_argument_preview_is_python_repr_of_40_bytes() {
    let mut raw = "%27".to_string();
    raw.push_str(&"a".repeat(50));
    raw.push_str("%FF");
    let e = parse_query(format!("n={raw}").as_bytes()).unwrap_err();
    let ArgumentError::BadArgument { preview, .. } = e else {
        panic!()
    };
    assert_eq!(preview, format!("b\"'{}\"", "a".repeat(39)));
    assert_eq!(
        text::py_bytes_repr(b"\\\t\n\r\x00'\""),
        r#"b'\\\t\n\r\x00\'"'"#
    );
}

// ---------------------------------------------------------------- multipart (MultipartFormDataTest)

#[test]
fn multipart_file_upload() {
    let f = single_file(&crlf(AB_TXT));
    assert_eq!(f.filename, "ab.txt");
    assert_eq!(&f.body[..], b"Foo");
    assert_eq!(f.content_type, "application/unknown");
}

#[test]
fn multipart_unquoted_names() {
    let body =
        "--1234\nContent-Disposition: form-data; name=files; filename=ab.txt\n\nFoo\n--1234--";
    let f = single_file(&crlf(body));
    assert_eq!(f.filename, "ab.txt");
    assert_eq!(&f.body[..], b"Foo");
}

#[test]
fn multipart_special_filenames() {
    let filenames = [
        "a;b.txt",
        "a\"b.txt",
        "a\";b.txt",
        "a;\"b.txt",
        "a\";\";.txt",
        "a\\\"b.txt",
        "a\\b.txt",
        "a b.txt",
        "a\tb.txt",
    ];
    for filename in filenames {
        let escaped = filename.replace('\\', "\\\\").replace('"', "\\\"");
        let body = format!(
            "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"{escaped}\"\n\nFoo\n--1234--"
        );
        let f = single_file(&crlf(&body));
        assert_eq!(f.filename, filename);
        assert_eq!(&f.body[..], b"Foo");
    }
}

#[test]
fn multipart_invalid_chars_in_header() {
    for filename in ["a\rb.txt", "a\0b.txt", "a\x08b.txt"] {
        let body = format!(
            "--1234\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{filename}\"\r\n\r\nFoo\r\n--1234--"
        );
        let e = detail(multipart(&Bytes::from(body)).unwrap_err());
        assert!(e.contains("Invalid header value"), "{e}");
    }
}

#[test]
fn multipart_non_ascii_filename_rfc5987() {
    let body = "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"; filename*=UTF-8''%C3%A1b.txt\n\nFoo\n--1234--";
    let f = single_file(&crlf(body));
    assert_eq!(f.filename, "áb.txt");
    assert_eq!(&f.body[..], b"Foo");
}

#[test]
fn multipart_rfc2231_variants() {
    let name_of = |disp: &str| -> Result<String, ArgumentError> {
        let body = format!(
            "--1234\nContent-Disposition: form-data; name=\"files\"; {disp}\n\nFoo\n--1234--"
        );
        multipart(&crlf(&body)).map(|(_, f)| f[0].1.filename.clone())
    };
    // The starred form wins regardless of order.
    assert_eq!(name_of("filename*=UTF-8''%C3%A1; filename=x").unwrap(), "á");
    assert_eq!(name_of("filename*=iso-8859-1'en'%E9").unwrap(), "é");
    assert_eq!(name_of("filename*=us-ascii''%E9x").unwrap(), "\u{fffd}x");
    assert_eq!(name_of("filename*=UTF-8''%FFa").unwrap(), "\u{fffd}a");
    // Continuations, sorted by number.
    assert_eq!(name_of("filename*1=b; filename*0=a").unwrap(), "ab");
    assert_eq!(
        name_of("filename*0*=UTF-8''%C3; filename*1*=%A1").unwrap(),
        "á"
    );
    assert_eq!(
        name_of("filename*10=c; filename*9=b; filename*0=a").unwrap(),
        "abc"
    );
    // Unknown charset: the text is kept (unquoted).
    assert_eq!(name_of("filename*=bogus''x%41").unwrap(), "xA");
    // No charset part: decoded as us-ascii.
    assert_eq!(name_of("filename*=abc%41").unwrap(), "abcA");
    // Python cannot order `name*` against `name*0`: the body is rejected.
    assert!(name_of("filename*=a; filename*0=b").is_err());
}

#[test]
fn multipart_non_ascii_filename_raw() {
    let f = single_file(&crlf(
        "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"测试.txt\"\n\nFoo\n--1234--",
    ));
    assert_eq!(f.filename, "测试.txt");
}

#[test]
fn multipart_boundary_starts_and_ends_with_quotes() {
    let (_, files) = parse_body(
        "multipart/form-data; boundary=\"1234\"",
        &crlf(AB_TXT),
        &BodyLimits::default(),
    )
    .unwrap();
    assert_eq!(files[0].1.filename, "ab.txt");
    assert_eq!(&files[0].1.body[..], b"Foo");
}

#[test]
fn multipart_missing_headers() {
    let e = multipart(&crlf("--1234\n\nFoo\n--1234--")).unwrap_err();
    assert_eq!(detail(e), "multipart/form-data missing headers");
}

#[test]
fn multipart_invalid_content_disposition() {
    let body = "--1234\nContent-Disposition: invalid; name=\"files\"; filename=\"ab.txt\"\n\nFoo\n--1234--";
    assert_eq!(
        detail(multipart(&crlf(body)).unwrap_err()),
        "Invalid multipart/form-data"
    );
    // No Content-Disposition at all, or a differently cased value.
    for body in [
        "--1234\nContent-Type: text/plain\n\nFoo\n--1234--",
        "--1234\nContent-Disposition: Form-Data; name=a\n\nFoo\n--1234--",
    ] {
        assert_eq!(
            detail(multipart(&crlf(body)).unwrap_err()),
            "Invalid multipart/form-data"
        );
    }
}

mod limits_and_edges;
