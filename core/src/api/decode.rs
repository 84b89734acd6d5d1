//! `oxbgp decode`: hex → the JSON ExaBGP's `exabgp decode` prints (conformance
//! FORMAT.md §5.2). The message is decoded as if received on an imaginary iBGP
//! session: both sides AS 65533, addresses 127.0.0.1, router-id 10.0.0.2, 4-octet
//! ASNs negotiated, no ADD-PATH, direction `in`, counter 1.

use super::json::{self, Direction, Envelope, Neighbor, OpenStyle, UpdateOptions};
use crate::wire::family::Family;
use crate::wire::header::{HEADER_LEN, MARKER};
use crate::wire::{CodecContext, MAX_EXTENDED_MESSAGE};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// What the hex holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeKind {
    /// A full UPDATE message (starting with the marker) or an UPDATE body.
    Update,
    /// A full OPEN message.
    Open,
    /// Only NLRI bytes of the given family.
    Nlri,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A character that is not a hex digit (colons and whitespace are ignored).
    BadHex {
        position: usize,
        found: char,
    },
    OddLength,
    /// The header's length or type does not match the kind asked for.
    BadHeader(String),
    /// The message itself is malformed (the NOTIFICATION a peer would get).
    Message(crate::wire::DecodeError),
    /// `nlri` needs a family.
    MissingFamily,
    Nlri(String),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::BadHex { position, found } => {
                write!(f, "invalid hex digit {found:?} at position {position}")
            }
            DecodeError::OddLength => f.write_str("odd number of hex digits"),
            DecodeError::BadHeader(s) => write!(f, "invalid message header: {s}"),
            DecodeError::Message(e) => write!(f, "invalid message: {e}"),
            DecodeError::MissingFamily => f.write_str("a family is needed to decode NLRI"),
            DecodeError::Nlri(s) => write!(f, "invalid NLRI: {s}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Parse hex digits, ignoring colons and whitespace (and an optional `0x`).
pub fn parse_hex(hex: &str) -> Result<Vec<u8>, DecodeError> {
    let hex = hex.trim();
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    let mut out = Vec::with_capacity(hex.len() / 2);
    let mut hi: Option<u8> = None;
    for (position, c) in hex.char_indices() {
        if c == ':' || c.is_whitespace() {
            continue;
        }
        let v = c
            .to_digit(16)
            .ok_or(DecodeError::BadHex { position, found: c })? as u8;
        match hi.take() {
            None => hi = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
    }
    if hi.is_some() {
        return Err(DecodeError::OddLength);
    }
    Ok(out)
}

/// The decoding session's view (FORMAT.md §5.2).
pub fn decode_neighbor() -> Neighbor {
    let lo = IpAddr::V4(Ipv4Addr::LOCALHOST);
    Neighbor {
        local_address: lo,
        peer_address: lo,
        local_as: 65533,
        peer_as: Some(65533),
        router_id: Some(Ipv4Addr::new(10, 0, 0, 2)),
        direction: Direction::In,
    }
}

/// The codec context of the decoding session: ASN4, no ADD-PATH, and
/// extended messages accepted (a decoder should not refuse long input).
pub fn decode_context() -> CodecContext {
    CodecContext {
        asn4: true,
        max_message: MAX_EXTENDED_MESSAGE,
        ..CodecContext::default()
    }
}

/// Split a full message into (type, body). Like `exabgp decode`, the length
/// field is only checked for being at least a header's length: the body is
/// everything after the header (the input is one message typed by a person).
fn split_message(bytes: &[u8]) -> Result<(u8, &[u8]), DecodeError> {
    if bytes.len() < HEADER_LEN {
        return Err(DecodeError::BadHeader(format!(
            "{} octets, shorter than a header",
            bytes.len()
        )));
    }
    let len = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    if len < HEADER_LEN {
        return Err(DecodeError::BadHeader(format!(
            "length field {len} is shorter than a header"
        )));
    }
    Ok((bytes[18], &bytes[HEADER_LEN..]))
}

/// Decode with a fixed envelope (time 0, host `localhost`, pid 0): the
/// comparison of FORMAT.md §5.3 ignores those fields.
pub fn decode(kind: DecodeKind, family: Option<Family>, hex: &str) -> Result<String, DecodeError> {
    let env = Envelope {
        time: 0.0,
        host: "localhost",
        pid: 0,
        ppid: 0,
        counter: 1,
    };
    decode_with(kind, family, hex, &env)
}

/// Decode with the caller's envelope (the CLI passes the real time, host, pids).
pub fn decode_with(
    kind: DecodeKind,
    family: Option<Family>,
    hex: &str,
    env: &Envelope<'_>,
) -> Result<String, DecodeError> {
    decode_with_options(kind, family, hex, env, &DecodeOptions::default())
}

/// Options of `exabgp decode` beyond the family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// `-i` / `--path-information`: NLRI carry RFC 7911 path identifiers
    /// (ADD-PATH negotiated both ways for the family, or every family).
    pub add_path: bool,
}

/// [`decode_with`] with [`DecodeOptions`].
pub fn decode_with_options(
    kind: DecodeKind,
    family: Option<Family>,
    hex: &str,
    env: &Envelope<'_>,
    opts: &DecodeOptions,
) -> Result<String, DecodeError> {
    let bytes = parse_hex(hex)?;
    let nb = decode_neighbor();
    let mut ctx = decode_context();
    if opts.add_path {
        let fams: Vec<Family> = match family {
            Some(f) => vec![f],
            None => Family::ALL.to_vec(),
        };
        ctx.add_path_receive.extend(fams.iter().copied());
        ctx.add_path_send.extend(fams);
    }
    match kind {
        DecodeKind::Update => {
            let body = if bytes.starts_with(&MARKER) {
                let (t, body) = split_message(&bytes)?;
                if t != 2 {
                    return Err(DecodeError::BadHeader(format!(
                        "message type {t} is not UPDATE"
                    )));
                }
                body
            } else {
                &bytes[..]
            };
            let u =
                crate::wire::update::Update::decode(body, &ctx).map_err(DecodeError::Message)?;
            Ok(json::update(env, &nb, &u, &UpdateOptions::default()))
        }
        DecodeKind::Open => {
            let (t, body) = split_message(&bytes)?;
            if t != 1 {
                return Err(DecodeError::BadHeader(format!(
                    "message type {t} is not OPEN"
                )));
            }
            let o = crate::wire::open::Open::decode(body).map_err(DecodeError::Message)?;
            Ok(json::open(env, &nb, &o, OpenStyle::Received, None))
        }
        DecodeKind::Nlri => {
            let family = family.ok_or(DecodeError::MissingFamily)?;
            let nlri = crate::wire::nlri::decode_nlri_vec(family, opts.add_path, &bytes)
                .map_err(|e| DecodeError::Nlri(e.to_string()))?;
            let mut out = String::new();
            for (i, n) in nlri.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json::write_nlri(&mut out, n, false);
            }
            Ok(out)
        }
    }
}
