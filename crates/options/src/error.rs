//! What can go wrong defining, reading or parsing options: one sentence each.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error of the options module (Tornado's `tornado.options.Error`).
///
/// Each variant displays as one sentence; `Debug` prints the same sentence, so
/// `fn main() -> Result<(), typhoon::options::Error>` shows it without a backtrace.
/// [`Error::exit`] prints it the way a command-line tool does and ends the process.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The same name, after `_` → `-` normalisation, was defined twice.
    #[error("option '{name}' already defined at {first} (defined again at {second})")]
    Duplicate {
        /// The normalised name.
        name: String,
        /// Where it was defined first (`file:line:column`).
        first: String,
        /// Where it was defined again.
        second: String,
    },
    /// A name that no `define` created was read or set.
    #[error("unrecognized option '{name}'")]
    Unrecognized {
        /// The name as asked for.
        name: String,
    },
    /// The command line names an option that is not defined.
    #[error("unrecognized command line option '{arg}'{}", suggest(.suggestion))]
    UnknownArgument {
        /// The argument as given, such as `--nope`.
        arg: String,
        /// The closest defined option, such as `--port`.
        suggestion: Option<String>,
    },
    /// `--name` without a value, for an option that is not a bool.
    #[error("option '--{name}' requires a value")]
    MissingValue {
        /// The normalised name.
        name: String,
    },
    /// A string (command line, environment or config file) did not convert to the
    /// option's type.
    #[error("invalid value '{value}' for {origin}: expected {expected}")]
    InvalidValue {
        /// Where the value came from: `--port`, `TYPHOON_PORT`, `option 'port' in config
        /// file app.toml`.
        origin: String,
        /// The value as given.
        value: String,
        /// What the type accepts, such as `an integer from 0 to 65535`.
        expected: String,
    },
    /// A typed value (`set`, a mock, a config-file number or list) is not of the
    /// option's type.
    #[error("{origin} must be {expected} ({given} given)")]
    WrongType {
        /// `option 'port'`, or `option 'port' in config file app.toml`.
        origin: String,
        /// What the option holds, such as `an integer`.
        expected: String,
        /// What was given, such as `a string`.
        given: String,
    },
    /// `get::<T>` asked for a type the option's value does not convert to.
    #[error("option '{name}' holds {found}, which cannot be read as {wanted}")]
    WrongGet {
        /// The option.
        name: String,
        /// The Rust type asked for, without module paths (`Vec<String>`).
        wanted: String,
        /// The value found, described.
        found: String,
    },
    /// The config file could not be read.
    #[error("cannot read config file {}: {source}", .path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// The config file is not valid TOML.
    #[error("config file {} is not valid TOML at line {line}, column {column}: {message}", .path.display())]
    ConfigSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A callback reported a problem with the value it was given.
    #[error("option '{name}': {message}")]
    Callback {
        /// The option whose callback failed (empty for parse callbacks).
        name: String,
        /// The callback's message.
        message: String,
    },
    /// The logging options could not be applied (a bad `--logging` level, a log file that
    /// cannot be opened).
    #[error("{0}")]
    Logging(String),
    /// Another command-line mistake clap reports, in clap's words.
    #[error("{0}")]
    Usage(String),
    /// A command-line argument is not UTF-8.
    #[error("command line argument {0:?} is not valid UTF-8")]
    NotUnicode(std::ffi::OsString),
    /// `--help` was given: not a failure, the text to print (Tornado prints it and exits 0).
    #[error("{0}")]
    Help(String),
}

fn suggest(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error {
    /// The exit status a command-line tool uses for this error: 0 for `--help`, 2 (usage
    /// error, as clap and argparse) for everything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_options::OptionParser;
    ///
    /// let parser = OptionParser::new();
    /// let err = parser.parse_command_line(["prog", "--nope=1"], true).unwrap_err();
    /// assert_eq!(err.exit_code(), 2);
    /// let help = parser.parse_command_line(["prog", "--help"], true).unwrap_err();
    /// assert_eq!(help.exit_code(), 0);
    /// ```
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Help(_) => 0,
            _ => 2,
        }
    }

    /// Prints the error as a command-line tool does and ends the process: the help text on
    /// stdout with status 0, or `error: <sentence>` on stderr with status 2.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use typhoon_options::OptionParser;
    ///
    /// let parser = OptionParser::new();
    /// if let Err(e) = parser.parse_command_line(std::env::args(), true) {
    ///     e.exit();
    /// }
    /// ```
    pub fn exit(&self) -> ! {
        match self {
            Error::Help(text) => print!("{text}"),
            other => eprintln!("error: {other}"),
        }
        std::process::exit(self.exit_code())
    }
}
