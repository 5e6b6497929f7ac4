//! What every template sees besides its context: Tornado's escaping as the output
//! formatter, and its functions `xhtml_escape`, `url_escape`, `json_encode`,
//! `reverse_url`.

use minijinja::value::Rest;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, Value};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::scope::with_handler;

/// Python's `quote_plus`: everything but letters, digits and `_.-~` is escaped.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');
/// Python's `quote`: the same, keeping `/`.
const QUOTE: &AsciiSet = &QUOTE_PLUS.remove(b'/');

/// Writes a `{{ … }}` value: escaped with Tornado's `xhtml_escape` (`&<>"'`, where
/// minijinja's own escaping also rewrites `/`) unless autoescape is off or the value is
/// marked safe.
pub(super) fn format_value(
    out: &mut Output<'_>,
    state: &State<'_, '_>,
    value: &Value,
) -> Result<(), Error> {
    if state.auto_escape() == AutoEscape::Html && !value.is_safe() {
        let text = crate::escape::xhtml_escape(&value.to_string());
        return out.write_str(&text).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// Adds the functions that need no request.
pub(super) fn add_static(env: &mut Environment<'static>) {
    env.add_function("xhtml_escape", xhtml_escape);
    env.add_function("url_escape", url_escape);
    env.add_function("json_encode", json_encode);
    env.add_function("reverse_url", reverse_url);
}

/// Tornado's `xhtml_escape(value)`. Its result is marked safe, so that
/// `{{ xhtml_escape(x) }}` escapes once (in Tornado it is escaped twice under
/// autoescape, which nobody means).
fn xhtml_escape(value: &Value) -> Value {
    Value::from_safe_string(crate::escape::xhtml_escape(&value.to_string()))
}

/// Tornado's `url_escape(value, plus=True)`: `quote_plus`, or `quote` (which keeps
/// `/`) with `plus=false`.
fn url_escape(value: &Value, plus: Option<bool>) -> String {
    let text = value.to_string();
    if plus.unwrap_or(true) {
        utf8_percent_encode(&text, QUOTE_PLUS)
            .to_string()
            .replace("%20", "+")
    } else {
        utf8_percent_encode(&text, QUOTE).to_string()
    }
}

/// Tornado's `json_encode(value)`: Python's separators, `</` written `<\/`.
fn json_encode(value: &Value) -> Result<String, Error> {
    crate::json::json_encode(value)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, "json_encode failed").with_source(e))
}

/// Tornado's `reverse_url(name, *args)`: the path of the route named `name`.
fn reverse_url(name: &str, args: Rest<Value>) -> Result<String, Error> {
    let args: Vec<String> = args.iter().map(Value::to_string).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    with_handler(|h| h.reverse_url(name, &args))?.map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "reverse_url: no route {name:?} taking {} arguments",
                args.len()
            ),
        )
    })
}
