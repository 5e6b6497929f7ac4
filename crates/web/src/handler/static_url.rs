//! `Handler::static_url`: the URL of a static file with its version (Tornado's
//! `static_url`), the version cached per shard.

use super::Handler;
use crate::static_files::{absolute_path, version_of_path, StaticVersions};

impl Handler {
    /// The URL of static file `path`: `static_url_prefix + path + "?v=" + version`, the
    /// version being the hex SHA-512 of the file (Tornado's `static_url`). Computed the
    /// first time on each shard and kept (unless `static_hash_cache` is off or `debug`
    /// is on); the first call for a file reads it on the shard, as Tornado does, so use
    /// it for the application's own assets, never with a path from the request. A file
    /// that cannot be read, is larger than 64 MiB, or lies outside `static_path` gets no
    /// `?v=` (and the error is logged). Without `static_path`, the prefix and path only.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let css = h.static_url("css/site.css"); // "/static/css/site.css?v=9b71d2…"
    ///     h.write(format!(r#"<link rel="stylesheet" href="{css}">"#));
    ///     Ok(())
    /// }
    /// ```
    pub fn static_url(&mut self, path: &str) -> String {
        self.static_url_with(path, true)
    }

    /// [`static_url`](Self::static_url), without the `?v=` when `include_version` is
    /// false (Tornado's `include_version`).
    pub fn static_url_with(&mut self, path: &str, include_version: bool) -> String {
        let settings = &self.app.settings;
        let url = format!("{}{path}", settings.static_url_prefix);
        if !include_version {
            return url;
        }
        let Some(root) = &settings.static_path else {
            return url;
        };
        let file = match absolute_path(root, path) {
            Ok(file) => file,
            Err(err) => {
                log::error!("static_url({path:?}): {err}");
                return url;
            }
        };
        let cached = settings.static_hash_cache && !settings.debug;
        let version = match self.app.static_versions.get(&file).filter(|_| cached) {
            Some(version) => version,
            None => {
                let version = version_of_path(&file).map(std::rc::Rc::from);
                if cached {
                    self.app.static_versions.insert(file, version.clone());
                }
                version
            }
        };
        match version {
            Some(version) => format!("{url}?v={version}"),
            None => url,
        }
    }

    /// The shard's cache of static file versions.
    pub(crate) fn static_versions(&self) -> &StaticVersions {
        &self.app.static_versions
    }
}
