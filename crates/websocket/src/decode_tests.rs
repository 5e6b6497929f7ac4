//! Tests for the decoder: RFC examples, every refusal with its close code, every split point.

use super::*;
use crate::deflate::{Deflater, Inflater, Negotiated};
use crate::frame::encode_frame;
use crate::message::Encoder;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn frame(fin: bool, rsv1: bool, opcode: Opcode, mask: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let header = FrameHeader {
        fin,
        rsv1,
        opcode,
        mask: mask.then_some(KEY),
        len: 0,
    };
    encode_frame(&header, payload, &mut out);
    out
}

/// Masked (client-to-server) frame.
fn cf(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    frame(fin, false, opcode, true, payload)
}

/// Feeds `pieces` in order, collecting every message; stops at the first error.
fn feed(dec: &mut Decoder, pieces: &[&[u8]]) -> Result<Vec<Message>, DecodeError> {
    let mut out = Vec::new();
    for piece in pieces {
        let mut rest = *piece;
        loop {
            let (used, msg) = dec.decode(rest)?;
            rest = &rest[used..];
            match msg {
                Some(m) => out.push(m),
                None => {
                    assert!(rest.is_empty(), "decoder stopped with input left");
                    break;
                }
            }
        }
    }
    Ok(out)
}

fn server() -> Decoder {
    Decoder::new(Role::Server)
}

fn err(dec: &mut Decoder, bytes: &[u8]) -> DecodeError {
    match feed(dec, &[bytes]) {
        Err(e) => e,
        Ok(msgs) => panic!("expected an error, got {msgs:?}"),
    }
}

fn deflate_pair(bits: u8, no_context: bool) -> (Deflater, Inflater) {
    let n = Negotiated {
        server_no_context_takeover: no_context,
        client_no_context_takeover: no_context,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    };
    (n.deflater(Role::Client, 6), n.inflater(Role::Server))
}

#[test]
fn rfc_examples() {
    let mut client = Decoder::new(Role::Client);
    let msgs = feed(
        &mut client,
        &[&[
            0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, // "Hello"
            0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f, // "Hel" + "lo"
            0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f, // ping "Hello"
        ]],
    )
    .unwrap();
    assert_eq!(
        msgs,
        [
            Message::Text("Hello".into()),
            Message::Text("Hello".into()),
            Message::Ping(b"Hello".to_vec())
        ]
    );
    let mut server = server();
    let msgs = feed(
        &mut server,
        &[&[
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51,
            0x58, // masked "Hello"
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, // masked pong
        ]],
    )
    .unwrap();
    assert_eq!(
        msgs,
        [
            Message::Text("Hello".into()),
            Message::Pong(b"Hello".to_vec())
        ]
    );
    for len in [256usize, 65536] {
        let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
        let wire = frame(true, false, Opcode::Binary, false, &data);
        let mut client = Decoder::new(Role::Client);
        assert_eq!(
            feed(&mut client, &[&wire]).unwrap(),
            [Message::Binary(data)]
        );
    }
}

/// A stream with every kind of frame; and the messages it carries.
fn mixed_stream() -> (Vec<u8>, Vec<Message>) {
    let mut wire = Vec::new();
    let mut want = Vec::new();
    wire.extend(cf(true, Opcode::Text, b"Hello"));
    want.push(Message::Text("Hello".into()));
    // Fragmented text split inside a two-byte code point, a ping between fragments.
    let text = "h\u{e9}llo w\u{f6}rld \u{1f600}";
    let bytes = text.as_bytes();
    wire.extend(cf(false, Opcode::Text, &bytes[..2]));
    wire.extend(cf(true, Opcode::Ping, b"ping"));
    want.push(Message::Ping(b"ping".to_vec()));
    wire.extend(cf(false, Opcode::Continuation, &bytes[2..16]));
    wire.extend(cf(true, Opcode::Continuation, &bytes[16..]));
    want.push(Message::Text(text.into()));
    // Two compressed messages sharing a context, the first in three fragments.
    let mut enc = Encoder::new(Role::Client)
        .with_mask_seed(7)
        .with_deflater(Some(deflate_pair(15, false).0))
        .with_fragment_size(Some(10));
    let big = "compress me, compress me, compress me ".repeat(20);
    enc.encode(&Message::Text(big.clone()), &mut wire).unwrap();
    want.push(Message::Text(big));
    let mut enc = enc.with_fragment_size(None);
    let bin: Vec<u8> = (0..300u16).map(|i| (i % 7) as u8).collect();
    enc.encode(&Message::Binary(bin.clone()), &mut wire)
        .unwrap();
    want.push(Message::Binary(bin));
    // An uncompressed binary message with a 16-bit length, then an empty one.
    let raw: Vec<u8> = (0..300u16).map(|i| i as u8).collect();
    wire.extend(cf(true, Opcode::Binary, &raw));
    want.push(Message::Binary(raw));
    wire.extend(cf(true, Opcode::Binary, b""));
    want.push(Message::Binary(Vec::new()));
    wire.extend(cf(true, Opcode::Close, b"\x03\xe8bye"));
    want.push(Message::Close(Some((1000, "bye".into()))));
    (wire, want)
}

