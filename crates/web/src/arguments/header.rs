//! Multipart part headers: Tornado's `HTTPHeaders.parse` (multipart mode) and `_parse_header` with RFC 2231 decoding.

use super::text::py_strip;

/// Header lines of one part, in order. Lookups are ASCII case-insensitive
/// and join repeated headers with `,` (Tornado's `HTTPHeaders.get`).
pub(crate) struct PartHeaders(Vec<(String, String)>);

impl PartHeaders {
    /// Parses a part's header block (already UTF-8) like
    /// `HTTPHeaders.parse(text, _chars_are_bytes=False)` in Tornado 6.6.1:
    /// lines split on LF with an optional CR before it, blank lines skipped,
    /// no folding, `name: value` with a token name and a value free of
    /// control characters other than tab.
    pub(crate) fn parse(text: &str) -> Result<PartHeaders, String> {
        let mut headers = Vec::new();
        let mut lines = text.split('\n').peekable();
        while let Some(raw) = lines.next() {
            // A line followed by LF may end in CR (part of the terminator); the
            // last line has no LF, so a trailing CR there is content.
            let line = match lines.peek() {
                Some(_) => raw.strip_suffix('\r').unwrap_or(raw),
                None => raw,
            };
            if line.is_empty() {
                continue;
            }
            if line.starts_with([' ', '\t']) {
                return Err(
                    "header line cannot start with whitespace, folding not supported".into(),
                );
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err("no colon in header line".into());
            };
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(format!("Invalid header name {name:?}"));
            }
            let value = value.trim_matches([' ', '\t']);
            if value
                .chars()
                .any(|c| matches!(c, '\x00'..='\x08' | '\x0a'..='\x1f' | '\x7f'))
            {
                return Err(format!("Invalid header value {value:?}"));
            }
            headers.push((name.to_string(), value.to_string()));
        }
        Ok(PartHeaders(headers))
    }

    /// The combined value of `name` (repeated lines joined with `,`), if present.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for (n, v) in &self.0 {
            if n.eq_ignore_ascii_case(name) {
                match &mut found {
                    Some(acc) => {
                        acc.push(',');
                        acc.push_str(v);
                    }
                    None => found = Some(v.clone()),
                }
            }
        }
        found
    }
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A parsed `Content-Disposition`-like header: the main value and its
/// parameters (later duplicates win on lookup, as with a Python dict).
pub(crate) struct ParsedHeader {
    pub(crate) key: String,
    params: Vec<(String, String)>,
}

