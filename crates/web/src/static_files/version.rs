//! Static file versions (Tornado's `get_content_version`: the hex SHA-512 of the
//! content), and a shard's cache of them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use sha2::{Digest, Sha512};

/// Larger files get no version: hashing them would take too long (Tornado 6.6's
/// `MAX_VERSION_CONTENT_SIZE`).
pub(crate) const MAX_VERSION_CONTENT_SIZE: u64 = 64 << 20;
/// Versions kept per shard; the oldest goes first (Tornado's `MAX_CACHED_VERSIONS`).
const MAX_CACHED_VERSIONS: usize = 10_000;

/// The hex SHA-512 of what `file` holds from where it is to its end, or `None` past
/// [`MAX_VERSION_CONTENT_SIZE`]. Blocking.
///
/// # Errors
///
/// Reading failed.
pub(crate) fn content_version(file: &mut impl Read) -> io::Result<Option<String>> {
    let mut hasher = Sha512::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > MAX_VERSION_CONTENT_SIZE {
            return Ok(None);
        }
        hasher.update(&buf[..n]);
    }
    Ok(Some(hex(&hasher.finalize())))
}

/// The version of the file at `path`, `None` if it cannot be read or is too large
/// (logged as Tornado logs it). Blocking.
pub(crate) fn version_of_path(path: &Path) -> Option<String> {
    let result = File::open(path).and_then(|mut f| content_version(&mut f));
    result.unwrap_or_else(|e| {
        log::error!("Could not open static file {path:?}: {e}");
        None
    })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A shard's versions of static files by path (as written under the root), filled on
/// first use; `static_hash_cache = false` (or `debug`) bypasses it.
#[derive(Debug, Default)]
pub(crate) struct StaticVersions {
    /// Each version with the order it came in, so the oldest can go first.
    known: RefCell<HashMap<PathBuf, (u64, Option<Rc<str>>)>>,
    next: std::cell::Cell<u64>,
}

impl StaticVersions {
    /// The cached version of `path`: `None` if not cached, `Some(None)` if it has none.
    pub(crate) fn get(&self, path: &Path) -> Option<Option<Rc<str>>> {
        self.known.borrow().get(path).map(|(_, v)| v.clone())
    }

    /// Remembers `version` for `path`, forgetting the oldest entry when full.
    pub(crate) fn insert(&self, path: PathBuf, version: Option<Rc<str>>) {
        let mut known = self.known.borrow_mut();
        if known.len() >= MAX_CACHED_VERSIONS && !known.contains_key(&path) {
            let oldest = known.iter().min_by_key(|(_, (n, _))| *n).map(|(p, _)| p.clone());
            if let Some(oldest) = oldest {
                known.remove(&oldest);
            }
        }
        let n = self.next.get();
        self.next.set(n + 1);
        known.insert(path, (n, version));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_hex_sha512() {
        // hashlib.sha512(b"hello").hexdigest()
        let hello = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043";
        let version = content_version(&mut &b"hello"[..]).ok().flatten();
        assert_eq!(version.as_deref(), Some(hello));
    }

    #[test]
    fn the_cache_forgets_the_oldest_when_full() {
        let versions = StaticVersions::default();
        for i in 0..=MAX_CACHED_VERSIONS {
            versions.insert(PathBuf::from(format!("/{i}")), None);
        }
        assert_eq!(versions.get(Path::new("/0")), None, "the oldest went");
        assert_eq!(versions.get(Path::new("/1")), Some(None));
        assert_eq!(versions.known.borrow().len(), MAX_CACHED_VERSIONS);
    }
}
