//! NOTIFICATION (RFC 4271 §4.5) with every code/subcode of RFC 4271, 4486, 8203,
//! 9003 and friends, and the shutdown communication of RFC 8203/9003.
//!
//! Two text conventions matter for ExaBGP compatibility (reference §6.4):
//! * **sent**: the data is an ASCII sentence, by default the subcode's
//!   description ([`exabgp_sentence`]), e.g. 6/3 → `Peer De-configured`; for
//!   Cease 6/2 and 6/4 it is an RFC 8203/9003 shutdown communication (one length
//!   octet then UTF-8), e.g. 6/4 → `14 "Administrative Reset"`.
//! * **received**: [`Notification::message`] is the `"message"` of ExaBGP's JSON:
//!   6/2 and 6/4 data decoded as `Shutdown Communication: "..."`, other data as
//!   text.

use super::error::DecodeError;
use super::header::{bad_length, HEADER_LEN};
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    pub data: Bytes,
}

pub const MESSAGE_HEADER_ERROR: u8 = 1;
pub const OPEN_MESSAGE_ERROR: u8 = 2;
pub const UPDATE_MESSAGE_ERROR: u8 = 3;
pub const HOLD_TIMER_EXPIRED: u8 = 4;
pub const FSM_ERROR: u8 = 5;
pub const CEASE: u8 = 6;
pub const ROUTE_REFRESH_ERROR: u8 = 7;
pub const SEND_HOLD_TIMER_EXPIRED: u8 = 8;

/// Cease subcodes (RFC 4486, RFC 8538, RFC 9384).
pub mod cease {
    pub const MAX_PREFIXES: u8 = 1;
    pub const ADMINISTRATIVE_SHUTDOWN: u8 = 2;
    pub const PEER_DECONFIGURED: u8 = 3;
    pub const ADMINISTRATIVE_RESET: u8 = 4;
    pub const CONNECTION_REJECTED: u8 = 5;
    pub const OTHER_CONFIGURATION_CHANGE: u8 = 6;
    pub const CONNECTION_COLLISION: u8 = 7;
    pub const OUT_OF_RESOURCES: u8 = 8;
    pub const HARD_RESET: u8 = 9;
    pub const BFD_DOWN: u8 = 10;
}

/// RFC 9003 §2: a shutdown communication is at most 255 octets.
pub const SHUTDOWN_COMMUNICATION_MAX: usize = 255;
/// RFC 8203 limit, which ExaBGP still enforces when decoding.
pub const SHUTDOWN_COMMUNICATION_MAX_LEGACY: usize = 128;

/// ExaBGP's name of an error code (`unknown error` otherwise).
pub fn exabgp_code_name(code: u8) -> &'static str {
    match code {
        1 => "Message header error",
        2 => "OPEN message error",
        3 => "UPDATE message error",
        4 => "Hold timer expired",
        5 => "State machine error",
        6 => "Cease",
        _ => "unknown error",
    }
}

/// ExaBGP's description of a (code, subcode), `None` where ExaBGP has none.
fn exabgp_subcode(code: u8, subcode: u8) -> Option<&'static str> {
    Some(match (code, subcode) {
        (1..=6, 0) => "Unspecific",
        (1, 1) => "Connection Not Synchronized",
        (1, 2) => "Bad Message Length",
        (1, 3) => "Bad Message Type",
        (2, 1) => "Unsupported Version Number",
        (2, 2) => "Bad Peer AS",
        (2, 3) => "Bad BGP Identifier",
        (2, 4) => "Unsupported Optional Parameter",
        (2, 5) => "Authentication Notification (Deprecated)",
        (2, 6) => "Unacceptable Hold Time",
        (2, 7) => "Unsupported Capability",
        (2, 8) => "Grouping Conflict",
        (2, 9) => "Grouping Required",
        (2, 10) => "Capability Value Mismatch",
        (3, 1) => "Malformed Attribute List",
        (3, 2) => "Unrecognized Well-known Attribute",
        (3, 3) => "Missing Well-known Attribute",
        (3, 4) => "Attribute Flags Error",
        (3, 5) => "Attribute Length Error",
        (3, 6) => "Invalid ORIGIN Attribute",
        (3, 7) => "AS Routing Loop",
        (3, 8) => "Invalid NEXT_HOP Attribute",
        (3, 9) => "Optional Attribute Error",
        (3, 10) => "Invalid Network Field",
        (3, 11) => "Malformed AS_PATH",
        (5, 1) => "Receive Unexpected Message in OpenSent State",
        (5, 2) => "Receive Unexpected Message in OpenConfirm State",
        (5, 3) => "Receive Unexpected Message in Established State",
        (6, 1) => "Maximum Number of Prefixes Reached",
        (6, 2) => "Administrative Shutdown",
        (6, 3) => "Peer De-configured",
        (6, 4) => "Administrative Reset",
        (6, 5) => "Connection Rejected",
        (6, 6) => "Other Configuration Change",
        (6, 7) => "Connection Collision Resolution",
        (6, 8) => "Out of Resources",
        (7, 1) => "Invalid Message Length",
        (7, 2) => "Malformed Message Subtype",
        _ => return None,
    })
}

