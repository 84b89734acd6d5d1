//! Quickcheck properties: decode(encode(x)) == x, and no input makes the
//! framer or the decoders panic.

use crate::wire::capability::Capability;
use crate::wire::header::{Frame, Framer, MessageType};
use crate::wire::message::Message;
use crate::wire::notification::Notification;
use crate::wire::open::{self, Open};
use crate::wire::route_refresh::RouteRefresh;
use crate::wire::{CodecContext, MAX_EXTENDED_MESSAGE};
use bytes::{Bytes, BytesMut};
use quickcheck::{QuickCheck, TestResult};

fn qc() -> QuickCheck {
    QuickCheck::new().tests(500)
}

fn ctx() -> CodecContext {
    CodecContext {
        max_message: MAX_EXTENDED_MESSAGE,
        ..CodecContext::default()
    }
}

/// Encode a message, frame it, decode it.
fn through_the_wire(m: &Message) -> Message {
    let wire = m.to_bytes(&ctx());
    let mut f = Framer::new(MAX_EXTENDED_MESSAGE);
    f.push(&wire);
    let frame = f.next_frame().unwrap().unwrap();
    assert_eq!(f.buffered(), 0);
    Message::decode(&frame, &ctx()).unwrap()
}

#[test]
fn capability_roundtrip() {
    fn prop(c: Capability) -> bool {
        let mut out = BytesMut::new();
        assert!(c.encode(&mut out));
        assert_eq!(out.len(), 2 + c.value_len());
        assert_eq!(out[1] as usize, c.value_len());
        Capability::decode(out[0], &out[2..]).unwrap() == c
    }
    qc().quickcheck(prop as fn(Capability) -> bool);
}

#[test]
fn open_roundtrip() {
    fn prop(o: Open) -> bool {
        through_the_wire(&Message::Open(o.clone())) == Message::Open(o)
    }
    qc().quickcheck(prop as fn(Open) -> bool);
}

#[test]
fn open_sort_is_idempotent_and_keeps_everything() {
    fn prop(o: Open) -> bool {
        let mut a = o.capabilities.clone();
        open::sort_exabgp(&mut a);
        let mut b = a.clone();
        open::sort_exabgp(&mut b);
        a == b
            && a.len() == o.capabilities.len()
            && a.windows(2)
                .all(|w| open::capability_order_key(&w[0]) <= open::capability_order_key(&w[1]))
    }
    qc().quickcheck(prop as fn(Open) -> bool);
}

#[test]
fn notification_roundtrip() {
    fn prop(n: Notification) -> bool {
        through_the_wire(&Message::Notification(n.clone())) == Message::Notification(n)
    }
    qc().quickcheck(prop as fn(Notification) -> bool);
}

#[test]
fn shutdown_communication_roundtrip() {
    fn prop(sub: bool, text: String) -> TestResult {
        if text.is_empty() || text.len() > 255 {
            return TestResult::discard();
        }
        let n = Notification::cease(if sub { 2 } else { 4 }, &text);
        let back = through_the_wire(&Message::Notification(n));
        let Message::Notification(n) = back else {
            return TestResult::failed();
        };
        TestResult::from_bool(n.shutdown_communication() == Some(text))
    }
    qc().quickcheck(prop as fn(bool, String) -> TestResult);
}

#[test]
fn route_refresh_roundtrip() {
    fn prop(r: RouteRefresh) -> bool {
        through_the_wire(&Message::RouteRefresh(r)) == Message::RouteRefresh(r)
    }
    qc().quickcheck(prop as fn(RouteRefresh) -> bool);
}

#[test]
fn unknown_message_roundtrip() {
    fn prop(kind: u8, body: Vec<u8>) -> TestResult {
        if (1..=5).contains(&kind) {
            return TestResult::discard();
        }
        let m = Message::Unknown {
            kind,
            body: Bytes::from(body),
        };
        TestResult::from_bool(through_the_wire(&m) == m)
    }
    qc().quickcheck(prop as fn(u8, Vec<u8>) -> TestResult);
}

