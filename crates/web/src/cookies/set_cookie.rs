//! `Set-Cookie` header values exactly as Tornado's `set_cookie` / `clear_cookie` write them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `SameSite` cookie attribute.
///
/// ```
/// use typhoon_web::cookies::{format_set_cookie, CookieOptions, SameSite};
/// use std::time::UNIX_EPOCH;
///
/// let opts = CookieOptions { samesite: Some(SameSite::Strict), ..Default::default() };
/// let header = format_set_cookie("a", "b", &opts, UNIX_EPOCH).unwrap();
/// assert_eq!(header, "a=b; Path=/; SameSite=Strict");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None` (browsers also require `Secure`).
    None,
}

impl SameSite {
    /// The attribute value as written in the header (Tornado passes the
    /// caller's string through; these are the spellings browsers document).
    fn as_str(self) -> &'static str {
        match self {
            SameSite::Strict => "Strict",
            SameSite::Lax => "Lax",
            SameSite::None => "None",
        }
    }
}

/// Options for [`format_set_cookie`] and [`format_clear_cookie`]; the keyword
/// arguments of Tornado's `set_cookie`.
///
/// ```
/// use typhoon_web::cookies::{format_set_cookie, CookieOptions};
/// use std::time::UNIX_EPOCH;
///
/// let opts = CookieOptions {
///     domain: Some("example.com".into()),
///     path: Some("/app".into()),
///     secure: true,
///     ..Default::default()
/// };
/// assert_eq!(
///     format_set_cookie("id", "42", &opts, UNIX_EPOCH).unwrap(),
///     "id=42; Domain=example.com; Path=/app; Secure"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct CookieOptions {
    /// `Domain=`; omitted when `None` or empty.
    pub domain: Option<String>,
    /// `Path=`; `None` means Tornado's default `/`, `Some("")` omits the attribute.
    pub path: Option<String>,
    /// Absolute expiry (`expires=`); wins over `expires_days`.
    pub expires: Option<SystemTime>,
    /// Expiry in (possibly fractional or negative) days after `now`.
    pub expires_days: Option<f64>,
    /// `Max-Age=`; like Tornado, `Some(0)` is treated as unset and omitted.
    pub max_age: Option<i64>,
    /// Adds `HttpOnly`.
    pub httponly: bool,
    /// Adds `Secure`.
    pub secure: bool,
    /// `SameSite=`.
    pub samesite: Option<SameSite>,
}

/// Why a cookie could not be formatted (Tornado raises `http.cookies.CookieError`
/// or `ValueError` in the same situations).
///
/// ```
/// use typhoon_web::cookies::{format_set_cookie, CookieError, CookieOptions};
/// use std::time::UNIX_EPOCH;
///
/// let err = format_set_cookie("a;b", "v", &CookieOptions::default(), UNIX_EPOCH);
/// assert_eq!(err, Err(CookieError::InvalidName("a;b".into())));
/// ```
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CookieError {
    /// The name is empty, contains a character outside RFC 2109 token
    /// characters (`A-Za-z0-9!#$%&'*+-.^_`|~:`), or is a reserved attribute
    /// name such as `path` or `Expires`.
    #[error("invalid cookie name {0:?}")]
    InvalidName(String),
    /// The value contains a control character or space (U+0000–U+0020).
    #[error("invalid cookie value {value:?} for cookie {name:?}")]
    InvalidValue {
        /// The cookie's name.
        name: String,
        /// The rejected value.
        value: String,
    },
    /// An attribute (`domain`, `path`) contains a control character, space,
    /// `;` or DEL, or the expiry date is outside years 1–9999.
    #[error("invalid cookie attribute {attr}={value:?} for cookie {name:?}")]
    InvalidAttribute {
        /// The cookie's name.
        name: String,
        /// Which attribute: `"domain"`, `"path"` or `"expires"`.
        attr: &'static str,
        /// The rejected attribute value (for `expires`, a description).
        value: String,
    },
}

/// Characters `http.cookies` accepts in a name and writes unquoted in a value.
const LEGAL_CHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:";

/// Extra characters `http.cookies._quote` leaves unescaped inside quotes.
const UNESCAPED_EXTRA: &[u8] = b" ()/<=>?@[]{}";

