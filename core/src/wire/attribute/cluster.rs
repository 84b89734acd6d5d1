//! ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 §8): route reflection loop
//! prevention, both optional non-transitive.

use super::Malformed;
use bytes::{BufMut, BytesMut};
use std::net::Ipv4Addr;

/// RFC 7606 §7.9: ORIGINATOR_ID length other than 4 is malformed.
pub fn decode_originator_id(value: &[u8]) -> Result<Ipv4Addr, Malformed> {
    match value {
        [a, b, c, d] => Ok(Ipv4Addr::new(*a, *b, *c, *d)),
        _ => Err(Malformed::new(format!(
            "ORIGINATOR_ID length {} is not 4",
            value.len()
        ))),
    }
}

/// RFC 7606 §7.10: CLUSTER_LIST length not a non-zero multiple of 4 is malformed.
pub fn decode_cluster_list(value: &[u8]) -> Result<Vec<Ipv4Addr>, Malformed> {
    if value.is_empty() || !value.chunks_exact(4).remainder().is_empty() {
        return Err(Malformed::new(format!(
            "CLUSTER_LIST length {} is not a multiple of 4",
            value.len()
        )));
    }
    Ok(value
        .chunks_exact(4)
        .map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3]))
        .collect())
}

pub fn encode_originator_id(id: Ipv4Addr, out: &mut BytesMut) {
    out.put_slice(&id.octets());
}

pub fn encode_cluster_list(list: &[Ipv4Addr], out: &mut BytesMut) {
    for id in list {
        out.put_slice(&id.octets());
    }
}
