//! `TemplateError`: a template that could not be loaded or rendered, with its name and line.

use std::error::Error as _;

/// A template that failed to load, compile or render. It says which template and line
/// (`… (in post.html:12)`), and becomes a 500 whose log line carries that message.
///
/// # Examples
///
/// ```
/// # use typhoon_web::{Handler, Result};
/// fn example(h: &mut Handler) -> Result {
///     match h.render_string("missing.html", ()) {
///         Ok(page) => h.write(page),
///         Err(err) => h.write(format!("no page: {err}")),
///     }
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, thiserror::Error)]
#[error("template {template}: {message}")]
pub struct TemplateError {
    /// The template that was asked for.
    pub template: String,
    /// The template the error is in (the asked one, or one it extends or includes).
    pub name: Option<String>,
    /// The line of the error in `name`, from 1.
    pub line: Option<usize>,
    /// What went wrong, with the `name:line` it happened at and its causes.
    pub message: String,
}

impl TemplateError {
    /// Rendering without the `template_path` setting.
    pub(crate) fn no_template_path() -> Self {
        Self {
            template: String::new(),
            name: None,
            line: None,
            message: "the template_path setting is required to render templates".into(),
        }
    }

    /// The same error, for a render of `template`.
    pub(crate) fn in_template(mut self, template: &str) -> Self {
        template.clone_into(&mut self.template);
        self
    }

    /// `err` from minijinja, met while rendering `template`.
    pub(crate) fn new(template: &str, err: &minijinja::Error) -> Self {
        let mut message = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self {
            template: template.to_owned(),
            name: err.name().map(str::to_owned),
            line: err.line(),
            message,
        }
    }
}