/// Attribute names `http.cookies.Morsel` refuses as cookie names (Python 3.11;
/// newer Pythons also reserve `partitioned`, which is refused here too so the
/// behaviour does not depend on the interpreter version).
const RESERVED: &[&str] = &[
    "expires",
    "path",
    "comment",
    "domain",
    "max-age",
    "secure",
    "httponly",
    "version",
    "samesite",
    "partitioned",
];

/// Returns the `Set-Cookie` header value Tornado's `set_cookie` would produce.
///
/// Attributes come in `http.cookies.Morsel`'s (alphabetical) order:
/// `Domain`, `expires`, `HttpOnly`, `Max-Age`, `Path`, `SameSite`, `Secure`.
/// Values outside the unquoted token set are double-quoted with `\"`, `\\` and
/// octal (`\073`) escapes, as Python does. `now` is only used for
/// `expires_days`; the date is formatted like `Wed, 23 Mar 2011 07:06:40 GMT`
/// (sub-second parts truncated).
///
/// # Errors
///
/// [`CookieError`] for a value with control characters or spaces, a name
/// `http.cookies` refuses, a `domain`/`path` containing control characters,
/// spaces, `;` or DEL, or an expiry outside years 1–9999.
///
/// ```
/// use typhoon_web::cookies::{format_set_cookie, CookieOptions, SameSite};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let opts = CookieOptions {
///     max_age: Some(10),
///     httponly: true,
///     samesite: Some(SameSite::Lax),
///     ..Default::default()
/// };
/// let now = UNIX_EPOCH + Duration::from_secs(1_300_000_000);
/// assert_eq!(
///     format_set_cookie("plain", "v", &opts, now).unwrap(),
///     "plain=v; HttpOnly; Max-Age=10; Path=/; SameSite=Lax"
/// );
///
/// let opts = CookieOptions { expires_days: Some(10.0), ..Default::default() };
/// assert_eq!(
///     format_set_cookie("foo", "a;b", &opts, now).unwrap(),
///     r#"foo="a\073b"; expires=Wed, 23 Mar 2011 07:06:40 GMT; Path=/"#
/// );
/// ```
pub fn format_set_cookie(
    name: &str,
    value: &str,
    options: &CookieOptions,
    now: SystemTime,
) -> Result<String, CookieError> {
    // Same check order as Tornado: value, then name and attributes, then the
    // name rules of http.cookies.
    if value.chars().any(|c| c <= '\u{20}') {
        return Err(CookieError::InvalidValue {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    if has_forbidden_attr_char(name) {
        return Err(CookieError::InvalidName(name.to_string()));
    }
    let path = options.path.as_deref().unwrap_or("/");
    for (attr, attr_value) in [("domain", options.domain.as_deref()), ("path", Some(path))] {
        if let Some(v) = attr_value.filter(|v| has_forbidden_attr_char(v)) {
            return Err(CookieError::InvalidAttribute {
                name: name.to_string(),
                attr,
                value: v.to_string(),
            });
        }
    }
    if !is_legal_token(name) || RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(CookieError::InvalidName(name.to_string()));
    }

    // `expires` wins over `expires_days`, exactly like Tornado's `not expires`.
    let expires_micros = match (options.expires, options.expires_days) {
        (Some(t), _) => Some(system_time_micros(t)),
        (None, Some(days)) => Some(add_days(system_time_micros(now), days).ok_or_else(|| {
            CookieError::InvalidAttribute {
                name: name.to_string(),
                attr: "expires",
                value: format!("expires_days={days}"),
            }
        })?),
        (None, None) => None,
    };
    let expires =
        match expires_micros {
            Some(micros) => Some(format_http_date(micros.div_euclid(1_000_000)).ok_or_else(
                || CookieError::InvalidAttribute {
                    name: name.to_string(),
                    attr: "expires",
                    value: format!("{micros} microseconds since the epoch"),
                },
            )?),
            None => None,
        };

    let mut out = format!("{name}={}", quote_value(value));
    // Morsel skips empty attribute values; Tornado skips falsy domain/max_age.
    if let Some(domain) = options.domain.as_deref().filter(|d| !d.is_empty()) {
        out.push_str("; Domain=");
        out.push_str(domain);
    }
    if let Some(expires) = expires {
        out.push_str("; expires=");
        out.push_str(&expires);
    }
    if options.httponly {
        out.push_str("; HttpOnly");
    }
    if let Some(max_age) = options.max_age.filter(|&m| m != 0) {
        out.push_str(&format!("; Max-Age={max_age}"));
    }
    if !path.is_empty() {
        out.push_str("; Path=");
        out.push_str(path);
    }
    if let Some(samesite) = options.samesite {
        out.push_str("; SameSite=");
        out.push_str(samesite.as_str());
    }
    if options.secure {
        out.push_str("; Secure");
    }
    Ok(out)
}

/// Returns the `Set-Cookie` header value Tornado's `clear_cookie` would
/// produce: an empty (`""`) value that expired 365 days before `now`.
///
/// `domain`, `path`, `httponly`, `secure` and `samesite` are used as given
/// (they must match the ones used when setting the cookie). `expires`,
/// `expires_days` and `max_age` are ignored; Tornado's `clear_cookie` does not
/// accept them at all.
///
/// # Errors
///
/// The same as [`format_set_cookie`].
///
/// ```
/// use typhoon_web::cookies::{format_clear_cookie, CookieOptions};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_300_000_000);
/// assert_eq!(
///     format_clear_cookie("foo", &CookieOptions::default(), now).unwrap(),
///     r#"foo=""; expires=Sat, 13 Mar 2010 07:06:40 GMT; Path=/"#
/// );
/// ```
pub fn format_clear_cookie(
    name: &str,
    options: &CookieOptions,
    now: SystemTime,
) -> Result<String, CookieError> {
    let year_ago =
        add_days(system_time_micros(now), -365.0).ok_or_else(|| CookieError::InvalidAttribute {
            name: name.to_string(),
            attr: "expires",
            value: "one year before now".to_string(),
        })?;
    let expires = micros_to_system_time(year_ago).ok_or_else(|| CookieError::InvalidAttribute {
        name: name.to_string(),
        attr: "expires",
        value: "one year before now".to_string(),
    })?;
    let options = CookieOptions {
        expires: Some(expires),
        expires_days: None,
        max_age: None,
        ..options.clone()
    };
    format_set_cookie(name, "", &options, now)
}

/// Tornado's attribute check: `[\x00-\x20\x3b\x7f]` anywhere is refused.
fn has_forbidden_attr_char(s: &str) -> bool {
    s.chars()
        .any(|c| c <= '\u{20}' || c == ';' || c == '\u{7f}')
}

/// `http.cookies._is_legal_key`: one or more legal token characters.
fn is_legal_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| LEGAL_CHARS.contains(&b))
}

