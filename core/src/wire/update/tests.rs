//! UPDATE codec tests: corpus golden bytes, RFC 7606 outcomes, End-of-RIB,
//! packing, and quickcheck round trips.

use super::*;
use crate::wire::attribute::{
    code, AsPath, AsPathSegment, Attribute, Community, ExtendedCommunity, LargeCommunity, Origin,
    SegmentKind,
};
use crate::wire::family::{Afi, Safi};
use crate::wire::nlri::{Prefix, RouteDistinguisher};
use smallvec::smallvec;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn ctx4() -> CodecContext {
    CodecContext {
        asn4: true,
        ..CodecContext::default()
    }
}

fn ctx_addpath(families: &[Family]) -> CodecContext {
    let set: BTreeSet<Family> = families.iter().copied().collect();
    CodecContext {
        asn4: true,
        add_path_receive: set.clone(),
        add_path_send: set,
        ..CodecContext::default()
    }
}

/// Body of a full message given as corpus hex (marker, length, type, body).
fn body_of(msg: &str) -> Vec<u8> {
    let m = hex(msg);
    assert_eq!(&m[..16], &[0xFF; 16]);
    assert_eq!(m[18], 2, "not an UPDATE");
    assert_eq!(u16::from_be_bytes([m[16], m[17]]) as usize, m.len());
    m[19..].to_vec()
}

fn roundtrip(msg: &str, ctx: &CodecContext) -> Update {
    let body = body_of(msg);
    let u = Update::decode(&body, ctx).expect("decodes");
    assert!(u.issues.is_empty(), "issues: {:?}", u.issues);
    assert_eq!(
        u.to_body(ctx).as_ref(),
        &body[..],
        "re-encoding differs for {u:?}"
    );
    assert_eq!(u.to_message(ctx).as_ref(), &hex(msg)[..]);
    u
}

fn v4(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(IpAddr::V4(a.parse().unwrap()), l.parse().unwrap()).unwrap()
}

fn v6(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(IpAddr::V6(a.parse().unwrap()), l.parse().unwrap()).unwrap()
}

#[test]
fn corpus_sweep() {
    // Every UPDATE of the conformance corpus decodes cleanly and re-encodes to
    // the same bytes (when the corpus is present on this machine).
    let dir = std::path::Path::new("/work/shared/conformance/encoding");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut n = 0;
    let mut bad = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("msg") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let add_path = name.contains("addpath") || name.contains("path-information");
        let text = std::fs::read_to_string(&p).unwrap();
        for line in text.lines() {
            let line = line.trim();
            if line.contains('#') || !line.contains(":raw:") {
                continue;
            }
            let h = line.splitn(3, ':').nth(2).unwrap();
            let m = hex(h);
            if m.len() < 19 || m[..16] != [0xFF; 16] || m[18] != 2 {
                continue;
            }
            let ctx = if add_path {
                ctx_addpath(&Family::ALL)
            } else {
                ctx4()
            };
            n += 1;
            match Update::decode(&m[19..], &ctx) {
                Ok(u) => {
                    if u.to_body(&ctx).as_ref() != &m[19..] || !u.issues.is_empty() {
                        bad.push(format!(
                            "{name}: {h} re-encodes as {:02X?} issues {:?}",
                            u.to_body(&ctx).as_ref(),
                            u.issues
                        ));
                    }
                }
                Err(e) => bad.push(format!("{name}: {h}: {e}")),
            }
        }
    }
    assert!(n > 200, "only {n} UPDATEs found");
    assert!(
        bad.is_empty(),
        "{} of {n} failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

// ---------------------------------------------------------------- golden bytes

#[test]
fn golden_ipv4_unicast_decoding_test() {
    // decoding/ipv4-unicast-1: four 0.0.0.0/0 and 1.1.1.1/32 via 101.1.101.1.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003C020000001C4001010040020040030465016501800404000000C840050400000064000000002001010101",
        &ctx4(),
    );
    assert_eq!(
        u.attributes.get(code::ORIGIN),
        Some(&Attribute::Origin(Origin::Igp))
    );
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::default()))
    );
    assert_eq!(
        u.attributes.get(code::NEXT_HOP),
        Some(&Attribute::NextHop(Ipv4Addr::new(101, 1, 101, 1)))
    );
    assert_eq!(u.attributes.get(code::MED), Some(&Attribute::Med(200)));
    assert_eq!(
        u.attributes.get(code::LOCAL_PREF),
        Some(&Attribute::LocalPref(100))
    );
    assert_eq!(u.announced.len(), 5);
    assert_eq!(u.announced[0], Nlri::prefix(v4("0.0.0.0/0")));
    assert_eq!(u.announced[4], Nlri::prefix(v4("1.1.1.1/32")));
    assert!(u.withdrawn.is_empty() && u.mp_reach.is_none() && !u.treat_as_withdraw);
}

#[test]
fn golden_ipv6_mp_reach_with_communities() {
    // conf-new-v6: MP_REACH after COMMUNITIES, IPv6 next hop, /128.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0059020000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000001",
        &ctx4(),
    );
    assert_eq!(
        u.attributes.get(code::LOCAL_PREF),
        Some(&Attribute::LocalPref(200))
    );
    assert_eq!(
        u.attributes.get(code::COMMUNITIES),
        Some(&Attribute::Communities(vec![
            Community::new(30740, 0),
            Community::new(30740, 30740)
        ]))
    );
    let r = u.mp_reach.unwrap();
    assert_eq!(r.family, Family::IPV6_UNICAST);
    assert_eq!(
        r.next_hops,
        vec![IpAddr::V6("2a02:b80:0:2::1".parse().unwrap())]
    );
    assert_eq!(r.nlri, vec![Nlri::prefix(v6("2a02:b80:0:1::1/128"))]);
}

