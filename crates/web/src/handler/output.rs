//! Building the response: body, status, headers, cookies, redirects, errors, streaming
//! with `flush`, and `finish` (Content-Length, or chunks after a flush; automatic ETag;
//! gzip when `compress_response` is on, in `gzip.rs`).

use std::time::{Duration, SystemTime};

use serde::Serialize;
use typhoon_http1::{CheckedField, Field, HeaderField, Method};

use super::{Extras, Handler};
use crate::cookies::{create_signed_value, format_clear_cookie, format_set_cookie, CookieOptions};
use crate::error::{error_page, HttpError, Result};
use crate::etag::{etag_matches, Etag};
use crate::spares::Headers;

/// A handler slower than this may have lost its client meanwhile: worth a look.
const SLOW: Duration = Duration::from_millis(10);

/// Tornado's default Content-Type, which `clear` restores.
const HTML: Field<'static> = Field::from_static("Content-Type", "text/html; charset=UTF-8");
/// What `write_json` sets.
const JSON: Field<'static> = Field::from_static("Content-Type", "application/json; charset=UTF-8");

/// Makes `headers` Tornado's defaults: only `Content-Type: text/html; charset=UTF-8`
/// (`Server` and `Date` are added on the wire). `clear` and a new handler share it.
pub(super) fn default_headers(headers: &mut Headers) {
    headers.clear();
    headers.push(HTML);
}

impl Handler {
    /// Appends `chunk` (text or bytes) to the response body.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     h.write("good boy");
    ///     h.write(b"\n".as_slice());
    ///     Ok(())
    /// }
    /// ```
    pub fn write(&mut self, chunk: impl AsRef<[u8]>) {
        if self.writable() {
            self.body.extend_from_slice(chunk.as_ref());
        }
    }

    /// Whether the body may still grow; after `finish`, warns that the write is ignored.
    fn writable(&self) -> bool {
        if self.is_finished() {
            log::warn!("write() after finish() ignored: {}", self.request_summary());
            return false;
        }
        true
    }

    /// Appends `len` bytes that `fill` writes in place (it is given them zeroed), kept
    /// only if it returns `true`: a body read straight into the response, not copied
    /// there. Ignored after `finish`, as `write` is.
    pub(crate) fn write_in_place(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> bool,
    ) -> bool {
        if !self.writable() {
            return true;
        }
        let start = self.body.len();
        self.body.resize(start + len, 0);
        let kept = fill(&mut self.body[start..]);
        if !kept {
            self.body.truncate(start);
        }
        kept
    }

