//! [`xhtml_escape`]: Tornado's `tornado.escape.xhtml_escape`.

/// Escapes `&<>"'` for HTML text and attribute values, as Tornado's `xhtml_escape` does.
///
/// # Examples
///
/// ```
/// use typhoon_web::xhtml_escape;
///
/// assert_eq!(xhtml_escape(r#"<a href="x">Tom & Jerry's</a>"#), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#x27;s&lt;/a&gt;");
/// ```
pub fn xhtml_escape(text: &str) -> String {
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
