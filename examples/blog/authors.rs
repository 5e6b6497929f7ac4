//! The blog's authors: signing up, logging in, looking one up.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use crate::password;

/// An author, as pages show them (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Author {
    /// The id the `blogdemo_user` cookie carries.
    pub id: i64,
    /// What they log in with.
    pub email: String,
    /// What pages call them.
    pub name: String,
}

/// What [`Author::sign_up`] made of a request.
#[derive(Debug, PartialEq, Eq)]
pub enum SignUp {
    /// The new author.
    Created(Author),
    /// The blog has its author already (Tornado's demo: "author already created").
    Closed,
}

impl Author {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Author> {
        Ok(Author {
            id: row.get("id")?,
            email: row.get("email")?,
            name: row.get("name")?,
        })
    }

    /// Whether the blog has an author yet.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn any_exists(conn: &Connection) -> rusqlite::Result<bool> {
        conn.query_row("SELECT EXISTS (SELECT 1 FROM authors)", [], |row| row.get(0))
    }

    /// The author with `id`.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Author>> {
        conn.query_row(
            "SELECT id, email, name FROM authors WHERE id = ?1",
            [id],
            Author::from_row,
        )
        .optional()
    }

    /// Makes the blog's author, as Tornado's demo does: only while there is none, so the
    /// first to sign up writes the blog and everyone else reads it. `hashed_password` is
    /// from [`password::hash`]. Checked and written in one write transaction, so two
    /// shards signing up at once cannot both win.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn sign_up(
        conn: &mut Connection,
        email: &str,
        name: &str,
        hashed_password: &str,
    ) -> rusqlite::Result<SignUp> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if Author::any_exists(&tx)? {
            return Ok(SignUp::Closed);
        }
        tx.execute(
            "INSERT INTO authors (email, name, hashed_password) VALUES (?1, ?2, ?3)",
            params![email, name, hashed_password],
        )?;
        let author = Author {
            id: tx.last_insert_rowid(),
            email: email.to_owned(),
            name: name.to_owned(),
        };
        tx.commit()?;
        Ok(SignUp::Created(author))
    }

    /// The author with `email` if `password` is theirs. Verifying takes Argon2's time
    /// (tens of milliseconds): for the blocking pool.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn log_in(
        conn: &Connection,
        email: &str,
        password: &str,
    ) -> rusqlite::Result<Option<Author>> {
        let found = conn
            .query_row(
                "SELECT id, email, name, hashed_password FROM authors WHERE email = ?1",
                [email],
                |row| Ok((Author::from_row(row)?, row.get::<_, String>("hashed_password")?)),
            )
            .optional()?;
        Ok(found
            .filter(|(_, hashed)| password::verify(password, hashed))
            .map(|(author, _)| author))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;

    #[test]
    fn the_first_to_sign_up_is_the_author_and_the_only_one() {
        let mut conn = db::memory();
        assert!(!Author::any_exists(&conn).unwrap());
        let hashed = password::hash("secret").unwrap();
        let SignUp::Created(ada) = Author::sign_up(&mut conn, "ada@example.com", "Ada", &hashed).unwrap() else {
            panic!("the first sign-up is refused");
        };
        assert_eq!((ada.email.as_str(), ada.name.as_str()), ("ada@example.com", "Ada"));
        assert!(Author::any_exists(&conn).unwrap());
        assert_eq!(Author::by_id(&conn, ada.id).unwrap(), Some(ada.clone()));
        assert_eq!(Author::by_id(&conn, ada.id + 1).unwrap(), None);
        assert_eq!(
            Author::sign_up(&mut conn, "bob@example.com", "Bob", &hashed).unwrap(),
            SignUp::Closed
        );
    }

    #[test]
    fn log_in_needs_the_right_email_and_password() {
        let mut conn = db::memory();
        let hashed = password::hash("secret").unwrap();
        Author::sign_up(&mut conn, "ada@example.com", "Ada", &hashed).unwrap();
        let ada = Author::log_in(&conn, "ada@example.com", "secret").unwrap();
        assert_eq!(ada.map(|a| a.name), Some("Ada".to_owned()));
        assert_eq!(Author::log_in(&conn, "ada@example.com", "Secret").unwrap(), None);
        assert_eq!(Author::log_in(&conn, "bob@example.com", "secret").unwrap(), None);
    }

    #[test]
    fn the_password_is_stored_hashed() {
        let mut conn = db::memory();
        let hashed = password::hash("secret").unwrap();
        Author::sign_up(&mut conn, "ada@example.com", "Ada", &hashed).unwrap();
        let stored: String = conn
            .query_row("SELECT hashed_password FROM authors", [], |row| row.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains("secret"));
    }
}
