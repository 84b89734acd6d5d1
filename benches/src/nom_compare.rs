//! A nom-based decoder of the UPDATE bodies used by the `decode-*` micro
//! benches, to measure nom against the core's hand-written decoder
//! (`oxbgp_core::wire::update::Update::decode`) on the same bytes.
//!
//! The project's design card said "nom to decode"; UPDATE, attribute and
//! NLRI decoding were written by hand instead (only OPEN and AS_PATH use nom
//! in the core). This module is the measurement behind that choice (issue #6),
//! not a second decoder for production use.
//!
//! Scope, chosen to match what the hand-written path decodes for the bench's
//! UPDATEs (4-octet ASN session, IPv4 unicast, no ADD-PATH):
//! * the body split (RFC 4271 §4.3): withdrawn routes length and field, total
//!   path attribute length and field, NLRI to the end;
//! * each attribute header: flags, type, one- or two-octet length (Extended
//!   Length bit, RFC 4271 §4.3);
//! * ORIGIN, AS_PATH (4-octet, RFC 6793), NEXT_HOP, MED, LOCAL_PREF and
//!   COMMUNITIES (RFC 1997) into the core's typed values, with the same
//!   validity checks the core applies (RFC 7606 §7.1–§7.8 lengths and values,
//!   §3.c Optional/Transitive flags); other attribute codes are skipped;
//! * IPv4 prefixes (length ≤ 32, host bits cleared) as `(addr, len)`.
//!
//! Differences from the core decoder, all of which make this one do *less*:
//! any malformation rejects the whole UPDATE (no RFC 7606 treat-as-withdraw or
//! attribute-discard bookkeeping, no NOTIFICATION data), MP_REACH /
//! MP_UNREACH, AGGREGATOR and the other attributes are not decoded or kept,
//! there is no ADD-PATH and no 2-octet AS_PATH, and the mandatory-attribute
//! check (RFC 7606 §3.d) is not made.

use nom::bytes::complete::take;
use nom::combinator::{all_consuming, cut, flat_map, map, map_opt, map_parser, verify};
use nom::error::{Error, ErrorKind};
use nom::multi::{count, fold_many0, fold_many_m_n, many0};
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::sequence::tuple;
use nom::IResult;
use oxbgp_core::wire::attribute::{
    code, default_flags, flag, AsPath, AsPathSegment, Community, Origin, SegmentKind,
};
use std::fmt;
use std::net::Ipv4Addr;

/// The decoded attributes this decoder understands; `None` when absent. A
/// repeated attribute keeps its first value (as the core does, RFC 7606 §3.g).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NomAttributes {
    pub origin: Option<Origin>,
    pub as_path: Option<AsPath>,
    pub next_hop: Option<Ipv4Addr>,
    pub med: Option<u32>,
    pub local_pref: Option<u32>,
    pub communities: Option<Vec<Community>>,
    /// Attributes of other codes, skipped (the core keeps them).
    pub skipped: usize,
}

/// A decoded UPDATE body. `P` is how a prefix is stored: `(addr, len)` by
/// default; [`decode_update_with`] can build the core's `Nlri` instead, to
/// separate the cost of the parsing style from the cost of the output type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NomUpdate<P = (u32, u8)> {
    pub withdrawn: Vec<P>,
    pub attributes: NomAttributes,
    pub announced: Vec<P>,
}

/// Why a body was rejected: nom's error kind and the offset in the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NomDecodeError {
    pub kind: ErrorKind,
    pub offset: usize,
}

impl fmt::Display for NomDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UPDATE rejected at offset {}: {:?}",
            self.offset, self.kind
        )
    }
}

impl std::error::Error for NomDecodeError {}

/// One attribute as parsed from its header and value.
enum Attr {
    Origin(Origin),
    AsPath(AsPath),
    NextHop(Ipv4Addr),
    Med(u32),
    LocalPref(u32),
    Communities(Vec<Community>),
    Skipped,
}

/// One IPv4 prefix (RFC 4271 §4.3): length in bits, then the minimum number
/// of octets; trailing host bits are irrelevant and cleared.
fn prefix_v4(input: &[u8]) -> IResult<&[u8], (u32, u8)> {
    let (input, len) = verify(be_u8, |&l| l <= 32)(input)?;
    let (input, octets) = take(usize::from(len).div_ceil(8))(input)?;
    let mut a = [0u8; 4];
    a[..octets.len()].copy_from_slice(octets);
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    Ok((input, (u32::from_be_bytes(a) & mask, len)))
}

