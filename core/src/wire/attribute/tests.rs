//! Attribute codec tests and quickcheck generators (reused by UPDATE tests).

use super::*;
use crate::wire::CodecContext;
use bytes::BytesMut;
use quickcheck::{Arbitrary, Gen, QuickCheck};

/// Largest ASN generated: any u32 with ASN4, 2-octet values other than
/// AS_TRANS without (so that no AS4_* attribute is needed).
fn arbitrary_asn(g: &mut Gen, asn4: bool) -> u32 {
    if asn4 {
        u32::arbitrary(g)
    } else {
        loop {
            let a = u16::arbitrary(g) as u32;
            if a != as_path::AS_TRANS {
                return a;
            }
        }
    }
}

pub(crate) fn arbitrary_path(g: &mut Gen, asn4: bool, confed: bool) -> AsPath {
    let kinds = [
        SegmentKind::Set,
        SegmentKind::Sequence,
        SegmentKind::ConfedSequence,
        SegmentKind::ConfedSet,
    ];
    let n = usize::arbitrary(g) % 4;
    AsPath {
        segments: (0..n)
            .map(|_| {
                let kind = *g.choose(&kinds[..if confed { 4 } else { 2 }]).unwrap();
                let len = 1 + usize::arbitrary(g) % 8;
                AsPathSegment {
                    kind,
                    asns: (0..len).map(|_| arbitrary_asn(g, asn4)).collect(),
                }
            })
            .collect(),
    }
}

fn ipv4(g: &mut Gen) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(u32::arbitrary(g))
}

fn non_empty<T>(g: &mut Gen, f: impl Fn(&mut Gen) -> T) -> Vec<T> {
    let n = 1 + usize::arbitrary(g) % 5;
    (0..n).map(|_| f(g)).collect()
}

/// An attribute that round-trips through the codec on a session with
/// (`asn4`) or without ASN4 (then without AS4_* attributes and 2-octet ASNs).
pub(crate) fn arbitrary_attribute(g: &mut Gen, asn4: bool) -> Attribute {
    loop {
        let a = match u8::arbitrary(g) % 16 {
            0 => Attribute::Origin(
                *g.choose(&[Origin::Igp, Origin::Egp, Origin::Incomplete])
                    .unwrap(),
            ),
            1 => Attribute::AsPath(arbitrary_path(g, asn4, true)),
            2 => Attribute::NextHop(ipv4(g)),
            3 => Attribute::Med(u32::arbitrary(g)),
            4 => Attribute::LocalPref(u32::arbitrary(g)),
            5 => Attribute::AtomicAggregate,
            6 => Attribute::Aggregator(Aggregator {
                asn: arbitrary_asn(g, asn4),
                address: ipv4(g),
            }),
            7 => Attribute::Communities(non_empty(g, |g| Community(u32::arbitrary(g)))),
            8 => Attribute::OriginatorId(ipv4(g)),
            9 => Attribute::ClusterList(non_empty(g, ipv4)),
            10 => Attribute::ExtendedCommunities(non_empty(g, |g| {
                ExtendedCommunity::from_value(u64::arbitrary(g))
            })),
            11 if asn4 => Attribute::As4Path(arbitrary_path(g, true, false)),
            12 if asn4 => Attribute::As4Aggregator(Aggregator {
                asn: u32::arbitrary(g),
                address: ipv4(g),
            }),
            13 => Attribute::Aigp(u64::arbitrary(g)),
            14 => Attribute::LargeCommunities(non_empty(g, |g| LargeCommunity {
                global: u32::arbitrary(g),
                local1: u32::arbitrary(g),
                local2: u32::arbitrary(g),
            })),
            15 => {
                let codes = [
                    code::PMSI_TUNNEL,
                    code::IPV6_EXTENDED_COMMUNITIES,
                    code::BGP_PREFIX_SID,
                    0x99,
                    0xFF,
                    33,
                ];
                let len = usize::arbitrary(g) % 30;
                Attribute::Raw(RawAttribute {
                    flags: u8::arbitrary(g) & 0xF0,
                    code: *g.choose(&codes).unwrap(),
                    data: (0..len)
                        .map(|_| u8::arbitrary(g))
                        .collect::<Vec<u8>>()
                        .into(),
                })
            }
            _ => continue,
        };
        return a;
    }
}