#[test]
fn golden_large_communities() {
    // conf-largecommunity
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF004C020000003040010100400200400304C000020140050400000064C0201800000B62000000000000029A00000B6200000CF80000007B200808080A",
        &ctx4(),
    );
    assert_eq!(
        u.attributes.get(code::LARGE_COMMUNITIES),
        Some(&Attribute::LargeCommunities(vec![
            LargeCommunity {
                global: 2914,
                local1: 0,
                local2: 666
            },
            LargeCommunity {
                global: 2914,
                local1: 3320,
                local2: 123
            },
        ]))
    );
    assert_eq!(u.announced, vec![Nlri::prefix(v4("8.8.8.10/32"))]);
}

#[test]
fn golden_aggregator_and_atomic_aggregate() {
    // conf-aggregator: 4-octet AS_PATH and AGGREGATOR on an ASN4 session.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0048020000002D4001010040020A02020000E1DD00001B1B400304C0A801FE40050400000064400600C00708000046E0DB76E1BD12010040",
        &ctx4(),
    );
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::sequence(&[57821, 6939])))
    );
    assert_eq!(
        u.attributes.get(code::ATOMIC_AGGREGATE),
        Some(&Attribute::AtomicAggregate)
    );
    let Some(Attribute::Aggregator(a)) = u.attributes.get(code::AGGREGATOR) else {
        panic!("no aggregator")
    };
    assert_eq!(a.to_string(), "18144:219.118.225.189");
    assert_eq!(u.announced, vec![Nlri::prefix(v4("1.0.64.0/18"))]);
}

#[test]
fn golden_vpn_route() {
    // conf-vpn: IPv4 mpls-vpn with RD-prefixed next hop, label, RD 65000:1.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0063020000004C40010100400200400304C80A006540050400000064C0101000022710000000010002FDE800000001800E210001800C0000000000000000C80A00650071003E810000FDE8000000010A000000",
        &ctx4(),
    );
    let Some(Attribute::ExtendedCommunities(ec)) = u.attributes.get(code::EXTENDED_COMMUNITIES)
    else {
        panic!("no extended communities")
    };
    assert_eq!(ec[0].to_string(), "target:10000:1");
    assert_eq!(ec[1].to_string(), "target:65000:1");
    let r = u.mp_reach.unwrap();
    assert_eq!(r.family, Family::IPV4_MPLS_VPN);
    assert_eq!(
        r.next_hops,
        vec![IpAddr::V4(Ipv4Addr::new(200, 10, 0, 101))]
    );
    let Nlri::Labeled(l) = &r.nlri[0] else {
        panic!("not labelled")
    };
    let (prefix, labels, rd, path_id) = (&l.prefix, &l.labels, &l.rd, &l.path_id);
    assert_eq!(*prefix, v4("10.0.0.0/25"));
    assert_eq!(labels.as_slice(), &[1000]);
    assert_eq!(rd.unwrap().to_string(), "65000:1");
    assert_eq!(*path_id, None);
}

#[test]
fn golden_add_path() {
    // conf-addpath: path identifier 1.2.3.4 before 193.0.2.1/32.
    let ctx = ctx_addpath(&[Family::IPV4_UNICAST]);
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0040020000002040010100400200400304 0A00000140050400000064C0100800020048000000010102030420C1000201",
        &ctx,
    );
    assert_eq!(
        u.announced,
        vec![Nlri::Prefix {
            prefix: v4("193.0.2.1/32"),
            path_id: Some(0x01020304)
        }]
    );
}

#[test]
fn golden_extended_communities_strings() {
    // conf-extended-attributes: origin, target and l2info renderings.
    let cases = [
        ("00030064000003E8", "origin:100:0.0.3.232"),
        ("0103000113641388", "origin:5000:0.1.19.100"),
        ("0002019000012110", "target:400:74000"),
        ("800A010234567890", "l2info:1:2:13398:30864"),
        ("8008051400014438", "redirect:1300:83000"),
    ];
    for (h, s) in cases {
        let b = hex(h);
        let ec = ExtendedCommunity(b.try_into().unwrap());
        assert_eq!(ec.to_string(), s);
    }
    roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003C02 00000020400101004002004003040F0F0F0F40050400000064C01008800A010234567890200A00000F",
        &ctx4(),
    );
}

#[test]
fn golden_end_of_rib() {
    let ctx = ctx4();
    let u = roundtrip("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001702 00000000", &ctx);
    assert_eq!(u.is_end_of_rib(), Some(Family::IPV4_UNICAST));
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E02 00000007900F0003000201",
        &ctx,
    );
    assert_eq!(u.is_end_of_rib(), Some(Family::IPV6_UNICAST));
    assert_eq!(
        Update::end_of_rib(Family::IPV4_UNICAST)
            .to_body(&ctx)
            .as_ref(),
        &[0, 0, 0, 0]
    );
    assert_eq!(
        Update::end_of_rib(Family::new(Afi::L2VPN, Safi::VPLS))
            .to_body(&ctx)
            .as_ref(),
        &hex("00000007900F0003001941")[..]
    );
    assert_eq!(
        Update::end_of_rib(Family::IPV4_FLOW)
            .to_message(&ctx)
            .as_ref(),
        &hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001E02 00000007900F0003000185")[..]
    );
    // A real withdrawal is not an End-of-RIB.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002602 0000000F800F0C00020140FC00000100000000",
        &ctx,
    );
    assert_eq!(u.is_end_of_rib(), None);
    assert_eq!(
        u.mp_unreach.unwrap().nlri,
        vec![Nlri::prefix(v6("fc00:1::/64"))]
    );
}

#[test]
fn golden_extended_next_hop() {
    // extended-nexthop: IPv4 NLRI with an IPv6 next hop (RFC 8950), and IPv6
    // NLRI with an IPv4 next hop.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0042020000002B4001010040020040050400000064800E1A000101100BADCAFE0BADCAFE0BADCAFE0BADCAFE002099999999",
        &ctx4(),
    );
    let r = u.mp_reach.unwrap();
    assert_eq!(r.family, Family::IPV4_UNICAST);
    assert_eq!(
        r.next_hops,
        vec![IpAddr::V6(
            "bad:cafe:bad:cafe:bad:cafe:bad:cafe".parse().unwrap()
        )]
    );
    assert_eq!(r.nlri, vec![Nlri::prefix(v4("153.153.153.153/32"))]);
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00490200000032 40010100400200400304AAAAAAAA40050400000064800E1A00020104AAAAAAAA0080DEADBEEFDEADBEEFDEADBEEFDEADBEEF",
        &ctx4(),
    );
    assert_eq!(
        u.mp_reach.unwrap().next_hops,
        vec![IpAddr::V4(Ipv4Addr::new(170, 170, 170, 170))]
    );
}

