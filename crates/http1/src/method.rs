//! Request methods and protocol versions the decoder accepts.

/// A request method Typhoon implements. Any other method is answered with 501
/// (RFC 9110 §9.1); methods are case-sensitive, so `get` is not [`Method::Get`].
///
/// # Examples
///
/// ```
/// use typhoon_http1::Method;
///
/// assert_eq!(Method::from_bytes(b"GET"), Some(Method::Get));
/// assert_eq!(Method::from_bytes(b"get"), None);
/// assert_eq!(Method::Options.as_str(), "OPTIONS");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `OPTIONS`
    Options,
    /// `TRACE`
    Trace,
}

impl Method {
    /// The method's name as sent on the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_http1::Method::Delete.as_str(), "DELETE");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }

    /// The method named exactly (case-sensitively) by `name`, if Typhoon implements it.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_http1::Method;
    ///
    /// assert_eq!(Method::from_bytes(b"PATCH"), Some(Method::Patch));
    /// assert_eq!(Method::from_bytes(b"CONNECT"), None);
    /// ```
    pub fn from_bytes(name: &[u8]) -> Option<Method> {
        Some(match name {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"PATCH" => Method::Patch,
            b"OPTIONS" => Method::Options,
            b"TRACE" => Method::Trace,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol version of a request. `HTTP/1.2` and later minor versions decode as
/// [`Version::Http11`] (RFC 9110 §2.5: process as the highest minor version supported).
///
/// # Examples
///
/// ```
/// use typhoon_http1::Version;
///
/// assert_eq!(Version::Http10.as_str(), "HTTP/1.0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`
    Http10,
    /// `HTTP/1.1` (and `HTTP/1.x` for x ≥ 2)
    Http11,
}

impl Version {
    /// The version as written in a request line.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(typhoon_http1::Version::Http11.as_str(), "HTTP/1.1");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
