//! [`WebSocket`]: an open WebSocket as its handler and other tasks on the shard see it —
//! send messages, ping, close, and what the close said.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use typhoon_server::locks::{Event, Lock};
use typhoon_server::UpgradedWriter;
use typhoon_websocket::{Encoder, Message};

/// A message the handler sends or receives: text or binary (control frames are the
/// session's business, with [`WebSocket::ping`] and [`WebSocket::close`]).
///
/// # Examples
///
/// ```
/// use typhoon_web::websocket::WsMessage;
///
/// assert_eq!(WsMessage::from("hi"), WsMessage::Text("hi".to_owned()));
/// assert_eq!(WsMessage::from(vec![1, 2]), WsMessage::Binary(vec![1, 2]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl From<&str> for WsMessage {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for WsMessage {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<u8>> for WsMessage {
    fn from(data: Vec<u8>) -> Self {
        Self::Binary(data)
    }
}

impl From<&[u8]> for WsMessage {
    fn from(data: &[u8]) -> Self {
        Self::Binary(data.to_vec())
    }
}

/// The WebSocket is closed (or closing): nothing more can be sent (Tornado's
/// `WebSocketClosedError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the WebSocket is closed")]
pub struct WebSocketClosedError;

/// An open WebSocket. Cheap to clone: clones share the connection, so a handler may hand
/// one to another task on its shard (a chat room's list of listeners) and send from there.
///
/// Sending waits while the client does not read, so a slow reader holds up its senders
/// instead of growing a queue: each waiting sender holds only its own message.
///
/// # Examples
///
/// ```
/// use typhoon_web::websocket::{WebSocket, WsMessage};
///
/// async fn greet(ws: &WebSocket) {
///     if ws.write_message("hello").await.is_err() {
///         log::info!("gone before the greeting");
///     }
/// }
/// ```
#[derive(Clone)]
pub struct WebSocket(Rc<Shared>);

struct Shared {
    /// One frame at a time: compression contexts need frames in the order compressed.
    sending: Lock,
    writer: RefCell<Option<UpgradedWriter>>,
    encoder: RefCell<Encoder>,
    /// A close frame has been sent (by either side's wish): nothing else may follow.
    close_sent: Cell<bool>,
    /// Set with `close_sent`, for the session to start its wait for the client's close.
    close_sent_event: Event,
    /// The client's close frame arrived, or the connection is gone.
    closed: Cell<bool>,
    close_code: Cell<Option<u16>>,
    close_reason: RefCell<Option<String>>,
    subprotocol: Option<String>,
}

/// Two handles are equal when they are the same WebSocket (clones of one another).
impl PartialEq for WebSocket {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for WebSocket {}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("close_sent", &self.0.close_sent.get())
            .field("closed", &self.0.closed.get())
            .field("close_code", &self.0.close_code.get())
            .finish()
    }
}

impl WebSocket {
    pub(crate) fn new(
        writer: UpgradedWriter,
        encoder: Encoder,
        subprotocol: Option<String>,
    ) -> Self {
        Self(Rc::new(Shared {
            sending: Lock::new(),
            writer: RefCell::new(Some(writer)),
            encoder: RefCell::new(encoder),
            close_sent: Cell::new(false),
            close_sent_event: Event::new(),
            closed: Cell::new(false),
            close_code: Cell::new(None),
            close_reason: RefCell::new(None),
            subprotocol,
        }))
    }

    /// Sends a text or binary message; resolves once the connection has taken it
    /// (Tornado's `write_message`, awaited).
    ///
    /// # Errors
    ///
    /// The WebSocket is closed or closing, or the client stopped reading for the
    /// server's write timeout.
    pub async fn write_message(
        &self,
        message: impl Into<WsMessage>,
    ) -> Result<(), WebSocketClosedError> {
        let message = match message.into() {
            WsMessage::Text(text) => Message::Text(text),
            WsMessage::Binary(data) => Message::Binary(data),
        };
        self.send(&message).await
    }