#[test]
fn golden_generic_attributes_kept_raw() {
    // conf-generic-attribute: unknown code 0x99 with flags 0x60 and 0x70
    // (extended length on a 4-octet value) re-encode byte for byte.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0039020000001D40010100400200400304C0A80164400504000000647099000400000064206F6F6F6F",
        &ctx4(),
    );
    assert_eq!(
        u.attributes.get(0x99),
        Some(&Attribute::Raw(crate::wire::attribute::RawAttribute {
            flags: 0x70,
            code: 0x99,
            data: Box::from(&[0u8, 0, 0, 0x64][..])
        }))
    );
}

#[test]
fn golden_vpls_kept_raw() {
    // api-vpls / conf-l2vpn: an unstructured family keeps its whole NLRI blob.
    let u = roundtrip(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0095020000007E4001010040021E020700007814000078140000781400007814000078140000781400007814800404000007D040050400000001C00804D53F007B800904C0A81601800A0803030303C0A8C901C010100002D53F00000006800A130005DC006F800E1C00194104C0A8C9010000110001C0A8C901007B000500010008029CE1",
        &ctx4(),
    );
    let r = u.mp_reach.unwrap();
    assert_eq!(r.family, Family::new(Afi::L2VPN, Safi::VPLS));
    assert_eq!(r.nlri.len(), 1);
    assert!(matches!(&r.nlri[0], Nlri::Raw { data, .. } if data.len() == 19));
    assert_eq!(
        u.attributes.get(code::ORIGINATOR_ID),
        Some(&Attribute::OriginatorId(Ipv4Addr::new(192, 168, 22, 1)))
    );
    assert_eq!(
        u.attributes.get(code::CLUSTER_LIST),
        Some(&Attribute::ClusterList(vec![
            Ipv4Addr::new(3, 3, 3, 3),
            Ipv4Addr::new(192, 168, 201, 1)
        ]))
    );
}

// ------------------------------------------------------------------ RFC 7606

/// Body with the given attribute bytes and classic NLRI 10.0.0.0/8.
fn body_with_attrs(attrs: &str) -> Vec<u8> {
    let a = hex(attrs);
    let mut b = vec![0, 0];
    b.extend_from_slice(&(a.len() as u16).to_be_bytes());
    b.extend_from_slice(&a);
    b.extend_from_slice(&[8, 10]);
    b
}

