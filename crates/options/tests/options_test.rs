//! Tornado's `tornado/test/options_test.py`, test for test, in Rust.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::{date, DateTime};
use typhoon_options::{option_type, Error, OptionParser, Value};

/// Tornado's test `Email` class: any string with an `@`.
#[derive(Clone, Debug, PartialEq)]
struct Email(String);

impl FromStr for Email {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.contains('@') {
            Ok(Email(s.to_owned()))
        } else {
            Err(format!("{s:?} has no @"))
        }
    }
}
option_type!(Email);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn test_parse_command_line() {
    let options = OptionParser::new();
    options.define("port", 80).register().unwrap();
    options
        .parse_command_line(["main.py", "--port=443"], true)
        .unwrap();
    assert_eq!(options.get::<i64>("port").unwrap(), 443);
}

#[test]
fn test_parse_config_file() {
    let options = OptionParser::new();
    options.define("port", 80).register().unwrap();
    options.define("username", "foo").register().unwrap();
    // Tornado's file also sets `my_path = __file__`, which is Python, not TOML: an option
    // the file does not mention keeps its default.
    options.define_type::<String>("my_path").register().unwrap();
    options
        .parse_config_file(fixture("options_test.cfg"), true)
        .unwrap();
    assert_eq!(options.get::<i64>("port").unwrap(), 443);
    assert_eq!(options.get::<String>("username").unwrap(), "李康");
    assert_eq!(options.get::<Option<String>>("my_path").unwrap(), None);
}

#[test]
fn test_parse_callbacks() {
    let options = OptionParser::new();
    let called = Arc::new(Mutex::new(false));
    let flag = called.clone();
    options.add_parse_callback(move || *flag.lock().unwrap() = true);

    // A non-final parse doesn't run callbacks.
    options.parse_command_line(["main.py"], false).unwrap();
    assert!(!*called.lock().unwrap());

    // A final parse does.
    options.parse_command_line(["main.py"], true).unwrap();
    assert!(*called.lock().unwrap());

    // Callbacks can run more than once on the same options if there are several final
    // parses.
    *called.lock().unwrap() = false;
    options.parse_command_line(["main.py"], true).unwrap();
    assert!(*called.lock().unwrap());
}

#[test]
fn test_help() {
    let options = OptionParser::new();
    let err = options
        .parse_command_line(["main.py", "--help"], true)
        .unwrap_err();
    // Tornado raises SystemExit; here the error carries the text and exit status 0.
    assert_eq!(err.exit_code(), 0);
    let Error::Help(usage) = err else {
        panic!("{err}")
    };
    assert!(usage.contains("Usage:"), "{usage}");
}

#[test]
fn test_subcommand() {
    let base_options = OptionParser::new();
    base_options.define("verbose", false).register().unwrap();
    let sub_options = OptionParser::new();
    sub_options.define_type::<String>("foo").register().unwrap();
    let rest = base_options
        .parse_command_line(["main.py", "--verbose", "subcommand", "--foo=bar"], true)
        .unwrap();
    assert_eq!(rest, ["subcommand", "--foo=bar"]);
    assert!(base_options.get::<bool>("verbose").unwrap());
    let rest2 = sub_options.parse_command_line(&rest, true).unwrap();
    assert!(rest2.is_empty());
    assert_eq!(
        sub_options.get::<Option<String>>("foo").unwrap().as_deref(),
        Some("bar")
    );

    // The two option sets are distinct.
    let err = sub_options
        .parse_command_line(["subcommand", "--verbose"], true)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownArgument { .. }), "{err}");
}

#[test]
fn test_setattr() {
    let options = OptionParser::new();
    options.define("foo", 1).register().unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(options.get::<i32>("foo").unwrap(), 2);
}

#[test]
fn test_setattr_type_check() {
    // Setting requires the right type and doesn't parse from strings.
    let options = OptionParser::new();
    options.define("foo", 1).register().unwrap();
    let err = options.set("foo", "2").unwrap_err();
    assert_eq!(
        err.to_string(),
        "option 'foo' must be an integer from -2147483648 to 2147483647 (a string given)"
    );
}

#[test]
fn test_setattr_with_callback() {
    let values = Arc::new(Mutex::new(Vec::new()));
    let options = OptionParser::new();
    let sink = values.clone();
    options
        .define("foo", 1)
        .callback(move |v: &i32| sink.lock().unwrap().push(*v))
        .register()
        .unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(*values.lock().unwrap(), [2]);
}

fn sample_options() -> OptionParser {
    let options = OptionParser::new();
    options.define("a", 1).register().unwrap();
    options.define("b", 2).register().unwrap();
    options
}

#[test]
fn test_iter() {
    let options = sample_options();
    // OptionParsers always define 'help'.
    let mut names = options.names();
    names.sort();
    assert_eq!(names, ["a", "b", "help"]);
}

