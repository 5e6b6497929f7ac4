//! The incremental frame [`Decoder`]: bytes in, whole [`Message`]s out, every RFC 6455 rule checked.

use crate::deflate::Inflater;
use crate::error::DecodeError;
use crate::frame::{apply_mask, FrameHeader, Opcode, MAX_HEADER_LEN};
use crate::message::{CloseCode, Message};
use crate::Role;

/// Tornado's `websocket_max_message_size` default: 10 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;

/// The most payload buffer reserved ahead of the bytes that fill it.
const RESERVE_AHEAD: u64 = 64 * 1024;

/// The frame whose payload is being read.
#[derive(Debug, Clone, Copy)]
struct Frame {
    header: FrameHeader,
    read: u64,
}

/// The data message being assembled from fragments.
#[derive(Debug, Clone, Copy)]
struct Partial {
    text: bool,
    compressed: bool,
    wire_len: u64,
}

/// Turns a byte stream from the peer into [`Message`]s, whatever way the bytes are split.
///
/// The decoder copies what it needs (at most a 14-byte partial header, plus the payload of
/// the message in progress), so [`decode`](Self::decode) always consumes its input up to
/// the end of a message: callers feed whatever they read and drop the consumed bytes.
/// Control frames that arrive between the fragments of a data message are delivered at
/// once. Text is validated as UTF-8 as it arrives, so an invalid prefix fails at once.
/// A length field over the maximum message size fails before anything is buffered, and
/// a compressed message is never inflated past the limit.
///
/// After an error the connection must be failed with the error's close code; the
/// decoder must not be fed again.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{Decoder, Message, Role};
///
/// let mut dec = Decoder::new(Role::Client);
/// // RFC 6455 §5.7: "Hel" and "lo" in two fragments, fed in odd pieces.
/// let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
/// let (used, msg) = dec.decode(&wire[..4]).unwrap();
/// assert_eq!((used, msg), (4, None));
/// let (used, msg) = dec.decode(&wire[4..]).unwrap();
/// assert_eq!((used, msg), (5, Some(Message::Text("Hello".into()))));
/// ```
#[derive(Debug)]
pub struct Decoder {
    role: Role,
    max_message_size: usize,
    /// Boxed: most connections negotiate no compression, and a decoder lives as long
    /// as its connection (184 bytes inline against a pointer).
    inflater: Option<Box<Inflater>>,
    head: [u8; MAX_HEADER_LEN],
    head_len: usize,
    frame: Option<Frame>,
    message: Option<Partial>,
    data: Vec<u8>,
    /// How much of `data` is known to be valid UTF-8 (text messages).
    checked: usize,
    control: Vec<u8>,
    scratch: Vec<u8>,
}

