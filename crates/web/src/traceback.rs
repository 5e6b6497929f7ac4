//! The `serve_traceback` error page's text: what went wrong, and why, for a developer.

use std::fmt::Write;

use crate::error::Error;

/// The error and its chain of causes, one per line (Tornado's traceback page, which in
/// Rust has no stack to show): `HTTP 404: Not Found (log message)` for an
/// [`HttpError`](crate::HttpError), else the error's message and each `Caused by:`.
pub(crate) fn describe(err: &Error) -> String {
    match err {
        Error::Finish => String::new(),
        Error::Http(e) => {
            let mut text = format!("HTTP {}: {}", e.status, e.reason());
            if let Some(message) = &e.log_message {
                let _ = write!(text, " ({message})");
            }
            text.push('\n');
            text
        }
        Error::Internal(e) => {
            let mut text = format!("{e}\n");
            let mut cause = e.source();
            while let Some(c) = cause {
                let _ = writeln!(text, "Caused by: {c}");
                cause = c.source();
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpError;

    #[derive(Debug, thiserror::Error)]
    #[error("loading the profile failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn http_errors_read_as_tornado_says_them() {
        let err = Error::from(HttpError::new(404).log("no post 7"));
        assert_eq!(describe(&err), "HTTP 404: Not Found (no post 7)\n");
        assert_eq!(describe(&HttpError::new(403).into()), "HTTP 403: Forbidden\n");
    }

    #[test]
    fn internal_errors_show_their_causes() {
        let err = Error::from(Outer(std::io::Error::other("disk <on> fire")));
        assert_eq!(
            describe(&err),
            "loading the profile failed\nCaused by: disk <on> fire\n"
        );
    }
}
