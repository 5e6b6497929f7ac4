//! The current user on the handler: the value the lifecycle determined, and the login URL.

use super::Handler;
use crate::error::HttpError;

impl Handler {
    /// The user of this request, once determined (Tornado's `current_user`): by
    /// [`RequestHandler::current_user`](crate::RequestHandler::current_user) or
    /// [`RequestHandler::authenticated`](crate::RequestHandler::authenticated), which
    /// call [`get_current_user`](crate::RequestHandler::get_current_user) on first use,
    /// or by [`set_current_user`](Self::set_current_user). `None` when nobody is logged in
    /// or nothing has asked yet: a handler that shows the user asks first, in `prepare`
    /// or at the top of the verb; this accessor then reads it without awaiting (in a
    /// template, say).
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// struct Home;
    /// impl RequestHandler for Home {
    ///     async fn get_current_user(&mut self, h: &mut Handler) -> Result<Option<String>> {
    ///         Ok(h.get_signed_cookie("user")?)
    ///     }
    ///     async fn prepare(&mut self, h: &mut Handler) -> Result {
    ///         self.current_user(h).await?;
    ///         Ok(())
    ///     }
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         let greeting = match h.current_user() {
    ///             Some(user) => format!("Hello, {user}"),
    ///             None => "Hello, stranger".to_owned(),
    ///         };
    ///         h.write(greeting);
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn current_user(&self) -> Option<&str> {
        self.determined_user().flatten()
    }

    /// Sets the user of this request (Tornado's `self.current_user = …`, typically in
    /// `prepare` after an asynchronous lookup); `get_current_user` is then not called.
    pub fn set_current_user(&mut self, user: Option<String>) {
        self.extras_mut().current_user = Some(user);
    }

    /// The user if determined (`Some(None)`: nobody), `None` if not yet.
    pub(crate) fn determined_user(&self) -> Option<Option<&str>> {
        self.extras()?.current_user.as_ref().map(Option::as_deref)
    }

    /// Whether a user is logged in, as Python tests `self.current_user`: an empty name
    /// counts as nobody.
    pub(crate) fn logged_in(&self) -> bool {
        self.current_user().is_some_and(|user| !user.is_empty())
    }

    /// The [`login_url`](crate::Settings::login_url) setting (Tornado's `get_login_url`),
    /// where [`RequestHandler::authenticated`](crate::RequestHandler::authenticated)
    /// sends visitors who are not logged in.
    ///
    /// # Errors
    ///
    /// 500 when the setting is missing (Tornado's `require_setting`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let login = h.get_login_url()?;
    ///     h.write(format!(r#"<a href="{login}">log in</a>"#));
    ///     Ok(())
    /// }
    /// ```
    pub fn get_login_url(&self) -> Result<String, HttpError> {
        self.app.settings.login_url.clone().ok_or_else(|| {
            HttpError::new(500).log(
                "You must define the 'login_url' setting in your application to use authenticated",
            )
        })
    }
}
