//! MP_REACH_NLRI / MP_UNREACH_NLRI values (RFC 4760 §3, §4) and their next
//! hops (RFC 2545 §3 global + link-local, RFC 4364 §4.3.2 / RFC 4659 §3.2
//! RD-prefixed VPN next hops, RFC 8950 IPv6 next hop for IPv4 NLRI).

use super::{MpReach, MpUnreach};
use crate::wire::attribute::{code, flag, put_header};
use crate::wire::error::DecodeError;
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{self, Nlri};
use crate::wire::CodecContext;
use bytes::{BufMut, Bytes, BytesMut};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// VPN families carry an all-zero route distinguisher before each next-hop
/// address (RFC 4364 §4.3.2, RFC 4659 §3.2.1).
pub fn next_hop_has_rd(family: Family) -> bool {
    family.safi == Safi::MPLS_VPN
}

fn mp_error(c: u8, value: &[u8], reason: String) -> DecodeError {
    // RFC 4760 §7 / RFC 7606 §7.11: an MP attribute that cannot be parsed
    // leaves its NLRI unknown; the session is reset (Optional Attribute Error).
    let mut data = BytesMut::with_capacity(value.len() + 4);
    put_header(flag::OPTIONAL, c, value.len(), &mut data);
    data.put_slice(value);
    DecodeError::new(3, 9, data.freeze(), reason)
}

/// Parse a next-hop field by its length: 0 (none, e.g. flowspec), 4 (IPv4),
/// 16 (IPv6), 32 (IPv6 global + link-local), and the RD-prefixed 12, 24, 48.
pub fn decode_next_hops(b: &[u8]) -> Result<Vec<IpAddr>, String> {
    fn v4(b: &[u8]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
    }
    fn v6(b: &[u8]) -> IpAddr {
        let mut a = [0u8; 16];
        a.copy_from_slice(&b[..16]);
        IpAddr::V6(Ipv6Addr::from(a))
    }
    Ok(match b.len() {
        0 => vec![],
        4 => vec![v4(b)],
        16 => vec![v6(b)],
        32 => vec![v6(&b[..16]), v6(&b[16..])],
        12 => vec![v4(&b[8..])],
        24 => vec![v6(&b[8..])],
        48 => vec![v6(&b[8..24]), v6(&b[32..48])],
        n => return Err(format!("next hop length {n} is not valid")),
    })
}

/// Octets the next-hop field takes.
pub(crate) fn next_hops_len(family: Family, hops: &[IpAddr]) -> usize {
    let rd = if next_hop_has_rd(family) { 8 } else { 0 };
    hops.iter()
        .map(|h| rd + if h.is_ipv4() { 4 } else { 16 })
        .sum()
}

/// Write the next-hop length octet and the next hops.
pub fn encode_next_hops(family: Family, hops: &[IpAddr], out: &mut BytesMut) {
    out.put_u8(next_hops_len(family, hops).min(255) as u8);
    for h in hops {
        if next_hop_has_rd(family) {
            out.put_slice(&[0u8; 8]);
        }
        match h {
            IpAddr::V4(a) => out.put_slice(&a.octets()),
            IpAddr::V6(a) => out.put_slice(&a.octets()),
        }
    }
}

fn family_of(v: &[u8]) -> Option<Family> {
    match v {
        [a1, a2, s, ..] => Some(Family::new(Afi(u16::from_be_bytes([*a1, *a2])), Safi(*s))),
        _ => None,
    }
}

pub(crate) fn decode_reach(v: &[u8], ctx: &CodecContext) -> Result<MpReach, DecodeError> {
    let c = code::MP_REACH_NLRI;
    let family = family_of(v).ok_or_else(|| mp_error(c, v, "MP_REACH_NLRI too short".into()))?;
    let nhlen = *v
        .get(3)
        .ok_or_else(|| mp_error(c, v, "MP_REACH_NLRI too short".into()))? as usize;
    let nh = v.get(4..4 + nhlen).ok_or_else(|| {
        mp_error(
            c,
            v,
            format!("MP_REACH_NLRI next hop length {nhlen} overruns"),
        )
    })?;
    let next_hops =
        decode_next_hops(nh).map_err(|e| mp_error(c, v, format!("MP_REACH_NLRI {e}")))?;
    // One reserved octet (formerly the SNPA count, RFC 4760 §3) follows.
    let nlri_bytes = v
        .get(5 + nhlen..)
        .ok_or_else(|| mp_error(c, v, "MP_REACH_NLRI ends before its reserved octet".into()))?;
    let add_path = ctx.add_path_receive.contains(&family);
    let nlri = nlri::decode_nlri_vec(family, add_path, nlri_bytes)
        .map_err(|e| DecodeError::new(3, 10, Bytes::copy_from_slice(nlri_bytes), e.to_string()))?;
    Ok(MpReach {
        family,
        next_hops,
        nlri,
    })
}

pub(crate) fn decode_unreach(v: &[u8], ctx: &CodecContext) -> Result<MpUnreach, DecodeError> {
    let c = code::MP_UNREACH_NLRI;
    let family = family_of(v).ok_or_else(|| mp_error(c, v, "MP_UNREACH_NLRI too short".into()))?;
    let nlri_bytes = &v[3..];
    let add_path = ctx.add_path_receive.contains(&family);
    let nlri = nlri::decode_nlri_vec(family, add_path, nlri_bytes)
        .map_err(|e| DecodeError::new(3, 10, Bytes::copy_from_slice(nlri_bytes), e.to_string()))?;
    Ok(MpUnreach { family, nlri })
}

fn nlri_len(nlri: &[Nlri], add_path: bool) -> usize {
    nlri.iter().map(|n| nlri::nlri_wire_len(n, add_path)).sum()
}

pub(crate) fn encode_reach(r: &MpReach, ctx: &CodecContext, out: &mut BytesMut) {
    let add_path = ctx.add_path_send.contains(&r.family);
    let len = 5 + next_hops_len(r.family, &r.next_hops) + nlri_len(&r.nlri, add_path);
    put_header(flag::OPTIONAL, code::MP_REACH_NLRI, len, out);
    out.put_u16(r.family.afi.0);
    out.put_u8(r.family.safi.0);
    encode_next_hops(r.family, &r.next_hops, out);
    out.put_u8(0);
    for n in &r.nlri {
        nlri::encode_nlri(n, add_path, out);
    }
}

pub(crate) fn encode_unreach(u: &MpUnreach, ctx: &CodecContext, out: &mut BytesMut) {
    let add_path = ctx.add_path_send.contains(&u.family);
    let len = 3 + nlri_len(&u.nlri, add_path);
    // ExaBGP writes the End-of-RIB MP_UNREACH (no NLRI) with the extended
    // length flag (corpus: `90 0F 00 03 ...`), other MP_UNREACH without.
    let flags = if u.nlri.is_empty() {
        flag::OPTIONAL | flag::EXTENDED_LENGTH
    } else {
        flag::OPTIONAL
    };
    put_header(flags, code::MP_UNREACH_NLRI, len, out);
    out.put_u16(u.family.afi.0);
    out.put_u8(u.family.safi.0);
    for n in &u.nlri {
        nlri::encode_nlri(n, add_path, out);
    }
}
