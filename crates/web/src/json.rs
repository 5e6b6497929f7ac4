//! JSON exactly as Tornado's `json_encode` writes it: Python's default separators
//! (`", "` and `": "`) and `</` escaped as `<\/` so JSON can sit inside `<script>`.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, Serializer};

/// Serializes `value` the way Tornado's `write(dict)` does.
///
/// # Errors
///
/// Whatever `serde_json` reports for values it cannot serialize (maps with non-string keys).
///
/// # Examples
///
/// ```
/// let text = typhoon_web::json_encode(&serde_json::json!({"a": 1, "l": [1, 2], "s": "</script>"})).unwrap();
/// assert_eq!(text, r#"{"a": 1, "l": [1, 2], "s": "<\/script>"}"#);
/// ```
pub fn json_encode<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut Serializer::with_formatter(&mut out, PythonFormatter))?;
    // serde_json writes UTF-8 only.
    let text = String::from_utf8(out).unwrap_or_default();
    Ok(if text.contains("</") {
        text.replace("</", "<\\/")
    } else {
        text
    })
}

/// Python's item separator, before every item but the first.
fn comma<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

/// `json.dumps` separators: a space after `,` and after `:`.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        comma(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        comma(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        CompactFormatter.write_f64(writer, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_json_dumps() {
        let v = serde_json::json!({"message": "Hello, World!"});
        assert_eq!(json_encode(&v).unwrap(), r#"{"message": "Hello, World!"}"#);
        assert_eq!(json_encode(&serde_json::json!([])).unwrap(), "[]");
        assert_eq!(json_encode(&serde_json::json!({})).unwrap(), "{}");
        assert_eq!(
            json_encode(&serde_json::json!({"a": {"b": [1, {"c": null}]}})).unwrap(),
            r#"{"a": {"b": [1, {"c": null}]}}"#
        );
    }
}
