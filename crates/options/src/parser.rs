//! `OptionParser`: a set of defined options and their values (Tornado's `OptionParser`).

use std::collections::{BTreeMap, BTreeSet};
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::define::{CallbackOutput, Define};
use crate::error::Error;
use crate::kind::Kind;
use crate::mock::MockGuard;
use crate::types::{IntoDefault, OptionType, Scalar};
use crate::value::Value;

/// A callback run with the new value whenever an option is parsed or set.
pub(crate) type Callback = Arc<dyn Fn(&Value) -> Result<(), Error> + Send + Sync>;
/// A callback run after every final parse.
type ParseCallback = Arc<dyn Fn() -> Result<(), Error> + Send + Sync>;

/// Where a value came from. A parse never overrides a value from a stronger source, so
/// the order is defaults < config file < environment < command line whatever order the
/// parses run in (Tornado issue #2163). Values set by the program count as defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Source {
    Default,
    ConfigFile,
    Environment,
    CommandLine,
}

/// Everything `define` said about one option.
pub(crate) struct Spec {
    /// The name as defined (`foo_bar`), kept for `items`, `as_dict` and iteration.
    pub(crate) name: String,
    /// The normalised name (`foo-bar`): the key for lookups and the command-line flag.
    pub(crate) key: String,
    pub(crate) kind: Kind,
    pub(crate) multiple: bool,
    /// Whether the value may be `None` (defined without a default).
    pub(crate) nullable: bool,
    pub(crate) default: Value,
    pub(crate) help: Option<String>,
    pub(crate) metavar: Option<String>,
    pub(crate) group: String,
    pub(crate) location: &'static Location<'static>,
    pub(crate) callback: Option<Callback>,
}

/// One option: its definition, and its value once something set it.
pub(crate) struct Slot {
    pub(crate) spec: Spec,
    value: Option<Value>,
    source: Source,
}

impl Slot {
    pub(crate) fn value(&self) -> &Value {
        self.value.as_ref().unwrap_or(&self.spec.default)
    }
}

#[derive(Default)]
pub(crate) struct State {
    /// In definition order, as Tornado's dict; few enough for linear lookups.
    pub(crate) slots: Vec<Slot>,
    parse_callbacks: Vec<ParseCallback>,
    pub(crate) env_prefix: Option<String>,
}

impl State {
    pub(crate) fn slot(&self, key: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.spec.key == key)
    }

    fn slot_mut(&mut self, key: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.spec.key == key)
    }
}

/// `foo_bar` → `foo-bar`: Tornado treats dashes and underscores in names as the same.
pub(crate) fn normalize(name: &str) -> String {
    name.replace('_', "-")
}

/// A collection of options: Tornado's `OptionParser`.
///
/// Applications use the global one through [`options()`](crate::options) and the free
/// functions; a library or a subcommand can keep its own. Clones share the same options.
/// Every parser defines `help`.
///
/// # Examples
///
/// ```
/// use typhoon_options::OptionParser;
///
/// let parser = OptionParser::new();
/// let port = parser.define("port", 80u16).help("port to listen on").register()?;
/// let rest = parser.parse_command_line(["main", "--port=443", "serve"], true)?;
/// assert_eq!(port.get(), 443);
/// assert_eq!(parser.get::<u16>("port")?, 443);
/// assert_eq!(rest, ["serve"]);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[derive(Clone)]
pub struct OptionParser {
    state: Arc<Mutex<State>>,
}

impl Default for OptionParser {
    fn default() -> Self {
        OptionParser::new()
    }
}

impl OptionParser {
    /// A parser holding only the `help` option.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// assert_eq!(parser.names(), ["help"]);
    /// ```
    pub fn new() -> OptionParser {
        let parser = OptionParser {
            state: Arc::default(),
        };
        let help = parser
            .define_type::<bool>("help")
            .help("show this help information")
            .group("");
        // A fresh parser holds nothing that could clash.
        let _ = help.register();
        parser
    }

    /// A reference that does not keep the parser alive, for callbacks the parser holds.
    pub(crate) fn downgrade(&self) -> Weak<Mutex<State>> {
        Arc::downgrade(&self.state)
    }

