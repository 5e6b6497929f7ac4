//! Defaults < config file < environment < command line, whatever order the parses run in.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use typhoon_options::OptionParser;

/// A parser with `a`..`d` (default 0), a `--config` option, and env prefix `prefix`.
fn parser(prefix: &str) -> OptionParser {
    let p = OptionParser::new();
    for name in ["a", "b", "c", "d"] {
        p.define(name, 0).register().unwrap();
    }
    let files = p.clone();
    p.define_type::<PathBuf>("config")
        .callback(move |path: &Option<PathBuf>| match path {
            Some(path) => files.parse_config_file(path, false),
            None => Ok(()),
        })
        .register()
        .unwrap();
    p.set_env_prefix(prefix);
    p
}

/// A config file setting a, b and c to 1.
fn config(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("typhoon-prec-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.toml");
    std::fs::write(&path, "a = 1\nb = 1\nc = 1\n").unwrap();
    path
}

fn values(p: &OptionParser) -> [i32; 4] {
    ["a", "b", "c", "d"].map(|n| p.get::<i32>(n).unwrap())
}

#[test]
fn each_source_overrides_the_ones_below_it() {
    // a: config only; b: config and env; c: config, env and command line; d: default.
    std::env::set_var("PREC1_B", "2");
    std::env::set_var("PREC1_C", "2");
    let p = parser("PREC1_");
    p.parse_config_file(config("order1"), false).unwrap();
    p.parse_command_line(["main", "--c=3"], true).unwrap();
    assert_eq!(values(&p), [1, 2, 3, 0]);
}

#[test]
fn a_config_file_parsed_last_does_not_override_the_command_line_or_environment() {
    std::env::set_var("PREC2_B", "2");
    let p = parser("PREC2_");
    p.parse_command_line(["main", "--c=3"], false).unwrap();
    p.parse_config_file(config("order2"), true).unwrap();
    assert_eq!(values(&p), [1, 2, 3, 0]);
}

#[test]
fn the_config_option_pattern_sits_below_the_command_line_wherever_it_appears() {
    std::env::set_var("PREC3_B", "2");
    let path = config("pattern");
    for args in [
        [
            "main".to_owned(),
            "--c=3".to_owned(),
            format!("--config={}", path.display()),
        ],
        [
            "main".to_owned(),
            format!("--config={}", path.display()),
            "--c=3".to_owned(),
        ],
    ] {
        let p = parser("PREC3_");
        p.parse_command_line(args, true).unwrap();
        assert_eq!(values(&p), [1, 2, 3, 0]);
    }
}

#[test]
fn the_environment_is_read_only_with_a_prefix() {
    std::env::set_var("A", "5");
    let p = OptionParser::new();
    p.define("a", 0).register().unwrap();
    p.parse_command_line(["main"], true).unwrap();
    assert_eq!(p.get::<i32>("a").unwrap(), 0);
    p.set_env_prefix("PREC4_");
    std::env::set_var("PREC4_A", "7");
    p.parse_command_line(["main"], true).unwrap();
    assert_eq!(p.get::<i32>("a").unwrap(), 7);
}

#[test]
fn environment_names_use_underscores_and_lists_use_commas() {
    std::env::set_var("PREC5_LOG_LEVELS", "1:3,9");
    let p = OptionParser::new();
    let levels = p
        .define_type::<u8>("log-levels")
        .multiple()
        .register()
        .unwrap();
    p.set_env_prefix("PREC5_");
    p.parse_command_line(["main"], true).unwrap();
    assert_eq!(levels.get(), [1, 2, 3, 9]);
}

#[test]
fn a_program_set_value_is_overridden_by_a_later_parse() {
    let p = parser("PREC6_");
    p.set("a", 9).unwrap();
    p.parse_config_file(config("set"), true).unwrap();
    assert_eq!(p.get::<i32>("a").unwrap(), 1);
}
