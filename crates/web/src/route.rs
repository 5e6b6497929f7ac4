//! Route rules: a regex pattern anchored as Tornado anchors it, a handler factory, an
//! optional name for `reverse_url`.

use std::fmt;
use std::sync::Arc;

use regex::Regex;

use crate::arguments::escape_path_arg;
use crate::lifecycle::{Dispatch, RequestHandler};

type MakeHandler = Arc<dyn Fn() -> Box<dyn Dispatch> + Send + Sync>;

/// One rule of an [`Application`](crate::Application)'s route table.
#[derive(Clone)]
pub struct Route {
    pattern: String,
    regex: Regex,
    /// The whole pattern when it has no regex syntax (`/hello`): matched by comparison,
    /// without running the regex.
    literal: Option<String>,
    make: MakeHandler,
    name: Option<String>,
    /// The handler streams request bodies (`RequestHandler::STREAM_REQUEST_BODY`).
    streams: bool,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("pattern", &self.pattern)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A route: requests whose path matches `pattern` are handled by a fresh handler from
/// `make` (Tornado's `url(pattern, HandlerClass, kwargs)`: the closure plays
/// `initialize(**kwargs)`, capturing whatever the handler needs).
///
/// As in Tornado, `$` is appended unless the pattern ends with one, and the match starts
/// at the beginning of the raw, still percent-encoded path. Positional groups become
/// `path_args`, named groups `path_kwargs`.
///
/// # Panics
///
/// If `pattern` is not a valid regular expression: a programming error, reported when the
/// application is built, with the pattern in the message.
///
/// # Examples
///
/// ```
/// use typhoon_web::{url, Handler, RequestHandler, Result};
///
/// struct UserHandler { greeting: &'static str }
/// impl RequestHandler for UserHandler {
///     async fn get(&mut self, h: &mut Handler) -> Result {
///         let id = h.path_args()[0].clone();
///         h.write(format!("{} {id}", self.greeting));
///         Ok(())
///     }
/// }
/// let route = url(r"/user/(\d+)", || UserHandler { greeting: "hi" }).name("user");
/// assert!(route.captures("/user/42").is_some());
/// assert!(route.captures("/user/x").is_none());
/// assert_eq!(route.reverse(&["42"]).as_deref(), Some("/user/42"));
/// ```
pub fn url<H, F>(pattern: &str, make: F) -> Route
where
    H: RequestHandler,
    F: Fn() -> H + Send + Sync + 'static,
{
    let anchored = if pattern.ends_with('$') {
        pattern.to_owned()
    } else {
        format!("{pattern}$")
    };
    let regex = Regex::new(&format!(r"\A(?:{anchored})"))
        .unwrap_or_else(|e| panic!("invalid route pattern {pattern:?}: {e}"));
    let bare = pattern.strip_suffix('$').unwrap_or(pattern);
    const SYNTAX: [char; 14] = [
        '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
    ];
    let literal = (!bare.contains(SYNTAX)).then(|| bare.to_owned());
    Route {
        pattern: pattern.to_owned(),
        regex,
        literal,
        make: Arc::new(move || Box::new(make())),
        name: None,
        streams: H::STREAM_REQUEST_BODY,
    }
}

/// What a matching path captured.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Captures {
    /// Positional groups, in order (an unmatched optional group is empty).
    pub args: Vec<String>,
    /// Named groups.
    pub kwargs: Vec<(String, String)>,
}

impl Route {
    /// Names the route for [`Handler::reverse_url`](crate::Handler::reverse_url).
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the route's handler takes request bodies as they arrive.
    pub(crate) fn streams_body(&self) -> bool {
        self.streams
    }

    pub(crate) fn route_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What `path` captures, if it matches. As in Tornado, named groups go to `kwargs`
    /// and, when there are any, positional groups are not passed.
    pub fn captures(&self, path: &str) -> Option<Captures> {
        if let Some(literal) = &self.literal {
            return (path == literal).then(Captures::default);
        }
        if self.regex.captures_len() == 1 {
            // No groups: a match test allocates nothing.
            return self.regex.is_match(path).then(Captures::default);
        }
        let caps = self.regex.captures(path)?;
        let mut out = Captures::default();
        let named: Vec<&str> = self.regex.capture_names().flatten().collect();
        if named.is_empty() {
            out.args = caps
                .iter()
                .skip(1)
                .map(|m| m.map_or_else(String::new, |m| m.as_str().to_owned()))
                .collect();
        } else {
            for name in named {
                if let Some(m) = caps.name(name) {
                    out.kwargs.push((name.to_owned(), m.as_str().to_owned()));
                }
            }
        }
        Some(out)
    }

