//! URL slugs for entry titles, as Tornado's blog demo makes them.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The slug of `title`: NFKD-normalised, accents dropped, runs of anything but letters,
/// digits and `_` turned into one `-`, lowercased, ASCII only; `entry` when nothing is
/// left: `Hello, World!` → `hello-world`. Tornado's demo does the same, except that it
/// turns an accent into a separator (`naïve` → `nai-ve`) where this drops it (`naive`),
/// and keeps the dashes around words it drops (`日本 x` → `-x`).
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut gap = false;
    for c in title.nfkd().filter(|c| !is_combining_mark(*c)) {
        if !(c.is_alphanumeric() || c == '_') {
            gap = true;
            continue;
        }
        // Tornado drops what is not ASCII after lowercasing: `日本` leaves nothing, and
        // no dash either.
        for lower in c.to_lowercase().filter(char::is_ascii) {
            if gap && !slug.is_empty() {
                slug.push('-');
            }
            gap = false;
            slug.push(lower);
        }
    }
    if slug.is_empty() {
        slug.push_str("entry");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    /// Titles and the slugs Tornado 6.6.1's demo makes of them (`blog.py`'s
    /// `ComposeHandler.post`), where the two agree.
    #[test]
    fn slugs_as_tornado_makes_them() {
        for (title, slug) in [
            ("Hello, World!", "hello-world"),
            ("café", "cafe"),
            ("  Spaces   everywhere  ", "spaces-everywhere"),
            ("a_b--c", "a_b-c"),
            ("ﬁve ²", "five-2"),
            ("日本", "entry"),
            ("", "entry"),
            ("!!!", "entry"),
            ("Rust 1.93 is out", "rust-1-93-is-out"),
        ] {
            assert_eq!(slugify(title), slug, "{title:?}");
        }
    }

    #[test]
    fn an_accent_is_dropped_not_a_separator() {
        // Tornado: `nai-ve`, `u-ni-code-u-ber`.
        assert_eq!(slugify("naïve"), "naive");
        assert_eq!(slugify("Ünïcode Über"), "unicode-uber");
    }

    #[test]
    fn a_slug_is_ascii_without_leading_or_trailing_dashes() {
        // Tornado: `-x-`, `x-`, `-x` for the last three.
        for title in ["-x-", "日本 x 日本", "x 日本", "日本 x", "x 日本 y"] {
            let slug = slugify(title);
            assert!(
                slug.is_ascii() && !slug.starts_with('-') && !slug.ends_with('-'),
                "{title:?} → {slug:?}"
            );
        }
    }
}
