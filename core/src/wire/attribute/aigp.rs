//! AIGP (RFC 7311 §3): optional non-transitive, a list of TLVs of which only
//! type 1 (the AIGP metric, 8 octets) is defined.

use super::Malformed;
use bytes::{BufMut, BytesMut};

const TLV_AIGP: u8 = 1;
/// Type (1) + length (2) + metric (8): the TLV length covers the whole TLV.
const TLV_AIGP_LEN: u16 = 11;

/// RFC 7311 §3.1: a TLV overrunning the attribute, a type-1 TLV whose length
/// is not 11, or a second type-1 TLV make the attribute malformed (it is then
/// discarded, §3.1/RFC 7606 §7.14). Unknown TLVs are skipped. An attribute
/// without a type-1 TLV is malformed too: there is nothing to keep.
pub fn decode(value: &[u8]) -> Result<u64, Malformed> {
    let mut rest = value;
    let mut metric = None;
    while !rest.is_empty() {
        let [t, l1, l2, ..] = *rest else {
            return Err(Malformed::new("AIGP TLV header truncated"));
        };
        let len = u16::from_be_bytes([l1, l2]);
        if len < 3 || len as usize > rest.len() {
            return Err(Malformed::new(format!("AIGP TLV length {len} invalid")));
        }
        if t == TLV_AIGP {
            if len != TLV_AIGP_LEN || metric.is_some() {
                return Err(Malformed::new("AIGP metric TLV malformed or repeated"));
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&rest[3..11]);
            metric = Some(u64::from_be_bytes(b));
        }
        rest = &rest[len as usize..];
    }
    metric.ok_or_else(|| Malformed::new("AIGP without metric TLV"))
}

pub fn encode(metric: u64, out: &mut BytesMut) {
    out.put_u8(TLV_AIGP);
    out.put_u16(TLV_AIGP_LEN);
    out.put_u64(metric);
}

/// ExaBGP's rendering: `0x` and 16 hex digits.
pub fn to_hex(metric: u64) -> String {
    format!("0x{metric:016X}")
}
