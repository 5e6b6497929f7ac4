//! The blog's entries: writing, editing, listing and reading them.

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use super::markdown;
use super::slug::slugify;

/// The columns [`Entry::from_row`] reads, with the author's name joined in.
const COLUMNS: &str = "e.id, e.author_id, a.name AS author_name, e.slug, e.title, e.markdown, \
                       e.html, e.published, e.updated \
                       FROM entries e JOIN authors a ON a.id = e.author_id";

/// The time SQLite writes into `published` and `updated`: UTC, ISO 8601, to the second.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";

/// An entry with its author's name, as pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its id (the compose page's `?id=`).
    pub id: i64,
    /// Who wrote it.
    pub author_id: i64,
    /// Their name.
    pub author_name: String,
    /// Its URL under `/entry/`, made from the first title and kept when the title changes.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// What the author wrote.
    pub markdown: String,
    /// `markdown` rendered by [`markdown::to_html`] when it was saved.
    pub html: String,
    /// When it was first saved (`2026-12-05T19:30:00Z`).
    pub published: String,
    /// When it was last saved.
    pub updated: String,
}

impl Entry {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
        Ok(Entry {
            id: row.get("id")?,
            author_id: row.get("author_id")?,
            author_name: row.get("author_name")?,
            slug: row.get("slug")?,
            title: row.get("title")?,
            markdown: row.get("markdown")?,
            html: row.get("html")?,
            published: row.get("published")?,
            updated: row.get("updated")?,
        })
    }

    /// The newest `limit` entries, newest first (the home page shows 5, the archive all).
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Entry>> {
        let mut query = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} ORDER BY e.published DESC, e.id DESC LIMIT ?1"
        ))?;
        let entries = query.query_map([limit], Entry::from_row)?;
        entries.collect()
    }

    /// The entry at `/entry/<slug>`.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn by_slug(conn: &Connection, slug: &str) -> rusqlite::Result<Option<Entry>> {
        conn.query_row(
            &format!("SELECT {COLUMNS} WHERE e.slug = ?1"),
            [slug],
            Entry::from_row,
        )
        .optional()
    }

    /// The entry with `id`.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
        conn.query_row(
            &format!("SELECT {COLUMNS} WHERE e.id = ?1"),
            [id],
            Entry::from_row,
        )
        .optional()
    }

    /// Saves a new entry by `author_id`, with a slug made from `title`; a slug taken by
    /// another entry gets `-2`, `-3`, … (Tornado's demo appends `-2` again and again).
    /// Checked and written in one write transaction, so two shards cannot take one slug.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn create(
        conn: &mut Connection,
        author_id: i64,
        title: &str,
        text: &str,
    ) -> rusqlite::Result<Entry> {
        let html = markdown::to_html(text);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let base = slugify(title);
        let mut slug = base.clone();
        for n in 2.. {
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM entries WHERE slug = ?1)",
                [&slug],
                |row| row.get(0),
            )?;
            if !taken {
                break;
            }
            slug = format!("{base}-{n}");
        }
        tx.execute(
            &format!(
                "INSERT INTO entries (author_id, slug, title, markdown, html, published, updated)
                 VALUES (?1, ?2, ?3, ?4, ?5, {NOW}, {NOW})"
            ),
            params![author_id, slug, title, text, html],
        )?;
        let id = tx.last_insert_rowid();
        let entry = Entry::by_id(&tx, id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        tx.commit()?;
        Ok(entry)
    }

    /// Replaces the title and text of entry `id`, keeping its slug (links to it stay
    /// good, as in Tornado's demo); `None` if there is no such entry.
    ///
    /// # Errors
    ///
    /// SQLite's.
    pub fn update(
        conn: &Connection,
        id: i64,
        title: &str,
        text: &str,
    ) -> rusqlite::Result<Option<Entry>> {
        let html = markdown::to_html(text);
        let changed = conn.execute(
            &format!(
                "UPDATE entries SET title = ?1, markdown = ?2, html = ?3, updated = {NOW}
                 WHERE id = ?4"
            ),
            params![title, text, html, id],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        Entry::by_id(conn, id)
    }
}

