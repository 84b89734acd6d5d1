//! LOCAL_PREF (RFC 4271 §5.1.5): well-known, 4 octets.

use super::Malformed;
use bytes::{BufMut, BytesMut};

pub fn decode(value: &[u8]) -> Result<u32, Malformed> {
    super::med::decode_u32(value, "LOCAL_PREF")
}

pub fn encode(pref: u32, out: &mut BytesMut) {
    out.put_u32(pref);
}
