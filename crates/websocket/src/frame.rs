//! Frame headers (RFC 6455 §5.2): [`Opcode`], [`FrameHeader`], [`encode_frame`], [`apply_mask`].

use crate::error::DecodeError;

/// A frame's opcode. Reserved opcodes are refused when parsing (close code 1002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// 0x0: continues a fragmented message.
    Continuation,
    /// 0x1: the first frame of a text message.
    Text,
    /// 0x2: the first frame of a binary message.
    Binary,
    /// 0x8: close.
    Close,
    /// 0x9: ping.
    Ping,
    /// 0xA: pong.
    Pong,
}

impl Opcode {
    /// Parses the low four bits of the first header byte.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::{DecodeError, Opcode};
    ///
    /// assert_eq!(Opcode::from_u8(0x9), Ok(Opcode::Ping));
    /// assert_eq!(Opcode::from_u8(0x3), Err(DecodeError::ReservedOpcode(3)));
    /// ```
    pub fn from_u8(value: u8) -> Result<Self, DecodeError> {
        Ok(match value {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            other => return Err(DecodeError::ReservedOpcode(other)),
        })
    }

    /// The opcode's wire value.
    pub fn as_u8(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Whether this is a control opcode (close, ping, pong).
    pub fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// A decoded or to-be-encoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The final fragment of a message.
    pub fin: bool,
    /// RSV1: with permessage-deflate, marks the first frame of a compressed message.
    pub rsv1: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key: present on client-to-server frames only.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub len: u64,
}

/// The longest possible header: 2 bytes, an 8-byte length and a 4-byte mask.
pub const MAX_HEADER_LEN: usize = 14;

impl FrameHeader {
    /// How many header bytes a frame needs, judged from its first two bytes.
    ///
    /// Returns `None` when fewer than two bytes are given.
    pub fn needed_len(buf: &[u8]) -> Option<usize> {
        let second = *buf.get(1)?;
        let ext = match second & 0x7F {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if second & 0x80 != 0 { 4 } else { 0 };
        Some(2 + ext + mask)
    }

    /// Parses a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` does not yet hold the whole header, otherwise the
    /// header and its length in bytes. RSV2/RSV3, reserved opcodes and a 64-bit length
    /// with its top bit set are refused here; the other rules (masking, RSV1, control
    /// frame limits) depend on the connection and are the decoder's.
    ///
    /// # Examples
    ///
    /// ```
    /// use typhoon_websocket::{FrameHeader, Opcode};
    ///
    /// // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    /// let (h, n) = FrameHeader::parse(&[0x81, 0x05, 0x48]).unwrap().unwrap();
    /// assert_eq!((h.fin, h.opcode, h.mask, h.len, n), (true, Opcode::Text, None, 5, 2));
    /// assert_eq!(FrameHeader::parse(&[0x81]), Ok(None));
    /// ```
    pub fn parse(buf: &[u8]) -> Result<Option<(Self, usize)>, DecodeError> {
        let Some(needed) = Self::needed_len(buf) else {
            return Ok(None);
        };
        if buf.len() < needed {
            return Ok(None);
        }
        let (first, second) = (buf[0], buf[1]);
        if first & 0x30 != 0 {
            return Err(DecodeError::ReservedBits);
        }
        let opcode = Opcode::from_u8(first & 0x0F)?;
        let mut pos = 2;
        let len = match second & 0x7F {
            126 => {
                pos += 2;
                u64::from(u16::from_be_bytes([buf[2], buf[3]]))
            }
            127 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&buf[2..10]);
                pos += 8;
                let len = u64::from_be_bytes(b);
                if len >> 63 != 0 {
                    return Err(DecodeError::LengthOverflow);
                }
                len
            }
            n => u64::from(n),
        };
        let mask = if second & 0x80 != 0 {
            let mut key = [0u8; 4];
            key.copy_from_slice(&buf[pos..pos + 4]);
            pos += 4;
            Some(key)
        } else {
            None
        };
        let header = Self {
            fin: first & 0x80 != 0,
            rsv1: first & 0x40 != 0,
            opcode,
            mask,
            len,
        };
        Ok(Some((header, pos)))
    }

    /// Writes this header (without payload) to `out`, using the shortest length form.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut first = self.opcode.as_u8();
        if self.fin {
            first |= 0x80;
        }
        if self.rsv1 {
            first |= 0x40;
        }
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(first);
        if self.len < 126 {
            out.push(mask_bit | self.len as u8);
        } else if let Ok(len) = u16::try_from(self.len) {
            out.push(mask_bit | 126);
            out.extend_from_slice(&len.to_be_bytes());
        } else {
            out.push(mask_bit | 127);
            out.extend_from_slice(&self.len.to_be_bytes());
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }
}

