//! Bad input: each mistake is one sentence that names what is wrong, and exit status 2.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use typhoon_options::{define_logging_options, Error, OptionParser};

fn parser() -> OptionParser {
    let p = OptionParser::new();
    p.define("port", 8000u16).register().unwrap();
    p.define_type::<String>("itcast")
        .multiple()
        .register()
        .unwrap();
    p.define_type::<u32>("ids").multiple().register().unwrap();
    p
}

fn cli_error(args: &[&str]) -> String {
    let mut all = vec!["main"];
    all.extend_from_slice(args);
    let err = parser().parse_command_line(all, true).unwrap_err();
    assert_eq!(err.exit_code(), 2, "{err}");
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    text
}

/// A config file holding `text`, in a fresh directory.
fn config(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("typhoon-bad-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn config_error(path: &Path) -> String {
    let err = parser().parse_config_file(path, true).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    text
}

#[test]
fn a_value_of_the_wrong_type_says_the_expected_type() {
    assert_eq!(
        cli_error(&["--port=abc"]),
        "invalid value 'abc' for --port: expected an integer from 0 to 65535"
    );
    assert_eq!(
        cli_error(&["--port", "70000"]),
        "invalid value '70000' for --port: expected an integer from 0 to 65535"
    );
    assert_eq!(
        cli_error(&["--ids=1,x"]),
        "invalid value '1,x' for --ids: expected a comma-separated list of values, each an \
         integer from 0 to 4294967295"
    );
}

#[test]
fn an_option_without_its_value() {
    assert_eq!(cli_error(&["--port"]), "option '--port' requires a value");
    assert_eq!(
        cli_error(&["--port", "--itcast=a"]),
        "option '--port' requires a value"
    );
}

#[test]
fn an_unknown_option_names_it_and_suggests_the_closest() {
    assert_eq!(
        cli_error(&["--nope=1"]),
        "unrecognized command line option '--nope' (did you mean '--port'?)"
    );
    assert_eq!(
        cli_error(&["--itcats", "x"]),
        "unrecognized command line option '--itcats' (did you mean '--itcast'?)"
    );
}

#[test]
fn a_missing_config_file() {
    let err = parser()
        .parse_config_file("/no/such/app.toml", true)
        .unwrap_err();
    assert!(matches!(err, Error::ReadConfig { .. }));
    assert_eq!(
        err.to_string(),
        "cannot read config file /no/such/app.toml: No such file or directory (os error 2)"
    );
}

#[test]
fn a_config_file_that_does_not_parse_names_file_line_and_column() {
    let path = config("syntax", "port = 8000\nitcast = 'a'\ndebug = = true\n");
    let text = config_error(&path);
    assert!(
        text.starts_with(&format!(
            "config file {} is not valid TOML at line 3, column ",
            path.display()
        )),
        "{text}"
    );
}

#[test]
fn tornado_python_that_is_not_toml_fails_at_its_line() {
    // Tornado's own options_test.cfg assigns `port` twice and uses `__file__`.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tornado_options_test.cfg");
    let text = config_error(&path);
    assert!(
        text.contains("is not valid TOML at line 2, column 1: "),
        "{text}"
    );
}

#[test]
fn a_config_value_of_the_wrong_type() {
    let cases = [
        ("string", "port = 'abc'", "invalid value 'abc' for option 'port' in config file {}: expected an integer from 0 to 65535"),
        ("float", "port = 1.5", "option 'port' in config file {} must be an integer from 0 to 65535 (a float given)"),
        ("range", "port = 70000", "option 'port' in config file {} must be an integer from 0 to 65535 (70000, out of range, given)"),
        ("list", "port = [1]", "option 'port' in config file {} must be an integer from 0 to 65535 (a list given)"),
        ("table", "[port]\nx = 1", "option 'port' in config file {} must be an integer from 0 to 65535 (a table given)"),
        ("scalar-for-list", "itcast = 5", "option 'itcast' in config file {} must be a list or a comma-separated string of values, each a string (an integer given)"),
        ("list-item", "ids = [1, 'x']", "invalid value 'x' for option 'ids' in config file {}: expected an integer from 0 to 4294967295"),
    ];
    for (name, text, want) in cases {
        let path = config(name, text);
        assert_eq!(
            config_error(&path),
            want.replace("{}", &path.display().to_string()),
            "{text}"
        );
    }
}

#[test]
fn unknown_names_in_a_config_file_are_ignored() {
    let p = parser();
    p.parse_config_file(config("unknown", "port = 1\nnot_an_option = 'x'\n"), true)
        .unwrap();
    assert_eq!(p.get::<u16>("port").unwrap(), 1);
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    let p = parser();
    p.set_env_prefix("BAD_INPUT_TEST_");
    std::env::set_var("BAD_INPUT_TEST_PORT", "http");
    let err = p.parse_command_line(["main"], true).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value 'http' for BAD_INPUT_TEST_PORT: expected an integer from 0 to 65535"
    );
}

#[test]
fn a_bad_logging_level() {
    let p = OptionParser::new();
    define_logging_options(&p).unwrap();
    let err = p
        .parse_command_line(["main", "--logging=verbose"], true)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value 'verbose' for --logging: expected debug, info, warning, error or none"
    );
    let err = p
        .parse_command_line(
            [
                "main",
                "--logging=info",
                "--log-file-prefix=/nonexistent/x.log",
                "--log-rotate-mode=daily",
            ],
            true,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value 'daily' for --log-rotate-mode: expected size or time"
    );
    // `none` leaves logging alone, so nothing else is checked.
    p.parse_command_line(["main", "--logging=none", "--log-rotate-mode=daily"], true)
        .unwrap();
}

#[test]
fn help_exits_zero_with_the_text() {
    let err = parser()
        .parse_command_line(["main", "--port=1", "--help"], true)
        .unwrap_err();
    assert_eq!(err.exit_code(), 0);
    assert!(err.to_string().starts_with("Usage: main [OPTIONS]"));
}
