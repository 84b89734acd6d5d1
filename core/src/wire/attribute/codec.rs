//! The path attribute list of an UPDATE (RFC 4271 §4.3): attribute headers,
//! flags, per-attribute dispatch, RFC 7606 error actions, and encoding in the
//! order and with the flags ExaBGP uses (derived from the conformance corpus).

use super::{
    aggregator, aigp, as_path, cluster, code, community, extended_community, flag, large_community,
    local_pref, med, next_hop, origin, Attribute, Attributes, RawAttribute,
};
use crate::wire::error::DecodeError;
use crate::wire::CodecContext;
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A malformed attribute value: what was wrong, for logs and the JSON layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    pub reason: String,
}

impl Malformed {
    pub fn new(reason: impl Into<String>) -> Malformed {
        Malformed {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What RFC 7606 made us do with a problem attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorAction {
    /// RFC 7606 §2: the UPDATE's NLRI are withdrawn instead of announced.
    TreatAsWithdraw,
    /// RFC 7606 §2: the attribute was dropped, the UPDATE otherwise used.
    AttributeDiscard,
    /// RFC 7606 §3.g: a repeated attribute; all but the first were dropped.
    DuplicateIgnored,
}

/// One RFC 7606 event met while decoding an UPDATE.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttributeIssue {
    /// Attribute type code concerned (0 when not about one attribute, e.g. a
    /// missing mandatory attribute is reported with the missing code).
    pub code: u8,
    pub action: ErrorAction,
    pub reason: String,
}

/// The flags ExaBGP puts on each typed attribute (corpus `encoding/*.msg`):
/// well-known ones transitive, MED / ORIGINATOR_ID / CLUSTER_LIST / AIGP /
/// MP_* optional non-transitive, the rest optional transitive.
pub fn default_flags(code: u8) -> u8 {
    match code {
        code::ORIGIN
        | code::AS_PATH
        | code::NEXT_HOP
        | code::LOCAL_PREF
        | code::ATOMIC_AGGREGATE => flag::TRANSITIVE,
        code::MED
        | code::ORIGINATOR_ID
        | code::CLUSTER_LIST
        | code::MP_REACH_NLRI
        | code::MP_UNREACH_NLRI
        | code::AIGP => flag::OPTIONAL,
        _ => flag::OPTIONAL | flag::TRANSITIVE,
    }
}

/// RFC 7606 action for a malformed typed attribute (§7.1–§7.14, RFC 6793 §6,
/// RFC 7311 §3.1).
pub fn malformed_action(code: u8) -> ErrorAction {
    match code {
        code::ATOMIC_AGGREGATE
        | code::AGGREGATOR
        | code::AS4_PATH
        | code::AS4_AGGREGATOR
        | code::AIGP => ErrorAction::AttributeDiscard,
        _ => ErrorAction::TreatAsWithdraw,
    }
}

/// Codes with a typed decoder here.
fn is_typed(c: u8) -> bool {
    matches!(
        c,
        code::ORIGIN
            | code::AS_PATH
            | code::NEXT_HOP
            | code::MED
            | code::LOCAL_PREF
            | code::ATOMIC_AGGREGATE
            | code::AGGREGATOR
            | code::COMMUNITIES
            | code::ORIGINATOR_ID
            | code::CLUSTER_LIST
            | code::EXTENDED_COMMUNITIES
            | code::AS4_PATH
            | code::AS4_AGGREGATOR
            | code::AIGP
            | code::LARGE_COMMUNITIES
    )
}

/// Codes ExaBGP understands even though they are kept raw here: re-sending them
/// must not set the Partial bit (RFC 4271 §5: Partial marks attributes some
/// speaker on the path did not recognise).
fn is_recognised_raw(c: u8) -> bool {
    matches!(
        c,
        code::PMSI_TUNNEL | code::IPV6_EXTENDED_COMMUNITIES | code::BGP_LS | code::BGP_PREFIX_SID
    )
}

/// The attribute section split into typed attributes, the MP_REACH /
/// MP_UNREACH values (decoded by the UPDATE codec) and RFC 7606 events.
#[derive(Debug, Default)]
pub struct DecodedAttributes<'a> {
    pub attributes: Attributes,
    pub mp_reach: Option<&'a [u8]>,
    pub mp_unreach: Option<&'a [u8]>,
    pub issues: Vec<AttributeIssue>,
    /// Some attribute error asks for treat-as-withdraw.
    pub treat_as_withdraw: bool,
}

fn attr_list_error(reason: String, data: &[u8]) -> DecodeError {
    // RFC 4271 §6.3 / RFC 7606 §4: the attribute list cannot be parsed: 3/1.
    DecodeError::new(3, 1, Bytes::copy_from_slice(data), reason)
}

/// Decode one typed attribute value.
fn decode_typed(c: u8, value: &[u8], ctx: &CodecContext) -> Result<Attribute, super::Malformed> {
    Ok(match c {
        code::ORIGIN => Attribute::Origin(origin::decode(value)?),
        code::AS_PATH => Attribute::AsPath(as_path::decode(value, ctx.asn4)?),
        code::NEXT_HOP => Attribute::NextHop(next_hop::decode(value)?),
        code::MED => Attribute::Med(med::decode(value)?),
        code::LOCAL_PREF => Attribute::LocalPref(local_pref::decode(value)?),
        code::ATOMIC_AGGREGATE => {
            aggregator::decode_atomic(value)?;
            Attribute::AtomicAggregate
        }
        code::AGGREGATOR => Attribute::Aggregator(aggregator::decode(value, ctx.asn4)?),
        code::COMMUNITIES => Attribute::Communities(community::decode(value)?),
        code::ORIGINATOR_ID => Attribute::OriginatorId(cluster::decode_originator_id(value)?),
        code::CLUSTER_LIST => Attribute::ClusterList(cluster::decode_cluster_list(value)?),
        code::EXTENDED_COMMUNITIES => {
            Attribute::ExtendedCommunities(extended_community::decode(value)?)
        }
        code::AS4_PATH => {
            let p = as_path::decode(value, true)?;
            // RFC 6793 §6: AS4_PATH never carries confederation segments.
            if p.segments.iter().any(|s| s.kind.is_confed()) {
                return Err(super::Malformed::new("AS4_PATH with confederation segment"));
            }
            Attribute::As4Path(p)
        }
        code::AS4_AGGREGATOR => Attribute::As4Aggregator(aggregator::decode(value, true)?),
        code::AIGP => Attribute::Aigp(aigp::decode(value)?),
        code::LARGE_COMMUNITIES => Attribute::LargeCommunities(large_community::decode(value)?),
        _ => return Err(super::Malformed::new("not a typed attribute")),
    })
}

/// Decode the path attribute section of an UPDATE.
///
/// Errors that make the list unparseable (an attribute header or value
/// overrunning the section, a repeated MP_REACH / MP_UNREACH) are returned as a
/// 3/1 [`DecodeError`] (session reset). Malformed values are handled per
/// RFC 7606 and recorded in [`DecodedAttributes::issues`]. Unknown attributes
/// are kept as [`Attribute::Raw`] with their flags as received.
pub fn decode_attributes<'a>(
    data: &'a [u8],
    ctx: &CodecContext,
) -> Result<DecodedAttributes<'a>, DecodeError> {
    let mut out = DecodedAttributes::default();
    let mut seen = [0u64; 4];
    let mut pos = 0usize;
    while pos < data.len() {
        let start = pos;
        let (flags, c) = match data.get(pos..pos + 2) {
            Some(&[f, c]) => (f, c),
            _ => {
                return Err(attr_list_error(
                    format!("attribute header truncated at offset {start}"),
                    &data[start..],
                ))
            }
        };
        pos += 2;
        let len = if flags & flag::EXTENDED_LENGTH != 0 {
            match data.get(pos..pos + 2) {
                Some(&[a, b]) => {
                    pos += 2;
                    u16::from_be_bytes([a, b]) as usize
                }
                _ => {
                    return Err(attr_list_error(
                        format!("attribute {c} length truncated"),
                        &data[start..],
                    ))
                }
            }
        } else {
            match data.get(pos) {
                Some(&l) => {
                    pos += 1;
                    l as usize
                }
                None => {
                    return Err(attr_list_error(
                        format!("attribute {c} length truncated"),
                        &data[start..],
                    ))
                }
            }
        };
        let Some(value) = data.get(pos..pos + len) else {
            return Err(attr_list_error(
                format!(
                    "attribute {c} length {len} overruns the attribute section ({} octets left)",
                    data.len() - pos
                ),
                &data[start..],
            ));
        };
        pos += len;

        let bit = 1u64 << (c % 64);
        let duplicate = seen[(c / 64) as usize] & bit != 0;
        seen[(c / 64) as usize] |= bit;

        if c == code::MP_REACH_NLRI || c == code::MP_UNREACH_NLRI {
            // RFC 7606 §3.g: a repeated MP_REACH_NLRI or MP_UNREACH_NLRI
            // resets the session.
            if duplicate {
                return Err(attr_list_error(
                    format!("attribute {c} (MP_REACH/MP_UNREACH) repeated"),
                    &data[start..pos],
                ));
            }
            if c == code::MP_REACH_NLRI {
                out.mp_reach = Some(value);
            } else {
                out.mp_unreach = Some(value);
            }
            continue;
        }
        if duplicate {
            out.issues.push(AttributeIssue {
                code: c,
                action: ErrorAction::DuplicateIgnored,
                reason: format!("attribute {c} repeated, the first one is kept"),
            });
            continue;
        }
        if !is_typed(c) {
            out.attributes.0.push(Attribute::Raw(RawAttribute {
                flags,
                code: c,
                data: value.into(),
            }));
            continue;
        }
        // RFC 7606 §3.c: Optional/Transitive bits in conflict with the
        // attribute's definition make it malformed.
        let expected = default_flags(c) & (flag::OPTIONAL | flag::TRANSITIVE);
        let result = if flags & (flag::OPTIONAL | flag::TRANSITIVE) != expected {
            Err(super::Malformed::new(format!(
                "attribute {c} flags 0x{flags:02X} conflict with its definition"
            )))
        } else {
            decode_typed(c, value, ctx)
        };
        match result {
            Ok(a) => out.attributes.0.push(a),
            Err(m) => {
                let action = malformed_action(c);
                if action == ErrorAction::TreatAsWithdraw {
                    out.treat_as_withdraw = true;
                }
                log::debug!("UPDATE attribute {c}: {m} ({action:?})");
                out.issues.push(AttributeIssue {
                    code: c,
                    action,
                    reason: m.reason,
                });
            }
        }
    }
    // Peers usually send attributes ordered by code; restore the sorted
    // invariant of `Attributes` when they did not (stable: first kept first).
    if !out
        .attributes
        .0
        .windows(2)
        .all(|w| w[0].code() < w[1].code())
    {
        out.attributes.0.sort_by_key(|a| a.code());
    }
    Ok(out)
}

