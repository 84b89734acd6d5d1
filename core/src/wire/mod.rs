//! The BGP wire codec: message framing, OPEN and capabilities, UPDATE with path
//! attributes and NLRI, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.
//!
//! Decoding works on borrowed slices (hand-written bounds-checked readers; nom
//! for OPEN and AS_PATH) and never panics on arbitrary input:
//! every failure is a [`DecodeError`] that says which NOTIFICATION (code, subcode,
//! data) RFC 4271 §6 / RFC 7606 asks for. Encoding appends to a `bytes::BytesMut`.
//! Session-dependent details (4-octet AS, ADD-PATH, maximum message size) come
//! from a [`CodecContext`].

pub mod attribute;
pub mod capability;
pub mod error;
pub mod family;
pub mod header;
pub mod message;
pub mod nlri;
pub mod notification;
pub mod open;
pub mod route_refresh;
pub mod update;

pub use attribute::{Attribute, Attributes};
pub use capability::Capability;
pub use error::DecodeError;
pub use family::{Afi, Family, Safi};
pub use header::{Framer, MessageType, HEADER_LEN, MARKER};
pub use message::Message;
pub use nlri::{Nlri, Prefix};
pub use notification::Notification;
pub use open::Open;
pub use route_refresh::RouteRefresh;
pub use update::Update;

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Largest message without the extended-message capability (RFC 4271 §4.1).
pub const MAX_MESSAGE: usize = 4096;
/// Largest message with the extended-message capability (RFC 8654).
pub const MAX_EXTENDED_MESSAGE: usize = 65535;

/// What the codec needs to know about the session it encodes for or decodes from.
/// Built from the negotiated OPENs; [`CodecContext::default`] is the pre-OPEN
/// context (2-octet AS, no ADD-PATH, 4096-byte messages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodecContext {
    /// Both sides advertised the 4-octet AS capability (RFC 6793).
    pub asn4: bool,
    /// Largest message we may send and must accept.
    pub max_message: usize,
    /// Families for which received NLRI carry a path identifier (RFC 7911).
    pub add_path_receive: BTreeSet<Family>,
    /// Families for which sent NLRI carry a path identifier.
    pub add_path_send: BTreeSet<Family>,
}

impl Default for CodecContext {
    fn default() -> Self {
        CodecContext {
            asn4: false,
            max_message: MAX_MESSAGE,
            add_path_receive: BTreeSet::new(),
            add_path_send: BTreeSet::new(),
        }
    }
}