#[test]
fn test_getitem() {
    let options = sample_options();
    assert_eq!(options.value("a").unwrap(), Value::Int(1));
}

#[test]
fn test_setitem() {
    let options = OptionParser::new();
    options.define("foo", 1).register().unwrap();
    options.set("foo", 2).unwrap();
    assert_eq!(options.value("foo").unwrap(), Value::Int(2));
}

#[test]
fn test_items() {
    let options = sample_options();
    let mut actual = options.items();
    actual.sort_by(|x, y| x.0.cmp(&y.0));
    let help = options.value("help").unwrap();
    let expected = [
        ("a".to_owned(), Value::Int(1)),
        ("b".to_owned(), Value::Int(2)),
        ("help".to_owned(), help),
    ];
    assert_eq!(actual, expected);
}

#[test]
fn test_as_dict() {
    let options = sample_options();
    let help = options.value("help").unwrap();
    let expected = [
        ("a".to_owned(), Value::Int(1)),
        ("b".to_owned(), Value::Int(2)),
        ("help".to_owned(), help),
    ]
    .into_iter()
    .collect();
    assert_eq!(options.as_dict(), expected);
}

#[test]
fn test_group_dict() {
    let options = OptionParser::new();
    options.define("a", 1).register().unwrap();
    options.define("b", 2).group("b_group").register().unwrap();

    let this_file = file!().to_owned();
    let groups: Vec<String> = options.groups().into_iter().collect();
    let mut expected = vec!["".to_owned(), "b_group".to_owned(), this_file];
    expected.sort();
    assert_eq!(groups, expected);

    let b_group_dict = options.group_dict("b_group");
    assert_eq!(
        b_group_dict.into_iter().collect::<Vec<_>>(),
        [("b".to_owned(), Value::Int(2))]
    );

    assert!(options.group_dict("nonexistent").is_empty());
}

#[test]
fn test_mock_patch() {
    // Mocks and sets don't interfere.
    let options = OptionParser::new();
    let foo = options.define("foo", 1).register().unwrap();
    options
        .parse_command_line(["main.py", "--foo=2"], true)
        .unwrap();
    assert_eq!(foo.get(), 2);

    {
        let _mock = options.mock("foo", 3).unwrap();
        assert_eq!(foo.get(), 3);
    }
    assert_eq!(foo.get(), 2);

    // Nested patches mixed with explicit sets.
    {
        let _outer = options.mock("foo", 4).unwrap();
        assert_eq!(foo.get(), 4);
        options.set("foo", 5).unwrap();
        assert_eq!(foo.get(), 5);
        {
            let _inner = options.mock("foo", 6).unwrap();
            assert_eq!(foo.get(), 6);
        }
        assert_eq!(foo.get(), 5);
    }
    assert_eq!(foo.get(), 2);
}

fn define_options() -> OptionParser {
    let options = OptionParser::new();
    options.define_type::<String>("str").register().unwrap();
    options
        .define_type::<String>("basestring")
        .register()
        .unwrap();
    options.define_type::<i64>("int").register().unwrap();
    options.define_type::<f64>("float").register().unwrap();
    options
        .define_type::<DateTime>("datetime")
        .register()
        .unwrap();
    options
        .define_type::<Duration>("timedelta")
        .register()
        .unwrap();
    options.define_type::<Email>("email").register().unwrap();
    options
        .define_type::<i64>("list-of-int")
        .multiple()
        .register()
        .unwrap();
    options
        .define_type::<String>("list-of-str")
        .multiple()
        .register()
        .unwrap();
    options
}

fn check_options_values(options: &OptionParser) {
    let get = |name: &str| options.value(name).unwrap();
    assert_eq!(get("str"), Value::from("asdf"));
    assert_eq!(get("basestring"), Value::from("qwer"));
    assert_eq!(get("int"), Value::Int(42));
    assert_eq!(get("float"), Value::Float(1.5));
    assert_eq!(
        get("datetime"),
        Value::DateTime(date(2013, 4, 28).at(5, 16, 0, 0))
    );
    assert_eq!(get("timedelta"), Value::Duration(Duration::from_secs(45)));
    let email: Option<Email> = options.get("email").unwrap();
    assert_eq!(email, Some(Email("tornado@web.com".to_owned())));
    assert_eq!(options.get::<Vec<i64>>("list_of_int").unwrap(), [1, 2, 3]);
    assert_eq!(
        options.get::<Vec<String>>("list_of_str").unwrap(),
        ["a", "b", "c"]
    );
}

