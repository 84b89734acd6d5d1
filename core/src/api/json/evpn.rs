//! EVPN NLRI (RFC 7432 §7) as ExaBGP renders it: `code`, `parsed`, `raw`, and
//! for the route types we structure, their fields. `data` is one route: type,
//! length, value.

use super::{push_hex, push_u64};
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) fn write_evpn(out: &mut String, data: &[u8]) {
    let code = data.first().copied().unwrap_or(0);
    out.push_str("{ \"code\": ");
    push_u64(out, code as u64);
    let parsed = if code == 2 { mac_ip(data) } else { None };
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

/// Route type 2, MAC/IP advertisement (RFC 7432 §7.2).
fn mac_ip(d: &[u8]) -> Option<String> {
    let v = d.get(2..)?;
    let rd = RouteDistinguisher(v.get(0..8)?.try_into().ok()?);
    let esi = v.get(8..18)?;
    let tag = u32::from_be_bytes(v.get(18..22)?.try_into().ok()?);
    let mac_len = *v.get(22)?;
    if mac_len != 48 {
        return None;
    }
    let mac = v.get(23..29)?;
    let ip_len = *v.get(29)?;
    let ip_bytes = (ip_len as usize).div_ceil(8);
    let ip = v.get(30..30 + ip_bytes)?;
    let labels = v.get(30 + ip_bytes..)?;
    let mut s = String::new();
    let _ = write!(
        s,
        ", \"name\": \"MAC/IP advertisement\", \"rd\": \"{rd}\", \"esi\": \""
    );
    if esi.iter().all(|b| *b == 0) {
        s.push('-');
    } else {
        for (i, b) in esi.iter().enumerate() {
            if i > 0 {
                s.push(':');
            }
            let _ = write!(s, "{b:02X}");
        }
    }
    let _ = write!(s, "\", \"ethernet-tag\": {tag}, \"mac\": \"");
    for (i, b) in mac.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s.push_str("\", \"label\": [ ");
    let mut first = true;
    for l in labels.chunks(3) {
        if l.len() < 3 {
            break;
        }
        if !first {
            s.push_str(", ");
        }
        first = false;
        let _ = write!(
            s,
            "[{}]",
            (u32::from(l[0]) << 16 | u32::from(l[1]) << 8 | u32::from(l[2])) >> 4
        );
        if l[2] & 1 != 0 {
            break;
        }
    }
    s.push_str(" ]");
    match ip.len() {
        4 => {
            let _ = write!(
                s,
                ", \"ip\": \"{}\"",
                Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3])
            );
        }
        16 => {
            let b: [u8; 16] = ip.try_into().ok()?;
            let _ = write!(s, ", \"ip\": \"{}\"", Ipv6Addr::from(b));
        }
        _ => {}
    }
    Some(s)
}
