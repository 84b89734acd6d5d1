//! The `"attribute": { ... }` object of an UPDATE (reference §4.4). Attributes
//! come out in type-code order (the order `Attributes` keeps), NEXT_HOP never
//! (it is the grouping key of the announcements).

use super::extcommunity::push_extended_community;
use super::{push_hex_0x, push_ipv4, push_str, push_u64};
use crate::wire::attribute::{
    flag, Aggregator, AsPath, Attribute, Attributes, RawAttribute, SegmentKind,
};

/// Write `"attribute": { ... }` for a non-empty attribute set. `error` is the
/// RFC 7606 outcome ExaBGP reports as the last key (`"error": "treat-as-withdraw"`).
/// `aigp`: the session accepts AIGP (RFC 7311 §3.2); otherwise ExaBGP ignores it.
pub(crate) fn write_attributes(
    out: &mut String,
    attrs: &Attributes,
    error: Option<&str>,
    aigp: bool,
) {
    out.push_str("\"attribute\": { ");
    let mut first = true;
    let has_aggregator = attrs.iter().any(|a| matches!(a, Attribute::Aggregator(_)));
    for a in attrs.iter() {
        if !aigp && matches!(a, Attribute::Aigp(_)) {
            continue;
        }
        let start = out.len();
        if !first {
            out.push_str(", ");
        }
        let wrote = write_attribute(out, a, has_aggregator);
        if wrote {
            first = false;
        } else {
            out.truncate(start);
        }
    }
    if let Some(e) = error {
        if !first {
            out.push_str(", ");
        }
        out.push_str("\"error\": ");
        push_str(out, e);
    }
    out.push_str(" }");
}

/// Write one `"key": value`; false when ExaBGP shows nothing for it.
pub(crate) fn write_attribute(out: &mut String, a: &Attribute, has_aggregator: bool) -> bool {
    match a {
        Attribute::Origin(o) => {
            out.push_str("\"origin\": \"");
            out.push_str(o.name());
            out.push('"');
        }
        Attribute::AsPath(p) => {
            // An empty AS_PATH (iBGP) is not shown at all.
            if p.segments.is_empty() {
                return false;
            }
            out.push_str("\"as-path\": ");
            push_as_path(out, p);
        }
        Attribute::NextHop(_) => return false,
        Attribute::Med(v) => {
            out.push_str("\"med\": ");
            push_u64(out, *v as u64);
        }
        Attribute::LocalPref(v) => {
            out.push_str("\"local-preference\": ");
            push_u64(out, *v as u64);
        }
        Attribute::AtomicAggregate => out.push_str("\"atomic-aggregate\": true"),
        Attribute::Aggregator(ag) => push_aggregator(out, ag),
        Attribute::As4Aggregator(ag) => {
            // With ASN4 negotiated ExaBGP reads AS4_AGGREGATOR as the aggregator;
            // a real AGGREGATOR wins.
            if has_aggregator {
                return false;
            }
            push_aggregator(out, ag)
        }
        Attribute::Communities(cs) => {
            // ExaBGP sorts communities (as integers, i.e. by high then low half).
            let mut v: smallvec::SmallVec<[u32; 16]> = cs.iter().map(|c| c.0).collect();
            v.sort_unstable();
            out.push_str("\"community\": [ ");
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("[ ");
                push_u64(out, (c >> 16) as u64);
                out.push_str(", ");
                push_u64(out, (c & 0xffff) as u64);
                out.push_str(" ]");
            }
            out.push_str(" ]");
        }
        Attribute::OriginatorId(ip) => {
            out.push_str("\"originator-id\": \"");
            push_ipv4(out, *ip);
            out.push('"');
        }
        Attribute::ClusterList(ids) => {
            out.push_str("\"cluster-list\": [ ");
            for (i, ip) in ids.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                push_ipv4(out, *ip);
                out.push('"');
            }
            out.push_str(" ]");
        }
        Attribute::ExtendedCommunities(ecs) => {
            // Sorted by their 8 octets, as ExaBGP does.
            let mut v: smallvec::SmallVec<[[u8; 8]; 8]> = ecs.iter().map(|e| e.0).collect();
            v.sort_unstable();
            out.push_str("\"extended-community\": [ ");
            for (i, e) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("{ \"value\": ");
                push_u64(out, u64::from_be_bytes(*e));
                out.push_str(", \"string\": \"");
                push_extended_community(out, e);
                out.push_str("\" }");
            }
            out.push_str(" ]");
        }
        Attribute::As4Path(p) => {
            // With ASN4 negotiated ExaBGP does not merge AS4_PATH: it shows it as
            // a generic attribute holding the path's text form.
            out.push_str("\"attribute-0x11-0xC0\": \"");
            push_as_path_text(out, p);
            out.push('"');
        }
        Attribute::Aigp(v) => {
            out.push_str("\"aigp\": \"0x");
            let _ = std::fmt::Write::write_fmt(out, format_args!("{v:016X}"));
            out.push('"');
        }
        Attribute::LargeCommunities(ls) => {
            let mut v: smallvec::SmallVec<[(u32, u32, u32); 8]> =
                ls.iter().map(|l| (l.global, l.local1, l.local2)).collect();
            v.sort_unstable();
            out.push_str("\"large-community\": [ ");
            for (i, (g, l1, l2)) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                // Sic: ExaBGP puts a space before the second comma.
                out.push_str("[ ");
                push_u64(out, *g as u64);
                out.push_str(", ");
                push_u64(out, *l1 as u64);
                out.push_str(" , ");
                push_u64(out, *l2 as u64);
                out.push_str(" ]");
            }
            out.push_str(" ]");
        }
        Attribute::Raw(r) => return push_raw(out, r),
    }
    true
}

