//! A client that keeps cookies and posts forms as a browser does, for the blog's tests.

use std::collections::BTreeMap;
use std::time::Duration;

/// An answer: status, `Location`, `Content-Type`, the cookies it set, and the body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: String,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The value of the hidden `_xsrf` input of the page's forms (as `xsrf_form_html`
    /// writes it).
    pub fn xsrf(&self) -> String {
        let start = r#"name="_xsrf" value=""#;
        let at = self
            .body
            .find(start)
            .unwrap_or_else(|| panic!("no _xsrf input in the page: {}", self.body))
            + start.len();
        let end = at + self.body[at..].find('"').unwrap();
        self.body[at..end].replace("&amp;", "&")
    }

    /// Asserts a redirect to `to`.
    #[track_caller]
    pub fn assert_redirect(&self, to: &str) {
        assert!(
            matches!(self.status, 301 | 302) && self.location.as_deref() == Some(to),
            "expected a redirect to {to}, got {} {:?}: {}",
            self.status,
            self.location,
            self.body
        );
    }
}

/// A browser without the rendering: cookies in, cookies out, redirects not followed.
pub struct Client {
    base: String,
    agent: ureq::Agent,
    cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(port: u16) -> Client {
        Client {
            base: format!("http://127.0.0.1:{port}"),
            agent: ureq::AgentBuilder::new()
                .redirects(0)
                .timeout(Duration::from_secs(20))
                .build(),
            cookies: BTreeMap::new(),
        }
    }

    /// Sets a cookie by hand (a forged one, say).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn get(&mut self, path: &str) -> Page {
        let request = self.with_cookies(self.agent.get(&self.url(path)));
        self.read(request.call())
    }

    /// POSTs `fields` as a form, as they are: a form's `_xsrf` is the caller's to add.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self.with_cookies(self.agent.post(&self.url(path)));
        self.read(request.send_form(fields))
    }

    /// GETs the page with the form, then POSTs `fields` and the form's `_xsrf` to `action`.
    pub fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.get(form_page);
        assert_eq!(page.status, 200, "GET {form_page}: {}", page.body);
        let token = page.xsrf();
        let mut fields = fields.to_vec();
        fields.push(("_xsrf", &token));
        self.post(action, &fields)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn with_cookies(&self, request: ureq::Request) -> ureq::Request {
        if self.cookies.is_empty() {
            return request;
        }
        let header: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        request.set("Cookie", &header.join("; "))
    }

    fn read(&mut self, result: Result<ureq::Response, ureq::Error>) -> Page {
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("request failed: {e}"),
        };
        let set_cookies: Vec<String> = response
            .all("set-cookie")
            .into_iter()
            .map(str::to_owned)
            .collect();
        for line in &set_cookies {
            self.keep(line);
        }
        Page {
            status: response.status(),
            location: response.header("location").map(str::to_owned),
            content_type: response
                .header("content-type")
                .unwrap_or_default()
                .to_owned(),
            set_cookies,
            body: response.into_string().unwrap(),
        }
    }

    /// Keeps a `Set-Cookie`, or forgets the cookie when it is cleared (empty and expired,
    /// as `clear_cookie` sends it).
    fn keep(&mut self, line: &str) {
        let pair = line.split(';').next().unwrap();
        let (name, value) = pair.split_once('=').unwrap();
        // Kept as sent, quotes and all, and sent back so, as browsers do.
        if value.is_empty() || value == "\"\"" {
            self.cookies.remove(name);
        } else {
            self.cookies.insert(name.to_owned(), value.to_owned());
        }
    }
}
