//! EXTENDED_COMMUNITIES (RFC 4360, registries of RFC 7153; flowspec actions of
//! RFC 8955 §7; layer-2 info of RFC 4761 §3.2.4; encapsulation of RFC 9012;
//! MAC mobility of RFC 7432 §7.7): optional transitive list of 8-octet values,
//! kept as wire octets with typed views and ExaBGP's string rendering.

use super::{ExtendedCommunity, Malformed};
use bytes::{BufMut, BytesMut};
use std::fmt;
use std::net::Ipv4Addr;

/// RFC 7606 §7.14: a length that is not a non-zero multiple of 8 is malformed.
pub fn decode(value: &[u8]) -> Result<Vec<ExtendedCommunity>, Malformed> {
    if value.is_empty() || !value.chunks_exact(8).remainder().is_empty() {
        return Err(Malformed::new(format!(
            "EXTENDED_COMMUNITIES length {} is not a multiple of 8",
            value.len()
        )));
    }
    Ok(value
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            ExtendedCommunity(b)
        })
        .collect())
}

pub fn encode(list: &[ExtendedCommunity], out: &mut BytesMut) {
    for c in list {
        out.put_slice(&c.0);
    }
}

/// Flowspec traffic-action bits (RFC 8955 §7.3).
pub mod action {
    pub const TERMINAL: u8 = 0x01;
    pub const SAMPLE: u8 = 0x02;
}

