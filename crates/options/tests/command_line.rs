//! Tornado's command-line rules, and the extras: `--name value`, leading dashes, `--`.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use typhoon_options::{OptionParser, Value};

fn parser() -> OptionParser {
    let p = OptionParser::new();
    p.define("port", 80u16).register().unwrap();
    p.define("debug", false).register().unwrap();
    p.define("name", "x").register().unwrap();
    p.define("offset", 0i32).register().unwrap();
    p
}

fn parse(p: &OptionParser, args: &[&str]) -> Vec<String> {
    let mut all = vec!["main"];
    all.extend_from_slice(args);
    p.parse_command_line(all, true).unwrap()
}

#[test]
fn name_space_value_and_name_equals_value() {
    let p = parser();
    parse(&p, &["--port", "9000", "--name=y"]);
    assert_eq!(p.get::<u16>("port").unwrap(), 9000);
    assert_eq!(p.get::<String>("name").unwrap(), "y");
}

#[test]
fn leading_dashes_are_free_as_in_tornado() {
    for arg in ["-port=1", "--port=1", "---port=1"] {
        let p = parser();
        parse(&p, &[arg]);
        assert_eq!(p.get::<u16>("port").unwrap(), 1, "{arg}");
    }
}

#[test]
fn stops_at_the_first_positional_and_returns_the_rest() {
    let p = parser();
    let rest = parse(&p, &["--port=9000", "rest", "--port=1"]);
    assert_eq!(rest, ["rest", "--port=1"]);
    assert_eq!(p.get::<u16>("port").unwrap(), 9000);
}

#[test]
fn double_dash_ends_the_options() {
    let p = parser();
    assert_eq!(parse(&p, &["--", "--port=1", "x"]), ["--port=1", "x"]);
    assert_eq!(p.get::<u16>("port").unwrap(), 80);
    assert_eq!(parse(&p, &["x", "--", "y"]), ["x", "--", "y"]);
}

#[test]
fn bools_are_bare_or_valued_and_never_take_the_next_argument() {
    let p = parser();
    assert_eq!(parse(&p, &["--debug", "false"]), ["false"]);
    assert!(p.get::<bool>("debug").unwrap());
    parse(&p, &["--debug=false"]);
    assert!(!p.get::<bool>("debug").unwrap());
    parse(&p, &["--debug=off"]); // Tornado: only false, 0 and f are false
    assert!(p.get::<bool>("debug").unwrap());
}

#[test]
fn negative_numbers_as_separate_values() {
    let p = parser();
    parse(&p, &["--offset", "-5"]);
    assert_eq!(p.get::<i32>("offset").unwrap(), -5);
}

#[test]
fn the_last_of_repeated_options_wins_and_callbacks_run_in_order() {
    let p = OptionParser::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (seen.clone(), seen.clone());
    p.define("a", 0)
        .callback(move |v: &i32| a.lock().unwrap().push(format!("a={v}")))
        .register()
        .unwrap();
    p.define("b", 0)
        .callback(move |v: &i32| b.lock().unwrap().push(format!("b={v}")))
        .register()
        .unwrap();
    p.parse_command_line(["main", "--b=1", "--a=2", "--b=3"], true)
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), ["b=1", "a=2", "b=3"]);
    assert_eq!(p.value("b").unwrap(), Value::Int(3));
}

#[test]
fn multiple_values_replace_rather_than_accumulate() {
    let p = OptionParser::new();
    let ids = p.define_type::<u8>("ids").multiple().register().unwrap();
    p.parse_command_line(["main", "--ids=1:3", "--ids", "9"], true)
        .unwrap();
    assert_eq!(ids.get(), [9]);
}

#[test]
fn durations_datetimes_paths_and_floats() {
    let p = OptionParser::new();
    let timeout = p
        .define("timeout", std::time::Duration::from_secs(5))
        .register()
        .unwrap();
    let when = p
        .define_type::<jiff::civil::DateTime>("when")
        .register()
        .unwrap();
    let root = p
        .define("root", std::path::Path::new("/srv"))
        .register()
        .unwrap();
    let ratio = p.define("ratio", 0.5).register().unwrap();
    p.parse_command_line(
        [
            "main",
            "--timeout=1h 30m 2.5s",
            "--when=20130428 05:16",
            "--root",
            "/tmp/x",
            "--ratio=0.25",
        ],
        true,
    )
    .unwrap();
    assert_eq!(timeout.get().as_secs_f64(), 5402.5);
    assert_eq!(when.get().unwrap().to_string(), "2013-04-28T05:16:00");
    assert_eq!(root.get(), std::path::PathBuf::from("/tmp/x"));
    assert_eq!(ratio.get(), 0.25);
}

#[test]
fn typed_access_converts_integer_widths_and_refuses_other_types() {
    let p = OptionParser::new();
    p.define("port", 8000).register().unwrap();
    assert_eq!(p.get::<u16>("port").unwrap(), 8000);
    assert_eq!(p.get::<i64>("port").unwrap(), 8000);
    assert_eq!(
        p.get::<u8>("port").unwrap_err().to_string(),
        "option 'port' holds the integer 8000, which cannot be read as u8"
    );
    assert_eq!(
        p.get::<Vec<String>>("port").unwrap_err().to_string(),
        "option 'port' holds the integer 8000, which cannot be read as Vec<String>"
    );
    assert_eq!(
        p.get::<u16>("nosuch").unwrap_err().to_string(),
        "unrecognized option 'nosuch'"
    );
    assert_eq!(
        p.set("nosuch", 1).unwrap_err().to_string(),
        "unrecognized option 'nosuch'"
    );
}
