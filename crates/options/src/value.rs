//! An option's value, as untyped access (`options["port"]`, `as_dict`) sees it.

use std::any::Any;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::DateTime;

use crate::duration::format_duration;

/// The value of one option: what Tornado's `options.name` returns, with its type.
///
/// Integers of every width are held as `Int`; [`OptionParser::get`](crate::OptionParser::get)
/// converts them back with a range check. `Display` writes the command-line form, so
/// `--name=<value>` would parse back to the same value.
///
/// # Examples
///
/// ```
/// use typhoon_options::Value;
///
/// assert_eq!(Value::from(8000).to_string(), "8000");
/// assert_eq!(Value::from(vec!["a", "b"]).to_string(), "a,b");
/// assert_eq!(Value::None.to_string(), "");
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// No value: an option defined without a default and never set (Python's `None`).
    None,
    /// A bool.
    Bool(bool),
    /// Any integer type.
    Int(i64),
    /// `f32` or `f64`.
    Float(f64),
    /// A string.
    Str(String),
    /// A file-system path.
    Path(PathBuf),
    /// A duration (Tornado's `timedelta`).
    Duration(Duration),
    /// A date and time without a time zone (Tornado's naive `datetime`).
    DateTime(DateTime),
    /// The values of a `multiple` option.
    List(Vec<Value>),
    /// A value of a type registered with [`option_type!`](crate::option_type).
    Custom(CustomValue),
}

/// A value of a user type (anything `FromStr`), shared and type-erased.
#[derive(Clone)]
pub struct CustomValue {
    value: Arc<dyn Any + Send + Sync>,
    type_name: &'static str,
    text: String,
}

impl CustomValue {
    /// Wraps `value`; `text` is how it displays.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::CustomValue;
    ///
    /// let v = CustomValue::new(7u8, "seven".to_owned());
    /// assert_eq!(v.downcast_ref::<u8>(), Some(&7));
    /// assert_eq!(v.to_string(), "seven");
    /// ```
    pub fn new<T: Any + Send + Sync>(value: T, text: String) -> CustomValue {
        CustomValue {
            value: Arc::new(value),
            type_name: std::any::type_name::<T>(),
            text,
        }
    }

    /// The value, if it is a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::CustomValue;
    ///
    /// let v = CustomValue::new(7u8, "7".to_owned());
    /// assert_eq!(v.downcast_ref::<u16>(), None);
    /// ```
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.value.downcast_ref()
    }

    /// The Rust type's name, as `std::any::type_name` writes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::CustomValue;
    ///
    /// assert_eq!(CustomValue::new(7u8, "7".to_owned()).type_name(), "u8");
    /// ```
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl PartialEq for CustomValue {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name && self.text == other.text
    }
}

impl fmt::Display for CustomValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Value {
    /// The value's type with an article, for messages: `an integer`, `a string`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::Value;
    ///
    /// assert_eq!(Value::from("2").describe(), "a string");
    /// assert_eq!(Value::from(2).describe(), "an integer");
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Value::None => "no value".to_owned(),
            Value::Bool(_) => "a bool".to_owned(),
            Value::Int(_) => "an integer".to_owned(),
            Value::Float(_) => "a float".to_owned(),
            Value::Str(_) => "a string".to_owned(),
            Value::Path(_) => "a path".to_owned(),
            Value::Duration(_) => "a duration".to_owned(),
            Value::DateTime(_) => "a date/time".to_owned(),
            Value::List(_) => "a list".to_owned(),
            Value::Custom(c) => format!("a {}", short_type_name(c.type_name)),
        }
    }

    /// Whether `--help` leaves the default out: no value, an empty string or an empty list
    /// (Tornado skips `None` and `""`).
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Value::None => true,
            Value::Str(s) => s.is_empty(),
            Value::List(items) => items.is_empty(),
            _ => false,
        }
    }
}

/// `my_app::Email` → `Email`.
pub(crate) fn short_type_name(name: &'static str) -> &'static str {
    name.rsplit("::").next().unwrap_or(name)
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
            Value::Path(p) => write!(f, "{}", p.display()),
            Value::Duration(d) => f.write_str(&format_duration(*d)),
            Value::DateTime(dt) => write!(f, "{}", dt.strftime("%Y-%m-%d %H:%M:%S")),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            Value::Custom(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => f.write_str("None"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Path(p) => write!(f, "{p:?}"),
            Value::List(items) => f.debug_list().entries(items).finish(),
            other => write!(f, "{other}"),
        }
    }
}
