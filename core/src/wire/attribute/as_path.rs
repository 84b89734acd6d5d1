//! AS_PATH (RFC 4271 §5.1.2, RFC 5065 confederation segments), AS4_PATH and the
//! 2-octet / 4-octet AS transition (RFC 6793 §4).
//!
//! ASNs are held as 4 octets. On a session without ASN4 the encoder writes each
//! ASN above 65535 as AS_TRANS and the attribute encoder adds AS4_PATH /
//! AS4_AGGREGATOR ([`as4_path_for`], [`as4_aggregator_for`]); the decoder merges
//! them back ([`merge_as4`]).

use super::{Aggregator, AsPath, AsPathSegment, Attribute, Attributes, Malformed, SegmentKind};
use crate::wire::attribute::code;
use bytes::{BufMut, BytesMut};
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::IResult;
use smallvec::SmallVec;
use std::fmt;

/// RFC 6793 §9: the 2-octet placeholder for a 4-octet ASN.
pub const AS_TRANS: u32 = 23456;

/// Largest number of ASNs in one segment (the count is one octet).
const MAX_SEGMENT: usize = 255;

/// The 2-octet form of `asn`: itself, or AS_TRANS when it does not fit.
pub fn two_octet(asn: u32) -> u16 {
    u16::try_from(asn).unwrap_or(AS_TRANS as u16)
}

impl SegmentKind {
    pub fn from_code(c: u8) -> Option<SegmentKind> {
        match c {
            1 => Some(SegmentKind::Set),
            2 => Some(SegmentKind::Sequence),
            3 => Some(SegmentKind::ConfedSequence),
            4 => Some(SegmentKind::ConfedSet),
            _ => None,
        }
    }

    pub fn is_confed(self) -> bool {
        matches!(self, SegmentKind::ConfedSequence | SegmentKind::ConfedSet)
    }

    /// ExaBGP's JSON element name. Confederation segments are labelled like
    /// plain ones in ExaBGP 5.0 (reference §4.4).
    pub fn json_name(self) -> &'static str {
        match self {
            SegmentKind::Set | SegmentKind::ConfedSet => "as-set",
            SegmentKind::Sequence | SegmentKind::ConfedSequence => "as-sequence",
        }
    }
}

/// A segment as parsed: type code and ASNs.
type RawSegment = (u8, SmallVec<[u32; 6]>);

fn segment(asn4: bool) -> impl Fn(&[u8]) -> IResult<&[u8], RawSegment> {
    move |input| {
        let (input, kind) = be_u8(input)?;
        let (input, count) = be_u8(input)?;
        let width = if asn4 { 4 } else { 2 };
        let (input, body) = take(count as usize * width)(input)?;
        let mut asns = SmallVec::with_capacity(count as usize);
        let mut rest = body;
        for _ in 0..count {
            let (r, asn) = if asn4 {
                be_u32(rest)?
            } else {
                let (r, a) = be_u16(rest)?;
                (r, a as u32)
            };
            asns.push(asn);
            rest = r;
        }
        Ok((input, (kind, asns)))
    }
}

/// Decode AS_PATH (`asn4` per session) or AS4_PATH (`asn4 = true`).
/// RFC 7606 §7.2: unknown segment type, zero-length segment or a segment
/// overrunning the attribute make it malformed.
pub fn decode(value: &[u8], asn4: bool) -> Result<AsPath, Malformed> {
    let mut path = AsPath::default();
    let mut rest = value;
    let parse = segment(asn4);
    while !rest.is_empty() {
        let (r, (kind, asns)) = parse(rest).map_err(|_| {
            Malformed::new(format!(
                "AS_PATH segment overruns the attribute at offset {}",
                value.len() - rest.len()
            ))
        })?;
        let kind = SegmentKind::from_code(kind)
            .ok_or_else(|| Malformed::new(format!("AS_PATH segment type {kind} unknown")))?;
        if asns.is_empty() {
            return Err(Malformed::new("AS_PATH segment of length 0"));
        }
        path.segments.push(AsPathSegment { kind, asns });
        rest = r;
    }
    Ok(path)
}

