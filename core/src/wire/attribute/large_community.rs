//! LARGE_COMMUNITY (RFC 8092): optional transitive list of 12-octet values.

use super::{LargeCommunity, Malformed};
use bytes::{BufMut, BytesMut};
use std::fmt;

/// RFC 8092 §5 / RFC 7606: a length that is not a non-zero multiple of 12 is
/// malformed (treat-as-withdraw).
pub fn decode(value: &[u8]) -> Result<Vec<LargeCommunity>, Malformed> {
    if value.is_empty() || !value.chunks_exact(12).remainder().is_empty() {
        return Err(Malformed::new(format!(
            "LARGE_COMMUNITY length {} is not a multiple of 12",
            value.len()
        )));
    }
    Ok(value
        .chunks_exact(12)
        .map(|c| LargeCommunity {
            global: u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
            local1: u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
            local2: u32::from_be_bytes([c[8], c[9], c[10], c[11]]),
        })
        .collect())
}

pub fn encode(list: &[LargeCommunity], out: &mut BytesMut) {
    for c in list {
        out.put_u32(c.global);
        out.put_u32(c.local1);
        out.put_u32(c.local2);
    }
}

impl fmt::Display for LargeCommunity {
    /// `global:local1:local2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.global, self.local1, self.local2)
    }
}