fn push_aggregator(out: &mut String, ag: &Aggregator) {
    out.push_str("\"aggregator\": \"");
    push_u64(out, ag.asn as u64);
    out.push(':');
    push_ipv4(out, ag.address);
    out.push('"');
}

/// ExaBGP 5.0's positional object: `{"0": {"element": "as-sequence", "value": [1, 2]}}`.
/// Confederation segments are labelled like their non-confed counterparts...
/// except that ExaBGP labels both confed kinds `as-sequence` (observed).
pub(crate) fn push_as_path(out: &mut String, p: &AsPath) {
    out.push('{');
    for (i, seg) in p.segments.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        push_u64(out, i as u64);
        out.push_str("\": {\"element\": \"");
        out.push_str(match seg.kind {
            SegmentKind::Set => "as-set",
            SegmentKind::Sequence | SegmentKind::ConfedSequence | SegmentKind::ConfedSet => {
                "as-sequence"
            }
        });
        out.push_str("\", \"value\": [");
        for (j, asn) in seg.asns.iter().enumerate() {
            if j > 0 {
                out.push_str(", ");
            }
            push_u64(out, *asn as u64);
        }
        out.push_str("]}");
    }
    out.push('}');
}

/// The text form: sequences in `( )`, sets in `[ ]`, confederation
/// segments in `{( )}` / `{[ ]}` (reference §4.4).
pub(crate) fn push_as_path_text(out: &mut String, p: &AsPath) {
    for (i, seg) in p.segments.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let (open, close) = match seg.kind {
            SegmentKind::Sequence => ("( ", " )"),
            SegmentKind::Set => ("[ ", " ]"),
            SegmentKind::ConfedSequence => ("{( ", " )}"),
            SegmentKind::ConfedSet => ("{[ ", " ]}"),
        };
        out.push_str(open);
        for (j, asn) in seg.asns.iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            push_u64(out, *asn as u64);
        }
        out.push_str(close);
    }
}

/// Attributes kept as bytes. Known-but-unstructured ones get ExaBGP's key where
/// we can render them; unknown optional transitive ones are shown generically
/// with the Partial bit set (ExaBGP sets it when passing them on); unknown
/// non-transitive ones are dropped by ExaBGP and so not shown.
fn push_raw(out: &mut String, r: &RawAttribute) -> bool {
    use crate::wire::attribute::code;
    match r.code {
        code::PMSI_TUNNEL => {
            if let Some(s) = pmsi_string(&r.data) {
                out.push_str("\"pmsi\": \"");
                out.push_str(&s);
                out.push('"');
                return true;
            }
        }
        code::MP_REACH_NLRI | code::MP_UNREACH_NLRI => return false,
        code::BGP_LS => {
            let mark = out.len();
            if super::bgpls::write_bgpls_attribute(out, &r.data) {
                return true;
            }
            out.truncate(mark);
        }
        code::IPV6_EXTENDED_COMMUNITIES if r.data.len() % 20 == 0 => {
            // RFC 5701: 20-octet communities; ExaBGP prints each as its
            // 160-bit integer and a string.
            let mut v: Vec<&[u8]> = r.data.chunks(20).collect();
            v.sort_unstable();
            out.push_str("\"extended-community-ipv6\": [ ");
            for (i, e) in v.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str("{ \"value\": ");
                push_big_decimal(out, e);
                out.push_str(", \"string\": \"");
                push_ipv6_extended_community(out, e);
                out.push_str("\" }");
            }
            out.push_str(" ]");
            return true;
        }
        code::BGP_PREFIX_SID => {
            if let Some(s) = prefix_sid(&r.data) {
                out.push_str("\"bgp-prefix-sid\": ");
                out.push_str(&s);
                return true;
            }
        }
        _ => {}
    }
    if r.flags & flag::OPTIONAL != 0 && r.flags & flag::TRANSITIVE == 0 {
        return false;
    }
    let flags = if r.flags & flag::TRANSITIVE != 0 {
        r.flags | flag::PARTIAL
    } else {
        r.flags
    };
    let _ = std::fmt::Write::write_fmt(
        out,
        format_args!("\"attribute-0x{:02X}-0x{:02X}\": \"0x", r.code, flags),
    );
    // Sic: the value is lower-case hex, unlike everything else.
    for b in r.data.iter() {
        let _ = std::fmt::Write::write_fmt(out, format_args!("{b:02x}"));
    }
    out.push('"');
    true
}