/// The sentence ExaBGP puts in the data of a NOTIFICATION it sends without a
/// more specific text: the subcode's description, `unknown notification type`
/// for pairs it does not know.
pub fn exabgp_sentence(code: u8, subcode: u8) -> &'static str {
    exabgp_subcode(code, subcode).unwrap_or("unknown notification type")
}

/// ExaBGP's subcode description for logs (`unknow reason` [sic] if unknown).
pub fn exabgp_subcode_name(code: u8, subcode: u8) -> &'static str {
    exabgp_subcode(code, subcode).unwrap_or("unknow reason")
}

/// IANA name of an error code ("BGP Error (Notification) Codes").
pub fn code_name(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "Message Header Error",
        2 => "OPEN Message Error",
        3 => "UPDATE Message Error",
        4 => "Hold Timer Expired",
        5 => "Finite State Machine Error",
        6 => "Cease",
        7 => "ROUTE-REFRESH Message Error",
        8 => "Send Hold Timer Expired",
        _ => return None,
    })
}

/// IANA name of a subcode: RFC 4271 §4.5, RFC 5492 (2/7), RFC 9234 (2/11),
/// RFC 6608 (5/x), RFC 4486 / 8203 / 9003 / 8538 / 9384 (6/x), RFC 7313 (7/1).
/// Deprecated codepoints are named as ExaBGP names them.
pub fn subcode_name(code: u8, subcode: u8) -> Option<&'static str> {
    Some(match (code, subcode) {
        (2, 11) => "Role Mismatch",
        (6, 9) => "Hard Reset",
        (6, 10) => "BFD Down",
        (4 | 7 | 8, 0) => "Unspecific",
        _ => return exabgp_subcode(code, subcode),
    })
}

/// Hex as ExaBGP prints it: `0x` then upper-case digits.
pub fn hexstring(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for x in b {
        s.push_str(&format!("{x:02X}"));
    }
    s
}

fn is_shutdown(code: u8, subcode: u8) -> bool {
    code == CEASE
        && (subcode == cease::ADMINISTRATIVE_SHUTDOWN || subcode == cease::ADMINISTRATIVE_RESET)
}

impl Notification {
    pub fn new(code: u8, subcode: u8, data: impl Into<Bytes>) -> Notification {
        Notification {
            code,
            subcode,
            data: data.into(),
        }
    }

    /// A NOTIFICATION carrying `text` the way ExaBGP sends it: for Cease 6/2
    /// and 6/4 as an RFC 8203/9003 shutdown communication (length octet, UTF-8
    /// cut to 255 octets on a character boundary), otherwise the text as is.
    pub fn with_text(code: u8, subcode: u8, text: &str) -> Notification {
        if is_shutdown(code, subcode) {
            let t = super::capability::truncate_utf8(text, SHUTDOWN_COMMUNICATION_MAX);
            let mut data = BytesMut::with_capacity(1 + t.len());
            data.put_u8(t.len() as u8);
            data.put_slice(t.as_bytes());
            return Notification::new(code, subcode, data.freeze());
        }
        Notification::new(code, subcode, Bytes::copy_from_slice(text.as_bytes()))
    }

    /// Cease with a text (RFC 4486; shutdown communication for subcodes 2 and
    /// 4, RFC 8203/9003).
    pub fn cease(subcode: u8, text: &str) -> Notification {
        Notification::with_text(CEASE, subcode, text)
    }

    /// What ExaBGP sends when no specific text is given: the data is the
    /// subcode's description ([`exabgp_sentence`]), length-prefixed for 6/2 and
    /// 6/4. E.g. `exabgp(6, 4)` is `06 04 14 "Administrative Reset"`.
    pub fn exabgp(code: u8, subcode: u8) -> Notification {
        Notification::with_text(code, subcode, exabgp_sentence(code, subcode))
    }

    /// ExaBGP's 1/3 for a message type it does not know (RFC 4271 §6.1 wants
    /// the type as data; ExaBGP sends this sentence).
    pub fn bad_message_type(kind: u8) -> Notification {
        Notification::with_text(1, 3, &format!("can not decode message of type \"{kind}\""))
    }

    /// The NOTIFICATION a decode error asks for.
    pub fn from_error(e: &DecodeError) -> Notification {
        Notification::new(e.code, e.subcode, e.data.clone())
    }