    /// The parser behind [`OptionParser::downgrade`]'s reference, if it still exists.
    pub(crate) fn upgrade(weak: &Weak<Mutex<State>>) -> Option<OptionParser> {
        weak.upgrade().map(|state| OptionParser { state })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking callback never runs under the lock, so poisoning only means a
        // panic elsewhere; the state itself is consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts defining an option whose type is that of `default` (Tornado's
    /// `define(name, default=...)`): `define("port", 8000u16)` makes `--port=8080` the
    /// `u16` 8080. Finish with [`Define::register`].
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// let debug = parser.define("debug", false).help("debug mode").register()?;
    /// parser.parse_command_line(["main", "--debug"], true)?;
    /// assert!(debug.get());
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    #[track_caller]
    pub fn define<D: IntoDefault>(&self, name: &str, default: D) -> Define<D::Type> {
        let default = default.into_default().into();
        Define::new(self.clone(), name, default, false, Location::caller())
    }

    /// Starts defining an option of type `T` without a default (Tornado's
    /// `define(name, type=T)`): its value is `None` until something sets it. Add
    /// [`Define::multiple`] for Tornado's `multiple=True`.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// let name = parser.define_type::<String>("name").register()?;
    /// assert_eq!(name.get(), None);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    #[track_caller]
    pub fn define_type<T: Scalar>(&self, name: &str) -> Define<Option<T>> {
        Define::new(self.clone(), name, Value::None, true, Location::caller())
    }

    /// Adds a finished definition; fails on a name defined before.
    pub(crate) fn insert(&self, spec: Spec) -> Result<(), Error> {
        let mut state = self.lock();
        if let Some(first) = state.slot(&spec.key) {
            return Err(Error::Duplicate {
                name: spec.key,
                first: first.spec.location.to_string(),
                second: spec.location.to_string(),
            });
        }
        state.slots.push(Slot {
            spec,
            value: None,
            source: Source::Default,
        });
        Ok(())
    }

    /// The value of `name` as a `T` (Tornado's `options.name`). Integers convert between
    /// widths with a range check.
    ///
    /// # Errors
    ///
    /// [`Error::Unrecognized`] for a name never defined, [`Error::WrongGet`] when the value
    /// is not a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("port", 8000).register()?;
    /// assert_eq!(parser.get::<u16>("port")?, 8000);
    /// assert!(parser.get::<String>("port").is_err());
    /// assert!(parser.get::<u16>("nosuch").is_err());
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn get<T: OptionType>(&self, name: &str) -> Result<T, Error> {
        let value = self.value(name)?;
        T::from_value(&value).ok_or_else(|| Error::WrongGet {
            name: name.to_owned(),
            wanted: strip_paths(std::any::type_name::<T>()),
            found: match &value {
                Value::Int(i) => format!("the integer {i}"),
                other => other.describe(),
            },
        })
    }

    /// The value of `name`, untyped (Tornado's `options["name"]`; `_` and `-` alike).
    ///
    /// # Errors
    ///
    /// [`Error::Unrecognized`] for a name never defined.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::{OptionParser, Value};
    ///
    /// let parser = OptionParser::new();
    /// parser.define("foo_bar", "a").register()?;
    /// assert_eq!(parser.value("foo-bar")?, Value::from("a"));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn value(&self, name: &str) -> Result<Value, Error> {
        let state = self.lock();
        let slot = state
            .slot(&normalize(name))
            .ok_or_else(|| Error::Unrecognized {
                name: name.to_owned(),
            })?;
        Ok(slot.value().clone())
    }

    /// Sets `name` from the program (Tornado's `options.name = value`): the value must
    /// already have the option's type; strings are not parsed. Runs the option's callback.
    ///
    /// # Errors
    ///
    /// [`Error::Unrecognized`], [`Error::WrongType`], or the callback's error.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("foo", 1).register()?;
    /// parser.set("foo", 2)?;
    /// assert_eq!(parser.get::<i32>("foo")?, 2);
    /// assert!(parser.set("foo", "2").is_err());
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn set(&self, name: &str, value: impl Into<Value>) -> Result<(), Error> {
        let key = normalize(name);
        let value = self.checked(&key, value.into(), format!("option '{name}'"))?;
        self.apply(&key, value, Source::Default)
    }