fn deflating_server() -> Decoder {
    server().with_inflater(Some(deflate_pair(15, false).1))
}

#[test]
fn every_split_point_gives_the_same_messages() {
    let (wire, want) = mixed_stream();
    assert_eq!(feed(&mut deflating_server(), &[&wire]).unwrap(), want);
    for cut in 0..=wire.len() {
        let (a, b) = wire.split_at(cut);
        let got = feed(&mut deflating_server(), &[a, b]).unwrap();
        assert_eq!(got, want, "split at {cut}");
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(feed(&mut deflating_server(), &bytes).unwrap(), want);
    for size in [2, 3, 5, 13, 64] {
        let pieces: Vec<&[u8]> = wire.chunks(size).collect();
        assert_eq!(
            feed(&mut deflating_server(), &pieces).unwrap(),
            want,
            "{size}"
        );
    }
}

#[test]
fn decode_vec_leaves_the_rest() {
    let mut buf = cf(true, Opcode::Text, b"one");
    buf.extend(cf(true, Opcode::Text, b"two"));
    buf.extend(&cf(true, Opcode::Text, b"three")[..4]);
    let mut dec = server();
    assert_eq!(
        dec.decode_vec(&mut buf).unwrap(),
        Some(Message::Text("one".into()))
    );
    assert_eq!(
        dec.decode_vec(&mut buf).unwrap(),
        Some(Message::Text("two".into()))
    );
    assert_eq!(dec.decode_vec(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

#[test]
fn masking_rules() {
    let e = err(
        &mut server(),
        &frame(true, false, Opcode::Text, false, b"hi"),
    );
    assert_eq!((e, e.close_code().0), (DecodeError::UnmaskedFrame, 1002));
    let e = err(
        &mut Decoder::new(Role::Client),
        &cf(true, Opcode::Text, b"hi"),
    );
    assert_eq!((e, e.close_code().0), (DecodeError::MaskedFrame, 1002));
}

#[test]
fn reserved_bits_and_opcodes() {
    let e = err(&mut server(), &frame(true, true, Opcode::Text, true, b"hi"));
    assert_eq!((e, e.close_code().0), (DecodeError::ReservedBits, 1002));
    for first in [0xA1u8, 0x91] {
        let e = err(&mut deflating_server(), &[first, 0x80, 1, 2, 3, 4]);
        assert_eq!((e, e.close_code().0), (DecodeError::ReservedBits, 1002));
    }
    // RSV1 only on the first frame of a message, never on control frames.
    let mut wire = frame(false, true, Opcode::Text, true, b"");
    wire.extend(frame(true, true, Opcode::Continuation, true, b""));
    assert_eq!(
        err(&mut deflating_server(), &wire),
        DecodeError::ReservedBits
    );
    let e = err(
        &mut deflating_server(),
        &frame(true, true, Opcode::Ping, true, b""),
    );
    assert_eq!(e, DecodeError::ReservedBits);
    for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
        let e = err(&mut server(), &[0x80 | op, 0x80, 1, 2, 3, 4]);
        assert_eq!(
            (e, e.close_code().0),
            (DecodeError::ReservedOpcode(op), 1002)
        );
    }
}

#[test]
fn control_frame_rules() {
    let e = err(&mut server(), &cf(false, Opcode::Ping, b"x"));
    assert_eq!(
        (e, e.close_code().0),
        (DecodeError::FragmentedControl, 1002)
    );
    let e = err(&mut server(), &cf(true, Opcode::Ping, &[0; 126]));
    assert_eq!((e, e.close_code().0), (DecodeError::ControlTooLong, 1002));
    let ok = feed(&mut server(), &[&cf(true, Opcode::Ping, &[1; 125])]).unwrap();
    assert_eq!(ok, [Message::Ping(vec![1; 125])]);
}

#[test]
fn fragmentation_rules() {
    let e = err(&mut server(), &cf(true, Opcode::Continuation, b"x"));
    assert_eq!(
        (e, e.close_code().0),
        (DecodeError::UnexpectedContinuation, 1002)
    );
    let mut wire = cf(false, Opcode::Text, b"a");
    wire.extend(cf(true, Opcode::Binary, b"b"));
    let e = err(&mut server(), &wire);
    assert_eq!(
        (e, e.close_code().0),
        (DecodeError::ExpectedContinuation, 1002)
    );
    // Control frames between fragments come out at once, before the message ends.
    let mut wire = cf(false, Opcode::Binary, b"a");
    wire.extend(cf(true, Opcode::Pong, b"p"));
    let mut dec = server();
    assert_eq!(
        feed(&mut dec, &[&wire]).unwrap(),
        [Message::Pong(b"p".to_vec())]
    );
    let end = cf(true, Opcode::Continuation, b"b");
    assert_eq!(
        feed(&mut dec, &[&end]).unwrap(),
        [Message::Binary(b"ab".to_vec())]
    );
}

#[test]
fn lengths() {
    let mut top = vec![0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0];
    top.extend(KEY);
    let e = err(&mut server(), &top);
    assert_eq!((e, e.close_code().0), (DecodeError::LengthOverflow, 1002));
    // A 1 GiB length field is refused from the header alone, with nothing buffered.
    let mut gib = vec![0x82, 0xFF];
    gib.extend((1u64 << 30).to_be_bytes());
    gib.extend(KEY);
    let mut dec = server();
    let e = err(&mut dec, &gib);
    assert_eq!((e, e.close_code().0), (DecodeError::MessageTooBig, 1009));
    assert_eq!(dec.data.capacity(), 0);
    // The limit is configurable and counts every fragment.
    let mut dec = server().with_max_message_size(1024);
    assert_eq!(dec.max_message_size(), 1024);
    let e = err(&mut dec, &cf(true, Opcode::Binary, &[0; 1025]));
    assert_eq!(e, DecodeError::MessageTooBig);
    let ok = feed(
        &mut server().with_max_message_size(1024),
        &[&cf(true, Opcode::Binary, &[0; 1024])],
    );
    assert_eq!(ok.unwrap(), [Message::Binary(vec![0; 1024])]);
    let mut wire = cf(false, Opcode::Binary, &[0; 600]);
    wire.extend(cf(true, Opcode::Continuation, &[0; 600])[..14].iter());
    let mut dec = server().with_max_message_size(1024);
    assert_eq!(err(&mut dec, &wire), DecodeError::MessageTooBig);
    assert!(dec.data.capacity() <= 1024);
    assert_eq!(DEFAULT_MAX_MESSAGE_SIZE, 10 << 20);
}

#[test]
fn utf8_rules() {
    let e = err(&mut server(), &cf(true, Opcode::Text, b"ab\xffcd"));
    assert_eq!((e, e.close_code().0), (DecodeError::InvalidUtf8, 1007));
    // A message ending inside a code point.
    let e = err(&mut server(), &cf(true, Opcode::Text, b"ab\xe2\x82"));
    assert_eq!(e, DecodeError::InvalidUtf8);
    let mut wire = cf(false, Opcode::Text, b"ab\xe2");
    wire.extend(cf(true, Opcode::Continuation, b"\x82"));
    assert_eq!(err(&mut server(), &wire), DecodeError::InvalidUtf8);
    // Fail fast: the invalid prefix is refused before the frame (or message) ends.
    // Autobahn 6.4.1: U+10FFFF+1 (F4 90 80 80) in the middle of a long frame.
    let mut payload = "\u{3ba}\u{1f79}".as_bytes().to_vec();
    payload.extend(b"\xf4\x90\x80\x80");
    payload.extend([b'a'; 100]);
    let wire = cf(true, Opcode::Text, &payload);
    let mut dec = server();
    let cut = 6 + 5 + 2; // header, the two good code points, then F4 90.
    assert_eq!(
        feed(&mut dec, &[&wire[..cut]]),
        Err(DecodeError::InvalidUtf8)
    );
    let wire = cf(false, Opcode::Text, b"ok\xed\xa0\x80"); // a surrogate
    assert_eq!(err(&mut server(), &wire), DecodeError::InvalidUtf8);
    // A code point split across three fragments is fine.
    let euro = "\u{20ac}".as_bytes();
    let mut wire = cf(false, Opcode::Text, &euro[..1]);
    wire.extend(cf(false, Opcode::Continuation, &euro[1..2]));
    wire.extend(cf(true, Opcode::Continuation, &euro[2..]));
    assert_eq!(
        feed(&mut server(), &[&wire]).unwrap(),
        [Message::Text("\u{20ac}".into())]
    );
    // Binary messages are not checked.
    let ok = feed(&mut server(), &[&cf(true, Opcode::Binary, b"\xff")]).unwrap();
    assert_eq!(ok, [Message::Binary(vec![0xff])]);
}

#[test]
fn close_frame_rules() {
    assert_eq!(
        feed(&mut server(), &[&cf(true, Opcode::Close, b"")]).unwrap(),
        [Message::Close(None)]
    );
    let e = err(&mut server(), &cf(true, Opcode::Close, b"\x03"));
    assert_eq!((e, e.close_code().0), (DecodeError::CloseTooShort, 1002));
    for code in [
        0u16, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2999, 5000, 65535,
    ] {
        let e = err(&mut server(), &cf(true, Opcode::Close, &code.to_be_bytes()));
        assert_eq!(
            (e, e.close_code().0),
            (DecodeError::InvalidCloseCode(code), 1002),
            "{code}"
        );
    }
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999,
    ] {
        let msgs = feed(
            &mut server(),
            &[&cf(true, Opcode::Close, &code.to_be_bytes())],
        )
        .unwrap();
        assert_eq!(msgs, [Message::Close(Some((code, String::new())))]);
    }
    let mut bad = 1000u16.to_be_bytes().to_vec();
    bad.extend(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80");
    let e = err(&mut server(), &cf(true, Opcode::Close, &bad));
    assert_eq!(
        (e, e.close_code().0),
        (DecodeError::InvalidCloseReason, 1007)
    );
}

#[test]
fn compression_bomb_is_refused_with_bounded_memory() {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new_with_window_bits(Compression::best(), false, 15);
    let mut compressed = Vec::new();
    for _ in 0..100 {
        compressed.reserve(1 << 16);
        c.compress_vec(&zeros, &mut compressed, FlushCompress::None)
            .unwrap();
    }
    compressed.reserve(1 << 16);
    c.compress_vec(&[], &mut compressed, FlushCompress::Sync)
        .unwrap();
    compressed.truncate(compressed.len() - 4);
    let wire = frame(true, true, Opcode::Binary, true, &compressed);
    let limit = 1 << 20;
    let mut dec = server()
        .with_max_message_size(limit)
        .with_inflater(Some(Inflater::new(15, false)));
    let e = err(&mut dec, &wire);
    assert_eq!((e, e.close_code().0), (DecodeError::MessageTooBig, 1009));
    assert!(dec.data.len() <= limit);
    assert!(dec.data.capacity() <= 2 * limit, "{}", dec.data.capacity());
}

#[test]
fn corrupt_compressed_message_is_1007() {
    let wire = frame(true, true, Opcode::Binary, true, &[0xff; 8]);
    let e = err(&mut deflating_server(), &wire);
    assert_eq!((e, e.close_code().0), (DecodeError::Inflate, 1007));
    // Compressed text that inflates to invalid UTF-8.
    let (mut d, i) = deflate_pair(15, false);
    let mut body = Vec::new();
    d.compress(b"ok \xff", &mut body).unwrap();
    let wire = frame(true, true, Opcode::Text, true, &body);
    let e = err(&mut server().with_inflater(Some(i)), &wire);
    assert_eq!(e, DecodeError::InvalidUtf8);
}

#[test]
fn encoder_to_decoder_every_window_and_takeover() {
    for bits in 9..=15 {
        for no_context in [false, true] {
            for role in [Role::Client, Role::Server] {
                let (d, i) = deflate_pair(bits, no_context);
                let peer = match role {
                    Role::Client => Role::Server,
                    Role::Server => Role::Client,
                };
                let mut enc = Encoder::new(role)
                    .with_mask_seed(u64::from(bits))
                    .with_deflater(Some(d))
                    .with_fragment_size(Some(100));
                let mut dec = Decoder::new(peer).with_inflater(Some(i));
                let mut wire = Vec::new();
                let mut want = Vec::new();
                for n in 0..4 {
                    let m = Message::Text(format!("{n} some text that repeats; ").repeat(40));
                    enc.encode(&m, &mut wire).unwrap();
                    want.push(m);
                    let m = Message::Ping(vec![n; 3]);
                    enc.encode(&m, &mut wire).unwrap();
                    want.push(m);
                }
                assert_eq!(
                    feed(&mut dec, &[&wire]).unwrap(),
                    want,
                    "{bits} {no_context}"
                );
            }
        }
    }
}

#[test]
fn encoder_refusals_and_close() {
    let mut enc = Encoder::new(Role::Server);
    let mut out = Vec::new();
    assert_eq!(
        enc.encode(&Message::Close(Some((1005, String::new()))), &mut out),
        Err(crate::EncodeError::InvalidCloseCode(1005))
    );
    assert_eq!(
        enc.encode(&Message::Pong(vec![0; 126]), &mut out),
        Err(crate::EncodeError::ControlTooLong)
    );
    let long = "\u{e9}".repeat(100);
    enc.encode(&Message::Close(Some((1000, long.clone()))), &mut out)
        .unwrap();
    let mut dec = Decoder::new(Role::Client);
    let msgs = feed(&mut dec, &[&out]).unwrap();
    let Message::Close(Some((1000, reason))) = &msgs[0] else {
        panic!("{msgs:?}");
    };
    assert_eq!(reason.len(), 122);
    assert!(long.starts_with(reason.as_str()));
}

#[test]
fn client_role_stream_at_every_split_point() {
    let n = Negotiated {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 10,
        client_max_window_bits: 15,
    };
    let mut enc = Encoder::new(Role::Server)
        .with_deflater(Some(n.deflater(Role::Server, 6)))
        .with_fragment_size(Some(7));
    let want = vec![
        Message::Text("server says hello, server says hello".into()),
        Message::Ping(b"are you there".to_vec()),
        Message::Binary(vec![9; 200]),
        Message::Text(String::new()),
        Message::Close(Some((1001, "going away".into()))),
    ];
    let mut wire = Vec::new();
    for m in &want {
        enc.encode(m, &mut wire).unwrap();
    }
    let fresh = || Decoder::new(Role::Client).with_inflater(Some(n.inflater(Role::Client)));
    for cut in 0..=wire.len() {
        let (a, b) = wire.split_at(cut);
        assert_eq!(feed(&mut fresh(), &[a, b]).unwrap(), want, "split at {cut}");
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(feed(&mut fresh(), &bytes).unwrap(), want);
}

#[test]
fn oversized_length_fails_on_its_last_header_byte() {
    let mut gib = vec![0x82, 0xFF];
    gib.extend((1u64 << 30).to_be_bytes());
    gib.extend(KEY);
    let mut dec = server();
    for (i, b) in gib.iter().enumerate() {
        let r = dec.decode(std::slice::from_ref(b));
        if i + 1 < gib.len() {
            assert_eq!(r, Ok((1, None)));
        } else {
            assert_eq!(r, Err(DecodeError::MessageTooBig));
        }
    }
    assert_eq!(dec.data.capacity(), 0);
}
