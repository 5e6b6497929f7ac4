//! Tornado's date/time formats, tried in order, for naive (zone-less) date-times.

use jiff::civil::{date, DateTime};
use jiff::fmt::strtime;

/// Tornado's `_DATETIME_FORMATS`, in the order it tries them.
const FORMATS: &[&str] = &[
    "%a %b %d %H:%M:%S %Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d",
    "%H:%M:%S",
    "%H:%M",
];

/// Parses a date/time in one of Tornado's formats (`2013-04-28 05:16`, `20130428`,
/// `Sun Apr 28 05:16:00 2013`, `05:16`, …) or ISO 8601 (`2013-04-28T05:16:00`, as TOML
/// writes it). A time alone falls on 1900-01-01, as Python's `strptime`.
///
/// # Errors
///
/// `Unrecognized date/time format` when no format matches.
///
/// # Examples
///
/// ```
/// use jiff::civil::date;
/// use typhoon_options::parse_datetime;
///
/// assert_eq!(parse_datetime("2013-04-28 05:16"), Ok(date(2013, 4, 28).at(5, 16, 0, 0)));
/// assert_eq!(parse_datetime("05:16"), Ok(date(1900, 1, 1).at(5, 16, 0, 0)));
/// assert!(parse_datetime("yesterday").is_err());
/// ```
pub fn parse_datetime(text: &str) -> Result<DateTime, String> {
    for format in FORMATS {
        let Ok(parts) = strtime::parse(format, text) else {
            continue;
        };
        if let Ok(dt) = parts.to_datetime() {
            return Ok(dt);
        }
        if let Ok(time) = parts.to_time() {
            return Ok(date(1900, 1, 1).to_datetime(time));
        }
    }
    text.parse::<DateTime>()
        .map_err(|_| format!("Unrecognized date/time format: '{text}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tornado_format() {
        let at = date(2013, 4, 28).at(5, 16, 0, 0);
        let at_secs = date(2013, 4, 28).at(5, 16, 30, 0);
        let midnight = date(2013, 4, 28).at(0, 0, 0, 0);
        let cases = [
            ("Sun Apr 28 05:16:30 2013", at_secs),
            ("2013-04-28 05:16:30", at_secs),
            ("2013-04-28 05:16", at),
            ("2013-04-28T05:16", at),
            ("20130428 05:16:30", at_secs),
            ("20130428 05:16", at),
            ("2013-04-28", midnight),
            ("20130428", midnight),
            ("05:16:30", date(1900, 1, 1).at(5, 16, 30, 0)),
            ("05:16", date(1900, 1, 1).at(5, 16, 0, 0)),
            ("2013-04-28T05:16:30", at_secs),
        ];
        for (text, want) in cases {
            assert_eq!(parse_datetime(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn unrecognized() {
        assert_eq!(
            parse_datetime("2013/04/28"),
            Err("Unrecognized date/time format: '2013/04/28'".to_owned())
        );
    }
}
