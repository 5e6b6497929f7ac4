//! `--help` as a snapshot: compare with `tests/snapshots/help.txt`
//! (`UPDATE_SNAPSHOTS=1 cargo test -p typhoon-options --test help` rewrites it).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use typhoon_options::{define_logging_options, Error, OptionParser};

/// The tutorial's options, the `--config` pattern, a grouped one, and the logging options.
fn tutorial() -> OptionParser {
    let p = OptionParser::new();
    define_logging_options(&p).unwrap();
    p.define("port", 8000u16)
        .help("run server on the given port.")
        .register()
        .unwrap();
    p.define_type::<String>("itcast")
        .multiple()
        .help("itcast subjects.")
        .register()
        .unwrap();
    p.define_type::<PathBuf>("config")
        .metavar("PATH")
        .help("path to a TOML config file.")
        .register()
        .unwrap();
    p.define("debug", false)
        .group("application")
        .help("debug mode: reload templates, show tracebacks.")
        .register()
        .unwrap();
    p.define("request_timeout", std::time::Duration::from_secs(90))
        .group("application")
        .register()
        .unwrap();
    p
}

#[test]
fn help_matches_the_snapshot() {
    let err = tutorial()
        .parse_command_line(["/usr/local/bin/server", "--help"], true)
        .unwrap_err();
    let Error::Help(text) = err else {
        panic!("{err}")
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/help.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text, expected,
        "--help changed; UPDATE_SNAPSHOTS=1 to accept"
    );
}

#[test]
fn groups_are_sorted_with_the_unnamed_group_first() {
    let text = tutorial().help("server");
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
    };
    assert!(at("Options:") < at("application options:"));
    assert!(at("application options:") < at("crates/options/src/logging.rs options:"));
    assert!(
        at("crates/options/src/logging.rs options:") < at("crates/options/tests/help.rs options:")
    );
    assert!(at("--config") < at("--itcast") && at("--itcast") < at("--port"));
}