#[test]
fn framer_never_panics_on_arbitrary_chunks() {
    fn prop(chunks: Vec<Vec<u8>>, with_marker: bool, max_small: bool) -> bool {
        let max = if max_small {
            4096
        } else {
            MAX_EXTENDED_MESSAGE
        };
        let mut f = Framer::new(max);
        for mut c in chunks {
            if with_marker && c.len() >= 3 {
                // Give the header a chance to be valid so bodies get framed.
                let mut h = vec![0xFF; 16];
                h.extend_from_slice(&c[..3]);
                h[16] &= 0x01;
                c.splice(0..3, h);
            }
            f.push(&c);
            loop {
                match f.next_frame() {
                    Ok(Some(fr)) => {
                        let _ = Message::decode(&fr, &ctx());
                    }
                    Ok(None) => break,
                    Err(e) => {
                        assert!(e.code == 1 && (e.subcode == 1 || e.subcode == 2));
                        return true;
                    }
                }
            }
        }
        true
    }
    qc().quickcheck(prop as fn(Vec<Vec<u8>>, bool, bool) -> bool);
}

#[test]
fn decode_never_panics_on_arbitrary_frames() {
    fn prop(kind: u8, body: Vec<u8>) -> bool {
        // Bias towards the types of this half of the codec.
        let kind = match kind % 8 {
            0 | 6 => MessageType::Open,
            1 => MessageType::Notification,
            2 => MessageType::Keepalive,
            3 => MessageType::RouteRefresh,
            4 => MessageType::Other(kind),
            5 => MessageType::Update,
            _ => MessageType::Open,
        };
        let frame = Frame {
            kind,
            body: Bytes::from(body),
        };
        if let Ok(m) = Message::decode(&frame, &ctx()) {
            // Whatever decodes re-encodes without panicking.
            let _ = m.to_bytes(&ctx());
        }
        true
    }
    qc().quickcheck(prop as fn(u8, Vec<u8>) -> bool);
}

#[test]
fn open_decode_never_panics_on_structured_garbage() {
    // Plausible OPEN prefixes followed by random parameters, so the parameter
    // and capability parsers see mostly-valid input.
    fn prop(ext: bool, opt_len: u8, params: Vec<u8>) -> bool {
        let mut body = vec![4, 0, 1, 0, 180, 1, 2, 3, 4];
        if ext {
            body.extend([0xFF, 0xFF]);
            body.extend((params.len() as u16).to_be_bytes());
        } else {
            body.push(if opt_len & 1 == 0 {
                params.len() as u8
            } else {
                opt_len
            });
        }
        body.extend(&params);
        if let Ok(o) = Open::decode(&body) {
            let _ = Message::Open(o).to_bytes(&ctx());
        }
        true
    }
    qc().tests(2000)
        .quickcheck(prop as fn(bool, u8, Vec<u8>) -> bool);
}

#[test]
fn capability_decode_never_panics() {
    fn prop(code: u8, value: Vec<u8>) -> bool {
        let codes = [1u8, 2, 5, 6, 64, 65, 69, 70, 73, 75, 128];
        let code = codes[code as usize % codes.len()];
        if let Ok(c) = Capability::decode(code, &value) {
            let mut out = BytesMut::new();
            c.encode(&mut out);
        }
        true
    }
    qc().tests(2000).quickcheck(prop as fn(u8, Vec<u8>) -> bool);
}

#[test]
fn notification_texts_never_panic() {
    fn prop(n: Notification, sub: bool) -> bool {
        let n = Notification::new(6, if sub { 2 } else { 4 }, n.data);
        let _ = (
            n.message(),
            n.json_data(),
            n.to_string(),
            n.shutdown_communication(),
        );
        true
    }
    qc().quickcheck(prop as fn(Notification, bool) -> bool);
}
