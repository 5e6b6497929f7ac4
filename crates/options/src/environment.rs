//! Environment variables as an option source, beyond Tornado (issue #2163): opt-in, by
//! prefix, above config files and below the command line.

use crate::error::Error;
use crate::kind::Kind;
use crate::parser::{parse_text, OptionParser, Source};

impl OptionParser {
    /// Makes every command-line parse read environment variables first:
    /// `prefix` + the name in upper case with `_` (`TYPHOON_PORT`, `TYPHOON_LOG_FILE_PREFIX`).
    /// They override config files and defaults, and the command line overrides them.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.set_env_prefix("MYAPP_");
    /// ```
    pub fn set_env_prefix(&self, prefix: &str) {
        self.lock().env_prefix = Some(prefix.to_owned());
    }

    /// Reads the options from environment variables named by the prefix set with
    /// [`OptionParser::set_env_prefix`] (nothing without one); `final_` runs the parse
    /// callbacks afterwards.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming the variable, or a callback's error.
    ///
    /// # Examples
    ///
    /// ```
    /// let parser = typhoon_options::OptionParser::new();
    /// parser.define("port", 80).register()?;
    /// parser.set_env_prefix("DOCTEST_ENV_");
    /// std::env::set_var("DOCTEST_ENV_PORT", "8080");
    /// parser.parse_environment(false)?;
    /// assert_eq!(parser.get::<i32>("port")?, 8080);
    /// # Ok::<(), typhoon_options::Error>(())
    /// ```
    pub fn parse_environment(&self, final_: bool) -> Result<(), Error> {
        let found: Vec<(String, Kind, bool, String, String)> = {
            let state = self.lock();
            let Some(prefix) = state.env_prefix.clone() else {
                return Ok(());
            };
            let defined = state.slots.iter().filter(|s| s.spec.key != "help");
            defined
                .filter_map(|s| {
                    let var = format!("{prefix}{}", s.spec.key.to_uppercase().replace('-', "_"));
                    let text = std::env::var(&var).ok()?;
                    Some((s.spec.key.clone(), s.spec.kind, s.spec.multiple, var, text))
                })
                .collect()
        };
        for (key, kind, multiple, var, text) in found {
            let value = parse_text(kind, multiple, &text, var)?;
            self.apply(&key, value, Source::Environment)?;
        }
        if final_ {
            self.run_parse_callbacks()?;
        }
        Ok(())
    }
}