    /// The path with `args` put in the groups, each escaped (Tornado's `reverse`); `None`
    /// when the pattern cannot be reversed (nested groups, regex syntax outside groups)
    /// or the count differs.
    pub fn reverse(&self, args: &[&str]) -> Option<String> {
        let pieces = reverse_template(&self.pattern)?;
        let groups = pieces.iter().filter(|p| p.is_none()).count();
        if groups != args.len() {
            return None;
        }
        let mut args = args.iter();
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Some(text) => out.push_str(&text),
                None => out.push_str(&escape_path_arg(args.next()?)),
            }
        }
        Some(out)
    }

    pub(crate) fn make_handler(&self) -> Box<dyn Dispatch> {
        (self.make)()
    }
}

/// Splits a pattern into literal text (`Some`) and group slots (`None`), as Tornado's
/// `_find_groups`: anchors dropped, `\`-escaped punctuation unescaped; nested groups or
/// escapes like `\d` outside groups make it irreversible.
fn reverse_template(pattern: &str) -> Option<Vec<Option<String>>> {
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    let pattern = pattern.strip_suffix('$').unwrap_or(pattern);
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                let mut depth = 1;
                let mut escaped = false;
                for c in chars.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '(' => return None,
                        ')' => {
                            depth -= 1;
                            break;
                        }
                        _ => {}
                    }
                }
                if depth != 0 {
                    return None;
                }
                pieces.push(Some(std::mem::take(&mut text)));
                pieces.push(None);
            }
            '\\' => match chars.next() {
                Some(e) if !e.is_ascii_alphanumeric() => text.push(e),
                _ => return None,
            },
            ')' => return None,
            c => text.push(c),
        }
    }
    pieces.push(Some(text));
    Some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Handler, Result};

    struct Nop;
    impl RequestHandler for Nop {
        async fn get(&mut self, _h: &mut Handler) -> Result {
            Ok(())
        }
    }

    #[test]
    fn anchored_like_tornado() {
        let r = url(r"/", || Nop);
        assert!(r.captures("/").is_some());
        assert!(r.captures("/x").is_none());
        assert!(r.captures("x/").is_none());
        // Exactly Tornado's `re.match(pattern + "$")`: the `$` binds to the last branch.
        let alt = url(r"/a|/b", || Nop);
        assert!(alt.captures("/b").is_some());
        assert!(
            alt.captures("/ab").is_some(),
            "as in Tornado, only the last branch is anchored"
        );
        assert!(alt.captures("/bc").is_none());
    }

    #[test]
    fn literal_patterns_compare_exactly() {
        let r = url(r"/hello", || Nop);
        assert!(r.literal.is_some());
        assert!(r.captures("/hello").is_some());
        assert!(r.captures("/hello/").is_none());
        assert!(r.captures("/hell").is_none());
        assert!(
            url(r"/a.b", || Nop).literal.is_none(),
            "`.` is regex syntax"
        );
        assert!(url(r"/x$", || Nop).captures("/x").is_some());
    }

    #[test]
    fn named_groups_become_kwargs() {
        let r = url(r"/post/(?P<slug>[a-z0-9-]+)", || Nop);
        let caps = r.captures("/post/hello-1").unwrap_or_default();
        assert_eq!(caps.kwargs, vec![("slug".to_owned(), "hello-1".to_owned())]);
        assert!(caps.args.is_empty());
    }

    #[test]
    fn reverse_escapes_and_checks_counts() {
        let r = url(r"/p/([^/]+)/(\d+)", || Nop);
        assert_eq!(r.reverse(&["x y", "5"]).as_deref(), Some("/p/x%20y/5"));
        assert_eq!(r.reverse(&["x"]), None);
        assert_eq!(
            url(r"/a\.b/(\d+)$", || Nop).reverse(&["1"]).as_deref(),
            Some("/a.b/1")
        );
        assert_eq!(
            url(r"/a/((x)|y)", || Nop).reverse(&["1"]),
            None,
            "nested groups"
        );
        assert_eq!(
            url(r"/\d+/(x)", || Nop).reverse(&["1"]),
            None,
            "regex outside groups"
        );
    }
}
