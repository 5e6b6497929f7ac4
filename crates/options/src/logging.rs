//! Tornado's predefined logging options and `enable_pretty_logging`, wired to the `log`
//! crate that the rest of Typhoon (access log, shard lines) logs through.

use std::path::PathBuf;
use std::sync::Mutex;

use log::LevelFilter;

use crate::error::Error;
use crate::logfile::{LogFile, Rotation};
use crate::logger::{install, install_if_unset, stderr_is_tty, Sinks};
use crate::parser::OptionParser;

/// Defines `--logging`, `--log-to-stderr`, `--log-file-prefix`, `--log-file-max-size`,
/// `--log-file-num-backups`, `--log-rotate-when`, `--log-rotate-interval` and
/// `--log-rotate-mode` on `parser`, and a parse callback that applies them (Tornado's
/// `define_logging_options`). The global parser has them already.
///
/// # Errors
///
/// [`Error::Duplicate`] if one of the names is defined already.
///
/// # Examples
///
/// ```
/// use typhoon_options::{define_logging_options, OptionParser};
///
/// let parser = OptionParser::new();
/// define_logging_options(&parser)?;
/// assert_eq!(parser.get::<String>("logging")?, "info");
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub fn define_logging_options(parser: &OptionParser) -> Result<(), Error> {
    parser
        .define("logging", "info".to_owned())
        .help("Set the log level. If 'none', Typhoon won't touch the logging configuration.")
        .metavar("debug|info|warning|error|none")
        .register()?;
    parser
        .define_type::<bool>("log_to_stderr")
        .help(
            "Send log output to stderr (colorized if possible). By default use stderr if \
             --log_file_prefix is not set and no other logging is configured.",
        )
        .register()?;
    parser
        .define_type::<PathBuf>("log_file_prefix")
        .metavar("PATH")
        .help(
            "Path prefix for log files. Note that if you are running multiple typhoon \
             processes, log_file_prefix must be different for each of them (e.g. include \
             the port number)",
        )
        .register()?;
    parser
        .define("log_file_max_size", 100_000_000u64)
        .help("max size of log files before rollover")
        .register()?;
    parser
        .define("log_file_num_backups", 10u32)
        .help("number of log files to keep")
        .register()?;
    parser
        .define("log_rotate_when", "midnight".to_owned())
        .help(
            "specify the type of TimedRotatingFileHandler interval other \
             options:('S', 'M', 'H', 'D', 'W0'-'W6')",
        )
        .register()?;
    parser
        .define("log_rotate_interval", 1u32)
        .help("The interval value of timed rotating")
        .register()?;
    parser
        .define("log_rotate_mode", "size".to_owned())
        .help("The mode of rotating files(time or size)")
        .register()?;
    let weak = parser.downgrade();
    parser.add_parse_callback(move || match OptionParser::upgrade(&weak) {
        Some(parser) => enable_pretty_logging(&parser),
        None => Ok(()),
    });
    Ok(())
}

/// Sends log records to stderr and/or a rotating file as the logging options of
/// `parser` say (Tornado's `enable_pretty_logging`); parsing calls it. With
/// `--logging=none` it does nothing. Lines look like Tornado's:
/// `[I 261126 22:59:20 shard0 shard:145] shard 0 on CPU 0 listening on 0.0.0.0:8888` (a
/// shard's lines name it: `shard0`), coloured
/// on a terminal. It replaces the configuration `typhoon::log::enable_pretty_logging()`
/// made; a logger of another crate installed earlier in the process stays.
///
/// # Errors
///
/// A bad `--logging` level or `--log-rotate-mode`/`--log-rotate-when`, or a log file that
/// cannot be opened.
///
/// # Examples
///
/// ```
/// use typhoon_options::{define_logging_options, enable_pretty_logging, OptionParser};
///
/// let parser = OptionParser::new();
/// define_logging_options(&parser)?;
/// parser.parse_command_line(["main", "--logging=warning"], false)?;
/// enable_pretty_logging(&parser)?;
/// assert_eq!(log::max_level(), log::LevelFilter::Warn);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
pub fn enable_pretty_logging(parser: &OptionParser) -> Result<(), Error> {
    let level = parser.get::<String>("logging")?;
    let level = match level.to_ascii_lowercase().as_str() {
        "none" => return Ok(()),
        "trace" => LevelFilter::Trace,
        "debug" => LevelFilter::Debug,
        "info" => LevelFilter::Info,
        "warning" | "warn" => LevelFilter::Warn,
        "error" | "critical" => LevelFilter::Error,
        _ => {
            return Err(Error::InvalidValue {
                origin: "--logging".to_owned(),
                value: level,
                expected: "debug, info, warning, error or none".to_owned(),
            })
        }
    };
    let file = match parser.get::<Option<PathBuf>>("log_file_prefix")? {
        Some(path) => {
            let rotation = match parser.get::<String>("log_rotate_mode")?.as_str() {
                "size" => Rotation::Size {
                    max: parser.get("log_file_max_size")?,
                },
                "time" => Rotation::time(
                    &parser.get::<String>("log_rotate_when")?,
                    parser.get("log_rotate_interval")?,
                )
                .map_err(Error::Logging)?,
                other => {
                    return Err(Error::InvalidValue {
                        origin: "--log-rotate-mode".to_owned(),
                        value: other.to_owned(),
                        expected: "size or time".to_owned(),
                    })
                }
            };
            let backups = parser.get("log_file_num_backups")?;
            let file = LogFile::open(&path, rotation, backups).map_err(|e| {
                Error::Logging(format!("cannot open log file {}: {e}", path.display()))
            })?;
            Some(Mutex::new(file))
        }
        None => None,
    };
    let to_stderr = parser
        .get::<Option<bool>>("log_to_stderr")?
        .unwrap_or(file.is_none());
    install(Sinks {
        level,
        stderr: to_stderr.then(stderr_is_tty),
        file,
    });
    Ok(())
}

/// Sends log records to stderr in Tornado's format at the level `RUST_LOG` names
/// (`trace`, `debug`, `info`, `warn`, `error` or `off`; INFO when unset or unknown),
/// unless the logging options configured the logger already: what `typhoon::log::
/// enable_pretty_logging()` does for programs without options.
///
/// # Examples
///
/// ```
/// typhoon_options::enable_default_logging();
/// assert!(log::max_level() >= log::LevelFilter::Error);
/// ```
pub fn enable_default_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::Info);
    install_if_unset(Sinks {
        level,
        stderr: Some(stderr_is_tty()),
        file: None,
    });
}
