//! Rust types an option can hold, and how each maps to a [`Value`] and a [`Kind`].

use std::path::PathBuf;
use std::time::Duration;

use jiff::civil::DateTime;

use crate::kind::Kind;
use crate::value::Value;

/// A Rust type an option can hold: what `define`'s default, `get::<T>` and the handle
/// returned by `define` are typed with.
///
/// Implemented for the integers, `f32`/`f64`, `bool`, `String`, `PathBuf`, `Duration`,
/// `jiff::civil::DateTime`; for `Option<T>` (an option without a default) and `Vec<T>` (a
/// `multiple` option) of those; and, through [`option_type!`](crate::option_type), for any
/// `FromStr` type of yours.
///
/// # Examples
///
/// ```
/// use typhoon_options::{Kind, OptionType, Value};
///
/// assert_eq!(<u16 as OptionType>::kind(), Kind::Int { min: 0, max: 65535 });
/// assert_eq!(u16::from_value(&Value::Int(8080)), Some(8080));
/// assert_eq!(u16::from_value(&Value::Int(70000)), None);
/// assert!(<Vec<String> as OptionType>::multiple());
/// ```
pub trait OptionType: Clone + Send + Sync + Into<Value> + 'static {
    /// How strings convert to this type.
    fn kind() -> Kind;

    /// Whether this is a list of values (Tornado's `multiple=True`).
    fn multiple() -> bool {
        false
    }

    /// The value as this type, or `None` when it is another type or out of range.
    fn from_value(value: &Value) -> Option<Self>;
}

/// What `define` accepts as a default: any [`OptionType`], and `&str` for a `String`
/// option, `&Path` for a `PathBuf` one (Tornado's `define("name", "foo")`).
///
/// # Examples
///
/// ```
/// let parser = typhoon_options::OptionParser::new();
/// let name = parser.define("username", "foo").register()?;
/// let name: String = name.get();
/// assert_eq!(name, "foo");
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub trait IntoDefault {
    /// The option's type.
    type Type: OptionType;
    /// The default as the option's type.
    fn into_default(self) -> Self::Type;
}

impl<T: OptionType> IntoDefault for T {
    type Type = T;
    fn into_default(self) -> T {
        self
    }
}

impl IntoDefault for &str {
    type Type = String;
    fn into_default(self) -> String {
        self.to_owned()
    }
}

impl IntoDefault for &std::path::Path {
    type Type = PathBuf;
    fn into_default(self) -> PathBuf {
        self.to_owned()
    }
}

/// A single value (not an `Option` or a `Vec`): what `Option<T>` and `Vec<T>` wrap.
pub trait Scalar: OptionType {}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl OptionType for $t {
            fn kind() -> Kind {
                Kind::Int {
                    min: i64::try_from(<$t>::MIN).unwrap_or(i64::MIN),
                    max: i64::try_from(<$t>::MAX).unwrap_or(i64::MAX),
                }
            }
            fn from_value(value: &Value) -> Option<Self> {
                match value {
                    Value::Int(i) => <$t>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
        impl Scalar for $t {}
        impl From<$t> for Value {
            /// An integer; `u64` and `usize` above `i64::MAX` saturate.
            fn from(v: $t) -> Value {
                Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
            }
        }
    )*};
}
integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! simple {
    ($t:ty, $kind:expr, $variant:ident) => {
        impl OptionType for $t {
            fn kind() -> Kind {
                $kind
            }
            fn from_value(value: &Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v.clone()),
                    _ => None,
                }
            }
        }
        impl Scalar for $t {}
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant(v)
            }
        }
    };
}
simple!(bool, Kind::Bool, Bool);
simple!(f64, Kind::Float, Float);
simple!(String, Kind::Str, Str);
simple!(PathBuf, Kind::Path, Path);
simple!(Duration, Kind::Duration, Duration);
simple!(DateTime, Kind::DateTime, DateTime);

impl OptionType for f32 {
    fn kind() -> Kind {
        Kind::Float
    }
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Float(v) => Some(*v as f32),
            _ => None,
        }
    }
}
impl Scalar for f32 {}
impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float(f64::from(v))
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Str(v.to_owned())
    }
}

impl From<&std::path::Path> for Value {
    fn from(v: &std::path::Path) -> Value {
        Value::Path(v.to_owned())
    }
}

/// An option without a default (Tornado's `default=None`): `None` until set.
impl<T: Scalar> OptionType for Option<T> {
    fn kind() -> Kind {
        T::kind()
    }
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::None => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::None, Into::into)
    }
}

/// A `multiple` option: comma-separated on the command line, a list in a config file.
impl<T: Scalar> OptionType for Vec<T> {
    fn kind() -> Kind {
        T::kind()
    }
    fn multiple() -> bool {
        true
    }
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::List(items) => items.iter().map(T::from_value).collect(),
            _ => None,
        }
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// Lets options hold your own type: anything `FromStr + Clone + Debug + Send + Sync`
/// whose `FromStr` error displays (Tornado's "any callable type works as a parser").
///
/// # Examples
///
/// ```
/// use std::str::FromStr;
/// use typhoon_options::{option_type, OptionParser};
///
/// #[derive(Clone, Debug, PartialEq)]
/// struct Email(String);
///
/// impl FromStr for Email {
///     type Err = String;
///     fn from_str(s: &str) -> Result<Self, String> {
///         if s.contains('@') { Ok(Email(s.to_owned())) } else { Err(format!("no @ in {s}")) }
///     }
/// }
/// option_type!(Email);
///
/// let parser = OptionParser::new();
/// let email = parser.define_type::<Email>("email").register()?;
/// parser.parse_command_line(["prog", "--email=a@b.c"], true)?;
/// assert_eq!(email.get(), Some(Email("a@b.c".to_owned())));
/// assert!(parser.parse_command_line(["prog", "--email=nope"], true).is_err());
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[macro_export]
macro_rules! option_type {
    ($t:ty) => {
        impl $crate::OptionType for $t {
            fn kind() -> $crate::Kind {
                $crate::Kind::Custom {
                    name: ::std::any::type_name::<$t>(),
                    parse: |text| {
                        text.parse::<$t>()
                            .map(::std::convert::Into::into)
                            .map_err(|e| e.to_string())
                    },
                }
            }
            fn from_value(value: &$crate::Value) -> ::std::option::Option<Self> {
                match value {
                    $crate::Value::Custom(c) => c.downcast_ref::<$t>().cloned(),
                    _ => ::std::option::Option::None,
                }
            }
        }
        impl $crate::Scalar for $t {}
        impl ::std::convert::From<$t> for $crate::Value {
            fn from(v: $t) -> $crate::Value {
                let text = ::std::format!("{:?}", v);
                $crate::Value::Custom($crate::CustomValue::new(v, text))
            }
        }
    };
}