/// One attribute from flags+code hex and value hex, with computed length.
fn attr(flags_code: &str, value: &str) -> String {
    let v = hex(value);
    let mut s = flags_code.to_string();
    s.push_str(&format!("{:02X}", v.len()));
    for b in v {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// Body with the given attribute bytes and no classic NLRI.
fn no_nlri(attrs: &str) -> Vec<u8> {
    let mut b = body_with_attrs(attrs);
    b.truncate(b.len() - 2);
    b
}

const ORIGIN: &str = "400101 00";
const AS_PATH: &str = "400200";
const NEXT_HOP: &str = "400304 0A000001";

fn decode_attrs(attrs: &str) -> Result<Update, DecodeError> {
    Update::decode(&body_with_attrs(attrs), &ctx4())
}

fn assert_taw(u: &Update, code: u8) {
    assert!(u.treat_as_withdraw, "{u:?}");
    assert!(u.announced.is_empty());
    assert_eq!(u.withdrawn, vec![Nlri::prefix(v4("10.0.0.0/8"))]);
    assert!(
        u.issues
            .iter()
            .any(|i| i.code == code && i.action == ErrorAction::TreatAsWithdraw),
        "{:?}",
        u.issues
    );
    assert_eq!(u.is_end_of_rib(), None);
    assert_eq!(u.announcements().count(), 0);
    assert_eq!(u.withdrawals().count(), 1);
}

#[test]
fn rfc7606_treat_as_withdraw_cases() {
    let cases: &[(&str, u8)] = &[
        // ORIGIN length 2
        ("40010200 00 400200 4003040A000001", code::ORIGIN),
        // ORIGIN value 3
        ("40010103 400200 4003040A000001", code::ORIGIN),
        // AS_PATH segment overrun
        ("40010100 40020402030001 4003040A000001", code::AS_PATH),
        // AS_PATH unknown segment type
        ("40010100 4002060501 0000FDE8 4003040A000001", code::AS_PATH),
        // NEXT_HOP length 3
        ("40010100 400200 4003030A0000", code::NEXT_HOP),
        // MED length 3
        ("40010100 400200 4003040A000001 800403000000", code::MED),
        // LOCAL_PREF length 5
        (
            "40010100 400200 4003040A000001 4005050000000064",
            code::LOCAL_PREF,
        ),
        // COMMUNITIES length 3
        (
            "40010100 400200 4003040A000001 C00803000000",
            code::COMMUNITIES,
        ),
        // ORIGINATOR_ID length 0
        ("40010100 400200 4003040A000001 800900", code::ORIGINATOR_ID),
        // CLUSTER_LIST length 5
        (
            "40010100 400200 4003040A000001 800A05 0101010101",
            code::CLUSTER_LIST,
        ),
        // EXTENDED_COMMUNITIES length 7
        (
            "40010100 400200 4003040A000001 C01007 00020000000000",
            code::EXTENDED_COMMUNITIES,
        ),
        // LARGE_COMMUNITY length 8
        (
            "40010100 400200 4003040A000001 C02008 0000000100000002",
            code::LARGE_COMMUNITIES,
        ),
        // ORIGIN with optional flag (flags conflict, RFC 7606 §3.c)
        ("C0010100 400200 4003040A000001", code::ORIGIN),
        // missing mandatory AS_PATH (§3.d)
        ("40010100 4003040A000001", code::AS_PATH),
        // missing NEXT_HOP with classic NLRI
        ("40010100 400200", code::NEXT_HOP),
    ];
    for (attrs, c) in cases {
        let u = decode_attrs(attrs).unwrap_or_else(|e| panic!("{attrs}: {e}"));
        assert_taw(&u, *c);
    }
}

#[test]
fn rfc7606_attribute_discard_cases() {
    let base = format!("{ORIGIN} {AS_PATH} {NEXT_HOP}");
    let cases: &[(&str, u8)] = &[
        ("400601 00", code::ATOMIC_AGGREGATE),
        ("C00705 0000FDE801", code::AGGREGATOR),
        ("C01103 020100", code::AS4_PATH),
        ("C01207 0000FDE8010203", code::AS4_AGGREGATOR),
        // AIGP TLV length 10 instead of 11
        ("801A0B 01000A0000000000000064", code::AIGP),
    ];
    for (extra, c) in cases {
        let u = decode_attrs(&format!("{base} {extra}")).unwrap();
        assert!(!u.treat_as_withdraw, "{extra}");
        assert_eq!(u.announced, vec![Nlri::prefix(v4("10.0.0.0/8"))]);
        assert!(u.attributes.get(*c).is_none());
        assert_eq!(u.issues.len(), 1);
        assert_eq!(u.issues[0].code, *c);
        assert_eq!(u.issues[0].action, ErrorAction::AttributeDiscard);
    }
}

#[test]
fn rfc7606_duplicates() {
    // A repeated MED: first kept.
    let u = decode_attrs(&format!(
        "{ORIGIN} {AS_PATH} {NEXT_HOP} 80040400000001 80040400000002"
    ))
    .unwrap();
    assert_eq!(u.attributes.get(code::MED), Some(&Attribute::Med(1)));
    assert_eq!(u.issues[0].action, ErrorAction::DuplicateIgnored);
    assert!(!u.treat_as_withdraw);
    // A repeated MP_REACH_NLRI: session reset 3/1.
    let mp = attr("800E", "00020110 00000000000000000000000000000001 00");
    let e = decode_attrs(&format!("{ORIGIN} {AS_PATH} {mp} {mp}")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    let e = decode_attrs(&format!("{ORIGIN} {AS_PATH} 800F03000201 800F03000201")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
}

#[test]
fn rfc7606_session_resets() {
    // Attribute length overruns the attribute section: 3/1.
    let e = decode_attrs(&format!("{ORIGIN} {AS_PATH} 400308 0A000001")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    // Truncated attribute header.
    let e = decode_attrs(&format!("{ORIGIN} 40")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    // Withdrawn length overruns the message.
    let e = Update::decode(&hex("0010 0000"), &ctx4()).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    // Attribute length overruns the message.
    let e = Update::decode(&hex("0000 0010 400101"), &ctx4()).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 1));
    // Too short.
    assert!(Update::decode(&[0], &ctx4()).is_err());
    // Classic NLRI with length 33: 3/10.
    let mut b = body_with_attrs(&format!("{ORIGIN} {AS_PATH} {NEXT_HOP}"));
    b.extend_from_slice(&[33, 1, 2, 3, 4, 5]);
    let e = Update::decode(&b, &ctx4()).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 10));
    // Classic NLRI truncated: 3/10.
    let mut b = body_with_attrs(&format!("{ORIGIN} {AS_PATH} {NEXT_HOP}"));
    b.extend_from_slice(&[24, 1, 2]);
    let e = Update::decode(&b, &ctx4()).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 10));
    // Withdrawn route with length 40: 3/10.
    let e = Update::decode(&hex("0002 2801 0000"), &ctx4()).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 10));
    // MP_REACH with a 5-octet next hop: 3/9.
    let e = decode_attrs(&format!("{ORIGIN} {AS_PATH} 800E0A 00010105 0102030405 00")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 9));
    // MP_REACH IPv6 prefix length 129: 3/10.
    let mp = attr("800E", "00020110 00000000000000000000000000000001 00 81 01");
    let e = decode_attrs(&format!("{ORIGIN} {AS_PATH} {mp}")).unwrap_err();
    assert_eq!((e.code, e.subcode), (3, 10));
}

#[test]
fn rfc7606_mp_reach_treat_as_withdraw() {
    // Malformed MED with an IPv6 MP_REACH: its NLRI become an MP_UNREACH.
    let mp = attr(
        "800E",
        "00020110 20010DB8000000000000000000000001 00 40 20010DB800000001 30 20010DB80002",
    );
    let u = Update::decode(
        &no_nlri(&format!("40010100 400200 800403000000 {mp}")),
        &ctx4(),
    )
    .unwrap();
    assert!(u.treat_as_withdraw);
    assert!(u.mp_reach.is_none());
    let un = u.mp_unreach.as_ref().unwrap();
    assert_eq!(un.family, Family::IPV6_UNICAST);
    assert_eq!(
        un.nlri,
        vec![
            Nlri::prefix(v6("2001:db8:0:1::/64")),
            Nlri::prefix(v6("2001:db8:2::/48"))
        ]
    );
    // MP_REACH without ORIGIN: treat-as-withdraw too (NEXT_HOP not needed).
    let mp = attr(
        "800E",
        "00020110 20010DB8000000000000000000000001 00 30 20010DB80002",
    );
    let u = Update::decode(&no_nlri(&format!("400200 {mp}")), &ctx4()).unwrap();
    assert!(u.treat_as_withdraw);
    assert_eq!(u.issues.len(), 1);
    assert_eq!(u.issues[0].code, code::ORIGIN);
    // MP_UNREACH already holds another family: the MP_REACH stays, flagged.
    let reach = attr(
        "800E",
        "00020110 20010DB8000000000000000000000001 00 30 20010DB80002",
    );
    let unreach = attr("800F", "000101 18 0A0001");
    let u = Update::decode(&no_nlri(&format!("400200 {reach} {unreach}")), &ctx4()).unwrap();
    assert!(u.treat_as_withdraw && u.mp_reach.is_some());
    assert_eq!(u.announcements().count(), 0);
    let w: Vec<(Family, Nlri)> = u.withdrawals().map(|(f, n)| (f, n.clone())).collect();
    assert_eq!(
        w,
        vec![
            (Family::IPV4_UNICAST, Nlri::prefix(v4("10.0.1.0/24"))),
            (Family::IPV6_UNICAST, Nlri::prefix(v6("2001:db8:2::/48"))),
        ]
    );
    // ... but with ORIGIN and AS_PATH it is a clean announcement.
    let u = Update::decode(&no_nlri(&format!("40010100 400200 {mp}")), &ctx4()).unwrap();
    assert!(!u.treat_as_withdraw && u.issues.is_empty());
    assert_eq!(u.announcements().count(), 1);
}