/// Writes a whole frame: `header` (its `len` replaced by `payload.len()`) then the
/// payload, masked with `header.mask` when there is one (the client role).
///
/// # Examples
///
/// ```
/// use typhoon_websocket::{encode_frame, FrameHeader, Opcode};
///
/// // RFC 6455 §5.7: a single-frame masked text message "Hello".
/// let header = FrameHeader { fin: true, rsv1: false, opcode: Opcode::Text,
///                            mask: Some([0x37, 0xfa, 0x21, 0x3d]), len: 0 };
/// let mut out = Vec::new();
/// encode_frame(&header, b"Hello", &mut out);
/// assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
pub fn encode_frame(header: &FrameHeader, payload: &[u8], out: &mut Vec<u8>) {
    let header = FrameHeader {
        len: payload.len() as u64,
        ..*header
    };
    header.write(out);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = header.mask {
        apply_mask(&mut out[start..], key, 0);
    }
}

/// XORs `buf` with the masking `key` (RFC 6455 §5.3), as if `buf` started `offset`
/// bytes into the payload. Masking twice restores the data.
///
/// Works eight bytes at a time with a `u64` XOR.
///
/// # Examples
///
/// ```
/// use typhoon_websocket::apply_mask;
///
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut whole = *b"Hello";
/// apply_mask(&mut whole, key, 0);
/// // The same bytes masked in two pieces.
/// let mut pieces = *b"Hello";
/// let (a, b) = pieces.split_at_mut(2);
/// apply_mask(a, key, 0);
/// apply_mask(b, key, 2);
/// assert_eq!(whole, pieces);
/// ```
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let rot = offset % 4;
    let k = [
        key[rot],
        key[(rot + 1) % 4],
        key[(rot + 2) % 4],
        key[(rot + 3) % 4],
    ];
    let wide = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word) ^ wide;
        chunk.copy_from_slice(&x.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= k[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(fin: bool, opcode: Opcode, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin,
            rsv1: false,
            opcode,
            mask,
            len: 0,
        }
    }

    fn frame(h: FrameHeader, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_frame(&h, payload, &mut out);
        out
    }

    #[test]
    fn rfc_examples() {
        assert_eq!(
            frame(header(true, Opcode::Text, None), b"Hello"),
            [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        );
        assert_eq!(
            frame(
                header(true, Opcode::Text, Some([0x37, 0xfa, 0x21, 0x3d])),
                b"Hello"
            ),
            [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        assert_eq!(
            frame(header(false, Opcode::Text, None), b"Hel"),
            [0x01, 0x03, 0x48, 0x65, 0x6c]
        );
        assert_eq!(
            frame(header(true, Opcode::Continuation, None), b"lo"),
            [0x80, 0x02, 0x6c, 0x6f]
        );
        assert_eq!(
            frame(header(true, Opcode::Ping, None), b"Hello"),
            [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        );
        assert_eq!(
            frame(
                header(true, Opcode::Pong, Some([0x37, 0xfa, 0x21, 0x3d])),
                b"Hello"
            ),
            [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        let f = frame(header(true, Opcode::Binary, None), &[7; 256]);
        assert_eq!(&f[..4], [0x82, 0x7E, 0x01, 0x00]);
        assert_eq!(f.len(), 4 + 256);
        let f = frame(header(true, Opcode::Binary, None), &vec![7; 65536]);
        assert_eq!(
            &f[..10],
            [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
        );
        assert_eq!(f.len(), 10 + 65536);
    }

    #[test]
    fn parse_round_trips_every_length_form() {
        for len in [0u64, 125, 126, 65535, 65536, 1 << 40] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let h = FrameHeader {
                    fin: len % 2 == 0,
                    rsv1: true,
                    opcode: Opcode::Binary,
                    mask,
                    len,
                };
                let mut out = Vec::new();
                h.write(&mut out);
                for cut in 0..out.len() {
                    assert_eq!(FrameHeader::parse(&out[..cut]), Ok(None));
                }
                assert_eq!(FrameHeader::parse(&out), Ok(Some((h, out.len()))));
            }
        }
    }

    #[test]
    fn parse_refusals() {
        assert_eq!(
            FrameHeader::parse(&[0x83, 0x00]),
            Err(DecodeError::ReservedOpcode(3))
        );
        assert_eq!(
            FrameHeader::parse(&[0x8B, 0x00]),
            Err(DecodeError::ReservedOpcode(0xB))
        );
        assert_eq!(
            FrameHeader::parse(&[0xA1, 0x00]),
            Err(DecodeError::ReservedBits)
        );
        assert_eq!(
            FrameHeader::parse(&[0x91, 0x00]),
            Err(DecodeError::ReservedBits)
        );
        let mut top = vec![0x82, 0x7F, 0x80];
        top.extend_from_slice(&[0; 7]);
        assert_eq!(FrameHeader::parse(&top), Err(DecodeError::LengthOverflow));
    }

    #[test]
    fn mask_matches_bytewise_at_every_offset() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let data: Vec<u8> = (0..100u8).collect();
        for offset in 0..8 {
            for len in 0..40 {
                let mut fast = data[..len].to_vec();
                apply_mask(&mut fast, key, offset);
                let slow: Vec<u8> = data[..len]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[(i + offset) % 4])
                    .collect();
                assert_eq!(fast, slow, "offset {offset} len {len}");
            }
        }
    }
}
