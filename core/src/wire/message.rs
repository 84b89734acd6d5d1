//! A whole BGP message, decoded or to encode.

use super::error::DecodeError;
use super::header::{bad_length, Frame, MessageType, HEADER_LEN, MARKER};
use super::notification::Notification;
use super::open::Open;
use super::route_refresh::RouteRefresh;
use super::update::Update;
use super::CodecContext;
use bytes::{BufMut, Bytes, BytesMut};

// UPDATE dominates the size; boxing it would change the shared model other
// modules match on, and messages are short-lived (decoded, handled, dropped).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Open(Open),
    Update(Update),
    Notification(Notification),
    Keepalive,
    RouteRefresh(RouteRefresh),
    /// A message type we do not know: kept so the FSM can answer 1/3.
    Unknown {
        kind: u8,
        body: Bytes,
    },
}

impl Message {
    /// Decode a framed message in the given session context.
    ///
    /// Length rules the framer enforces are checked again here (a frame may be
    /// built by hand), so this never panics and reports 1/2 for a body too short
    /// for its type.
    pub fn decode(frame: &Frame, ctx: &CodecContext) -> Result<Message, DecodeError> {
        let body = &frame.body;
        if !frame.kind.accepts_len(frame.wire_len()) {
            return Err(bad_length(frame.wire_len(), frame.kind.name()));
        }
        match frame.kind {
            MessageType::Open => Open::decode(body).map(Message::Open),
            MessageType::Update => Update::decode(body, ctx).map(Message::Update),
            MessageType::Notification => Notification::decode(body).map(Message::Notification),
            MessageType::Keepalive => Ok(Message::Keepalive),
            MessageType::RouteRefresh => RouteRefresh::decode(body).map(Message::RouteRefresh),
            MessageType::Other(kind) => Ok(Message::Unknown {
                kind,
                body: body.clone(),
            }),
        }
    }

    /// The message type code.
    pub fn kind(&self) -> MessageType {
        match self {
            Message::Open(_) => MessageType::Open,
            Message::Update(_) => MessageType::Update,
            Message::Notification(_) => MessageType::Notification,
            Message::Keepalive => MessageType::Keepalive,
            Message::RouteRefresh(_) => MessageType::RouteRefresh,
            Message::Unknown { kind, .. } => MessageType::from_code(*kind),
        }
    }

    /// Append the whole message (header included) to `out`. The length field
    /// is patched in once the body is written. A body that would exceed 65535
    /// octets cannot be framed; the length then saturates (the UPDATE packer
    /// is responsible for staying within `ctx.max_message`).
    pub fn encode(&self, ctx: &CodecContext, out: &mut BytesMut) {
        let start = out.len();
        out.put_slice(&MARKER);
        out.put_u16(0);
        out.put_u8(self.kind().code());
        match self {
            Message::Open(o) => o.encode_body(out),
            Message::Update(u) => u.encode_body(ctx, out),
            Message::Notification(n) => n.encode_body(out),
            Message::Keepalive => {}
            Message::RouteRefresh(r) => r.encode_body(out),
            Message::Unknown { body, .. } => out.put_slice(body),
        }
        let len = out.len() - start;
        if len > ctx.max_message {
            log::warn!(
                "encoded {} message of {len} octets exceeds the maximum of {}",
                self.kind().name(),
                ctx.max_message
            );
        }
        let l = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
        out[start + 16] = l[0];
        out[start + 17] = l[1];
    }

    /// The whole message as bytes.
    pub fn to_bytes(&self, ctx: &CodecContext) -> Bytes {
        let mut out = BytesMut::with_capacity(HEADER_LEN + 64);
        self.encode(ctx, &mut out);
        out.freeze()
    }
}

/// A KEEPALIVE on the wire: the header alone (RFC 4271 §4.4).
pub const KEEPALIVE: [u8; HEADER_LEN] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x00, 0x13, 0x04,
];

#[cfg(test)]
#[path = "tests/mod.rs"]
mod tests;
