//! The type of an option (Tornado's `type=`): how strings convert and which values fit.

use std::path::PathBuf;

use crate::datetime::parse_datetime;
use crate::duration::parse_duration;
use crate::value::{short_type_name, Value};

/// Longest `lo:hi` range a `multiple` integer option expands, so that `--ids=0:9999999999`
/// is an error rather than an out-of-memory abort.
const MAX_RANGE: i64 = 1_000_000;

/// The type of an option's values: Tornado's `type=` argument.
///
/// It decides how a string from the command line, the environment or a config file
/// converts ([`Kind::parse`]), and which typed values `set` accepts.
///
/// # Examples
///
/// ```
/// use typhoon_options::{Kind, Value};
///
/// let port = Kind::Int { min: 0, max: 65535 };
/// assert_eq!(port.parse("8080"), Ok(Value::Int(8080)));
/// assert_eq!(port.parse("abc"), Err("an integer from 0 to 65535".to_owned()));
/// assert_eq!(Kind::Bool.parse("off"), Ok(Value::Bool(true))); // Tornado: only false, 0, f are false
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Kind {
    /// `bool`: everything but `false`, `0` and `f` (any case) is true, as Tornado.
    Bool,
    /// An integer type, with its bounds.
    Int {
        /// Smallest value the Rust type holds.
        min: i64,
        /// Largest value the Rust type holds (at most `i64::MAX`).
        max: i64,
    },
    /// `f32` or `f64`.
    Float,
    /// `String`.
    Str,
    /// `PathBuf`.
    Path,
    /// `std::time::Duration`, in Tornado's `1h 30m 2.5s` syntax.
    Duration,
    /// `jiff::civil::DateTime`, in Tornado's date/time formats.
    DateTime,
    /// A user type registered with [`option_type!`](crate::option_type).
    Custom {
        /// `std::any::type_name` of the type.
        name: &'static str,
        /// Its `FromStr`, wrapped: the value, or why the text is not one.
        parse: fn(&str) -> Result<Value, String>,
    },
}

