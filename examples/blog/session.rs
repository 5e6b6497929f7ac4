//! Who is logged in: the signed `blogdemo_user` cookie and the author it names (what
//! Tornado's demo keeps in its `BaseHandler`).

use typhoon::web::cookies::{CookieOptions, SameSite};
use typhoon::web::{Handler, Result};

use super::authors::Author;
use super::db::Db;

/// The signed cookie that holds the id of the author logged in (Tornado's demo's name).
pub const COOKIE: &str = "blogdemo_user";

/// What every page of the blog holds: the shard's database and the author logged in.
pub struct Session {
    /// This shard's database.
    pub db: Db,
    /// The author the cookie names, once [`Session::load`] has looked.
    pub author: Option<Author>,
}

impl Session {
    /// A session on `db`, nobody known yet.
    pub fn new(db: &Db) -> Session {
        Session {
            db: db.clone(),
            author: None,
        }
    }

    /// Looks up the author the cookie names and keeps them; returns their name, which
    /// a handler's `get_current_user` returns (so `authenticated` and `current_user`
    /// work as in Tornado). A cookie that is unsigned, stale (31 days, Tornado's
    /// `max_age_days`) or names no author means nobody.
    ///
    /// # Errors
    ///
    /// 500 when the database fails.
    pub async fn load(&mut self, h: &mut Handler) -> Result<Option<String>> {
        let id = h
            .get_signed_cookie(COOKIE)?
            .and_then(|id| id.parse::<i64>().ok());
        self.author = match id {
            Some(id) => self.db.call(move |conn| Author::by_id(conn, id)).await?,
            None => None,
        };
        Ok(self.author.as_ref().map(|author| author.name.clone()))
    }

    /// Logs `author` in: the signed cookie, for 30 days, out of reach of scripts and not
    /// sent along with other sites' forms (`SameSite=Lax`).
    ///
    /// # Errors
    ///
    /// 500 without a cookie secret.
    pub fn log_in(h: &mut Handler, author: &Author) -> Result {
        let options = CookieOptions {
            httponly: true,
            samesite: Some(SameSite::Lax),
            ..CookieOptions::default()
        };
        h.set_signed_cookie(COOKIE, &author.id.to_string(), &options)?;
        Ok(())
    }

    /// Logs out: the cookie is cleared.
    ///
    /// # Errors
    ///
    /// Never in practice (the cookie's name is valid).
    pub fn log_out(h: &mut Handler) -> Result {
        h.clear_cookie(COOKIE, &CookieOptions::default())?;
        Ok(())
    }
}

/// Where to go after logging in or out: `next` when it is a path on this site, else `/`
/// (Tornado's chat demo guards `next` the same way; a full URL, `//host/…` or `/\host`
/// would send the visitor to another site).
pub fn local_next(next: &str) -> &str {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    if local {
        next
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::local_next;

    #[test]
    fn next_stays_on_this_site() {
        for (next, to) in [
            ("/compose", "/compose"),
            ("/entry/a?b=c", "/entry/a?b=c"),
            ("", "/"),
            ("compose", "/"),
            ("https://evil.example/", "/"),
            ("//evil.example/", "/"),
            ("/\\evil.example/", "/"),
            ("javascript:alert(1)", "/"),
        ] {
            assert_eq!(local_next(next), to, "{next:?}");
        }
    }
}
