//! Packing many NLRI that share one attribute set (and next hop) into as few
//! UPDATE messages as fit the session's maximum message size (RFC 4271 §4.1:
//! 4096, RFC 8654: 65535). IPv4 unicast with an IPv4 next hop goes in the
//! classic fields; everything else in MP_REACH_NLRI / MP_UNREACH_NLRI.
//!
//! The attribute set is encoded once per call; NLRI are encoded straight into
//! the output buffer (no per-prefix allocation). Each message is a complete
//! BGP message, header included, split off one growing buffer.

use super::mp::{encode_next_hops, next_hops_len};
use crate::wire::attribute::{code, encode_attributes, flag, put_header, Attribute, Attributes};
use crate::wire::family::Family;
use crate::wire::nlri::{encode_nlri, nlri_wire_len, Nlri};
use crate::wire::{CodecContext, HEADER_LEN, MARKER, MAX_EXTENDED_MESSAGE};
use bytes::{BufMut, Bytes, BytesMut};
use std::net::IpAddr;

/// Message type code of UPDATE (RFC 4271 §4.1).
pub const UPDATE_TYPE: u8 = 2;

/// Withdrawn-length and attribute-length fields.
const LENGTH_FIELDS: usize = 4;

fn max_message(ctx: &CodecContext) -> usize {
    ctx.max_message
        .clamp(HEADER_LEN + LENGTH_FIELDS, MAX_EXTENDED_MESSAGE)
}

fn put_header_19(buf: &mut BytesMut, len: usize) {
    buf.put_slice(&MARKER);
    buf.put_u16(len as u16);
    buf.put_u8(UPDATE_TYPE);
}

/// Take NLRI from `nlri[*i..]` while they fit in `room` octets; returns the
/// octets used. An NLRI too large for an empty message is skipped (logged),
/// so the loop always progresses.
fn take_fitting(nlri: &[Nlri], i: &mut usize, room: usize, add_path: bool) -> usize {
    loop {
        let start = *i;
        let mut used = 0usize;
        while *i < nlri.len() {
            let l = nlri_wire_len(&nlri[*i], add_path);
            if used + l > room {
                break;
            }
            used += l;
            *i += 1;
        }
        if *i > start || *i >= nlri.len() {
            return used;
        }
        log::warn!(
            "NLRI of {} octets cannot fit in one UPDATE; not sent",
            nlri_wire_len(&nlri[*i], add_path)
        );
        *i += 1;
    }
}

/// Announce `nlri` of `family` with `attrs` and `next_hops`, appending
/// complete UPDATE messages (header included) to `out`.
///
/// IPv4 unicast with an IPv4 (or no) next hop uses the classic NLRI field and
/// NEXT_HOP attribute (set from `next_hops[0]`, replacing any in `attrs`);
/// other cases put the NLRI and next hops in MP_REACH_NLRI, after the other
/// attributes (ExaBGP's order). `attrs` must not hold MP attributes (they are
/// not representable in [`Attributes`] anyway).
pub fn pack_announce(
    family: Family,
    attrs: &Attributes,
    next_hops: &[IpAddr],
    nlri: &[Nlri],
    ctx: &CodecContext,
    out: &mut Vec<Bytes>,
) {
    if nlri.is_empty() {
        return;
    }
    let max = max_message(ctx);
    let add_path = ctx.add_path_send.contains(&family);
    let classic =
        family == Family::IPV4_UNICAST && !matches!(next_hops.first(), Some(IpAddr::V6(_)));
    let mut ab = BytesMut::with_capacity(128);
    match (classic, next_hops.first()) {
        (true, Some(IpAddr::V4(nh)))
            if attrs.get(code::NEXT_HOP) != Some(&Attribute::NextHop(*nh)) =>
        {
            let mut a = attrs.clone();
            a.set(Attribute::NextHop(*nh));
            encode_attributes(&a, ctx, &mut ab);
        }
        _ => encode_attributes(attrs, ctx, &mut ab),
    }
    let mut buf = BytesMut::new();
    let mut i = 0usize;
    if classic {
        let fixed = HEADER_LEN + LENGTH_FIELDS + ab.len();
        if fixed >= max {
            log::error!("attributes of {} octets leave no room for NLRI", ab.len());
            return;
        }
        while i < nlri.len() {
            let start = i;
            let used = take_fitting(nlri, &mut i, max - fixed, add_path);
            if i == start {
                break;
            }
            buf.reserve(fixed + used);
            put_header_19(&mut buf, fixed + used);
            buf.put_u16(0);
            buf.put_u16(ab.len() as u16);
            buf.put_slice(&ab);
            for n in &nlri[start..i] {
                encode_nlri(n, add_path, &mut buf);
            }
            out.push(buf.split().freeze());
        }
        return;
    }
    // MP_REACH_NLRI: AFI, SAFI, next-hop length, next hops, reserved octet.
    let mp_fixed = 5 + next_hops_len(family, next_hops);
    // Budget with a 4-octet (extended length) attribute header; the header is
    // shortened to 3 octets when the value turns out to fit in 255.
    let fixed = HEADER_LEN + LENGTH_FIELDS + ab.len() + 4 + mp_fixed;
    if fixed >= max {
        log::error!("attributes of {} octets leave no room for NLRI", ab.len());
        return;
    }
    while i < nlri.len() {
        let start = i;
        let used = take_fitting(nlri, &mut i, max - fixed, add_path);
        if i == start {
            break;
        }
        let value = mp_fixed + used;
        let hdr = if value > 255 { 4 } else { 3 };
        let total = HEADER_LEN + LENGTH_FIELDS + ab.len() + hdr + value;
        buf.reserve(total);
        put_header_19(&mut buf, total);
        buf.put_u16(0);
        buf.put_u16((ab.len() + hdr + value) as u16);
        buf.put_slice(&ab);
        put_header(flag::OPTIONAL, code::MP_REACH_NLRI, value, &mut buf);
        buf.put_u16(family.afi.0);
        buf.put_u8(family.safi.0);
        encode_next_hops(family, next_hops, &mut buf);
        buf.put_u8(0);
        for n in &nlri[start..i] {
            encode_nlri(n, add_path, &mut buf);
        }
        out.push(buf.split().freeze());
    }
}

