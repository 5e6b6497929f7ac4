//! `StaticFileHandler` through a real server over a temporary directory: headers, 304s,
//! HEAD, every `Range` edge, streaming a file larger than a chunk, types, traversal
//! attempts, directories, the routes `static_path` adds, and `static_url`.

mod support;

use std::fs;
use std::path::Path;

use support::RawResponse;
use typhoon::testing::{TestResponse, TestServer};
use typhoon::web::{
    url, Application, Handler, RequestHandler, Result, Settings, StaticFileHandler,
};

/// `hashlib.sha512(b"hello").hexdigest()`: Tornado's version and ETag of a file holding
/// `hello`.
const HELLO_VERSION: &str = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043";
/// Three 64 KiB chunks and a bit: the big file is streamed.
const BIG: usize = 3 * 64 * 1024 + 123;
/// What the file outside the root holds: never in any response.
const SECRET: &str = "top secret, outside the root";

/// A temporary tree: `static/` (the root) beside `secret.txt` and `outside/`, with
/// symlinks from the root to both and one inside it.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let root = dir.path().join("static");
        for sub in ["static/sub", "static/css", "static/empty", "outside"] {
            fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let files: &[(&str, &[u8])] = &[
            ("static/hello.txt", b"hello"),
            ("static/sub/index.html", b"<p>index</p>"),
            ("static/css/site.css", b"body { color: red }"),
            ("static/img.png", b"\x89PNG"),
            ("static/data.unknownext", b"?"),
            ("static/archive.tar.gz", b"\x1f\x8b"),
            ("static/favicon.ico", b"ico"),
            ("static/robots.txt", b"User-agent: *"),
            ("secret.txt", SECRET.as_bytes()),
            ("outside/x.txt", SECRET.as_bytes()),
        ];
        for (name, bytes) in files {
            fs::write(dir.path().join(name), bytes).expect("write");
        }
        fs::write(root.join("big.bin"), big_content()).expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("linkdir"))
            .expect("symlink");
        std::os::unix::fs::symlink(root.join("hello.txt"), root.join("alias.txt"))
            .expect("symlink");
        Tree { dir }
    }

    fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("static")
    }
}

fn big_content() -> Vec<u8> {
    (0..BIG).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Serves `root` at `/static/(.*)` with `index.html` for directories, and at
/// `/plain/(.*)` without a default file.
fn server(root: &Path) -> TestServer {
    let (a, b) = (root.to_path_buf(), root.to_path_buf());
    TestServer::start(Application::new(vec![
        url(r"/static/(.*)", move || {
            StaticFileHandler::new(a.clone()).default_filename("index.html")
        }),
        url(r"/plain/(.*)", move || StaticFileHandler::new(b.clone())),
    ]))
}

/// Sends a raw GET for `target`, exactly as written (no client normalizes it).
fn raw_get(server: &TestServer, target: &str) -> RawResponse {
    let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    RawResponse::parse(&support::raw(server.port(), request.as_bytes()))
}

fn get_with(server: &TestServer, path: &str, name: &str, value: &str) -> TestResponse {
    server.request("GET", path).header(name, value).send()
}

#[test]
fn a_file_has_tornados_headers() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let r = server.fetch("/static/hello.txt");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "hello");
    assert_eq!(
        r.header("Etag"),
        Some(format!("\"{HELLO_VERSION}\"").as_str())
    );
    assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(r.header("Content-Type"), Some("text/plain"));
    assert_eq!(r.header("Content-Length"), Some("5"));
    let modified = fs::metadata(tree.root().join("hello.txt"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let secs = modified
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let whole = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    assert_eq!(
        r.header("Last-Modified"),
        Some(httpdate::fmt_http_date(whole).as_str())
    );
    assert_eq!(
        r.header("Cache-Control"),
        None,
        "no cache headers unversioned"
    );
    assert_eq!(r.header("Expires"), None);
}

#[test]
fn a_versioned_url_is_cached_for_ten_years() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let r = server.fetch("/static/hello.txt?v=abc");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Cache-Control"), Some("max-age=315360000"));
    let expires = r.header("Expires").map(httpdate::parse_http_date);
    let expires = expires.and_then(|e| e.ok()).expect("an Expires date");
    let ahead = expires
        .duration_since(std::time::SystemTime::now())
        .expect("in the future");
    assert!(ahead.as_secs() > 315_360_000 - 60, "{ahead:?}");
}