pub(crate) fn arbitrary_attributes(g: &mut Gen, asn4: bool) -> Attributes {
    let n = usize::arbitrary(g) % 10;
    let mut a = Attributes::new();
    for _ in 0..n {
        a.set(arbitrary_attribute(g, asn4));
    }
    a
}

impl Arbitrary for Attribute {
    fn arbitrary(g: &mut Gen) -> Attribute {
        arbitrary_attribute(g, true)
    }
}

impl Arbitrary for Attributes {
    fn arbitrary(g: &mut Gen) -> Attributes {
        arbitrary_attributes(g, true)
    }
}

#[derive(Clone, Debug)]
struct Case {
    asn4: bool,
    attrs: Attributes,
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Case {
        let asn4 = bool::arbitrary(g);
        Case {
            asn4,
            attrs: arbitrary_attributes(g, asn4),
        }
    }
}

fn ctx(asn4: bool) -> CodecContext {
    CodecContext {
        asn4,
        ..CodecContext::default()
    }
}

#[test]
fn quickcheck_attributes_roundtrip() {
    fn prop(c: Case) -> bool {
        let ctx = ctx(c.asn4);
        let mut b = BytesMut::new();
        encode_attributes(&c.attrs, &ctx, &mut b);
        match decode_attributes(&b, &ctx) {
            Ok(d) => {
                d.issues.is_empty()
                    && !d.treat_as_withdraw
                    && d.mp_reach.is_none()
                    && d.attributes == c.attrs
            }
            Err(_) => false,
        }
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Case) -> bool);
}

#[test]
fn quickcheck_decode_attributes_never_panics() {
    fn prop(data: Vec<u8>, asn4: bool) -> bool {
        let _ = decode_attributes(&data, &ctx(asn4));
        true
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(Vec<u8>, bool) -> bool);
}

