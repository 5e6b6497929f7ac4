//! Typhoon's `tornado.options`: `define`, `options`, `parse_command_line` and
//! `parse_config_file`, built on clap.
