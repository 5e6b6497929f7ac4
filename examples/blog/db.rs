//! The blog's SQLite database: its schema, and each shard's connection to it.
//!
//! # One connection per shard, used on the blocking pool
//!
//! Every SQLite call blocks: it reads and writes the file, and a writer waits (up to
//! [`BUSY_TIMEOUT`]) while another connection writes. So no call runs on a shard's
//! thread, where it would stall every request of the shard: [`Db::call`] runs it on the
//! shard's blocking pool (`IoLoop::run_in_executor`) and the handler awaits the result.
//!
//! Each shard opens its own connection (lazily, on that pool, on first use) and keeps it:
//! the shards share nothing in the process, and SQLite does the locking between them
//! as it would between processes. The file is in WAL mode, so readers on every shard go
//! on while one shard writes, and writers queue on the busy timeout. Within one shard the
//! connection sits behind a mutex, since its pool has several threads; a shard's queries
//! run one at a time, which for a blog is plenty.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::Connection;
use typhoon::ioloop::IoLoop;
use typhoon::web::HttpError;

/// How long a write waits for another connection's write before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Tornado's demo schema (`schema.sql`) in SQLite's types; times are UTC, ISO 8601 text.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS authors (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    hashed_password TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT NOT NULL,
    published TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_published ON entries(published);
";

/// A shard's handle on the database; clones share the shard's connection.
#[derive(Clone)]
pub struct Db {
    path: Arc<PathBuf>,
    /// Opened by the first [`Db::call`].
    conn: Arc<Mutex<Option<Connection>>>,
}

impl Db {
    /// Creates the database at `path` with its schema, or checks the one there: a file
    /// that is not SQLite, or that cannot be written, fails here, before the server starts.
    /// Blocking: for `main`, not for a shard.
    ///
    /// # Errors
    ///
    /// SQLite's, when the file cannot be opened, created or given the schema.
    pub fn create(path: &Path) -> rusqlite::Result<()> {
        let conn = open(path)?;
        // WAL is a property of the file: set once, every later connection uses it.
        conn.pragma_update(None, "journal_mode", "wal")?;
        conn.execute_batch(SCHEMA)
    }

    /// A handle for one shard; its connection opens on first use.
    pub fn new(path: &Path) -> Db {
        Db {
            path: Arc::new(path.to_owned()),
            conn: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `f` with this shard's connection on the shard's blocking pool and waits for
    /// it without blocking the shard.
    ///
    /// # Errors
    ///
    /// 500 (the SQLite error goes to the log) when `f` fails, the connection cannot be
    /// opened, or `f` panics.
    pub async fn call<R, F>(&self, f: F) -> Result<R, HttpError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let (path, conn) = (self.path.clone(), self.conn.clone());
        let result = IoLoop::current()
            .run_in_executor(move || {
                // A panic in an earlier `f` leaves nothing half-done: an open
                // transaction rolled back when it unwound.
                let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                let conn = match &mut *conn {
                    Some(conn) => conn,
                    empty => empty.insert(open(&path)?),
                };
                f(conn)
            })
            .await;
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(HttpError::new(500).log(format!("database: {e}"))),
            Err(panic) => Err(HttpError::new(500).log(format!("database: {panic}"))),
        }
    }
}

/// Opens `path` (creating the file) for this process's use.
fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // With WAL, NORMAL loses no committed data on a crash of the process, only on a crash
    // of the machine, and saves an fsync per commit.
    conn.pragma_update(None, "synchronous", "normal")?;
    Ok(conn)
}

/// A connection to a fresh in-memory database with the schema, for unit tests.
#[cfg(test)]
pub fn memory() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory SQLite");
    conn.pragma_update(None, "foreign_keys", true)
        .expect("pragma");
    conn.execute_batch(SCHEMA).expect("schema");
    conn
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("blog-db-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("blog.db")
    }

    #[test]
    fn create_makes_the_file_in_wal_mode_and_is_idempotent() {
        let path = temp_path("create");
        assert!(!path.exists());
        Db::create(&path).unwrap();
        assert!(path.exists());
        open(&path)
            .unwrap()
            .execute(
                "INSERT INTO authors (email, name, hashed_password) VALUES ('a@b', 'A', 'h')",
                [],
            )
            .unwrap();
        // A second start keeps what is there.
        Db::create(&path).unwrap();
        let conn = open(&path).unwrap();
        let names: i64 = conn
            .query_row("SELECT COUNT(*) FROM authors", [], |row| row.get(0))
            .unwrap();
        assert_eq!(names, 1);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let timeout: i64 = conn
            .pragma_query_value(None, "busy_timeout", |row| row.get(0))
            .unwrap();
        assert_eq!(timeout, 5000);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn create_refuses_a_file_that_is_not_sqlite() {
        let path = temp_path("garbage");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        assert!(Db::create(&path).is_err());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn entries_need_an_existing_author() {
        let conn = memory();
        let orphan = conn.execute(
            "INSERT INTO entries (author_id, slug, title, markdown, html, published, updated)
             VALUES (42, 's', 't', 'm', 'h', 'p', 'u')",
            [],
        );
        assert!(orphan.is_err());
    }
}