/// Length of the value of a typed attribute as encoded for `asn4`.
fn value_len(a: &Attribute, asn4: bool) -> usize {
    match a {
        Attribute::Origin(_) => 1,
        Attribute::AsPath(p) => path_len(p, asn4),
        Attribute::As4Path(p) => path_len(p, true),
        Attribute::NextHop(_) | Attribute::Med(_) | Attribute::LocalPref(_) => 4,
        Attribute::OriginatorId(_) => 4,
        Attribute::AtomicAggregate => 0,
        Attribute::Aggregator(_) => {
            if asn4 {
                8
            } else {
                6
            }
        }
        Attribute::As4Aggregator(_) => 8,
        Attribute::Communities(c) => 4 * c.len(),
        Attribute::ClusterList(c) => 4 * c.len(),
        Attribute::ExtendedCommunities(c) => 8 * c.len(),
        Attribute::LargeCommunities(c) => 12 * c.len(),
        Attribute::Aigp(_) => 11,
        Attribute::Raw(r) => r.data.len(),
    }
}

fn path_len(p: &super::AsPath, asn4: bool) -> usize {
    let w = if asn4 { 4 } else { 2 };
    p.segments
        .iter()
        // Empty segments are not written (RFC 7606 §7.2 makes them malformed).
        .map(|s| s.asns.len() * w + 2 * s.asns.len().div_ceil(255))
        .sum()
}