/// Encode with 4-octet or 2-octet ASNs (AS_TRANS for those that do not fit).
/// Segments longer than 255 ASNs are split (RFC 4271 §5.1.2 count is one octet).
pub fn encode(path: &AsPath, asn4: bool, out: &mut BytesMut) {
    for seg in &path.segments {
        for chunk in seg.asns.chunks(MAX_SEGMENT) {
            out.put_u8(seg.kind as u8);
            out.put_u8(chunk.len() as u8);
            for &asn in chunk {
                if asn4 {
                    out.put_u32(asn);
                } else {
                    out.put_u16(two_octet(asn));
                }
            }
        }
    }
}

impl AsPath {
    /// A single AS_SEQUENCE (empty path for an empty slice).
    pub fn sequence(asns: &[u32]) -> AsPath {
        let mut p = AsPath::default();
        if !asns.is_empty() {
            p.segments.push(AsPathSegment {
                kind: SegmentKind::Sequence,
                asns: SmallVec::from_slice(asns),
            });
        }
        p
    }

    /// Path length for RFC 6793 §4.2.3 counting: an AS_SET counts 1,
    /// confederation segments count 0.
    pub fn count(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s.kind {
                SegmentKind::Sequence => s.asns.len(),
                SegmentKind::Set => 1,
                _ => 0,
            })
            .sum()
    }

    /// True if some ASN cannot be written in 2 octets.
    pub fn has_four_octet(&self) -> bool {
        self.segments
            .iter()
            .any(|s| s.asns.iter().any(|&a| a > 0xFFFF))
    }

    /// Every ASN in order, whatever the segment kind.
    pub fn asns(&self) -> impl Iterator<Item = u32> + '_ {
        self.segments.iter().flat_map(|s| s.asns.iter().copied())
    }

    /// Append a segment, joining it with a preceding segment of the same
    /// sequence kind when the result still fits in one segment.
    fn push_joined(&mut self, seg: AsPathSegment) {
        if let Some(last) = self.segments.last_mut() {
            if last.kind == seg.kind
                && matches!(
                    seg.kind,
                    SegmentKind::Sequence | SegmentKind::ConfedSequence
                )
                && last.asns.len() + seg.asns.len() <= MAX_SEGMENT
            {
                last.asns.extend_from_slice(&seg.asns);
                return;
            }
        }
        self.segments.push(seg);
    }
}

impl fmt::Display for AsPath {
    /// ExaBGP's text rendering (reference §4.4): sequences in `( )`, sets in
    /// `[ ]`, e.g. `( 1 2 ) [ 3 4 ]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for s in &self.segments {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            let (open, close) = match s.kind {
                SegmentKind::Set | SegmentKind::ConfedSet => ("[", "]"),
                _ => ("(", ")"),
            };
            f.write_str(open)?;
            for a in &s.asns {
                write!(f, " {a}")?;
            }
            write!(f, " {close}")?;
        }
        Ok(())
    }
}

/// The AS4_PATH to send with `path` toward a 2-octet-AS peer, or `None` when
/// every ASN fits in 2 octets (RFC 6793 §4.2.2: only then is AS4_PATH needed).
/// Confederation segments are left out of AS4_PATH (RFC 6793 §3).
pub fn as4_path_for(path: &AsPath) -> Option<AsPath> {
    if !path.has_four_octet() {
        return None;
    }
    let mut p = AsPath::default();
    for s in path.segments.iter().filter(|s| !s.kind.is_confed()) {
        p.segments.push(s.clone());
    }
    // Only confederation segments carried large ASNs: nothing to send.
    (!p.segments.is_empty()).then_some(p)
}

/// The AS4_AGGREGATOR to send with `agg` toward a 2-octet-AS peer, if needed.
pub fn as4_aggregator_for(agg: &Aggregator) -> Option<Aggregator> {
    (agg.asn > 0xFFFF).then_some(*agg)
}

