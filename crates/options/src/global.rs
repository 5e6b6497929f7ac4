//! The global parser (Tornado's `tornado.options.options`) and the module-level functions
//! that act on it.

use std::ffi::OsString;
use std::path::Path;
use std::sync::OnceLock;

use crate::define::{CallbackOutput, Define};
use crate::error::Error;
use crate::logging::define_logging_options;
use crate::parser::OptionParser;
use crate::types::{IntoDefault, Scalar};

static OPTIONS: OnceLock<OptionParser> = OnceLock::new();

/// The global parser (Tornado's `options`), with `help` and the logging options defined.
///
/// # Examples
///
/// ```
/// use typhoon_options::options;
///
/// assert_eq!(options().get::<String>("logging")?, "info");
/// assert!(options().contains("log_file_prefix"));
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub fn options() -> &'static OptionParser {
    OPTIONS.get_or_init(|| {
        let parser = OptionParser::new();
        // A fresh parser holds only `help`: the logging names cannot clash.
        let _ = define_logging_options(&parser);
        parser
    })
}

/// Starts defining an option on the global parser, typed by its default (Tornado's
/// `define(name, default=..., help=..., ...)`); finish with `.register()`.
///
/// # Examples
///
/// ```
/// use typhoon_options::define;
///
/// let port = define("doc_port", 8000u16).help("run server on the given port.").register()?;
/// assert_eq!(port.get(), 8000);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[track_caller]
pub fn define<D: IntoDefault>(name: &str, default: D) -> Define<D::Type> {
    options().define(name, default)
}

/// Starts defining an option of type `T` without a default on the global parser
/// (Tornado's `define(name, type=T)`); `.multiple()` for `multiple=True`.
///
/// # Examples
///
/// ```
/// use typhoon_options::define_type;
///
/// let itcast = define_type::<String>("doc_itcast").multiple().help("itcast subjects.").register()?;
/// assert!(itcast.get().is_empty());
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[track_caller]
pub fn define_type<T: Scalar>(name: &str) -> Define<Option<T>> {
    options().define_type(name)
}

/// Parses the process's arguments into the global options and returns the arguments left
/// after the options (Tornado's `parse_command_line()`). Then sets up logging. On `--help`
/// it prints the help and exits 0; on a mistake it prints one `error:` line to stderr and
/// exits 2, as clap's `Parser::parse` (see [`try_parse_command_line`] to handle it).
///
/// # Examples
///
/// ```no_run
/// use typhoon_options::{define, parse_command_line};
///
/// let port = define("port", 8000u16).register()?;
/// let rest = parse_command_line();
/// println!("port {} and {} more arguments", port.get(), rest.len());
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub fn parse_command_line() -> Vec<String> {
    try_parse_command_line().unwrap_or_else(|e| e.exit())
}

/// [`parse_command_line`] on the given arguments (`args[0]` is the program).
///
/// # Examples
///
/// ```
/// use typhoon_options::{define, parse_command_line_from};
///
/// let port = define("from_port", 80).register()?;
/// let rest = parse_command_line_from(["main", "--from_port=443", "--logging=none", "x"]);
/// assert_eq!((port.get(), rest), (443, vec!["x".to_owned()]));
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub fn parse_command_line_from<I, A>(args: I) -> Vec<String>
where
    I: IntoIterator<Item = A>,
    A: Into<OsString>,
{
    try_parse_command_line_from(args).unwrap_or_else(|e| e.exit())
}

/// [`parse_command_line`] returning the error (including [`Error::Help`]) instead of
/// exiting.
///
/// # Errors
///
/// As [`OptionParser::parse_command_line`].
///
/// # Examples
///
/// ```no_run
/// match typhoon_options::try_parse_command_line() {
///     Ok(rest) => println!("{rest:?}"),
///     Err(e) => e.exit(),
/// }
/// ```
pub fn try_parse_command_line() -> Result<Vec<String>, Error> {
    options().parse_command_line(std::env::args_os(), true)
}

/// [`try_parse_command_line`] on the given arguments.
///
/// # Errors
///
/// As [`OptionParser::parse_command_line`].
///
/// # Examples
///
/// ```
/// let err = typhoon_options::try_parse_command_line_from(["main", "--nope=1"]).unwrap_err();
/// assert!(err.to_string().starts_with("unrecognized command line option '--nope'"));
/// ```
pub fn try_parse_command_line_from<I, A>(args: I) -> Result<Vec<String>, Error>
where
    I: IntoIterator<Item = A>,
    A: Into<OsString>,
{
    options().parse_command_line(args, true)
}

/// Loads the global options from a TOML file, then sets up logging (Tornado's
/// `parse_config_file(path)`); on a mistake prints one `error:` line and exits 2.
///
/// # Examples
///
/// ```no_run
/// typhoon_options::parse_config_file("/etc/app.toml");
/// ```
pub fn parse_config_file(path: impl AsRef<Path>) {
    try_parse_config_file(path).unwrap_or_else(|e| e.exit())
}

/// [`parse_config_file`] returning the error instead of exiting.
///
/// # Errors
///
/// As [`OptionParser::parse_config_file`].
///
/// # Examples
///
/// ```
/// let err = typhoon_options::try_parse_config_file("/no/such.toml").unwrap_err();
/// assert!(err.to_string().starts_with("cannot read config file /no/such.toml"));
/// ```
pub fn try_parse_config_file(path: impl AsRef<Path>) -> Result<(), Error> {
    options().parse_config_file(path, true)
}

/// Prints the global options' `--help` to stdout.
///
/// # Examples
///
/// ```no_run
/// typhoon_options::print_help();
/// ```
pub fn print_help() {
    options().print_help();
}

/// Adds a callback run after every final parse of the global options.
///
/// # Examples
///
/// ```
/// typhoon_options::add_parse_callback(|| log::info!("options parsed"));
/// ```
pub fn add_parse_callback<F, R>(callback: F)
where
    F: Fn() -> R + Send + Sync + 'static,
    R: CallbackOutput,
{
    options().add_parse_callback(callback);
}
