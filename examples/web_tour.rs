//! A tour of `typhoon::web`: arguments, path groups, forms and uploads, cookies (plain and
//! signed), redirects, error pages, streaming, `reverse_url`, and the TechEmpower JSON test.
//!
//! ```text
//! cargo run --release --example web_tour              # port 8888
//! curl 'localhost:8888/hello?name=Ada'                 # Hello, Ada
//! curl localhost:8888/user/42                          # {"id": 42}
//! curl -F a=1 -F b=2 -F f=@README.md localhost:8888/form
//! ```

use clap::Parser;
use serde_json::{json, Map, Value};
use typhoon::ioloop::IoLoop;
use typhoon::web::cookies::CookieOptions;
use typhoon::web::{url, Application, Handler, HttpError, RequestHandler, Result, Settings};

/// Serves the tour's routes.
#[derive(Parser)]
struct Args {
    /// Port to listen on (every interface, IPv4 and IPv6).
    #[arg(long, default_value_t = 8888)]
    port: u16,
    /// Key for signed cookies; a real deployment reads it from its configuration.
    #[arg(long, default_value = "web-tour-demo-secret-change-me")]
    cookie_secret: String,
}

const TEXT: &str = "text/plain; charset=UTF-8";

/// `GET /hello?name=X` → `Hello, X`.
struct HelloHandler;
impl RequestHandler for HelloHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let name = h.get_argument_or("name", "world");
        h.set_header("Content-Type", TEXT)?;
        h.write(format!("Hello, {name}"));
        Ok(())
    }
}

/// `GET /user/(\d+)` → `{"id": N}` (a positional group).
struct UserHandler;
impl RequestHandler for UserHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let id: u64 = h.path_args()[0].parse().map_err(|_| HttpError::new(404))?;
        h.write_json(&json!({ "id": id }))?;
        Ok(())
    }
}

/// `GET /post/(?P<slug>…)` → the slug (a named group).
struct PostHandler;
impl RequestHandler for PostHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let slug = h.path_kwarg("slug").unwrap_or_default().to_owned();
        h.set_header("Content-Type", TEXT)?;
        h.write(slug);
        Ok(())
    }
}

/// `POST /form` (urlencoded or multipart: `a`, `b`, optional file `f`).
struct FormHandler;
impl RequestHandler for FormHandler {
    async fn post(&mut self, h: &mut Handler) -> Result {
        let a = h.get_argument("a")?;
        let b = h.get_argument("b")?;
        let mut files = Map::new();
        if let Some(f) = h.files("f").first() {
            files.insert(
                "f".into(),
                json!({ "filename": f.filename, "size": f.body.len() }),
            );
        }
        h.write_json(&json!({ "a": a, "b": b, "files": Value::Object(files) }))?;
        Ok(())
    }
}

/// `GET /cookie/set?user=X` → cookie `plain=X` and signed cookie `user=X`.
struct CookieSetHandler;
impl RequestHandler for CookieSetHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let user = h.get_argument("user")?;
        h.set_cookie("plain", &user, &CookieOptions::default())?;
        h.set_signed_cookie("user", &user, &CookieOptions::default())?;
        h.set_header("Content-Type", TEXT)?;
        h.write("cookies set");
        Ok(())
    }
}

/// `GET /cookie/get` → `{"plain": …, "user": …}`; `user` is null unless its signature holds.
struct CookieGetHandler;
impl RequestHandler for CookieGetHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let plain = h.get_cookie("plain");
        let user = h.get_signed_cookie("user")?;
        h.write_json(&json!({ "plain": plain, "user": user }))?;
        Ok(())
    }
}

/// `GET /redirect` → 302 to `/hello`.
struct RedirectHandler;
impl RequestHandler for RedirectHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.redirect("/hello")?;
        Ok(())
    }
}

/// `GET /error/(\d+)` → `send_error(N)`: Tornado's error page.
struct ErrorHandler;
impl RequestHandler for ErrorHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let status = h.path_args()[0]
            .parse()
            .ok()
            .filter(|s| (400..600).contains(s))
            .unwrap_or(500);
        self.send_error(h, status);
        Ok(())
    }
}

/// `GET /stream` → three chunks, flushed one by one (chunked encoding).
struct StreamHandler;
impl RequestHandler for StreamHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.set_header("Content-Type", TEXT)?;
        for part in ["chunk 1\n", "chunk 2\n", "chunk 3\n"] {
            h.write(part);
            h.flush().await?;
        }
        Ok(())
    }
}

/// `GET /reverse` → `reverse_url("user", 42)`.
struct ReverseHandler;
impl RequestHandler for ReverseHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        let path = h.reverse_url("user", &["42"])?;
        h.set_header("Content-Type", TEXT)?;
        h.write(path);
        Ok(())
    }
}

/// `GET /json` → `{"message": "Hello, World!"}` (the TechEmpower JSON test).
struct JsonHandler;
impl RequestHandler for JsonHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write_json(&json!({ "message": "Hello, World!" }))?;
        Ok(())
    }
}

/// The tour's route table.
fn app(cookie_secret: &str) -> Application {
    Application::new(vec![
        url(r"/hello", || HelloHandler),
        url(r"/user/(\d+)", || UserHandler).name("user"),
        url(r"/post/(?P<slug>[a-z0-9-]+)", || PostHandler),
        url(r"/form", || FormHandler),
        url(r"/cookie/set", || CookieSetHandler),
        url(r"/cookie/get", || CookieGetHandler),
        url(r"/redirect", || RedirectHandler),
        url(r"/error/(\d+)", || ErrorHandler),
        url(r"/stream", || StreamHandler),
        url(r"/reverse", || ReverseHandler),
        url(r"/json", || JsonHandler),
    ])
    .with_settings(Settings::default().cookie_secret(cookie_secret))
}

fn main() -> typhoon::Result<()> {
    let args = Args::parse();
    typhoon::log::enable_pretty_logging();
    app(&args.cookie_secret).listen(args.port)?;
    IoLoop::current().start()
}
