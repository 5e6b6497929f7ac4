//! [`StaticFileHandler`]: Tornado's handler for the files under a directory.

use std::fs::File;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use typhoon_server::IoLoop;

use super::content_type::content_type;
use super::path::{lookup, lookup_cached, Found, Lookup, Root};
use super::range::{content_range, RangePlan};
use super::version::{content_version, MAX_VERSION_CONTENT_SIZE};
use crate::error::{HttpError, Result};
use crate::etag::etag_matches;
use crate::{Handler, RequestHandler};

/// Bytes read and sent at a time: a large file is streamed, never held whole.
pub(crate) const CHUNK_SIZE: u64 = 64 * 1024;
/// `Cache-Control` age for versioned URLs (`?v=`): ten years, Tornado's `CACHE_MAX_AGE`.
const CACHE_MAX_AGE: u64 = 86400 * 365 * 10;

/// Serves the files under a directory (Tornado's `StaticFileHandler`): route it with one
/// group, the path under the root. GET and HEAD; `Etag` (the hex SHA-512 of the
/// content, which is also the `static_url` version), `Last-Modified`, `If-None-Match`
/// and `If-Modified-Since` (304), one `Range` (206, or 416), `Accept-Ranges: bytes`,
/// ten years of `Cache-Control` for versioned URLs (`?v=`), the type from the file name.
///
/// Paths leading out of the root (`..`, `%2e%2e`, absolute paths, symlinks that resolve
/// outside it) and anything but regular files are refused with 403; missing files are
/// 404. Files are read in 64 KiB chunks, each sent before the next is read, so memory
/// stays flat whatever the file's size. The shard never waits on the disk: it opens and
/// reads a file itself only while the kernel's caches hold its path and its bytes
/// (calls that fail instead of waiting, [`typhoon_server::nowait`]), and leaves the
/// rest to its blocking pool.
///
/// Setting [`Settings::static_path`](crate::Settings::static_path) adds the routes for
/// it; route it yourself for other directories.
///
/// # Examples
///
/// ```
/// use typhoon_web::{url, Application, StaticFileHandler};
///
/// let app = Application::new(vec![url(r"/files/(.*)", || {
///     StaticFileHandler::new("/srv/files").default_filename("index.html")
/// })]);
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct StaticFileHandler {
    root: Arc<Root>,
    default_filename: Option<Arc<str>>,
}

impl StaticFileHandler {
    /// Serves the files under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: Arc::new(Root::new(root.into())),
            default_filename: None,
        }
    }

    /// The file served for a directory (Tornado's `default_filename`, e.g. `index.html`);
    /// a directory asked for without its trailing `/` is then redirected to it (301).
    /// Without one, directories are refused (403).
    pub fn default_filename(mut self, name: &str) -> Self {
        self.default_filename = Some(name.into());
        self
    }

    /// GET and HEAD (Tornado's `get(path, include_body)`).
    async fn serve(&mut self, h: &mut Handler, include_body: bool) -> Result {
        let path = h.path_args().first().cloned().unwrap_or_default();
        let found = match lookup_cached(&self.root, &path) {
            Some(found) => found?,
            None => {
                let (root, default) = (self.root.clone(), self.default_filename.clone());
                let has_slash = h.request().path().ends_with('/');
                let lookup = move || lookup(root.given(), &path, default.as_deref(), has_slash);
                blocking(lookup).await??
            }
        };
        let found = match found {
            Lookup::File(found) => found,
            Lookup::AddSlash => return add_slash(h),
        };
        let cached = h.settings().static_hash_cache && !h.settings().debug;
        let version = file_version(h, &found, cached).await?;
        let modified = found
            .meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map(|d| UNIX_EPOCH + Duration::from_secs(d.as_secs()));
        self.set_headers(h, &found, version.as_deref(), modified)?;
        if should_return_304(h, modified) {
            h.set_status(304);
            h.clear_header("Content-Type");
            return Ok(());
        }
        let size = found.meta.len();
        let (start, end) = match RangePlan::of(h.request_header("Range"), size) {
            RangePlan::Whole => (0, size),
            RangePlan::Partial { start, end } => {
                h.set_status(206);
                h.set_header("Content-Range", content_range(start, end, size))?;
                (start, end)
            }
            RangePlan::Unsatisfiable => {
                h.set_status(416);
                h.set_header("Content-Type", "text/plain")?;
                h.set_header("Content-Range", format!("bytes */{size}"))?;
                return Ok(());
            }
        };
        h.set_header("Content-Length", end - start)?;
        if !include_body {
            if version.is_none() {
                // Sent now, so that no automatic ETag (of an empty body) is added.
                h.flush().await?;
            }
            return Ok(());
        }
        send_content(h, found.file, start, end).await
    }

    /// Tornado's `set_headers`.
    fn set_headers(
        &self,
        h: &mut Handler,
        found: &Found,
        version: Option<&str>,
        modified: Option<SystemTime>,
    ) -> Result<(), HttpError> {
        h.set_header("Accept-Ranges", "bytes")?;
        if let Some(version) = version {
            h.set_header("Etag", format!("\"{version}\""))?;
        }
        if let Some(modified) = modified {
            h.set_header("Last-Modified", httpdate::fmt_http_date(modified))?;
        }
        h.set_header("Content-Type", content_type(&found.path))?;
        if !h.get_arguments("v").is_empty() {
            let expires = SystemTime::now() + Duration::from_secs(CACHE_MAX_AGE);
            h.set_header("Expires", httpdate::fmt_http_date(expires))?;
            h.set_header("Cache-Control", format!("max-age={CACHE_MAX_AGE}"))?;
        }
        Ok(())
    }
}

