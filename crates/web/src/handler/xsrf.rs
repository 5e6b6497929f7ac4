//! XSRF on the handler: the token a page hands out, and the check of what a form sent back.

use typhoon_http1::Method;

use super::Handler;
use crate::error::HttpError;
use crate::xsrf::{decode_xsrf_token, form_html, RawToken};

/// A request's XSRF token (kept in the handler's extras once read or made).
#[derive(Debug)]
pub(crate) struct XsrfState {
    /// The secret: from the cookie when it could be read, else new.
    raw: RawToken,
    /// The raw token was read from the cookie, which therefore needs no setting.
    from_cookie: bool,
    /// The token this request handed out, masked once and then the same for every call
    /// (as Tornado caches `_xsrf_token`).
    issued: Option<String>,
}

impl Handler {
    /// The XSRF token for this request (Tornado's `xsrf_token`), to put in forms and
    /// AJAX headers; with [`Settings::xsrf_cookies`](crate::Settings::xsrf_cookies)
    /// unsafe requests must send it back.
    ///
    /// The secret comes from the `_xsrf` cookie when the request has a readable one;
    /// otherwise 16 new random bytes, and the first call sets the cookie (with
    /// [`xsrf_cookie_kwargs`](crate::Settings::xsrf_cookie_kwargs), and 30 days of life
    /// when a user is logged in). In version 2 (the default) the secret is masked with 4
    /// new random bytes for each request, so the string differs between requests while
    /// every one of them validates; within a request every call returns the same string.
    ///
    /// # Panics
    ///
    /// If the operating system has no random bytes to give (Tornado's `os.urandom`
    /// raising); the server answers 500.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// struct Page;
    /// impl RequestHandler for Page {
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         let token = h.xsrf_token();
    ///         h.write(format!("<script>const xsrf = {token:?};</script>"));
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn xsrf_token(&mut self) -> String {
        if let Some(token) = self.xsrf_state().issued.clone() {
            return token;
        }
        let settings = &self.app.settings;
        let version = settings.xsrf_cookie_version;
        let state = self.xsrf_state();
        let token = state.raw.encode(version, random_bytes());
        state.issued = Some(token.clone());
        if !state.from_cookie {
            self.set_xsrf_cookie(&token);
        }
        token
    }