/// Decimal digits of a big-endian unsigned integer of any size.
pub(crate) fn push_big_decimal(out: &mut String, bytes: &[u8]) {
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if n.is_empty() {
        out.push('0');
        return;
    }
    let mut digits = Vec::new();
    while !n.is_empty() {
        // Divide n by 10, keeping the remainder.
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = rem << 8 | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        let skip = n.iter().take_while(|b| **b == 0).count();
        n.drain(..skip);
    }
    digits.reverse();
    out.push_str(std::str::from_utf8(&digits).unwrap_or("0"));
}

/// RFC 5701 / draft-ietf-idr-flowspec-redirect-ip: type 0x00 sub-type 0x0c is
/// redirect to an IPv6 next hop (copy flag in the local administrator's low bit).
pub(crate) fn push_ipv6_extended_community(out: &mut String, e: &[u8]) {
    if let (Some(&0x00), Some(&0x0c)) = (e.first(), e.get(1)) {
        let Some(b) = e.get(2..18).and_then(|b| <[u8; 16]>::try_from(b).ok()) else {
            return;
        };
        let copy = e.get(19).is_some_and(|x| x & 1 != 0);
        out.push_str(if copy {
            "copy-to-nexthop-ietf "
        } else {
            "redirect-to-nexthop-ietf "
        });
        let _ = std::fmt::Write::write_fmt(out, format_args!("{}", std::net::Ipv6Addr::from(b)));
        if copy {
            out.push_str(" (with copy)");
        }
    }
}

/// The text form of a BGP Prefix-SID: `[ 300, [ ( 800000,4096 ), ( 1000000,5000 ) ] ]`
/// (`[ 777 ]` without SRGB); `None` when ExaBGP would not structure it.
pub(crate) fn prefix_sid_text(d: &[u8]) -> Option<String> {
    let mut index = None;
    let mut srgbs: Vec<String> = Vec::new();
    let mut rest = d;
    while !rest.is_empty() {
        let t = *rest.first()?;
        let len = u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?]) as usize;
        let v = rest.get(3..3 + len)?;
        match t {
            1 if len == 7 => index = Some(u32::from_be_bytes([v[3], v[4], v[5], v[6]])),
            3 if len >= 2 && (len - 2) % 6 == 0 => {
                for c in v[2..].chunks(6) {
                    let base = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
                    let range = (c[3] as u32) << 16 | (c[4] as u32) << 8 | c[5] as u32;
                    srgbs.push(format!("( {base},{range} )"));
                }
            }
            _ => return None,
        }
        rest = &rest[3 + len..];
    }
    let mut s = String::from("[ ");
    if let Some(i) = index {
        s.push_str(&i.to_string());
    }
    if !srgbs.is_empty() {
        s.push_str(", [ ");
        s.push_str(&srgbs.join(", "));
        s.push_str(" ]");
    }
    s.push_str(" ]");
    Some(s)
}