impl ParsedHeader {
    /// The value of parameter `name` (lower-case), if present.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Tornado's `_parse_header`: splits on `;` outside quotes, lower-cases
/// parameter names, keeps only `name=value` parameters, unquotes values and
/// decodes RFC 2231 (`name*=charset'lang'%XX`, continuations `name*0`, …)
/// through the same steps as Python's `email.utils.decode_params` and
/// `collapse_rfc2231_value`, then strips one more pair of surrounding quotes.
///
/// Errors only where Python raises: mixing `name*` with numbered
/// continuations `name*N` of the same parameter (unorderable in Python).
pub(crate) fn parse_header(line: &str) -> Result<ParsedHeader, String> {
    let s = format!(";{line}");
    let pieces = parse_params(&s);
    let mut pieces = pieces.into_iter();
    let key = pieces.next().unwrap_or_default().to_string();

    let mut params: Vec<(String, String)> = Vec::new();
    // (name, [(continuation number, value, encoded)]) in order of first appearance.
    let mut rfc2231: Vec<(String, Vec<Segment>)> = Vec::new();
    for p in pieces {
        let Some(i) = p.find('=') else { continue };
        let name = py_strip(&p[..i]).to_lowercase();
        let value = email_unquote(py_strip(&p[i + 1..]));
        let encoded = name.ends_with('*');
        if let Some((base, num)) = rfc2231_continuation(&name) {
            let entry = match rfc2231.iter_mut().position(|(n, _)| n == base) {
                Some(idx) => &mut rfc2231[idx].1,
                None => {
                    rfc2231.push((base.to_string(), Vec::new()));
                    &mut rfc2231.last_mut().expect("just pushed").1
                }
            };
            entry.push((num, value, encoded));
        } else {
            // decode_params stores '"' + quote(v) + '"'; collapse then unquotes it.
            let v = email_unquote(&format!("\"{}\"", email_quote(&value)));
            params.push((name, v));
        }
    }
    for (name, mut segments) in rfc2231 {
        let numbered = segments.iter().filter(|s| s.0.is_some()).count();
        if numbered != 0 && numbered != segments.len() {
            return Err(format!(
                "'<' not supported between RFC 2231 continuations of {name:?}"
            ));
        }
        segments.sort();
        let mut joined = String::new();
        let mut extended = false;
        for (_, s, encoded) in segments {
            if encoded {
                joined.push_str(&unquote_latin1(&s));
                extended = true;
            } else {
                joined.push_str(&s);
            }
        }
        let quoted = email_quote(&joined);
        let value = if extended {
            let mut parts = quoted.splitn(3, '\'');
            let (charset, text) = match (parts.next(), parts.next(), parts.next()) {
                (Some(charset), Some(_lang), Some(text)) => (charset, text),
                _ => ("us-ascii", quoted.as_str()),
            };
            collapse_extended(charset, &format!("\"{text}\""))
        } else {
            email_unquote(&format!("\"{quoted}\""))
        };
        params.push((name, value));
    }
    for (_, v) in params.iter_mut() {
        if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
            *v = v[1..v.len() - 1].to_string();
        }
    }
    Ok(ParsedHeader { key, params })
}

/// One RFC 2231 segment: continuation number, value, percent-encoded flag.
/// Sorted like Python's tuples.
type Segment = (Option<Num>, String, bool);

/// A continuation number, ordered numerically without overflow
/// (leading zeros stripped, then by length, then by digits).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Num(usize, String);

/// Python's `rfc2231_continuation` regex `^(\w+)\*(([0-9]+)\*?)?$` (ASCII):
/// returns the base name and the continuation number, if any.
fn rfc2231_continuation(name: &str) -> Option<(&str, Option<Num>)> {
    let star = name.find('*')?;
    let base = &name[..star];
    if base.is_empty() || !base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let rest = &name[star + 1..];
    if rest.is_empty() {
        return Some((base, None));
    }
    let digits = rest.strip_suffix('*').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let trimmed = digits.trim_start_matches('0');
    Some((base, Some(Num(trimmed.len(), trimmed.to_string()))))
}

/// Tornado's `_parseparam` over `s` (which starts with `;`): splits on
/// semicolons, treating a semicolon as part of a parameter while the count
/// of `"` minus the count of `\"` seen so far is odd. This mirrors the
/// scanning order of the Python code (including its alternating indices)
/// so that odd inputs split identically.
fn parse_params(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let n = b.len() as isize;
    let find = |from: isize| -> isize {
        if from < 0 || from > n {
            return -1;
        }
        memchr::memchr(b';', &b[from as usize..]).map_or(-1, |i| from + i as isize)
    };
    // Python's s.count(sub, start, end) for sub = '"' and '\\"'.
    let count = |start: isize, end: isize| -> isize {
        let norm = |i: isize| if i < 0 { (i + n).max(0) } else { i.min(n) };
        let (start, end) = (norm(start), norm(end));
        if start >= end {
            return 0;
        }
        let seg = &b[start as usize..end as usize];
        let quotes = memchr::memchr_iter(b'"', seg).count() as isize;
        let escaped = seg.windows(2).filter(|w| w == b"\\\"").count() as isize;
        quotes - escaped
    };
    let mut out = Vec::new();
    let mut start: isize = 0;
    while find(start) == start {
        start += 1;
        let mut end = find(start);
        let (mut ind, mut diff) = (start, 0isize);
        while end > 0 {
            diff += count(ind, end);
            if diff % 2 == 0 {
                break;
            }
            let next = find(end + 1);
            end = ind;
            ind = next;
        }
        if end < 0 {
            end = n;
        }
        out.push(py_strip(&s[start as usize..end as usize]));
        start = end;
    }
    out
}