// ------------------------------------------------------------------------ AS4

fn ctx2() -> CodecContext {
    CodecContext::default()
}

#[test]
fn as4_merge_on_two_octet_session() {
    // AS_PATH 2-octet [65001 23456 23456], AS4_PATH [70000 80000]:
    // merged path is [65001 70000 80000].
    let attrs =
        format!("{ORIGIN} 40020802 03 FDE9 5BA0 5BA0 {NEXT_HOP} C0110A 0202 00011170 00013880");
    let u = Update::decode(&body_with_attrs(&attrs), &ctx2()).unwrap();
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::sequence(&[65001, 70000, 80000])))
    );
    assert!(u.attributes.get(code::AS4_PATH).is_none());
    // Encoding back toward a 2-octet peer regenerates AS_TRANS and an
    // AS4_PATH holding the whole path (RFC 6793 §4.2.2), which merges back.
    let body = u.to_body(&ctx2());
    let as4 = hex("C0110E 0203 0000FDE9 00011170 00013880");
    assert!(body.windows(as4.len()).any(|w| w == &as4[..]));
    assert_eq!(Update::decode(&body, &ctx2()).unwrap(), u);
}

#[test]
fn as4_path_longer_than_as_path_is_ignored() {
    let attrs = format!("{ORIGIN} 40020402 01 5BA0 {NEXT_HOP} C0110A 0202 00011170 00013880");
    let u = Update::decode(&body_with_attrs(&attrs), &ctx2()).unwrap();
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::sequence(&[23456])))
    );
}

#[test]
fn as4_aggregator_rules() {
    // AGGREGATOR is AS_TRANS: AS4_AGGREGATOR replaces it.
    let attrs = format!(
        "{ORIGIN} 40020402 01 5BA0 {NEXT_HOP} C00706 5BA0 01020304 C01106 0201 00011170 C01208 00011170 01020304"
    );
    let u = Update::decode(&body_with_attrs(&attrs), &ctx2()).unwrap();
    assert_eq!(
        u.attributes.get(code::AGGREGATOR),
        Some(&Attribute::Aggregator(crate::wire::attribute::Aggregator {
            asn: 70000,
            address: Ipv4Addr::new(1, 2, 3, 4)
        }))
    );
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::sequence(&[70000])))
    );
    assert_eq!(&u.to_body(&ctx2())[..], &body_with_attrs(&attrs)[..]);
    // AGGREGATOR is a real 2-octet AS: AS4_AGGREGATOR and AS4_PATH ignored.
    let attrs = format!(
        "{ORIGIN} 40020402 01 5BA0 {NEXT_HOP} C00706 FDE8 01020304 C01106 0201 00011170 C01208 00011170 01020304"
    );
    let u = Update::decode(&body_with_attrs(&attrs), &ctx2()).unwrap();
    assert_eq!(
        u.attributes.get(code::AS_PATH),
        Some(&Attribute::AsPath(AsPath::sequence(&[23456])))
    );
    assert!(
        matches!(u.attributes.get(code::AGGREGATOR), Some(Attribute::Aggregator(a)) if a.asn == 65000)
    );
}

#[test]
fn as4_merge_keeps_confederation_and_sets() {
    let path = AsPath {
        segments: vec![
            AsPathSegment {
                kind: SegmentKind::ConfedSequence,
                asns: smallvec![64512],
            },
            AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec![1, 23456, 23456],
            },
            AsPathSegment {
                kind: SegmentKind::Set,
                asns: smallvec![23456, 5],
            },
        ],
    };
    let as4 = AsPath {
        segments: vec![
            AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec![70000, 80000],
            },
            AsPathSegment {
                kind: SegmentKind::Set,
                asns: smallvec![90000, 5],
            },
        ],
    };
    let merged = attribute::as_path::merge_path(&path, &as4);
    assert_eq!(
        merged,
        AsPath {
            segments: vec![
                AsPathSegment {
                    kind: SegmentKind::ConfedSequence,
                    asns: smallvec![64512]
                },
                AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: smallvec![1, 70000, 80000]
                },
                AsPathSegment {
                    kind: SegmentKind::Set,
                    asns: smallvec![90000, 5]
                },
            ]
        }
    );
}

#[test]
fn as4_encode_toward_two_octet_peer() {
    let mut attrs = Attributes::new();
    attrs.set(Attribute::Origin(Origin::Igp));
    attrs.set(Attribute::AsPath(AsPath::sequence(&[65000, 4200000000])));
    attrs.set(Attribute::NextHop(Ipv4Addr::new(10, 0, 0, 1)));
    attrs.set(Attribute::LargeCommunities(vec![LargeCommunity {
        global: 1,
        local1: 2,
        local2: 3,
    }]));
    let u = Update {
        attributes: attrs.clone(),
        announced: vec![Nlri::prefix(v4("10.0.0.0/8"))],
        ..Default::default()
    };
    // 2-octet: AS_TRANS in AS_PATH and an AS4_PATH in code order (before 32).
    let body = u.to_body(&ctx2());
    assert_eq!(
        &body[..],
        &hex("0000 0030 40010100 40020602 02FDE8 5BA0 4003040A000001 \
             C0110A 0202 0000FDE8 FA56EA00 C0200C 000000010000000200000003 080A")[..]
    );
    let back = Update::decode(&body, &ctx2()).unwrap();
    assert_eq!(back.attributes, attrs);
    // 4-octet session: no AS4_PATH.
    let body = u.to_body(&ctx4());
    assert_eq!(Update::decode(&body, &ctx4()).unwrap().attributes, attrs);
    assert!(!body.windows(2).any(|w| w == [0xC0, 0x11]));
    // add_as4 gives the set as sent.
    let mut sent = attrs.clone();
    attribute::as_path::add_as4(&mut sent);
    assert_eq!(
        sent.get(code::AS4_PATH),
        Some(&Attribute::As4Path(AsPath::sequence(&[65000, 4200000000])))
    );
}

