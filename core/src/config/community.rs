//! Community values in configuration text: RFC 1997 communities, RFC 8092
//! large communities and RFC 4360 extended communities (encoded here into
//! their 8 wire octets; type/sub-type values from RFC 4360 §3-§4, RFC 7153,
//! RFC 4761 §3.2.4 (l2info), RFC 8955 §7 (flowspec actions)).

use super::error::ConfigError;
use super::lexer::Token;
use super::value::{hex_bytes, Cursor};
use crate::wire::attribute::{Community, ExtendedCommunity, LargeCommunity};
use std::net::Ipv4Addr;

/// One community: `ASN:NN`, decimal, `0x` hex or a well-known name.
pub fn parse_community(t: &Token) -> Result<Community, ConfigError> {
    let s = t.as_str();
    let bad = |why: &str| {
        ConfigError::new(
            t.pos,
            format!("expected a community (ASN:NN, number or name), found '{s}'{why}"),
        )
    };
    if let Some((a, b)) = s.split_once(':') {
        let a: u32 = a.parse().map_err(|_| bad(""))?;
        let b: u32 = b.parse().map_err(|_| bad(""))?;
        if a > 0xFFFF || b > 0xFFFF {
            return Err(bad(": each half must be at most 65535"));
        }
        return Ok(Community((a << 16) | b));
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return u32::from_str_radix(h, 16)
            .map(Community)
            .map_err(|_| bad(""));
    }
    match s.to_ascii_lowercase().as_str() {
        "no-export" | "no_export" => return Ok(Community::NO_EXPORT),
        "no-advertise" | "no_advertise" => return Ok(Community::NO_ADVERTISE),
        "no-export-subconfed" => return Ok(Community::NO_EXPORT_SUBCONFED),
        "nopeer" | "no-peer" => return Ok(Community::NO_PEER),
        "blackhole" => return Ok(Community::BLACKHOLE),
        _ => {}
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse::<u32>()
            .map(Community)
            .map_err(|_| bad(": too large"));
    }
    Err(bad(""))
}

pub fn parse_communities(cur: &mut Cursor) -> Result<Vec<Community>, ConfigError> {
    let mut v = cur
        .list("a community")?
        .into_iter()
        .map(parse_community)
        .collect::<Result<Vec<_>, _>>()?;
    // ExaBGP keeps community sets sorted and without duplicates, which is the
    // order the corpus shows on the wire.
    v.sort();
    v.dedup();
    Ok(v)
}

/// One large community `a:b:c`, or a 96-bit decimal/hex number.
pub fn parse_large_community(t: &Token) -> Result<LargeCommunity, ConfigError> {
    let s = t.as_str();
    let bad = || ConfigError::expected(t.pos, "a large community (global:local1:local2)", s);
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() == 3 {
        let mut v = [0u32; 3];
        for (i, p) in parts.iter().enumerate() {
            v[i] = p.parse().map_err(|_| bad())?;
        }
        return Ok(LargeCommunity {
            global: v[0],
            local1: v[1],
            local2: v[2],
        });
    }
    if parts.len() != 1 {
        return Err(bad());
    }
    let n: u128 = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u128::from_str_radix(h, 16).map_err(|_| bad())?
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().map_err(|_| bad())?
    } else {
        return Err(bad());
    };
    if n >> 96 != 0 {
        return Err(bad());
    }
    Ok(LargeCommunity {
        global: (n >> 64) as u32,
        local1: (n >> 32) as u32,
        local2: n as u32,
    })
}