/// `http.cookies._quote`: token values stay bare, everything else is quoted
/// with Python's escapes. Code points above U+00FF are not escaped by Python
/// (its translation table only covers Latin-1), so they pass through.
fn quote_value(value: &str) -> String {
    if is_legal_token(value) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii()
                && (LEGAL_CHARS.contains(&(c as u8)) || UNESCAPED_EXTRA.contains(&(c as u8))) =>
            {
                out.push(c)
            }
            c if u32::from(c) < 256 => out.push_str(&format!("\\{:03o}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Microseconds since the Unix epoch (negative before 1970), like the
/// microsecond resolution of Python's `datetime`.
fn system_time_micros(t: SystemTime) -> i128 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i128,
        Err(e) => -(e.duration().as_micros() as i128),
    }
}

/// The inverse of [`system_time_micros`]; `None` where the platform's
/// `SystemTime` cannot represent the instant.
fn micros_to_system_time(micros: i128) -> Option<SystemTime> {
    let magnitude = Duration::from_micros(u64::try_from(micros.unsigned_abs()).ok()?);
    if micros >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// `now + timedelta(days=days)`: rounded to whole microseconds (half to even,
/// as `timedelta` does). `None` where Python raises (NaN, infinity, beyond
/// `timedelta`'s ±999999999 days).
fn add_days(micros: i128, days: f64) -> Option<i128> {
    if !days.is_finite() || days.abs() >= 1_000_000_000.0 {
        return None;
    }
    let delta = (days * 86_400_000_000.0).round_ties_even();
    Some(micros + delta as i128)
}

/// First and last second Python's `datetime` can represent (years 1 to 9999).
const MIN_SECS: i128 = -62_135_596_800;
const MAX_SECS: i128 = 253_402_300_799;

/// `httputil.format_timestamp`: `Wdy, DD Mon YYYY HH:MM:SS GMT`, or `None`
/// outside years 1–9999 (where Python's `datetime` overflows).
fn format_http_date(secs: i128) -> Option<String> {
    if !(MIN_SECS..=MAX_SECS).contains(&secs) {
        return None;
    }
    // In range, so this fits comfortably in i64.
    let secs = secs as i64;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    Some(format!(
        "{weekday}, {day:02} {month_name} {year:04} {:02}:{:02}:{:02} GMT",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    ))
}

/// Proleptic Gregorian (year, month 1–12, day 1–31) for days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod unit {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn set(name: &str, value: &str, o: CookieOptions) -> Result<String, CookieError> {
        format_set_cookie(name, value, &o, at(1_300_000_000))
    }

    #[test]
    fn tornado_cookie_test_cases() {
        // Ported from Tornado's CookieTest.
        let d = CookieOptions::default;
        assert_eq!(set("str", "asdf", d()).unwrap(), "str=asdf; Path=/");
        let o = CookieOptions {
            domain: Some("foo.com".into()),
            path: Some("/foo".into()),
            ..d()
        };
        assert_eq!(
            set("unicode_args", "blah", o).unwrap(),
            "unicode_args=blah; Domain=foo.com; Path=/foo"
        );
        assert_eq!(set("equals", "a=b", d()).unwrap(), "equals=\"a=b\"; Path=/");
        assert_eq!(
            set("quote", "a\"b", d()).unwrap(),
            "quote=\"a\\\"b\"; Path=/"
        );
        assert_eq!(
            set("semicolon", "a;b", d()).unwrap(),
            "semicolon=\"a\\073b\"; Path=/"
        );
        let o = CookieOptions {
            max_age: Some(10),
            ..d()
        };
        assert_eq!(set("foo", "bar", o).unwrap(), "foo=bar; Max-Age=10; Path=/");
        let o = CookieOptions {
            secure: true,
            ..d()
        };
        assert_eq!(set("a", "1", o).unwrap(), "a=1; Path=/; Secure");
        let o = CookieOptions {
            httponly: true,
            ..d()
        };
        assert_eq!(set("c", "1", o).unwrap(), "c=1; HttpOnly; Path=/");
    }

    #[test]
    fn forbidden_chars() {
        // Ported from SetCookieForbiddenCharHandler: control chars, DEL and ';'.
        let chars = (0u8..0x20).map(char::from).chain(['\u{7f}', ';']);
        for c in chars {
            assert!(
                matches!(
                    set(&format!("foo{c}"), "bar", CookieOptions::default()),
                    Err(CookieError::InvalidName(_))
                ),
                "{c:?} in name"
            );
            let o = CookieOptions {
                domain: Some(format!("example{c}.com")),
                ..Default::default()
            };
            assert!(
                matches!(
                    set("foo", "bar", o),
                    Err(CookieError::InvalidAttribute { attr: "domain", .. })
                ),
                "{c:?} in domain"
            );
            let o = CookieOptions {
                path: Some(format!("/{c}")),
                ..Default::default()
            };
            assert!(
                matches!(
                    set("foo", "bar", o),
                    Err(CookieError::InvalidAttribute { attr: "path", .. })
                ),
                "{c:?} in path"
            );
        }
    }

    #[test]
    fn dates() {
        assert_eq!(
            format_http_date(0).unwrap(),
            "Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            format_http_date(-1).unwrap(),
            "Wed, 31 Dec 1969 23:59:59 GMT"
        );
        assert_eq!(
            format_http_date(951_782_400).unwrap(),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(
            format_http_date(MIN_SECS).unwrap(),
            "Mon, 01 Jan 0001 00:00:00 GMT"
        );
        assert_eq!(
            format_http_date(MAX_SECS).unwrap(),
            "Fri, 31 Dec 9999 23:59:59 GMT"
        );
        assert_eq!(format_http_date(MAX_SECS + 1), None);
        assert_eq!(format_http_date(MIN_SECS - 1), None);
    }

    #[test]
    fn bad_expiry_is_an_error_not_a_panic() {
        for days in [f64::NAN, f64::INFINITY, -1e300, 1e12, 3_000_000.0] {
            let o = CookieOptions {
                expires_days: Some(days),
                ..Default::default()
            };
            assert!(
                matches!(
                    set("a", "b", o),
                    Err(CookieError::InvalidAttribute {
                        attr: "expires",
                        ..
                    })
                ),
                "{days}"
            );
        }
        // Clearing at the very start of year 1 would need year 0.
        let early = UNIX_EPOCH - Duration::from_secs(62_135_596_800);
        assert!(format_clear_cookie("a", &CookieOptions::default(), early).is_err());
    }
}
