//! Stream framing (RFC 4271 §4.1): messages split anywhere, several per push,
//! large messages over many pushes, and the header errors of §6.1.

use super::unhex;
use crate::wire::header::{Frame, Framer, MessageType, BAD_MARKER_TEXT};
use crate::wire::message::KEEPALIVE;
use crate::wire::{MAX_EXTENDED_MESSAGE, MAX_MESSAGE};

const OPEN: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0031 01 04 0001 00B4 01020304 14 0206010400010001 0206410400000001 02020600";
const CEASE: &str =
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 002A 03 06041441646D696E697374726174697665205265736574";
const EOR: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0017 02 00000000";

/// A message of type `kind` and total length `len`, body filled with a pattern.
fn message(kind: u8, len: usize) -> Vec<u8> {
    let mut m = vec![0xFF; 16];
    m.extend_from_slice(&(len as u16).to_be_bytes());
    m.push(kind);
    m.extend((0..len - 19).map(|i| (i % 251) as u8));
    m
}

fn drain(f: &mut Framer) -> Vec<Frame> {
    let mut out = Vec::new();
    while let Some(fr) = f.next_frame().unwrap() {
        out.push(fr);
    }
    out
}

fn stream() -> Vec<u8> {
    let mut s = unhex(OPEN);
    s.extend_from_slice(&KEEPALIVE);
    s.extend(unhex(EOR));
    s.extend(unhex(CEASE));
    s
}

fn expected() -> Vec<Frame> {
    let s = stream();
    let mut f = Framer::new(MAX_MESSAGE);
    f.push(&s);
    drain(&mut f)
}

#[test]
fn several_messages_in_one_push() {
    let frames = expected();
    let kinds: Vec<MessageType> = frames.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            MessageType::Open,
            MessageType::Keepalive,
            MessageType::Update,
            MessageType::Notification
        ]
    );
    assert_eq!(frames[0].body.as_ref(), &unhex(OPEN)[19..]);
    assert!(frames[1].body.is_empty());
    assert_eq!(frames[2].body.as_ref(), &[0, 0, 0, 0]);
    assert_eq!(frames[3].header().to_vec(), unhex(CEASE)[..19].to_vec());
}

#[test]
fn split_at_every_offset() {
    let s = stream();
    let want = expected();
    for cut in 0..=s.len() {
        let mut f = Framer::new(MAX_MESSAGE);
        f.push(&s[..cut]);
        let mut got = drain(&mut f);
        f.push(&s[cut..]);
        got.extend(drain(&mut f));
        assert_eq!(got, want, "cut at {cut}");
        assert_eq!(f.buffered(), 0);
    }
}

#[test]
fn byte_by_byte() {
    let s = stream();
    let mut f = Framer::new(MAX_MESSAGE);
    let mut got = Vec::new();
    for b in &s {
        f.push(std::slice::from_ref(b));
        got.extend(drain(&mut f));
    }
    assert_eq!(got, expected());
}

fn large(max: usize, len: usize, chunk: usize) {
    let m = message(2, len);
    let mut f = Framer::new(max);
    let mut got = Vec::new();
    for c in m.chunks(chunk) {
        f.push(c);
        got.extend(drain(&mut f));
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body.as_ref(), &m[19..]);
}

#[test]
fn message_of_4096_over_small_pushes() {
    large(MAX_MESSAGE, 4096, 7);
    large(MAX_MESSAGE, 4096, 1);
}

#[test]
fn message_of_65535_over_small_pushes() {
    large(MAX_EXTENDED_MESSAGE, 65535, 13);
    large(MAX_EXTENDED_MESSAGE, 65535, 1000);
}

#[test]
fn bad_marker_is_1_1() {
    let mut m = KEEPALIVE.to_vec();
    m[3] = 0xFE;
    let mut f = Framer::new(MAX_MESSAGE);
    f.push(&m[..18]);
    assert_eq!(f.next_frame().unwrap(), None);
    f.push(&m[18..]);
    let e = f.next_frame().unwrap_err();
    assert_eq!((e.code, e.subcode), (1, 1));
    assert_eq!(e.data.as_ref(), BAD_MARKER_TEXT.as_bytes());
}

fn length_error(max: usize, kind: u8, len: u16) -> Vec<u8> {
    let mut h = vec![0xFF; 16];
    h.extend_from_slice(&len.to_be_bytes());
    h.push(kind);
    let mut f = Framer::new(max);
    f.push(&h);
    let e = f.next_frame().unwrap_err();
    assert_eq!((e.code, e.subcode), (1, 2), "type {kind} length {len}");
    e.data.to_vec()
}

#[test]
fn bad_lengths_are_1_2_with_the_length() {
    // Shorter than a header.
    assert_eq!(length_error(MAX_MESSAGE, 4, 18), vec![0, 18]);
    assert_eq!(length_error(MAX_MESSAGE, 200, 0), vec![0, 0]);
    // Longer than allowed (detected from the header alone).
    assert_eq!(length_error(MAX_MESSAGE, 2, 4097), vec![0x10, 0x01]);
    assert_eq!(
        length_error(MAX_EXTENDED_MESSAGE - 1, 2, 65535),
        vec![0xFF, 0xFF]
    );
    // Below each type's minimum.
    assert_eq!(length_error(MAX_MESSAGE, 1, 28), vec![0, 28]);
    assert_eq!(length_error(MAX_MESSAGE, 2, 22), vec![0, 22]);
    assert_eq!(length_error(MAX_MESSAGE, 3, 20), vec![0, 20]);
    assert_eq!(length_error(MAX_MESSAGE, 5, 22), vec![0, 22]);
    // KEEPALIVE is exactly 19.
    assert_eq!(length_error(MAX_MESSAGE, 4, 20), vec![0, 20]);
}

#[test]
fn minimum_lengths_are_accepted() {
    for (kind, len) in [
        (1u8, 29usize),
        (2, 23),
        (3, 21),
        (4, 19),
        (5, 23),
        (5, 30),
        (77, 19),
    ] {
        let mut f = Framer::new(MAX_MESSAGE);
        f.push(&message(kind, len));
        let fr = f.next_frame().unwrap().unwrap();
        assert_eq!(fr.kind.code(), kind);
        assert_eq!(fr.wire_len(), len);
    }
}

#[test]
fn unknown_type_is_framed_not_an_error() {
    let mut f = Framer::new(MAX_MESSAGE);
    f.push(&message(255, 19));
    assert_eq!(
        f.next_frame().unwrap().unwrap().kind,
        MessageType::Other(255)
    );
}

#[test]
fn max_message_can_grow_after_open() {
    let m = message(2, 5000);
    let mut f = Framer::new(MAX_MESSAGE);
    f.set_max_message(MAX_EXTENDED_MESSAGE);
    f.push(&m);
    assert_eq!(f.next_frame().unwrap().unwrap().wire_len(), 5000);
}
