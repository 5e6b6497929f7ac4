//! [`RedirectHandler`]: Tornado's handler that redirects to a URL built from the path.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::{HttpError, Result};
use crate::{Handler, RequestHandler};

/// What Python's `quote_plus` leaves as is: letters, digits and `_.-~`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Redirects GET requests to `url` (Tornado's `RedirectHandler`): 301 by default, 302
/// when not [`permanent`](Self::permanent). `{0}`, `{1}`… in `url` take the route's
/// positional groups, `{name}` its named ones (Python's `str.format`, `{{`/`}}` for
/// braces), and the request's query arguments are added to the URL's own, as in
/// Tornado 6.
///
/// As in Tornado 6.6, what a group puts in the URL cannot change its scheme or host:
/// `/{0}/b` with `/example.com` captured would send the browser to `//example.com/b`,
/// so that request gets a 400 instead.
///
/// # Examples
///
/// ```
/// use typhoon_web::{url, Application, RedirectHandler};
///
/// let app = Application::new(vec![
///     url(r"/old", || RedirectHandler::new("/new")),
///     url(r"/pictures/(.*)", || RedirectHandler::new("/photos/{0}")),
///     url(r"/go/(?P<page>\w+)", || RedirectHandler::new("/pages/{page}").permanent(false)),
/// ]);
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct RedirectHandler {
    url: String,
    permanent: bool,
}

impl RedirectHandler {
    /// Redirects to `url`, permanently (301).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            permanent: true,
        }
    }

    /// 301 when `permanent` (the default), 302 otherwise.
    pub fn permanent(mut self, permanent: bool) -> Self {
        self.permanent = permanent;
        self
    }
}

impl RequestHandler for RedirectHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let (mut to, prefix, substituted) = format_url(&self.url, h)?;
        if !h.query_arguments().is_empty() {
            to = url_concat(&to, h.query_arguments());
        }
        let (scheme, netloc) = scheme_and_netloc(&prefix);
        let unchanged = scheme_and_netloc(&to) == (scheme.clone(), netloc.clone())
            && !(substituted && (scheme == "http" || scheme == "https") && netloc.is_empty());
        if !unchanged {
            return Err(HttpError::new(400)
                .log("Redirect URL cannot change the scheme or netloc")
                .into());
        }
        if to.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
            return Err(HttpError::new(400)
                .log("Redirect URL contains invalid characters")
                .into());
        }
        h.redirect_with(&to, self.permanent, None)?;
        Ok(())
    }
}

/// `template` with the route's groups put in (`str.format`), the literal text before
/// the first substitution, and whether there was one.
///
/// # Errors
///
/// 500 for a group the route does not have or a stray brace, as Python's `IndexError`,
/// `KeyError` and `ValueError` would be.
fn format_url(template: &str, h: &Handler) -> Result<(String, String, bool), HttpError> {
    let bad = |why: &str| HttpError::new(500).log(format!("RedirectHandler url {template:?}: {why}"));
    let mut out = String::with_capacity(template.len());
    let mut prefix = None;
    let mut auto = 0;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(bad("single '}'")),
            '{' => {
                prefix.get_or_insert_with(|| out.clone());
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => return Err(bad("unclosed '{'")),
                    }
                }
                // A conversion (`!r`) or format spec (`:>5`) is not for URLs: dropped.
                let name = field.split(['!', ':']).next().unwrap_or("");
                let value = if name.is_empty() {
                    auto += 1;
                    h.path_args().get(auto - 1).cloned()
                } else if let Ok(i) = name.parse::<usize>() {
                    h.path_args().get(i).cloned()
                } else {
                    h.path_kwarg(name).map(str::to_owned)
                };
                out.push_str(&value.ok_or_else(|| bad(&format!("no group {name:?}")))?);
            }
            c => out.push(c),
        }
    }
    let substituted = prefix.is_some();
    let prefix = prefix.unwrap_or_else(|| out.clone());
    Ok((out, prefix, substituted))
}

/// `url` with `args` added to its query, the whole query encoded again (Tornado's
/// `url_concat`, Python's `urlencode`).
fn url_concat(url: &str, args: &[(String, String)]) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    pairs.extend(args.iter().cloned());
    let encode = |s: &str| utf8_percent_encode(s, QUERY_VALUE).to_string().replace("%20", "+");
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    let mut out = base.to_owned();
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// The scheme and host part a browser would see in `url`, lowercased (Tornado's
/// `_scheme_and_netloc`: control characters and spaces trimmed, tabs and newlines
/// removed, `\` read as `/`, any run of leading slashes as two).
fn scheme_and_netloc(url: &str) -> (String, String) {
    let url: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(i) = rest.find(':') {
        let candidate = &rest[..i];
        let valid = candidate.starts_with(|c: char| c.is_ascii_alphabetic())
            && candidate
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
    }
    let mut netloc = String::new();
    if scheme.is_empty() && rest.starts_with("//") {
        rest = rest.trim_start_matches('/');
        netloc = take_netloc(rest);
    } else if rest.starts_with("//") {
        netloc = take_netloc(&rest[2..]);
    }
    (scheme, netloc.to_ascii_lowercase())
}

fn take_netloc(rest: &str) -> String {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_encodes_as_python() {
        let args = vec![("q".to_owned(), "a b&c".to_owned())];
        assert_eq!(url_concat("/new", &args), "/new?q=a+b%26c");
        assert_eq!(url_concat("/new?x=1#top", &args), "/new?x=1&q=a+b%26c#top");
        assert_eq!(url_concat("/n?e", &[]), "/n?e=");
    }

    #[test]
    fn scheme_and_netloc_as_a_browser() {
        let rows = [
            ("/a/b", ("", "")),
            ("//Example.com/b", ("", "example.com")),
            ("///example.com/b", ("", "example.com")),
            ("/\\example.com", ("", "example.com")),
            ("https://Host:8/x", ("https", "host:8")),
            ("https:///host", ("https", "")),
            (" \t//evil", ("", "evil")),
        ];
        for (url, (scheme, netloc)) in rows {
            assert_eq!(
                scheme_and_netloc(url),
                (scheme.to_owned(), netloc.to_owned()),
                "{url}"
            );
        }
    }
}