/// Withdraw `nlri` of `family`: IPv4 unicast in the classic Withdrawn Routes
/// field, other families in MP_UNREACH_NLRI; no attributes (what ExaBGP
/// sends for prefix families).
pub fn pack_withdraw(family: Family, nlri: &[Nlri], ctx: &CodecContext, out: &mut Vec<Bytes>) {
    pack_withdraw_with_attributes(family, &Attributes::new(), nlri, ctx, out)
}

/// Like [`pack_withdraw`] but with an attribute set in front of the
/// MP_UNREACH_NLRI (ExaBGP sends the route's attributes with some MP
/// withdrawals, e.g. MUP and flowspec). For IPv4 unicast the attributes are
/// sent in the attribute field beside the classic withdrawn routes.
pub fn pack_withdraw_with_attributes(
    family: Family,
    attrs: &Attributes,
    nlri: &[Nlri],
    ctx: &CodecContext,
    out: &mut Vec<Bytes>,
) {
    if nlri.is_empty() {
        return;
    }
    let max = max_message(ctx);
    let add_path = ctx.add_path_send.contains(&family);
    let mut ab = BytesMut::new();
    encode_attributes(attrs, ctx, &mut ab);
    let mut buf = BytesMut::new();
    let mut i = 0usize;
    if family == Family::IPV4_UNICAST {
        let fixed = HEADER_LEN + LENGTH_FIELDS + ab.len();
        if fixed >= max {
            log::error!("attributes of {} octets leave no room for NLRI", ab.len());
            return;
        }
        while i < nlri.len() {
            let start = i;
            let used = take_fitting(nlri, &mut i, max - fixed, add_path);
            if i == start {
                break;
            }
            buf.reserve(fixed + used);
            put_header_19(&mut buf, fixed + used);
            buf.put_u16(used as u16);
            for n in &nlri[start..i] {
                encode_nlri(n, add_path, &mut buf);
            }
            buf.put_u16(ab.len() as u16);
            buf.put_slice(&ab);
            out.push(buf.split().freeze());
        }
        return;
    }
    // MP_UNREACH_NLRI: AFI, SAFI, then NLRI.
    let fixed = HEADER_LEN + LENGTH_FIELDS + ab.len() + 4 + 3;
    if fixed >= max {
        log::error!("attributes of {} octets leave no room for NLRI", ab.len());
        return;
    }
    while i < nlri.len() {
        let start = i;
        let used = take_fitting(nlri, &mut i, max - fixed, add_path);
        if i == start {
            break;
        }
        let value = 3 + used;
        let hdr = if value > 255 { 4 } else { 3 };
        let total = HEADER_LEN + LENGTH_FIELDS + ab.len() + hdr + value;
        buf.reserve(total);
        put_header_19(&mut buf, total);
        buf.put_u16(0);
        buf.put_u16((ab.len() + hdr + value) as u16);
        buf.put_slice(&ab);
        put_header(flag::OPTIONAL, code::MP_UNREACH_NLRI, value, &mut buf);
        buf.put_u16(family.afi.0);
        buf.put_u8(family.safi.0);
        for n in &nlri[start..i] {
            encode_nlri(n, add_path, &mut buf);
        }
        out.push(buf.split().freeze());
    }
}
