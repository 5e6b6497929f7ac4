//! Rendering templates into the response: `render` and `render_string`, with Tornado's
//! template namespace (`request`, `handler`, `current_user`, the per-request functions).

use minijinja::value::merge_maps;
use minijinja::{context, Value};
use serde::Serialize;

use super::Handler;
use crate::error::{HttpError, Result};
use crate::template::scope::{lend_handler, with_handler};
use crate::template::TemplateError;

impl Handler {
    /// Renders template `name` from the `template_path` setting with `context`, writes it
    /// and finishes the response (Tornado's `render`): later writes are ignored and, from
    /// `prepare`, the verb is skipped. Templates use Jinja syntax (minijinja); see
    /// [`render_string`](Self::render_string) for what they can use.
    ///
    /// # Errors
    ///
    /// A 500 when the response is already finished, or as
    /// [`render_string`](Self::render_string).
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_web::{Handler, RequestHandler, Result};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Page<'a> { title: &'a str, items: Vec<&'a str> }
    ///
    /// struct Home;
    /// impl RequestHandler for Home {
    ///     async fn get(&mut self, h: &mut Handler) -> Result {
    ///         // templates/home.html: <h1>{{ title }}</h1>{% for i in items %}<p>{{ i }}</p>{% endfor %}
    ///         h.render("home.html", Page { title: "Hi", items: vec!["<b>escaped</b>"] })?;
    ///         // or: h.render("home.html", typhoon_web::context! { title => "Hi" })
    ///         Ok(())
    ///     }
    /// }
    /// ```
    pub fn render(&mut self, name: &str, context: impl Serialize) -> Result {
        if self.is_finished() {
            return Err(HttpError::new(500)
                .log(format!("Cannot render({name:?}) after finish()"))
                .into());
        }
        let page = self.render_string(name, context)?;
        self.write(page);
        self.finish_requested = true;
        Ok(())
    }

    /// Renders template `name` with `context` (any `Serialize` value, such as
    /// [`context!`](crate::context)`{..}`, `serde_json::json!({..})` or a struct) and returns the
    /// text (Tornado's `render_string`). Besides the context's names (which win over
    /// these), a template sees Tornado's namespace: `request` (`method`, `uri`, `path`,
    /// `query`, `version`, `host`, `host_name`, `remote_ip`, `protocol`, `full_url`),
    /// `handler` (`handler.request`, `handler.get_argument(name[, default])`,
    /// `handler.get_arguments(name)`), `current_user` (as far as the handler has asked
    /// for it: [`RequestHandler::current_user`](crate::RequestHandler::current_user)),
    /// and the functions `reverse_url`, `static_url(path)`, `xsrf_form_html()`,
    /// `xhtml_escape`, `url_escape` and `json_encode`. Output is escaped with
    /// `xhtml_escape` unless marked `|safe` (setting `autoescape`).
    ///
    /// Each shard keeps its compiled templates (setting `compiled_template_cache`).
    ///
    /// # Errors
    ///
    /// A [`TemplateError`] (a 500) naming the template and line: a missing template, a
    /// syntax error, an unknown function or name, a failing function; or no
    /// `template_path` setting.
    ///
    /// # Examples
    ///
    /// ```
    /// # use typhoon_web::{Handler, Result};
    /// fn example(h: &mut Handler) -> Result {
    ///     let row = h.render_string("row.html", typhoon_web::context! { name => "Ada" })?;
    ///     h.write(row);
    ///     Ok(())
    /// }
    /// ```
    pub fn render_string(&mut self, name: &str, context: impl Serialize) -> Result<String> {
        let env = self
            .app
            .templates
            .environment(&self.app.settings)
            .map_err(|e| e.in_template(name))?;
        // `merge_maps` looks names up from the last map to the first: the context last, so
        // that its names win over the namespace's.
        let context = merge_maps([self.request_globals(), Value::from_serialize(&context)]);
        let page = lend_handler(self, || env.get_template(name)?.render(context));
        page.map_err(|e| TemplateError::new(name, &e).into())
    }

    /// The names of Tornado's `get_template_namespace` that depend on the request, made
    /// for each render. Functions that need the handler itself call it through
    /// `with_handler` while the render runs.
    fn request_globals(&mut self) -> Value {
        let request = self.request_value();
        context! {
            request => request.clone(),
            handler => context! {
                request => request,
                get_argument => Value::from_function(get_argument),
                get_arguments => Value::from_function(get_arguments),
            },
            // As far as the handler has determined it (`RequestHandler::current_user`).
            current_user => self.current_user(),
            static_url => Value::from_function(static_url),
            xsrf_form_html => Value::from_function(xsrf_form_html),
        }
    }

    /// Tornado's `request` object, as far as templates read it.
    fn request_value(&self) -> Value {
        context! {
            method => self.request.method().as_str(),
            uri => self.uri(),
            path => self.request.path(),
            query => self.request.query(),
            version => self.request.version().as_str(),
            host => self.host(),
            host_name => self.host_name(),
            remote_ip => self.remote_ip().to_string(),
            protocol => self.protocol(),
            full_url => self.full_url(),
        }
    }
}

/// `handler.get_argument(name[, default])`: the last value of argument `name`, else
/// `default`, else an error (Tornado's `MissingArgumentError`).
fn get_argument(name: &str, default: Option<Value>) -> Result<Value, minijinja::Error> {
    match with_handler(|h| h.get_argument(name).ok())? {
        Some(value) => Ok(Value::from(value)),
        None => default.ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("missing argument {name}"),
            )
        }),
    }
}

/// `static_url(path)`: the URL of a static file, with its `?v=` version.
fn static_url(path: &str) -> Result<String, minijinja::Error> {
    with_handler(|h| h.static_url(path))
}

/// `xsrf_form_html()`: the hidden `_xsrf` input, marked safe (it is HTML).
fn xsrf_form_html() -> Result<Value, minijinja::Error> {
    with_handler(|h| Value::from_safe_string(h.xsrf_form_html()))
}

/// `handler.get_arguments(name)`: every value of argument `name`.
fn get_arguments(name: &str) -> Result<Vec<String>, minijinja::Error> {
    with_handler(|h| h.get_arguments(name))
}
