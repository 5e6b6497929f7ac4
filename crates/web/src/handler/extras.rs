//! `Extras`: the parts of a request most handlers never touch, made on first use.

use crate::arguments::{Arguments, FileUpload};

/// Path captures, form arguments, uploaded files, a custom reason phrase, a streamed
/// body, a gzip stream and an inflated request body. A
/// [`Handler`](super::Handler) keeps them behind one pointer that stays empty for a plain
/// request, so making, moving and dropping a handler costs less: as fields, these five
/// vectors and a string were 120 bytes, copied twice and dropped once per request.
#[derive(Debug, Default)]
pub(super) struct Extras {
    pub path_args: Vec<String>,
    pub path_kwargs: Vec<(String, String)>,
    pub body_args: Arguments,
    pub files: Vec<(String, FileUpload)>,
    /// A custom reason phrase; empty for the standard one.
    pub reason: String,
    /// The streamed body of a `STREAM_REQUEST_BODY` handler's request, until the
    /// lifecycle reads it into `data_received`.
    pub request_body: Option<typhoon_server::RequestBody>,
    /// An upgraded connection's session (a WebSocket's), from the verb that upgraded it
    /// to the end of the lifecycle, which runs it on its own.
    pub session: Option<Session>,
    /// This request's XSRF token, once read or made.
    pub xsrf: Option<super::xsrf::XsrfState>,
    /// The current user once determined: `None` until then, `Some(None)` for nobody.
    pub current_user: Option<Option<String>>,
    /// The error being answered, as text, when `serve_traceback` is on.
    pub traceback: Option<String>,
    /// The gzip stream of a streamed response (setting `compress_response`).
    pub gzip: Option<super::gzip::GzipStream>,
    /// The request body inflated (setting `decompress_request`).
    pub inflated_body: Option<bytes::Bytes>,
}

/// A session left by an upgrade, of a type the upgrading handler knows.
pub(crate) struct Session(pub Box<dyn std::any::Any>);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

impl Extras {
    /// Extras holding a route's captures; none when it captured nothing.
    pub fn of_captures(
        path_args: Vec<String>,
        path_kwargs: Vec<(String, String)>,
    ) -> Option<Box<Self>> {
        if path_args.is_empty() && path_kwargs.is_empty() {
            return None;
        }
        Some(Box::new(Self {
            path_args,
            path_kwargs,
            ..Self::default()
        }))
    }

    /// The custom reason phrase in `extras`; empty for the standard one (or none made).
    pub fn reason_in(extras: &Option<Box<Self>>) -> &str {
        extras.as_deref().map_or("", |e| &e.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_captures_make_nothing() {
        assert!(Extras::of_captures(Vec::new(), Vec::new()).is_none());
    }

    #[test]
    fn captures_are_kept() {
        let extras = Extras::of_captures(Vec::new(), vec![("id".into(), "42".into())]);
        assert_eq!(
            extras.map(|e| e.path_kwargs),
            Some(vec![("id".into(), "42".into())])
        );
    }
}