#[cfg(test)]
mod tests {
    use super::super::authors::{Author, SignUp};
    use super::super::db;
    use super::*;

    fn with_author() -> (Connection, i64) {
        let mut conn = db::memory();
        let SignUp::Created(author) =
            Author::sign_up(&mut conn, "ada@example.com", "Ada", "hash").unwrap()
        else {
            panic!("no author");
        };
        (conn, author.id)
    }

    #[test]
    fn an_entry_is_saved_with_its_html_and_slug() {
        let (mut conn, ada) = with_author();
        let entry = Entry::create(&mut conn, ada, "Hello, World!", "Some *Markdown*.").unwrap();
        assert_eq!(entry.slug, "hello-world");
        assert_eq!(entry.title, "Hello, World!");
        assert_eq!(entry.author_name, "Ada");
        assert_eq!(entry.markdown, "Some *Markdown*.");
        assert_eq!(entry.html, "<p>Some <em>Markdown</em>.</p>\n");
        assert_eq!(entry.published, entry.updated);
        assert!(
            entry.published.ends_with('Z') && entry.published.len() == 20,
            "{}",
            entry.published
        );
        assert_eq!(
            Entry::by_slug(&conn, "hello-world").unwrap(),
            Some(entry.clone())
        );
        assert_eq!(Entry::by_id(&conn, entry.id).unwrap(), Some(entry));
        assert_eq!(Entry::by_slug(&conn, "nope").unwrap(), None);
    }

    #[test]
    fn a_taken_slug_gets_a_number() {
        let (mut conn, ada) = with_author();
        let slugs: Vec<String> = (0..3)
            .map(|_| {
                Entry::create(&mut conn, ada, "Same title", "x")
                    .unwrap()
                    .slug
            })
            .collect();
        assert_eq!(slugs, ["same-title", "same-title-2", "same-title-3"]);
    }

    #[test]
    fn raw_html_in_a_post_is_escaped_when_saved() {
        let (mut conn, ada) = with_author();
        let entry = Entry::create(&mut conn, ada, "x", "<script>alert(1)</script>").unwrap();
        assert!(!entry.html.contains("<script"), "{}", entry.html);
    }

    #[test]
    fn an_edit_keeps_the_slug_and_renders_again() {
        let (mut conn, ada) = with_author();
        let entry = Entry::create(&mut conn, ada, "First title", "old").unwrap();
        let edited = Entry::update(&conn, entry.id, "Second title", "**new**")
            .unwrap()
            .unwrap();
        assert_eq!(edited.slug, "first-title");
        assert_eq!(edited.title, "Second title");
        assert_eq!(edited.html, "<p><strong>new</strong></p>\n");
        assert_eq!(edited.published, entry.published);
        assert!(edited.updated >= entry.updated);
        assert_eq!(Entry::update(&conn, entry.id + 1, "t", "m").unwrap(), None);
    }

    #[test]
    fn recent_lists_the_newest_first() {
        let (mut conn, ada) = with_author();
        for title in ["one", "two", "three"] {
            Entry::create(&mut conn, ada, title, title).unwrap();
        }
        // Saved within one second: the id breaks the tie.
        let titles = |limit| -> Vec<String> {
            Entry::recent(&conn, limit)
                .unwrap()
                .into_iter()
                .map(|e| e.title)
                .collect()
        };
        assert_eq!(titles(5), ["three", "two", "one"]);
        assert_eq!(titles(2), ["three", "two"]);
        conn.execute(
            "UPDATE entries SET published = '2000-01-01T00:00:00Z' WHERE title = 'three'",
            [],
        )
        .unwrap();
        assert_eq!(titles(5), ["two", "one", "three"]);
    }
}
