//! Templates through a real server: `render` with a context and autoescape, the
//! per-shard cache, errors naming the template and line, `render_string`, and Tornado's
//! template namespace (`reverse_url`, `request`, `handler`).

mod support;

use std::path::{Path, PathBuf};

use serde_json::json;
use typhoon::testing::TestServer;
use typhoon::web::{url, Application, Handler, RequestHandler, Result, Settings};

/// A directory of templates for one test, removed when dropped.
struct TemplateDir(PathBuf);

impl TemplateDir {
    fn new(test: &str, files: &[(&str, &str)]) -> Self {
        let dir =
            std::env::temp_dir().join(format!("typhoon-templates-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("make the template directory");
        let dir = TemplateDir(dir);
        for (name, text) in files {
            dir.write(name, text);
        }
        dir
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("write a template");
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TemplateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Renders the template named by the `t` argument with a fixed context.
struct Page;
impl RequestHandler for Page {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let name = h.get_argument("t")?;
        h.render(
            &name,
            json!({
                "title": "<script>alert('x')</script>",
                "trusted": "<b>bold</b>",
                "items": ["a&b", "c"],
            }),
        )?;
        h.write("ignored: render finished the response");
        Ok(())
    }
}

/// `render_string` into a JSON answer.
struct AsString;
impl RequestHandler for AsString {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let text = h.render_string("row.html", json!({ "name": "Ada & Bob" }))?;
        h.write_json(&json!({ "row": text }))?;
        Ok(())
    }
}

/// Named, for `reverse_url` in templates.
struct User;
impl RequestHandler for User {}

fn server(dir: &TemplateDir, settings: Settings) -> TestServer {
    let settings = Settings {
        template_path: Some(dir.path().to_owned()),
        ..settings
    };
    let app = Application::new(vec![
        url(r"/page", || Page),
        url(r"/string", || AsString),
        url(r"/user/(\d+)/(\w+)", || User).name("user"),
    ])
    .with_settings(settings);
    TestServer::start(app)
}

#[test]
fn render_escapes_the_context_unless_marked_safe() {
    let dir = TemplateDir::new(
        "escape",
        &[(
            "page.txt",
            "<h1>{{ title }}</h1>{{ trusted|safe }}{% for i in items %}<li>{{ i }}</li>{% endfor %}",
        )],
    );
    let server = server(&dir, Settings::default());
    let response = server.fetch("/page?t=page.txt");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("Content-Type"),
        Some("text/html; charset=UTF-8")
    );
    // Tornado's xhtml_escape, in every template whatever its extension.
    assert_eq!(
        response.text(),
        "<h1>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</h1><b>bold</b><li>a&amp;b</li><li>c</li>"
    );
}

#[test]
fn autoescape_off_writes_values_as_they_are() {
    let dir = TemplateDir::new("noescape", &[("page.html", "{{ title }}")]);
    let server = server(
        &dir,
        Settings {
            autoescape: false,
            ..Settings::default()
        },
    );
    assert_eq!(
        server.fetch("/page?t=page.html").text(),
        "<script>alert('x')</script>"
    );
}

#[test]
fn templates_extend_and_include_others() {
    let dir = TemplateDir::new(
        "extends",
        &[
            ("base.html", "<title>{% block title %}base{% endblock %}</title>{% block body %}{% endblock %}"),
            ("item.html", "<li>{{ i }}</li>"),
            (
                "child.html",
                "{% extends \"base.html\" %}{% block title %}child{% endblock %}{% block body %}{% for i in items %}{% include \"item.html\" %}{% endfor %}{% endblock %}",
            ),
        ],
    );
    let server = server(&dir, Settings::default());
    assert_eq!(
        server.fetch("/page?t=child.html").text(),
        "<title>child</title><li>a&amp;b</li><li>c</li>"
    );
}

#[test]
fn the_shard_keeps_compiled_templates_while_the_cache_is_on() {
    let dir = TemplateDir::new("cache-on", &[("page.html", "first")]);
    let server = server(&dir, Settings::default());
    assert_eq!(server.fetch("/page?t=page.html").text(), "first");
    dir.write("page.html", "second");
    assert_eq!(server.fetch("/page?t=page.html").text(), "first");
}

#[test]
fn without_the_cache_each_render_reads_the_file_again() {
    let dir = TemplateDir::new("cache-off", &[("page.html", "first")]);
    let server = server(
        &dir,
        Settings {
            compiled_template_cache: false,
            ..Settings::default()
        },
    );
    assert_eq!(server.fetch("/page?t=page.html").text(), "first");
    dir.write("page.html", "second");
    assert_eq!(server.fetch("/page?t=page.html").text(), "second");
}

#[test]
fn a_syntax_error_is_a_500_naming_the_template_and_line() {
    support::capture_logs();
    let dir = TemplateDir::new(
        "syntax",
        &[(
            "broken-syntax.html",
            "line one\nline two\n{% if %}oops{% endif %}\n",
        )],
    );
    let server = server(&dir, Settings::default());
    let response = server.fetch("/page?t=broken-syntax.html");
    assert_eq!(response.status, 500);
    // The client sees Tornado's plain error page; the log has the details.
    assert_eq!(
        response.text(),
        "<html><title>500: Internal Server Error</title><body>500: Internal Server Error</body></html>"
    );
    let line = support::wait_for_line("about broken-syntax.html", |l| {
        l.message
            .contains("Uncaught exception GET /page?t=broken-syntax.html")
    });
    assert_eq!(line.level, log::Level::Error);
    assert!(line.message.contains("broken-syntax.html:3"), "{line:?}");
    assert!(line.message.contains("syntax error"), "{line:?}");
}

#[test]
fn an_unknown_function_in_an_included_template_names_that_template() {
    support::capture_logs();
    let dir = TemplateDir::new(
        "unknown-fn",
        &[
            ("outer-fn.html", "{% include \"inner-fn.html\" %}"),
            ("inner-fn.html", "ok\n{{ no_such_function(1) }}"),
        ],
    );
    let server = server(&dir, Settings::default());
    assert_eq!(server.fetch("/page?t=outer-fn.html").status, 500);
    let line = support::wait_for_line("about inner-fn.html", |l| {
        l.message
            .contains("Uncaught exception GET /page?t=outer-fn.html")
    });
    assert!(line.message.contains("inner-fn.html:2"), "{line:?}");
    assert!(line.message.contains("no_such_function"), "{line:?}");
}

#[test]
fn printing_an_undefined_name_is_an_error_but_testing_it_is_not() {
    let dir = TemplateDir::new(
        "undefined",
        &[
            ("print-missing.html", "{{ missing }}"),
            (
                "test-missing.html",
                "{% if missing %}yes{% else %}no{% endif %}",
            ),
        ],
    );
    let server = server(&dir, Settings::default());
    assert_eq!(server.fetch("/page?t=print-missing.html").status, 500);
    assert_eq!(server.fetch("/page?t=test-missing.html").text(), "no");
}

#[test]
fn a_missing_template_or_template_path_is_a_500() {
    let dir = TemplateDir::new("missing", &[]);
    let server = server(&dir, Settings::default());
    assert_eq!(server.fetch("/page?t=nope.html").status, 500);
    // The loader refuses names outside the directory.
    assert_eq!(server.fetch("/page?t=../etc/passwd").status, 500);

    let app = Application::new(vec![url(r"/page", || Page)]);
    let server = TestServer::start(app);
    assert_eq!(server.fetch("/page?t=page.html").status, 500);
}

#[test]
fn render_string_returns_the_text() {
    let dir = TemplateDir::new("string", &[("row.html", "<td>{{ name }}</td>")]);
    let server = server(&dir, Settings::default());
    let response = server.fetch("/string");
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({ "row": "<td>Ada &amp; Bob</td>" }));
}

