//! The pages anyone may read: the home page, the archive, an entry.

use serde_json::json;
use typhoon::web::{Handler, HttpError, RequestHandler, Result};

use super::db::Db;
use super::entries::Entry;
use super::session::Session;

/// Entries on the home page (Tornado's demo shows 5).
const HOME_ENTRIES: u32 = 5;

/// `GET /`: the newest entries; an empty blog sends its visitor to write the first one,
/// as Tornado's demo does.
pub struct Home {
    session: Session,
}

impl Home {
    /// The home page on `db`.
    pub fn new(db: &Db) -> Home {
        Home {
            session: Session::new(db),
        }
    }
}

impl RequestHandler for Home {
    async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        self.session.load(h).await
    }

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.current_user(h).await?;
        Ok(())
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        let entries = self
            .session
            .db
            .call(|conn| Entry::recent(conn, HOME_ENTRIES))
            .await?;
        if entries.is_empty() {
            h.redirect("/compose")?;
            return Ok(());
        }
        h.render("home.html", json!({ "entries": entries }))
    }
}

/// `GET /archive`: every entry, newest first.
pub struct Archive {
    session: Session,
}

impl Archive {
    /// The archive on `db`.
    pub fn new(db: &Db) -> Archive {
        Archive {
            session: Session::new(db),
        }
    }
}

impl RequestHandler for Archive {
    async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        self.session.load(h).await
    }

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.current_user(h).await?;
        Ok(())
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        let entries = self
            .session
            .db
            .call(|conn| Entry::recent(conn, u32::MAX))
            .await?;
        h.render("archive.html", json!({ "entries": entries }))
    }
}

/// `GET /entry/<slug>`: one entry, or 404.
pub struct EntryPage {
    session: Session,
}

impl EntryPage {
    /// Entry pages on `db`.
    pub fn new(db: &Db) -> EntryPage {
        EntryPage {
            session: Session::new(db),
        }
    }
}

impl RequestHandler for EntryPage {
    async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        self.session.load(h).await
    }

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.current_user(h).await?;
        Ok(())
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        let slug = h.path_args()[0].clone();
        let entry = self
            .session
            .db
            .call(move |conn| Entry::by_slug(conn, &slug))
            .await?
            .ok_or_else(|| HttpError::new(404))?;
        h.render("entry.html", json!({ "entry": entry }))
    }
}
