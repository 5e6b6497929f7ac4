//! The error text a `serve_traceback` error page shows, kept on the handler between the
//! error and `write_error`.

use super::Handler;

impl Handler {
    /// What the error being answered was, with its causes, when the `serve_traceback`
    /// (or `debug`) setting is on; `None` otherwise (Tornado's `exc_info` in
    /// `write_error`). The default error page shows it as `text/plain`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler};
    ///
    /// struct Api;
    /// impl RequestHandler for Api {
    ///     fn write_error(&mut self, h: &mut Handler, status: u16) {
    ///         let detail = h.error_traceback().unwrap_or_default().to_owned();
    ///         let _ = h.write_json(&serde_json::json!({ "status": status, "detail": detail }));
    ///     }
    /// }
    /// ```
    pub fn error_traceback(&self) -> Option<&str> {
        self.extras()?.traceback.as_deref()
    }

    /// Keeps the text of the error being answered, for the error page.
    #[cold]
    pub(crate) fn set_traceback(&mut self, text: String) {
        self.extras_mut().traceback = Some(text);
    }

    /// Writes the `serve_traceback` page if there is an error text: `text/plain`, as
    /// Tornado's. Returns whether it did.
    pub(crate) fn write_traceback_page(&mut self) -> bool {
        let Some(text) = self.extras.as_deref_mut().and_then(|e| e.traceback.take()) else {
            return false;
        };
        self.replace_header(typhoon_http1::Field::from_static("Content-Type", "text/plain"));
        self.write(text);
        true
    }
}