/// A whole prefix field (withdrawn routes or NLRI): prefixes to its end.
fn prefixes<'a, P>(
    mk: impl Fn(u32, u8) -> P + Copy,
) -> impl FnMut(&'a [u8]) -> IResult<&'a [u8], Vec<P>> {
    all_consuming(many0(map(prefix_v4, move |(a, l)| mk(a, l))))
}

/// A field preceded by its two-octet length.
fn u16_length_data(input: &[u8]) -> IResult<&[u8], &[u8]> {
    flat_map(be_u16, take)(input)
}

/// One AS_PATH segment with 4-octet ASNs (RFC 4271 §4.3, RFC 6793 §3).
/// RFC 7606 §7.2: unknown type or zero ASNs make the attribute malformed.
fn segment(input: &[u8]) -> IResult<&[u8], AsPathSegment> {
    let (input, kind) = map_opt(be_u8, SegmentKind::from_code)(input)?;
    let (input, n) = verify(be_u8, |&n| n > 0)(input)?;
    let n = usize::from(n);
    // Folding into the segment itself keeps the core's inline storage for
    // the ASNs (no Vec per segment, as the hand-written decoder).
    fold_many_m_n(
        n,
        n,
        be_u32,
        move || AsPathSegment {
            kind,
            asns: Default::default(),
        },
        |mut s: AsPathSegment, a| {
            s.asns.push(a);
            s
        },
    )(input)
}

fn as_path(input: &[u8]) -> IResult<&[u8], AsPath> {
    all_consuming(fold_many0(segment, AsPath::default, |mut p, s| {
        p.segments.push(s);
        p
    }))(input)
}

/// RFC 7606 §7.8: a non-zero multiple of 4 octets.
fn communities(input: &[u8]) -> IResult<&[u8], Vec<Community>> {
    if input.is_empty() || !input.chunks_exact(4).remainder().is_empty() {
        return Err(nom::Err::Error(Error::new(input, ErrorKind::LengthValue)));
    }
    all_consuming(count(map(be_u32, Community), input.len() / 4))(input)
}

/// The value parser for attribute `c`, which must take the whole value.
fn value(c: u8, v: &[u8]) -> IResult<&[u8], Attr> {
    match c {
        code::ORIGIN => map(
            all_consuming(map_opt(be_u8, Origin::from_code)),
            Attr::Origin,
        )(v),
        code::AS_PATH => map(as_path, Attr::AsPath)(v),
        code::NEXT_HOP => map(all_consuming(be_u32), |a| Attr::NextHop(Ipv4Addr::from(a)))(v),
        code::MED => map(all_consuming(be_u32), Attr::Med)(v),
        code::LOCAL_PREF => map(all_consuming(be_u32), Attr::LocalPref)(v),
        code::COMMUNITIES => map(communities, Attr::Communities)(v),
        _ => Ok((&v[v.len()..], Attr::Skipped)),
    }
}

fn is_typed(c: u8) -> bool {
    matches!(
        c,
        code::ORIGIN
            | code::AS_PATH
            | code::NEXT_HOP
            | code::MED
            | code::LOCAL_PREF
            | code::COMMUNITIES
    )
}

/// One path attribute: flags, type, length (two octets with the Extended
/// Length bit), value.
fn attribute(input: &[u8]) -> IResult<&[u8], Attr> {
    let start = input;
    let (input, (flags, c)) = tuple((be_u8, be_u8))(input)?;
    let (input, v) = if flags & flag::EXTENDED_LENGTH != 0 {
        u16_length_data(input)?
    } else {
        flat_map(be_u8, take)(input)?
    };
    // RFC 7606 §3.c: Optional/Transitive bits must match the definition.
    let mask = flag::OPTIONAL | flag::TRANSITIVE;
    if is_typed(c) && flags & mask != default_flags(c) & mask {
        return Err(nom::Err::Failure(Error::new(start, ErrorKind::Verify)));
    }
    // The header parsed: a bad value is a hard failure, not "end of list".
    let (_, a) = cut(|v| value(c, v))(v)?;
    Ok((input, a))
}

fn attributes(input: &[u8]) -> IResult<&[u8], NomAttributes> {
    all_consuming(fold_many0(
        attribute,
        NomAttributes::default,
        |mut acc, a| {
            match a {
                Attr::Origin(x) => {
                    acc.origin.get_or_insert(x);
                }
                Attr::AsPath(x) => {
                    acc.as_path.get_or_insert(x);
                }
                Attr::NextHop(x) => {
                    acc.next_hop.get_or_insert(x);
                }
                Attr::Med(x) => {
                    acc.med.get_or_insert(x);
                }
                Attr::LocalPref(x) => {
                    acc.local_pref.get_or_insert(x);
                }
                Attr::Communities(x) => {
                    acc.communities.get_or_insert(x);
                }
                Attr::Skipped => acc.skipped += 1,
            }
            acc
        },
    ))(input)
}

/// Decode an UPDATE body (header stripped), building each prefix with `mk`.
pub fn decode_update_with<P>(
    body: &[u8],
    mk: impl Fn(u32, u8) -> P + Copy,
) -> Result<NomUpdate<P>, NomDecodeError> {
    let parsed = all_consuming(tuple((
        map_parser(u16_length_data, prefixes(mk)),
        map_parser(u16_length_data, attributes),
        prefixes(mk),
    )))(body);
    match parsed {
        Ok((_, (withdrawn, attributes, announced))) => Ok(NomUpdate {
            withdrawn,
            attributes,
            announced,
        }),
        // Every parser works on subslices of `body` (the attribute section,
        // one attribute value), so the error's slice locates it in `body`.
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(NomDecodeError {
            kind: e.code,
            offset: (e.input.as_ptr() as usize)
                .saturating_sub(body.as_ptr() as usize)
                .min(body.len()),
        }),
        // Only streaming parsers return Incomplete; all of these are complete.
        Err(nom::Err::Incomplete(_)) => Err(NomDecodeError {
            kind: ErrorKind::Complete,
            offset: body.len(),
        }),
    }
}

/// Decode an UPDATE body with prefixes as `(addr, len)`.
pub fn decode_update(body: &[u8]) -> Result<NomUpdate, NomDecodeError> {
    decode_update_with(body, |a, l| (a, l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use oxbgp_core::wire::attribute::{Attribute, Attributes};
    use oxbgp_core::wire::nlri::{Nlri, Prefix};
    use oxbgp_core::wire::update::Update;
    use oxbgp_core::wire::{CodecContext, HEADER_LEN};
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    fn ctx() -> CodecContext {
        CodecContext {
            asn4: true,
            ..CodecContext::default()
        }
    }

    /// The body the `decode-N` / `decode-nom-N` benches decode.
    fn bench_body(n: usize) -> bytes::Bytes {
        let msgs = fixture::packed_updates(n, n, &ctx());
        assert_eq!(msgs.len(), 1);
        msgs[0].slice(HEADER_LEN..)
    }

    fn core_prefixes(v: &[Nlri]) -> Vec<(u32, u8)> {
        v.iter()
            .map(|n| match n {
                Nlri::Prefix {
                    prefix: Prefix::V4 { addr, len },
                    path_id: None,
                } => (*addr, *len),
                other => panic!("not a plain IPv4 prefix: {other:?}"),
            })
            .collect()
    }

    /// The core's attribute set in the nom decoder's shape.
    fn core_attributes(a: &Attributes) -> NomAttributes {
        let mut n = NomAttributes::default();
        for x in a.iter() {
            match x {
                Attribute::Origin(o) => n.origin = Some(*o),
                Attribute::AsPath(p) => n.as_path = Some(p.clone()),
                Attribute::NextHop(h) => n.next_hop = Some(*h),
                Attribute::Med(m) => n.med = Some(*m),
                Attribute::LocalPref(l) => n.local_pref = Some(*l),
                Attribute::Communities(c) => n.communities = Some(c.clone()),
                _ => n.skipped += 1,
            }
        }
        n
    }

    /// Both decoders on `body`, when the core decodes it cleanly (no RFC 7606
    /// event, no MP_REACH / MP_UNREACH, which the nom decoder skips): the nom
    /// decoder must accept it with the same prefixes and attribute values.
    /// `None` when the core did not decode it cleanly (nothing to compare).
    fn agree(body: &[u8]) -> Option<bool> {
        let core = Update::decode(body, &ctx()).ok()?;
        if !core.issues.is_empty()
            || core.treat_as_withdraw
            || core.mp_reach.is_some()
            || core.mp_unreach.is_some()
        {
            return None;
        }
        let Ok(nom) = decode_update(body) else {
            return Some(false);
        };
        Some(
            nom.withdrawn == core_prefixes(&core.withdrawn)
                && nom.announced == core_prefixes(&core.announced)
                && nom.attributes == core_attributes(&core.attributes),
        )
    }

    #[test]
    fn decodes_the_one_prefix_bench_update() {
        let u = decode_update(&bench_body(1)).expect("decodes");
        assert_eq!(u.withdrawn, vec![]);
        assert_eq!(u.announced, vec![(0x0100_0000, 24)]);
        let a = &u.attributes;
        assert_eq!(a.origin, Some(Origin::Igp));
        assert_eq!(a.as_path, Some(AsPath::sequence(&[65001, 64512, 3356])));
        assert_eq!(a.next_hop, Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(a.med, Some(0));
        assert_eq!(a.local_pref, Some(100));
        assert_eq!(
            a.communities,
            Some(vec![Community::new(65001, 1), Community::new(65001, 0)])
        );
        assert_eq!(a.skipped, 0);
    }

    /// The bench's UPDATEs (and more fixture sets): same prefix list and
    /// attribute values from both decoders.
    #[test]
    fn agrees_with_core_on_bench_updates() {
        for n in [1, 500] {
            let body = bench_body(n);
            let nom = decode_update(&body).expect("decodes");
            assert_eq!(nom.announced.len(), n);
            let core = Update::decode(&body, &ctx()).expect("decodes");
            assert_eq!(nom.announced, core_prefixes(&core.announced));
            assert_eq!(nom.withdrawn, core_prefixes(&core.withdrawn));
            assert_eq!(nom.attributes, core_attributes(&core.attributes));
            assert_eq!(agree(&body), Some(true));
        }
        for m in fixture::packed_updates(3000, 700, &ctx()) {
            assert_eq!(agree(&m[HEADER_LEN..]), Some(true));
        }
    }

    #[test]
    fn nlri_output_matches_core_nlri() {
        let body = bench_body(500);
        let nom = decode_update_with(&body, |addr, len| Nlri::prefix(Prefix::V4 { addr, len }))
            .expect("decodes");
        let core = Update::decode(&body, &ctx()).expect("decodes");
        assert_eq!(nom.announced, core.announced);
    }

    /// Attribute header and value in wire form.
    fn attr(flags: u8, c: u8, value: &[u8], out: &mut Vec<u8>) {
        out.extend([flags, c]);
        if flags & flag::EXTENDED_LENGTH != 0 {
            out.extend((value.len() as u16).to_be_bytes());
        } else {
            out.push(value.len() as u8);
        }
        out.extend(value);
    }

    fn body(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend((withdrawn.len() as u16).to_be_bytes());
        b.extend(withdrawn);
        b.extend((attrs.len() as u16).to_be_bytes());
        b.extend(attrs);
        b.extend(nlri);
        b
    }

    fn mandatory(out: &mut Vec<u8>) {
        attr(0x40, code::ORIGIN, &[2], out);
        // Extended length on a short value is legal (RFC 4271 §4.3).
        attr(0x50, code::AS_PATH, &[2, 1, 0, 0, 0xFD, 0xE9], out);
        attr(0x40, code::NEXT_HOP, &[192, 0, 2, 1], out);
    }

    #[test]
    fn withdrawn_extended_length_host_bits_and_unknown_attributes() {
        let mut a = Vec::new();
        mandatory(&mut a);
        attr(0xC0, 99, &[1, 2, 3], &mut a);
        let mut comms = Vec::new();
        for i in 0..70u32 {
            comms.extend(i.to_be_bytes());
        }
        // 280 octets: needs the two-octet length.
        attr(0xD0, code::COMMUNITIES, &comms, &mut a);
        // Withdrawn 10/8, 0/0, 198.51.100/24; announced 10.31/12 (host bits
        // set: 10.16/12), 0/0, 192.0.2.255/32.
        let w = [8, 10, 0, 24, 198, 51, 100];
        let n = [12, 10, 0x1F, 0, 32, 192, 0, 2, 255];
        let b = body(&w, &a, &n);
        let u = decode_update(&b).expect("decodes");
        assert_eq!(
            u.withdrawn,
            vec![(0x0A00_0000, 8), (0, 0), (0xC633_6400, 24)]
        );
        assert_eq!(
            u.announced,
            vec![(0x0A10_0000, 12), (0, 0), (0xC000_02FF, 32)]
        );
        assert_eq!(u.attributes.origin, Some(Origin::Incomplete));
        assert_eq!(u.attributes.as_path, Some(AsPath::sequence(&[65001])));
        assert_eq!(u.attributes.skipped, 1);
        assert_eq!(u.attributes.communities.as_ref().map(Vec::len), Some(70));
        assert_eq!(agree(&b), Some(true));
    }

    #[test]
    fn repeated_attribute_keeps_the_first() {
        let mut a = Vec::new();
        mandatory(&mut a);
        attr(0x40, code::LOCAL_PREF, &[0, 0, 0, 7], &mut a);
        attr(0x40, code::LOCAL_PREF, &[0, 0, 0, 9], &mut a);
        let u = decode_update(&body(&[], &a, &[])).expect("decodes");
        assert_eq!(u.attributes.local_pref, Some(7));
    }

    /// Each malformation is rejected by the nom decoder, and the core either
    /// resets the session or reports an RFC 7606 event for it.
    #[test]
    fn rejects_malformed_updates() {
        let mut ok = Vec::new();
        mandatory(&mut ok);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("withdrawn overrun", vec![0, 5, 1, 2]),
            ("prefix length 33", body(&[], &ok, &[33, 1, 2, 3, 4, 5])),
            ("prefix truncated", body(&[], &ok, &[24, 10, 0])),
            ("withdrawn truncated", body(&[16, 10], &[], &[])),
            ("attribute overrun", body(&[], &[0x40, 1, 5, 0], &[])),
            ("origin 3", {
                let mut a = ok.clone();
                attr(0x40, code::ORIGIN, &[3], &mut a);
                body(&[], &a[4..], &[24, 10, 0, 0])
            }),
            ("origin length 2", body(&[], &[0x40, 1, 2, 0, 0], &[])),
            ("MED optional bit missing", {
                let mut a = ok.clone();
                attr(0x40, code::MED, &[0, 0, 0, 1], &mut a);
                body(&[], &a, &[24, 10, 0, 0])
            }),
            (
                "AS_PATH segment type 5",
                body(&[], &[0x40, 2, 6, 5, 1, 0, 0, 0, 1], &[]),
            ),
            ("AS_PATH empty segment", body(&[], &[0x40, 2, 2, 2, 0], &[])),
            (
                "AS_PATH segment overrun",
                body(&[], &[0x40, 2, 6, 2, 2, 0, 0, 0, 1], &[]),
            ),
            (
                "communities length 6",
                body(&[], &[0xC0, 8, 6, 0, 0, 0, 1, 0, 0], &[]),
            ),
            ("communities empty", body(&[], &[0xC0, 8, 0], &[])),
            ("next hop length 3", body(&[], &[0x40, 3, 3, 1, 2, 3], &[])),
        ];
        for (what, b) in cases {
            assert!(decode_update(&b).is_err(), "{what}: nom accepted it");
            match Update::decode(&b, &ctx()) {
                Err(_) => {}
                Ok(u) => assert!(!u.issues.is_empty(), "{what}: core accepted it cleanly"),
            }
        }
    }

    #[test]
    fn error_offset_points_into_the_body() {
        let b = body(&[], &[], &[24, 10, 0, 0, 40]);
        let e = decode_update(&b).expect_err("length 40");
        assert_eq!(e.offset, 8);
        // ORIGIN 7 inside the attribute section: the value's offset.
        let mut a = Vec::new();
        mandatory(&mut a);
        attr(0x40, code::ORIGIN, &[7], &mut a);
        let b = body(&[], &a[4..], &[]);
        let e = decode_update(&b).expect_err("ORIGIN 7");
        assert_eq!((e.offset, b[e.offset]), (24, 7));
        // MED with well-known flags: the attribute's header.
        let mut a = Vec::new();
        attr(0x40, code::MED, &[0, 0, 0, 1], &mut a);
        let e = decode_update(&body(&[9, 8, 7], &a, &[])).expect_err("MED flags");
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        fn prop(data: Vec<u8>) -> bool {
            let _ = decode_update(&data);
            true
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<u8>) -> bool);
    }

    /// The one-prefix bench body with some octets changed and maybe cut:
    /// never a panic, and the decoders agree whenever the core decodes it
    /// cleanly.
    #[test]
    fn mutated_bench_updates_agree_or_are_skipped() {
        fn prop(flips: Vec<(u16, u8)>, cut: Option<u16>) -> bool {
            let mut b = bench_body(1).to_vec();
            for (at, x) in flips {
                let i = at as usize % b.len();
                b[i] ^= x;
            }
            if let Some(c) = cut {
                b.truncate(c as usize % (b.len() + 1));
            }
            let _ = decode_update(&b);
            agree(&b) != Some(false)
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(Vec<(u16, u8)>, Option<u16>) -> bool);
    }

    /// A random UPDATE built with the core's types and encoder.
    #[derive(Clone, Debug)]
    struct Generated(Update);

    fn prefix(g: &mut Gen) -> Nlri {
        let len = u8::arbitrary(g) % 33;
        let addr = u32::arbitrary(g);
        let mask = if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len))
        };
        Nlri::prefix(Prefix::V4 {
            addr: addr & mask,
            len,
        })
    }

    impl Arbitrary for Generated {
        fn arbitrary(g: &mut Gen) -> Self {
            let mut u = Update {
                withdrawn: (0..usize::arbitrary(g) % 50).map(|_| prefix(g)).collect(),
                announced: (0..usize::arbitrary(g) % 50).map(|_| prefix(g)).collect(),
                ..Update::default()
            };
            let a = &mut u.attributes;
            if bool::arbitrary(g) {
                let o = [Origin::Igp, Origin::Egp, Origin::Incomplete];
                a.set(Attribute::Origin(*g.choose(&o).expect("not empty")));
            }
            if bool::arbitrary(g) {
                let kinds = [
                    SegmentKind::Set,
                    SegmentKind::Sequence,
                    SegmentKind::ConfedSequence,
                    SegmentKind::ConfedSet,
                ];
                let mut p = AsPath::default();
                for _ in 0..usize::arbitrary(g) % 4 {
                    let n = 1 + usize::arbitrary(g) % 10;
                    p.segments.push(AsPathSegment {
                        kind: *g.choose(&kinds).expect("not empty"),
                        asns: (0..n).map(|_| u32::arbitrary(g)).collect(),
                    });
                }
                a.set(Attribute::AsPath(p));
            }
            if bool::arbitrary(g) {
                a.set(Attribute::NextHop(Ipv4Addr::from(u32::arbitrary(g))));
            }
            if bool::arbitrary(g) {
                a.set(Attribute::Med(u32::arbitrary(g)));
            }
            if bool::arbitrary(g) {
                a.set(Attribute::LocalPref(u32::arbitrary(g)));
            }
            if bool::arbitrary(g) {
                // Up to 100: more than 63 needs the extended length.
                let n = 1 + usize::arbitrary(g) % 100;
                let c = (0..n).map(|_| Community(u32::arbitrary(g))).collect();
                a.set(Attribute::Communities(c));
            }
            Generated(u)
        }
    }

    #[test]
    fn agrees_with_core_on_generated_updates() {
        fn prop(Generated(u): Generated) -> bool {
            let b = u.to_body(&ctx());
            let nom = decode_update(&b).expect("nom decodes what the core encodes");
            let core = Update::decode(&b, &ctx()).expect("core decodes its own output");
            let attrs_ok = nom.attributes == core_attributes(&core.attributes);
            if core.treat_as_withdraw {
                // A mandatory attribute is missing (RFC 7606 §3.d): the core
                // moved the announced prefixes to the withdrawn ones.
                let mut all = nom.withdrawn.clone();
                all.extend(&nom.announced);
                attrs_ok && all == core_prefixes(&core.withdrawn)
            } else {
                attrs_ok
                    && nom.withdrawn == core_prefixes(&core.withdrawn)
                    && nom.announced == core_prefixes(&core.announced)
            }
        }
        QuickCheck::new()
            .tests(500)
            .quickcheck(prop as fn(Generated) -> bool);
    }
}