    /// Sends a ping with `data` (at most 125 bytes); the client answers with a pong,
    /// which reaches [`on_pong`](super::WebSocketHandler::on_pong).
    ///
    /// # Errors
    ///
    /// The WebSocket is closed, or `data` is over 125 bytes.
    pub async fn ping(&self, data: &[u8]) -> Result<(), WebSocketClosedError> {
        self.send(&Message::Ping(data.to_vec())).await
    }

    /// Starts the closing handshake with `code` (1000 when `None`) and `reason`
    /// (Tornado's `close`). The session ends once the client answers, or after a few
    /// seconds if it does not. Does nothing if a close was already sent.
    pub async fn close(&self, code: Option<u16>, reason: &str) {
        let code = code.unwrap_or(1000);
        let _ = self
            .send(&Message::Close(Some((code, reason.to_owned()))))
            .await;
    }

    /// The code of the client's close frame, once the WebSocket has closed (Tornado's
    /// `close_code`); `None` while open, or when the client closed without a code.
    pub fn close_code(&self) -> Option<u16> {
        self.0.close_code.get()
    }

    /// The reason of the client's close frame (Tornado's `close_reason`).
    pub fn close_reason(&self) -> Option<String> {
        self.0.close_reason.borrow().clone()
    }

    /// Whether the WebSocket is closed or closing: sends fail from now on.
    pub fn is_closing(&self) -> bool {
        self.0.close_sent.get() || self.0.closed.get()
    }

    /// The subprotocol chosen by `select_subprotocol`, if any.
    pub fn selected_subprotocol(&self) -> Option<&str> {
        self.0.subprotocol.as_deref()
    }

    /// Encodes and writes one message, in order with every other send.
    // The writer's borrow is held across the write under `sending`, which makes the
    // sends one at a time; nothing else borrows it.
    #[allow(clippy::await_holding_refcell_ref)]
    pub(crate) async fn send(&self, message: &Message) -> Result<(), WebSocketClosedError> {
        let _turn = self.0.sending.acquire().await;
        if self.0.close_sent.get() || (self.0.closed.get() && !matches!(message, Message::Close(_)))
        {
            return Err(WebSocketClosedError);
        }
        let mut frame = Vec::new();
        self.0
            .encoder
            .borrow_mut()
            .encode(message, &mut frame)
            .map_err(|_| WebSocketClosedError)?;
        if matches!(message, Message::Close(_)) {
            self.0.close_sent.set(true);
            self.0.close_sent_event.set();
        }
        let mut writer = self.0.writer.borrow_mut();
        let Some(writer) = writer.as_mut() else {
            return Err(WebSocketClosedError);
        };
        if writer.write_all(&frame).await.is_err() {
            self.0.closed.set(true);
            return Err(WebSocketClosedError);
        }
        Ok(())
    }

    /// Whether a close frame has gone out.
    pub(crate) fn close_sent(&self) -> bool {
        self.0.close_sent.get()
    }

    /// Resolves once a close frame has gone out.
    pub(crate) async fn until_close_sent(&self) {
        self.0.close_sent_event.wait().await;
    }

    /// The client's close frame arrived (or the connection is gone), with its code and
    /// reason.
    pub(crate) fn set_closed(&self, code: Option<u16>, reason: Option<String>) {
        self.0.closed.set(true);
        self.0.close_code.set(code);
        *self.0.close_reason.borrow_mut() = reason;
    }

    /// The session is over: drops the writing half (once no send holds it), so the
    /// connection closes when the reading half goes too.
    pub(crate) async fn release(&self) {
        let _turn = self.0.sending.acquire().await;
        self.0.closed.set(true);
        self.0.writer.borrow_mut().take();
    }

    /// Resolves when the server begins to stop.
    pub(crate) fn stopping(&self) -> Option<impl std::future::Future<Output = ()> + 'static> {
        self.0
            .writer
            .borrow()
            .as_ref()
            .map(UpgradedWriter::stopping)
    }
}
