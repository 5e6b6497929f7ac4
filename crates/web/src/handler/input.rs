//! Reading the request: arguments (query, form, multipart), files, JSON, headers,
//! cookies, and where the request came from.

use std::net::IpAddr;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use super::Handler;
use crate::arguments::{
    clean_argument, decode_path_arg, parse_body, parse_query, values, Arguments, FileUpload,
};
use crate::cookies::{decode_signed_value, parse_cookie_header};
use crate::error::{HttpError, Result};

impl Handler {
    /// Parses what the lifecycle needs before `prepare`: path captures (percent-decoded
    /// UTF-8) and form or multipart bodies. Errors are 400s, as in Tornado.
    pub(crate) fn prepare_request(&mut self) -> Result {
        if let Some(extras) = self.extras.as_deref_mut() {
            for arg in extras
                .path_args
                .iter_mut()
                .chain(extras.path_kwargs.iter_mut().map(|(_, v)| v))
            {
                *arg = decode_path_arg(arg)
                    .map_err(|e| HttpError::new(400).log(format!("Invalid unicode in url: {e}")))?;
            }
        }
        if self.app.settings.decompress_request {
            self.inflate_body()?;
        }
        if let Some(content_type) = self.request.header("content-type") {
            let content_type = String::from_utf8_lossy(content_type);
            let (args, files) =
                parse_body(&content_type, self.body(), &self.app.settings.body_limits)
                    .map_err(|e| HttpError::new(400).log(format!("Invalid body: {e}")))?;
            if !args.is_empty() || !files.is_empty() {
                let extras = self.extras_mut();
                extras.body_args = args;
                extras.files = files;
            }
        }
        Ok(())
    }

    /// The groups the route captured, in order, percent-decoded (Tornado's `path_args`).
    pub fn path_args(&self) -> &[String] {
        self.extras().map_or(&[], |e| &e.path_args)
    }

    /// A named group the route captured (Tornado's `path_kwargs`).
    pub fn path_kwarg(&self, name: &str) -> Option<&str> {
        self.extras()?
            .path_kwargs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of argument `name` from the query or the form body, cleaned as
    /// Tornado does (control characters become spaces, then stripped).
    ///
    /// # Errors
    ///
    /// 400 when the argument is missing (Tornado's `MissingArgumentError`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let name = h.get_argument("name")?; // 400 when missing
    ///     h.write(format!("Hello, {name}"));
    ///     Ok(())
    /// }
    /// ```
    pub fn get_argument(&self, name: &str) -> Result<String, HttpError> {
        self.get_arguments(name)
            .pop()
            .ok_or_else(|| HttpError::missing_argument(name))
    }

    /// [`get_argument`](Self::get_argument), or `default` when it is missing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let name = h.get_argument_or("name", "world");
    ///     h.write(format!("Hello, {name}"));
    ///     Ok(())
    /// }
    /// ```
    pub fn get_argument_or(&self, name: &str, default: &str) -> String {
        self.get_argument(name)
            .unwrap_or_else(|_| default.to_owned())
    }

    /// Every value of argument `name`: the query's, then the body's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let tags: Vec<String> = h.get_arguments("tag"); // ?tag=a&tag=b → ["a", "b"]
    ///     h.write(tags.join(","));
    ///     Ok(())
    /// }
    /// ```
    pub fn get_arguments(&self, name: &str) -> Vec<String> {
        let query = values(self.query_arguments(), name);
        query
            .chain(values(self.body_arguments(), name))
            .map(|v| clean_argument(v, true))
            .collect()
    }

    /// The last value of `name` in the query string only.
    ///
    /// # Errors
    ///
    /// 400 when it is missing.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let page: u32 = h.get_query_argument("page")?.parse().map_err(|_| HttpError::new(400))?;
    ///     h.write(page.to_string());
    ///     Ok(())
    /// }
    /// ```
    pub fn get_query_argument(&self, name: &str) -> Result<String, HttpError> {
        self.get_query_arguments(name)
            .pop()
            .ok_or_else(|| HttpError::missing_argument(name))
    }

    /// Every value of `name` in the query string.
    pub fn get_query_arguments(&self, name: &str) -> Vec<String> {
        values(self.query_arguments(), name)
            .map(|v| clean_argument(v, true))
            .collect()
    }

    /// The last value of `name` in the form body only.
    ///
    /// # Errors
    ///
    /// 400 when it is missing.
    pub fn get_body_argument(&self, name: &str) -> Result<String, HttpError> {
        self.get_body_arguments(name)
            .pop()
            .ok_or_else(|| HttpError::missing_argument(name))
    }

    /// Every value of `name` in the form body.
    pub fn get_body_arguments(&self, name: &str) -> Vec<String> {
        values(self.body_arguments(), name)
            .map(|v| clean_argument(v, true))
            .collect()
    }

    /// The query string's arguments, parsed on first use.
    pub fn query_arguments(&self) -> &Arguments {
        self.query_args
            .get_or_init(|| parse_query(self.request.query().as_bytes()).unwrap_or_default())
    }

    /// The form body's arguments (`application/x-www-form-urlencoded` or
    /// `multipart/form-data`).
    pub fn body_arguments(&self) -> &Arguments {
        const NONE: &Arguments = &Vec::new();
        self.extras().map_or(NONE, |e| &e.body_args)
    }

    /// Files uploaded under field `name` (multipart parts with a filename).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let listing: String = h
    ///         .files("upload")
    ///         .iter()
    ///         .map(|f| format!("{} ({}, {} bytes)\n", f.filename, f.content_type, f.body.len()))
    ///         .collect();
    ///     h.write(listing);
    ///     Ok(())
    /// }
    /// ```
    pub fn files(&self, name: &str) -> Vec<&FileUpload> {
        self.all_files()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f)
            .collect()
    }

