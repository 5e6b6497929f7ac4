//! Whole messages: [`Message`], [`CloseCode`], and the [`Encoder`] that frames them.

use crate::deflate::Deflater;
use crate::error::EncodeError;
use crate::frame::{FrameHeader, Opcode};
use crate::Role;

/// A complete WebSocket message, as the decoder delivers it and the encoder sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A ping; the peer answers with a pong carrying the same payload.
    Ping(Vec<u8>),
    /// A pong.
    Pong(Vec<u8>),
    /// A close frame: empty, or a code and a (possibly empty) UTF-8 reason.
    Close(Option<(u16, String)>),
}

/// A close status code (RFC 6455 §7.4).
///
/// # Examples
///
/// ```
/// use typhoon_websocket::CloseCode;
///
/// assert!(CloseCode::NORMAL.is_sendable());
/// assert!(CloseCode(4000).is_sendable());
/// assert!(!CloseCode::NO_STATUS.is_sendable());
/// assert!(!CloseCode(2000).is_sendable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: normal closure.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away.
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: no status code was present (never sent on the wire).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: closed abnormally, without a close frame (never sent on the wire).
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: data inconsistent with the message type (e.g. invalid UTF-8).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a policy violation.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: the client expected an extension the server did not negotiate.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: the server hit an unexpected condition.
    pub const INTERNAL_ERROR: Self = Self(1011);

    /// Whether this code may appear in a close frame: 1000–1003, 1007–1011 and
    /// 3000–4999.
    pub fn is_sendable(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1011 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        Self(code)
    }
}

/// Frames outgoing messages for one side of a connection.
///
/// A client-role encoder masks every frame with a fresh key from its own generator
/// (`fastrand`; seed it with [`Encoder::with_mask_seed`] for reproducible output). With
/// a [`Deflater`] attached, text and binary messages are compressed (RSV1 set on the
/// first frame). With a fragment size, data messages over that size go out as several
/// frames.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{Encoder, Message, Role};
///
/// let mut enc = Encoder::new(Role::Server);
/// let mut out = Vec::new();
/// enc.encode(&Message::Text("Hello".into()), &mut out).unwrap();
/// assert_eq!(out, [0x81, 0x05, b'H', b'e', b'l', b'l', b'o']);
///
/// out.clear();
/// let mut enc = Encoder::new(Role::Server).with_fragment_size(Some(3));
/// enc.encode(&Message::Text("Hello".into()), &mut out).unwrap();
/// assert_eq!(out, [0x01, 0x03, b'H', b'e', b'l', 0x80, 0x02, b'l', b'o']);
/// ```
#[derive(Debug)]
pub struct Encoder {
    role: Role,
    /// Boxed, as the decoder's inflater: usually absent, and the encoder lives as long
    /// as its connection.
    deflater: Option<Box<Deflater>>,
    fragment_size: Option<usize>,
    rng: fastrand::Rng,
    scratch: Vec<u8>,
}

impl Encoder {
    /// A new encoder for `role`, without compression or fragmentation.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            deflater: None,
            fragment_size: None,
            rng: fastrand::Rng::new(),
            scratch: Vec::new(),
        }
    }

    /// Compresses data messages with `deflater` (permessage-deflate was negotiated).
    pub fn with_deflater(mut self, deflater: Option<Deflater>) -> Self {
        self.deflater = deflater.map(Box::new);
        self
    }

    /// Splits data messages into frames of at most `size` payload bytes (`None`: one
    /// frame per message). A size of 0 is treated as 1.
    pub fn with_fragment_size(mut self, size: Option<usize>) -> Self {
        self.fragment_size = size.map(|s| s.max(1));
        self
    }

    /// Seeds the masking-key generator (client role), for reproducible output.
    pub fn with_mask_seed(mut self, seed: u64) -> Self {
        self.rng = fastrand::Rng::with_seed(seed);
        self
    }

    fn mask(&mut self) -> Option<[u8; 4]> {
        match self.role {
            Role::Client => Some(self.rng.u32(..).to_ne_bytes()),
            Role::Server => None,
        }
    }

    /// Appends `message`'s frames to `out`.
    ///
    /// Control payloads over 125 bytes and unsendable close codes are refused; a close
    /// reason is cut (at a character boundary) to fit 123 bytes.
    pub fn encode(&mut self, message: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match message {
            Message::Text(text) => self.encode_data(Opcode::Text, text.as_bytes(), out),
            Message::Binary(data) => self.encode_data(Opcode::Binary, data, out),
            Message::Ping(data) => self.encode_control(Opcode::Ping, data, out),
            Message::Pong(data) => self.encode_control(Opcode::Pong, data, out),
            Message::Close(None) => self.encode_control(Opcode::Close, &[], out),
            Message::Close(Some((code, reason))) => {
                if !CloseCode(*code).is_sendable() {
                    return Err(EncodeError::InvalidCloseCode(*code));
                }
                let mut cut = reason.len().min(123);
                while !reason.is_char_boundary(cut) {
                    cut -= 1;
                }
                let mut payload = Vec::with_capacity(2 + cut);
                payload.extend_from_slice(&code.to_be_bytes());
                payload.extend_from_slice(&reason.as_bytes()[..cut]);
                self.encode_control(Opcode::Close, &payload, out)
            }
        }
    }

    fn encode_control(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        if payload.len() > 125 {
            return Err(EncodeError::ControlTooLong);
        }
        let header = FrameHeader {
            fin: true,
            rsv1: false,
            opcode,
            mask: self.mask(),
            len: 0,
        };
        crate::frame::encode_frame(&header, payload, out);
        Ok(())
    }

    fn encode_data(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let compressed = if let Some(deflater) = &mut self.deflater {
            scratch.clear();
            if let Err(e) = deflater.compress(payload, &mut scratch) {
                self.scratch = scratch;
                return Err(e);
            }
            true
        } else {
            false
        };
        let body: &[u8] = if compressed { &scratch } else { payload };
        let size = self.fragment_size.unwrap_or(usize::MAX);
        let mut first = true;
        let mut rest = body;
        loop {
            let take = rest.len().min(size);
            let (piece, tail) = rest.split_at(take);
            let header = FrameHeader {
                fin: tail.is_empty(),
                rsv1: first && compressed,
                opcode: if first { opcode } else { Opcode::Continuation },
                mask: self.mask(),
                len: 0,
            };
            crate::frame::encode_frame(&header, piece, out);
            first = false;
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        self.scratch = scratch;
        Ok(())
    }
}
