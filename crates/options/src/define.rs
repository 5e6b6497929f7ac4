//! `Define`: the builder `define` returns, and `Opt`, the typed handle it registers.

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

use crate::error::Error;
use crate::mock::MockGuard;
use crate::parser::{normalize, Callback, OptionParser, Spec};
use crate::types::{OptionType, Scalar};
use crate::value::Value;

/// An option being defined: Tornado's `define` keyword arguments as methods. Nothing is
/// defined until [`Define::register`].
///
/// # Examples
///
/// ```
/// use typhoon_options::OptionParser;
///
/// let parser = OptionParser::new();
/// let port = parser
///     .define("port", 8000u16)
///     .help("run server on the given port.")
///     .metavar("PORT")
///     .group("server")
///     .callback(|port: &u16| println!("port is now {port}"))
///     .register()?;
/// assert_eq!(port.get(), 8000);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[must_use = "nothing is defined until .register()"]
pub struct Define<T> {
    parser: OptionParser,
    name: String,
    default: Value,
    nullable: bool,
    multiple: bool,
    help: Option<String>,
    metavar: Option<String>,
    group: Option<String>,
    callback: Option<Callback>,
    location: &'static Location<'static>,
    _type: PhantomData<fn() -> T>,
}

impl<T: OptionType> Define<T> {
    pub(crate) fn new(
        parser: OptionParser,
        name: &str,
        default: Value,
        nullable: bool,
        location: &'static Location<'static>,
    ) -> Define<T> {
        Define {
            parser,
            name: name.to_owned(),
            default,
            nullable,
            multiple: T::multiple(),
            help: None,
            metavar: None,
            group: None,
            callback: None,
            location,
            _type: PhantomData,
        }
    }

    /// The help text `--help` shows.
    pub fn help(mut self, help: &str) -> Self {
        self.help = Some(help.to_owned());
        self
    }

    /// The value's name in `--help`, as in `--logging=<debug|info|warning|error|none>`
    /// (default: the type, such as `INT`).
    pub fn metavar(mut self, metavar: &str) -> Self {
        self.metavar = Some(metavar.to_owned());
        self
    }

    /// The `--help` section and [`OptionParser::group_dict`] group (default: the file
    /// that called `define`).
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_owned());
        self
    }

    /// Runs `callback` with the new value whenever the option is parsed or set, in the
    /// order the values arrive. It may return `()`, or `Result<(), Error>` /
    /// `Result<(), String>` to stop the parse with an error, as the `--config=PATH`
    /// pattern does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::PathBuf;
    /// use typhoon_options::OptionParser;
    ///
    /// let parser = OptionParser::new();
    /// let files = parser.clone();
    /// parser
    ///     .define_type::<PathBuf>("config")
    ///     .callback(move |path: &Option<PathBuf>| match path {
    ///         Some(path) => files.parse_config_file(path, false),
    ///         None => Ok(()),
    ///     })
    ///     .register()?;
    /// let err = parser.parse_command_line(["main", "--config=/no/such.toml"], true);
    /// assert!(err.unwrap_err().to_string().starts_with("cannot read config file /no/such.toml"));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn callback<F, R>(mut self, callback: F) -> Self
    where
        F: Fn(&T) -> R + Send + Sync + 'static,
        R: CallbackOutput,
    {
        let name = normalize(&self.name);
        self.callback = Some(Arc::new(move |value: &Value| {
            let typed = T::from_value(value).ok_or_else(|| Error::WrongType {
                origin: format!("option '{name}'"),
                expected: std::any::type_name::<T>().to_owned(),
                given: value.describe(),
            })?;
            callback(&typed).into_result(&name)
        }));
        self
    }

    /// Defines the option. Names are normalised (`foo_bar` is `foo-bar`).
    ///
    /// # Errors
    ///
    /// [`Error::Duplicate`] naming both places when the name was defined before.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("foo_bar", 1).register()?;
    /// let again = parser.define("foo-bar", 2).register().unwrap_err();
    /// assert!(again.to_string().starts_with("option 'foo-bar' already defined at "));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn register(self) -> Result<Opt<T>, Error> {
        let key = normalize(&self.name);
        let kind = T::kind();
        let spec = Spec {
            key: key.clone(),
            name: self.name,
            kind,
            multiple: self.multiple,
            nullable: self.nullable,
            default: self.default,
            help: self.help,
            metavar: self.metavar,
            group: self
                .group
                .unwrap_or_else(|| self.location.file().to_owned()),
            location: self.location,
            callback: self.callback,
        };
        self.parser.insert(spec)?;
        Ok(Opt {
            parser: self.parser,
            key,
            _type: PhantomData,
        })
    }
}