#[test]
fn conditional_requests_answer_304_both_ways() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let first = server.fetch("/static/hello.txt");
    let etag = first.header("Etag").expect("an Etag").to_owned();
    let modified = first.header("Last-Modified").expect("a date").to_owned();

    let r = get_with(&server, "/static/hello.txt", "If-None-Match", &etag);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    assert_eq!(r.header("Etag"), Some(etag.as_str()));
    assert_eq!(r.header("Content-Type"), None);
    let weak = format!("\"x\", W/{etag}");
    assert_eq!(
        get_with(&server, "/static/hello.txt", "If-None-Match", &weak).status,
        304
    );
    assert_eq!(
        get_with(&server, "/static/hello.txt", "If-None-Match", "*").status,
        304
    );
    let other = get_with(&server, "/static/hello.txt", "If-None-Match", "\"other\"");
    assert_eq!((other.status, other.text().as_str()), (200, "hello"));

    let r = get_with(&server, "/static/hello.txt", "If-Modified-Since", &modified);
    assert_eq!(r.status, 304);
    let later =
        httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(60));
    assert_eq!(
        get_with(&server, "/static/hello.txt", "If-Modified-Since", &later).status,
        304
    );
    let earlier = "Sat, 01 Jan 2000 00:00:00 GMT";
    assert_eq!(
        get_with(&server, "/static/hello.txt", "If-Modified-Since", earlier).status,
        200
    );
    assert_eq!(
        get_with(&server, "/static/hello.txt", "If-Modified-Since", "garbage").status,
        200
    );

    // If-None-Match decides when present, as in Tornado.
    let r = server
        .request("GET", "/static/hello.txt")
        .header("If-None-Match", "\"other\"")
        .header("If-Modified-Since", &modified)
        .send();
    assert_eq!(r.status, 200);
}

#[test]
fn head_sends_the_headers_only() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let request = "HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let r = RawResponse::parse(&support::raw(server.port(), request.as_bytes()));
    assert!(
        r.status_line.starts_with("HTTP/1.1 200"),
        "{}",
        r.status_line
    );
    assert_eq!(r.header("Content-Length"), Some(BIG.to_string().as_str()));
    assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    assert!(r.header("Etag").is_some_and(|e| e.len() == 130));
    assert!(r.body.is_empty(), "no body for HEAD");
    let small = server.request("HEAD", "/static/hello.txt").send();
    assert_eq!(small.status, 200);
    assert_eq!(small.header("Content-Length"), Some("5"));
    assert_eq!(
        small.header("Etag"),
        Some(format!("\"{HELLO_VERSION}\"").as_str())
    );
    assert!(small.body.is_empty());
}

#[test]
fn a_file_larger_than_a_chunk_is_streamed_intact() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let r = server.fetch("/static/big.bin");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), BIG);
    assert!(r.body == big_content(), "the bytes differ");
    assert_eq!(r.header("Content-Type"), Some("application/octet-stream"));
    assert!(r.header("Etag").is_some_and(|e| e.len() == 130));
}

/// Drops `path`'s pages from the page cache (where the file system allows it), so the
/// next read of it waits on the disk.
fn evict(path: &Path) {
    use std::os::fd::AsRawFd;
    let file = fs::File::open(path).expect("open");
    file.sync_all().expect("sync");
    // SAFETY: advice on a descriptor we own.
    unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_DONTNEED) };
}

/// The shard reads what the page cache holds itself and leaves the rest to its blocking
/// pool: a file dropped from the cache comes out the same, whole and in ranges.
#[test]
fn a_file_out_of_the_page_cache_is_served_intact() {
    let tree = Tree::new();
    let path = tree.root().join("big.bin");
    let server = server(&tree.root());
    for round in 0..2 {
        evict(&path);
        let r = server.fetch("/static/big.bin");
        assert_eq!(r.status, 200, "round {round}");
        assert!(r.body == big_content(), "round {round}: the bytes differ");
        evict(&path);
        let r = get_with(&server, "/static/big.bin", "Range", "bytes=70000-140000");
        assert_eq!(r.status, 206, "round {round}");
        assert!(
            r.body == big_content()[70000..=140000],
            "round {round}: the range differs"
        );
    }
}