#[test]
fn quickcheck_attribute_values_never_panic() {
    // Every typed decoder on arbitrary values, behind a valid header.
    fn prop(code: u8, value: Vec<u8>, asn4: bool) -> bool {
        let typed = [1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 26, 32];
        let c = typed[code as usize % typed.len()];
        let mut b = BytesMut::new();
        put_header(default_flags(c), c, value.len(), &mut b);
        b.extend_from_slice(&value);
        decode_attributes(&b, &ctx(asn4)).is_ok()
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(u8, Vec<u8>, bool) -> bool);
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn encode_one(a: &Attribute, asn4: bool) -> Vec<u8> {
    let mut b = BytesMut::new();
    encode_attribute(a, asn4, &mut b);
    b.to_vec()
}

#[test]
fn exabgp_flags() {
    // Flags as in the conformance corpus.
    let cases: Vec<(Attribute, &str)> = vec![
        (Attribute::Origin(Origin::Igp), "40010100"),
        (Attribute::AsPath(AsPath::default()), "400200"),
        (
            Attribute::NextHop("10.0.0.1".parse().unwrap()),
            "4003040A000001",
        ),
        (Attribute::Med(200), "8004040000 00C8"),
        (Attribute::LocalPref(100), "40050400000064"),
        (Attribute::AtomicAggregate, "400600"),
        (
            Attribute::Communities(vec![Community::new(30740, 0)]),
            "C0080478140000",
        ),
        (
            Attribute::OriginatorId("192.168.22.1".parse().unwrap()),
            "800904C0A81601",
        ),
        (
            Attribute::ClusterList(vec!["3.3.3.3".parse().unwrap()]),
            "800A0403030303",
        ),
        (
            Attribute::ExtendedCommunities(vec![ExtendedCommunity::target_asn(65000, 1)]),
            "C010080002FDE800000001",
        ),
        (Attribute::Aigp(100), "801A0B 01000B 0000000000000064"),
        (
            Attribute::LargeCommunities(vec![LargeCommunity {
                global: 1,
                local1: 2,
                local2: 3,
            }]),
            "C0200C000000010000000200000003",
        ),
    ];
    for (a, h) in cases {
        assert_eq!(encode_one(&a, true), hex(h), "{a:?}");
    }
    // AGGREGATOR: 8 octets with ASN4, 6 (AS_TRANS) without.
    let agg = Attribute::Aggregator(Aggregator {
        asn: 70000,
        address: "1.2.3.4".parse().unwrap(),
    });
    assert_eq!(encode_one(&agg, true), hex("C0070800011170 01020304"));
    assert_eq!(encode_one(&agg, false), hex("C007065BA0 01020304"));
}

#[test]
fn extended_length_over_255() {
    let a = Attribute::Communities((0..64).map(Community).collect());
    let b = encode_one(&a, true);
    assert_eq!(&b[..4], &[0xD0, 0x08, 0x01, 0x00]);
    let d = decode_attributes(&b, &ctx(true)).unwrap();
    assert_eq!(d.attributes.get(code::COMMUNITIES), Some(&a));
}

#[test]
fn as_path_two_and_four_octets() {
    let p = AsPath::sequence(&[65000, 4200000000]);
    let mut b = BytesMut::new();
    as_path::encode(&p, true, &mut b);
    assert_eq!(&b[..], &hex("0202 0000FDE8 FA56EA00")[..]);
    assert_eq!(as_path::decode(&b, true).unwrap(), p);
    let mut b = BytesMut::new();
    as_path::encode(&p, false, &mut b);
    assert_eq!(&b[..], &hex("0202 FDE8 5BA0")[..]);
    assert_eq!(
        as_path::decode(&b, false).unwrap(),
        AsPath::sequence(&[65000, 23456])
    );
    // Segments over 255 ASNs are split.
    let long: Vec<u32> = (1..=300).collect();
    let mut b = BytesMut::new();
    as_path::encode(&AsPath::sequence(&long), true, &mut b);
    assert_eq!(b.len(), 2 + 255 * 4 + 2 + 45 * 4);
    let back = as_path::decode(&b, true).unwrap();
    assert_eq!(back.segments.len(), 2);
    assert_eq!(back.asns().collect::<Vec<_>>(), long);
    assert_eq!(back.count(), 300);
    // Display as ExaBGP's text encoder.
    let p = AsPath {
        segments: vec![
            AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec::smallvec![1, 2],
            },
            AsPathSegment {
                kind: SegmentKind::Set,
                asns: smallvec::smallvec![3, 4],
            },
        ],
    };
    assert_eq!(p.to_string(), "( 1 2 ) [ 3 4 ]");
    // An empty segment (only constructible locally) is not written at all.
    let p = AsPath {
        segments: vec![
            AsPathSegment {
                kind: SegmentKind::Set,
                asns: smallvec::smallvec![],
            },
            AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: smallvec::smallvec![7],
            },
        ],
    };
    let b = encode_one(&Attribute::AsPath(p), true);
    assert_eq!(b, hex("400206 0201 00000007"));
    // Empty lists are not written at all.
    assert!(encode_one(&Attribute::Communities(vec![]), true).is_empty());
    assert!(encode_one(&Attribute::LargeCommunities(vec![]), true).is_empty());
}

#[test]
fn prepare_for_resend() {
    let mut a = Attributes::new();
    a.set(Attribute::Origin(Origin::Igp));
    let raw = |flags, code| {
        Attribute::Raw(RawAttribute {
            flags,
            code,
            data: Box::from(&[1u8][..]),
        })
    };
    a.set(raw(0xC0, 0x99)); // unknown optional transitive: Partial set
    a.set(raw(0x80, 0x98)); // unknown optional non-transitive: dropped
    a.set(raw(0xC0, code::BGP_PREFIX_SID)); // recognised: unchanged
    a.set(raw(0x40, 0x97)); // "well-known" generic: unchanged
    a.prepare_for_resend();
    assert_eq!(a.get(0x99), Some(&raw(0xE0, 0x99)));
    assert_eq!(a.get(0x98), None);
    assert_eq!(
        a.get(code::BGP_PREFIX_SID),
        Some(&raw(0xC0, code::BGP_PREFIX_SID))
    );
    assert_eq!(a.get(0x97), Some(&raw(0x40, 0x97)));
    assert_eq!(a.get(code::ORIGIN), Some(&Attribute::Origin(Origin::Igp)));
}

