//! More argument tests: multipart edge cases and limits, the tail of Tornado's cases.

use super::*;

#[test]
fn multipart_line_does_not_end_with_correct_line_break() {
    let body = "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"\n\nFoo--1234--";
    assert_eq!(
        detail(multipart(&crlf(body)).unwrap_err()),
        "Invalid multipart/form-data"
    );
}

#[test]
fn multipart_content_disposition_without_name() {
    let body = "--1234\nContent-Disposition: form-data; filename=\"ab.txt\"\n\nFoo\n--1234--";
    assert_eq!(
        detail(multipart(&crlf(body)).unwrap_err()),
        "multipart/form-data missing name"
    );
    let body = "--1234\nContent-Disposition: form-data; name=\"\"\n\nFoo\n--1234--";
    assert_eq!(
        detail(multipart(&crlf(body)).unwrap_err()),
        "multipart/form-data missing name"
    );
}

#[test]
fn multipart_data_after_final_boundary() {
    let f = single_file(&crlf(&format!("{AB_TXT}\n")));
    assert_eq!(&f.body[..], b"Foo");
    // Anything after the last final delimiter is ignored, even garbage.
    let f = single_file(&crlf(&format!("{AB_TXT}\nepilogue\n--1234\n")));
    assert_eq!(&f.body[..], b"Foo");
}

#[test]
fn multipart_preamble_is_a_part_as_in_tornado() {
    // Tornado treats text before the first delimiter as a part.
    let e = multipart(&crlf(&format!("preamble\n{AB_TXT}"))).unwrap_err();
    assert_eq!(detail(e), "multipart/form-data missing headers");
}

#[test]
fn multipart_no_final_boundary() {
    let body = "--1234\nContent-Disposition: form-data; name=a\n\nFoo\n";
    assert_eq!(
        detail(multipart(&crlf(body)).unwrap_err()),
        "no final boundary found"
    );
    // Only the final delimiter: no parts, no error.
    let (a, f) = multipart(&Bytes::from_static(b"--1234--\r\n")).unwrap();
    assert!(a.is_empty() && f.is_empty());
}

