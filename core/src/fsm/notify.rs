//! NOTIFICATIONs the FSM sends, with the data ExaBGP puts in them (reference
//! §6.4): a text explaining the error in ASCII, the subcode's description when
//! there is nothing more specific, and for Cease 6/2 and 6/4 an RFC 8203/9003
//! shutdown communication (one length octet, then UTF-8 text). Thin wrappers
//! over the codec's [`Notification`] constructors.

use crate::wire::Notification;
use bytes::Bytes;

/// A NOTIFICATION carrying `text`, or when `None` the subcode's description
/// as ExaBGP sends it (length-prefixed shutdown communication for 6/2, 6/4).
pub fn with_text(code: u8, subcode: u8, text: Option<&str>) -> Notification {
    match text {
        Some(t) => Notification::with_text(code, subcode, t),
        None => Notification::exabgp(code, subcode),
    }
}

/// A NOTIFICATION with raw data (decode errors carry bytes, e.g. 1/2's length).
pub fn with_data(code: u8, subcode: u8, data: Bytes) -> Notification {
    Notification::new(code, subcode, data)
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
