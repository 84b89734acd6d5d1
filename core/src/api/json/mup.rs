//! BGP-MUP NLRI (draft-mpmz-bess-mup-safi §3) as ExaBGP renders it. The field
//! holds routes as architecture type (1 octet), route type (2 octets), length
//! (1 octet), value.
//!
//! Deliberate deviation: ExaBGP 5.0 forgets the comma before `"source_ip_len"`
//! in Type 1 Session Transformed routes (invalid JSON, reference §4.5); we
//! write it.

use super::push_hex;
use crate::wire::family::Afi;
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn ip_from(b: &[u8], v6: bool) -> IpAddr {
    if v6 {
        let mut a = [0u8; 16];
        let n = b.len().min(16);
        a[..n].copy_from_slice(&b[..n]);
        IpAddr::V6(Ipv6Addr::from(a))
    } else {
        let mut a = [0u8; 4];
        let n = b.len().min(4);
        a[..n].copy_from_slice(&b[..n]);
        IpAddr::V4(Ipv4Addr::from(a))
    }
}

fn be(b: &[u8]) -> u64 {
    b.iter().take(8).fold(0u64, |a, x| a << 8 | *x as u64)
}

/// A length in bits then that many bits of address; returns (bits, address, rest).
fn sized(v: &[u8], v6: bool) -> Option<(u8, IpAddr, &[u8])> {
    let (&bits, rest) = v.split_first()?;
    let n = (bits as usize).div_ceil(8);
    let b = rest.get(..n)?;
    Some((bits, ip_from(b, v6), &rest[n..]))
}

fn fields(code: u16, v: &[u8], v6: bool) -> Option<String> {
    let rd = RouteDistinguisher(v.get(..8)?.try_into().ok()?);
    let v = &v[8..];
    let mut s = String::new();
    match code {
        1 => {
            let (bits, ip, _) = sized(v, v6)?;
            let _ = write!(
                s,
                "{{ \"name\": \"InterworkSegmentDiscoveryRoute\", \"arch\": 1, \"code\": 1, \"prefix_ip_len\": {bits}, \"prefix_ip\": \"{ip}\", \"rd\": \"{rd}\""
            );
        }
        2 => {
            let ip = match v.len() {
                4 => ip_from(v, false),
                16 => ip_from(v, true),
                _ => return None,
            };
            let _ = write!(
                s,
                "{{ \"name\": \"DirectSegmentDiscoveryRoute\", \"arch\": 1, \"code\": 2, \"ip\": \"{ip}\", \"rd\": \"{rd}\""
            );
        }
        3 => {
            let (bits, prefix, rest) = sized(v, v6)?;
            let teid = be(rest.get(..4)?);
            let qfi = *rest.get(4)?;
            let (ebits, ep, rest) = sized(rest.get(5..)?, ebits_v6(rest.get(5)?))?;
            let _ = write!(
                s,
                "{{ \"name\": \"Type1SessionTransformedRoute\", \"arch\": 1, \"code\": 3, \"prefix_ip_len\": {bits}, \"prefix_ip\": \"{prefix}\", \"teid\": \"{teid}\", \"qfi\": \"{qfi}\", \"rd\": \"{rd}\", \"endpoint_ip_len\": {ebits}, \"endpoint_ip\": \"{ep}\", "
            );
            if rest.is_empty() {
                s.push_str("\"source_ip_len\": 0, \"source_ip\": \"b''\"");
            } else {
                let (sbits, src, _) = sized(rest, ebits_v6(&rest[0]))?;
                let _ = write!(s, "\"source_ip_len\": {sbits}, \"source_ip\": \"{src}\"");
            }
        }
        4 => {
            // Endpoint length counts the address and the TEID bits after it.
            let (&bits, rest) = v.split_first()?;
            let alen = if bits as usize >= 128 && rest.len() >= 16 {
                16
            } else {
                4
            };
            let ep = ip_from(rest.get(..alen)?, alen == 16);
            let teid = be(&rest[alen..]);
            let _ = write!(
                s,
                "{{ \"name\": \"Type2SessionTransformedRoute\",  \"arch\": 1, \"code\": 4, \"endpoint_len\": {bits}, \"endpoint_ip\": \"{ep}\", \"rd\": \"{rd}\", \"teid\": \"{teid}\""
            );
        }
        _ => return None,
    }
    Some(s)
}

/// Whether an address of `bits` bits is IPv6 (endpoint/source addresses carry
/// their own length, independent of the NLRI's AFI).
fn ebits_v6(bits: &u8) -> bool {
    *bits > 32
}

/// Every route of a MUP NLRI field, `, `-separated.
pub(crate) fn write_mup_field(out: &mut String, afi: Afi, data: &[u8]) {
    let v6 = afi == Afi::IPV6;
    let mut d = data;
    let mut first = true;
    while d.len() >= 4 {
        let n = 4 + d[3] as usize;
        let Some(route) = d.get(..n) else { break };
        if !first {
            out.push_str(", ");
        }
        first = false;
        let arch = route[0];
        let code = u16::from_be_bytes([route[1], route[2]]);
        match fields(code, &route[4..], v6).filter(|_| arch == 1) {
            Some(f) => {
                out.push_str(&f);
                out.push_str(", \"raw\": \"");
                push_hex(out, route);
                out.push_str("\" }");
            }
            None => {
                let _ = write!(out, "{{ \"arch\": {arch}, \"code\": {code}, \"raw\": \"");
                push_hex(out, route);
                out.push_str("\" }");
            }
        }
        d = &d[n..];
    }
    if !d.is_empty() {
        if !first {
            out.push_str(", ");
        }
        out.push_str("{ \"raw\": \"");
        push_hex(out, d);
        out.push_str("\" }");
    }
}
