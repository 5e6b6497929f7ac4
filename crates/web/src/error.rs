//! `HttpError`: the status goes to the client, the message to the log (Tornado's `HTTPError`).

use typhoon_http1::reason_phrase;

/// An error that ends a request with `status`.
///
/// As in Tornado, `log_message` is for the operator (logged at WARNING) and never sent to
/// the client, which sees the standard error page for `status`.
///
/// # Examples
///
/// ```
/// use typhoon_web::HttpError;
///
/// let err = HttpError::new(403).log("user 7 may not see invoice 12");
/// assert_eq!(err.status, 403);
/// assert_eq!(err.to_string(), "403 Forbidden: user 7 may not see invoice 12");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {}{}", self.reason(), self.log_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
pub struct HttpError {
    /// The HTTP status sent to the client.
    pub status: u16,
    /// What the log says; never sent to the client.
    pub log_message: Option<String>,
    /// A custom reason phrase; `None` means the standard one.
    pub reason: Option<String>,
}

impl HttpError {
    /// An error with `status` and no log message.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            log_message: None,
            reason: None,
        }
    }

    /// Adds the message for the log.
    pub fn log(mut self, message: impl Into<String>) -> Self {
        self.log_message = Some(message.into());
        self
    }

    /// Sets a custom reason phrase.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The reason phrase sent with the status.
    pub fn reason(&self) -> &str {
        self.reason
            .as_deref()
            .unwrap_or_else(|| reason_phrase(self.status))
    }
}

/// The result of handler methods.
pub type Result<T = (), E = HttpError> = std::result::Result<T, E>;

/// Tornado's default error page: `<html><title>404: Not Found</title><body>404: Not
/// Found</body></html>`, with the reason HTML-escaped.
pub(crate) fn error_page(status: u16, reason: &str) -> String {
    let message = escape_html(reason);
    format!("<html><title>{status}: {message}</title><body>{status}: {message}</body></html>")
}

/// Escapes `&<>"'` as Tornado's `xhtml_escape` does.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_page_matches_tornado() {
        assert_eq!(
            error_page(404, "Not Found"),
            "<html><title>404: Not Found</title><body>404: Not Found</body></html>"
        );
        assert_eq!(
            error_page(418, "I'm a teapot"),
            "<html><title>418: I&#x27;m a teapot</title><body>418: I&#x27;m a teapot</body></html>"
        );
    }
}
