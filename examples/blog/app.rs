//! The blog application: its routes and settings, built by each shard with its own
//! database connection.

use std::path::{Path, PathBuf};

use typhoon::httpserver::{Factory, MakeService, ShardInfo};
use typhoon::web::{url, Application, RequestHandler, Route, Settings};

use super::auth::{CreateAuthor, LogIn, LogOut};
use super::compose::Compose;
use super::db::Db;
use super::pages::{Archive, EntryPage, Home};

/// What the blog needs to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// The SQLite file; created with its schema when missing.
    pub db: PathBuf,
    /// The key that signs the login cookie and the XSRF cookie (every shard must use
    /// the same one, or a cookie set by one shard is refused by the next).
    pub cookie_secret: String,
}

/// The folder that holds `templates/` and `static/` (beside this file, as Tornado's demo
/// finds them beside `blog.py`).
pub fn files() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("blog")
}

/// The blog for [`HttpServer`](typhoon::httpserver::HttpServer): the database is
/// created (or checked) now, and each shard builds its own application, with its own
/// connection, when it starts.
///
/// # Errors
///
/// SQLite's, when the database cannot be created or opened.
pub fn app(config: &Config) -> rusqlite::Result<impl MakeService> {
    Db::create(&config.db)?;
    let files = files();
    let settings = Settings {
        template_path: Some(files.join("templates")),
        static_path: Some(files.join("static")),
        xsrf_cookies: true,
        login_url: Some("/auth/login".to_owned()),
        compress_response: true,
        ..Settings::default()
    }
    .cookie_secret(&config.cookie_secret);
    let path = config.db.clone();
    Ok(Factory(move |shard: &ShardInfo| {
        application(&Db::new(&path), settings.clone()).make_service(shard)
    }))
}

/// One shard's application on `db` (Tornado's demo's `Application`).
fn application(db: &Db, settings: Settings) -> Application {
    Application::new(vec![
        route(r"/", db, Home::new),
        route(r"/archive", db, Archive::new),
        route(r"/entry/([^/]+)", db, EntryPage::new),
        route(r"/compose", db, Compose::new),
        route(r"/auth/create", db, CreateAuthor::new),
        route(r"/auth/login", db, LogIn::new),
        url(r"/auth/logout", || LogOut),
    ])
    .with_settings(settings)
}

/// A route whose handlers are made on `db`.
fn route<H: RequestHandler>(pattern: &str, db: &Db, make: fn(&Db) -> H) -> Route {
    let db = db.clone();
    url(pattern, move || make(&db))
}