// -------------------------------------------------------------------- packing

fn base_attrs() -> Attributes {
    let mut a = Attributes::new();
    a.set(Attribute::Origin(Origin::Igp));
    a.set(Attribute::AsPath(AsPath::sequence(&[65000])));
    a.set(Attribute::LocalPref(100));
    a.set(Attribute::Communities(vec![Community::new(65000, 1)]));
    a
}

fn decode_messages(msgs: &[Bytes], ctx: &CodecContext, max: usize) -> Vec<Update> {
    msgs.iter()
        .map(|m| {
            assert!(m.len() <= max, "message of {} octets", m.len());
            assert_eq!(&m[..16], &[0xFF; 16]);
            assert_eq!(u16::from_be_bytes([m[16], m[17]]) as usize, m.len());
            assert_eq!(m[18], 2);
            let u = Update::decode(&m[19..], ctx).unwrap();
            assert!(u.issues.is_empty());
            u
        })
        .collect()
}

fn thousand_v4() -> Vec<Nlri> {
    (0..1000u32)
        .map(|i| {
            Nlri::prefix(Prefix::V4 {
                addr: 0x0A00_0000 | (i << 8),
                len: 24,
            })
        })
        .collect()
}

#[test]
fn pack_ipv4_classic_4096_and_65535() {
    for max in [4096, 65535] {
        for add_path in [false, true] {
            let mut ctx = if add_path {
                ctx_addpath(&[Family::IPV4_UNICAST])
            } else {
                ctx4()
            };
            ctx.max_message = max;
            let nlri: Vec<Nlri> = thousand_v4()
                .into_iter()
                .map(|n| match n {
                    Nlri::Prefix { prefix, .. } if add_path => Nlri::Prefix {
                        prefix,
                        path_id: Some(7),
                    },
                    n => n,
                })
                .collect();
            let mut out = Vec::new();
            let nh = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))];
            pack_announce(
                Family::IPV4_UNICAST,
                &base_attrs(),
                &nh,
                &nlri,
                &ctx,
                &mut out,
            );
            let per = if add_path { 8 } else { 4 };
            let expected_msgs = if max == 4096 {
                1000usize.div_ceil((4096 - 23 - 35) / per)
            } else {
                1
            };
            assert_eq!(out.len(), expected_msgs, "max {max} add-path {add_path}");
            let ups = decode_messages(&out, &ctx, max);
            let got: Vec<Nlri> = ups.iter().flat_map(|u| u.announced.clone()).collect();
            assert_eq!(got, nlri);
            for u in &ups {
                assert_eq!(
                    u.attributes.get(code::NEXT_HOP),
                    Some(&Attribute::NextHop(Ipv4Addr::new(192, 0, 2, 1)))
                );
                assert_eq!(
                    u.attributes.get(code::LOCAL_PREF),
                    Some(&Attribute::LocalPref(100))
                );
            }
            // Withdrawals.
            let mut out = Vec::new();
            pack_withdraw(Family::IPV4_UNICAST, &nlri, &ctx, &mut out);
            let ups = decode_messages(&out, &ctx, max);
            let got: Vec<Nlri> = ups.iter().flat_map(|u| u.withdrawn.clone()).collect();
            assert_eq!(got, nlri);
            assert!(ups.iter().all(|u| u.attributes.is_empty()));
        }
    }
}

#[test]
fn pack_ipv6_mp_reach_and_unreach() {
    for max in [4096, 65535] {
        let mut ctx = ctx4();
        ctx.max_message = max;
        let nlri: Vec<Nlri> = (0..1000u128)
            .map(|i| {
                Nlri::prefix(Prefix::V6 {
                    addr: (0x2001_0db8u128 << 96) | (i << 64),
                    len: 64,
                })
            })
            .collect();
        let nh = [
            IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap()),
            IpAddr::V6("fe80::1".parse::<Ipv6Addr>().unwrap()),
        ];
        let mut out = Vec::new();
        pack_announce(
            Family::IPV6_UNICAST,
            &base_attrs(),
            &nh,
            &nlri,
            &ctx,
            &mut out,
        );
        let ups = decode_messages(&out, &ctx, max);
        assert!(
            if max == 4096 {
                out.len() == 3
            } else {
                out.len() == 1
            },
            "{}",
            out.len()
        );
        let mut got = Vec::new();
        for u in &ups {
            let r = u.mp_reach.as_ref().unwrap();
            assert_eq!(r.next_hops, nh.to_vec());
            assert_eq!(u.attributes, base_attrs());
            got.extend(r.nlri.iter().cloned());
        }
        assert_eq!(got, nlri);
        let mut out = Vec::new();
        pack_withdraw(Family::IPV6_UNICAST, &nlri, &ctx, &mut out);
        let ups = decode_messages(&out, &ctx, max);
        let got: Vec<Nlri> = ups
            .iter()
            .flat_map(|u| u.mp_unreach.as_ref().unwrap().nlri.clone())
            .collect();
        assert_eq!(got, nlri);
    }
}

