//! `Preamble`: the `Server` and `Date` lines every response starts with, checked and
//! joined once instead of once per response.

use crate::grammar::is_field_value;

const SERVER: &[u8] = b"Server: ";
const DATE: &[u8] = b"Date: ";
const CRLF: &[u8] = b"\r\n";

/// `Server: <name>\r\nDate: <date>\r\n`, ready to be copied after a status line with one
/// write. The server's name never changes and the date changes once a second, so a
/// server keeps one and refreshes its date with [`set_date`](Self::set_date); the
/// encoder then neither checks nor assembles them per response.
///
/// An empty value, or one that could split a response (CR, LF, other controls), leaves
/// its line out.
///
/// # Examples
///
/// ```
/// use typhoon_http1::Preamble;
///
/// let mut preamble = Preamble::new(b"TyphoonServer/0.1.0", b"Sun, 06 Nov 1994 08:49:37 GMT");
/// assert_eq!(preamble.as_bytes(), b"Server: TyphoonServer/0.1.0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n");
/// preamble.set_date(b"Sun, 06 Nov 1994 08:49:38 GMT");
/// assert!(preamble.as_bytes().ends_with(b"08:49:38 GMT\r\n"));
/// assert_eq!(Preamble::new(b"", b"bad\r\nX: y").as_bytes(), b"");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preamble {
    bytes: Vec<u8>,
    /// Where the `Date` line starts: the length of the `Server` line (0 without one).
    date_at: usize,
}

impl Preamble {
    /// The lines for `server` and `date`.
    pub fn new(server: &[u8], date: &[u8]) -> Self {
        let mut preamble = Self::default();
        push_line(&mut preamble.bytes, SERVER, server);
        preamble.date_at = preamble.bytes.len();
        push_line(&mut preamble.bytes, DATE, date);
        preamble
    }

    /// Replaces the date, keeping the server line.
    pub fn set_date(&mut self, date: &[u8]) {
        self.bytes.truncate(self.date_at);
        push_line(&mut self.bytes, DATE, date);
    }

    /// Both lines, each ending in CRLF.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The length of the `Server` line (0 without one); the `Date` line follows it.
    pub(crate) fn server_len(&self) -> usize {
        self.date_at
    }
}

/// Appends `prefix value CRLF` unless `value` is empty or not a valid field value.
fn push_line(out: &mut Vec<u8>, prefix: &[u8], value: &[u8]) {
    if value.is_empty() || !is_field_value(value) {
        return;
    }
    out.extend_from_slice(prefix);
    out.extend_from_slice(value);
    out.extend_from_slice(CRLF);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_left_out_when_empty_or_unsafe() {
        let only_date = Preamble::new(b"", b"today");
        assert_eq!(only_date.as_bytes(), b"Date: today\r\n");
        assert_eq!(only_date.server_len(), 0);
        let only_server = Preamble::new(b"me", b"");
        assert_eq!(only_server.as_bytes(), b"Server: me\r\n");
        assert_eq!(only_server.server_len(), only_server.as_bytes().len());
        assert_eq!(Preamble::new(b"a\nb", b"c\rd").as_bytes(), b"");
    }

    #[test]
    fn a_new_date_keeps_the_server_line() {
        let mut preamble = Preamble::new(b"me", b"today");
        preamble.set_date(b"tomorrow");
        assert_eq!(preamble.as_bytes(), b"Server: me\r\nDate: tomorrow\r\n");
        preamble.set_date(b"bad\r\n");
        assert_eq!(preamble.as_bytes(), b"Server: me\r\n");
    }
}
