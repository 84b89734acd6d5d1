//! NEXT_HOP (RFC 4271 §5.1.3): the IPv4 next hop of classic IPv4 NLRI. MP next
//! hops are part of MP_REACH_NLRI (see `update`).

use super::Malformed;
use bytes::{BufMut, BytesMut};
use std::net::Ipv4Addr;

/// RFC 7606 §7.3: a length other than 4 is malformed.
pub fn decode(value: &[u8]) -> Result<Ipv4Addr, Malformed> {
    match value {
        [a, b, c, d] => Ok(Ipv4Addr::new(*a, *b, *c, *d)),
        _ => Err(Malformed::new(format!(
            "NEXT_HOP length {} is not 4",
            value.len()
        ))),
    }
}

pub fn encode(nh: Ipv4Addr, out: &mut BytesMut) {
    out.put_slice(&nh.octets());
}