#[test]
fn pack_matches_exabgp_bytes() {
    // conf-new-v6: one IPv6 route, LOCAL_PREF 200, two communities.
    let mut a = Attributes::new();
    a.set(Attribute::Origin(Origin::Igp));
    a.set(Attribute::AsPath(AsPath::default()));
    a.set(Attribute::LocalPref(200));
    a.set(Attribute::Communities(vec![
        Community::new(30740, 0),
        Community::new(30740, 30740),
    ]));
    let mut out = Vec::new();
    pack_announce(
        Family::IPV6_UNICAST,
        &a,
        &[IpAddr::V6("2a02:b80:0:2::1".parse().unwrap())],
        &[Nlri::prefix(v6("2a02:b80:0:1::1/128"))],
        &ctx4(),
        &mut out,
    );
    assert_eq!(out.len(), 1);
    assert_eq!(
        &out[0][..],
        &hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0059020000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000001")[..]
    );
    // conf-group-limit: two /32 in one classic UPDATE.
    let mut a = Attributes::new();
    a.set(Attribute::Origin(Origin::Igp));
    a.set(Attribute::AsPath(AsPath::default()));
    a.set(Attribute::LocalPref(100));
    let mut out = Vec::new();
    pack_announce(
        Family::IPV4_UNICAST,
        &a,
        &[IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))],
        &[
            Nlri::prefix(v4("193.0.2.1/32")),
            Nlri::prefix(v4("193.0.2.2/32")),
        ],
        &ctx4(),
        &mut out,
    );
    assert_eq!(
        &out[0][..],
        &hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003602 00000015400101004002004003040A0000014005040000006420C100020120C1000202")[..]
    );
    // api-ipv6: IPv6 withdrawal in MP_UNREACH.
    let mut out = Vec::new();
    pack_withdraw(
        Family::IPV6_UNICAST,
        &[Nlri::prefix(v6("fc00:1::/64"))],
        &ctx4(),
        &mut out,
    );
    assert_eq!(
        &out[0][..],
        &hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF002602 0000000F800F0C00020140FC00000100000000")[..]
    );
}

#[test]
fn pack_vpn_large_mp_reach_uses_extended_length() {
    let nlri: Vec<Nlri> = (0..100u32)
        .map(|i| {
            Nlri::labeled(
                Prefix::V4 {
                    addr: 0x0A00_0000 | (i << 8),
                    len: 24,
                },
                smallvec![1000 + i],
                Some(RouteDistinguisher([0, 0, 0xFD, 0xE8, 0, 0, 0, 1])),
                None,
            )
        })
        .collect();
    let mut out = Vec::new();
    let nh = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))];
    pack_announce(
        Family::IPV4_MPLS_VPN,
        &base_attrs(),
        &nh,
        &nlri,
        &ctx4(),
        &mut out,
    );
    assert_eq!(out.len(), 1);
    // 100 × 15 octets: the MP_REACH value exceeds 255, so flags are 0x90.
    assert!(out[0].windows(2).any(|w| w == [0x90, 0x0E]));
    let ups = decode_messages(&out, &ctx4(), 4096);
    let r = ups[0].mp_reach.as_ref().unwrap();
    assert_eq!(r.nlri, nlri);
    assert_eq!(r.next_hops, nh.to_vec());
}

// ----------------------------------------------------------------- quickcheck

mod props {
    use super::*;
    use crate::wire::attribute::tests::arbitrary_attributes;
    use crate::wire::nlri::tests::{arbitrary_nlri, STRUCTURED};
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    /// An UPDATE together with the session context it round-trips in.
    #[derive(Clone, Debug)]
    struct Case {
        ctx: CodecContext,
        update: Update,
    }

    fn next_hops(g: &mut Gen, family: Family) -> Vec<IpAddr> {
        let a4 = |g: &mut Gen| IpAddr::V4(Ipv4Addr::from(u32::arbitrary(g)));
        let a6 = |g: &mut Gen| IpAddr::V6(Ipv6Addr::from(u128::arbitrary(g)));
        match u8::arbitrary(g) % 4 {
            0 => vec![],
            1 => vec![a4(g)],
            2 => vec![a6(g)],
            _ if family.afi == Afi::IPV6 => vec![a6(g), a6(g)],
            _ => vec![a4(g)],
        }
    }

    fn mp_family(g: &mut Gen) -> Family {
        let raw = [Family::new(Afi::L2VPN, Safi::EVPN), Family::IPV6_FLOW];
        if u8::arbitrary(g) % 4 == 0 {
            *g.choose(&raw).unwrap()
        } else {
            *g.choose(&STRUCTURED).unwrap()
        }
    }

    fn nlri_list(g: &mut Gen, family: Family, ctx: &CodecContext, max: usize) -> Vec<Nlri> {
        let add_path = ctx.add_path_send.contains(&family);
        let n = if nlri::NlriLayout::of(family) == nlri::NlriLayout::Raw {
            usize::from(bool::arbitrary(g))
        } else {
            usize::arbitrary(g) % max
        };
        (0..n)
            .map(|_| arbitrary_nlri(g, family, add_path))
            .collect()
    }

    impl Arbitrary for Case {
        fn arbitrary(g: &mut Gen) -> Case {
            let asn4 = bool::arbitrary(g);
            let add_path = bool::arbitrary(g);
            let set: BTreeSet<Family> = if add_path {
                Family::ALL.iter().copied().collect()
            } else {
                BTreeSet::new()
            };
            let ctx = CodecContext {
                asn4,
                max_message: 65535,
                add_path_receive: set.clone(),
                add_path_send: set,
            };
            let mut u = Update {
                attributes: arbitrary_attributes(g, asn4),
                withdrawn: nlri_list(g, Family::IPV4_UNICAST, &ctx, 6),
                announced: nlri_list(g, Family::IPV4_UNICAST, &ctx, 6),
                ..Update::default()
            };
            if bool::arbitrary(g) {
                let family = mp_family(g);
                u.mp_reach = Some(MpReach {
                    family,
                    next_hops: next_hops(g, family),
                    nlri: nlri_list(g, family, &ctx, 6),
                });
            }
            if bool::arbitrary(g) {
                let family = mp_family(g);
                u.mp_unreach = Some(MpUnreach {
                    family,
                    nlri: nlri_list(g, family, &ctx, 6),
                });
            }
            // NLRI need the mandatory attributes, or decoding rightly
            // treats them as withdrawn (RFC 7606 §3.d).
            let has_mp = u.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
            if !u.announced.is_empty() || has_mp {
                if u.attributes.get(code::ORIGIN).is_none() {
                    u.attributes.set(Attribute::Origin(Origin::Igp));
                }
                if u.attributes.get(code::AS_PATH).is_none() {
                    u.attributes.set(Attribute::AsPath(AsPath::default()));
                }
            }
            if !u.announced.is_empty() && u.attributes.get(code::NEXT_HOP).is_none() {
                u.attributes
                    .set(Attribute::NextHop(Ipv4Addr::new(192, 0, 2, 1)));
            }
            Case { ctx, update: u }
        }
    }