impl Decoder {
    /// A decoder for the `role` this endpoint plays (a server decodes client frames).
    pub fn new(role: Role) -> Self {
        Self {
            role,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            inflater: None,
            head: [0; MAX_HEADER_LEN],
            head_len: 0,
            frame: None,
            message: None,
            data: Vec::new(),
            checked: 0,
            control: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Sets the largest message accepted, in bytes, both on the wire and once
    /// decompressed (default [`DEFAULT_MAX_MESSAGE_SIZE`]); larger ones fail with 1009.
    pub fn with_max_message_size(mut self, max: usize) -> Self {
        self.max_message_size = max;
        self
    }

    /// Accepts compressed messages (RSV1) and inflates them with `inflater`
    /// (permessage-deflate was negotiated).
    pub fn with_inflater(mut self, inflater: Option<Inflater>) -> Self {
        self.inflater = inflater.map(Box::new);
        self
    }

    /// The largest message accepted.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Decodes from `input` until one message is complete or the input runs out.
    ///
    /// Returns how many bytes were consumed and the message, if one completed; bytes
    /// after the message are left for the next call.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Message>), DecodeError> {
        let mut pos = 0;
        loop {
            if self.frame.is_none() && !self.read_header(input, &mut pos)? {
                return Ok((pos, None));
            }
            let Some(frame) = self.frame else {
                return Ok((pos, None));
            };
            let left = frame.header.len - frame.read;
            let take = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(input.len() - pos);
            if take > 0 {
                self.payload(frame, &input[pos..pos + take])?;
                pos += take;
            }
            if take as u64 == left {
                self.frame = None;
                if let Some(message) = self.end_frame(frame.header)? {
                    return Ok((pos, Some(message)));
                }
            } else {
                self.frame = Some(Frame {
                    read: frame.read + take as u64,
                    ..frame
                });
                return Ok((pos, None));
            }
        }
    }

    /// Like [`decode`](Self::decode), removing the consumed bytes from `buf`.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::{Decoder, Message, Role};
    ///
    /// let mut dec = Decoder::new(Role::Server);
    /// let mut buf = vec![0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
    /// assert_eq!(dec.decode_vec(&mut buf).unwrap(), Some(Message::Text("Hello".into())));
    /// assert!(buf.is_empty());
    /// ```
    pub fn decode_vec(&mut self, buf: &mut Vec<u8>) -> Result<Option<Message>, DecodeError> {
        let (used, message) = self.decode(buf)?;
        buf.drain(..used);
        Ok(message)
    }

    /// Gathers header bytes; `true` once a header is complete and validated.
    fn read_header(&mut self, input: &[u8], pos: &mut usize) -> Result<bool, DecodeError> {
        loop {
            let need = FrameHeader::needed_len(&self.head[..self.head_len]).unwrap_or(2);
            if self.head_len >= need {
                break;
            }
            let take = (need - self.head_len).min(input.len() - *pos);
            if take == 0 {
                return Ok(false);
            }
            self.head[self.head_len..self.head_len + take]
                .copy_from_slice(&input[*pos..*pos + take]);
            self.head_len += take;
            *pos += take;
        }
        let Some((header, _)) = FrameHeader::parse(&self.head[..self.head_len])? else {
            return Ok(false);
        };
        self.head_len = 0;
        self.start_frame(header)?;
        self.frame = Some(Frame { header, read: 0 });
        Ok(true)
    }

    fn start_frame(&mut self, h: FrameHeader) -> Result<(), DecodeError> {
        match (self.role, h.mask) {
            (Role::Server, None) => return Err(DecodeError::UnmaskedFrame),
            (Role::Client, Some(_)) => return Err(DecodeError::MaskedFrame),
            _ => {}
        }
        let max = self.max_message_size as u64;
        if h.opcode.is_control() {
            if !h.fin {
                return Err(DecodeError::FragmentedControl);
            }
            if h.len > 125 {
                return Err(DecodeError::ControlTooLong);
            }
            if h.rsv1 {
                return Err(DecodeError::ReservedBits);
            }
            self.control.clear();
        } else if h.opcode == Opcode::Continuation {
            let Some(partial) = &mut self.message else {
                return Err(DecodeError::UnexpectedContinuation);
            };
            if h.rsv1 {
                return Err(DecodeError::ReservedBits);
            }
            partial.wire_len += h.len;
            if partial.wire_len > max {
                return Err(DecodeError::MessageTooBig);
            }
            if !partial.compressed {
                self.data.reserve(h.len.min(RESERVE_AHEAD) as usize);
            }
        } else {
            if self.message.is_some() {
                return Err(DecodeError::ExpectedContinuation);
            }
            if h.rsv1 && self.inflater.is_none() {
                return Err(DecodeError::ReservedBits);
            }
            if h.len > max {
                return Err(DecodeError::MessageTooBig);
            }
            self.message = Some(Partial {
                text: h.opcode == Opcode::Text,
                compressed: h.rsv1,
                wire_len: h.len,
            });
            self.data = Vec::with_capacity(if h.rsv1 {
                0
            } else {
                h.len.min(RESERVE_AHEAD) as usize
            });
            self.checked = 0;
        }
        Ok(())
    }

    fn payload(&mut self, frame: Frame, chunk: &[u8]) -> Result<(), DecodeError> {
        let offset = frame.read as usize;
        if frame.header.opcode.is_control() {
            let start = self.control.len();
            self.control.extend_from_slice(chunk);
            if let Some(key) = frame.header.mask {
                apply_mask(&mut self.control[start..], key, offset);
            }
            return Ok(());
        }
        let Some(partial) = self.message else {
            return Err(DecodeError::UnexpectedContinuation);
        };
        if partial.compressed {
            self.scratch.clear();
            self.scratch.extend_from_slice(chunk);
            if let Some(key) = frame.header.mask {
                apply_mask(&mut self.scratch, key, offset);
            }
            let Some(inflater) = &mut self.inflater else {
                return Err(DecodeError::ReservedBits);
            };
            inflater.inflate(&self.scratch, &mut self.data, self.max_message_size)?;
        } else {
            let start = self.data.len();
            self.data.extend_from_slice(chunk);
            if let Some(key) = frame.header.mask {
                apply_mask(&mut self.data[start..], key, offset);
            }
        }
        if partial.text {
            self.check_utf8(false)?;
        }
        Ok(())
    }

    /// Validates the new tail of a text message; an incomplete final code point is
    /// allowed until the message ends.
    fn check_utf8(&mut self, last: bool) -> Result<(), DecodeError> {
        match std::str::from_utf8(&self.data[self.checked..]) {
            Ok(_) => self.checked = self.data.len(),
            Err(e) if e.error_len().is_none() && !last => self.checked += e.valid_up_to(),
            Err(_) => return Err(DecodeError::InvalidUtf8),
        }
        Ok(())
    }

    fn end_frame(&mut self, h: FrameHeader) -> Result<Option<Message>, DecodeError> {
        let message = match h.opcode {
            Opcode::Ping => Message::Ping(std::mem::take(&mut self.control)),
            Opcode::Pong => Message::Pong(std::mem::take(&mut self.control)),
            Opcode::Close => parse_close(&self.control)?,
            _ if !h.fin => return Ok(None),
            _ => {
                let Some(partial) = self.message.take() else {
                    return Err(DecodeError::UnexpectedContinuation);
                };
                if partial.compressed {
                    if let Some(inflater) = &mut self.inflater {
                        inflater.finish(&mut self.data, self.max_message_size)?;
                    }
                }
                let data = std::mem::take(&mut self.data);
                if partial.text {
                    self.checked = 0;
                    let text = String::from_utf8(data).map_err(|_| DecodeError::InvalidUtf8)?;
                    Message::Text(text)
                } else {
                    Message::Binary(data)
                }
            }
        };
        Ok(Some(message))
    }
}

/// Parses a close frame's payload (RFC 6455 §5.5.1, §7.4).
fn parse_close(payload: &[u8]) -> Result<Message, DecodeError> {
    match payload {
        [] => Ok(Message::Close(None)),
        [_] => Err(DecodeError::CloseTooShort),
        [a, b, reason @ ..] => {
            let code = u16::from_be_bytes([*a, *b]);
            if !CloseCode(code).is_sendable() {
                return Err(DecodeError::InvalidCloseCode(code));
            }
            let reason =
                std::str::from_utf8(reason).map_err(|_| DecodeError::InvalidCloseReason)?;
            Ok(Message::Close(Some((code, reason.to_string()))))
        }
    }
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
