//! Posts' Markdown to HTML (pulldown-cmark), safe to show: a post is user input.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// URL schemes a link or image in a post may use; a relative URL has none and is kept.
const SAFE_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Renders `markdown` (CommonMark with tables and strikethrough) to HTML.
///
/// Unlike Tornado's demo, which passes a post's raw HTML through, raw HTML here is shown
/// as text (`<script>` becomes `&lt;script&gt;`), and a link or image whose URL has a
/// scheme other than http, https or mailto (`javascript:`, `data:`) points at `#`
/// instead: the page then holds only the markup Markdown itself makes.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// `url`, or `#` when it has a scheme outside [`SAFE_SCHEMES`].
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    match scheme(&url) {
        Some(scheme) if !SAFE_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(&scheme)) => {
            CowStr::Borrowed("#")
        }
        _ => url,
    }
}

/// The scheme of `url` as a browser reads it: ASCII whitespace and control characters are
/// skipped (`java\tscript:` is `javascript:`), and a `:` counts only before any `/`, `?`
/// or `#` (`a/b:c` is a relative path).
fn scheme(url: &str) -> Option<String> {
    let mut scheme = String::new();
    for c in url.chars() {
        match c {
            ':' => return Some(scheme),
            '/' | '?' | '#' => return None,
            c if c.is_ascii_whitespace() || c.is_control() => {}
            c => scheme.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_becomes_html() {
        assert_eq!(
            to_html("# Title\n\nSome *emphasis* and **strong** `code`.\n\n- one\n- two\n"),
            "<h1>Title</h1>\n<p>Some <em>emphasis</em> and <strong>strong</strong> \
             <code>code</code>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        );
        assert_eq!(
            to_html("[site](https://example.com/a?b=1&c=2 \"t\")"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" title=\"t\">site</a></p>\n"
        );
        assert_eq!(to_html("~~gone~~"), "<p><del>gone</del></p>\n");
        assert!(to_html("| a |\n|---|\n| b |\n").contains("<table>"));
    }

    #[test]
    fn text_is_escaped() {
        // Quotes need no escaping in text, only in attributes.
        assert_eq!(to_html("1 < 2 & \"q\""), "<p>1 &lt; 2 &amp; \"q\"</p>\n");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("<script>alert(1)</script>\n\ninline <b onclick=\"x()\">bold</b>\n");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;b onclick=\"x()\"&gt;bold&lt;/b&gt;"),
            "{html}"
        );
        let html = to_html("<img src=x onerror=alert(1)>");
        assert!(!html.contains("<img"), "{html}");
        let html = to_html("<!-- a comment --> text");
        assert!(!html.contains("<!--"), "{html}");
    }

    #[test]
    fn links_with_unsafe_schemes_point_nowhere() {
        for markdown in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](<java\tscript:alert(1)>)",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "<javascript:alert(1)>",
            "![x](javascript:alert(1))",
            "[x][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = to_html(markdown);
            let urls = urls_in(&html);
            assert!(
                !urls.is_empty() && urls.iter().all(|url| url == "#"),
                "{markdown:?} → {html}"
            );
        }
    }

    /// The `href` and `src` values in `html`.
    fn urls_in(html: &str) -> Vec<String> {
        [" href=\"", " src=\""]
            .iter()
            .flat_map(|attr| html.split(attr).skip(1))
            .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn safe_and_relative_links_are_kept() {
        for (markdown, href) in [
            ("[x](http://a.example/)", "http://a.example/"),
            ("[x](HTTPS://a.example/)", "HTTPS://a.example/"),
            ("[x](mailto:a@b.example)", "mailto:a@b.example"),
            ("[x](/entry/hello)", "/entry/hello"),
            ("[x](other-post)", "other-post"),
            ("[x](a/b:c)", "a/b:c"),
            ("[x](#top)", "#top"),
            ("<https://a.example/>", "https://a.example/"),
        ] {
            let html = to_html(markdown);
            assert!(
                html.contains(&format!("href=\"{href}\"")),
                "{markdown:?} → {html}"
            );
        }
    }
}
