//! The command line: a clap `Command` assembled from the definitions, Tornado's rules
//! around it, and `--help`.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, ColorChoice, Command};

use crate::error::Error;
use crate::kind::Kind;
use crate::parser::{normalize, parse_text, OptionParser, Source, State};

/// Width `--help` wraps at, fixed so the text does not depend on the terminal (Tornado
/// wraps at 79 columns).
const HELP_WIDTH: usize = 80;

impl OptionParser {
    /// Parses `args` (`args[0]` is the program) as Tornado does, with clap: `--name=value`
    /// or `--name value`; a bool bare (`--debug`) or with a value (`--debug=false`);
    /// dashes and underscores alike (`--foo_bar`), leading dashes free (`-port=1`).
    /// Parsing stops at the first argument that is not an option, or after `--`; the rest
    /// is returned. Environment variables (see [`OptionParser::set_env_prefix`]) are read
    /// first; the command line overrides them. `final_` runs the parse callbacks, which on
    /// the global parser set up logging.
    ///
    /// # Errors
    ///
    /// [`Error::Help`] for `--help` (print it, exit 0: [`Error::exit`]), an unknown option
    /// (naming the closest defined one), a missing or invalid value, or a callback's error.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// let verbose = parser.define("verbose", false).register()?;
    /// let rest = parser.parse_command_line(["main", "--verbose", "subcommand", "--foo=bar"], true)?;
    /// assert!(verbose.get());
    /// assert_eq!(rest, ["subcommand", "--foo=bar"]);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn parse_command_line<I, A>(&self, args: I, final_: bool) -> Result<Vec<String>, Error>
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        let args = args
            .into_iter()
            .map(|a| a.into().into_string().map_err(Error::NotUnicode))
            .collect::<Result<Vec<String>, Error>>()?;
        let program = program_name(args.first());
        let (tokens, rest) = self.split(args.get(1..).unwrap_or_default());
        let mut command = self.command(&program);
        let matches = command
            .try_get_matches_from_mut(&tokens)
            .map_err(|e| self.clap_error(e))?;
        if matches.get_flag("help") {
            return Err(Error::Help(command.render_help().to_string()));
        }
        self.parse_environment(false)?;
        for (key, text) in self.occurrences(&matches) {
            let (kind, multiple) = self.kind_of(&key)?;
            let value = parse_text(kind, multiple, &text, format!("--{key}"))?;
            self.apply(&key, value, Source::CommandLine)?;
        }
        if final_ {
            self.run_parse_callbacks()?;
        }
        Ok(rest)
    }

    /// The `--help` text: options grouped by group (the `""` group first, then by name),
    /// each with its value name, help and default.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("port", 8000).help("run server on the given port.").group("server").register()?;
    /// let help = parser.help("main");
    /// assert!(help.starts_with("Usage: main [OPTIONS]"));
    /// assert!(help.contains("server options:"));
    /// assert!(help.contains("--port <INT>  run server on the given port. [default: 8000]"));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn help(&self, program: &str) -> String {
        self.command(program).render_help().to_string()
    }

    /// Prints [`OptionParser::help`] for this process's program name to stdout.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// typhoon_options::OptionParser::new().print_help();
    /// ```
    pub fn print_help(&self) {
        let program = program_name(std::env::args().next().as_ref());
        print!("{}", self.help(&program));
    }

    /// Splits Tornado-style arguments into canonical `--name[=value]` tokens for clap and
    /// the rest, which starts at the first argument that is not an option (or after `--`).
    fn split(&self, args: &[String]) -> (Vec<String>, Vec<String>) {
        let state = self.lock();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if arg == "--" {
                return (tokens, args[i + 1..].to_vec());
            }
            if !arg.starts_with('-') {
                return (tokens, args[i..].to_vec());
            }
            let (name, value) = match arg.trim_start_matches('-').split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (arg.trim_start_matches('-'), None),
            };
            let key = normalize(name);
            if key.is_empty() {
                tokens.push(arg.clone());
                i += 1;
                continue;
            }
            match value {
                Some(value) => tokens.push(format!("--{key}={value}")),
                None => {
                    tokens.push(format!("--{key}"));
                    // `--name value`: the next argument is this option's value, unless
                    // the option is a bool (then it is the first positional, as Tornado).
                    if let Some(next) = args.get(i + 1) {
                        if takes_value(&state, &key, next) {
                            tokens.push(next.clone());
                            i += 1;
                        }
                    }
                }
            }
            i += 1;
        }
        (tokens, Vec::new())
    }

    /// The clap command: one `--name` argument per option, in `--help` order.
    fn command(&self, program: &str) -> Command {
        let state = self.lock();
        let mut slots: Vec<_> = state.slots.iter().map(|s| &s.spec).collect();
        slots.sort_by(|a, b| (&a.group, &a.key).cmp(&(&b.group, &b.key)));
        let mut command = Command::new(program.to_owned())
            .no_binary_name(true)
            .disable_help_flag(true)
            .disable_version_flag(true)
            .color(ColorChoice::Never)
            .term_width(HELP_WIDTH);
        for spec in slots {
            let mut help = spec.help.clone().unwrap_or_default();
            if !spec.default.is_blank() {
                help = format!("{help} [default: {}]", spec.default)
                    .trim()
                    .to_owned();
            }
            let mut arg = Arg::new(spec.key.clone()).long(spec.key.clone()).help(help);
            if !spec.group.is_empty() {
                arg = arg.help_heading(format!("{} options", spec.group));
            }
            let value_name = match (&spec.metavar, spec.multiple) {
                (Some(metavar), _) => metavar.clone(),
                (None, false) => spec.kind.metavar().to_owned(),
                (None, true) => format!("{},...", spec.kind.metavar()),
            };
            arg = match (spec.key.as_str(), spec.kind) {
                ("help", _) => arg.action(ArgAction::SetTrue),
                (_, Kind::Bool) if !spec.multiple => arg
                    .action(ArgAction::Append)
                    .value_name(value_name)
                    .num_args(0..=1)
                    .require_equals(true)
                    .default_missing_value("true"),
                (_, kind) => arg
                    .action(ArgAction::Append)
                    .value_name(value_name)
                    .num_args(1)
                    .allow_negative_numbers(matches!(kind, Kind::Int { .. } | Kind::Float)),
            };
            command = command.arg(arg);
        }
        command
    }

    /// `(name, text)` for every value given, in command-line order: values apply, and
    /// callbacks run, in the order the user wrote them.
    fn occurrences(&self, matches: &ArgMatches) -> Vec<(String, String)> {
        let keys: Vec<String> = self
            .lock()
            .slots
            .iter()
            .map(|s| s.spec.key.clone())
            .collect();
        let mut found = Vec::new();
        for key in keys.into_iter().filter(|k| k != "help") {
            let (Some(indices), Some(raw)) = (matches.indices_of(&key), matches.get_raw(&key))
            else {
                continue;
            };
            for (index, text) in indices.zip(raw) {
                found.push((index, key.clone(), text.to_string_lossy().into_owned()));
            }
        }
        found.sort_by_key(|(index, _, _)| *index);
        found
            .into_iter()
            .map(|(_, key, text)| (key, text))
            .collect()
    }

    pub(crate) fn kind_of(&self, key: &str) -> Result<(Kind, bool), Error> {
        let state = self.lock();
        let slot = state.slot(key).ok_or_else(|| Error::Unrecognized {
            name: key.to_owned(),
        })?;
        Ok((slot.spec.kind, slot.spec.multiple))
    }

    /// One sentence for a clap error.
    fn clap_error(&self, e: clap::Error) -> Error {
        let arg = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(arg)) => arg.clone(),
            _ => String::new(),
        };
        match e.kind() {
            ErrorKind::UnknownArgument => {
                let name = arg.split('=').next().unwrap_or_default().to_owned();
                Error::UnknownArgument {
                    suggestion: self.closest(name.trim_start_matches('-')),
                    arg: name,
                }
            }
            ErrorKind::InvalidValue | ErrorKind::NoEquals if !arg.is_empty() => {
                let flag = arg.split([' ', '[', '=']).next().unwrap_or_default();
                Error::MissingValue {
                    name: flag.trim_start_matches('-').to_owned(),
                }
            }
            _ => {
                let text = e.to_string();
                let first = text.lines().next().unwrap_or_default();
                Error::Usage(first.trim_start_matches("error: ").to_owned())
            }
        }
    }

    /// The defined flag most like `name`, for "did you mean".
    fn closest(&self, name: &str) -> Option<String> {
        let state = self.lock();
        let keys = state.slots.iter().map(|s| &s.spec.key);
        // Fewest edits; on a tie, the shorter name (fewer letters that differ).
        let best = keys.min_by_key(|k| (strsim::levenshtein(name, k), k.len()));
        best.map(|key| format!("--{key}"))
    }
}

/// Whether `next` is the value of `--key` given as two arguments.
fn takes_value(state: &State, key: &str, next: &str) -> bool {
    let Some(slot) = state.slot(key) else {
        return false;
    };
    match slot.spec.kind {
        Kind::Bool if !slot.spec.multiple => false,
        Kind::Int { .. } | Kind::Float => !next.starts_with('-') || next.parse::<f64>().is_ok(),
        _ => !next.starts_with('-'),
    }
}

/// `/usr/bin/app` → `app`.
fn program_name(arg0: Option<&String>) -> String {
    let path = std::path::Path::new(arg0.map_or("program", String::as_str));
    path.file_name().map_or_else(
        || "program".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}
