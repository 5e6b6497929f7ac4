//! Signing up, logging in and out (Tornado's demo's `AuthCreateHandler`,
//! `AuthLoginHandler`, `AuthLogoutHandler`).

use serde_json::json;
use typhoon::web::{Handler, HttpError, RequestHandler, Result};

use super::authors::{Author, SignUp};
use super::db::Db;
use super::password;
use super::session::{local_next, Session};

/// What the login page says to a wrong email or password (one message for both, so it
/// does not tell who has an account; Tornado's demo tells them apart).
const BAD_LOGIN: &str = "Incorrect email or password.";

/// `/auth/create`: the form, then the blog's author made and logged in. Only while the
/// blog has no author, as in Tornado's demo: afterwards GET goes to the login page and
/// POST gets 400.
pub struct CreateAuthor {
    session: Session,
}

impl CreateAuthor {
    /// The sign-up page on `db`.
    pub fn new(db: &Db) -> CreateAuthor {
        CreateAuthor {
            session: Session::new(db),
        }
    }
}

impl RequestHandler for CreateAuthor {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let next = local_next(&h.get_argument_or("next", "/")).to_owned();
        if self
            .session
            .db
            .call(|conn| Author::any_exists(conn))
            .await?
        {
            h.redirect("/auth/login")?;
            return Ok(());
        }
        h.render("create_author.html", json!({ "next": next }))
    }

    async fn post(&mut self, h: &mut Handler) -> Result {
        let email = h.get_argument("email")?;
        let name = h.get_argument("name")?;
        let password = h.get_argument("password")?;
        if email.is_empty() || name.is_empty() || password.is_empty() {
            return Err(HttpError::new(400)
                .log("signing up needs an email, a name and a password")
                .into());
        }
        let hashed = password::hash_on_pool(password).await?;
        let made = self
            .session
            .db
            .call(move |conn| Author::sign_up(conn, &email, &name, &hashed))
            .await?;
        let SignUp::Created(author) = made else {
            return Err(HttpError::new(400).log("author already created").into());
        };
        Session::log_in(h, &author)?;
        let next = local_next(&h.get_argument_or("next", "/")).to_owned();
        h.redirect(&next)?;
        Ok(())
    }
}

/// `/auth/login` (the `login_url`): the form, then the author logged in and sent to
/// `next`. With no author yet, GET goes to the sign-up page.
pub struct LogIn {
    session: Session,
}

impl LogIn {
    /// The login page on `db`.
    pub fn new(db: &Db) -> LogIn {
        LogIn {
            session: Session::new(db),
        }
    }

    fn form(&self, h: &mut Handler, error: Option<&str>) -> Result {
        let next = local_next(&h.get_argument_or("next", "/")).to_owned();
        h.render("login.html", json!({ "next": next, "error": error }))
    }
}

impl RequestHandler for LogIn {
    async fn get(&mut self, h: &mut Handler) -> Result {
        if !self
            .session
            .db
            .call(|conn| Author::any_exists(conn))
            .await?
        {
            let next = local_next(&h.get_argument_or("next", "/")).to_owned();
            let query = typhoon::web::arguments::escape_path_arg(&next);
            h.redirect(&format!("/auth/create?next={query}"))?;
            return Ok(());
        }
        self.form(h, None)
    }

    async fn post(&mut self, h: &mut Handler) -> Result {
        let email = h.get_argument("email")?;
        let password = h.get_argument("password")?;
        let found = self
            .session
            .db
            .call(move |conn| Author::with_password_hash(conn, &email))
            .await?;
        let (author, stored) = found.unzip();
        let author = password::verify_on_pool(password, stored)
            .await?
            .then_some(author)
            .flatten();
        let Some(author) = author else {
            return self.form(h, Some(BAD_LOGIN));
        };
        Session::log_in(h, &author)?;
        let next = local_next(&h.get_argument_or("next", "/")).to_owned();
        h.redirect(&next)?;
        Ok(())
    }
}

/// `POST /auth/logout`: the cookie cleared, then `next` (a form with the XSRF token, so
/// no other site can log a reader out; Tornado's demo uses a GET link).
pub struct LogOut;

impl RequestHandler for LogOut {
    async fn post(&mut self, h: &mut Handler) -> Result {
        Session::log_out(h)?;
        let next = local_next(&h.get_argument_or("next", "/")).to_owned();
        h.redirect(&next)?;
        Ok(())
    }
}
