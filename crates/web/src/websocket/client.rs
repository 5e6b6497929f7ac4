//! [`websocket_connect`]: an async WebSocket client for code running on a shard
//! (Tornado's `websocket_connect`), on the same codec as the server side.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use typhoon_server::IoLoop;
use typhoon_websocket::deflate::DeflateConfig;
use typhoon_websocket::{
    check_response, client_key, client_request, parse_response_head, Decoder, Encoder, Message,
};

use super::WsMessage;

/// The largest response head accepted from a server.
const MAX_HEAD: usize = 16 * 1024;

/// Opens a WebSocket to `url` (`ws://host[:port]/path`; `wss` is not supported), offering
/// permessage-deflate with `compression` when given (Tornado's `compression_options`).
/// A host name is resolved on the shard's blocking pool, so the shard never waits for DNS.
///
/// # Errors
///
/// A URL this client cannot use, a failed connection, or a refused handshake (the error
/// says which, with the server's status line).
///
/// # Examples
///
/// ```no_run
/// use typhoon_web::websocket::{websocket_connect, WsMessage};
///
/// # async fn on_a_shard() -> std::io::Result<()> {
/// let mut ws = websocket_connect("ws://127.0.0.1:8888/websocket", None).await?;
/// ws.write_message("hello").await?;
/// if let Some(WsMessage::Text(reply)) = ws.read_message().await {
///     println!("{reply}");
/// }
/// ws.close(None, "").await;
/// # Ok(()) }
/// ```
pub async fn websocket_connect(
    url: &str,
    compression: Option<DeflateConfig>,
) -> io::Result<WebSocketClient> {
    let (authority, path) = split_url(url)?;
    let addr = resolve(authority).await?;
    let mut stream = TcpStream::connect(addr)
        .await
        .map_err(|e| io::Error::other(format!("cannot connect to {addr}: {e}")))?;
    stream.set_nodelay(true).ok();
    let key = client_key(fastrand::u128(..).to_le_bytes());
    let request = client_request(authority, path, &key, &[], compression.as_ref());
    stream.write_all(request.as_bytes()).await?;
    let (head, rest) = read_head(&mut stream).await?;
    let (status, fields) = parse_response_head(&head)
        .ok_or_else(|| io::Error::other(format!("not an HTTP response: {head:?}")))?;
    let status_line = head.lines().next().unwrap_or("");
    let (encoder, decoder) = check_response(status, fields, &key)
        .and_then(|accepted| accepted.client_codec(compression.as_ref()))
        .map_err(|e| io::Error::other(format!("handshake refused ({status_line}): {e}")))?;
    Ok(WebSocketClient {
        stream,
        encoder,
        decoder,
        buf: rest,
        close_code: None,
        close_sent: false,
        closed: false,
    })
}

/// An open client WebSocket (see [`websocket_connect`]): one task reads and writes it.
pub struct WebSocketClient {
    stream: TcpStream,
    encoder: Encoder,
    decoder: Decoder,
    /// Received bytes not decoded yet.
    buf: Vec<u8>,
    close_code: Option<u16>,
    /// A close frame went out: nothing else may.
    close_sent: bool,
    /// The server's close arrived, or the connection failed.
    closed: bool,
}

impl std::fmt::Debug for WebSocketClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketClient")
            .field("closed", &self.closed)
            .field("close_code", &self.close_code)
            .finish()
    }
}

impl WebSocketClient {
    /// Sends a text or binary message.
    ///
    /// # Errors
    ///
    /// The connection failed or is closed.
    pub async fn write_message(&mut self, message: impl Into<WsMessage>) -> io::Result<()> {
        let message = match message.into() {
            WsMessage::Text(text) => Message::Text(text),
            WsMessage::Binary(data) => Message::Binary(data),
        };
        self.send(&message).await
    }

    /// The next text or binary message; pings are answered on the way. `None` once the
    /// WebSocket has closed (see [`close_code`](Self::close_code)) or failed.
    pub async fn read_message(&mut self) -> Option<WsMessage> {
        loop {
            match self.decoder.decode(&self.buf) {
                Ok((used, message)) => {
                    self.buf.drain(..used);
                    match message {
                        Some(Message::Text(text)) => return Some(WsMessage::Text(text)),
                        Some(Message::Binary(data)) => return Some(WsMessage::Binary(data)),
                        Some(Message::Ping(data)) => {
                            self.send(&Message::Pong(data)).await.ok()?;
                            continue;
                        }
                        Some(Message::Pong(_)) => continue,
                        Some(Message::Close(payload)) => {
                            self.close_code = payload.as_ref().map(|(code, _)| *code);
                            self.closed = true;
                            if !self.close_sent {
                                let echo = self.close_code.map(|c| (c, String::new()));
                                let _ = self.send(&Message::Close(echo)).await;
                            }
                            return None;
                        }
                        None => {}
                    }
                }
                Err(err) => {
                    let code = err.close_code().0;
                    let _ = self
                        .send(&Message::Close(Some((code, String::new()))))
                        .await;
                    self.closed = true;
                    return None;
                }
            }
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk).await {
                Ok(0) | Err(_) => {
                    self.closed = true;
                    return None;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Sends a close frame (`code` 1000 when `None`) and waits for the server's, then
    /// closes the connection.
    pub async fn close(&mut self, code: Option<u16>, reason: &str) {
        if !self.closed && !self.close_sent {
            let close = Message::Close(Some((code.unwrap_or(1000), reason.to_owned())));
            if self.send(&close).await.is_ok() {
                // Until the server's close (or the end); messages still in flight after
                // a close are dropped, as they may be.
                while self.read_message().await.is_some() {}
            }
        }
        self.closed = true;
        let _ = self.stream.close().await;
    }

    /// The code of the server's close frame, once it has closed.
    pub fn close_code(&self) -> Option<u16> {
        self.close_code
    }

    async fn send(&mut self, message: &Message) -> io::Result<()> {
        let closing = matches!(message, Message::Close(_));
        if self.close_sent || (self.closed && !closing) {
            return Err(io::ErrorKind::NotConnected.into());
        }
        let mut frame = Vec::new();
        self.encoder
            .encode(message, &mut frame)
            .map_err(io::Error::other)?;
        self.close_sent |= closing;
        self.stream.write_all(&frame).await
    }
}

/// `ws://host[:port]/path` → (`host:port`, `/path`).
fn split_url(url: &str) -> io::Result<(&str, &str)> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| io::Error::other(format!("only ws:// URLs are supported: {url}")))?;
    Ok(match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    })
}

/// Resolves `host[:port]` (port 80 when absent) on the blocking pool.
async fn resolve(authority: &str) -> io::Result<SocketAddr> {
    let target = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    if let Ok(addr) = target.parse() {
        return Ok(addr);
    }
    IoLoop::current()
        .run_in_executor(move || target.to_socket_addrs().map(|mut a| a.next()))
        .await
        .map_err(io::Error::other)??
        .ok_or_else(|| io::Error::other("the host name resolves to no address"))
}

/// Reads a response head; returns it and the bytes that came after it.
async fn read_head(stream: &mut TcpStream) -> io::Result<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            let head = String::from_utf8(buf).map_err(io::Error::other)?;
            return Ok((head, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::other("response head too large"));
        }
        match stream.read(&mut chunk).await? {
            0 => return Err(io::Error::other("the server closed during the handshake")),
            n => buf.extend_from_slice(&chunk[..n]),
        }
    }
}
