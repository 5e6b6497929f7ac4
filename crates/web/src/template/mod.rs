//! Templates: each shard's minijinja environment, loaded from `template_path` on first use.

mod error;
mod globals;
pub(crate) mod scope;

use std::cell::RefCell;
use std::rc::Rc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

pub use error::TemplateError;

use crate::Settings;

/// One shard's template environment: made on the first render and kept, with the
/// templates it compiled, while `compiled_template_cache` is on; made afresh for every
/// render when it is off, so each render reads the files again.
#[derive(Default)]
pub(crate) struct Templates {
    cached: RefCell<Option<Rc<Environment<'static>>>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("loaded", &self.cached.borrow().is_some())
            .finish()
    }
}

impl Templates {
    /// The environment to render with.
    ///
    /// # Errors
    ///
    /// No `template_path` setting.
    pub fn environment(
        &self,
        settings: &Settings,
    ) -> Result<Rc<Environment<'static>>, TemplateError> {
        // Tornado's `debug` turns the template cache off too.
        if !settings.compiled_template_cache || settings.debug {
            return Ok(Rc::new(environment(settings)?));
        }
        if let Some(env) = &*self.cached.borrow() {
            return Ok(env.clone());
        }
        let env = Rc::new(environment(settings)?);
        *self.cached.borrow_mut() = Some(env.clone());
        Ok(env)
    }
}

/// A new environment for `settings`: templates from `template_path`, Tornado's escaping,
/// its global functions, and undefined names as errors when printed.
fn environment(settings: &Settings) -> Result<Environment<'static>, TemplateError> {
    let Some(dir) = &settings.template_path else {
        return Err(TemplateError::no_template_path());
    };
    let mut env = Environment::new();
    // Refuses names that leave the directory (`..`, absolute paths).
    env.set_loader(minijinja::path_loader(dir));
    // Tornado raises NameError for an unknown name; Jinja prints nothing. Printing or
    // iterating an undefined value is an error here, as in Tornado, while a test such as
    // `{% if message %}` on a missing one is false, as Jinja users expect.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    let escape = if settings.autoescape {
        AutoEscape::Html
    } else {
        AutoEscape::None
    };
    env.set_auto_escape_callback(move |_name| escape);
    env.set_formatter(globals::format_value);
    globals::add_static(&mut env);
    Ok(env)
}