#[test]
fn templates_see_reverse_url_the_request_and_the_handler() {
    let dir = TemplateDir::new(
        "namespace",
        &[
            ("links.html", "{{ reverse_url(\"user\", 42, \"a b\") }}"),
            (
                "request.html",
                "{{ request.method }} {{ request.path }} {{ request.query }} {{ request.remote_ip }} {{ request.protocol }} {{ request.host_name }} {{ request.full_url[:17] }} {{ request.version }}",
            ),
            (
                "handler.html",
                "{{ handler.get_argument(\"t\") }}|{{ handler.get_argument(\"q\", \"fallback\") }}|{{ handler.get_arguments(\"x\")|join(\",\") }}|{{ handler.request.uri }}|{{ current_user is none }}",
            ),
            (
                "escapes.html",
                "{{ url_escape(\"a b/c&d\") }} {{ url_escape(\"a b/c\", false) }} {{ xhtml_escape(\"<i>\") }} {{ json_encode(items) }}",
            ),
            ("bad-reverse.html", "{{ reverse_url(\"nobody\") }}"),
        ],
    );
    let server = server(&dir, Settings::default());
    assert_eq!(server.fetch("/page?t=links.html").text(), "/user/42/a%20b");
    assert_eq!(
        server.fetch("/page?t=request.html&x=1").text(),
        "GET /page t=request.html&amp;x=1 127.0.0.1 http 127.0.0.1 http://127.0.0.1: HTTP/1.1"
    );
    assert_eq!(
        server.fetch("/page?t=handler.html&x=1&x=2").text(),
        "handler.html|fallback|1,2|/page?t=handler.html&amp;x=1&amp;x=2|True"
    );
    assert_eq!(
        server.fetch("/page?t=escapes.html").text(),
        "a+b%2Fc%26d a%20b/c &lt;i&gt; [&quot;a&amp;b&quot;, &quot;c&quot;]"
    );
    assert_eq!(server.fetch("/page?t=bad-reverse.html").status, 500);
}