    /// Every uploaded file with its field name.
    pub fn all_files(&self) -> &[(String, FileUpload)] {
        self.extras().map_or(&[], |e| &e.files)
    }

    /// The raw request body (inflated, when `decompress_request` is on and it came
    /// with `Content-Encoding: gzip`).
    pub fn body(&self) -> &Bytes {
        match self.extras().and_then(|e| e.inflated_body.as_ref()) {
            Some(inflated) => inflated,
            None => self.request.body(),
        }
    }

    /// The body parsed as JSON into `T`.
    ///
    /// # Errors
    ///
    /// 400 when the body is not JSON of that shape.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     #[derive(serde::Deserialize)]
    ///     struct Login { user: String }
    ///     let login: Login = h.json_body()?; // 400 when not JSON of that shape
    ///     h.write(login.user);
    ///     Ok(())
    /// }
    /// ```
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(self.body())
            .map_err(|e| HttpError::new(400).log(format!("Invalid JSON body: {e}")))
    }

    /// A request header (first value), as text; `None` if absent or not UTF-8.
    pub fn request_header(&self, name: &str) -> Option<&str> {
        self.request
            .header(name)
            .and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The request cookie `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let theme = h.get_cookie("theme").unwrap_or_else(|| "light".into());
    ///     h.write(theme);
    ///     Ok(())
    /// }
    /// ```
    pub fn get_cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Every request cookie, in order.
    pub fn cookies(&self) -> Vec<(String, String)> {
        let mut all = Vec::new();
        for (header, value) in self.request.headers() {
            if header.eq_ignore_ascii_case("cookie") {
                all.extend(parse_cookie_header(&String::from_utf8_lossy(value)));
            }
        }
        all
    }

    /// The verified value of signed cookie `name` (Tornado's `get_signed_cookie`, v1 or
    /// v2, at most 31 days old); `None` when missing, tampered, expired or unsigned.
    ///
    /// # Errors
    ///
    /// 500 when the application has no `cookie_secret`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     match h.get_signed_cookie("user")? {
    ///         Some(user) => h.write(format!("welcome back, {user}")),
    ///         None => h.redirect("/login")?,
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn get_signed_cookie(&self, name: &str) -> Result<Option<String>, HttpError> {
        let secret = self.cookie_secret()?;
        let Some(raw) = self.get_cookie(name) else {
            return Ok(None);
        };
        let now = super::unix_now();
        let value = decode_signed_value(secret, name, &raw, 31.0, now, 1);
        Ok(value.and_then(|bytes| String::from_utf8(bytes).ok()))
    }

    /// The client's address: the peer, or with `xheaders` what the proxy says
    /// (`X-Real-Ip`, then `X-Forwarded-For` past `trusted_downstream`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let ip = h.remote_ip();
    ///     h.write(ip.to_string());
    ///     Ok(())
    /// }
    /// ```
    pub fn remote_ip(&self) -> IpAddr {
        self.remote_ip
    }

    /// `http`, or `https` when a trusted proxy says so (`X-Scheme`, `X-Forwarded-Proto`).
    pub fn protocol(&self) -> &str {
        self.protocol
    }

    /// The request's host (the absolute-form authority or the Host header).
    pub fn host(&self) -> &str {
        self.request.host().unwrap_or("127.0.0.1")
    }

    /// The host without the port, lowercased (Tornado's `host_name`).
    pub fn host_name(&self) -> String {
        crate::app::host_name(self.host())
    }

    /// The request target as sent: path and query.
    pub fn uri(&self) -> &str {
        self.request.target()
    }

    /// `protocol://host/uri` (Tornado's `full_url`).
    pub fn full_url(&self) -> String {
        let uri = if self.request.target().starts_with('/') {
            self.request.target()
        } else {
            self.request.path()
        };
        format!("{}://{}{}", self.protocol, self.host(), uri)
    }

    /// Time since the request reached the application (Tornado's `request_time`).
    pub fn request_time(&self) -> Duration {
        self.started.elapsed()
    }

    /// The shard serving this request.
    pub fn shard(&self) -> usize {
        self.out.as_ref().map_or(0, |o| o.info().shard)
    }

    /// The application's settings.
    pub fn settings(&self) -> &crate::Settings {
        &self.app.settings
    }

    /// The URL of the route named `name` with `args` in its groups, escaped (Tornado's
    /// `reverse_url`).
    ///
    /// # Errors
    ///
    /// 500 when no route has that name, or the argument count does not match.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, HttpError, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let url = h.reverse_url("user", &["42"])?; // "/user/42"
    ///     h.redirect(&url)?;
    ///     Ok(())
    /// }
    /// ```
    pub fn reverse_url(&self, name: &str, args: &[&str]) -> Result<String, HttpError> {
        self.app.reverse_url(name, args).ok_or_else(|| {
            HttpError::new(500).log(format!("reverse_url({name:?}, {args:?}) failed"))
        })
    }
}