#[test]
fn ranges_answer_as_tornado() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let big = big_content();
    let n = BIG;
    let partial: &[(&str, usize, usize)] = &[
        ("bytes=0-0", 0, 1),
        ("bytes=0-9", 0, 10),
        ("bytes=-5", n - 5, n),
        ("bytes=5-", 5, n),
        ("bytes=100-150000", 100, 150_001),
        ("bytes=70000-", 70000, n),
        ("bytes=10-99999999", 10, n),
    ];
    for &(range, start, end) in partial {
        let r = get_with(&server, "/static/big.bin", "Range", range);
        assert_eq!(r.status, 206, "{range}");
        let expected = format!("bytes {start}-{}/{n}", end - 1);
        assert_eq!(
            r.header("Content-Range"),
            Some(expected.as_str()),
            "{range}"
        );
        assert!(r.body == big[start..end], "{range}: wrong bytes");
        assert_eq!(r.header("Accept-Ranges"), Some("bytes"));
    }
    for range in [
        format!("bytes={n}-"),
        format!("bytes={}-{}", n + 5, n + 10),
        "bytes=5-2".into(),
        "bytes=-0".into(),
    ] {
        let r = get_with(&server, "/static/big.bin", "Range", &range);
        assert_eq!(r.status, 416, "{range}");
        assert_eq!(
            r.header("Content-Range"),
            Some(format!("bytes */{n}").as_str())
        );
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert!(r.body.is_empty());
    }
    let whole = [
        format!("bytes=0-{}", n - 1),
        "bytes=0-".into(),
        format!("bytes=-{}", n + 10),
        "bytes=1-2,5-6".into(),
        "bytes=x-y".into(),
        "lines=1-2".into(),
        "bytes=".into(),
    ];
    for range in whole {
        let r = get_with(&server, "/static/big.bin", "Range", &range);
        assert_eq!(r.status, 200, "{range}");
        assert_eq!(r.header("Content-Range"), None);
        assert!(r.body == big, "{range}: the whole file");
    }
    let small = get_with(&server, "/static/hello.txt", "Range", "bytes=1-3");
    assert_eq!((small.status, small.text().as_str()), (206, "ell"));
    assert_eq!(small.header("Content-Length"), Some("3"));
    assert_eq!(
        small.header("Etag"),
        Some(format!("\"{HELLO_VERSION}\"").as_str()),
        "the whole file's tag"
    );
}

#[test]
fn types_come_from_the_name() {
    let tree = Tree::new();
    let server = server(&tree.root());
    for (path, expected) in [
        ("/static/css/site.css", "text/css"),
        ("/static/img.png", "image/png"),
        ("/static/data.unknownext", "application/octet-stream"),
        ("/static/archive.tar.gz", "application/gzip"),
        ("/static/sub/index.html", "text/html"),
    ] {
        assert_eq!(
            server.fetch(path).header("Content-Type"),
            Some(expected),
            "{path}"
        );
    }
}

#[test]
fn traversal_never_leaves_the_root() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let attempts = [
        ("/static/../secret.txt", 403),
        ("/static/%2e%2e/secret.txt", 403),
        ("/static/%2E%2E/secret.txt", 403),
        ("/static/..%2fsecret.txt", 403),
        ("/static/sub/..%2F..%2Fsecret.txt", 403),
        ("/static/%2fetc%2fpasswd", 403),
        ("/static//etc/passwd", 403),
        ("/static/%2F%2E%2E%2Fsecret.txt", 403),
        ("/static/link.txt", 403),
        ("/static/linkdir/x.txt", 403),
        ("/static/linkdir", 403),
        ("/static/nope.txt", 404),
        ("/static/sub/nope/../../../secret.txt", 403),
        ("/static/hello.txt%00.png", 403),
    ];
    for (target, status) in attempts {
        let r = raw_get(&server, target);
        let code: u16 = r.status_line[9..12].parse().expect("a status");
        assert_eq!(code, status, "{target}: {}", r.status_line);
        assert!(
            !String::from_utf8_lossy(&r.body).contains(SECRET),
            "{target} leaked the file outside the root"
        );
    }
    let alias = server.fetch("/static/alias.txt");
    assert_eq!(
        (alias.status, alias.text().as_str()),
        (200, "hello"),
        "a symlink inside the root is fine"
    );
}

#[test]
fn directories_redirect_serve_their_default_or_are_refused() {
    let tree = Tree::new();
    let server = server(&tree.root());
    let r = server.fetch("/static/sub");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("Location"), Some("/static/sub/"));
    let r = server.fetch("/static/sub/");
    assert_eq!((r.status, r.text().as_str()), (200, "<p>index</p>"));
    assert_eq!(
        server.fetch("/static/empty/").status,
        404,
        "no index.html there"
    );
    assert_eq!(
        server.fetch("/plain/sub/").status,
        403,
        "no default_filename"
    );
    assert_eq!(server.fetch("/plain/sub").status, 403);
    assert_eq!(server.fetch("/plain/hello.txt").text(), "hello");
}

#[test]
fn a_protocol_relative_directory_is_never_redirected() {
    let tree = Tree::new();
    let root = tree.root();
    // Any run of slashes before the path: `//sub` names the directory `sub`.
    let server = TestServer::start(Application::new(vec![url(r"/+(.*)", move || {
        StaticFileHandler::new(root.clone()).default_filename("index.html")
    })]));
    assert_eq!(raw_get(&server, "/sub").header("Location"), Some("/sub/"));
    for target in ["//sub", "///sub"] {
        let r = raw_get(&server, target);
        assert!(
            r.status_line.starts_with("HTTP/1.1 403"),
            "{target}: {}",
            r.status_line
        );
        assert_eq!(r.header("Location"), None);
    }
}

