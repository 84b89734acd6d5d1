//! OPEN message (RFC 4271 §4.2), optional parameters (RFC 5492) including the
//! RFC 9072 extended optional-parameters length.

use super::capability::Capability;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// AS_TRANS (RFC 6793): the 2-octet "My AS" value for 4-octet ASNs.
pub const AS_TRANS: u16 = 23456;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open {
    pub version: u8,
    /// The 2-octet "My Autonomous System" field (AS_TRANS for large ASNs).
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    /// Capabilities in the order received; encoded one per optional parameter,
    /// as ExaBGP does (the conformance peer relies on that layout).
    pub capabilities: Vec<Capability>,
}

impl Open {
    /// The speaker's real ASN: the 4-octet AS capability if present, else my_as.
    pub fn asn(&self) -> u32 {
        self.capabilities
            .iter()
            .find_map(|c| match c {
                Capability::FourOctetAs(a) => Some(*a),
                _ => None,
            })
            .unwrap_or(self.my_as as u32)
    }
}