/// Write an attribute header: extended length when the value exceeds 255
/// octets or when `flags` already asks for it.
pub fn put_header(flags: u8, c: u8, len: usize, out: &mut BytesMut) {
    if len > 255 || flags & flag::EXTENDED_LENGTH != 0 {
        out.put_u8(flags | flag::EXTENDED_LENGTH);
        out.put_u8(c);
        out.put_u16(len.min(u16::MAX as usize) as u16);
    } else {
        out.put_u8(flags);
        out.put_u8(c);
        out.put_u8(len as u8);
    }
}

/// Encode one attribute (header and value) for a session with or without ASN4.
/// Empty list attributes (COMMUNITIES, CLUSTER_LIST, EXTENDED_COMMUNITIES,
/// LARGE_COMMUNITY) are not written: a peer would find them malformed and
/// treat the routes as withdrawn (RFC 7606 §7.8, §7.10, §7.14).
pub fn encode_attribute(a: &Attribute, asn4: bool, out: &mut BytesMut) {
    let empty = match a {
        Attribute::Communities(c) => c.is_empty(),
        Attribute::ClusterList(c) => c.is_empty(),
        Attribute::ExtendedCommunities(c) => c.is_empty(),
        Attribute::LargeCommunities(c) => c.is_empty(),
        _ => false,
    };
    if empty {
        return;
    }
    let (flags, c) = match a {
        Attribute::Raw(r) => (r.flags, r.code),
        _ => (default_flags(a.code()), a.code()),
    };
    put_header(flags, c, value_len(a, asn4), out);
    match a {
        Attribute::Origin(o) => origin::encode(*o, out),
        Attribute::AsPath(p) => as_path::encode(p, asn4, out),
        Attribute::As4Path(p) => as_path::encode(p, true, out),
        Attribute::NextHop(n) => next_hop::encode(*n, out),
        Attribute::Med(m) => med::encode(*m, out),
        Attribute::LocalPref(l) => local_pref::encode(*l, out),
        Attribute::AtomicAggregate => {}
        Attribute::Aggregator(g) => aggregator::encode(g, asn4, out),
        Attribute::As4Aggregator(g) => aggregator::encode(g, true, out),
        Attribute::Communities(c) => community::encode(c, out),
        Attribute::OriginatorId(i) => cluster::encode_originator_id(*i, out),
        Attribute::ClusterList(l) => cluster::encode_cluster_list(l, out),
        Attribute::ExtendedCommunities(c) => extended_community::encode(c, out),
        Attribute::LargeCommunities(c) => large_community::encode(c, out),
        Attribute::Aigp(m) => aigp::encode(*m, out),
        Attribute::Raw(r) => out.put_slice(&r.data),
    }
}