/// BGP Prefix-SID (RFC 8669): label index (TLV 1) and originator SRGB (TLV 3).
/// `None` for the SRv6 TLVs, which ExaBGP 5.0 renders as invalid JSON.
fn prefix_sid(d: &[u8]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = d;
    while !rest.is_empty() {
        let t = *rest.first()?;
        let len = u16::from_be_bytes([*rest.get(1)?, *rest.get(2)?]) as usize;
        let v = rest.get(3..3 + len)?;
        match t {
            1 if len == 7 => {
                let idx = u32::from_be_bytes([v[3], v[4], v[5], v[6]]);
                parts.push(format!("\"sr-label-index\": {idx}"));
            }
            3 if len >= 2 && (len - 2) % 6 == 0 => {
                let srgbs: Vec<String> = v[2..]
                    .chunks(6)
                    .map(|c| {
                        let base = (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32;
                        let range = (c[3] as u32) << 16 | (c[4] as u32) << 8 | c[5] as u32;
                        format!("[{base}, {range}]")
                    })
                    .collect();
                parts.push(format!("\"sr-srgbs\": [{}]", srgbs.join(", ")));
            }
            _ => return None,
        }
        rest = &rest[3 + len..];
    }
    Some(format!("{{ {} }}", parts.join(", ")))
}

/// PMSI tunnel attribute (RFC 6514 §5): `pmsi:<type>:<flags>:<label>:<id hex>`.
fn pmsi_string(d: &[u8]) -> Option<String> {
    if d.len() < 5 {
        return None;
    }
    let flags = d[0];
    let kind = d[1];
    let label = ((d[2] as u32) << 16 | (d[3] as u32) << 8 | d[4] as u32) >> 4;
    let name = match kind {
        0 => "notunnel".to_string(),
        6 => "ingressreplication".to_string(),
        k => k.to_string(),
    };
    let mut s = format!("pmsi:{name}:{flags}:{label}:");
    push_hex_0x(&mut s, &d[5..]);
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::attribute::*;
    use smallvec::smallvec;
    use std::net::Ipv4Addr;

    fn render(attrs: Vec<Attribute>, error: Option<&str>) -> String {
        let mut a = Attributes::new();
        for x in attrs {
            a.set(x);
        }
        let mut s = String::new();
        write_attributes(&mut s, &a, error, false);
        s
    }

    fn one(a: Attribute) -> String {
        let mut s = String::new();
        assert!(write_attribute(&mut s, &a, false));
        s
    }

    #[test]
    fn origin_med_local_pref_in_code_order() {
        assert_eq!(
            render(
                vec![
                    Attribute::LocalPref(100),
                    Attribute::Med(200),
                    Attribute::NextHop(Ipv4Addr::new(1, 2, 3, 4)),
                    Attribute::Origin(Origin::Igp),
                ],
                None
            ),
            r#""attribute": { "origin": "igp", "med": 200, "local-preference": 100 }"#
        );
    }

    #[test]
    fn as_path_positional_object() {
        let p = AsPath {
            segments: vec![
                AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: smallvec![1, 2, 3],
                },
                AsPathSegment {
                    kind: SegmentKind::Set,
                    asns: smallvec![4],
                },
                AsPathSegment {
                    kind: SegmentKind::ConfedSet,
                    asns: smallvec![6],
                },
            ],
        };
        assert_eq!(
            one(Attribute::AsPath(p)),
            r#""as-path": {"0": {"element": "as-sequence", "value": [1, 2, 3]}, "1": {"element": "as-set", "value": [4]}, "2": {"element": "as-sequence", "value": [6]}}"#
        );
        let mut s = String::new();
        assert!(!write_attribute(
            &mut s,
            &Attribute::AsPath(AsPath::default()),
            false
        ));
    }

    #[test]
    fn atomic_aggregate_and_aggregator() {
        assert_eq!(
            one(Attribute::AtomicAggregate),
            r#""atomic-aggregate": true"#
        );
        assert_eq!(
            one(Attribute::Aggregator(Aggregator {
                asn: 11141290,
                address: Ipv4Addr::new(10, 10, 10, 10)
            })),
            r#""aggregator": "11141290:10.10.10.10""#
        );
    }

    #[test]
    fn communities_sorted_pairs() {
        assert_eq!(
            one(Attribute::Communities(vec![
                Community(0x0001_0002),
                Community(1),
                Community(0x0001_0001)
            ])),
            r#""community": [ [ 0, 1 ], [ 1, 1 ], [ 1, 2 ] ]"#
        );
    }

    #[test]
    fn large_communities_sorted_with_exabgp_spacing() {
        let l = |g, a, b| LargeCommunity {
            global: g,
            local1: a,
            local2: b,
        };
        assert_eq!(
            one(Attribute::LargeCommunities(vec![l(5, 2, 3), l(1, 1, 1)])),
            r#""large-community": [ [ 1, 1 , 1 ], [ 5, 2 , 3 ] ]"#
        );
    }

    #[test]
    fn extended_communities_sorted_value_and_string() {
        let e = |h: u64| ExtendedCommunity(h.to_be_bytes());
        assert_eq!(
            one(Attribute::ExtendedCommunities(vec![
                e(0x8006_0000_0000_0000),
                e(0x0002_FDE8_0000_0001)
            ])),
            r#""extended-community": [ { "value": 842122827661313, "string": "target:65000:1" }, { "value": 9225060886715039744, "string": "rate-limit:0" } ]"#
        );
    }

    #[test]
    fn originator_cluster_aigp() {
        assert_eq!(
            one(Attribute::OriginatorId(Ipv4Addr::new(1, 1, 1, 1))),
            r#""originator-id": "1.1.1.1""#
        );
        assert_eq!(
            one(Attribute::ClusterList(vec![
                Ipv4Addr::new(3, 3, 3, 3),
                Ipv4Addr::new(2, 2, 2, 2)
            ])),
            r#""cluster-list": [ "3.3.3.3", "2.2.2.2" ]"#
        );
        assert_eq!(one(Attribute::Aigp(100)), r#""aigp": "0x0000000000000064""#);
    }

    #[test]
    fn as4_path_shown_as_generic_attribute() {
        let p = AsPath {
            segments: vec![AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec![1, 2],
            }],
        };
        assert_eq!(
            one(Attribute::As4Path(p)),
            r#""attribute-0x11-0xC0": "( 1 2 )""#
        );
    }

    #[test]
    fn unknown_attributes() {
        let raw = |flags, code, d: &'static [u8]| {
            Attribute::Raw(RawAttribute {
                flags,
                code,
                data: d[..].into(),
            })
        };
        assert_eq!(
            one(raw(0xC0, 0x99, &[1, 2])),
            r#""attribute-0x99-0xE0": "0x0102""#
        );
        assert_eq!(
            one(raw(0xC0, 0xF0, &[0xAD, 0xCA])),
            r#""attribute-0xF0-0xE0": "0xadca""#
        );
        assert_eq!(
            one(raw(0x70, 0x99, &[0, 0, 0, 0x64])),
            r#""attribute-0x99-0x70": "0x00000064""#
        );
        let mut s = String::new();
        assert!(!write_attribute(&mut s, &raw(0x80, 0x99, &[1]), false));
        assert_eq!(
            one(raw(0xC0, 22, &[0, 0, 0, 0, 0, 10, 0, 0, 1])),
            r#""pmsi": "pmsi:notunnel:0:0:0x0A000001""#
        );
    }

    #[test]
    fn prefix_sid_and_ipv6_extended_community() {
        let raw = |flags, code, d: Vec<u8>| {
            Attribute::Raw(RawAttribute {
                flags,
                code,
                data: d.into(),
            })
        };
        let h = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        assert_eq!(
            one(raw(0xC0, 40, h("01000700000000000309"))),
            r#""bgp-prefix-sid": { "sr-label-index": 777 }"#
        );
        assert_eq!(
            one(raw(
                0xC0,
                40,
                h("0100070000000000012C03000E00000C35000010000F4240001388")
            )),
            r#""bgp-prefix-sid": { "sr-label-index": 300, "sr-srgbs": [[800000, 4096], [1000000, 5000]] }"#
        );
        assert_eq!(
            one(raw(0xC0, 25, h("000C2A020B800000000100000000000000010000"))),
            r#""extended-community-ipv6": [ { "value": 271268354242357201462255214013497395816497152, "string": "redirect-to-nexthop-ietf 2a02:b80:0:1::1" } ]"#
        );
    }

    #[test]
    fn aigp_only_on_sessions_accepting_it() {
        let mut a = Attributes::new();
        a.set(Attribute::Origin(Origin::Igp));
        a.set(Attribute::Aigp(100));
        let mut s = String::new();
        write_attributes(&mut s, &a, None, false);
        assert_eq!(s, r#""attribute": { "origin": "igp" }"#);
        s.clear();
        write_attributes(&mut s, &a, None, true);
        assert_eq!(
            s,
            r#""attribute": { "origin": "igp", "aigp": "0x0000000000000064" }"#
        );
    }

    #[test]
    fn error_is_last_key() {
        assert_eq!(
            render(
                vec![Attribute::Origin(Origin::Igp)],
                Some("treat-as-withdraw")
            ),
            r#""attribute": { "origin": "igp", "error": "treat-as-withdraw" }"#
        );
    }
}
