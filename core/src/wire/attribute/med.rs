//! MULTI_EXIT_DISC (RFC 4271 §5.1.4): optional non-transitive, 4 octets.

use super::Malformed;
use bytes::{BufMut, BytesMut};

/// Four-octet value shared by MED and LOCAL_PREF. RFC 7606 §7.4/§7.5: any
/// other length is malformed.
pub(crate) fn decode_u32(value: &[u8], what: &str) -> Result<u32, Malformed> {
    match value {
        [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => Err(Malformed::new(format!(
            "{what} length {} is not 4",
            value.len()
        ))),
    }
}

pub fn decode(value: &[u8]) -> Result<u32, Malformed> {
    decode_u32(value, "MED")
}

pub fn encode(med: u32, out: &mut BytesMut) {
    out.put_u32(med);
}