    /// Writes `value` as JSON and sets `Content-Type: application/json; charset=UTF-8`
    /// (Tornado's `write(dict)`; set another type after this call to override it).
    ///
    /// # Errors
    ///
    /// 500 if `value` cannot be serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     h.write_json(&serde_json::json!({"message": "Hello, World!"}))?;
    ///     // body: {"message": "Hello, World!"}
    ///     Ok(())
    /// }
    /// ```
    pub fn write_json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), HttpError> {
        let text = crate::json::json_encode(value)
            .map_err(|e| HttpError::new(500).log(format!("JSON encoding failed: {e}")))?;
        self.write(text);
        self.replace_header(JSON);
        Ok(())
    }

    /// Sets the status code, with its standard reason phrase.
    pub fn set_status(&mut self, status: u16) {
        self.status = status;
        if let Some(extras) = self.extras.as_deref_mut() {
            extras.reason.clear();
        }
    }

    /// Sets the status code with a custom reason phrase (one with `<`, CR or LF becomes
    /// `Unknown`, as in Tornado).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     h.set_status_reason(299, "Mostly Fine");
    ///     Ok(())
    /// }
    /// ```
    pub fn set_status_reason(&mut self, status: u16, reason: &str) {
        self.status = status;
        let safe = !reason.is_empty()
            && reason
                .bytes()
                .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f && b != b'<'));
        self.extras_mut().reason = if safe {
            reason.to_owned()
        } else {
            "Unknown".to_owned()
        };
    }

    /// The custom reason phrase; empty for the standard one.
    fn reason(&self) -> &str {
        Extras::reason_in(&self.extras)
    }

    /// The status code so far.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Sets a response header, replacing its values.
    ///
    /// # Errors
    ///
    /// 500 if the name is not a token or the value holds a control character: CR or LF
    /// would let a value inject headers (Tornado's "Unsafe header value").
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     h.set_header("Cache-Control", "no-store")?;
    ///     h.set_header("X-Request-Count", 7)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn set_header(&mut self, name: &str, value: impl ToString) -> Result<(), HttpError> {
        let field = checked_header(name, value.to_string())?;
        self.replace_header(field);
        Ok(())
    }

    /// Adds a response header value, keeping existing ones (for `Set-Cookie`, `Link`, …).
    ///
    /// # Errors
    ///
    /// As [`set_header`](Self::set_header).
    pub fn add_header(&mut self, name: &str, value: impl ToString) -> Result<(), HttpError> {
        let field = checked_header(name, value.to_string())?;
        self.headers.push(field);
        Ok(())
    }

    /// Removes every value of a response header.
    pub fn clear_header(&mut self, name: &str) {
        self.headers
            .retain(|f| !f.name().eq_ignore_ascii_case(name));
    }

    /// A response header set so far (the first value).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
            .map(Field::value)
    }

    /// Resets status, headers and body to their defaults (Tornado's `clear`): 200 and
    /// `Content-Type: text/html; charset=UTF-8`; `Server` and `Date` are added on the wire.
    pub fn clear(&mut self) {
        self.set_status(200);
        default_headers(&mut self.headers);
        self.body.clear();
    }

    /// Redirects to `url` with 302 and finishes (Tornado's `redirect(url)`).
    ///
    /// # Errors
    ///
    /// As [`redirect_with`](Self::redirect_with).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     h.redirect("/hello")?; // 302, Location: /hello
    ///     Ok(())
    /// }
    /// ```
    pub fn redirect(&mut self, url: &str) -> Result<(), HttpError> {
        self.redirect_with(url, false, None)
    }

    /// Redirects with 301 when `permanent`, or an explicit `status` (300–399).
    ///
    /// # Errors
    ///
    /// 500 if the head was already sent, the status is not 3xx, or the URL has CR/LF.
    pub fn redirect_with(
        &mut self,
        url: &str,
        permanent: bool,
        status: Option<u16>,
    ) -> Result<(), HttpError> {
        if self.head_sent {
            return Err(HttpError::new(500).log("Cannot redirect after headers have been written"));
        }
        let status = status.unwrap_or(if permanent { 301 } else { 302 });
        if !(300..400).contains(&status) {
            return Err(HttpError::new(500).log(format!("redirect status {status} is not 3xx")));
        }
        self.set_status(status);
        self.set_header("Location", url)?;
        self.body.clear();
        self.finish_requested = true;
        Ok(())
    }

    /// Sets cookie `name` (Tornado's `set_cookie`): `Path=/` unless given; `options` carry
    /// domain, expiry, max-age, `HttpOnly`, `Secure`, `SameSite`.
    ///
    /// # Errors
    ///
    /// 500 for a name or value with characters a cookie cannot hold.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     use typhoon_web::cookies::{CookieOptions, SameSite};
    ///     let options = CookieOptions { httponly: true, samesite: Some(SameSite::Lax), max_age: Some(3600), ..CookieOptions::default() };
    ///     h.set_cookie("theme", "dark", &options)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn set_cookie(
        &mut self,
        name: &str,
        value: &str,
        options: &CookieOptions,
    ) -> Result<(), HttpError> {
        let header = format_set_cookie(name, value, options, SystemTime::now())
            .map_err(|e| HttpError::new(500).log(format!("invalid cookie {name:?}: {e}")))?;
        self.headers.push(checked_header("Set-Cookie", header)?);
        Ok(())
    }

    /// Deletes cookie `name` on the client: an empty value that expired a year ago.
    ///
    /// # Errors
    ///
    /// As [`set_cookie`](Self::set_cookie).
    pub fn clear_cookie(&mut self, name: &str, options: &CookieOptions) -> Result<(), HttpError> {
        let header = format_clear_cookie(name, options, SystemTime::now())
            .map_err(|e| HttpError::new(500).log(format!("invalid cookie {name:?}: {e}")))?;
        self.headers.push(checked_header("Set-Cookie", header)?);
        Ok(())
    }

    /// Sets a signed cookie in Tornado's v2 format (HMAC-SHA256 with `cookie_secret`),
    /// expiring in 30 days unless `options` say otherwise.
    ///
    /// # Errors
    ///
    /// 500 without a `cookie_secret` setting, or for an invalid name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     use typhoon_web::cookies::CookieOptions;
    ///     h.set_signed_cookie("user", "ada", &CookieOptions::default())?; // needs Settings::cookie_secret
    ///     Ok(())
    /// }
    /// ```
    pub fn set_signed_cookie(
        &mut self,
        name: &str,
        value: &str,
        options: &CookieOptions,
    ) -> Result<(), HttpError> {
        let secret = self.cookie_secret()?;
        let now = super::unix_now();
        let signed = create_signed_value(secret, name, value.as_bytes(), now);
        let mut options = options.clone();
        if options.expires.is_none() && options.expires_days.is_none() && options.max_age.is_none()
        {
            options.expires_days = Some(30.0);
        }
        self.set_cookie(name, &signed, &options)
    }

    /// Writes Tornado's default error page for `status` (what the default
    /// [`write_error`](crate::RequestHandler::write_error) does).
    /// With `serve_traceback` (or `debug`) on, the page is instead the error and its
    /// causes as `text/plain`, as Tornado's traceback page.
    pub fn write_default_error_page(&mut self, status: u16) {
        if self.write_traceback_page() {
            return;
        }
        let reason = match self.reason() {
            "" => typhoon_http1::reason_phrase(status).to_owned(),
            custom => custom.to_owned(),
        };
        self.write(error_page(status, &reason));
    }

    /// Sends what was written so far and keeps the response open: the head (chunked on
    /// HTTP/1.1) on the first call, then the buffered body as a chunk (Tornado's `flush`).
    ///
    /// # Errors
    ///
    /// The client went away (the handler learns it through `on_connection_close` too).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// async fn example(h: &mut Handler) -> Result {
    ///     for i in 0..3 {
    ///         h.write(format!("chunk {i}\n"));
    ///         h.flush().await?; // chunked on HTTP/1.1
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn flush(&mut self) -> std::io::Result<()> {
        if self.app.settings.compress_response && self.out.is_some() {
            self.gzip_body(false);
        }
        let Some(out) = self.out.as_mut() else {
            return Err(std::io::Error::other("flush() after finish()"));
        };
        if !self.head_sent {
            // Through the field, not `self.reason()`: `out` borrows `self.out` meanwhile.
            out.start(self.status, Extras::reason_in(&self.extras), &self.headers);
            self.head_sent = true;
        }
        let result = out.write_from(&mut self.body).await;
        if result.is_err() {
            self.peer_closed = true;
        }
        result
    }

    /// Sends the response now (Tornado's `finish`); the lifecycle does it after the verb
    /// otherwise. Later writes are ignored, and a `prepare` that finishes skips the verb.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// async fn example(h: &mut Handler) -> Result {
    ///     h.write("done early");
    ///     h.finish().await;
    ///     // later writes are ignored
    ///     Ok(())
    /// }
    /// ```
    pub async fn finish(&mut self) {
        self.finish_response().await;
    }

    /// Asks for the response to end when the handler method returns, without waiting:
    /// later writes are ignored and, from `prepare`, the verb is skipped.
    pub fn finish_later(&mut self) {
        self.finish_requested = true;
    }

    pub(crate) async fn finish_response(&mut self) {
        let Some(mut out) = self.out.take() else {
            return;
        };
        self.finished = true;
        if self.head_sent {
            if self.app.settings.compress_response {
                self.gzip_body(true);
            }
            if !self.body.is_empty() && out.write_from(&mut self.body).await.is_err() {
                self.peer_closed = true;
            }
            out.finish();
            return;
        }
        let etag = self.apply_etag();
        if self.status == 304 || self.status == 204 || (100..200).contains(&self.status) {
            self.body.clear();
        }
        if self.app.settings.compress_response {
            self.gzip_body(true);
        }
        // A client can only have left meaningfully during a slow handler; checking every
        // fast request would cost a syscall each. (The shard's clock moves once per loop
        // turn: a request answered in the turn it came in sees the same instant, and skips
        // the subtraction too.)
        let now = out.now();
        if now != self.started && now.saturating_duration_since(self.started) > SLOW {
            self.peer_closed = out.peer_closed();
        } else if out.close_seen() {
            // Seen already, by a handler racing `connection_closed`.
            self.peer_closed = true;
        }
        let set = self.headers.iter().map(OutField::Set);
        let headers = set.chain(etag.as_ref().map(OutField::Etag));
        out.send_parts(self.status, self.reason(), headers, &self.body);
    }

    /// Tornado's automatic ETag: for a 200 answer to GET or HEAD without an `Etag`, the
    /// SHA-1 of the body; a matching `If-None-Match` turns the answer into a 304. Returns
    /// the computed tag, which goes on the wire after the other headers (kept on the
    /// stack: no allocation per response).
    fn apply_etag(&mut self) -> Option<Etag> {
        let method = self.request.method();
        if self.status != 200
            || !matches!(method, Method::Get | Method::Head)
            || !self.app.settings.compute_etag
        {
            return None;
        }
        let computed = match self.header("Etag") {
            None => Some(self.app.etags.of(&self.body)),
            Some(_) => None,
        };
        let not_modified = self.request_header("If-None-Match").is_some_and(|wanted| {
            let ours = match &computed {
                Some(etag) => etag.as_str(),
                None => self.header("Etag").unwrap_or_default(),
            };
            etag_matches(ours, wanted)
        });
        if not_modified {
            self.set_status(304);
            for name in [
                "Content-Type",
                "Content-Encoding",
                "Content-Language",
                "Content-Length",
            ] {
                self.clear_header(name);
            }
        }
        computed
    }

    /// Sets `field`, replacing the values of its name.
    pub(super) fn replace_header(&mut self, field: Field<'static>) {
        self.clear_header(field.name());
        self.headers.push(field);
    }
}

