//! The per-request names of Tornado's template namespace that come from the other parts
//! of the web layer: `static_url(path)`, `xsrf_form_html()` and `current_user`.

use std::path::PathBuf;

use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

/// `templates/` and `static/` for one test, removed when dropped.
struct Files(PathBuf);

impl Files {
    fn new(test: &str) -> Files {
        let dir =
            std::env::temp_dir().join(format!("typhoon-namespace-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["templates", "static"] {
            std::fs::create_dir_all(dir.join(sub)).expect("make the directories");
        }
        std::fs::write(
            dir.join("templates/page.html"),
            "{{ static_url(\"site.css\") }}\n{{ xsrf_form_html() }}\n{{ current_user or \"nobody\" }}",
        )
        .expect("write the template");
        std::fs::write(dir.join("static/site.css"), "body { color: black }")
            .expect("write the CSS");
        Files(dir)
    }

    fn settings(&self) -> Settings {
        Settings {
            template_path: Some(self.0.join("templates")),
            static_path: Some(self.0.join("static")),
            xsrf_cookies: true,
            ..Settings::default()
        }
        .cookie_secret("namespace-test")
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Renders `page.html`; with `ask`, after determining the user (always "ada").
struct Page {
    ask: bool,
}

impl RequestHandler for Page {
    async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
        Ok(Some("ada".to_owned()))
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        if self.ask {
            self.current_user(h).await?;
        }
        h.render("page.html", serde_json::json!({}))
    }
}

fn server(files: &Files) -> TestServer {
    TestServer::start(
        Application::new(vec![
            url(r"/asked", || Page { ask: true }),
            url(r"/unasked", || Page { ask: false }),
        ])
        .with_settings(files.settings()),
    )
}

#[test]
fn templates_see_static_url_xsrf_form_html_and_current_user() {
    let files = Files::new("all");
    let server = server(&files);
    let response = server.fetch("/asked");
    assert_eq!(response.status, 200, "{}", response.text());
    let text = response.text();
    let parts: Vec<&str> = text.lines().collect();
    assert_eq!(parts.len(), 3, "{text}");

    // The versioned URL, as `Handler::static_url` makes it; the file is served there.
    let css = parts[0];
    assert!(css.starts_with("/static/site.css?v="), "{css}");
    assert_eq!(server.fetch(css).text(), "body { color: black }");

    // The hidden input, not escaped, carrying the token of the cookie it sets.
    let input = parts[1];
    assert!(
        input.starts_with(r#"<input type="hidden" name="_xsrf" value="2|"#)
            && input.ends_with("\"/>"),
        "{input}"
    );
    let cookie = response
        .headers_all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("_xsrf="))
        .expect("the _xsrf cookie is set");
    assert!(cookie.contains("Path=/"), "{cookie}");

    assert_eq!(parts[2], "ada");
}

/// Renders `page.html` with its own `current_user` and `request`.
struct Shadowing;

impl RequestHandler for Shadowing {
    async fn get_current_user(&mut self, _h: &mut Handler) -> Result<Option<String>> {
        Ok(Some("ada".to_owned()))
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        self.current_user(h).await?;
        h.render(
            "shadow.html",
            serde_json::json!({ "current_user": "from the context", "request": 7 }),
        )
    }
}

#[test]
fn the_context_wins_over_the_namespace() {
    let files = Files::new("shadow");
    std::fs::write(
        files.0.join("templates/shadow.html"),
        "{{ current_user }}|{{ request }}",
    )
    .expect("write the template");
    let server = TestServer::start(
        Application::new(vec![url(r"/", || Shadowing)]).with_settings(files.settings()),
    );
    assert_eq!(server.fetch("/").text(), "from the context|7");
}

#[test]
fn current_user_is_none_until_the_handler_asks() {
    let files = Files::new("unasked");
    let server = server(&files);
    let text = server.fetch("/unasked").text();
    assert_eq!(text.lines().last(), Some("nobody"), "{text}");
}
