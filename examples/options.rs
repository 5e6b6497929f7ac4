//! The Tornado tutorial's options program: `define`, `parse_command_line`, `options.port`.
//!
//! ```text
//! cargo run --example options -- --port=9000 --itcast=python,c++,java   # curl localhost:9000/
//! cargo run --example options -- --config=examples/options.toml
//! cargo run --example options -- --help
//! TYPHOON_PORT=9001 cargo run --example options
//! ```

use std::path::PathBuf;

use typhoon::ioloop::IoLoop;
use typhoon::options::{define, define_type, options, parse_command_line};
use typhoon::web::{url, Application, Handler, RequestHandler, Result};

/// Tornado: `class IndexHandler(tornado.web.RequestHandler)`.
struct IndexHandler;

impl RequestHandler for IndexHandler {
    async fn get(&mut self, h: &mut Handler) -> Result {
        h.write("good boy");
        Ok(())
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // tornado.options.define("port", default=8000, type=int, help="run server on the given port.")
    let port = define("port", 8000u16)
        .help("run server on the given port.")
        .register()?;
    // tornado.options.define("itcast", default=[], type=str, multiple=True, help="itcast subjects.")
    let itcast = define_type::<String>("itcast")
        .multiple()
        .help("itcast subjects.")
        .register()?;
    // Tornado's `--config=PATH` pattern: the file's values sit below the command line's.
    define_type::<PathBuf>("config")
        .help("path to a TOML config file.")
        .metavar("PATH")
        .callback(|path: &Option<PathBuf>| match path {
            Some(path) => options().parse_config_file(path, false),
            None => Ok(()),
        })
        .register()?;
    // Beyond Tornado: TYPHOON_PORT=9000 and the like, below the command line.
    options().set_env_prefix("TYPHOON_");

    // tornado.options.parse_command_line(): exits 0 after --help, 2 with one line on error.
    parse_command_line();
    // print(tornado.options.options.itcast)
    println!("{:?}", itcast.get());

    let app = Application::new(vec![url(r"/", || IndexHandler)]);
    app.listen(port.get())?;
    IoLoop::current().start()?;
    Ok(())
}
