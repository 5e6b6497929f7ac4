//! File operations a shard may make itself: each fails with `WouldBlock` where it would
//! wait for the disk, so that only then does the caller take the blocking pool.
//!
//! A shard must never wait on the disk, and a round trip through the blocking pool costs
//! more than opening and reading a file the kernel already caches. These calls let the
//! cached case stay on the shard: the path is resolved only through the kernel's lookup
//! cache (`openat2` with `RESOLVE_CACHED`, Linux 5.12) and the bytes are read only from the
//! page cache (`preadv2` with `RWF_NOWAIT`, Linux 4.14). std has neither, and no
//! maintained crate wraps them with these semantics, so the two calls are made here.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

/// Opens the file at `path` under the directory `root` for reading, if the kernel can
/// resolve it from its caches alone; `path` may not leave `root`, as written or through
/// symlinks.
///
/// Never waits on the disk. The file is opened `O_NONBLOCK`, so a FIFO is opened without
/// waiting for a writer; reads of a regular file ignore that flag (open(2)), so the file
/// may still be read on the blocking pool when the page cache lacks its bytes.
///
/// # Errors
///
/// - `WouldBlock` when resolving would read a directory from the disk, or this kernel
///   cannot resolve without it (before Linux 5.12), or the path (or a symlink on it)
///   has a `..`, which the kernel's cached walk does not take under a root: do the
///   lookup on the blocking pool.
/// - `CrossesDevices` (`EXDEV`) when `path` is absolute or leaves `root` through a
///   symlink, even one that leads back inside.
/// - Whatever `openat2` says otherwise: `NotFound`, `NotADirectory`, `PermissionDenied`, …
///
/// # Examples
///
/// ```no_run
/// use std::io::ErrorKind;
/// use std::path::Path;
///
/// match typhoon_server::nowait::open_beneath(Path::new("/srv/static"), Path::new("css/a.css")) {
///     Ok(file) => { /* cached: read it with read_at */ }
///     Err(e) if e.kind() == ErrorKind::WouldBlock => { /* open it on the blocking pool */ }
///     Err(e) => { /* not there, or not under the root */ }
/// }
/// ```
pub fn open_beneath(root: &Path, path: &Path) -> io::Result<File> {
    let flags = libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;
    let cached = libc::RESOLVE_CACHED | libc::RESOLVE_NO_MAGICLINKS;
    // Most trees have no symlink on the way: then the path as written is where it leads,
    // and one call resolves it. A symlink anywhere on it (the root's path included) is
    // refused with ELOOP, and resolved under the root below.
    let plain = path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain {
        let whole = root.join(path);
        match openat2(
            libc::AT_FDCWD,
            &whole,
            flags,
            cached | libc::RESOLVE_NO_SYMLINKS,
        ) {
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {}
            other => return other.map(File::from),
        }
    }
    let dir = openat2(
        libc::AT_FDCWD,
        root,
        libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        cached,
    )?;
    let file = openat2(dir.as_raw_fd(), path, flags, cached | libc::RESOLVE_BENEATH)?;
    Ok(File::from(file))
}

/// Reads from `file` at `offset` into `buf` what the page cache holds, without moving the
/// file's position: as `FileExt::read_at`, but never waiting on the disk. May read less
/// than asked (the rest is not cached yet); `Ok(0)` is the end of the file.
///
/// # Errors
///
/// `WouldBlock` when the first byte wanted is not in the page cache, or the file system
/// cannot tell (read it on the blocking pool); otherwise `preadv2`'s error.
///
/// # Examples
///
/// ```no_run
/// # fn main() -> std::io::Result<()> {
/// let file = std::fs::File::open("/srv/static/a.css")?;
/// let mut buf = vec![0u8; 4096];
/// match typhoon_server::nowait::read_at(&file, &mut buf, 0) {
///     Ok(n) => { /* buf[..n] came from the page cache */ }
///     Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => { /* read on the pool */ }
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let Ok(offset) = libc::off_t::try_from(offset) else {
        return Ok(0); // past any file's end
    };
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: one iovec describing `buf`, which is valid for writes of its length and
    // borrowed mutably for the call.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, offset, libc::RWF_NOWAIT) };
    if n < 0 {
        let err = io::Error::last_os_error();
        // A file system without RWF_NOWAIT says so: the pool must read it.
        return Err(match err.raw_os_error() {
            Some(libc::EOPNOTSUPP) => io::ErrorKind::WouldBlock.into(),
            _ => err,
        });
    }
    Ok(n as usize)
}