/// Two kinds are equal when they are the same type: custom types compare by name.
impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Kind::Int { min, max }, Kind::Int { min: a, max: b }) => (min, max) == (a, b),
            (Kind::Custom { name, .. }, Kind::Custom { name: other, .. }) => name == other,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Kind {
    /// Converts one command-line string.
    ///
    /// # Errors
    ///
    /// What the type expects, such as `an integer` or `a duration such as 1h 30m 2.5s`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use typhoon_options::{Kind, Value};
    ///
    /// assert_eq!(Kind::Duration.parse("45s"), Ok(Value::Duration(Duration::from_secs(45))));
    /// ```
    pub fn parse(&self, text: &str) -> Result<Value, String> {
        let expected = || self.expected();
        match *self {
            Kind::Bool => Ok(Value::Bool(!matches!(
                text.to_ascii_lowercase().as_str(),
                "false" | "0" | "f"
            ))),
            Kind::Int { min, max } => match text.trim().parse::<i64>() {
                Ok(i) if (min..=max).contains(&i) => Ok(Value::Int(i)),
                _ => Err(expected()),
            },
            Kind::Float => text
                .trim()
                .parse()
                .map(Value::Float)
                .map_err(|_| expected()),
            Kind::Str => Ok(Value::Str(text.to_owned())),
            Kind::Path => Ok(Value::Path(PathBuf::from(text))),
            Kind::Duration => parse_duration(text)
                .map(Value::Duration)
                .map_err(|reason| format!("{} ({reason})", expected())),
            Kind::DateTime => parse_datetime(text)
                .map(Value::DateTime)
                .map_err(|_| expected()),
            Kind::Custom { parse, .. } => {
                parse(text).map_err(|reason| format!("{} ({reason})", expected()))
            }
        }
    }

    /// Converts the comma-separated text of a `multiple` option; an integer part may be an
    /// inclusive range `lo:hi`, so `1:3,7` is `[1, 2, 3, 7]` (Tornado's code, not its
    /// docstring, which says `range(lo, hi)`).
    ///
    /// # Errors
    ///
    /// What the type expects, as [`Kind::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::{Kind, Value};
    ///
    /// let ids = Kind::Int { min: i64::MIN, max: i64::MAX }.parse_list("1,3,5:7").unwrap();
    /// assert_eq!(ids, Value::from(vec![1, 3, 5, 6, 7]));
    /// ```
    pub fn parse_list(&self, text: &str) -> Result<Value, String> {
        let mut items = Vec::new();
        for part in text.split(',') {
            match (self, part.split_once(':')) {
                (Kind::Int { .. }, Some((lo, hi))) => {
                    let (Value::Int(lo), Value::Int(hi)) = (self.parse(lo)?, self.parse(hi)?)
                    else {
                        return Err(self.expected());
                    };
                    if hi.saturating_sub(lo) >= MAX_RANGE {
                        return Err(format!(
                            "{} (the range {lo}:{hi} is longer than {MAX_RANGE})",
                            self.expected()
                        ));
                    }
                    items.extend((lo..=hi).map(Value::Int));
                }
                _ => items.push(self.parse(part)?),
            }
        }
        Ok(Value::List(items))
    }

    /// What the type accepts, with an article, for messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::Kind;
    ///
    /// assert_eq!(Kind::Float.expected(), "a number");
    /// assert_eq!(Kind::Int { min: 0, max: 255 }.expected(), "an integer from 0 to 255");
    /// ```
    pub fn expected(&self) -> String {
        match *self {
            Kind::Bool => "a bool".to_owned(),
            Kind::Int { min, max } if (min, max) == (i64::MIN, i64::MAX) => "an integer".to_owned(),
            Kind::Int { min, max } => format!("an integer from {min} to {max}"),
            Kind::Float => "a number".to_owned(),
            Kind::Str => "a string".to_owned(),
            Kind::Path => "a path".to_owned(),
            Kind::Duration => "a duration such as 1h 30m 2.5s".to_owned(),
            Kind::DateTime => "a date/time such as 2013-04-28 05:16".to_owned(),
            Kind::Custom { name, .. } => format!("a valid {}", short_type_name(name)),
        }
    }

    /// Checks a typed value against the type (Tornado's `set` type check), converting
    /// where nothing is lost: an integer to a float, a string to a path.
    ///
    /// # Errors
    ///
    /// The given value, described (`a string`), when it does not fit.
    pub(crate) fn check(&self, multiple: bool, value: Value) -> Result<Value, String> {
        if multiple {
            let Value::List(items) = value else {
                return Err(value.describe());
            };
            return items
                .into_iter()
                .map(|item| self.check(false, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List)
                .map_err(|given| format!("a list holding {given}"));
        }
        match (*self, value) {
            (_, Value::None) => Ok(Value::None),
            (Kind::Bool, v @ Value::Bool(_)) => Ok(v),
            (Kind::Int { min, max }, Value::Int(i)) => {
                if (min..=max).contains(&i) {
                    Ok(Value::Int(i))
                } else {
                    Err(format!("{i}, out of range,"))
                }
            }
            (Kind::Float, v @ Value::Float(_)) => Ok(v),
            (Kind::Float, Value::Int(i)) => Ok(Value::Float(i as f64)),
            (Kind::Str, v @ Value::Str(_)) => Ok(v),
            (Kind::Path, v @ Value::Path(_)) => Ok(v),
            (Kind::Path, Value::Str(s)) => Ok(Value::Path(s.into())),
            (Kind::Duration, v @ Value::Duration(_)) => Ok(v),
            (Kind::DateTime, v @ Value::DateTime(_)) => Ok(v),
            (Kind::Custom { name, .. }, Value::Custom(c)) if c.type_name() == name => {
                Ok(Value::Custom(c))
            }
            (_, v) => Err(v.describe()),
        }
    }

    /// The type's description without the article, for `--help`'s default value names.
    pub(crate) fn metavar(&self) -> &'static str {
        match *self {
            Kind::Bool => "BOOL",
            Kind::Int { .. } => "INT",
            Kind::Float => "NUMBER",
            Kind::Str => "STRING",
            Kind::Path => "PATH",
            Kind::Duration => "DURATION",
            Kind::DateTime => "DATETIME",
            Kind::Custom { .. } => "VALUE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INT: Kind = Kind::Int {
        min: i64::MIN,
        max: i64::MAX,
    };

    #[test]
    fn bool_is_tornado_lenient() {
        for (text, want) in [
            ("true", true),
            ("", true),
            ("no", true),
            ("off", true),
            ("False", false),
            ("0", false),
            ("F", false),
        ] {
            assert_eq!(Kind::Bool.parse(text), Ok(Value::Bool(want)), "{text:?}");
        }
    }

    #[test]
    fn ranges_are_inclusive_and_bounded() {
        assert_eq!(INT.parse_list("1:3,7"), Ok(Value::from(vec![1, 2, 3, 7])));
        assert_eq!(INT.parse_list("3:1"), Ok(Value::List(Vec::new())));
        assert!(INT.parse_list("0:9999999999").is_err());
        assert!(INT.parse_list("1:x").is_err());
        // Only integers have ranges: a string keeps its colon.
        assert_eq!(Kind::Str.parse_list("a:b"), Ok(Value::from(vec!["a:b"])));
    }

    #[test]
    fn check_converts_only_losslessly() {
        assert_eq!(
            Kind::Float.check(false, Value::Int(2)),
            Ok(Value::Float(2.0))
        );
        assert_eq!(
            INT.check(false, Value::from("2")),
            Err("a string".to_owned())
        );
        let port = Kind::Int { min: 0, max: 65535 };
        assert!(port.check(false, Value::Int(70000)).is_err());
        assert!(INT.check(true, Value::Int(1)).is_err());
    }
}