/// `email.utils.unquote`: strips one pair of `"…"` (then replaces `\\` with
/// `\` and `\"` with `"`, in two passes) or one pair of `<…>`.
fn email_unquote(s: &str) -> String {
    if s.len() > 1 {
        if s.starts_with('"') && s.ends_with('"') {
            return s[1..s.len() - 1]
                .replace("\\\\", "\\")
                .replace("\\\"", "\"");
        }
        if s.starts_with('<') && s.ends_with('>') {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

/// `email.utils.quote`: `\` → `\\`, `"` → `\"`.
fn email_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `urllib.parse.unquote(s, encoding="latin-1")`: `%XX` becomes the
/// character U+00XX; anything else stays.
fn unquote_latin1(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() {
            let v = hex(b[i + 1]).unwrap_or(0) * 16 + hex(b[i + 2]).unwrap_or(0);
            out.push(char::from(v));
            i += 3;
        } else {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Which Python codec a charset name selects, for the codecs we decode.
enum Charset {
    Utf8,
    Latin1,
    Ascii,
}

/// Python's codec lookup for the common charsets: names are normalised
/// (lower case, runs of other punctuation → `_`) and matched against the
/// aliases Python registers. Charsets outside this set are treated as
/// unknown (Python knows more codecs, e.g. cp1252; this is a documented gap).
fn lookup_charset(name: &str) -> Option<Charset> {
    let mut norm = String::new();
    let mut pending = false;
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if pending && !norm.is_empty() {
                norm.push('_');
            }
            pending = false;
            norm.push(c.to_ascii_lowercase());
        } else {
            pending = true;
        }
    }
    match norm.as_str() {
        "utf_8" | "utf8" | "u8" | "utf" | "utf8_ucs2" | "utf8_ucs4" | "cp65001" => {
            Some(Charset::Utf8)
        }
        "latin_1" | "latin1" | "latin" | "l1" | "iso_8859_1" | "iso8859_1" | "8859" | "cp819"
        | "iso_ir_100" | "csisolatin1" | "iso_8859_1_1987" | "iso8859" => Some(Charset::Latin1),
        "ascii" | "us_ascii" | "646" | "us" | "ansi_x3.4_1968" | "ansi_x3_4_1968"
        | "ansi_x3.4_1986" | "cp367" | "csascii" | "ibm367" | "iso646_us" | "iso_646.irv_1991"
        | "iso_ir_6" => Some(Charset::Ascii),
        _ => None,
    }
}

/// `collapse_rfc2231_value` for an extended value: the text's characters
/// become bytes (`raw-unicode-escape`: U+0000–U+00FF as themselves, others
/// as `\u` + 4 or `\U` + 8 hex digits), which are decoded with the charset and
/// `errors="replace"`; an unknown charset gives `email_unquote(text)`.
fn collapse_extended(charset: &str, text: &str) -> String {
    let Some(cs) = lookup_charset(charset) else {
        return email_unquote(text);
    };
    let mut raw = Vec::with_capacity(text.len());
    for c in text.chars() {
        let cp = c as u32;
        if cp < 0x100 {
            raw.push(cp as u8);
        } else if cp < 0x10000 {
            raw.extend_from_slice(format!("\\u{cp:04x}").as_bytes());
        } else {
            raw.extend_from_slice(format!("\\U{cp:08x}").as_bytes());
        }
    }
    match cs {
        Charset::Utf8 => String::from_utf8_lossy(&raw).into_owned(),
        Charset::Latin1 => super::text::latin1(&raw),
        Charset::Ascii => raw
            .iter()
            .map(|&b| if b < 0x80 { char::from(b) } else { '\u{fffd}' })
            .collect(),
    }
}
