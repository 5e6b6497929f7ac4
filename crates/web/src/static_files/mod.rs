//! Static files: [`StaticFileHandler`], the routes the `static_path` setting adds, and
//! the versions behind [`Handler::static_url`](crate::Handler::static_url).
//!
//! # Layout
//! - `handler`: [`StaticFileHandler`] — headers, 304s, ranges, streaming.
//! - `path`: from URL path to an open file, with the traversal and symlink checks.
//! - `range`: the `Range` header, pure.
//! - `version`: the content hash and a shard's cache of versions.
//! - `content_type`: the type from the file name.

mod content_type;
mod handler;
mod path;
mod range;
mod version;

pub use handler::StaticFileHandler;
pub(crate) use path::absolute_path;
pub(crate) use version::{version_of_path, StaticVersions};

use crate::route::{url, Route};
use crate::{RequestHandler, Settings};

/// The routes Tornado adds when `static_path` is set, in its order: the prefix with a
/// group, `/favicon.ico` and `/robots.txt`, each served by `make(StaticFileHandler)`;
/// none without `static_path`.
pub(crate) fn static_routes<H, F>(settings: &Settings, make: F) -> Vec<Route>
where
    H: RequestHandler,
    F: Fn(StaticFileHandler) -> H + Clone + Send + Sync + 'static,
{
    let Some(root) = &settings.static_path else {
        return Vec::new();
    };
    let handler = StaticFileHandler::new(root.clone());
    let handler = match &settings.static_default_filename {
        Some(name) => handler.default_filename(name),
        None => handler,
    };
    let prefix = format!("{}(.*)", regex::escape(&settings.static_url_prefix));
    [prefix.as_str(), r"/(favicon\.ico)", r"/(robots\.txt)"]
        .into_iter()
        .map(|pattern| {
            let (handler, make) = (handler.clone(), make.clone());
            url(pattern, move || make(handler.clone()))
        })
        .collect()
}
