//! Tornado's duration syntax: `1h 30m 2.5s`, a sum of `<number><unit>` terms.

use std::time::Duration;

/// Seconds per unit, for Tornado's abbreviations and `timedelta`'s keyword names.
const UNITS: &[(&str, f64)] = &[
    ("w", 604_800.0),
    ("weeks", 604_800.0),
    ("d", 86_400.0),
    ("days", 86_400.0),
    ("h", 3_600.0),
    ("hours", 3_600.0),
    ("m", 60.0),
    ("min", 60.0),
    ("minutes", 60.0),
    ("s", 1.0),
    ("sec", 1.0),
    ("seconds", 1.0),
    ("", 1.0),
    ("ms", 1e-3),
    ("milliseconds", 1e-3),
    ("us", 1e-6),
    ("microseconds", 1e-6),
];

/// Parses `1h 30m 2.5s`, `45s`, `45` (seconds), `1.5 hours`, `2w 1d`. Terms are summed;
/// the unit defaults to seconds. Unlike Tornado, `1h30m` needs no space.
///
/// # Errors
///
/// A short reason when a term is not a number, the unit is unknown, or the sum is
/// negative (a `Duration` cannot be).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use typhoon_options::parse_duration;
///
/// assert_eq!(parse_duration("1h 30m 2.5s"), Ok(Duration::from_secs_f64(5402.5)));
/// assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
/// assert!(parse_duration("3 fortnights").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return Err("the duration is empty".to_owned());
    }
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let number_len = number_prefix(rest);
        if number_len == 0 {
            return Err(format!("'{rest}' does not start with a number"));
        }
        let (number, after) = rest.split_at(number_len);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("'{number}' is not a number"))?;
        let after = after.trim_start();
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let Some((_, seconds)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!(
                "unknown unit '{unit}' (use w, d, h, m, s, ms or us)"
            ));
        };
        total += number * seconds;
        rest = after.trim_start();
    }
    Duration::try_from_secs_f64(total)
        .map_err(|_| "the duration is negative or too large".to_owned())
}

/// Length of the float at the start of `s`: `[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?`.
fn number_prefix(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let start = i;
    i = digits(i);
    let int_digits = i - start;
    if b.get(i) == Some(&b'.') {
        let after = digits(i + 1);
        if int_digits == 0 && after == i + 1 {
            return 0;
        }
        i = after;
    } else if int_digits == 0 {
        return 0;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let end = digits(j);
        if end > j {
            i = end;
        }
    }
    i
}

/// Writes a duration so that [`parse_duration`] reads it back: `1h 30m 2.5s`, `45s`, `0s`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use typhoon_options::format_duration;
///
/// assert_eq!(format_duration(Duration::from_secs_f64(5402.5)), "1h 30m 2.5s");
/// assert_eq!(format_duration(Duration::from_millis(250)), "0.25s");
/// ```
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (days, hours, minutes) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60);
    let seconds = (secs % 60) as f64 + f64::from(d.subsec_nanos()) / 1e9;
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes}m"));
    }
    if seconds > 0.0 || parts.is_empty() {
        parts.push(format!("{seconds}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tornado_units_and_sums() {
        let cases: &[(&str, f64)] = &[
            ("45s", 45.0),
            ("45", 45.0),
            ("1h 30m 2.5s", 5402.5),
            ("1h30m", 5400.0),
            ("2 min", 120.0),
            ("10sec", 10.0),
            ("1.5 hours", 5400.0),
            ("1w 1d", 691_200.0),
            ("250ms", 0.25),
            ("5us", 0.000_005),
            (".5s", 0.5),
            ("1e3ms", 1.0),
            ("  3 days ", 259_200.0),
            ("1h -30m", 1800.0),
        ];
        for (text, secs) in cases {
            let got = parse_duration(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((got.as_secs_f64() - secs).abs() < 1e-9, "{text}: {got:?}");
        }
    }

    #[test]
    fn bad_durations() {
        for text in ["", "abc", "3 parsecs", "-5s", "1h x", "."] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn format_round_trips() {
        for secs in [0.0, 0.25, 45.0, 5402.5, 90061.0] {
            let d = Duration::from_secs_f64(secs);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{secs}");
        }
    }
}
