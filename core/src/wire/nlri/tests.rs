//! NLRI codec tests and the quickcheck generators other wire tests reuse.

use super::*;
use crate::wire::family::{Afi, Family, Safi};
use bytes::BytesMut;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

impl Arbitrary for Prefix {
    fn arbitrary(g: &mut Gen) -> Prefix {
        if bool::arbitrary(g) {
            let len = u8::arbitrary(g) % 33;
            Prefix::truncating(IpAddr::V4(Ipv4Addr::from(u32::arbitrary(g))), len).unwrap()
        } else {
            let len = u8::arbitrary(g) % 129;
            Prefix::truncating(IpAddr::V6(Ipv6Addr::from(u128::arbitrary(g))), len).unwrap()
        }
    }
}

impl Arbitrary for RouteDistinguisher {
    fn arbitrary(g: &mut Gen) -> RouteDistinguisher {
        let mut b = [0u8; 8];
        for x in b.iter_mut() {
            *x = u8::arbitrary(g);
        }
        RouteDistinguisher(b)
    }
}

/// A label that survives a round trip anywhere in a stack: 20 bits, neither
/// 0 nor the withdraw value (those end a stack when not bottom-of-stack).
pub(crate) fn arbitrary_label(g: &mut Gen) -> Label {
    loop {
        let l = u32::arbitrary(g) & 0xF_FFFF;
        if l != 0 && l != WITHDRAW_LABEL {
            return l;
        }
    }
}

/// An NLRI of `family` as the codec structures it; `add_path` decides whether
/// it carries a path identifier. Raw families get a non-empty opaque blob.
pub(crate) fn arbitrary_nlri(g: &mut Gen, family: Family, add_path: bool) -> Nlri {
    let path_id = add_path.then(|| u32::arbitrary(g));
    let prefix = loop {
        let p = Prefix::arbitrary(g);
        if p.is_ipv4() == (family.afi == Afi::IPV4) {
            break p;
        }
    };
    match NlriLayout::of(family) {
        NlriLayout::Prefix => Nlri::Prefix { prefix, path_id },
        layout @ (NlriLayout::Labeled | NlriLayout::Vpn) => {
            let n = 1 + usize::arbitrary(g) % 2;
            Nlri::labeled(
                prefix,
                (0..n).map(|_| arbitrary_label(g)).collect(),
                (layout == NlriLayout::Vpn).then(|| RouteDistinguisher::arbitrary(g)),
                path_id,
            )
        }
        NlriLayout::Raw => {
            let len = 1 + usize::arbitrary(g) % 40;
            Nlri::Raw {
                family,
                data: (0..len)
                    .map(|_| u8::arbitrary(g))
                    .collect::<Vec<u8>>()
                    .into(),
            }
        }
    }
}

/// The structured families.
pub(crate) const STRUCTURED: [Family; 8] = [
    Family::IPV4_UNICAST,
    Family::IPV4_MULTICAST,
    Family::IPV4_MPLS,
    Family::IPV4_MPLS_VPN,
    Family::IPV6_UNICAST,
    Family::IPV6_MULTICAST,
    Family::IPV6_MPLS,
    Family::IPV6_MPLS_VPN,
];

impl Arbitrary for Nlri {
    /// A unicast, labelled or VPN NLRI, with or without path identifier.
    fn arbitrary(g: &mut Gen) -> Nlri {
        let family = *g.choose(&STRUCTURED).unwrap();
        let add_path = bool::arbitrary(g);
        arbitrary_nlri(g, family, add_path)
    }
}

/// The family and ADD-PATH setting an NLRI made by `Arbitrary` belongs to.
fn family_of(n: &Nlri) -> (Family, bool) {
    match n {
        Nlri::Prefix { prefix, path_id } => (
            Family::new(
                if prefix.is_ipv4() {
                    Afi::IPV4
                } else {
                    Afi::IPV6
                },
                Safi::UNICAST,
            ),
            path_id.is_some(),
        ),
        Nlri::Labeled(l) => (
            Family::new(
                if l.prefix.is_ipv4() {
                    Afi::IPV4
                } else {
                    Afi::IPV6
                },
                if l.rd.is_some() {
                    Safi::MPLS_VPN
                } else {
                    Safi::MPLS
                },
            ),
            l.path_id.is_some(),
        ),
        Nlri::Raw { family, .. } => (*family, false),
    }
}

#[derive(Clone, Debug)]
struct NlriList {
    family: Family,
    add_path: bool,
    nlri: Vec<Nlri>,
}

impl Arbitrary for NlriList {
    fn arbitrary(g: &mut Gen) -> NlriList {
        let raw = [Family::new(Afi::L2VPN, Safi::EVPN), Family::IPV4_FLOW];
        let family = if u8::arbitrary(g) % 5 == 0 {
            *g.choose(&raw).unwrap()
        } else {
            *g.choose(&STRUCTURED).unwrap()
        };
        let add_path = bool::arbitrary(g);
        let n = if NlriLayout::of(family) == NlriLayout::Raw {
            usize::from(bool::arbitrary(g))
        } else {
            usize::arbitrary(g) % 20
        };
        NlriList {
            family,
            add_path,
            nlri: (0..n)
                .map(|_| arbitrary_nlri(g, family, add_path))
                .collect(),
        }
    }
}

#[test]
fn quickcheck_single_nlri_roundtrip() {
    fn prop(n: Nlri) -> bool {
        let (family, add_path) = family_of(&n);
        let mut b = BytesMut::new();
        encode_nlri(&n, add_path, &mut b);
        b.len() == nlri_wire_len(&n, add_path)
            && decode_nlri_vec(family, add_path, &b) == Ok(vec![n])
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(Nlri) -> bool);
}

