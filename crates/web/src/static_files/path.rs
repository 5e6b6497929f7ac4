//! Where a static URL path leads on disk, with Tornado's checks: nothing outside the root,
//! as written or through symlinks; only regular files.

use std::borrow::Cow;
use std::fs::{File, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::HttpError;

/// A static file found and opened.
#[derive(Debug)]
pub(crate) struct Found {
    /// The path as written under the root (the key of the version cache).
    pub path: PathBuf,
    pub file: File,
    pub meta: Metadata,
}

/// What a static URL path leads to.
#[derive(Debug)]
pub(crate) enum Lookup {
    File(Box<Found>),
    /// A directory asked for without its trailing `/`, with a default file: redirect.
    AddSlash,
}

/// `root` joined with `path` and normalized without touching the disk (Python's
/// `os.path.abspath(os.path.join(root, path))`), or 403 if that leaves `root` as
/// written: `..`, an absolute `path`.
///
/// # Errors
///
/// 403 for a path outside the root.
pub(crate) fn absolute_path(root: &Path, path: &str) -> Result<PathBuf, HttpError> {
    let root = absolute_root(root);
    let joined = normalize(&root.join(path));
    if !joined.starts_with(&root) || path.contains('\0') {
        return Err(HttpError::new(403).log(format!("{path} is not in root static directory")));
    }
    Ok(joined)
}

/// `root` made absolute (against the working directory) and normalized.
fn absolute_root(root: &Path) -> PathBuf {
    normalize(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()))
}

/// Lexical normalization: `.` dropped, `..` pops (never above `/`).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Finds and opens the file `path` (from the URL, percent-decoded) names under `root`:
/// Tornado's `get_absolute_path` and `validate_absolute_path`. Blocking: run it on the
/// blocking pool.
///
/// # Errors
///
/// 403 outside the root (as written or resolved through symlinks) or for anything but a
/// regular file (a directory without `default_filename`, a device, a FIFO); 404 when
/// nothing is there.
pub(crate) fn lookup(
    root: &Path,
    path: &str,
    default_filename: Option<&str>,
    url_has_slash: bool,
) -> Result<Lookup, HttpError> {
    let written = absolute_path(root, path)?;
    let real_root = root.canonicalize().map_err(not_found)?;
    let mut real = resolve(&written, &real_root, path)?;
    let mut written = written;
    if let Some(default) = default_filename {
        if real.is_dir() {
            if !url_has_slash {
                return Ok(Lookup::AddSlash);
            }
            written.push(default);
            real = resolve(&real.join(default), &real_root, path)?;
        }
    }
    // Opened first, then checked through the descriptor: what is checked is what is read.
    let file = File::open(&real).map_err(not_found)?;
    let meta = file.metadata().map_err(not_found)?;
    if !meta.is_file() {
        return Err(HttpError::new(403).log(format!("{path} is not a file")));
    }
    Ok(Lookup::File(Box::new(Found {
        path: written,
        file,
        meta,
    })))
}

/// A static directory as configured, and normalized once when it is absolute (a
/// relative one is resolved against the working directory at each request, as in
/// Tornado).
#[derive(Debug)]
pub(crate) struct Root {
    given: PathBuf,
    normalized: Option<PathBuf>,
}

impl Root {
    pub fn new(given: PathBuf) -> Self {
        // An absolute root does not depend on the working directory: made once.
        let normalized = given.is_absolute().then(|| absolute_root(&given));
        Self { given, normalized }
    }

    /// The directory as configured.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// The absolute, normalized directory.
    fn normalized(&self) -> Cow<'_, Path> {
        match &self.normalized {
            Some(root) => Cow::Borrowed(root),
            None => Cow::Owned(absolute_root(&self.given)),
        }
    }
}