impl<T: Scalar> Define<Option<T>> {
    /// Makes the option a list (Tornado's `multiple=True`): comma-separated on the
    /// command line, integer ranges `lo:hi` included; a list in a config file. The
    /// default is the empty list.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// let ids = parser.define_type::<u32>("ids").multiple().register()?;
    /// parser.parse_command_line(["main", "--ids=1:3,7"], true)?;
    /// assert_eq!(ids.get(), [1, 2, 3, 7]);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn multiple(self) -> Define<Vec<T>> {
        Define {
            parser: self.parser,
            name: self.name,
            default: Value::List(Vec::new()),
            nullable: false,
            multiple: true,
            help: self.help,
            metavar: self.metavar,
            group: self.group,
            callback: None,
            location: self.location,
            _type: PhantomData,
        }
    }
}

/// What a callback may return: `()`, `Result<(), Error>` or `Result<(), String>`.
pub trait CallbackOutput {
    /// The outcome as a `Result`; `option` names the option for a `String` error.
    fn into_result(self, option: &str) -> Result<(), Error>;
}

impl CallbackOutput for () {
    fn into_result(self, _: &str) -> Result<(), Error> {
        Ok(())
    }
}

impl CallbackOutput for Result<(), Error> {
    fn into_result(self, _: &str) -> Result<(), Error> {
        self
    }
}

impl CallbackOutput for Result<(), String> {
    fn into_result(self, option: &str) -> Result<(), Error> {
        self.map_err(|message| Error::Callback {
            name: option.to_owned(),
            message,
        })
    }
}

/// A typed handle on a defined option: what `define(...).register()` returns.
///
/// # Examples
///
/// ```
/// let parser = typhoon_options::OptionParser::new();
/// let itcast = parser.define_type::<String>("itcast").multiple().register()?;
/// parser.parse_command_line(["main", "--itcast=python,c++,java"], true)?;
/// assert_eq!(itcast.get(), ["python", "c++", "java"]);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub struct Opt<T> {
    parser: OptionParser,
    key: String,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Opt<T> {
    fn clone(&self) -> Self {
        Opt {
            parser: self.parser.clone(),
            key: self.key.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Opt<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opt").field("name", &self.key).finish()
    }
}

impl<T: OptionType> Opt<T> {
    /// The current value.
    pub fn get(&self) -> T {
        let value = self.parser.value(&self.key).unwrap_or(Value::None);
        // Every write is checked against the option's type, so the value always fits.
        T::from_value(&value).expect("an option's value always has its defined type")
    }

    /// Sets the value from the program, running the callback (Tornado's
    /// `options.name = value`).
    ///
    /// # Errors
    ///
    /// The callback's error.
    pub fn set(&self, value: T) -> Result<(), Error> {
        self.parser.set(&self.key, value)
    }

    /// Replaces the value until the guard drops (Tornado's `mockable`).
    ///
    /// # Errors
    ///
    /// The callback's error.
    pub fn mock(&self, value: T) -> Result<MockGuard, Error> {
        self.parser.mock(&self.key, value)
    }

    /// The normalised name (`foo-bar`).
    pub fn name(&self) -> &str {
        &self.key
    }
}
