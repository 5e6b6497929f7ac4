//! Tornado-compatible cookies: `Cookie` parsing, `Set-Cookie` formatting and signed values.
//!
//! Everything here mirrors Tornado 6.6 byte for byte so that a Typhoon
//! application and a Python Tornado application sharing a `cookie_secret` can
//! read each other's signed cookies:
//!
//! - [`parse_cookie_header`] is `tornado.httputil.parse_cookie`.
//! - [`format_set_cookie`] / [`format_clear_cookie`] return the header values that
//!   `RequestHandler.set_cookie` / `clear_cookie` emit (via `http.cookies.Morsel`).
//! - [`create_signed_value`], [`create_signed_value_v1`], [`decode_signed_value`]
//!   and [`signature_key_version`] are `tornado.web`'s signed-value functions
//!   (formats v1 and v2).
//!
//! ```
//! use typhoon_web::cookies::{create_signed_value, decode_signed_value, Secret};
//!
//! let secret = Secret::Single(b"It's a secret to everybody".to_vec());
//! let signed = create_signed_value(&secret, "key", b"value", 1_300_000_000);
//! assert_eq!(
//!     signed,
//!     "2|1:0|10:1300000000|3:key|8:dmFsdWU=|\
//!      3d4e60b996ff9c5d5788e333a0cba6f238a22c6c0f94788870e1a9ecd482e152"
//! );
//! let value = decode_signed_value(&secret, "key", &signed, 31.0, 1_300_000_000, 1);
//! assert_eq!(value.as_deref(), Some(&b"value"[..]));
//! ```

mod parse;
mod set_cookie;
mod signed;

#[cfg(test)]
mod tests;

pub use parse::parse_cookie_header;
pub use set_cookie::{
    format_clear_cookie, format_set_cookie, CookieError, CookieOptions, SameSite,
};
pub use signed::{
    create_signed_value, create_signed_value_v1, decode_signed_value, signature_key_version, Secret,
};