    impl Arbitrary for Update {
        /// An UPDATE valid for some session (path identifiers present or
        /// not, 2- or 4-octet ASNs); see `Case` for the matching context.
        fn arbitrary(g: &mut Gen) -> Update {
            Case::arbitrary(g).update
        }
    }

    #[test]
    fn quickcheck_update_roundtrip() {
        fn prop(c: Case) -> bool {
            let body = c.update.to_body(&c.ctx);
            match Update::decode(&body, &c.ctx) {
                Ok(d) if d == c.update => true,
                other => {
                    eprintln!("{:?}\n{:02X?}\n{other:?}", c.update, body.as_ref());
                    false
                }
            }
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Case) -> bool);
    }

    #[test]
    fn quickcheck_decode_never_panics_on_noise() {
        fn prop(data: Vec<u8>, asn4: bool, add_path: bool) -> bool {
            let set: BTreeSet<Family> = if add_path {
                Family::ALL.iter().copied().collect()
            } else {
                BTreeSet::new()
            };
            let ctx = CodecContext {
                asn4,
                add_path_receive: set,
                ..CodecContext::default()
            };
            let _ = Update::decode(&data, &ctx);
            true
        }
        QuickCheck::new()
            .tests(5000)
            .quickcheck(prop as fn(Vec<u8>, bool, bool) -> bool);
    }

    #[test]
    fn quickcheck_decode_never_panics_on_mutations() {
        // Random corruption of valid UPDATEs reaches deeper than pure noise.
        fn prop(c: Case, flips: Vec<(u16, u8)>, cut: u16) -> bool {
            let mut body = c.update.to_body(&c.ctx).to_vec();
            if body.is_empty() {
                return true;
            }
            for (pos, v) in flips.iter().take(4) {
                let i = *pos as usize % body.len();
                body[i] = *v;
            }
            let keep = body.len() - (cut as usize % 4).min(body.len());
            body.truncate(keep);
            let mut other = c.ctx.clone();
            other.asn4 = !other.asn4;
            let _ = Update::decode(&body, &c.ctx);
            let _ = Update::decode(&body, &other);
            true
        }
        QuickCheck::new()
            .tests(3000)
            .quickcheck(prop as fn(Case, Vec<(u16, u8)>, u16) -> bool);
    }

    #[test]
    fn quickcheck_pack_roundtrip() {
        // Packed announcements decode back to the same NLRI, in order, in
        // messages no larger than the maximum.
        fn prop(c: Case, small: bool) -> bool {
            let mut ctx = c.ctx.clone();
            ctx.max_message = if small { 4096 } else { 65535 };
            let Some(r) = &c.update.mp_reach else {
                return true;
            };
            let mut attrs = c.update.attributes.clone();
            attrs.set(Attribute::Origin(Origin::Igp));
            attrs.set(Attribute::AsPath(AsPath::default()));
            if r.family == Family::IPV4_UNICAST
                && !matches!(r.next_hops.first(), Some(IpAddr::V6(_)))
            {
                attrs.set(Attribute::NextHop(Ipv4Addr::new(192, 0, 2, 1)));
            }
            let mut out = Vec::new();
            pack_announce(r.family, &attrs, &r.next_hops, &r.nlri, &ctx, &mut out);
            let mut got = Vec::new();
            for m in &out {
                if m.len() > ctx.max_message {
                    return false;
                }
                let Ok(u) = Update::decode(&m[19..], &ctx) else {
                    return false;
                };
                if !u.issues.is_empty() {
                    return false;
                }
                got.extend(u.announcements().map(|(_, n)| n.clone()));
            }
            got == r.nlri
        }
        QuickCheck::new()
            .tests(500)
            .quickcheck(prop as fn(Case, bool) -> bool);
    }
}

#[test]
fn decoding_corpus_updates_decode_cleanly() {
    // Every `update` of the corpus decoding tests (flowspec, EVPN, BGP-LS
    // kept raw) decodes without RFC 7606 events, when the corpus is present.
    let dir = std::path::Path::new("/work/shared/conformance/decoding");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let mut lines = text.lines();
        let kind = lines.next().unwrap_or("");
        if !kind.starts_with("update") {
            continue;
        }
        let mut m = hex(lines.next().unwrap());
        if m.len() >= 19 && m[..16] == [0xFF; 16] {
            m.drain(..19);
        }
        let u = Update::decode(&m, &ctx4())
            .unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
        assert!(
            u.issues.is_empty(),
            "{}: {:?}",
            e.path().display(),
            u.issues
        );
        // ipv4-unicast-2 carries attributes only; the others carry NLRI.
        if !e.path().ends_with("ipv4-unicast-2") {
            assert!(u.announcements().count() + u.withdrawals().count() > 0);
        }
        n += 1;
    }
    assert!(n >= 10, "{n}");
}

/// Throughput check, run by hand: `cargo test --release -- --ignored pack_speed --nocapture`.
#[test]
#[ignore]
fn pack_speed() {
    let nlri: Vec<Nlri> = (0..1_000_000u32)
        .map(|i| {
            Nlri::prefix(Prefix::V4 {
                addr: i << 8,
                len: 24,
            })
        })
        .collect();
    let nh = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))];
    let t = std::time::Instant::now();
    let mut out = Vec::new();
    pack_announce(
        Family::IPV4_UNICAST,
        &base_attrs(),
        &nh,
        &nlri,
        &ctx4(),
        &mut out,
    );
    let packed = t.elapsed();
    let t = std::time::Instant::now();
    let mut n = 0;
    for m in &out {
        n += Update::decode(&m[19..], &ctx4()).unwrap().announced.len();
    }
    eprintln!(
        "{} messages; pack {packed:?}, decode {:?}",
        out.len(),
        t.elapsed()
    );
    assert_eq!(n, nlri.len());
}
