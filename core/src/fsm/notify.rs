//! NOTIFICATIONs the FSM sends, with the data ExaBGP puts in them (reference
//! §6.4): a text explaining the error in ASCII, the subcode's description when
//! there is nothing more specific, and for Cease 6/2 and 6/4 an RFC 8203/9003
//! shutdown communication (one length octet, then UTF-8 text).

use crate::wire::Notification;
use bytes::Bytes;

/// The RFC 4271 / 4486 / 9384 name of a code/subcode pair, as ExaBGP spells it.
pub fn subcode_description(code: u8, subcode: u8) -> &'static str {
    match (code, subcode) {
        (1, 0) | (2, 0) | (4, 0) | (5, 0) | (6, 0) => "Unspecific",
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
        _ => "unknown notification type",
    }
}

/// A NOTIFICATION carrying `text` (or the subcode description when `None`).
/// Cease 6/2 and 6/4 get the shutdown-communication length prefix (RFC 9003
/// §2: at most 255 octets, so longer texts are cut on a character boundary).
pub fn with_text(code: u8, subcode: u8, text: Option<&str>) -> Notification {
    let text = text.unwrap_or_else(|| subcode_description(code, subcode));
    let data = if (code, subcode) == (6, 2) || (code, subcode) == (6, 4) {
        let mut cut = text.len().min(255);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut v = Vec::with_capacity(cut + 1);
        v.push(cut as u8);
        v.extend_from_slice(&text.as_bytes()[..cut]);
        Bytes::from(v)
    } else {
        Bytes::copy_from_slice(text.as_bytes())
    };
    Notification {
        code,
        subcode,
        data,
    }
}

/// A NOTIFICATION with raw data (decode errors carry bytes, e.g. 1/2's length).
pub fn with_data(code: u8, subcode: u8, data: Bytes) -> Notification {
    Notification {
        code,
        subcode,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrative_reset_matches_the_corpus() {
        // api-teardown.msg: 03 06 04 14 "Administrative Reset"
        let n = with_text(6, 4, None);
        assert_eq!(&n.data[..1], &[0x14]);
        assert_eq!(&n.data[1..], b"Administrative Reset");
        let n = with_text(6, 3, None);
        assert_eq!(&n.data[..], b"Peer De-configured");
        let n = with_text(4, 0, Some(""));
        assert!(n.data.is_empty());
    }
}
