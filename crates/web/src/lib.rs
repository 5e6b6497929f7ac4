//! Typhoon's `tornado.web`: an [`Application`] route table and [`RequestHandler`]s.
//!
//! ```no_run
//! use typhoon_web::{url, Application, Handler, RequestHandler, Result};
//!
//! struct IndexHandler;
//! impl RequestHandler for IndexHandler {
//!     async fn get(&mut self, h: &mut Handler) -> Result {
//!         h.write("good boy");
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> typhoon_server::Result<()> {
//!     let app = Application::new(vec![url(r"/", || IndexHandler)]);
//!     app.listen(8888)?;
//!     typhoon_server::IoLoop::current().start()
//! }
//! ```
//!
//! # Layout
//! - `application`: [`Application`], routing a request to its handler.
//! - `route`: [`url`] and [`Route`].
//! - `handler`: [`RequestHandler`] and [`Handler`].
//! - `error`: [`HttpError`] and Tornado's error page.

mod application;
mod error;
mod handler;
mod route;

pub use application::Application;
pub use error::{HttpError, Result};
pub use handler::{Handler, RequestHandler};
pub use route::{url, Route};