/// A list of large communities, sorted, duplicates dropped (as ExaBGP does).
pub fn parse_large_communities(cur: &mut Cursor) -> Result<Vec<LargeCommunity>, ConfigError> {
    let mut v = cur
        .list("a large community")?
        .into_iter()
        .map(parse_large_community)
        .collect::<Result<Vec<_>, _>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

fn ec(t: u8, st: u8, rest: [u8; 6]) -> ExtendedCommunity {
    let mut b = [0u8; 8];
    b[0] = t;
    b[1] = st;
    b[2..].copy_from_slice(&rest);
    ExtendedCommunity(b)
}

fn hl(h: u16, l: u32) -> [u8; 6] {
    let mut r = [0u8; 6];
    r[..2].copy_from_slice(&h.to_be_bytes());
    r[2..].copy_from_slice(&l.to_be_bytes());
    r
}

fn lh(l: u32, h: u16) -> [u8; 6] {
    let mut r = [0u8; 6];
    r[..4].copy_from_slice(&l.to_be_bytes());
    r[4..].copy_from_slice(&h.to_be_bytes());
    r
}

/// One extended community in ExaBGP syntax (reference §1.7).
pub fn parse_extended_community(t: &Token) -> Result<ExtendedCommunity, ConfigError> {
    let s = t.as_str();
    let bad =
        |why: String| ConfigError::new(t.pos, format!("invalid extended community '{s}': {why}"));
    if !s.contains(':') {
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            let v = hex_bytes(h)
                .filter(|v| v.len() == 8)
                .ok_or_else(|| bad("expected 0x followed by 16 hexadecimal digits".to_string()))?;
            let mut b = [0u8; 8];
            b.copy_from_slice(&v);
            return Ok(ExtendedCommunity(b));
        }
        if s == "redirect-to-nexthop" {
            // draft-simpson-idr-flowspec-redirect: type 0x08, sub-type 0x00.
            return Ok(ec(0x08, 0x00, [0; 6]));
        }
        return Err(ConfigError::expected(
            t.pos,
            "an extended community (target:A:N, origin:A:N, redirect:A:N, l2info:..., 0x...)",
            s,
        ));
    }
    let mut parts: Vec<&str> = s.split(':').collect();
    // Two parts `A:N` mean a route target.
    let mut command = if parts.len() == 2 {
        "target".to_string()
    } else {
        parts.remove(0).to_string()
    };
    // Each field is a decimal number (an `L` suffix marks a 4-octet ASN) or a
    // dotted IPv4 address used as a 32-bit number.
    let mut values: Vec<u64> = Vec::with_capacity(parts.len());
    for p in &parts {
        let d = p.strip_suffix('L').unwrap_or(p);
        if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) {
            values.push(d.parse().map_err(|_| bad(format!("'{p}' is too large")))?);
        } else {
            let ip: Ipv4Addr = p
                .parse()
                .map_err(|_| bad(format!("'{p}' is neither a number nor an IPv4 address")))?;
            values.push(u32::from(ip) as u64);
        }
    }
    if command == "target" || command == "origin" {
        let first = parts.first().copied().unwrap_or("");
        if values.first().copied().unwrap_or(0) > 0xFFFF
            || first.contains('.')
            || first.ends_with('L')
        {
            command.push('4');
        }
    }
    // (type, sub-type, field sizes in octets)
    let (ty, st, sizes): (u8, u8, &[u8]) = match command.as_str() {
        "target" => (0x00, 0x02, &[2, 4]),
        "target4" => (0x01, 0x02, &[4, 2]),
        "origin" => (0x00, 0x03, &[2, 4]),
        "origin4" => (0x01, 0x03, &[4, 2]),
        "redirect" => (0x80, 0x08, &[2, 4]),
        "l2info" => (0x80, 0x0A, &[1, 1, 2, 2]),
        "bandwidth" => (0x40, 0x04, &[2, 4]),
        "mup" => (0x0C, 0x00, &[2, 4]),
        other => return Err(bad(format!("unknown extended community type '{other}'"))),
    };
    if sizes.len() != values.len() {
        return Err(bad(format!(
            "expected {} fields for {command}",
            sizes.len()
        )));
    }
    let mut rest = [0u8; 6];
    let mut off = 0usize;
    for (i, (&size, &v)) in sizes.iter().zip(values.iter()).enumerate() {
        let max = if size == 4 {
            u32::MAX as u64
        } else {
            (1u64 << (8 * size as u32)) - 1
        };
        if v > max {
            return Err(bad(format!("value {v} is too large")));
        }
        let size = size as usize;
        if command == "bandwidth" && i == 1 {
            // RFC 7153 §3.1.5 link bandwidth: IEEE float, bytes per second.
            rest[off..off + 4].copy_from_slice(&(v as f32).to_be_bytes());
        } else {
            let be = v.to_be_bytes();
            rest[off..off + size].copy_from_slice(&be[8 - size..]);
        }
        off += size;
    }
    Ok(ec(ty, st, rest))
}

/// A list of extended communities, sorted by their octets, duplicates dropped.
pub fn parse_extended_communities(cur: &mut Cursor) -> Result<Vec<ExtendedCommunity>, ConfigError> {
    let mut v = cur
        .list("an extended community")?
        .into_iter()
        .map(parse_extended_community)
        .collect::<Result<Vec<_>, _>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

/// FlowSpec traffic-rate (RFC 8955 §7.3), 2-octet AS and IEEE float bytes/s.
pub fn traffic_rate(asn: u16, rate: f32) -> ExtendedCommunity {
    let mut r = [0u8; 6];
    r[..2].copy_from_slice(&asn.to_be_bytes());
    r[2..].copy_from_slice(&rate.to_be_bytes());
    ec(0x80, 0x06, r)
}

/// FlowSpec traffic-action (RFC 8955 §7.4): sample (S) and terminal (T) bits.
pub fn traffic_action(sample: bool, terminal: bool) -> ExtendedCommunity {
    let mut r = [0u8; 6];
    r[5] = (if sample { 0x02 } else { 0 }) | (if terminal { 0x01 } else { 0 });
    ec(0x80, 0x07, r)
}

/// FlowSpec redirect to VRF (RFC 8955 §7.5; RFC 7674 for the AS4 form).
pub fn redirect_as(asn: u32, n: u32) -> ExtendedCommunity {
    if asn > 0xFFFF {
        ec(0x82, 0x08, lh(asn, n as u16))
    } else {
        ec(0x80, 0x08, hl(asn as u16, n))
    }
}

/// FlowSpec traffic-marking (RFC 8955 §7.6).
pub fn traffic_mark(dscp: u8) -> ExtendedCommunity {
    let mut r = [0u8; 6];
    r[5] = dscp;
    ec(0x80, 0x09, r)
}

/// draft-simpson redirect-to-IP (type 0x08 sub-type 0x00); `copy` sets the C bit.
pub fn redirect_ip(copy: bool) -> ExtendedCommunity {
    let mut r = [0u8; 6];
    r[5] = u8::from(copy);
    ec(0x08, 0x00, r)
}

/// draft-ietf-idr-flowspec-redirect-ip, IPv4 form: type 0x01 sub-type 0x0C.
pub fn redirect_ip_ietf_v4(ip: Ipv4Addr, copy: bool) -> ExtendedCommunity {
    ec(0x01, 0x0C, lh(u32::from(ip), u16::from(copy)))
}

/// FlowSpec interface-set (draft-ietf-idr-flowspec-interfaceset): type 0x07
/// (transitive) or 0x47, sub-type 0x02, AS4, then direction bits + group id.
pub fn interface_set(transitive: bool, direction: u8, asn: u32, group: u16) -> ExtendedCommunity {
    let v = ((direction as u16) << 14) | (group & 0x3FFF);
    ec(if transitive { 0x07 } else { 0x47 }, 0x02, lh(asn, v))
}