#[test]
fn multipart_disposition_param_linear_performance() {
    for n in [1_000, 10_000] {
        let body = format!(
            "--1234\r\nContent-Disposition: form-data; x=\"{}\"; name=\"files\"; filename=\"a.txt\"\r\n\r\nFoo\r\n--1234--\r\n",
            ";".repeat(n)
        );
        let limits = BodyLimits {
            max_part_header_size: 1 << 20,
            ..BodyLimits::default()
        };
        let start = std::time::Instant::now();
        let (_, files) = parse_body(
            "multipart/form-data; boundary=1234",
            &Bytes::from(body),
            &limits,
        )
        .unwrap();
        assert_eq!(files[0].1.filename, "a.txt");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[test]
fn multipart_config_limits() {
    let body = crlf(
        "--1234\nContent-Disposition: form-data; name=\"files\"; filename=\"ab.txt\"\n\n--1234--",
    );
    let f = single_file(&body);
    assert_eq!(f.filename, "ab.txt");
    assert!(f.body.is_empty());

    let no_parts = BodyLimits {
        max_parts: 0,
        ..BodyLimits::default()
    };
    let e = multipart_limits(&body, no_parts).unwrap_err();
    assert_eq!(e, ArgumentError::TooManyParts { limit: 0 });
    assert!(e.to_string().contains("too many parts"));

    let small_headers = BodyLimits {
        max_part_header_size: 10,
        ..BodyLimits::default()
    };
    let e = multipart_limits(&body, small_headers).unwrap_err();
    assert_eq!(e, ArgumentError::PartHeaderTooLarge { limit: 10 });
    assert!(e.to_string().contains("header too large"));
}

#[test]
fn multipart_default_max_parts_counts_the_preamble() {
    let part = "--1234\r\nContent-Disposition: form-data; name=\"a\"; filename=\"b\"\r\nContent-Type: text/plain\r\n\r\n\r\n";
    // 99 parts + the empty preamble = 100 pieces: accepted (test_multipart_memory_budget).
    let body = Bytes::from(format!("{}--1234--\r\n", part.repeat(99)));
    let (_, files) = multipart(&body).unwrap();
    assert_eq!(files.len(), 99);
    assert!(files
        .iter()
        .all(|(n, f)| n == "a" && f.content_type == "text/plain"));
    // 100 parts: rejected; the security corpus sends 150.
    for n in [100, 150] {
        let body = Bytes::from(format!("{}--1234--\r\n", part.repeat(n)));
        assert_eq!(
            multipart(&body).unwrap_err(),
            ArgumentError::TooManyParts { limit: 100 }
        );
    }
}

#[test]
fn multipart_header_size_boundary() {
    let header = "Content-Disposition: form-data; name=a";
    let body = Bytes::from(format!("--1234\r\n{header}\r\n\r\nv\r\n--1234--"));
    let exact = BodyLimits {
        max_part_header_size: header.len(),
        ..BodyLimits::default()
    };
    assert!(multipart_limits(&body, exact).is_ok());
    let one_less = BodyLimits {
        max_part_header_size: header.len() - 1,
        ..BodyLimits::default()
    };
    assert!(multipart_limits(&body, one_less).is_err());
}

#[test]
fn multipart_fields_and_files_in_order() {
    let body = crlf(concat!(
        "--AaB03x\n",
        "Content-Disposition: form-data; name=\"submit-name\"\n\nLarry\n",
        "--AaB03x\n",
        "content-disposition: form-data; name=\"files\"; filename=\"file1.txt\"\n",
        "Content-Type: text/plain\n\n... contents of file1.txt ...\n",
        "--AaB03x\n",
        "Content-Disposition: form-data; name=\"submit-name\"\n\n\n",
        "--AaB03x--\n"
    ));
    let (args, files) = parse_body(
        "multipart/form-data; boundary=AaB03x",
        &body,
        &BodyLimits::default(),
    )
    .unwrap();
    assert_eq!(
        pairs(&args),
        [("submit-name", "Larry"), ("submit-name", "")]
    );
    assert_eq!(files[0].1.content_type, "text/plain");
    assert_eq!(&files[0].1.body[..], b"... contents of file1.txt ...");
    // Zero-copy: the file body points into the request body.
    let range = body.as_ptr() as usize..body.as_ptr() as usize + body.len();
    assert!(range.contains(&(files[0].1.body.as_ptr() as usize)));
}

#[test]
fn multipart_values_keep_inner_crlf_and_dashes() {
    let body =
        crlf("--1234\nContent-Disposition: form-data; name=a\n\nline1\nline2\n--123\n\n--1234--");
    let (args, _) = multipart(&body).unwrap();
    assert_eq!(args[0].1, "line1\r\nline2\r\n--123\r\n");
}

#[test]
fn multipart_empty_filename_is_a_field() {
    let body = crlf("--1234\nContent-Disposition: form-data; name=a; filename=\"\"\n\nv\n--1234--");
    let (args, files) = multipart(&body).unwrap();
    assert_eq!(pairs(&args), [("a", "v")]);
    assert!(files.is_empty());
}

#[test]
fn multipart_invalid_utf8_field_is_bad_argument() {
    let body = Bytes::from_static(
        b"--1234\r\nContent-Disposition: form-data; name=f\r\n\r\n\xff\r\n--1234--",
    );
    assert!(matches!(
        multipart(&body),
        Err(ArgumentError::BadArgument { ref name, .. }) if name == "f"
    ));
    // ... but a file body may be any bytes.
    let body = Bytes::from_static(
        b"--1234\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n\xff\r\n--1234--",
    );
    assert_eq!(&multipart(&body).unwrap().1[0].1.body[..], b"\xff");
    // Invalid UTF-8 in a part header is a multipart error.
    let body = Bytes::from_static(
        b"--1234\r\nContent-Disposition: form-data; name=\xff\r\n\r\nv\r\n--1234--",
    );
    assert!(matches!(
        multipart(&body),
        Err(ArgumentError::InvalidMultipart(_))
    ));
}

#[test]
fn multipart_header_line_rules() {
    // Bare LF line endings in part headers are still accepted (Tornado 6.6).
    let body = Bytes::from_static(
        b"--1234\r\nContent-Type: text/x\nContent-Disposition: form-data; name=f; filename=x\r\n\r\nv\r\n--1234--",
    );
    assert_eq!(multipart(&body).unwrap().1[0].1.content_type, "text/x");
    for (headers, msg) in [
        (
            " Content-Disposition: form-data; name=a",
            "folding not supported",
        ),
        (
            "Content-Disposition: form-data; name=a\r\n folded",
            "folding not supported",
        ),
        (
            "nocolon\r\nContent-Disposition: form-data; name=a",
            "no colon",
        ),
        (
            "Content-Disposition : form-data; name=a",
            "Invalid header name",
        ),
    ] {
        let body = Bytes::from(format!("--1234\r\n{headers}\r\n\r\nv\r\n--1234--"));
        let d = detail(multipart(&body).unwrap_err());
        assert!(d.contains(msg), "{headers:?}: {d}");
    }
    // Repeated headers are joined with ',' as HTTPHeaders does.
    let body = crlf("--1234\nContent-Disposition: form-data; name=f; filename=x\nContent-Type: a\nContent-Type: b\n\nv\n--1234--");
    assert_eq!(multipart(&body).unwrap().1[0].1.content_type, "a,b");
}

#[test]
fn multipart_content_type_parsing() {
    let limits = BodyLimits::default();
    let body = crlf(AB_TXT);
    for ct in [
        "multipart/form-data;boundary=1234",
        "multipart/form-data ; charset=utf-8; boundary=1234",
        "multipart/form-data; boundary=; boundary=1234",
    ] {
        assert_eq!(parse_body(ct, &body, &limits).unwrap().1.len(), 1, "{ct}");
    }
    // Leading space: not a multipart Content-Type at all (prefix match), so nothing.
    let (a, f) = parse_body(" multipart/form-data; boundary=1234", &body, &limits).unwrap();
    assert!(a.is_empty() && f.is_empty());
    let e = parse_body("multipart/form-dataxyz; boundary=1234", &body, &limits).unwrap_err();
    assert_eq!(detail(e), "Invalid content type");
    for ct in ["multipart/form-data", "multipart/form-data; boundary="] {
        let e = parse_body(ct, &body, &limits).unwrap_err();
        assert_eq!(detail(e), "multipart boundary not found");
    }
    // A lone quote as the boundary becomes the empty boundary, as in Python.
    let b = Bytes::from_static(b"--\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n----");
    assert_eq!(
        parse_body("multipart/form-data; boundary=\"", &b, &limits)
            .unwrap()
            .0
            .len(),
        1
    );
}

#[test]
fn header_param_quirks() {
    let h = header::parse_header("form-data; foo=\"b\\\\a\\\"r\"; file*=utf-8''T%C3%A4st").unwrap();
    assert_eq!(h.key, "form-data");
    assert_eq!(h.param("foo"), Some("b\\a\"r"));
    assert_eq!(h.param("file"), Some("Täst"));
    let h = header::parse_header("form-data; NAME=<x>; Flag; b=\"\"\"\"").unwrap();
    assert_eq!(h.param("name"), Some("x"));
    assert_eq!(h.param("flag"), None);
    assert_eq!(h.param("b"), Some(""));
    let h = header::parse_header("").unwrap();
    assert_eq!(h.key, "");
}

// ---------------------------------------------------------------- robustness

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_inputs_never_panic() {
    const PIECES: &[&[u8]] = &[
        b"--1234",
        b"--1234--",
        b"\r\n",
        b"\n",
        b"\r\n\r\n",
        b"Content-Disposition: ",
        b"form-data",
        b"; ",
        b";",
        b"name=",
        b"filename=",
        b"filename*=",
        b"filename*0*=",
        b"name*1=",
        b"\"",
        b"\\",
        b"'",
        b"UTF-8''",
        b"%",
        b"%C3%A9",
        b"%FF",
        b"\xff",
        b"\xc3",
        "é".as_bytes(),
        "测".as_bytes(),
        b"Content-Type: ",
        b"x",
        b"=",
        b"&",
        b"+",
        b" ",
        b"\t",
        b"\x00",
        b"<",
        b">",
        b":",
        b"-",
    ];
    const TYPES: &[&str] = &[
        "multipart/form-data; boundary=1234",
        "multipart/form-data; boundary=\"1234\"",
        "multipart/form-data; boundary=\"",
        "multipart/form-data; boundary=-",
        "application/x-www-form-urlencoded",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let tiny = BodyLimits {
        max_parts: 3,
        max_part_header_size: 40,
        max_arguments: 5,
    };
    for i in 0..20_000 {
        let mut buf = Vec::new();
        for _ in 0..rng.below(40) {
            if rng.below(4) == 0 {
                buf.push(rng.next() as u8);
            } else {
                buf.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        let body = Bytes::from(buf.clone());
        let ct = TYPES[rng.below(TYPES.len())];
        let limits = if i % 2 == 0 {
            BodyLimits::default()
        } else {
            tiny
        };
        let _ = parse_body(ct, &body, &limits);
        if let Ok(s) = std::str::from_utf8(&buf) {
            let _ = parse_body(s, &body, &limits);
            let _ = decode_path_arg(s);
            let _ = escape_path_arg(s);
            let _ = clean_argument(s, true);
            let _ = header::parse_header(s);
        }
        let _ = parse_query(&buf);
        let _ = parse_query_with_limit(&buf, 0);
    }
}

#[test]
fn random_mutations_of_a_valid_body_never_panic() {
    let base = crlf(concat!(
        "--1234\nContent-Disposition: form-data; name=\"a\"\n\nvalue\n",
        "--1234\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%C3%A1\nContent-Type: text/plain\n\nbody\n",
        "--1234--\n"
    ))
    .to_vec();
    let mut rng = XorShift(12345);
    let mut ok = 0;
    for _ in 0..20_000 {
        let mut buf = base.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(buf.len() + 1);
            match rng.below(3) {
                0 if at < buf.len() => {
                    buf.remove(at);
                }
                1 if at < buf.len() => buf[at] = rng.next() as u8,
                _ => buf.insert(at, b"\r\n-\";=\\%*'"[rng.below(10)]),
            }
        }
        if multipart(&Bytes::from(buf)).is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 0);
}
