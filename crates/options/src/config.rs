//! Config files: TOML, which reads a Tornado config of simple assignments unchanged.

use std::path::Path;

use crate::error::Error;
use crate::kind::Kind;
use crate::parser::{describe_type, normalize, parse_text, OptionParser, Source};
use crate::value::Value;

impl OptionParser {
    /// Loads options from a TOML file (Tornado's `parse_config_file`). A Tornado config
    /// of simple assignments (`port = 8000`, `itcast = ['python', 'c++']`, `debug = true`)
    /// is valid TOML. Names may use `_` or `-`. A string for a non-string or `multiple`
    /// option is parsed like the command line (`'1,2,3'`, `'45s'`); a number for a
    /// duration is seconds. Names that are not options are ignored, with a debug-level
    /// log line. The file does not override the environment or the command line;
    /// `final_` runs the parse callbacks.
    ///
    /// # Errors
    ///
    /// [`Error::ReadConfig`], [`Error::ConfigSyntax`] (file, line and column),
    /// [`Error::InvalidValue`] or [`Error::WrongType`] naming the option and the file, or
    /// a callback's error.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("typhoon-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("app.toml");
    /// std::fs::write(&path, "port = 443\nitcast = ['python', 'c++']\nunknown = 1\n").unwrap();
    ///
    /// let parser = typhoon_options::OptionParser::new();
    /// let port = parser.define("port", 80).register()?;
    /// let itcast = parser.define_type::<String>("itcast").multiple().register()?;
    /// parser.parse_config_file(&path, true)?;
    /// assert_eq!((port.get(), itcast.get()), (443, vec!["python".to_owned(), "c++".to_owned()]));
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn parse_config_file(&self, path: impl AsRef<Path>, final_: bool) -> Result<(), Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let at = e.span().map_or(0, |span| span.start).min(text.len());
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            Error::ConfigSyntax {
                path: path.to_owned(),
                line,
                column,
                // One sentence: toml's message may run over several lines.
                message: e.message().trim().lines().collect::<Vec<_>>().join("; "),
            }
        })?;
        for (name, item) in table {
            let key = normalize(&name);
            let Ok((kind, multiple)) = self.kind_of(&key) else {
                log::debug!(
                    "config file {}: ignoring '{name}', which is not an option",
                    path.display()
                );
                continue;
            };
            let origin = format!("option '{name}' in config file {}", path.display());
            let value = convert(kind, multiple, item, &origin)?;
            let value = self.checked(&key, value, origin)?;
            self.apply(&key, value, Source::ConfigFile)?;
        }
        if final_ {
            self.run_parse_callbacks()?;
        }
        Ok(())
    }
}

/// A TOML value as the option's type would hold it; [`OptionParser::checked`] then
/// reports a mismatch.
fn convert(kind: Kind, multiple: bool, item: toml::Value, origin: &str) -> Result<Value, Error> {
    match item {
        toml::Value::String(s) if kind == Kind::Str && !multiple => Ok(Value::Str(s)),
        toml::Value::String(s) => parse_text(kind, multiple, &s, origin.to_owned()),
        toml::Value::Array(items) if multiple => items
            .into_iter()
            .map(|item| convert(kind, false, item, origin))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        toml::Value::Array(_) => Err(wrong(kind, multiple, "a list", origin)),
        toml::Value::Integer(i) if kind == Kind::Duration => seconds(i as f64, origin),
        toml::Value::Float(x) if kind == Kind::Duration => seconds(x, origin),
        toml::Value::Integer(i) => Ok(Value::Int(i)),
        toml::Value::Float(x) => Ok(Value::Float(x)),
        toml::Value::Boolean(b) => Ok(Value::Bool(b)),
        toml::Value::Datetime(dt) if kind == Kind::DateTime => {
            parse_text(kind, false, &dt.to_string(), origin.to_owned())
        }
        toml::Value::Datetime(_) => Err(wrong(kind, multiple, "a date/time", origin)),
        toml::Value::Table(_) => Err(wrong(kind, multiple, "a table", origin)),
    }
}

fn wrong(kind: Kind, multiple: bool, given: &str, origin: &str) -> Error {
    Error::WrongType {
        origin: origin.to_owned(),
        expected: describe_type(kind, multiple),
        given: given.to_owned(),
    }
}

fn seconds(secs: f64, origin: &str) -> Result<Value, Error> {
    std::time::Duration::try_from_secs_f64(secs)
        .map(Value::Duration)
        .map_err(|_| Error::InvalidValue {
            origin: origin.to_owned(),
            value: secs.to_string(),
            expected: Kind::Duration.expected(),
        })
}