#[test]
fn quickcheck_nlri_list_roundtrip() {
    fn prop(l: NlriList) -> bool {
        let mut b = BytesMut::new();
        for n in &l.nlri {
            encode_nlri(n, l.add_path, &mut b);
        }
        decode_nlri_vec(l.family, l.add_path, &b) == Ok(l.nlri)
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(NlriList) -> bool);
}

#[test]
fn quickcheck_decode_never_panics() {
    fn prop(data: Vec<u8>, fam: u8, add_path: bool) -> bool {
        let families = [
            STRUCTURED[0],
            STRUCTURED[2],
            STRUCTURED[3],
            STRUCTURED[4],
            STRUCTURED[6],
            STRUCTURED[7],
            Family::IPV4_FLOW,
        ];
        let family = families[fam as usize % families.len()];
        let _ = decode_nlri_vec(family, add_path, &data);
        true
    }
    QuickCheck::new()
        .tests(5000)
        .quickcheck(prop as fn(Vec<u8>, u8, bool) -> bool);
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn prefix_minimal_octets_and_host_bits() {
    // 10.1.2.0/23 carries 3 octets; host bits sent by a peer are cleared.
    let v = decode_nlri_vec(Family::IPV4_UNICAST, false, &hex("17 0A0103")).unwrap();
    assert_eq!(
        v,
        vec![Nlri::prefix(Prefix::V4 {
            addr: 0x0A01_0200,
            len: 23
        })]
    );
    let mut b = BytesMut::new();
    encode_nlri(&v[0], false, &mut b);
    assert_eq!(&b[..], &hex("17 0A0102")[..]);
    // /0 is one octet.
    let v = decode_nlri_vec(Family::IPV6_UNICAST, false, &[0]).unwrap();
    assert_eq!(v, vec![Nlri::prefix(Prefix::V6 { addr: 0, len: 0 })]);
}

#[test]
fn prefix_errors() {
    let f = Family::IPV4_UNICAST;
    assert!(matches!(
        decode_nlri_vec(f, false, &hex("21 01020304 05")),
        Err(NlriError::BadLength { bits: 33, .. })
    ));
    assert!(matches!(
        decode_nlri_vec(f, false, &hex("18 0102")),
        Err(NlriError::Truncated { .. })
    ));
    assert!(matches!(
        decode_nlri_vec(f, true, &hex("000000")),
        Err(NlriError::Truncated { .. })
    ));
    assert!(matches!(
        decode_nlri_vec(Family::IPV6_UNICAST, false, &[129]),
        Err(NlriError::BadLength { .. })
    ));
    // Labelled: length too short to hold the label.
    assert!(matches!(
        decode_nlri_vec(Family::IPV4_MPLS, false, &hex("10 0003E8")),
        Err(NlriError::BadLength { .. })
    ));
    // VPN: label then not enough bits for the RD.
    assert!(matches!(
        decode_nlri_vec(Family::IPV4_MPLS_VPN, false, &hex("30 0003E9 0000FDE8")),
        Err(NlriError::BadLength { .. })
    ));
}

#[test]
fn labels_and_withdraw_label() {
    // Two labels 100 and 200, bottom-of-stack on the second.
    let v = decode_nlri_vec(Family::IPV4_MPLS, false, &hex("48 000640 000C81 0A0003")).unwrap();
    let Nlri::Labeled(l) = &v[0] else { panic!() };
    let (labels, prefix) = (&l.labels, &l.prefix);
    assert_eq!(labels.as_slice(), &[100, 200]);
    assert_eq!(
        *prefix,
        Prefix::V4 {
            addr: 0x0A00_0300,
            len: 24
        }
    );
    // RFC 8277 §2.4: withdraw with the 0x800000 compatibility label.
    let w = hex("70 800000 0000FDE800000001 0A0002");
    let v = decode_nlri_vec(Family::IPV4_MPLS_VPN, false, &w).unwrap();
    let Nlri::Labeled(l) = &v[0] else { panic!() };
    let (labels, rd) = (&l.labels, &l.rd);
    assert_eq!(labels.as_slice(), &[WITHDRAW_LABEL]);
    assert_eq!(rd.unwrap().to_string(), "65000:1");
    let mut b = BytesMut::new();
    encode_nlri(&v[0], false, &mut b);
    assert_eq!(&b[..], &w[..]);
    // ... and with 0x000000: the stack ends too.
    let v = decode_nlri_vec(Family::IPV4_MPLS, false, &hex("30 000000 0A0002")).unwrap();
    assert!(matches!(&v[0], Nlri::Labeled(l) if l.labels.as_slice() == [0]));
    // An empty stack is sent as the withdraw label.
    let n = Nlri::labeled(
        Prefix::V4 {
            addr: 0x0A00_0200,
            len: 24,
        },
        Default::default(),
        None,
        None,
    );
    let mut b = BytesMut::new();
    encode_nlri(&n, false, &mut b);
    assert_eq!(&b[..], &hex("30 800000 0A0002")[..]);
}

#[test]
fn raw_family_keeps_the_whole_blob() {
    let data = hex("0110 0A000001 0220 0A000002");
    let v = decode_nlri_vec(Family::IPV4_FLOW, false, &data).unwrap();
    assert_eq!(v.len(), 1);
    let mut b = BytesMut::new();
    encode_nlri(&v[0], true, &mut b);
    assert_eq!(&b[..], &data[..]);
    assert!(decode_nlri_vec(Family::IPV4_FLOW, false, &[])
        .unwrap()
        .is_empty());
}