    /// Checks `value` against the option's type; `origin` names it in the error.
    pub(crate) fn checked(&self, key: &str, value: Value, origin: String) -> Result<Value, Error> {
        let state = self.lock();
        let spec = &state
            .slot(key)
            .ok_or_else(|| Error::Unrecognized {
                name: key.to_owned(),
            })?
            .spec;
        if value == Value::None && !spec.nullable {
            return Err(Error::WrongType {
                origin,
                expected: describe_type(spec.kind, spec.multiple),
                given: value.describe(),
            });
        }
        spec.kind
            .check(spec.multiple, value)
            .map_err(|given| Error::WrongType {
                origin,
                expected: describe_type(spec.kind, spec.multiple),
                given,
            })
    }

    /// Stores a value that fits the option unless a stronger source set it, then runs the
    /// callback, outside the lock: a callback may parse a config file into this parser.
    pub(crate) fn apply(&self, key: &str, value: Value, source: Source) -> Result<(), Error> {
        let callback = {
            let mut state = self.lock();
            let Some(slot) = state.slot_mut(key) else {
                return Err(Error::Unrecognized {
                    name: key.to_owned(),
                });
            };
            if source != Source::Default && source < slot.source {
                return Ok(());
            }
            slot.value = Some(value.clone());
            slot.source = source;
            slot.spec.callback.clone()
        };
        match callback {
            Some(callback) => callback(&value),
            None => Ok(()),
        }
    }

