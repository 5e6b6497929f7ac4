//! Errors a handler can end with: `HttpError` (status to the client, message to the log, as
//! Tornado's `HTTPError`), `Finish` (stop without an error) and anything else (a 500).

use std::fmt;

use typhoon_http1::reason_phrase;

/// An error that ends a request with `status`.
///
/// As in Tornado, `log_message` is for the operator (logged at WARNING) and never sent to
/// the client, which sees the error page for `status`.
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

    /// Tornado's `MissingArgumentError`: 400, with the argument's name in the log only.
    pub fn missing_argument(name: &str) -> Self {
        HttpError::new(400).log(format!("Missing argument {name}"))
    }
}

/// Ends the request early without an error (Tornado's `raise Finish()`): whatever was
/// written so far is sent.
///
/// # Examples
///
/// ```
/// use typhoon_web::{Finish, Handler, RequestHandler, Result};
///
/// struct Gate;
/// impl RequestHandler for Gate {
///     async fn prepare(&mut self, h: &mut Handler) -> Result {
///         if h.get_query_argument("closed").is_ok() {
///             h.set_status(503);
///             h.write("closed for maintenance");
///             return Err(Finish.into());
///         }
///         Ok(())
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("finish")]
pub struct Finish;

/// Why a handler method stopped: an [`HttpError`], a [`Finish`], or any other error, which
/// is logged at ERROR and answered with a 500 (Tornado's uncaught exception).
///
/// Any `std::error::Error` converts with `?`; `HttpError` and `Finish` keep their meaning.
pub enum Error {
    /// Answer with this status.
    Http(HttpError),
    /// Stop; send what was written.
    Finish,
    /// An unexpected error: 500, logged with its message.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(err: E) -> Self {
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(err);
        let boxed = match boxed.downcast::<HttpError>() {
            Ok(http) => return Error::Http(*http),
            Err(other) => other,
        };
        match boxed.downcast::<Finish>() {
            Ok(_) => Error::Finish,
            Err(other) => Error::Internal(other),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Http(e) => write!(f, "Http({e})"),
            Error::Finish => f.write_str("Finish"),
            Error::Internal(e) => write!(f, "Internal({e})"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Http(e) => e.fmt(f),
            Error::Finish => f.write_str("finish"),
            Error::Internal(e) => e.fmt(f),
        }
    }
}

/// The result of handler methods.
pub type Result<T = (), E = Error> = std::result::Result<T, E>;

/// Tornado's default error page: `<html><title>404: Not Found</title><body>404: Not
/// Found</body></html>`, with the reason HTML-escaped.
pub(crate) fn error_page(status: u16, reason: &str) -> String {
    let message = crate::escape::xhtml_escape(reason);
    format!("<html><title>{status}: {message}</title><body>{status}: {message}</body></html>")
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

    #[test]
    fn question_mark_keeps_the_meaning_of_http_errors() {
        fn http() -> Result {
            Err(HttpError::new(404))?
        }
        fn finish() -> Result {
            Err(Finish)?
        }
        fn other() -> Result {
            Err(std::io::Error::other("disk on fire"))?
        }
        assert!(matches!(http(), Err(Error::Http(e)) if e.status == 404));
        assert!(matches!(finish(), Err(Error::Finish)));
        assert!(matches!(other(), Err(Error::Internal(e)) if e.to_string() == "disk on fire"));
    }
}
