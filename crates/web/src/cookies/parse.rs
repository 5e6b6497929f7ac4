//! Request `Cookie` header parsing with `tornado.httputil.parse_cookie` semantics.

use std::collections::HashMap;

/// Parses a request `Cookie` header into `(name, value)` pairs with Tornado's
/// `parse_cookie` semantics.
///
/// Like Tornado (which copies Django's browser-compatible algorithm), this does
/// not follow the cookie RFCs:
///
/// - the header is split on every `;`, even inside double quotes;
/// - a chunk without `=` is a value with an empty name;
/// - names and values are trimmed of whitespace (Python's `str.strip` set);
/// - chunks whose trimmed name and value are both empty are skipped;
/// - a value wrapped in double quotes is unquoted: `\"`, `\\`, any `\x` and
///   three-digit octal escapes `\000`–`\377` are decoded.
///
/// Tornado returns a `dict`, so a repeated name keeps the **last** value, at
/// the position where the name **first** appeared; the returned `Vec` has
/// exactly that order and no duplicate names. (Tornado's
/// `HTTPServerRequest.cookies` additionally drops names that
/// `http.cookies.Morsel` refuses, such as `/`; that filtering is not done here.)
///
/// ```
/// use typhoon_web::cookies::parse_cookie_header;
///
/// let pairs = parse_cookie_header(r#"a=b; unnamed; c="x\"y"; a=d"#);
/// assert_eq!(
///     pairs,
///     vec![
///         ("a".to_string(), "d".to_string()),
///         ("".to_string(), "unnamed".to_string()),
///         ("c".to_string(), "x\"y".to_string()),
///     ]
/// );
/// ```
pub fn parse_cookie_header(header: &str) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    // Index by name so a header with many cookies stays linear (no O(n²) scan).
    let mut index: HashMap<String, usize> = HashMap::new();
    for chunk in header.split(';') {
        let (name, value) = chunk.split_once('=').unwrap_or(("", chunk));
        let name = py_strip(name);
        let value = py_strip(value);
        if name.is_empty() && value.is_empty() {
            continue;
        }
        let value = unquote_cookie(value);
        match index.get(name) {
            Some(&i) => pairs[i].1 = value,
            None => {
                index.insert(name.to_string(), pairs.len());
                pairs.push((name.to_string(), value));
            }
        }
    }
    pairs
}

/// Python's `str.isspace`: Unicode `White_Space` plus the ASCII information
/// separators U+001C–U+001F, which Rust's `char::is_whitespace` leaves out.
fn py_is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's argument-less `str.strip()`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(py_is_space)
}

