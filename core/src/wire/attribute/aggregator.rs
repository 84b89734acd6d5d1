//! ATOMIC_AGGREGATE (RFC 4271 §5.1.6), AGGREGATOR (§5.1.7) and AS4_AGGREGATOR
//! (RFC 6793 §3). Errors in any of them only discard the attribute
//! (RFC 7606 §7.6, §7.7; RFC 6793 §6).

use super::{Aggregator, Malformed};
use bytes::{BufMut, BytesMut};
use std::fmt;
use std::net::Ipv4Addr;

/// RFC 7606 §7.6: ATOMIC_AGGREGATE must be empty.
pub fn decode_atomic(value: &[u8]) -> Result<(), Malformed> {
    if value.is_empty() {
        Ok(())
    } else {
        Err(Malformed::new(format!(
            "ATOMIC_AGGREGATE length {} is not 0",
            value.len()
        )))
    }
}

/// AGGREGATOR: 6 octets on a 2-octet-AS session, 8 with ASN4 (RFC 6793 §4.1).
/// AS4_AGGREGATOR is always 8 (`asn4 = true`).
pub fn decode(value: &[u8], asn4: bool) -> Result<Aggregator, Malformed> {
    match (asn4, value) {
        (false, [a, b, i1, i2, i3, i4]) => Ok(Aggregator {
            asn: u16::from_be_bytes([*a, *b]) as u32,
            address: Ipv4Addr::new(*i1, *i2, *i3, *i4),
        }),
        (true, [a, b, c, d, i1, i2, i3, i4]) => Ok(Aggregator {
            asn: u32::from_be_bytes([*a, *b, *c, *d]),
            address: Ipv4Addr::new(*i1, *i2, *i3, *i4),
        }),
        _ => Err(Malformed::new(format!(
            "AGGREGATOR length {} invalid for {}-octet AS",
            value.len(),
            if asn4 { 4 } else { 2 }
        ))),
    }
}

/// On a 2-octet session an ASN above 65535 is written as AS_TRANS (RFC 6793 §4.2.2).
pub fn encode(agg: &Aggregator, asn4: bool, out: &mut BytesMut) {
    if asn4 {
        out.put_u32(agg.asn);
    } else {
        out.put_u16(super::as_path::two_octet(agg.asn));
    }
    out.put_slice(&agg.address.octets());
}

impl fmt::Display for Aggregator {
    /// ExaBGP's rendering: `65000:1.2.3.4`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.asn, self.address)
    }
}
