//! Route rules: a regex pattern anchored as Tornado anchors it, and a handler factory.

use std::fmt;
use std::sync::Arc;

use regex::Regex;

use crate::handler::{Dispatch, RequestHandler};

type MakeHandler = Arc<dyn Fn() -> Box<dyn Dispatch> + Send + Sync>;

/// One rule of an [`Application`](crate::Application)'s route table.
#[derive(Clone)]
pub struct Route {
    pattern: String,
    regex: Regex,
    make: MakeHandler,
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Route")
            .field("pattern", &self.pattern)
            .finish_non_exhaustive()
    }
}

/// A route: requests whose path matches `pattern` are handled by a fresh handler from
/// `make` (Tornado's `url(pattern, HandlerClass)`).
///
/// As in Tornado, `$` is appended unless the pattern ends with one, and the match starts
/// at the beginning of the path (Python's `re.match`), so `r"/"` matches only `/`.
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
/// struct IndexHandler;
/// impl RequestHandler for IndexHandler {
///     async fn get(&mut self, h: &mut Handler) -> Result { h.write("good boy"); Ok(()) }
/// }
/// let route = url(r"/", || IndexHandler);
/// assert!(route.matches("/").is_some());
/// assert!(route.matches("/x").is_none());
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
    Route {
        pattern: pattern.to_owned(),
        regex,
        make: Arc::new(move || Box::new(make())),
    }
}

impl Route {
    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The captured groups if `path` matches (unmatched optional groups are empty).
    pub fn matches(&self, path: &str) -> Option<Vec<String>> {
        let caps = self.regex.captures(path)?;
        Some(
            caps.iter()
                .skip(1)
                .map(|m| m.map_or_else(String::new, |m| m.as_str().to_owned()))
                .collect(),
        )
    }

    pub(crate) fn make_handler(&self) -> Box<dyn Dispatch> {
        (self.make)()
    }
}
