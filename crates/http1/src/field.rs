//! `Field`: a response header field checked once when it is made, so the encoder writes
//! it without checking it again; and `HeaderField`, what the encoder accepts.

use std::borrow::Cow;
use std::fmt;

use crate::grammar::{is_field_value, is_token, FIELD_VALUE, TCHAR};

/// A response header field whose name is a token and whose value holds no CR, LF or
/// other control character (RFC 9110 §5.1, §5.5): safe to put on the wire as it is.
///
/// The check runs once, here. A web framework that stores its response headers as
/// `Field`s (as `typhoon-web` does) spares the encoder a second pass over every byte;
/// plain `(&str, &str)` pairs are checked while encoding instead.
///
/// # Examples
///
/// ```
/// use typhoon_http1::Field;
///
/// let field = Field::new("Cache-Control", "no-store").unwrap();
/// assert_eq!((field.name(), field.value()), ("Cache-Control", "no-store"));
/// assert!(Field::new("X-Bad", "a\r\nSet-Cookie: x").is_err());
/// assert!(Field::new("Bad Name", "v").is_err());
///
/// const HTML: Field<'static> = Field::from_static("Content-Type", "text/html; charset=UTF-8");
/// assert_eq!(HTML.value(), "text/html; charset=UTF-8");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field<'a> {
    name: Cow<'a, str>,
    value: Cow<'a, str>,
}

/// A header name that is not a token, or a value with a control character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidField;

impl fmt::Display for InvalidField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("header name is not a token, or the value holds a control character")
    }
}

impl std::error::Error for InvalidField {}

impl<'a> Field<'a> {
    /// Checks `name` and `value` and keeps them.
    ///
    /// # Errors
    ///
    /// [`InvalidField`] if the name is empty or not a token, or the value holds NUL, CR,
    /// LF, DEL or another control character other than HTAB.
    pub fn new(
        name: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> Result<Self, InvalidField> {
        let (name, value) = (name.into(), value.into());
        if is_token(name.as_bytes()) && is_field_value(value.as_bytes()) {
            Ok(Self { name, value })
        } else {
            Err(InvalidField)
        }
    }

    /// A field from constants, checked at compile time when used in a `const`.
    ///
    /// # Panics
    ///
    /// If the field is invalid, as [`Field::new`] would refuse it.
    pub const fn from_static(name: &'static str, value: &'static str) -> Field<'static> {
        let (name_bytes, value_bytes) = (name.as_bytes(), value.as_bytes());
        assert!(
            !name_bytes.is_empty()
                && all_in(name_bytes, &TCHAR)
                && all_in(value_bytes, &FIELD_VALUE),
            "invalid header field"
        );
        Field {
            name: Cow::Borrowed(name),
            value: Cow::Borrowed(value),
        }
    }

    /// The name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, as given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Whether every byte of `s` is in `class`; a loop, since iterators are not `const`.
const fn all_in(s: &[u8], class: &[bool; 256]) -> bool {
    let mut i = 0;
    while i < s.len() {
        if !class[s[i] as usize] {
            return false;
        }
        i += 1;
    }
    true
}

/// A header field the encoder can write: a `(name, value)` pair of strings, checked
/// while encoding (an unsafe one is dropped), or a [`Field`], checked when it was made.
///
/// # Examples
///
/// ```
/// use typhoon_http1::{Field, HeaderField};
///
/// fn names<H: HeaderField>(fields: &[H]) -> Vec<&str> {
///     fields.iter().map(|f| f.name()).collect()
/// }
/// assert_eq!(names(&[("A", "1"), ("B", "2")]), ["A", "B"]);
/// assert_eq!(names(&[Field::from_static("C", "3")]), ["C"]);
/// ```
pub trait HeaderField {
    /// The field name.
    fn name(&self) -> &str;
    /// The field value.
    fn value(&self) -> &str;
    /// The name and value already known to be safe, which the encoder then writes as
    /// they are; `None` (the default) has the encoder check `name()` and `value()`. Only
    /// a [`Field`] or an `unsafe` [`CheckedField::new_unchecked`] can vouch, so safe code
    /// cannot skip the CR/LF check.
    fn checked(&self) -> Option<CheckedField<'_>> {
        None
    }
}

/// A header name and value known to be safe to write unchecked: a token name and a value
/// without control characters. Made from a [`Field`] (checked when it was made) or, by a
/// type that guarantees it by construction, with [`new_unchecked`](Self::new_unchecked).
///
/// # Examples
///
/// ```
/// use typhoon_http1::{Field, HeaderField};
///
/// let field = Field::from_static("Cache-Control", "no-cache");
/// let checked = field.checked().expect("a Field vouches for itself");
/// assert_eq!((checked.name(), checked.value()), ("Cache-Control", "no-cache"));
/// assert!(("A", "1").checked().is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CheckedField<'a> {
    name: &'a str,
    value: &'a str,
}

impl<'a> CheckedField<'a> {
    /// Vouches for `name` and `value` without looking at them.
    ///
    /// # Safety
    ///
    /// `name` must be a token (RFC 9110) and `value` free of NUL, CR, LF and other
    /// controls but tab: the encoder writes them as they are, and a CR or LF would let the
    /// value split the response (header injection). This is a protocol invariant, not a
    /// memory one; `unsafe` marks that the caller, not the type, guarantees it.
    pub unsafe fn new_unchecked(name: &'a str, value: &'a str) -> Self {
        Self { name, value }
    }

    /// The field name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The field value.
    pub fn value(&self) -> &'a str {
        self.value
    }
}

impl HeaderField for (&str, &str) {
    fn name(&self) -> &str {
        self.0
    }
    fn value(&self) -> &str {
        self.1
    }
}

impl HeaderField for Field<'_> {
    fn name(&self) -> &str {
        &self.name
    }
    fn value(&self) -> &str {
        &self.value
    }
    fn checked(&self) -> Option<CheckedField<'_>> {
        Some(CheckedField {
            name: &self.name,
            value: &self.value,
        })
    }
}

impl<T: HeaderField + ?Sized> HeaderField for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &str {
        (**self).value()
    }
    fn checked(&self) -> Option<CheckedField<'_>> {
        (**self).checked()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_checks_every_byte_as_the_grammar_does() {
        for b in 0..=255u8 {
            let byte = [b];
            let Ok(text) = std::str::from_utf8(&byte) else {
                continue;
            };
            let value = format!("a{text}b");
            assert_eq!(
                Field::new("X", value.as_str()).is_ok(),
                b == b'\t' || (b' '..=b'~').contains(&b),
                "value byte {b:#04x}"
            );
            let name = format!("a{text}b");
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(Field::new(name, "v").is_ok(), tchar, "name byte {b:#04x}");
        }
        assert!(Field::new("", "v").is_err());
        assert!(Field::new("X", "caf\u{e9}").is_ok(), "obs-text is allowed");
    }

    #[test]
    #[should_panic(expected = "invalid header field")]
    fn from_static_refuses_an_unsafe_value() {
        let _ = Field::from_static("X", "a\r\nb");
    }
}
