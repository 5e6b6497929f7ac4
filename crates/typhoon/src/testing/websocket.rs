//! [`WebSocketTestClient`]: a blocking WebSocket client for tests, on the same codec as the
//! server (`typhoon_websocket`), speaking to any address.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use typhoon_websocket::deflate::DeflateConfig;
use typhoon_websocket::{
    check_response, client_key, client_request, parse_response_head, Decoder, Encoder, Message,
};

/// A blocking WebSocket client: the handshake, then whole messages through the codec. For
/// tests: every failure to talk is a `None` or an `Err`, never a hang (reads time out
/// after 10 s).
///
/// # Examples
///
/// ```no_run
/// use typhoon::testing::WebSocketTestClient;
/// use typhoon_websocket::Message;
///
/// let addr = "127.0.0.1:8888".parse().unwrap();
/// let mut ws = WebSocketTestClient::connect(addr, "/websocket", &[]).unwrap();
/// ws.send(&Message::Text("hi".into()));
/// println!("{:?}", ws.recv());
/// ```
#[derive(Debug)]
pub struct WebSocketTestClient {
    stream: TcpStream,
    encoder: Encoder,
    decoder: Decoder,
    buf: Vec<u8>,
    /// The server's 101 response head, as received.
    pub response_head: String,
}

impl WebSocketTestClient {
    /// Connects to `addr` and asks to upgrade `path`, with `headers` added to the
    /// handshake (an `Origin`, `Sec-WebSocket-Protocol`, …).
    ///
    /// # Errors
    ///
    /// The response head, when the server does not answer 101 (or the connection
    /// failed: then a description).
    pub fn connect(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Result<Self, String> {
        Self::handshake(addr, path, headers, false)
    }

    /// As [`connect`](Self::connect), offering permessage-deflate; compresses when the
    /// server accepts.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub fn connect_compressed(addr: SocketAddr, path: &str) -> Result<Self, String> {
        Self::handshake(addr, path, &[], true)
    }

    fn handshake(
        addr: SocketAddr,
        path: &str,
        headers: &[(&str, &str)],
        compress: bool,
    ) -> Result<Self, String> {
        let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let key = client_key(fastrand::u128(..).to_le_bytes());
        let compression = compress.then(DeflateConfig::default);
        let request = client_request(&addr.to_string(), path, &key, headers, compression.as_ref());
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let head = read_head(&mut stream)?;
        let (status, fields) = parse_response_head(&head).ok_or_else(|| head.clone())?;
        if status != 101 {
            return Err(head);
        }
        let (encoder, decoder) = check_response(status, fields, &key)
            .and_then(|accepted| accepted.client_codec(compression.as_ref()))
            .map_err(|e| format!("{e:?}: {head}"))?;
        Ok(Self {
            stream,
            encoder,
            decoder,
            buf: Vec::new(),
            response_head: head,
        })
    }

    /// Sends one message (masked, compressed if negotiated).
    ///
    /// # Panics
    ///
    /// If the message cannot be framed (a control payload over 125 bytes) or the
    /// connection is gone: a test cannot go on.
    pub fn send(&mut self, message: &Message) {
        let mut frame = Vec::new();
        self.encoder
            .encode(message, &mut frame)
            .unwrap_or_else(|e| panic!("cannot frame {message:?}: {e}"));
        self.send_raw(&frame);
    }

    /// Sends `bytes` as they are: frames a test builds by hand.
    ///
    /// # Panics
    ///
    /// If the connection is gone.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("cannot send: {e}"));
    }

    /// The next message, or `None` when the server closed the connection (or sent bytes
    /// the codec refuses, or nothing for 10 s).
    pub fn recv(&mut self) -> Option<Message> {
        loop {
            if let Some(message) = self.decoder.decode_vec(&mut self.buf).ok()? {
                return Some(message);
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads to the end of the connection: `true` when it ended cleanly with nothing
    /// more sent.
    pub fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        self.stream.read_to_end(&mut rest).is_ok() && rest.is_empty()
    }
}

/// Reads a response head, byte by byte so nothing after it is taken.
fn read_head(stream: &mut TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return Err(format!("connection ended in the head: {head:?}")),
        }
    }
    String::from_utf8(head).map_err(|e| e.to_string())
}