impl ExtendedCommunity {
    /// The 64-bit integer ExaBGP prints as `"value"`.
    pub fn value(self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    pub fn from_value(v: u64) -> ExtendedCommunity {
        ExtendedCommunity(v.to_be_bytes())
    }

    pub fn kind(self) -> u8 {
        self.0[0]
    }

    pub fn subtype(self) -> u8 {
        self.0[1]
    }

    fn with(kind: u8, sub: u8, rest: [u8; 6]) -> ExtendedCommunity {
        let r = rest;
        ExtendedCommunity([kind, sub, r[0], r[1], r[2], r[3], r[4], r[5]])
    }

    fn asn2_n32(kind: u8, sub: u8, asn: u16, n: u32) -> ExtendedCommunity {
        let a = asn.to_be_bytes();
        let b = n.to_be_bytes();
        Self::with(kind, sub, [a[0], a[1], b[0], b[1], b[2], b[3]])
    }

    fn ip_n16(kind: u8, sub: u8, ip: Ipv4Addr, n: u16) -> ExtendedCommunity {
        let a = ip.octets();
        let b = n.to_be_bytes();
        Self::with(kind, sub, [a[0], a[1], a[2], a[3], b[0], b[1]])
    }

    fn asn4_n16(kind: u8, sub: u8, asn: u32, n: u16) -> ExtendedCommunity {
        let a = asn.to_be_bytes();
        let b = n.to_be_bytes();
        Self::with(kind, sub, [a[0], a[1], a[2], a[3], b[0], b[1]])
    }

    /// Route target `asn:n` (type 0x00/0x02 for a 2-octet ASN, 0x02/0x02 else).
    pub fn target_asn(asn: u32, n: u32) -> ExtendedCommunity {
        match u16::try_from(asn) {
            Ok(a) => Self::asn2_n32(0x00, 0x02, a, n),
            Err(_) => Self::asn4_n16(0x02, 0x02, asn, n as u16),
        }
    }

    /// Route target `ip:n` (type 0x01/0x02).
    pub fn target_ip(ip: Ipv4Addr, n: u16) -> ExtendedCommunity {
        Self::ip_n16(0x01, 0x02, ip, n)
    }

    /// Route origin `asn:n` (subtype 0x03).
    pub fn origin_asn(asn: u32, n: u32) -> ExtendedCommunity {
        match u16::try_from(asn) {
            Ok(a) => Self::asn2_n32(0x00, 0x03, a, n),
            Err(_) => Self::asn4_n16(0x02, 0x03, asn, n as u16),
        }
    }

    /// Route origin `ip:n` (type 0x01/0x03).
    pub fn origin_ip(ip: Ipv4Addr, n: u16) -> ExtendedCommunity {
        Self::ip_n16(0x01, 0x03, ip, n)
    }

    /// Flowspec traffic-rate in bytes per second (RFC 8955 §7.3, IEEE float).
    pub fn rate_limit(asn: u16, rate: f32) -> ExtendedCommunity {
        let a = asn.to_be_bytes();
        let r = rate.to_be_bytes();
        Self::with(0x80, 0x06, [a[0], a[1], r[0], r[1], r[2], r[3]])
    }

    /// Flowspec traffic-action (bits in [`action`]).
    pub fn traffic_action(bits: u8) -> ExtendedCommunity {
        Self::with(0x80, 0x07, [0, 0, 0, 0, 0, bits])
    }

    /// Flowspec redirect to VRF `asn:n` (RFC 8955 §7.4; 0x82 for 4-octet ASNs).
    pub fn redirect_asn(asn: u32, n: u32) -> ExtendedCommunity {
        match u16::try_from(asn) {
            Ok(a) => Self::asn2_n32(0x80, 0x08, a, n),
            Err(_) => Self::asn4_n16(0x82, 0x08, asn, n as u16),
        }
    }

    /// Flowspec redirect to VRF `ip:n` (RFC 8955 §7.4, type 0x81).
    pub fn redirect_ip(ip: Ipv4Addr, n: u16) -> ExtendedCommunity {
        Self::ip_n16(0x81, 0x08, ip, n)
    }

    /// Flowspec traffic-marking DSCP (RFC 8955 §7.5).
    pub fn mark(dscp: u8) -> ExtendedCommunity {
        Self::with(0x80, 0x09, [0, 0, 0, 0, 0, dscp & 0x3F])
    }

    /// Flowspec redirect to the next hop (draft-ietf-idr-flowspec-redirect-ip,
    /// type 0x08/0x00); `copy` sets the C bit.
    pub fn redirect_to_nexthop(copy: bool) -> ExtendedCommunity {
        Self::with(0x08, 0x00, [0, 0, 0, 0, 0, u8::from(copy)])
    }

    fn u16_at(self, i: usize) -> u16 {
        u16::from_be_bytes([self.0[i], self.0[i + 1]])
    }

    fn u32_at(self, i: usize) -> u32 {
        u32::from_be_bytes([self.0[i], self.0[i + 1], self.0[i + 2], self.0[i + 3]])
    }

    fn ip_at(self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(self.0[i], self.0[i + 1], self.0[i + 2], self.0[i + 3])
    }
}

/// Tunnel type names of RFC 9012 §14 as ExaBGP prints them.
fn encap_name(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "L2TPv3",
        2 => "GRE",
        7 => "IP-in-IP",
        8 => "VXLAN",
        9 => "NVGRE",
        10 => "MPLS",
        12 => "VXLAN-GPE",
        13 => "MPLS-in-UDP",
        _ => return None,
    })
}

impl ExtendedCommunity {
    /// `0x` and 16 upper-case hex digits.
    pub fn hex_string(self) -> String {
        format!("0x{:016X}", self.value())
    }
}

/// A flowspec rate (IEEE float) as ExaBGP prints it: the integer part,
/// negative and non-finite values as 0.
fn rate(bits: u32) -> String {
    let r = f32::from_bits(bits);
    if r.is_finite() && r > 0.0 {
        format!("{:.0}", (r as f64).trunc())
    } else {
        "0".to_string()
    }
}

