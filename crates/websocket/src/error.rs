//! [`DecodeError`]: why an incoming frame fails the connection, with the close code to send.

use crate::message::CloseCode;

/// A protocol violation found while decoding; the connection must be failed.
///
/// Each variant maps to the close code the endpoint sends before closing
/// ([`DecodeError::close_code`]): 1002 for framing errors, 1007 for bad payload data,
/// 1009 for a message over the size limit. After an error the decoder's state is
/// unspecified and it must not be fed again.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{CloseCode, DecodeError};
///
/// assert_eq!(DecodeError::MessageTooBig.close_code(), CloseCode::MESSAGE_TOO_BIG);
/// assert_eq!(DecodeError::InvalidUtf8.close_code().0, 1007);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The opcode is one of the reserved values 3–7 or 0xB–0xF.
    #[error("reserved opcode {0:#x}")]
    ReservedOpcode(u8),
    /// RSV1, RSV2 or RSV3 is set where no negotiated extension allows it.
    #[error("reserved bits set without a negotiated extension")]
    ReservedBits,
    /// A client sent an unmasked frame (server role).
    #[error("client frame is not masked")]
    UnmaskedFrame,
    /// A server sent a masked frame (client role).
    #[error("server frame is masked")]
    MaskedFrame,
    /// A control frame without FIN.
    #[error("fragmented control frame")]
    FragmentedControl,
    /// A control frame with a payload over 125 bytes.
    #[error("control frame payload over 125 bytes")]
    ControlTooLong,
    /// A continuation frame with no fragmented message in progress.
    #[error("continuation frame without a message to continue")]
    UnexpectedContinuation,
    /// A text or binary frame while a fragmented message is still in progress.
    #[error("new data frame inside a fragmented message")]
    ExpectedContinuation,
    /// A 64-bit payload length with its most significant bit set.
    #[error("64-bit payload length with the top bit set")]
    LengthOverflow,
    /// The message (or its decompressed form) exceeds the maximum message size.
    #[error("message exceeds the maximum message size")]
    MessageTooBig,
    /// A text message (or close reason) that is not valid UTF-8.
    #[error("invalid UTF-8 in a text message")]
    InvalidUtf8,
    /// A close frame with a one-byte payload.
    #[error("close frame payload of one byte")]
    CloseTooShort,
    /// A close frame carrying a code that must not appear on the wire.
    #[error("invalid close code {0}")]
    InvalidCloseCode(u16),
    /// A close frame whose reason is not valid UTF-8.
    #[error("close reason is not valid UTF-8")]
    InvalidCloseReason,
    /// A compressed message that does not inflate.
    #[error("compressed message does not inflate")]
    Inflate,
}

impl DecodeError {
    /// The close code to send when failing the connection for this error.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Self::MessageTooBig => CloseCode::MESSAGE_TOO_BIG,
            Self::InvalidUtf8 | Self::InvalidCloseReason | Self::Inflate => {
                CloseCode::INVALID_PAYLOAD
            }
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// Why a message could not be encoded.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{Encoder, EncodeError, Message, Role};
///
/// let mut enc = Encoder::new(Role::Server);
/// let mut out = Vec::new();
/// let err = enc.encode(&Message::Ping(vec![0; 126]), &mut out).unwrap_err();
/// assert_eq!(err, EncodeError::ControlTooLong);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A ping, pong or close payload over 125 bytes.
    #[error("control frame payload over 125 bytes")]
    ControlTooLong,
    /// A close code that must not be sent (1005, 1006, 1015, out of range…).
    #[error("close code {0} may not be sent")]
    InvalidCloseCode(u16),
    /// The compressor failed (an internal zlib error).
    #[error("compression failed")]
    Compress,
}