#[test]
fn community_names() {
    assert_eq!(Community::NO_EXPORT.to_string(), "no-export");
    assert_eq!(Community::new(65000, 1).to_string(), "65000:1");
    assert_eq!(
        Community::from_name("no-advertise"),
        Some(Community::NO_ADVERTISE)
    );
    assert_eq!(
        Community::from_name("65000:2"),
        Some(Community::new(65000, 2))
    );
    assert_eq!(Community::from_name("65536:2"), None);
    assert_eq!(Community::BLACKHOLE.name(), Some("blackhole"));
}

#[test]
fn extended_community_strings_match_exabgp() {
    // Each string checked against `exabgp decode` (ExaBGP 5.0.15).
    let cases = [
        ("0002FDE800000001", 842122827661313u64, "target:65000:1"),
        ("0102010203040005", 72621652143505413, "target:1.2.3.4:5"),
        ("020200010D6F0001", 144678142549622785, "target:68975:1"),
        ("0003FDE800000002", 1123597804371970, "origin:65000:0.0.0.2"),
        ("0103010203040005", 72903127120216069, "origin:5:1.2.3.4"),
        ("0203000100000002", 144959617300955138, "origin:65536:2"),
        ("8006000044FA0000", 9225060887872274432, "rate-limit:2000"),
        ("8006000047C35001", 9225060887919022081, "rate-limit:100000"),
        ("8006FDE8BF800000", 9225340062802116608, "rate-limit:0"),
        (
            "8007000000000003",
            9225342361691750403,
            "action sample-terminal",
        ),
        ("8007000000000001", 9225342361691750401, "action terminal"),
        ("8007000000000002", 9225342361691750402, "action sample"),
        (
            "8008FDE800000064",
            9225903009542701156,
            "redirect:65000:100",
        ),
        ("0008000000000000", 2251799813685248, "redirect:0:0"),
        (
            "82080001000000AB",
            9369739029039284395,
            "0x82080001000000AB",
        ),
        ("800900000000000A", 9225905311645171722, "mark 10"),
        ("80090000000000FF", 9225905311645171967, "mark 63"),
        (
            "0800000000000000",
            576460752303423488,
            "redirect-to-nexthop",
        ),
        ("0800000000000001", 576460752303423489, "copy-to-nexthop"),
        (
            "800A130005DC006F",
            9226207677441114223,
            "l2info:19:0:1500:111",
        ),
        ("000AFDE800000001", 3093922641346561, "l2info:253:232:0:1"),
        ("030C000000000008", 219550481834311688, "encap:VXLAN"),
        (
            "030C00000000000F",
            219550481834311695,
            "encap:encap:UNKNOWN-15",
        ),
        (
            "0600010000000005",
            432346663739195397,
            "mac-mobility:5:sticky",
        ),
        ("0600000000000000", 432345564227567616, "mac-mobility:0"),
        ("0C00000100000002", 864691132750102530, "mup:1:2"),
        ("0006000000000000", 1688849860263936, "rate-limit:0"),
        (
            "8208000100000064",
            9369739029039284324,
            "0x8208000100000064",
        ),
        ("8108010203040064", 9297682538858545252, ""),
        ("4004FDE844FA0000", 4613091092365705216, ""),
        ("AB01020304050607", 12322132267437983239, ""),
        ("0000000000000000", 0, ""),
        ("8002000100000002", 9223934991103164418, "target:1:2"),
        ("0013000102030405", 5348028886221829, "rtrecord:1:33752069"),
        (
            "0113000102030405",
            77405622924149765,
            "rtrecord:0.1.2.3:1029",
        ),
        (
            "000C000044FA0000",
            3377700877762560,
            "rate-limit:2000:packets",
        ),
        (
            "010CC0A8000100FF",
            75647121545560319,
            "copy-to-nexthop-ietf 192.168.0.1 (with copy)",
        ),
        (
            "010C8001C0A80102",
            75576038774014210,
            "redirect-to-nexthop-ietf 128.1.192.168",
        ),
        (
            "0314000102030405",
            221802285976716293,
            "consistentHashSortOrder:66051",
        ),
        (
            "07020000FDE8C001",
            504966112478806017,
            "interface-set:input-output:65000:1",
        ),
        (
            "07020000FDE84005",
            504966112478773253,
            "interface-set:input:65000:5",
        ),
        (
            "07020000FDE88001",
            504966112478789633,
            "interface-set:output:65000:1",
        ),
        (
            "4702000000010002",
            5116652126646370306,
            "interface-set:0:1:2",
        ),
        ("1600000000000005", 1585267068834414597, ""),
    ];
    for (h, v, s) in cases {
        let ec = ExtendedCommunity(hex(h).try_into().unwrap());
        assert_eq!(ec.value(), v, "{h}");
        assert_eq!(ec.to_string(), s, "{h}");
        assert_eq!(ExtendedCommunity::from_value(v), ec);
    }
    // Constructors produce what the strings describe.
    assert_eq!(
        ExtendedCommunity::target_asn(65000, 1).to_string(),
        "target:65000:1"
    );
    assert_eq!(
        ExtendedCommunity::target_asn(68975, 1).to_string(),
        "target:68975:1"
    );
    assert_eq!(
        ExtendedCommunity::target_ip("1.2.3.4".parse().unwrap(), 5).to_string(),
        "target:1.2.3.4:5"
    );
    assert_eq!(
        ExtendedCommunity::rate_limit(0, 2000.0).to_string(),
        "rate-limit:2000"
    );
    assert_eq!(
        ExtendedCommunity::redirect_asn(65000, 100).to_string(),
        "redirect:65000:100"
    );
    assert_eq!(ExtendedCommunity::mark(10).to_string(), "mark 10");
    assert_eq!(
        ExtendedCommunity::traffic_action(3).to_string(),
        "action sample-terminal"
    );
    assert_eq!(
        ExtendedCommunity::redirect_to_nexthop(false).to_string(),
        "redirect-to-nexthop"
    );
}