/// Rebuild the real AS_PATH from AS_PATH (2-octet, with AS_TRANS) and AS4_PATH
/// as RFC 6793 §4.2.3 says: keep the leading `count(AS_PATH) - count(AS4_PATH)`
/// ASNs of AS_PATH (plus its confederation segments, which AS4_PATH never
/// carries) and append AS4_PATH. If AS4_PATH is longer than AS_PATH it is
/// ignored.
pub fn merge_path(as_path: &AsPath, as4_path: &AsPath) -> AsPath {
    let n = as_path.count();
    let m = as4_path.count();
    if m > n {
        return as_path.clone();
    }
    let mut budget = n - m;
    let mut out = AsPath::default();
    for s in &as_path.segments {
        match s.kind {
            SegmentKind::ConfedSequence | SegmentKind::ConfedSet => out.push_joined(s.clone()),
            SegmentKind::Set => {
                if budget >= 1 {
                    budget -= 1;
                    out.push_joined(s.clone());
                }
            }
            SegmentKind::Sequence => {
                let take = budget.min(s.asns.len());
                if take > 0 {
                    budget -= take;
                    out.push_joined(AsPathSegment {
                        kind: s.kind,
                        asns: SmallVec::from_slice(&s.asns[..take]),
                    });
                }
            }
        }
    }
    for s in &as4_path.segments {
        // AS4_PATH must not carry confederation segments (RFC 6793 §3); drop any.
        if !s.kind.is_confed() {
            out.push_joined(s.clone());
        }
    }
    out
}

/// Merge AS4_PATH / AS4_AGGREGATOR received on a 2-octet-AS session into
/// AS_PATH / AGGREGATOR and remove them (RFC 6793 §4.2.3):
/// * AGGREGATOR present with an ASN other than AS_TRANS: AS4_AGGREGATOR and
///   AS4_PATH are both ignored (the last aggregating speaker was 2-octet only);
/// * AGGREGATOR is AS_TRANS and AS4_AGGREGATOR present: AGGREGATOR takes its value;
/// * AS4_PATH is merged with [`merge_path`].
pub fn merge_as4(attrs: &mut Attributes) {
    let as4_path = match attrs.remove(code::AS4_PATH) {
        Some(Attribute::As4Path(p)) => Some(p),
        _ => None,
    };
    let as4_agg = match attrs.remove(code::AS4_AGGREGATOR) {
        Some(Attribute::As4Aggregator(a)) => Some(a),
        _ => None,
    };
    let mut use_as4_path = true;
    if let Some(Attribute::Aggregator(agg)) = attrs.get(code::AGGREGATOR) {
        if agg.asn != AS_TRANS {
            use_as4_path = false;
        } else if let Some(a4) = as4_agg {
            attrs.set(Attribute::Aggregator(a4));
        }
    }
    if let (true, Some(p4)) = (use_as4_path, as4_path) {
        if let Some(Attribute::AsPath(p)) = attrs.get(code::AS_PATH) {
            let merged = merge_path(p, &p4);
            attrs.set(Attribute::AsPath(merged));
        }
    }
}

/// Prepare attributes for a 2-octet-AS peer: add AS4_PATH / AS4_AGGREGATOR when
/// AS_PATH / AGGREGATOR carry ASNs that do not fit (the encoder then writes
/// AS_TRANS in their place). Existing AS4_* attributes are replaced.
/// The UPDATE encoder does this on its own; this is for callers that want the
/// attribute set as it will be sent.
pub fn add_as4(attrs: &mut Attributes) {
    attrs.remove(code::AS4_PATH);
    attrs.remove(code::AS4_AGGREGATOR);
    let p4 = match attrs.get(code::AS_PATH) {
        Some(Attribute::AsPath(p)) => as4_path_for(p),
        _ => None,
    };
    let a4 = match attrs.get(code::AGGREGATOR) {
        Some(Attribute::Aggregator(a)) => as4_aggregator_for(a),
        _ => None,
    };
    if let Some(p) = p4 {
        attrs.set(Attribute::As4Path(p));
    }
    if let Some(a) = a4 {
        attrs.set(Attribute::As4Aggregator(a));
    }
}