    /// Decode a NOTIFICATION body. RFC 4271 §4.5: code and subcode are
    /// mandatory; a shorter body is 1/2 (the FSM must not answer it, §6.5).
    /// Zero-copy: the data is a slice of `body`.
    pub fn decode(body: &Bytes) -> Result<Notification, DecodeError> {
        let (Some(&code), Some(&subcode)) = (body.first(), body.get(1)) else {
            return Err(bad_length(body.len() + HEADER_LEN, "notification"));
        };
        Ok(Notification {
            code,
            subcode,
            data: body.slice(2..),
        })
    }

    /// Append the body (no header).
    pub fn encode_body(&self, out: &mut BytesMut) {
        out.put_u8(self.code);
        out.put_u8(self.subcode);
        out.put_slice(&self.data);
    }

    /// The RFC 8203/9003 shutdown communication of a Cease 6/2 or 6/4: `None`
    /// for other codes, without data, or when the length octet is 0 or
    /// overruns, or the text is not UTF-8.
    pub fn shutdown_communication(&self) -> Option<String> {
        if !is_shutdown(self.code, self.subcode) {
            return None;
        }
        let (&len, rest) = self.data.split_first()?;
        if len == 0 {
            return None;
        }
        let text = rest.get(..len as usize)?;
        std::str::from_utf8(text).ok().map(str::to_owned)
    }

    /// ExaBGP's interpretation of received data, as bytes: for 6/2 and 6/4 the
    /// decoded shutdown communication (`Shutdown Communication: "..."` or an
    /// explanation of why it is invalid, with ExaBGP's 128-octet legacy limit),
    /// for everything else the data unchanged.
    pub fn received_text(&self) -> Vec<u8> {
        if !is_shutdown(self.code, self.subcode) {
            return self.data.to_vec();
        }
        let Some((&len, rest)) = self.data.split_first() else {
            return Vec::new();
        };
        let len = len as usize;
        if len == 0 {
            return b"empty Shutdown Communication.".to_vec();
        }
        let Some(text) = rest.get(..len) else {
            return format!(
                "invalid Shutdown Communication (buffer underrun) length : {len} [{}]",
                hexstring(rest)
            )
            .into_bytes();
        };
        if len > SHUTDOWN_COMMUNICATION_MAX_LEGACY {
            return format!(
                "invalid Shutdown Communication (too large) length : {len} [{}]",
                hexstring(rest)
            )
            .into_bytes();
        }
        let Ok(text) = std::str::from_utf8(text) else {
            return format!(
                "invalid Shutdown Communication (invalid UTF-8) length : {len} [{}]",
                hexstring(rest)
            )
            .into_bytes();
        };
        let mut s = format!(
            "Shutdown Communication: \"{}\"",
            text.replace(['\r', '\n'], " ")
        );
        let trailer = &rest[len..];
        if !trailer.is_empty() {
            s.push_str(", trailing data: ");
            s.push_str(&hexstring(trailer));
        }
        s.into_bytes()
    }

    /// The `"message"` of ExaBGP's JSON for a *received* NOTIFICATION, e.g.
    /// `Shutdown Communication: "Administrative Shutdown"`; non-UTF-8 octets
    /// become U+FFFD.
    pub fn message(&self) -> String {
        String::from_utf8_lossy(&self.received_text()).into_owned()
    }

    /// The `"data"` of ExaBGP's JSON for a received NOTIFICATION: hex of
    /// [`received_text`](Self::received_text) (so for 6/2 the hex of the
    /// `Shutdown Communication: ...` sentence, as ExaBGP prints it).
    pub fn json_data(&self) -> String {
        hexstring(&self.received_text())
    }

    /// The `"message"` of ExaBGP's JSON for a NOTIFICATION *we sent*: the raw
    /// data as text.
    pub fn sent_message(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

impl From<&DecodeError> for Notification {
    fn from(e: &DecodeError) -> Notification {
        Notification::from_error(e)
    }
}

impl From<DecodeError> for Notification {
    fn from(e: DecodeError) -> Notification {
        Notification::new(e.code, e.subcode, e.data)
    }
}

impl fmt::Display for Notification {
    /// ExaBGP's log line: `Cease / Administrative Reset / <text>`; the text
    /// part is the interpreted data if ASCII, else its hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {}",
            exabgp_code_name(self.code),
            exabgp_subcode_name(self.code, self.subcode)
        )?;
        let text = self.received_text();
        if text.is_empty() {
            return Ok(());
        }
        if text.is_ascii() {
            write!(f, " / {}", String::from_utf8_lossy(&text))
        } else {
            write!(f, " / {}", hexstring(&text))
        }
    }
}
