//! The blog's authors: signing up, and finding one by id or by email.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

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
        conn.query_row("SELECT EXISTS (SELECT 1 FROM authors)", [], |row| {
            row.get(0)
        })
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
    /// from `password::hash`. Checked and written in one write transaction, so two
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

    /// The author with `email` and their stored password hash, for
    /// `password::verify` (which the caller runs on the blocking pool, away from the
    /// connection).
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn with_password_hash(
        conn: &Connection,
        email: &str,
    ) -> rusqlite::Result<Option<(Author, String)>> {
        conn.query_row(
            "SELECT id, email, name, hashed_password FROM authors WHERE email = ?1",
            [email],
            |row| Ok((Author::from_row(row)?, row.get("hashed_password")?)),
        )
        .optional()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{db, password};
    use super::*;

    #[test]
    fn the_first_to_sign_up_is_the_author_and_the_only_one() {
        let mut conn = db::memory();
        assert!(!Author::any_exists(&conn).unwrap());
        let hashed = password::hash("secret").unwrap();
        let SignUp::Created(ada) =
            Author::sign_up(&mut conn, "ada@example.com", "Ada", &hashed).unwrap()
        else {
            panic!("the first sign-up is refused");
        };
        assert_eq!(
            (ada.email.as_str(), ada.name.as_str()),
            ("ada@example.com", "Ada")
        );
        assert!(Author::any_exists(&conn).unwrap());
        assert_eq!(Author::by_id(&conn, ada.id).unwrap(), Some(ada.clone()));
        assert_eq!(Author::by_id(&conn, ada.id + 1).unwrap(), None);
        assert_eq!(
            Author::sign_up(&mut conn, "bob@example.com", "Bob", &hashed).unwrap(),
            SignUp::Closed
        );
    }

    #[test]
    fn an_author_is_found_by_email_with_the_hash_to_check() {
        let mut conn = db::memory();
        let hashed = password::hash("secret").unwrap();
        Author::sign_up(&mut conn, "ada@example.com", "Ada", &hashed).unwrap();
        let (ada, stored) = Author::with_password_hash(&conn, "ada@example.com")
            .unwrap()
            .unwrap();
        assert_eq!(ada.name, "Ada");
        assert!(password::verify("secret", &stored));
        assert!(!password::verify("Secret", &stored));
        assert_eq!(
            Author::with_password_hash(&conn, "bob@example.com").unwrap(),
            None
        );
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