impl fmt::Display for ExtendedCommunity {
    /// ExaBGP 5.0's string for the community (JSON `"string"`, text API),
    /// checked against `exabgp decode` for all 65536 type/sub-type pairs.
    /// ExaBGP's behaviour is reproduced, quirks included (reference §12):
    /// * only the low nibble of the type is looked at (the IANA-authority and
    ///   transitive bits are ignored), except for MAC mobility (type 0x06);
    /// * route-origin with a 2-octet ASN prints the number as an IPv4
    ///   address, with an IPv4 address it prints the fields swapped;
    /// * redirect with a 4-octet ASN (0x?2/0x08) prints as hex;
    /// * types it has no text for, and unknown types, print as an empty
    ///   string (see [`ExtendedCommunity::hex_string`] for a hex form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (k, s) = (self.kind() & 0x0F, self.subtype());
        match (k, s) {
            (0x00, 0x02) => write!(f, "target:{}:{}", self.u16_at(2), self.u32_at(4)),
            (0x01, 0x02) => write!(f, "target:{}:{}", self.ip_at(2), self.u16_at(6)),
            (0x02, 0x02) => write!(f, "target:{}:{}", self.u32_at(2), self.u16_at(6)),
            (0x00, 0x03) => write!(f, "origin:{}:{}", self.u16_at(2), self.ip_at(4)),
            (0x01, 0x03) => write!(f, "origin:{}:{}", self.u16_at(6), self.ip_at(2)),
            (0x02, 0x03) => write!(f, "origin:{}:{}", self.u32_at(2), self.u16_at(6)),
            (0x00, 0x13) => write!(f, "rtrecord:{}:{}", self.u16_at(2), self.u32_at(4)),
            (0x01, 0x13) => write!(f, "rtrecord:{}:{}", self.ip_at(2), self.u16_at(6)),
            (0x02, 0x13) => write!(f, "rtrecord:{}:{}", self.u32_at(2), self.u16_at(6)),
            (0x00, 0x06) => write!(f, "rate-limit:{}", rate(self.u32_at(4))),
            (0x00, 0x07) => {
                let bits = self.0[7];
                f.write_str("action ")?;
                match (bits & action::SAMPLE != 0, bits & action::TERMINAL != 0) {
                    (true, true) => f.write_str("sample-terminal"),
                    (true, false) => f.write_str("sample"),
                    (false, true) => f.write_str("terminal"),
                    (false, false) => Ok(()),
                }
            }
            (0x00, 0x08) => write!(f, "redirect:{}:{}", self.u16_at(2), self.u32_at(4)),
            (0x02, 0x08) => f.write_str(&self.hex_string()),
            (0x00, 0x09) => write!(f, "mark {}", self.0[7] & 0x3F),
            (0x00, 0x0A) => write!(
                f,
                "l2info:{}:{}:{}:{}",
                self.0[2],
                self.0[3],
                self.u16_at(4),
                self.u16_at(6)
            ),
            (0x00, 0x0C) => write!(f, "rate-limit:{}:packets", rate(self.u32_at(4))),
            (0x01, 0x0C) => {
                if self.0[7] & 0x01 != 0 {
                    write!(f, "copy-to-nexthop-ietf {} (with copy)", self.ip_at(2))
                } else {
                    write!(f, "redirect-to-nexthop-ietf {}", self.ip_at(2))
                }
            }
            (0x03, 0x0C) => {
                let t = self.u16_at(6);
                match encap_name(t) {
                    Some(n) => write!(f, "encap:{n}"),
                    None => write!(f, "encap:encap:UNKNOWN-{t}"),
                }
            }
            (0x03, 0x14) => write!(f, "consistentHashSortOrder:{}", self.u32_at(2)),
            (0x07, 0x02) => {
                // draft-ietf-idr-flowspec-interfaceset: O/I bits, 14-bit group.
                let local = self.u16_at(6);
                let dir = match local >> 14 {
                    1 => "input",
                    2 => "output",
                    3 => "input-output",
                    _ => "0",
                };
                write!(
                    f,
                    "interface-set:{dir}:{}:{}",
                    self.u32_at(2),
                    local & 0x3FFF
                )
            }
            (0x08, 0x00) => f.write_str(if self.0[7] & 0x01 != 0 {
                "copy-to-nexthop"
            } else {
                "redirect-to-nexthop"
            }),
            (0x0C, 0x00) => write!(f, "mup:{}:{}", self.u16_at(2), self.u32_at(4)),
            (0x06, 0x00) if self.kind() == 0x06 => {
                write!(f, "mac-mobility:{}", self.u32_at(4))?;
                if self.0[2] & 0x01 != 0 {
                    f.write_str(":sticky")?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
