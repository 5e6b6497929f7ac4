//! `/compose`: the author writes a new entry or edits one (`?id=`).

use serde_json::json;
use typhoon::web::{Handler, HttpError, RequestHandler, Result};

use super::db::Db;
use super::entries::Entry;
use super::session::Session;

/// `GET /compose[?id=N]` shows the form (empty, or with entry N); `POST /compose` saves
/// it (a new entry, or entry `id`) and goes to the entry. Only for the author: a visitor
/// who is not logged in is sent to the login page (GET) or refused with 403 (POST), by
/// Tornado's `authenticated`.
pub struct Compose {
    session: Session,
}

impl Compose {
    /// The compose page on `db`.
    pub fn new(db: &Db) -> Compose {
        Compose {
            session: Session::new(db),
        }
    }

    /// The entry `?id=` names, `None` without one; 404 for an id that names none.
    async fn entry_to_edit(&self, h: &Handler) -> Result<Option<Entry>> {
        let id = h.get_argument_or("id", "");
        if id.is_empty() {
            return Ok(None);
        }
        let id: i64 = id.parse().map_err(|_| HttpError::new(404))?;
        let entry = self
            .session
            .db
            .call(move |conn| Entry::by_id(conn, id))
            .await?;
        Ok(Some(entry.ok_or_else(|| HttpError::new(404))?))
    }
}

impl RequestHandler for Compose {
    async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
        self.session.load(h).await
    }

    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.authenticated(h).await?;
        Ok(())
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        let entry = self.entry_to_edit(h).await?;
        h.render("compose.html", json!({ "entry": entry }))
    }

    async fn post(&mut self, h: &mut Handler) -> Result {
        let editing = self.entry_to_edit(h).await?;
        let title = h.get_argument("title")?;
        let text = h.get_argument("markdown")?;
        if title.is_empty() {
            return Err(HttpError::new(400).log("an entry needs a title").into());
        }
        let author_id = self
            .session
            .author
            .as_ref()
            .map(|author| author.id)
            .ok_or_else(|| HttpError::new(403))?;
        let saved = match editing {
            Some(entry) => self
                .session
                .db
                .call(move |conn| Entry::update(conn, entry.id, &title, &text))
                .await?
                .ok_or_else(|| HttpError::new(404))?,
            None => {
                self.session
                    .db
                    .call(move |conn| Entry::create(conn, author_id, &title, &text))
                    .await?
            }
        };
        h.redirect(&format!("/entry/{}", saved.slug))?;
        Ok(())
    }
}