    /// `<input type="hidden" name="_xsrf" value="…"/>` with [`xsrf_token`](Self::xsrf_token),
    /// for every form that POSTs (Tornado's `xsrf_form_html`).
    ///
    /// # Panics
    ///
    /// As [`xsrf_token`](Self::xsrf_token).
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{xhtml_escape, Handler, RequestHandler, Result};
    ///
    /// struct Compose;
    /// impl RequestHandler for Compose {
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         let form = format!(
    ///             r#"<form method="post" action="/compose">{}<textarea name="body"></textarea></form>"#,
    ///             h.xsrf_form_html()
    ///         );
    ///         h.write(form);
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn xsrf_form_html(&mut self) -> String {
        form_html(&self.xsrf_token())
    }

    /// Checks that the request carries the token of its `_xsrf` cookie (Tornado's
    /// `check_xsrf_cookie`): in the `_xsrf` argument (query or form), else the
    /// `X-XSRFToken` or `X-CSRFToken` header, in either version; compared in constant
    /// time after unmasking. The lifecycle calls it (through
    /// [`RequestHandler::check_xsrf_cookie`](crate::RequestHandler::check_xsrf_cookie))
    /// before `prepare` for POST, PUT, PATCH and DELETE when
    /// [`Settings::xsrf_cookies`](crate::Settings::xsrf_cookies) is on.
    ///
    /// # Errors
    ///
    /// 403, logged as Tornado logs it: `'_xsrf' argument missing from POST`,
    /// `'_xsrf' argument has invalid format`, or `XSRF cookie does not match POST
    /// argument`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// /// An API that takes requests signed some other way skips the cookie check
    /// /// for them.
    /// struct Api;
    /// impl RequestHandler for Api {
    ///     fn check_xsrf_cookie(&mut self, h: &mut Handler) -> Result {
    ///         if h.request_header("Authorization").is_some() {
    ///             return Ok(());
    ///         }
    ///         Ok(h.check_xsrf_cookie()?)
    ///     }
    /// }
    /// ```
    pub fn check_xsrf_cookie(&mut self) -> Result<(), HttpError> {
        let submitted = self
            .get_argument("_xsrf")
            .ok()
            .filter(|token| !token.is_empty())
            .or_else(|| self.xsrf_header("X-Xsrftoken"))
            .or_else(|| self.xsrf_header("X-Csrftoken"))
            .ok_or_else(|| refuse("'_xsrf' argument missing from POST"))?;
        let submitted = decode_xsrf_token(&submitted, unix_now())
            .map(|(_, raw)| raw)
            .filter(|raw| !raw.token.is_empty())
            .ok_or_else(|| refuse("'_xsrf' argument has invalid format"))?;
        if !self.xsrf_state().raw.matches(&submitted) {
            return Err(refuse("XSRF cookie does not match POST argument"));
        }
        Ok(())
    }

    /// Whether the lifecycle checks XSRF before `prepare`: an unsafe method with
    /// `xsrf_cookies` on (Tornado skips GET, HEAD and OPTIONS). The method is looked at
    /// first, so a GET costs one comparison.
    #[inline]
    pub(crate) fn xsrf_check_applies(&self) -> bool {
        matches!(
            self.request.method(),
            Method::Post | Method::Put | Method::Patch | Method::Delete
        ) && self.app.settings.xsrf_cookies
    }

    /// A non-empty XSRF header.
    fn xsrf_header(&self, name: &str) -> Option<String> {
        self.request_header(name)
            .filter(|token| !token.is_empty())
            .map(str::to_owned)
    }

    /// The request's token, read from its cookie or made on first use (Tornado's
    /// `_get_raw_xsrf_token`).
    fn xsrf_state(&mut self) -> &mut XsrfState {
        let known = self.extras_mut().xsrf.take();
        let state = known.unwrap_or_else(|| self.read_xsrf_state());
        self.extras_mut().xsrf.insert(state)
    }

    /// The token of the request's XSRF cookie when it has a readable one, else a new one.
    fn read_xsrf_state(&self) -> XsrfState {
        let now = unix_now();
        let from_cookie = self
            .get_cookie(&self.app.settings.xsrf_cookie_name)
            .filter(|cookie| !cookie.is_empty())
            .and_then(|cookie| decode_xsrf_token(&cookie, now));
        match from_cookie {
            Some((_, raw)) => XsrfState {
                raw,
                from_cookie: true,
                issued: None,
            },
            None => XsrfState {
                raw: RawToken {
                    token: random_bytes::<16>().to_vec(),
                    timestamp: now,
                },
                from_cookie: false,
                issued: None,
            },
        }
    }

    /// Sets the XSRF cookie to `token` with the configured attributes.
    fn set_xsrf_cookie(&mut self, token: &str) {
        let settings = &self.app.settings;
        let mut options = settings.xsrf_cookie_kwargs.clone();
        if self.logged_in() && options.expires_days.is_none() {
            options.expires_days = Some(30.0);
        }
        let name = settings.xsrf_cookie_name.clone();
        if let Err(err) = self.set_cookie(&name, token, &options) {
            // Only a misconfigured name or attribute gets here; the page still works for
            // clients that already hold a cookie.
            log::error!("the XSRF cookie was not set: {err}");
        }
    }
}

/// A 403 with Tornado's log message.
#[cold]
fn refuse(message: &str) -> HttpError {
    HttpError::new(403).log(message)
}

/// `N` random bytes from the operating system.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::getrandom(&mut bytes).expect("the operating system gives random bytes");
    bytes
}

/// Unix seconds, as Tornado's `int(time.time())`.
fn unix_now() -> i64 {
    i64::try_from(super::unix_now()).unwrap_or(i64::MAX)
}
