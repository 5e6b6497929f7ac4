//! [`ErrorHandler`]: Tornado's handler that answers every request with one error status.

use crate::error::{HttpError, Result};
use crate::{Handler, RequestHandler};

/// Answers every request, whatever its method, with the error page for `status`
/// (Tornado's `ErrorHandler(status_code)`): a route for a retired URL, or the
/// application's [`default_handler`](crate::Application::default_handler).
///
/// # Examples
///
/// ```
/// use typhoon_web::{url, Application, ErrorHandler};
///
/// let app = Application::new(vec![url(r"/old-api/.*", || ErrorHandler::new(410))])
///     .default_handler(url(r"", || ErrorHandler::new(404)));
/// # let _ = app;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorHandler {
    status: u16,
}

impl ErrorHandler {
    /// A handler answering `status`.
    pub fn new(status: u16) -> Self {
        Self { status }
    }
}

impl RequestHandler for ErrorHandler {
    /// Ends every request here, before its verb, as Tornado's `prepare` raising
    /// `HTTPError(status_code)`.
    async fn prepare(&mut self, _h: &mut Handler) -> Result {
        Err(HttpError::new(self.status).into())
    }
}
