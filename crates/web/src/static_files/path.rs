//! Where a static URL path leads on disk, with Tornado's checks: nothing outside the root,
//! as written or through symlinks; only regular files.

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
    absolute_parts(root, path).map(|(_, joined)| joined)
}

/// [`absolute_path`] and the normalized root it lies under.
fn absolute_parts(root: &Path, path: &str) -> Result<(PathBuf, PathBuf), HttpError> {
    let root = normalize(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    let joined = normalize(&root.join(path));
    if !joined.starts_with(&root) || path.contains('\0') {
        return Err(HttpError::new(403).log(format!("{path} is not in root static directory")));
    }
    Ok((root, joined))
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
pub(crate) fn lookup_cached(root: &Path, path: &str) -> Option<Result<Lookup, HttpError>> {
    let (root, written) = match absolute_parts(root, path) {
        Ok(parts) => parts,
        Err(e) => return Some(Err(e)),
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
