//! Message header and stream framing (RFC 4271 §4.1).
//!
//! [`Framer`] turns a TCP byte stream, split anywhere, into whole messages. Bytes
//! are copied once, into the framer's buffer; complete messages are handed out as
//! `Bytes` slices of that buffer (no second copy).

use super::error::DecodeError;
use bytes::{Bytes, BytesMut};

/// The 16-octet all-ones marker.
pub const MARKER: [u8; 16] = [0xFF; 16];
/// Marker + length + type.
pub const HEADER_LEN: usize = 19;

/// Message type codes (RFC 4271 §4.1, RFC 2918 for ROUTE-REFRESH).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageType {
    Open,
    Update,
    Notification,
    Keepalive,
    RouteRefresh,
    /// Any other type code (answered with NOTIFICATION 1/3 by the FSM).
    Other(u8),
}

impl MessageType {
    pub fn from_code(c: u8) -> MessageType {
        match c {
            1 => MessageType::Open,
            2 => MessageType::Update,
            3 => MessageType::Notification,
            4 => MessageType::Keepalive,
            5 => MessageType::RouteRefresh,
            o => MessageType::Other(o),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            MessageType::Open => 1,
            MessageType::Update => 2,
            MessageType::Notification => 3,
            MessageType::Keepalive => 4,
            MessageType::RouteRefresh => 5,
            MessageType::Other(o) => o,
        }
    }
}

/// One framed message: its type and its body (header stripped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: MessageType,
    pub body: Bytes,
}

/// Reassembles messages from a byte stream.
#[derive(Debug)]
pub struct Framer {
    buf: BytesMut,
    max_message: usize,
}

impl Framer {
    /// `max_message` is the largest length accepted (4096 until extended message
    /// is negotiated, RFC 8654).
    pub fn new(max_message: usize) -> Self {
        Framer {
            buf: BytesMut::with_capacity(4096),
            max_message,
        }
    }

    pub fn set_max_message(&mut self, max: usize) {
        self.max_message = max;
    }

    /// Append bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    /// Errors: bad marker → 1/1, length < 19 or > max (or too short for its
    /// type) → 1/2 with the length as data (RFC 4271 §6.1).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        todo!("wire-msg helper: header parsing")
    }
}
