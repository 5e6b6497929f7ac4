//! The blog example on real servers: its application on two shards in this process for
//! the pages and forms, and the program itself for its options and its database file.
//! The blog's own unit tests (database, Markdown, passwords, slugs) run here too.
#![allow(clippy::unwrap_used)]

#[path = "../../blog/main.rs"]
#[allow(dead_code)]
mod blog;
mod client;
#[path = "../support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};

use client::Client;
use support::{port_of, Program};
use typhoon::httpserver::{HttpServer, RunningServer, ServerConfig};

/// A folder for one test's database, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("typhoon-blog-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn db(&self) -> PathBuf {
        self.0.join("blog.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The blog on 127.0.0.1, port 0, two shards, with its database at `db`.
fn start(db: &Path) -> (RunningServer, u16) {
    let config = blog::Config {
        db: db.to_owned(),
        cookie_secret: "blog-test-secret".to_owned(),
    };
    let server_config = ServerConfig {
        io_memory: 64 << 10,
        ..ServerConfig::default()
    };
    let mut server = HttpServer::with_config(blog::app(&config).unwrap(), server_config);
    server.bind_addr(0, "127.0.0.1").unwrap();
    let running = server.start_background(2).unwrap();
    let port = running.handle().local_addrs()[0].port();
    (running, port)
}

const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// Signs up as the blog's author (who is then logged in).
fn sign_up(client: &mut Client) {
    let page = client.submit(
        "/auth/create",
        "/auth/create?next=%2Fcompose",
        &[
            ("email", EMAIL),
            ("name", "Ada <Lovelace>"),
            ("password", PASSWORD),
        ],
    );
    page.assert_redirect("/compose");
    assert!(client.cookie("blogdemo_user").is_some());
    // Signed, and out of reach of the page's scripts.
    let cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("blogdemo_user="))
        .unwrap();
    assert!(
        cookie.starts_with("blogdemo_user=\"2|1:0|")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// Logs in with `password`; the answer.
fn log_in(client: &mut Client, password: &str) -> client::Page {
    client.submit(
        "/auth/login",
        "/auth/login?next=%2Fcompose",
        &[("email", EMAIL), ("password", password)],
    )
}

/// Posts the compose form (a new entry, or entry `id`); the answer.
fn compose(client: &mut Client, id: Option<&str>, title: &str, markdown: &str) -> client::Page {
    let mut fields = vec![("title", title), ("markdown", markdown)];
    let form = match id {
        Some(id) => {
            fields.push(("id", id));
            format!("/compose?id={id}")
        }
        None => "/compose".to_owned(),
    };
    client.submit(&form, "/compose", &fields)
}

#[test]
fn sign_up_log_in_write_read_edit_log_out() {
    let dir = TempDir::new("flow");
    let (_server, port) = start(&dir.db());
    let mut reader = Client::new(port);

    // An empty blog: the home page asks for a first post, which needs the author, who
    // does not exist yet.
    reader.get("/").assert_redirect("/compose");
    reader
        .get("/compose")
        .assert_redirect("/auth/login?next=%2Fcompose");
    reader
        .get("/auth/login?next=%2Fcompose")
        .assert_redirect("/auth/create?next=/compose");

    // Sign up: the author is logged in and sent on to compose.
    let mut author = Client::new(port);
    sign_up(&mut author);
    let form = author.get("/compose");
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body.contains("Sign out Ada &lt;Lovelace&gt;"),
        "{}",
        form.body
    );

    // Log out, and back in: a wrong password is refused, the right one works.
    let home = author.get("/archive");
    let token = home.xsrf();
    author
        .post("/auth/logout", &[("_xsrf", &token)])
        .assert_redirect("/");
    assert_eq!(author.cookie("blogdemo_user"), None);
    author
        .get("/compose")
        .assert_redirect("/auth/login?next=%2Fcompose");
    let refused = log_in(&mut author, "wrong");
    assert_eq!(refused.status, 200);
    assert!(
        refused.body.contains("Incorrect email or password."),
        "{}",
        refused.body
    );
    assert_eq!(author.cookie("blogdemo_user"), None);
    let unknown = author.submit(
        "/auth/login",
        "/auth/login",
        &[("email", "bob@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(unknown.status, 200);
    assert!(
        unknown.body.contains("Incorrect email or password."),
        "{}",
        unknown.body
    );
    assert_eq!(author.cookie("blogdemo_user"), None);
    log_in(&mut author, PASSWORD).assert_redirect("/compose");
    assert!(author.cookie("blogdemo_user").is_some());

    // Write a post in Markdown, with some HTML that must not run.
    let text = "Some *Markdown*, and <script>alert('x')</script>.\n\n[a link](javascript:alert(1))";
    compose(&mut author, None, "Hello, World!", text).assert_redirect("/entry/hello-world");

    // Anyone reads it: listed on the home page and the archive, rendered on its page.
    for path in ["/", "/archive"] {
        let page = reader.get(path);
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(
            page.body
                .contains(r#"<a href="/entry/hello-world">Hello, World!</a>"#),
            "{path}: {}",
            page.body
        );
    }
    let entry = reader.get("/entry/hello-world");
    assert_eq!(entry.status, 200);
    assert!(
        entry.content_type.starts_with("text/html"),
        "{}",
        entry.content_type
    );
    assert!(entry.body.contains("<em>Markdown</em>"), "{}", entry.body);
    assert!(entry.body.contains("&lt;script&gt;alert"), "{}", entry.body);
    assert!(!entry.body.contains("<script>"), "{}", entry.body);
    assert!(
        entry.body.contains(r##"<a href="#">a link</a>"##),
        "{}",
        entry.body
    );
    assert!(
        entry.body.contains("by Ada &lt;Lovelace&gt;"),
        "{}",
        entry.body
    );
    // Readers get no edit link; the author does.
    assert!(!entry.body.contains("/compose?id="), "{}", entry.body);
    let own = author.get("/entry/hello-world");
    let id = own
        .body
        .split("/compose?id=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();

    // Edit it: the form holds the text (escaped), the slug stays.
    let form = author.get(&format!("/compose?id={id}"));
    assert!(
        form.body
            .contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        "{}",
        form.body
    );
    compose(&mut author, Some(&id), "Hello again", "Now **bold**.")
        .assert_redirect("/entry/hello-world");
    let entry = reader.get("/entry/hello-world");
    assert!(
        entry.body.contains("<strong>bold</strong>") && entry.body.contains("Hello again"),
        "{}",
        entry.body
    );
    assert!(!entry.body.contains("Markdown"), "{}", entry.body);

    // A second post with the same title gets its own slug.
    compose(&mut author, None, "Hello again", "Second.").assert_redirect("/entry/hello-again");
    compose(&mut author, None, "Hello again", "Third.").assert_redirect("/entry/hello-again-2");

    // Nobody else may sign up, and logged out the author is sent to log in again.
    let mut other = Client::new(port);
    other.get("/auth/create").assert_redirect("/auth/login");
    let token = other.get("/auth/login").xsrf();
    let second = other.post(
        "/auth/create",
        &[
            ("email", "bob@example.com"),
            ("name", "Bob"),
            ("password", "pw"),
            ("_xsrf", &token),
        ],
    );
    assert_eq!(second.status, 400);
    let token = author.get("/").xsrf();
    author
        .post("/auth/logout", &[("_xsrf", &token)])
        .assert_redirect("/");
    author
        .get("/compose")
        .assert_redirect("/auth/login?next=%2Fcompose");
    author
        .get(&format!("/compose?id={id}"))
        .assert_redirect(&format!("/auth/login?next=%2Fcompose%3Fid%3D{id}"));
}

#[test]
fn writing_while_logged_out_is_refused() {
    let dir = TempDir::new("logged-out");
    let (_server, port) = start(&dir.db());
    let mut author = Client::new(port);
    sign_up(&mut author);
    compose(&mut author, None, "Mine", "text").assert_redirect("/entry/mine");

    let mut stranger = Client::new(port);
    stranger
        .get("/compose")
        .assert_redirect("/auth/login?next=%2Fcompose");
    // With a good XSRF token but no login: `authenticated` refuses a POST with 403.
    let token = stranger.get("/auth/login").xsrf();
    let post = stranger.post(
        "/compose",
        &[("title", "Not mine"), ("markdown", "x"), ("_xsrf", &token)],
    );
    assert_eq!(post.status, 403);
    // A forged login cookie is nobody: unsigned, or signed with another secret.
    stranger.set_cookie("blogdemo_user", "1");
    assert_eq!(stranger.get("/compose").status, 302);
    stranger.set_cookie(
        "blogdemo_user",
        "2|1:0|10:1796490000|13:blogdemo_user|4:MQ==|0000000000000000000000000000000000000000000000000000000000000000",
    );
    let forged = stranger.post(
        "/compose",
        &[("title", "Not mine"), ("markdown", "x"), ("_xsrf", &token)],
    );
    assert_eq!(forged.status, 403);
    assert_eq!(stranger.get("/entry/not-mine").status, 404);
}

#[test]
fn a_post_without_the_xsrf_token_is_refused() {
    let dir = TempDir::new("xsrf");
    let (_server, port) = start(&dir.db());
    let mut author = Client::new(port);
    sign_up(&mut author);
    assert!(author.cookie("_xsrf").is_some());

    // Logged in, with the cookie, but no `_xsrf` in the form: 403, and nothing saved.
    let post = author.post("/compose", &[("title", "Forged"), ("markdown", "x")]);
    assert_eq!(post.status, 403);
    // A token that is not the cookie's: 403 too.
    let post = author.post(
        "/compose",
        &[
            ("title", "Forged"),
            ("markdown", "x"),
            ("_xsrf", "2|00000000|00000000000000000000000000000000|0"),
        ],
    );
    assert_eq!(post.status, 403);
    assert_eq!(author.get("/entry/forged").status, 404);
    // Logging in and out need it as well.
    assert_eq!(author.post("/auth/logout", &[]).status, 403);
    assert!(author.cookie("blogdemo_user").is_some());
    let mut stranger = Client::new(port);
    let login = stranger.post("/auth/login", &[("email", EMAIL), ("password", PASSWORD)]);
    assert_eq!(login.status, 403);
    assert_eq!(stranger.cookie("blogdemo_user"), None);
}

#[test]
fn unknown_entries_are_404() {
    let dir = TempDir::new("404");
    let (_server, port) = start(&dir.db());
    let mut author = Client::new(port);
    sign_up(&mut author);
    assert_eq!(author.get("/entry/nothing-here").status, 404);
    assert_eq!(author.get("/compose?id=999").status, 404);
    assert_eq!(author.get("/compose?id=x").status, 404);
}

#[test]
fn the_style_sheet_is_a_versioned_static_file() {
    let dir = TempDir::new("static");
    let (_server, port) = start(&dir.db());
    let mut client = Client::new(port);
    let page = client.get("/auth/create");
    let href = page
        .body
        .split(r#"<link rel="stylesheet" href=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(href.starts_with("/static/blog.css?v="), "{href}");
    let css = client.get(&href);
    assert_eq!(css.status, 200);
    assert!(
        css.content_type.starts_with("text/css"),
        "{}",
        css.content_type
    );
    assert!(css.body.contains("#header"), "{}", css.body);
}

/// Pages and the style sheet are gzipped for a client that asks (`compress_response`).
#[test]
fn pages_are_gzipped_for_clients_that_ask() {
    let dir = TempDir::new("gzip");
    let (_server, port) = start(&dir.db());
    for path in ["/auth/create", "/static/blog.css"] {
        let response = ureq::get(&format!("http://127.0.0.1:{port}{path}"))
            .set("Accept-Encoding", "gzip")
            .call()
            .unwrap();
        assert_eq!(response.header("content-encoding"), Some("gzip"), "{path}");
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body).unwrap();
        assert_eq!(body[..2], [0x1f, 0x8b], "{path}");
    }
}

#[test]
fn next_never_leaves_the_site() {
    let dir = TempDir::new("next");
    let (_server, port) = start(&dir.db());
    let mut client = Client::new(port);
    let page = client.submit(
        "/auth/create",
        "/auth/create?next=https%3A%2F%2Fevil.example%2F",
        &[("email", EMAIL), ("name", "Ada"), ("password", PASSWORD)],
    );
    page.assert_redirect("/");
    let page = client.submit(
        "/auth/login",
        "/auth/login?next=%2F%2Fevil.example%2F",
        &[("email", EMAIL), ("password", PASSWORD)],
    );
    page.assert_redirect("/");
}

/// The program as a user runs it: `--db` names the file, created on the first run with
/// its schema, and found again by the second run, with the author and posts in it.
#[test]
fn the_database_file_is_created_on_first_run_and_reused() {
    let dir = TempDir::new("program");
    let db = dir.db();
    let db_arg = db.to_str().unwrap();
    let args = [
        "--port",
        "0",
        "--shards",
        "2",
        "--db",
        db_arg,
        "--cookie-secret",
        "s3cret",
    ];
    assert!(!db.exists());
    {
        let program = Program::spawn("blog", &args);
        let port = port_of(&program.wait_listening(2)[0]);
        assert!(
            db.exists(),
            "the database file is made before the server starts"
        );
        let mut author = Client::new(port);
        sign_up(&mut author);
        compose(&mut author, None, "Kept", "Still *here*.").assert_redirect("/entry/kept");
    }
    let program = Program::spawn("blog", &args);
    let port = port_of(&program.wait_listening(2)[0]);
    let mut reader = Client::new(port);
    let entry = reader.get("/entry/kept");
    assert_eq!(entry.status, 200);
    assert!(
        entry.body.contains("Still <em>here</em>."),
        "{}",
        entry.body
    );
    // The author is there too: the login page no longer asks for one, and logs them in.
    assert_eq!(reader.get("/auth/login").status, 200);
    log_in(&mut reader, PASSWORD).assert_redirect("/compose");
}

#[test]
fn a_database_that_cannot_be_opened_stops_the_program_with_a_sentence() {
    let dir = TempDir::new("bad-db");
    let not_sqlite = dir.0.join("not.db");
    std::fs::write(&not_sqlite, vec![b'x'; 4096]).unwrap();
    let output = std::process::Command::new(support::example("blog"))
        .args(["--port", "0", "--db", not_sqlite.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot open the database"), "{stderr}");
}
