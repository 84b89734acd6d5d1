//! EVPN NLRI (RFC 7432 §7, RFC 9136 for route type 5) as ExaBGP renders it:
//! `code`, `parsed`, `raw`, then the fields of the route types it knows. The
//! field holds routes as type (1 octet), length (1 octet), value.

use super::{push_hex, push_u64};
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Write one route.
pub(crate) fn write_evpn(out: &mut String, data: &[u8]) {
    let code = data.first().copied().unwrap_or(0);
    let parsed = data.get(2..).and_then(|v| fields(code, v));
    out.push_str("{ \"code\": ");
    push_u64(out, code as u64);
    out.push_str(if parsed.is_some() {
        ", \"parsed\": true"
    } else {
        ", \"parsed\": false"
    });
    out.push_str(", \"raw\": \"");
    push_hex(out, data);
    out.push('"');
    if let Some(p) = parsed {
        out.push_str(&p);
    }
    out.push_str(" }");
}

/// ESI (RFC 7432 §5): `-` when zero, else lower-case colon-separated hex.
fn esi(b: &[u8]) -> String {
    if b.iter().all(|x| *x == 0) {
        return "-".into();
    }
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// ExaBGP shows each label as `[value]`, or `[value, raw]` when the 3 raw
/// octets (with the bottom-of-stack bit) are non-zero (observed).
/// The stack ends at the bottom-of-stack bit (RFC 3032).
fn labels(b: &[u8]) -> String {
    let mut items: Vec<String> = Vec::new();
    for c in b.chunks_exact(3) {
        let raw = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
        items.push(if raw == 0 {
            "[0]".to_string()
        } else {
            format!("[{}, {raw}]", raw >> 4)
        });
        if raw & 1 != 0 {
            break;
        }
    }
    format!("[ {} ]", items.join(", "))
}

fn ip(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))),
        _ => None,
    }
}

/// An address preceded by its length in bits (0, 32 or 128).
fn sized_ip(v: &[u8]) -> Option<(Option<IpAddr>, &[u8])> {
    let (&bits, rest) = v.split_first()?;
    let n = match bits {
        0 => 0,
        32 => 4,
        128 => 16,
        _ => return None,
    };
    let b = rest.get(..n)?;
    Some((if n == 0 { None } else { ip(b) }, &rest[n..]))
}

fn fields(code: u8, v: &[u8]) -> Option<String> {
    let rd = RouteDistinguisher(v.get(..8)?.try_into().ok()?);
    let mut s = String::new();
    match code {
        // Ethernet Auto-Discovery (RFC 7432 §7.1).
        1 => {
            let e = esi(v.get(8..18)?);
            let tag = u32::from_be_bytes(v.get(18..22)?.try_into().ok()?);
            let _ = write!(
                s,
                ", \"name\": \"Ethernet Auto-Discovery\", \"rd\": \"{rd}\", \"esi\": \"{e}\", \"ethernet-tag\": {tag}, \"label\": {}",
                labels(v.get(22..)?)
            );
        }
        // MAC/IP Advertisement (§7.2).
        2 => {
            let e = esi(v.get(8..18)?);
            let tag = u32::from_be_bytes(v.get(18..22)?.try_into().ok()?);
            if *v.get(22)? != 48 {
                return None;
            }
            let mac = v.get(23..29)?;
            let (addr, rest) = sized_ip(v.get(29..)?)?;
            let mac: Vec<String> = mac.iter().map(|b| format!("{b:02X}")).collect();
            let _ = write!(
                s,
                ", \"name\": \"MAC/IP advertisement\", \"rd\": \"{rd}\", \"esi\": \"{e}\", \"ethernet-tag\": {tag}, \"mac\": \"{}\", \"label\": {}",
                mac.join(":"),
                labels(rest)
            );
            if let Some(a) = addr {
                let _ = write!(s, ", \"ip\": \"{a}\"");
            }
        }
        // Inclusive Multicast Ethernet Tag (§7.3).
        3 => {
            let tag = u32::from_be_bytes(v.get(8..12)?.try_into().ok()?);
            let (addr, rest) = sized_ip(v.get(12..)?)?;
            if !rest.is_empty() {
                return None;
            }
            let _ = write!(s, ", \"name\": \"Inclusive Multicast Ethernet Tag\", \"rd\": \"{rd}\", \"ethernet-tag\": {tag}");
            if let Some(a) = addr {
                let _ = write!(s, ", \"ip\": \"{a}\"");
            }
        }
        // Ethernet Segment (§7.4).
        4 => {
            let e = esi(v.get(8..18)?);
            let (addr, rest) = sized_ip(v.get(18..)?)?;
            if !rest.is_empty() {
                return None;
            }
            let _ = write!(
                s,
                ", \"name\": \"Ethernet Segment\", \"rd\": \"{rd}\", \"esi\": \"{e}\""
            );
            if let Some(a) = addr {
                let _ = write!(s, ", \"ip\": \"{a}\"");
            }
        }
        // IP Prefix (RFC 9136 §3.1): the address family follows from the length.
        5 => {
            let n = match v.len() {
                34 => 4,
                58 => 16,
                _ => return None,
            };
            let e = esi(v.get(8..18)?);
            let tag = u32::from_be_bytes(v.get(18..22)?.try_into().ok()?);
            let iplen = *v.get(22)?;
            let addr = ip(v.get(23..23 + n)?)?;
            let gw = ip(v.get(23 + n..23 + 2 * n)?)?;
            let _ = write!(
                s,
                ", \"name\": \"IP Prefix Advertisement\", \"rd\": \"{rd}\", \"esi\": \"{e}\", \"ethernet-tag\": {tag}, \"label\": {}, \"ip\": \"{addr}\", \"iplen\": {iplen}, \"gateway\": \"{gw}\"",
                labels(v.get(23 + 2 * n..)?)
            );
        }
        _ => return None,
    }
    Some(s)
}