/// `openat2(dir, path, flags, resolve)`; `ENOSYS`, and `EINVAL` from a kernel that does
/// not know a `resolve` flag, read as `WouldBlock`: the caller's slower way works there.
fn openat2(dir: i32, path: &Path, flags: i32, resolve: u64) -> io::Result<OwnedFd> {
    let path = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: open_how is plain data; zeroed is its documented default.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = flags as u64;
    how.resolve = resolve;
    // SAFETY: `path` is NUL-terminated and `how` is an open_how of the size passed; the
    // kernel writes nothing through either.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            dir,
            path.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        let err = io::Error::last_os_error();
        return Err(match err.raw_os_error() {
            Some(libc::EAGAIN | libc::ENOSYS | libc::EINVAL) => io::ErrorKind::WouldBlock.into(),
            _ => err,
        });
    }
    // SAFETY: the kernel just returned this descriptor, and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// The cache may be cold for a file just made on some file systems: the first open
    /// is allowed to say `WouldBlock` once, as the caller then opens it the slow way.
    fn open_warm(root: &Path, path: &str) -> io::Result<File> {
        match open_beneath(root, Path::new(path)) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                let _ = std::fs::metadata(root.join(path));
                open_beneath(root, Path::new(path))
            }
            other => other,
        }
    }

    #[test]
    fn opens_and_reads_a_cached_file_under_the_root() {
        let dir = tree();
        std::fs::create_dir(dir.path().join("css")).unwrap();
        std::fs::write(dir.path().join("css/a.css"), b"body{}").unwrap();
        let file = open_warm(dir.path(), "css/a.css").unwrap();
        let mut buf = [0u8; 16];
        let n = match read_at(&file, &mut buf, 0) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                use std::os::unix::fs::FileExt;
                file.read_at(&mut buf, 0).unwrap()
            }
            other => other.unwrap(),
        };
        assert_eq!(&buf[..n], b"body{}");
        assert_eq!(
            read_at(&file, &mut buf, 6).unwrap(),
            0,
            "the end of the file"
        );
        assert_eq!(read_at(&file, &mut buf, u64::MAX).unwrap(), 0);
    }

    #[test]
    fn bytes_out_of_the_page_cache_are_left_to_the_caller() {
        let dir = tree();
        let path = dir.path().join("cold");
        std::fs::write(&path, vec![5u8; 1 << 20]).unwrap();
        let file = File::open(&path).unwrap();
        file.sync_all().unwrap();
        // SAFETY: advice on a descriptor we own.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
        let mut buf = vec![0u8; 4096];
        match read_at(&file, &mut buf, 512 << 10) {
            Err(e) => assert_eq!(e.kind(), ErrorKind::WouldBlock, "{e}"),
            // tmpfs and the like keep every page: nothing to show there.
            Ok(_) => eprintln!("SKIPPED: this file system kept the pages it was told to drop"),
        }
    }

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let dir = tree();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(dir.path().join("secret"), b"no").unwrap();
        std::fs::write(root.join("inside"), b"yes").unwrap();
        symlink(dir.path().join("secret"), root.join("out")).unwrap();
        symlink("../secret", root.join("up")).unwrap();
        symlink(root.join("inside"), root.join("absolute_in")).unwrap();
        symlink("inside", root.join("relative_in")).unwrap();
        let _ = std::fs::read_dir(&root).map(|d| d.count());
        for path in ["out", "absolute_in", "/etc/passwd"] {
            let err = open_warm(&root, path).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::CrossesDevices, "{path}: {err}");
        }
        // A `..` in a scoped lookup leaves the kernel's cached walk: refused either way.
        for path in ["../secret", "up"] {
            let err = open_warm(&root, path).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::CrossesDevices | ErrorKind::WouldBlock
                ),
                "{path}: {err}"
            );
        }
        open_warm(&root, "relative_in").expect("a symlink that stays inside");
        symlink(&root, dir.path().join("root_link")).unwrap();
        let file = open_warm(&dir.path().join("root_link"), "inside")
            .expect("a root reached through a symlink");
        assert_eq!(std::io::read_to_string(file).unwrap(), "yes");
        let err = open_warm(&dir.path().join("root_link"), "out").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CrossesDevices, "{err}");
    }

    #[test]
    fn says_what_is_missing() {
        let dir = tree();
        let err = open_warm(dir.path(), "nothing/here").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = open_warm(&dir.path().join("gone"), "x").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "a missing root");
        assert_eq!(
            open_beneath(dir.path(), Path::new("a\0b"))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn a_fifo_opens_without_a_writer() {
        let dir = tree();
        let fifo = CString::new(dir.path().join("pipe").as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let file = open_warm(dir.path(), "pipe").expect("no wait for a writer");
        assert!(!file.metadata().unwrap().is_file());
    }
}