    /// Replaces a value for a test and returns a guard that puts the old one back when
    /// dropped (Tornado's `mock.patch.object(options.mockable(), name, value)`). The value
    /// is type-checked and the callback runs, as for [`OptionParser::set`].
    ///
    /// # Errors
    ///
    /// As [`OptionParser::set`].
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("foo", 1).register()?;
    /// {
    ///     let _mock = parser.mock("foo", 3)?;
    ///     assert_eq!(parser.get::<i32>("foo")?, 3);
    /// }
    /// assert_eq!(parser.get::<i32>("foo")?, 1);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn mock(&self, name: &str, value: impl Into<Value>) -> Result<MockGuard, Error> {
        let key = normalize(name);
        let value = self.checked(&key, value.into(), format!("option '{name}'"))?;
        let saved = {
            let state = self.lock();
            state.slot(&key).map(|s| (s.value.clone(), s.source))
        };
        let (old, source) = saved.ok_or_else(|| Error::Unrecognized {
            name: name.to_owned(),
        })?;
        self.apply(&key, value, Source::Default)?;
        Ok(MockGuard::new(self.clone(), key, old, source))
    }

    /// Puts back what [`OptionParser::mock`] replaced.
    pub(crate) fn restore(&self, key: &str, value: Option<Value>, source: Source) {
        if let Some(slot) = self.lock().slot_mut(key) {
            slot.value = value;
            slot.source = source;
        }
    }

    /// Whether `name` is defined (Tornado's `name in options`).
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// assert!(parser.contains("help") && !parser.contains("port"));
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.lock().slot(&normalize(name)).is_some()
    }

    /// The names as defined, in definition order (Tornado's `iter(options)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("with_underscore", 1).register()?;
    /// assert_eq!(parser.names(), ["help", "with_underscore"]);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.lock()
            .slots
            .iter()
            .map(|s| s.spec.name.clone())
            .collect()
    }

    /// `(name, value)` pairs in definition order, names as defined.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::{OptionParser, Value};
    ///
    /// let parser = OptionParser::new();
    /// parser.define("a", 1).register()?;
    /// assert_eq!(parser.items()[1], ("a".to_owned(), Value::Int(1)));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn items(&self) -> Vec<(String, Value)> {
        let state = self.lock();
        let pairs = state
            .slots
            .iter()
            .map(|s| (s.spec.name.clone(), s.value().clone()));
        pairs.collect()
    }

    /// Every option's value, by name as defined.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("a", 1).register()?;
    /// assert_eq!(parser.as_dict().len(), 2); // a and help
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn as_dict(&self) -> BTreeMap<String, Value> {
        self.items().into_iter().collect()
    }

    /// The group names (a group defaults to the file that defined the option; `help` is in
    /// the group `""`).
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("b", 2).group("b_group").register()?;
    /// assert!(parser.groups().contains("b_group") && parser.groups().contains(""));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn groups(&self) -> BTreeSet<String> {
        self.lock()
            .slots
            .iter()
            .map(|s| s.spec.group.clone())
            .collect()
    }

    /// The options of one group by name (all options for `""`, as Tornado), for instance
    /// to copy into application settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::{OptionParser, Value};
    ///
    /// let parser = OptionParser::new();
    /// parser.define("b", 2).group("b_group").register()?;
    /// assert_eq!(parser.group_dict("b_group").into_iter().collect::<Vec<_>>(),
    ///            [("b".to_owned(), Value::Int(2))]);
    /// assert!(parser.group_dict("nonexistent").is_empty());
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn group_dict(&self, group: &str) -> BTreeMap<String, Value> {
        let state = self.lock();
        let chosen = state
            .slots
            .iter()
            .filter(|s| group.is_empty() || s.spec.group == group);
        chosen
            .map(|s| (s.spec.name.clone(), s.value().clone()))
            .collect()
    }

    /// Adds a callback run after every final parse (`final_ = true`), in the order added.
    /// It may return `()` or `Result<(), Error | String>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let parser = typhoon_options::OptionParser::new();
    /// let called = Arc::new(AtomicBool::new(false));
    /// let flag = called.clone();
    /// parser.add_parse_callback(move || flag.store(true, Ordering::SeqCst));
    /// parser.parse_command_line(["main"], false)?;
    /// assert!(!called.load(Ordering::SeqCst));
    /// parser.parse_command_line(["main"], true)?;
    /// assert!(called.load(Ordering::SeqCst));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn add_parse_callback<F, R>(&self, callback: F)
    where
        F: Fn() -> R + Send + Sync + 'static,
        R: CallbackOutput,
    {
        let callback = move || callback().into_result("");
        self.lock().parse_callbacks.push(Arc::new(callback));
    }

    /// Runs the parse callbacks (what a final parse does at its end).
    ///
    /// # Errors
    ///
    /// The first callback error; the later callbacks do not run.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.add_parse_callback(|| Err::<(), _>("no".to_owned()));
    /// assert!(parser.run_parse_callbacks().is_err());
    /// ```
    pub fn run_parse_callbacks(&self) -> Result<(), Error> {
        let callbacks = self.lock().parse_callbacks.clone();
        callbacks.iter().try_for_each(|callback| callback())
    }
}

/// Converts a string to an option's type; `origin` names its source in the error.
pub(crate) fn parse_text(
    kind: Kind,
    multiple: bool,
    text: &str,
    origin: String,
) -> Result<Value, Error> {
    let parsed = if multiple {
        kind.parse_list(text)
    } else {
        kind.parse(text)
    };
    parsed.map_err(|expected| Error::InvalidValue {
        origin,
        value: text.to_owned(),
        expected: if multiple {
            format!("a comma-separated list of values, each {expected}")
        } else {
            expected
        },
    })
}

/// The option's type with an article: `an integer`, or for a `multiple` option `a list
/// or a comma-separated string of values, each an integer`.
pub(crate) fn describe_type(kind: Kind, multiple: bool) -> String {
    if multiple {
        format!(
            "a list or a comma-separated string of values, each {}",
            kind.expected()
        )
    } else {
        kind.expected()
    }
}

/// `alloc::vec::Vec<alloc::string::String>` → `Vec<String>`.
fn strip_paths(type_name: &str) -> String {
    let mut out = String::new();
    let mut ident = String::new();
    let mut chars = type_name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            ident.clear(); // a module name: dropped
        } else if c.is_alphanumeric() || c == '_' {
            ident.push(c);
        } else {
            out.push_str(&ident);
            ident.clear();
            out.push(c);
        }
    }
    out + &ident
}
