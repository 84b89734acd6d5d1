//! Route sets shared by the micro benches and the macro scenarios: IPv4 /24
//! prefixes counted up from 1.0.0.0 and a few realistic attribute sets
//! (ORIGIN, AS_PATH of 3 ASNs, MED, LOCAL_PREF, two communities), shared by
//! groups of routes as in a real table.

use bytes::Bytes;
use oxbgp_core::wire::attribute::{
    AsPath, AsPathSegment, Attribute, Attributes, Community, Origin, SegmentKind,
};
use oxbgp_core::wire::nlri::{Nlri, Prefix};
use oxbgp_core::wire::update::pack_announce;
use oxbgp_core::wire::{CodecContext, Family};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

/// How many consecutive routes share one attribute set.
pub const ROUTES_PER_ATTR_SET: usize = 100;

/// The i-th /24 (1.0.0.0/24, 1.0.1.0/24, ...; 2^24 distinct values).
pub fn prefix(i: usize) -> Prefix {
    let addr = (1u32 << 24).wrapping_add((i as u32 & 0x00FF_FFFF) << 8);
    Prefix::V4 { addr, len: 24 }
}

pub fn nlri(i: usize) -> Nlri {
    Nlri::prefix(prefix(i))
}

pub fn prefix_text(i: usize) -> String {
    match prefix(i) {
        Prefix::V4 { addr, len } => format!("{}/{len}", Ipv4Addr::from(addr)),
        Prefix::V6 { .. } => unreachable!("fixture prefixes are IPv4"),
    }
}

/// Attribute set number `set` (without NEXT_HOP); distinct sets differ in
/// their AS_PATH and second community.
pub fn attributes(set: usize) -> Attributes {
    let mut a = Attributes::new();
    a.set(Attribute::Origin(Origin::Igp));
    a.set(Attribute::AsPath(AsPath {
        segments: [AsPathSegment {
            kind: SegmentKind::Sequence,
            asns: [65001, 64512 + set as u32, 3356].into_iter().collect(),
        }]
        .into_iter()
        .collect(),
    }));
    a.set(Attribute::Med(set as u32 % 50));
    a.set(Attribute::LocalPref(100));
    a.set(Attribute::Communities(vec![
        Community((65001 << 16) | 1),
        Community((65001 << 16) | (set as u32 & 0xFFFF)),
    ]));
    a
}

pub const NEXT_HOP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

/// The API command announcing route `i` with the same attributes as
/// [`attributes`] of its set.
pub fn announce_line(i: usize, out: &mut String) {
    let set = i / ROUTES_PER_ATTR_SET;
    let _ = writeln!(
        out,
        "announce route {} next-hop {NEXT_HOP} origin igp as-path [ 65001 {} 3356 ] med {} local-preference 100 community [ 65001:1 65001:{} ]",
        prefix_text(i),
        64512 + set,
        set % 50,
        set & 0xFFFF,
    );
}

/// `n` routes as full-size UPDATE messages (header included), packed per
/// attribute set: what a real peer sends for a table.
pub fn packed_updates(n: usize, per_set: usize, ctx: &CodecContext) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut i = 0;
    let hops = [IpAddr::V4(NEXT_HOP)];
    while i < n {
        let end = (i + per_set).min(n);
        let nl: Vec<Nlri> = (i..end).map(nlri).collect();
        pack_announce(
            Family::IPV4_UNICAST,
            &attributes(i / per_set.max(1)),
            &hops,
            &nl,
            ctx,
            &mut out,
        );
        i = end;
    }
    out
}

/// Count the IPv4 NLRI in the classic NLRI field of an UPDATE body without
/// building anything (the sink peer must not be the bottleneck). `None` when
/// the body is malformed.
pub fn count_classic_nlri(body: &[u8]) -> Option<usize> {
    let wlen = u16::from_be_bytes([*body.first()?, *body.get(1)?]) as usize;
    let a = 2 + wlen;
    let alen = u16::from_be_bytes([*body.get(a)?, *body.get(a + 1)?]) as usize;
    let mut p = a + 2 + alen;
    let mut count = 0;
    while p < body.len() {
        let bits = body[p] as usize;
        p += 1 + bits.div_ceil(8);
        count += 1;
    }
    (p == body.len()).then_some(count)
}
