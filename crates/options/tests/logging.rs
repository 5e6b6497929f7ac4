//! The logging options configure the process logger: levels, a log file, rotation.
#![allow(clippy::unwrap_used)]

use typhoon_options::{define_logging_options, OptionParser};

#[test]
fn log_file_prefix_sends_records_to_the_file_at_the_chosen_level() {
    let dir = std::env::temp_dir().join(format!("typhoon-logging-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("app.log");
    let _ = std::fs::remove_file(&path);
    let p = OptionParser::new();
    define_logging_options(&p).unwrap();
    p.parse_command_line(
        [
            "main".to_owned(),
            "--logging=warning".to_owned(),
            format!("--log-file-prefix={}", path.display()),
        ],
        true,
    )
    .unwrap();
    log::info!("not at warning level");
    log::warn!("disk almost full");
    log::logger().flush();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    // Tornado's LogFormatter: [W yymmdd HH:MM:SS module:line] message
    let line = text.lines().next().unwrap();
    assert!(line.starts_with("[W "), "{line}");
    assert!(line.contains(" logging:"), "{line}");
    assert!(line.ends_with("] disk almost full"), "{line}");

    // A second final parse reconfigures the same logger.
    p.parse_command_line(["main", "--logging=debug"], true)
        .unwrap();
    assert_eq!(log::max_level(), log::LevelFilter::Debug);
}