/// A header of the response on the wire: one the handler set, or the automatic ETag.
enum OutField<'a> {
    Set(&'a Field<'static>),
    Etag(&'a Etag),
}

impl HeaderField for OutField<'_> {
    fn name(&self) -> &str {
        match self {
            Self::Set(field) => field.name(),
            Self::Etag(etag) => etag.name(),
        }
    }
    fn value(&self) -> &str {
        match self {
            Self::Set(field) => field.value(),
            Self::Etag(etag) => etag.value(),
        }
    }
    fn checked(&self) -> Option<CheckedField<'_>> {
        match self {
            Self::Set(field) => field.checked(),
            Self::Etag(etag) => etag.checked(),
        }
    }
}

/// A response header checked once, here (Tornado's "Unsafe header value"): the name must
/// be a token and the value free of CR, LF and other controls, or a value could inject
/// headers.
fn checked_header(name: &str, value: String) -> Result<Field<'static>, HttpError> {
    // Checked borrowed first, so that the refused value is still here for the message.
    if Field::new(name, value.as_str()).is_err() {
        return Err(HttpError::new(500).log(format!("Unsafe header {name:?}: {value:?}")));
    }
    Ok(Field::new(name.to_owned(), value).unwrap_or_else(|_| unreachable!("checked above")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_cannot_inject() {
        assert!(checked_header("X", "a\r\nSet-Cookie: x".into()).is_err());
        assert!(checked_header("Bad Name", "v".into()).is_err());
        assert_eq!(
            checked_header("X-Ok", "v\tw".into()).map(|f| f.value().to_owned()),
            Ok("v\tw".to_owned())
        );
    }
}
