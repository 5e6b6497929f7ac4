//! Authentication as Tornado does it: the current user, determined once per request, and
//! the `authenticated` guard that sends visitors who are not logged in to `login_url`.
//!
//! Tornado computes `current_user` lazily, on first access. A [`Handler`] cannot call
//! back into its [`RequestHandler`], so the lazy step is the handler's own provided
//! method, [`RequestHandler::current_user`] (or [`RequestHandler::authenticated`]): the
//! first call awaits [`RequestHandler::get_current_user`] and keeps the answer in the
//! `Handler`, where [`Handler::current_user`] reads it. The lifecycle never asks, so a
//! handler that does not use authentication pays nothing.

use typhoon_http1::Method;

use crate::error::{Error, HttpError, Result};
use crate::handler::Handler;
use crate::lifecycle::RequestHandler;

/// [`RequestHandler::current_user`]: the cached user, or `get_current_user` once.
pub(crate) async fn current_user<T: RequestHandler + ?Sized>(
    handler: &mut T,
    h: &mut Handler,
) -> Result<Option<String>> {
    if let Some(user) = h.determined_user() {
        return Ok(user.map(str::to_owned));
    }
    let user = handler.get_current_user(h).await?;
    h.set_current_user(user.clone());
    Ok(user)
}

/// [`RequestHandler::authenticated`]: the user, or a redirect to the login page for
/// GET and HEAD and a 403 for anything else (Tornado's `@authenticated`).
pub(crate) async fn authenticated<T: RequestHandler + ?Sized>(
    handler: &mut T,
    h: &mut Handler,
) -> Result<String> {
    if let Some(user) = current_user(handler, h).await? {
        // Python's truth test: an empty name is nobody.
        if !user.is_empty() {
            return Ok(user);
        }
    }
    if !matches!(h.request().method(), Method::Get | Method::Head) {
        return Err(HttpError::new(403).into());
    }
    let login_url = handler.get_login_url(h)?;
    let url = login_redirect(&login_url, h.uri(), &h.full_url());
    h.redirect(&url)?;
    Err(Error::Finish)
}

/// Where `@authenticated` redirects: `login_url` as it is when it has a query already;
/// else with `?next=` and the request's URI, or its full URL when `login_url` is absolute
/// (has a scheme), form-encoded as Python's `urlencode`.
fn login_redirect(login_url: &str, uri: &str, full_url: &str) -> String {
    if login_url.contains('?') {
        return login_url.to_owned();
    }
    let next = if has_scheme(login_url) { full_url } else { uri };
    format!("{login_url}?next={}", quote_plus(next))
}

/// Characters Python's `quote_plus` leaves alone: ASCII letters, digits, `_.-~` (and
/// the space, which becomes `+` afterwards).
const QUOTE_PLUS: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b' ');

/// Python's `urllib.parse.quote_plus`.
fn quote_plus(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUOTE_PLUS)
        .to_string()
        .replace(' ', "+")
}

/// Whether Python's `urlsplit(url).scheme` is non-empty: after leading control
/// characters and spaces, a letter, then letters, digits or `+-.`, then `:`.
fn has_scheme(url: &str) -> bool {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Tornado 6.6.1's `authenticated` logic on Python 3.11:
    /// `url += "?" + urlencode(dict(next=full_url if urlsplit(url).scheme else uri))`
    /// unless `"?" in url`.
    #[test]
    fn redirects_as_tornado_does() {
        for (login, uri, full, expected) in [
            (
                "/login",
                "/compose?x=1&y=a b",
                "http://h:1/compose?x=1&y=a b",
                "/login?next=%2Fcompose%3Fx%3D1%26y%3Da+b",
            ),
            ("/login?src=x", "/a", "http://h/a", "/login?src=x"),
            (
                "http://auth.example.com/login",
                "/p/é~*_.-",
                "http://h:8/p/é~*_.-",
                "http://auth.example.com/login?next=http%3A%2F%2Fh%3A8%2Fp%2F%C3%A9~%2A_.-",
            ),
            (
                "HTTPS://a/login",
                "/p",
                "http://h/p",
                "HTTPS://a/login?next=http%3A%2F%2Fh%2Fp",
            ),
            (
                "login:foo",
                "/p",
                "http://h/p",
                "login:foo?next=http%3A%2F%2Fh%2Fp",
            ),
            ("1http://x", "/p", "http://h/p", "1http://x?next=%2Fp"),
            (
                " http://x",
                "/p",
                "http://h/p",
                " http://x?next=http%3A%2F%2Fh%2Fp",
            ),
            ("//auth/login", "/p", "http://h/p", "//auth/login?next=%2Fp"),
        ] {
            assert_eq!(login_redirect(login, uri, full), expected, "{login:?}");
        }
    }
}