impl RequestHandler for StaticFileHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        self.serve(h, true).await
    }

    async fn head(&mut self, h: &mut Handler) -> Result {
        self.serve(h, false).await
    }
}

/// `f` on the shard's blocking pool; a panic in it is a 500.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, HttpError> {
    IoLoop::current()
        .run_in_executor(f)
        .await
        .map_err(|e| HttpError::new(500).log(e.to_string()))
}

/// A directory asked for without its `/`: 301 to the path with it (403 for a path a
/// browser would read as another host, `//host`).
fn add_slash(h: &mut Handler) -> Result {
    let path = h.request().path();
    let cleaned: String = path
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    if cleaned.starts_with("//") {
        return Err(HttpError::new(403)
            .log("cannot redirect path with two initial slashes")
            .into());
    }
    let to = format!("{path}/");
    h.redirect_with(&to, true, None)?;
    Ok(())
}

/// The file's version, from the shard's cache or hashed on the blocking pool; `None` for
/// a file too large to hash.
async fn file_version(h: &Handler, found: &Found, cached: bool) -> Result<Option<Rc<str>>> {
    let versions = h.static_versions();
    if cached {
        if let Some(version) = versions.get(&found.path) {
            return Ok(version);
        }
    }
    let version = if found.meta.len() > MAX_VERSION_CONTENT_SIZE {
        None
    } else {
        let mut file = found.file.try_clone()?;
        let hashed = blocking(move || {
            use std::io::{Seek, SeekFrom};
            file.seek(SeekFrom::Start(0))?;
            content_version(&mut file)
        });
        hashed.await??.map(Rc::from)
    };
    if cached {
        versions.insert(found.path.clone(), version.clone());
    }
    Ok(version)
}

/// Tornado's `should_return_304`: `If-None-Match` when given, else `If-Modified-Since`
/// at or after the modification time.
fn should_return_304(h: &Handler, modified: Option<SystemTime>) -> bool {
    if let Some(wanted) = h.request_header("If-None-Match").filter(|v| !v.is_empty()) {
        return h
            .header("Etag")
            .is_some_and(|ours| etag_matches(ours, wanted));
    }
    let since = h
        .request_header("If-Modified-Since")
        .and_then(|v| httpdate::parse_http_date(v).ok());
    matches!((since, modified), (Some(since), Some(modified)) if since >= modified)
}

/// Sends bytes `start..end` of `file`: whole when it fits in one chunk, otherwise chunk
/// by chunk, each flushed before the next is read. A chunk the page cache holds is read
/// on the shard; any other on the blocking pool.
async fn send_content(h: &mut Handler, file: File, start: u64, end: u64) -> Result {
    let file = Arc::new(file);
    let mut at = start;
    while at < end {
        let want = (end - at).min(CHUNK_SIZE);
        if !h.write_in_place(want as usize, |buf| read_cached(&file, at, buf)) {
            let reader = file.clone();
            let chunk = blocking(move || read_chunk(&reader, at, want)).await??;
            h.write(&chunk);
        }
        at += want;
        // The last chunk is left for `finish`: a file of one chunk goes out whole, with
        // its Content-Length.
        if at < end && h.flush().await.is_err() {
            return Ok(()); // the client went away
        }
    }
    Ok(())
}

/// Fills `buf` with the bytes of `file` at `offset` if the page cache holds them all;
/// never waits on the disk.
fn read_cached(file: &File, offset: u64, buf: &mut [u8]) -> bool {
    let mut filled = 0;
    while filled < buf.len() {
        match typhoon_server::nowait::read_at(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) | Err(_) => return false, // not cached, or shorter than it was: the pool says
            Ok(n) => filled += n,
        }
    }
    true
}

/// `len` bytes of `file` at `offset`. Blocking.
fn read_chunk(file: &File, offset: u64, len: u64) -> Result<Vec<u8>, HttpError> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len as usize];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| HttpError::new(500).log(format!("reading a static file: {e}")))?;
    Ok(buf)
}