#[test]
fn test_types() {
    let options = define_options();
    options
        .parse_command_line(
            [
                "main.py",
                "--str=asdf",
                "--basestring=qwer",
                "--int=42",
                "--float=1.5",
                "--datetime=2013-04-28 05:16",
                "--timedelta=45s",
                "--email=tornado@web.com",
                "--list-of-int=1,2,3",
                "--list-of-str=a,b,c",
            ],
            true,
        )
        .unwrap();
    check_options_values(&options);
}

#[test]
fn test_types_with_conf_file() {
    for config_file_name in ["options_test_types.cfg", "options_test_types_str.cfg"] {
        let options = define_options();
        options
            .parse_config_file(fixture(config_file_name), true)
            .unwrap();
        check_options_values(&options);
    }
}

#[test]
fn test_multiple_string() {
    let options = OptionParser::new();
    options
        .define_type::<String>("foo")
        .multiple()
        .register()
        .unwrap();
    options
        .parse_command_line(["main.py", "--foo=a,b,c"], true)
        .unwrap();
    assert_eq!(options.get::<Vec<String>>("foo").unwrap(), ["a", "b", "c"]);
}

#[test]
fn test_multiple_int() {
    let options = OptionParser::new();
    options
        .define_type::<i32>("foo")
        .multiple()
        .register()
        .unwrap();
    options
        .parse_command_line(["main.py", "--foo=1,3,5:7"], true)
        .unwrap();
    assert_eq!(options.get::<Vec<i32>>("foo").unwrap(), [1, 3, 5, 6, 7]);
}

#[test]
fn test_error_redefine() {
    let options = OptionParser::new();
    options.define_type::<String>("foo").register().unwrap();
    let first_line = line!() - 1;
    let err = options.define_type::<String>("foo").register().unwrap_err();
    let second_line = line!() - 1;
    assert!(matches!(err, Error::Duplicate { .. }));
    // Both places, as file:line:column.
    let message = err.to_string();
    assert!(
        message.starts_with("option 'foo' already defined at "),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}:{first_line}:", file!())),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}:{second_line}:", file!())),
        "{message}"
    );
}

#[test]
fn test_error_redefine_underscore() {
    // The dash/underscore normalisation doesn't hide a redefinition.
    let tests = [
        ("foo-bar", "foo-bar"),
        ("foo_bar", "foo_bar"),
        ("foo-bar", "foo_bar"),
        ("foo_bar", "foo-bar"),
    ];
    for (a, b) in tests {
        let options = OptionParser::new();
        options.define_type::<String>(a).register().unwrap();
        let err = options.define_type::<String>(b).register().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("option 'foo-bar' already defined"),
            "{a} {b}: {err}"
        );
    }
}

#[test]
fn test_dash_underscore_cli() {
    // Dashes and underscores are interchangeable.
    for defined_name in ["foo-bar", "foo_bar"] {
        for flag in ["--foo-bar=a", "--foo_bar=a"] {
            let options = OptionParser::new();
            options
                .define_type::<String>(defined_name)
                .register()
                .unwrap();
            options.parse_command_line(["main.py", flag], true).unwrap();
            // Both spellings read it.
            assert_eq!(options.value("foo_bar").unwrap(), Value::from("a"));
            assert_eq!(options.value("foo-bar").unwrap(), Value::from("a"));
        }
    }
}

#[test]
fn test_dash_underscore_file() {
    // However an option was defined, a config file can set it with underscores.
    for defined_name in ["foo-bar", "foo_bar"] {
        let options = OptionParser::new();
        options
            .define_type::<String>(defined_name)
            .register()
            .unwrap();
        options
            .parse_config_file(fixture("options_test.cfg"), true)
            .unwrap();
        assert_eq!(options.value("foo_bar").unwrap(), Value::from("a"));
    }
}

#[test]
fn test_dash_underscore_introspection() {
    // Introspection keeps the names as defined.
    let options = OptionParser::new();
    options
        .define_type::<String>("with-dash")
        .group("g")
        .register()
        .unwrap();
    options
        .define_type::<String>("with_underscore")
        .group("g")
        .register()
        .unwrap();
    let all_options = ["help", "with-dash", "with_underscore"];
    let mut names = options.names();
    names.sort();
    assert_eq!(names, all_options);
    let mut item_names: Vec<String> = options.items().into_iter().map(|(k, _)| k).collect();
    item_names.sort();
    assert_eq!(item_names, all_options);
    assert_eq!(
        options.as_dict().into_keys().collect::<Vec<_>>(),
        all_options
    );
    assert_eq!(
        options.group_dict("g").into_keys().collect::<Vec<_>>(),
        ["with-dash", "with_underscore"]
    );

    // --help shows command-line names, with dashes.
    let help = options.help("main.py");
    assert!(help.contains("--with-dash"), "{help}");
    assert!(help.contains("--with-underscore"), "{help}");
}
