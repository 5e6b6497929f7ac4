//! Tornado's blog demo (`demos/blog`) on SQLite: an author signs up, logs in, writes and
//! edits posts in Markdown; anyone reads them.
//!
//! ```text
//! cargo run --release --example blog                      # http://localhost:8888/
//! cargo run --release --example blog -- --db /tmp/blog.db --shards 2 --port 9000
//! cargo run --release --example blog -- --help
//! ```
//!
//! # How it works
//! - The database is one SQLite file (`--db`, created with its schema on first run).
//!   Each shard opens its own connection and uses it on its blocking pool, so a query
//!   never stalls a shard; SQLite locks the file between shards (`db.rs` says more).
//! - The first visitor to sign up (`/auth/create`) becomes the blog's only author, as in
//!   Tornado's demo; the password is kept as an Argon2id hash. Logging in sets the
//!   signed cookie `blogdemo_user` (the author's id).
//! - `/compose` (new post, or `?id=N` to edit) is for the author only: Tornado's
//!   `authenticated` sends anyone else to `/auth/login`.
//! - Posts are Markdown, rendered to HTML when saved; raw HTML in a post is shown as
//!   text, not run.
//! - Pages are minijinja templates (`blog/templates`, `base.html` and blocks), the style
//!   sheet is a static file (`blog/static`); every form carries the XSRF token and a
//!   POST without it gets 403. Pages are gzipped for clients that ask (`compress_response`).
//! - `--cookie-secret` signs the cookies; without it each start picks a random one (so
//!   a restart logs everyone out), made once before the shards start so they all share it.

mod app;
mod auth;
mod authors;
mod compose;
mod db;
mod entries;
mod markdown;
mod pages;
mod password;
mod session;
mod slug;

use std::path::Path;

use typhoon::httpserver::HttpServer;
use typhoon::ioloop::IoLoop;
use typhoon::options::{define, parse_command_line};

pub use app::{app, Config};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Tornado's demo's `main()`: options, the application, the server, the loop.
fn run() -> Result<(), Box<dyn std::error::Error>> {
    let port = define("port", 8888u16)
        .help("run on the given port")
        .register()?;
    let db = define("db", Path::new("blog.db"))
        .help("the SQLite database file, created on first run")
        .metavar("PATH")
        .register()?;
    let cookie_secret = define("cookie_secret", "")
        .help("the key that signs cookies (random for each start when empty)")
        .register()?;
    let shards = define("shards", 1usize)
        .help("shards sharing the port; 1 is Tornado's listen(port), 0 one per CPU")
        .register()?;
    parse_command_line();

    let mut secret = cookie_secret.get();
    if secret.is_empty() {
        secret = random_secret()?;
    }
    let config = Config {
        db: db.get(),
        cookie_secret: secret,
    };
    let app = app(&config)
        .map_err(|e| format!("cannot open the database {}: {e}", config.db.display()))?;
    let mut server = HttpServer::new(app);
    server.bind(port.get())?;
    server.start(shards.get())?;
    IoLoop::current().start()?;
    Ok(())
}

/// 32 random bytes in hex: a cookie secret for this run.
fn random_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
