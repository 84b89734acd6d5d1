//! Message header and stream framing (RFC 4271 §4.1).
//!
//! [`Framer`] turns a TCP byte stream, split anywhere, into whole messages. Bytes
//! are copied once, into the framer's buffer; complete messages are handed out as
//! `Bytes` slices of that buffer (no second copy).

use super::error::DecodeError;
use bytes::{Buf, Bytes, BytesMut};

/// The 16-octet all-ones marker.
pub const MARKER: [u8; 16] = [0xFF; 16];
/// Marker + length + type.
pub const HEADER_LEN: usize = 19;

/// The text ExaBGP puts in the 1/1 NOTIFICATION it sends for a bad marker.
pub const BAD_MARKER_TEXT: &str = "The packet received does not contain a BGP marker";

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

    /// Smallest legal length, header included: RFC 4271 §4.2 (OPEN 29), §4.3
    /// (UPDATE 23), §4.5 (NOTIFICATION 21), §4.4 (KEEPALIVE 19), RFC 2918 §3
    /// (ROUTE-REFRESH 23). Unknown types only need a header.
    pub fn min_len(self) -> usize {
        match self {
            MessageType::Open => 29,
            MessageType::Update => 23,
            MessageType::Notification => 21,
            MessageType::Keepalive => 19,
            MessageType::RouteRefresh => 23,
            MessageType::Other(_) => HEADER_LEN,
        }
    }

    /// Whether `len` (header included) is acceptable for this type before the
    /// body is looked at. KEEPALIVE is exactly 19 octets (RFC 4271 §4.4).
    /// ROUTE-REFRESH longer than 23 is left to the decoder: RFC 5291 (ORF) lets
    /// subtype 0 be longer, RFC 7313 §5 wants 7/1 for subtypes 1 and 2.
    pub fn accepts_len(self, len: usize) -> bool {
        match self {
            MessageType::Keepalive => len == HEADER_LEN,
            other => len >= other.min_len(),
        }
    }

    /// ExaBGP's lower-case message name (`open`, `update`, ...), `unknown` else.
    pub fn name(self) -> &'static str {
        match self {
            MessageType::Open => "open",
            MessageType::Update => "update",
            MessageType::Notification => "notification",
            MessageType::Keepalive => "keepalive",
            MessageType::RouteRefresh => "route-refresh",
            MessageType::Other(_) => "unknown",
        }
    }
}

/// One framed message: its type and its body (header stripped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub kind: MessageType,
    pub body: Bytes,
}

impl Frame {
    /// Total length on the wire, header included.
    pub fn wire_len(&self) -> usize {
        HEADER_LEN + self.body.len()
    }

    /// The 19-octet header this frame arrived with (for the API's raw `header`
    /// output and for error data that must quote the whole message).
    pub fn header(&self) -> [u8; HEADER_LEN] {
        header_bytes(self.kind.code(), self.wire_len())
    }
}

/// A header for a message of type `kind` and total length `len` (clamped to
/// 65535, the largest value the field can carry).
pub fn header_bytes(kind: u8, len: usize) -> [u8; HEADER_LEN] {
    let mut h = [0xFF; HEADER_LEN];
    let l = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    h[16] = l[0];
    h[17] = l[1];
    h[18] = kind;
    h
}

/// The 1/2 error for a bad length: RFC 4271 §6.1 says the data is the
/// erroneous 2-octet Length field.
pub(crate) fn bad_length(len: usize, why: &str) -> DecodeError {
    let l = u16::try_from(len).unwrap_or(u16::MAX);
    DecodeError::new(
        1,
        2,
        Bytes::copy_from_slice(&l.to_be_bytes()),
        format!("{why}: invalid message length of {len}"),
    )
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

    pub fn max_message(&self) -> usize {
        self.max_message
    }

    /// Append bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes buffered but not yet returned as a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Forget everything buffered (new connection).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    /// Errors: bad marker → 1/1, length < 19 or > max (or too short for its
    /// type) → 1/2 with the length as data (RFC 4271 §6.1). An unknown type is
    /// not a framing error: it is framed and the FSM answers 1/3.
    ///
    /// An error is detected as soon as the header is complete, without waiting
    /// for the body; the offending bytes stay buffered, so calling again returns
    /// the same error (the session is over anyway).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DecodeError> {
        let Some(header) = self.buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        if header[..16] != MARKER {
            // RFC 4271 §6.1: Connection Not Synchronized. ExaBGP sends its
            // report sentence as the data.
            return Err(DecodeError::new(
                1,
                1,
                Bytes::from_static(BAD_MARKER_TEXT.as_bytes()),
                BAD_MARKER_TEXT,
            ));
        }
        let len = u16::from_be_bytes([header[16], header[17]]) as usize;
        let kind = MessageType::from_code(header[18]);
        if len < HEADER_LEN || len > self.max_message || !kind.accepts_len(len) {
            return Err(bad_length(len, kind.name()));
        }
        if self.buf.len() < len {
            // Make room for the whole message at once, so a large message
            // arriving in small pieces does not reallocate repeatedly.
            self.buf.reserve(len - self.buf.len());
            return Ok(None);
        }
        let mut msg = self.buf.split_to(len);
        msg.advance(HEADER_LEN);
        Ok(Some(Frame {
            kind,
            body: msg.freeze(),
        }))
    }
}