/// Encode an attribute set in code order. Toward a peer without ASN4, AS_PATH
/// and AGGREGATOR are written with 2-octet ASNs (AS_TRANS for larger ones) and
/// AS4_PATH / AS4_AGGREGATOR are added in their code position when needed
/// (RFC 6793 §4.2.2), unless the set already holds them.
pub fn encode_attributes(attrs: &Attributes, ctx: &CodecContext, out: &mut BytesMut) {
    let mut as4_path = None;
    let mut as4_agg = None;
    if !ctx.asn4 {
        if attrs.get(code::AS4_PATH).is_none() {
            if let Some(Attribute::AsPath(p)) = attrs.get(code::AS_PATH) {
                as4_path = as_path::as4_path_for(p).map(Attribute::As4Path);
            }
        }
        if attrs.get(code::AS4_AGGREGATOR).is_none() {
            if let Some(Attribute::Aggregator(g)) = attrs.get(code::AGGREGATOR) {
                as4_agg = as_path::as4_aggregator_for(g).map(Attribute::As4Aggregator);
            }
        }
    }
    for a in attrs.iter() {
        if a.code() > code::AS4_PATH {
            if let Some(p) = as4_path.take() {
                encode_attribute(&p, ctx.asn4, out);
            }
        }
        if a.code() > code::AS4_AGGREGATOR {
            if let Some(g) = as4_agg.take() {
                encode_attribute(&g, ctx.asn4, out);
            }
        }
        encode_attribute(a, ctx.asn4, out);
    }
    if let Some(p) = as4_path {
        encode_attribute(&p, ctx.asn4, out);
    }
    if let Some(g) = as4_agg {
        encode_attribute(&g, ctx.asn4, out);
    }
}

impl Attributes {
    /// Make a received attribute set fit for sending on (RFC 4271 §5, §9.1.4):
    /// unrecognised optional non-transitive attributes are dropped,
    /// unrecognised optional transitive ones get the Partial bit. Unrecognised
    /// attributes flagged well-known (which ExaBGP accepts and sends as generic
    /// attributes) are passed on unchanged.
    pub fn prepare_for_resend(&mut self) {
        self.0.retain(|a| match a {
            Attribute::Raw(r) => {
                is_recognised_raw(r.code)
                    || r.flags & (flag::OPTIONAL | flag::TRANSITIVE) != flag::OPTIONAL
            }
            _ => true,
        });
        for a in self.0.iter_mut() {
            if let Attribute::Raw(r) = a {
                if !is_recognised_raw(r.code)
                    && r.flags & (flag::OPTIONAL | flag::TRANSITIVE)
                        == flag::OPTIONAL | flag::TRANSITIVE
                {
                    r.flags |= flag::PARTIAL;
                }
            }
        }
    }
}
