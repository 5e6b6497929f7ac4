//! Tornado's `tornado.websocket`: [`WebSocketHandler`] with Tornado's hooks, served at a
//! route by [`WebSocketRoute`], and the [`WebSocket`] it talks through.
//!
//! The handshake runs as a GET request through the usual lifecycle (`prepare`, cookies,
//! the current user), then the connection is upgraded on its shard and the session runs
//! in the same task: messages go to `on_message` one at a time (the next is read once it
//! returns), pings are answered, and the closing handshake, ping keep-alive
//! (`websocket_ping_interval`/`websocket_ping_timeout`), the message size limit
//! (`websocket_max_message_size`) and server shutdown (close 1001) are handled here. The
//! framing is `typhoon_websocket`'s (pure, sans-io), with permessage-deflate when
//! `get_compression_options` offers it.
//!
//! # Examples
//!
//! Tornado's echo handler:
//!
//! ```no_run
//! use typhoon_web::websocket::{WebSocket, WebSocketHandler, WebSocketRoute, WsMessage};
//! use typhoon_web::{url, Application, Handler, Result};
//!
//! struct EchoWebSocket;
//! impl WebSocketHandler for EchoWebSocket {
//!     async fn open(&mut self, _ws: &WebSocket, _h: &Handler) -> Result {
//!         log::info!("WebSocket opened");
//!         Ok(())
//!     }
//!     async fn on_message(&mut self, ws: &WebSocket, message: WsMessage) -> Result {
//!         if let WsMessage::Text(text) = message {
//!             let _ = ws.write_message(format!("You said: {text}")).await;
//!         }
//!         Ok(())
//!     }
//!     fn on_close(&mut self, _ws: &WebSocket) {
//!         log::info!("WebSocket closed");
//!     }
//! }
//!
//! let app = Application::new(vec![url(r"/websocket", || WebSocketRoute(EchoWebSocket))]);
//! ```

mod client;
mod session;
mod socket;

pub use client::{websocket_connect, WebSocketClient};
pub use socket::{WebSocket, WebSocketClosedError, WsMessage};
pub use typhoon_websocket::deflate::DeflateConfig;

use crate::error::Result;
use crate::handler::Handler;
use crate::lifecycle::RequestHandler;

/// A WebSocket handler, Tornado's `WebSocketHandler` subclass: implement the hooks you
/// need. A fresh value is made for each connection by the route's factory, on the shard.
// Like `RequestHandler`: shard-local futures, no `Send` bound.
#[allow(async_fn_in_trait)]
pub trait WebSocketHandler: 'static {
    /// Runs before the handshake, as a request handler's `prepare` (check a cookie or
    /// the current user here): an error or a finished response answers the request
    /// instead of upgrading it.
    async fn prepare(&mut self, _h: &mut Handler) -> Result {
        Ok(())
    }
    /// Whether to accept a handshake from a page at `origin` (the `Origin` header;
    /// Tornado's `check_origin`). The default accepts only the same host as the request's
    /// `Host`, as Tornado does; a refused origin gets 403.
    fn check_origin(&self, h: &Handler, origin: &str) -> bool {
        same_host(origin, h.host())
    }
    /// Picks one of the subprotocols the client offered (`Sec-WebSocket-Protocol`), or
    /// none (Tornado's `select_subprotocol`). One not offered is not sent.
    fn select_subprotocol(&mut self, _offered: &[String]) -> Option<String> {
        None
    }
    /// The permessage-deflate settings to negotiate, or `None` for no compression
    /// (Tornado's `get_compression_options`, `None` by default as there).
    fn get_compression_options(&self) -> Option<DeflateConfig> {
        None
    }
    /// The WebSocket is open (Tornado's `open`, with the path's captures in
    /// `h.path_args()`). An error closes it with 1011.
    async fn open(&mut self, _ws: &WebSocket, _h: &Handler) -> Result {
        Ok(())
    }
    /// A message arrived (Tornado's `on_message`); the next one is read once this
    /// returns. An error closes the WebSocket with 1011.
    async fn on_message(&mut self, ws: &WebSocket, message: WsMessage) -> Result;
    /// A ping arrived; the pong has been sent already (Tornado's `on_ping`).
    fn on_ping(&mut self, _ws: &WebSocket, _data: &[u8]) {}
    /// A pong arrived (Tornado's `on_pong`).
    fn on_pong(&mut self, _ws: &WebSocket, _data: &[u8]) {}
    /// The WebSocket has closed, either side having asked or the connection having gone
    /// (Tornado's `on_close`); `ws.close_code()` and `ws.close_reason()` tell what the
    /// client said. Called once.
    fn on_close(&mut self, _ws: &WebSocket) {}
}

/// Serves a [`WebSocketHandler`] at a route: `url(r"/ws", || WebSocketRoute(MySocket))`.
/// GET requests are upgraded (other verbs get 405, as in Tornado).
#[derive(Debug)]
pub struct WebSocketRoute<T>(pub T);

impl<T: WebSocketHandler> RequestHandler for WebSocketRoute<T> {
    async fn prepare(&mut self, h: &mut Handler) -> Result {
        self.0.prepare(h).await
    }

    async fn get(&mut self, h: &mut Handler) -> Result {
        session::open(&mut self.0, h).await
    }

    fn into_session(
        self,
        h: &mut Handler,
    ) -> Option<impl std::future::Future<Output = ()> + 'static> {
        let opened = h.take_session()?.downcast::<session::Opened>().ok()?;
        Some(opened.serve(self.0))
    }
}

/// Whether `origin` (`scheme://host[:port]`) names the host `host` (`host[:port]`), as
/// Tornado compares them: the host part, port included, case-insensitively.
fn same_host(origin: &str, host: &str) -> bool {
    let origin = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or("");
    origin.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::same_host;

    #[test]
    fn an_origin_matches_only_its_own_host_and_port() {
        assert!(same_host("http://example.com", "example.com"));
        assert!(same_host("https://Example.com:8888", "example.com:8888"));
        assert!(!same_host("http://example.com:8888", "example.com"));
        assert!(!same_host("http://evil.com", "example.com"));
        assert!(!same_host("http://example.com.evil.com", "example.com"));
    }
}