/// Tornado's `_unquote_cookie` (a copy of Python 3.13's `http.cookies._unquote`).
fn unquote_cookie(s: &str) -> String {
    let mut chars = s.chars();
    let quoted = s.chars().nth(1).is_some() // at least two characters
        && chars.next() == Some('"')
        && chars.next_back() == Some('"');
    if !quoted {
        return s.to_string();
    }
    // Both quotes are one byte, so slicing them off is on char boundaries.
    let inner = &s[1..s.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let b = after.as_bytes();
        if b.len() >= 3
            && (b'0'..=b'3').contains(&b[0])
            && (b'0'..=b'7').contains(&b[1])
            && (b'0'..=b'7').contains(&b[2])
        {
            // `\ooo` is at most 0o377, i.e. a Latin-1 code point.
            let code = (b[0] - b'0') * 64 + (b[1] - b'0') * 8 + (b[2] - b'0');
            out.push(char::from(code));
            rest = &after[3..];
            continue;
        }
        match after.chars().next() {
            // The regex's `.` does not match a newline, so `\` + newline (and a
            // trailing `\`) are left as they are.
            Some(c) if c != '\n' => {
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
            _ => {
                out.push('\\');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod unit {
    use super::*;

    fn parse(h: &str) -> Vec<(String, String)> {
        parse_cookie_header(h)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn python_cookie_cases() {
        // Ported from Tornado's ParseCookieTest.test_python_cookies.
        assert_eq!(
            parse("chips=ahoy; vienna=finger"),
            pairs(&[("chips", "ahoy"), ("vienna", "finger")])
        );
        assert_eq!(
            parse(r#"keebler="E=mc2; L=\"Loves\"; fudge=\012;""#),
            pairs(&[
                ("keebler", "\"E=mc2"),
                ("L", r#"\"Loves\""#),
                ("fudge", r"\012"),
                ("", "\""),
            ])
        );
        assert_eq!(parse("keebler=E=mc2"), pairs(&[("keebler", "E=mc2")]));
        assert_eq!(
            parse("key:term=value:term"),
            pairs(&[("key:term", "value:term")])
        );
        assert_eq!(
            parse("a=b; c=[; d=r; f=h"),
            pairs(&[("a", "b"), ("c", "["), ("d", "r"), ("f", "h")])
        );
    }

    #[test]
    fn edge_and_invalid_cases() {
        // Ported from test_cookie_edgecases and test_invalid_cookies.
        assert_eq!(
            parse("a=b; Domain=example.com"),
            pairs(&[("a", "b"), ("Domain", "example.com")])
        );
        assert_eq!(parse("a=b; h=i; a=c"), pairs(&[("a", "c"), ("h", "i")]));
        assert!(parse("abc=def; unnamed; django_language=en")
            .iter()
            .any(|(k, _)| k == "django_language"));
        assert_eq!(
            parse(r#"a=b; "; c=d"#),
            pairs(&[("a", "b"), ("", "\""), ("c", "d")])
        );
        assert_eq!(
            parse("a b c=d e = f; gh=i"),
            pairs(&[("a b c", "d e = f"), ("gh", "i")])
        );
        assert_eq!(
            parse(r#"a   b,c<>@:/[]?{}=d  "  =e,f g"#),
            pairs(&[("a   b,c<>@:/[]?{}", r#"d  "  =e,f g"#)])
        );
        assert_eq!(
            parse("saint=André Bessette"),
            pairs(&[("saint", "André Bessette")])
        );
        assert_eq!(
            parse("  =  b  ;  ;  =  ;   c  =  ;  "),
            pairs(&[("", "b"), ("c", "")])
        );
    }

    #[test]
    fn unquote_cases() {
        // Ported from test_unquote.
        let cases = [
            (r#"a="b=\"""#, "b=\""),
            (r#"a="b=\\""#, "b=\\"),
            (r#"a="b=\=""#, "b=="),
            (r#"a="b=\n""#, "b=n"),
            (r#"a="b=\042""#, "b=\""),
            (r#"a="b=\134""#, "b=\\"),
            (r#"a="b=\377""#, "b=\u{ff}"),
            (r#"a="b=\400""#, "b=400"),
            (r#"a="b=\42""#, "b=42"),
            (r#"a="b=\\042""#, "b=\\042"),
            (r#"a="b=\\134""#, "b=\\134"),
            (r#"a="b=\\\"""#, "b=\\\""),
            (r#"a="b=\\\042""#, "b=\\\""),
            (r#"a="b=\134\"""#, "b=\\\""),
            (r#"a="b=\134\042""#, "b=\\\""),
        ];
        for (encoded, decoded) in cases {
            assert_eq!(parse(encoded), pairs(&[("a", decoded)]), "{encoded}");
        }
    }

    #[test]
    fn get_cookie_cases() {
        // Ported from CookieTest.test_get_cookie / test_cookie_special_char.
        let data = [
            ("foo=bar", "bar"),
            ("foo=\"bar\"", "bar"),
            ("foo=a=b", "a=b"),
            ("foo=\"a=b\"", "a=b"),
            ("foo=\"a;b\"", "\"a"),
            ("foo=a\\073b", "a\\073b"),
            ("foo=\"a\\073b\"", "a;b"),
            ("foo=\"a\\\"b\"", "a\"b"),
        ];
        for (header, expected) in data {
            let got = parse(header);
            assert_eq!(
                got[0],
                ("foo".to_string(), expected.to_string()),
                "{header}"
            );
        }
    }

    #[test]
    fn unquote_large_is_linear() {
        // Adapted from test_unquote_large: 100k escapes must not be quadratic.
        let n = 100_000;
        let header = format!("a=\"{}\"", "\\\"".repeat(n));
        let got = parse(&header);
        assert_eq!(got[0].1.len(), n);
        let many: String = (0..20_000).map(|i| format!("k{i}=v; ")).collect();
        assert_eq!(parse(&many).len(), 20_000);
    }

    #[test]
    fn whitespace_matches_python() {
        assert_eq!(py_strip("\u{1c}\u{1f} a \u{a0}\u{3000}"), "a");
        assert_eq!(py_strip("\u{180e}a"), "\u{180e}a");
    }
}
