//! MCAST-VPN NLRI (RFC 6514 §4) as ExaBGP renders it. The field holds routes
//! as type (1 octet), length (1 octet), value.

use super::{push_hex, push_u64};
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Write every route of an MCAST-VPN NLRI field, `, `-separated.
pub(crate) fn write_mvpn_field(out: &mut String, data: &[u8]) {
    let mut d = data;
    let mut first = true;
    while d.len() >= 2 {
        let n = 2 + d[1] as usize;
        let Some(route) = d.get(..n) else { break };
        if !first {
            out.push_str(", ");
        }
        first = false;
        write_mvpn(out, route);
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

/// An address given as a bit length then the address (RFC 6514 §4.5-§4.7).
fn addr(d: &[u8]) -> Option<(IpAddr, &[u8])> {
    let (&bits, rest) = d.split_first()?;
    match bits {
        32 => {
            let b: [u8; 4] = rest.get(..4)?.try_into().ok()?;
            Some((IpAddr::V4(Ipv4Addr::from(b)), &rest[4..]))
        }
        128 => {
            let b: [u8; 16] = rest.get(..16)?.try_into().ok()?;
            Some((IpAddr::V6(Ipv6Addr::from(b)), &rest[16..]))
        }
        _ => None,
    }
}

fn parsed(code: u8, v: &[u8]) -> Option<String> {
    let rd = RouteDistinguisher(v.get(..8)?.try_into().ok()?);
    let mut s = String::new();
    match code {
        5 => {
            let (src, rest) = addr(&v[8..])?;
            let (grp, rest) = addr(rest)?;
            if !rest.is_empty() {
                return None;
            }
            let _ = write!(
                s,
                ", \"name\": \"Source Active A-D Route\", \"rd\": \"{rd}\", \"source\": \"{src}\", \"group\": \"{grp}\""
            );
        }
        6 | 7 => {
            let asn = u32::from_be_bytes(v.get(8..12)?.try_into().ok()?);
            let (src, rest) = addr(&v[12..])?;
            let (grp, rest) = addr(rest)?;
            if !rest.is_empty() {
                return None;
            }
            let name = if code == 6 {
                "C-Multicast Shared Tree Join route"
            } else {
                "C-Multicast Source Tree Join route"
            };
            let _ = write!(
                s,
                ", \"name\": \"{name}\", \"rd\": \"{rd}\", \"source-as\": \"{asn}\", \"source\": \"{src}\", \"group\": \"{grp}\""
            );
        }
        _ => return None,
    }
    Some(s)
}

/// One route. Sic: ExaBGP closes parsed routes with `"}` (no space).
fn write_mvpn(out: &mut String, route: &[u8]) {
    let code = route.first().copied().unwrap_or(0);
    let p = route.get(2..).and_then(|v| parsed(code, v));
    out.push_str("{ \"code\": ");
    push_u64(out, code as u64);
    out.push_str(if p.is_some() {
        ", \"parsed\": true"
    } else {
        ", \"parsed\": false"
    });
    out.push_str(", \"raw\": \"");
    push_hex(out, route);
    out.push('"');
    match p {
        Some(p) => {
            out.push_str(&p);
            out.push('}');
        }
        None => out.push_str(" }"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Captured from `exabgp decode` on the api-mvpn corpus messages.
    #[test]
    fn source_tree_join_and_source_active() {
        let mut s = String::new();
        write_mvpn_field(
            &mut s,
            &h("07160000FDE80001869F0000FDE8200A630C0220EFFBFFE4"),
        );
        assert_eq!(
            s,
            r#"{ "code": 7, "parsed": true, "raw": "07160000FDE80001869F0000FDE8200A630C0220EFFBFFE4", "name": "C-Multicast Source Tree Join route", "rd": "65000:99999", "source-as": "65000", "source": "10.99.12.2", "group": "239.251.255.228"}"#
        );
        s.clear();
        write_mvpn_field(&mut s, &h("052A0000FDE80001869F80FD12000000000000000000000000000480FF0E0000000000000000000000000001"));
        assert_eq!(
            s,
            r#"{ "code": 5, "parsed": true, "raw": "052A0000FDE80001869F80FD12000000000000000000000000000480FF0E0000000000000000000000000001", "name": "Source Active A-D Route", "rd": "65000:99999", "source": "fd12::4", "group": "ff0e::1"}"#
        );
    }
}
