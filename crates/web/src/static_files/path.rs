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
    File(Found),
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
    let root = normalize(&std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf()));
    let joined = normalize(&root.join(path));
    if !joined.starts_with(&root) || path.contains('\0') {
        return Err(HttpError::new(403).log(format!("{path} is not in root static directory")));
    }
    Ok(joined)
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
    Ok(Lookup::File(Found {
        path: written,
        file,
        meta,
    }))
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
        for outside in ["../x", "../../etc/passwd", "/etc/passwd", "a/../../x", "..", "x\0y"] {
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