/// [`lookup`] for the common cases, without waiting on the disk, so that the shard may
/// call it: a regular file whose path the kernel has cached and that stays under the
/// root (through symlinks too), or nothing there. `None` where only `lookup` can tell:
/// a path not cached, a directory, a symlink leading out (or out and back in), a `..`
/// on the way, anything but a regular file; run `lookup` on the blocking pool then,
/// which answers those as before.
///
/// # Errors
///
/// As [`lookup`]: 403 outside the root as written, 404 when nothing is there.
pub(crate) fn lookup_cached(root: &Root, path: &str) -> Option<Result<Lookup, HttpError>> {
    let root = root.normalized();
    // A plain path (names only) is already normalized: `absolute_path` would return it
    // joined to the root, so the work is skipped.
    let plain = !path.contains('\0')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    let written = if plain {
        root.join(path)
    } else {
        match absolute_path(&root, path) {
            Ok(written) => written,
            Err(e) => return Some(Err(e)),
        }
    };
    let under = written.strip_prefix(&root).ok()?;
    if under.as_os_str().is_empty() {
        return None; // the root itself: a directory
    }
    match typhoon_server::nowait::open_beneath(&root, under) {
        Ok(file) => {
            let meta = file.metadata().ok()?;
            meta.is_file().then(|| {
                Ok(Lookup::File(Box::new(Found {
                    path: written,
                    file,
                    meta,
                })))
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some(Err(not_found(e))),
        Err(_) => None,
    }
}

/// `path` with every symlink resolved, which must stay under `real_root`.
fn resolve(path: &Path, real_root: &Path, message: &str) -> Result<PathBuf, HttpError> {
    let real = path.canonicalize().map_err(not_found)?;
    if !real.starts_with(real_root) {
        return Err(HttpError::new(403).log(format!("{message} is not in root static directory")));
    }
    Ok(real)
}

/// A path that cannot be resolved or opened is missing, as in Tornado (`os.stat` failed).
fn not_found(err: io::Error) -> HttpError {
    HttpError::new(404).log(format!("static file: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shard's way and the pool's way agree: the same file under the same written
    /// path (the key of the version cache), or the same refusal.
    #[test]
    fn the_cached_lookup_finds_what_the_blocking_one_finds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("static");
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::write(root.join("css/a.css"), b"a").unwrap();
        std::fs::write(dir.path().join("secret"), b"no").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret"), root.join("out")).unwrap();
        std::os::unix::fs::symlink(root.join("css/a.css"), root.join("in")).unwrap();
        let summary = |found: Result<Lookup, HttpError>| match found {
            Ok(Lookup::File(found)) => Ok((found.path, found.meta.len())),
            Ok(Lookup::AddSlash) => Err(301),
            Err(e) => Err(e.status),
        };
        for given in [root.clone(), root.join("css/..")] {
            let cached_root = Root::new(given.clone());
            for path in [
                "css/a.css",
                "css//a.css",
                "./css/a.css",
                "css/../css/a.css",
                "css/a.css/",
                "missing",
                "css/missing",
                "../secret",
                "out",
                "in",
                "/etc/passwd",
                "a\0b",
            ] {
                let blocking = summary(lookup(&given, path, None, false));
                // `None` is the pool's to answer: nothing to compare.
                if let Some(cached) = lookup_cached(&cached_root, path) {
                    assert_eq!(summary(cached), blocking, "{given:?} {path}");
                }
            }
        }
        let cached = lookup_cached(&Root::new(root.clone()), "css/a.css");
        assert!(
            matches!(cached, Some(Ok(Lookup::File(_)))),
            "a cached file on the shard"
        );
    }

    #[test]
    fn absolute_path_stays_in_the_root_as_written() {
        let root = Path::new("/srv/static");
        assert_eq!(
            absolute_path(root, "css/a.css").ok(),
            Some(PathBuf::from("/srv/static/css/a.css"))
        );
        assert_eq!(
            absolute_path(root, "css/../a.css").ok(),
            Some(PathBuf::from("/srv/static/a.css"))
        );
        for outside in [
            "../x",
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../x",
            "..",
            "x\0y",
        ] {
            assert_eq!(
                absolute_path(root, outside).map_err(|e| e.status),
                Err(403),
                "{outside}"
            );
        }
        assert!(
            absolute_path(root, "../static2/x").is_err(),
            "a sibling sharing the prefix is outside"
        );
    }
}