#[test]
fn aigp_tlvs() {
    assert_eq!(aigp::decode(&hex("01000B0000000000000064")), Ok(100));
    // Unknown TLV skipped.
    assert_eq!(
        aigp::decode(&hex("020004AA 01000B0000000000000064")),
        Ok(100)
    );
    assert!(aigp::decode(&hex("01000A00000000000064")).is_err());
    assert!(aigp::decode(&hex("01000B0000000000000064 01000B0000000000000065")).is_err());
    assert!(aigp::decode(&hex("0100")).is_err());
    assert!(aigp::decode(&[]).is_err());
    assert_eq!(aigp::to_hex(100), "0x0000000000000064");
}

/// Compare the rendering of every type/sub-type pair with a dump made from
/// `exabgp decode` (JSON object "TTSS" -> string, for one 6-octet payload
/// named in the file name `probe_<payload>.json`). Run by hand:
/// `OXBGP_EXTCOMM_PROBE=/path/probe_000102030405.json cargo test -- --ignored`.
#[test]
#[ignore]
fn extended_community_strings_match_exabgp_dump() {
    let Ok(path) = std::env::var("OXBGP_EXTCOMM_PROBE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let map: std::collections::BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
    let payload = path
        .rsplit('_')
        .next()
        .unwrap()
        .trim_end_matches(".json")
        .to_string();
    let mut bad = Vec::new();
    for (k, want) in &map {
        let b: [u8; 8] = hex(&format!("{k}{payload}")).try_into().unwrap();
        let got = ExtendedCommunity(b).to_string();
        if &got != want {
            bad.push(format!("{k}{payload}: {got:?} != {want:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