/// Writes `static_url` of the `path` argument twice and `static_url_with(.., false)`.
struct Urls;
impl RequestHandler for Urls {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let path = h.get_argument("path")?;
        let (a, b) = (h.static_url(&path), h.static_url(&path));
        let bare = h.static_url_with(&path, false);
        h.write(format!("{a}\n{b}\n{bare}"));
        Ok(())
    }
}

fn static_app(root: &Path, settings: Settings) -> Application {
    let settings = Settings {
        static_path: Some(root.to_path_buf()),
        ..settings
    };
    Application::new(vec![url(r"/urls", || Urls), url(r"/(.*)", || Urls)]).with_settings(settings)
}

#[test]
fn static_path_adds_tornados_routes_first() {
    let tree = Tree::new();
    let server = TestServer::start(static_app(&tree.root(), Settings::default()));
    assert_eq!(server.fetch("/static/hello.txt").text(), "hello");
    assert_eq!(server.fetch("/favicon.ico").text(), "ico");
    assert_eq!(server.fetch("/robots.txt").text(), "User-agent: *");
    assert_eq!(
        server.fetch("/static/sub/").status,
        403,
        "no default file set"
    );
    let prefixed = Settings {
        static_url_prefix: "/assets/".into(),
        static_default_filename: Some("index.html".into()),
        ..Settings::default()
    };
    let server = TestServer::start(static_app(&tree.root(), prefixed));
    assert_eq!(server.fetch("/assets/hello.txt").text(), "hello");
    assert_eq!(server.fetch("/assets/sub/").text(), "<p>index</p>");
    assert_eq!(
        server.fetch("/static/hello.txt").status,
        400,
        "the catch-all route, no path argument"
    );
}

#[test]
fn static_url_has_the_version_and_caches_it_per_shard() {
    let tree = Tree::new();
    let server = TestServer::start(static_app(&tree.root(), Settings::default()));
    let expected = format!("/static/hello.txt?v={HELLO_VERSION}");
    let r = server.fetch("/urls?path=hello.txt");
    assert_eq!(
        r.text(),
        format!("{expected}\n{expected}\n/static/hello.txt")
    );
    fs::write(tree.root().join("hello.txt"), "changed").expect("write");
    let again = server.fetch("/urls?path=hello.txt").text();
    assert!(
        again.starts_with(&expected),
        "the shard keeps the version: {again}"
    );
    assert_eq!(
        server.fetch("/urls?path=missing.css").text(),
        "/static/missing.css\n/static/missing.css\n/static/missing.css"
    );
    assert_eq!(
        server
            .fetch("/urls?path=../secret.txt")
            .text()
            .lines()
            .next(),
        Some("/static/../secret.txt"),
        "no version for a path outside the root"
    );
    // The version is the file's ETag too.
    let tag = server
        .fetch("/static/css/site.css")
        .header("Etag")
        .map(str::to_owned);
    let url = server.fetch("/urls?path=css/site.css").text();
    let version = url
        .lines()
        .next()
        .and_then(|l| l.split_once("?v="))
        .map(|(_, v)| format!("\"{v}\""));
    assert_eq!(tag, version);
}

#[test]
fn without_the_hash_cache_versions_follow_the_file() {
    let tree = Tree::new();
    for settings in [
        Settings {
            static_hash_cache: false,
            ..Settings::default()
        },
        Settings {
            debug: true,
            ..Settings::default()
        },
    ] {
        fs::write(tree.root().join("hello.txt"), "hello").expect("write");
        let server = TestServer::start(static_app(&tree.root(), settings));
        let first = server.fetch("/urls?path=hello.txt").text();
        assert!(first.contains(HELLO_VERSION));
        fs::write(tree.root().join("hello.txt"), "changed").expect("write");
        let second = server.fetch("/urls?path=hello.txt").text();
        assert!(!second.contains(HELLO_VERSION), "{second}");
        let tag = server
            .fetch("/static/hello.txt")
            .header("Etag")
            .map(str::to_owned);
        assert!(second.contains(tag.unwrap_or_default().trim_matches('"')));
    }
}

/// Wraps the static handler (Tornado's `static_handler_class`).
struct NoSniff(StaticFileHandler);
impl RequestHandler for NoSniff {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("X-Content-Type-Options", "nosniff")?;
        self.0.get(h).await
    }
}

#[test]
fn the_static_routes_can_use_a_handler_of_your_own() {
    let tree = Tree::new();
    let app = static_app(&tree.root(), Settings::default()).static_handler(NoSniff);
    let server = TestServer::start(app);
    let r = server.fetch("/static/hello.txt");
    assert_eq!(r.text(), "hello");
    assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
    assert_eq!(
        server
            .fetch("/favicon.ico")
            .header("X-Content-Type-Options"),
        Some("nosniff")
    );
    assert_eq!(
        server.fetch("/other").status,
        400,
        "the user's routes are still there"
    );
}
