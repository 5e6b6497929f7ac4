//! Typhoon's `tornado.options`: `define`, `options`, `parse_command_line` and
//! `parse_config_file`, built on clap.
//!
//! Options are defined where they are used, anywhere in the program, and parsed once in
//! `main`, as in Tornado. Each is typed (by its default, or explicitly), may be a list
//! (`multiple`), belongs to a group for `--help`, and may have a callback. Values come
//! from defaults < a TOML config file < environment variables (opt-in prefix) < the
//! command line, whatever order the parses run in. The global parser also carries
//! Tornado's logging options (`--logging`, `--log-file-prefix`, …), which set up the
//! process logger on the final parse.
//!
//! ```
//! use typhoon_options::{define, define_type, parse_command_line_from};
//!
//! let port = define("port", 8000u16).help("run server on the given port.").register()?;
//! let itcast = define_type::<String>("itcast").multiple().help("itcast subjects.").register()?;
//! parse_command_line_from(["main", "--port=9000", "--itcast=python,c++,java", "--logging=none"]);
//! assert_eq!(port.get(), 9000);
//! assert_eq!(itcast.get(), ["python", "c++", "java"]);
//! # Ok::<(), typhoon_options::Error>(())
//! ```
//!
//! Bad input ends a program with one sentence and exit status 2
//! (`error: invalid value 'abc' for --port: expected an integer from 0 to 65535`); `--help`
//! prints the options by group and exits 0. `try_*` variants return the [`Error`] instead.
//!
//! # Layout
//! - `global` — [`options()`], [`define`], [`define_type`], [`parse_command_line`],
//!   [`parse_config_file`] and their `try_` forms: the global parser.
//! - `parser` — [`OptionParser`]: definitions, values, dicts, groups, mocks, environment.
//! - `define` — [`Define`], the builder, and [`Opt`], the typed handle.
//! - `command_line` — the clap command, Tornado's argument rules, `--help`.
//! - `config` — TOML config files; `environment` — environment variables.
//! - `types`, `kind`, `value` — [`OptionType`], [`Kind`], [`Value`]; [`option_type!`].
//! - `duration`, `datetime` — Tornado's duration and date/time syntaxes.
//! - `logging`, `logger` — the logging options and the `log` logger they configure.
//! - `mock` — [`MockGuard`]; `error` — [`Error`].

mod command_line;
mod config;
mod datetime;
mod define;
mod duration;
mod environment;
mod error;
mod global;
mod kind;
mod logfile;
mod logger;
mod logging;
mod mock;
mod output;
mod parser;
mod types;
mod value;

pub use datetime::parse_datetime;
pub use define::{CallbackOutput, Define, Opt};
pub use duration::{format_duration, parse_duration};
pub use error::Error;
pub use global::{
    add_parse_callback, define, define_type, options, parse_command_line, parse_command_line_from,
    parse_config_file, print_help, try_parse_command_line, try_parse_command_line_from,
    try_parse_config_file,
};
pub use kind::Kind;
pub use logging::{define_logging_options, enable_default_logging, enable_pretty_logging};
pub use mock::MockGuard;
pub use parser::OptionParser;
pub use types::{IntoDefault, OptionType, Scalar};
pub use value::{CustomValue, Value};
