//! BGP path attributes (RFC 4271 §4.3 and §5, plus the RFCs named per variant).
//!
//! Decoded attributes are typed; anything we do not understand is kept as
//! [`RawAttribute`] and re-sent with the Partial bit when it is optional
//! transitive (RFC 4271 §5). MP_REACH_NLRI / MP_UNREACH_NLRI are not attributes
//! here: they are structural parts of [`crate::wire::update::Update`].

pub mod aggregator;
pub mod aigp;
pub mod as_path;
pub mod cluster;
mod codec;
pub mod community;
pub mod extended_community;
pub mod large_community;
pub mod local_pref;
pub mod med;
pub mod next_hop;
pub mod origin;
#[cfg(test)]
pub(crate) mod tests;

pub use codec::{
    decode_attributes, default_flags, encode_attribute, encode_attributes, malformed_action,
    put_header, AttributeIssue, DecodedAttributes, ErrorAction, Malformed,
};

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::net::Ipv4Addr;

/// Attribute type codes (IANA "BGP Path Attributes").
pub mod code {
    pub const ORIGIN: u8 = 1;
    pub const AS_PATH: u8 = 2;
    pub const NEXT_HOP: u8 = 3;
    pub const MED: u8 = 4;
    pub const LOCAL_PREF: u8 = 5;
    pub const ATOMIC_AGGREGATE: u8 = 6;
    pub const AGGREGATOR: u8 = 7;
    pub const COMMUNITIES: u8 = 8;
    pub const ORIGINATOR_ID: u8 = 9;
    pub const CLUSTER_LIST: u8 = 10;
    pub const MP_REACH_NLRI: u8 = 14;
    pub const MP_UNREACH_NLRI: u8 = 15;
    pub const EXTENDED_COMMUNITIES: u8 = 16;
    pub const AS4_PATH: u8 = 17;
    pub const AS4_AGGREGATOR: u8 = 18;
    pub const PMSI_TUNNEL: u8 = 22;
    pub const IPV6_EXTENDED_COMMUNITIES: u8 = 25;
    pub const AIGP: u8 = 26;
    pub const BGP_LS: u8 = 29;
    pub const LARGE_COMMUNITIES: u8 = 32;
    pub const BGP_PREFIX_SID: u8 = 40;
}

/// Attribute flag bits (RFC 4271 §4.3).
pub mod flag {
    pub const OPTIONAL: u8 = 0x80;
    pub const TRANSITIVE: u8 = 0x40;
    pub const PARTIAL: u8 = 0x20;
    pub const EXTENDED_LENGTH: u8 = 0x10;
}

/// ORIGIN (RFC 4271 §5.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Origin {
    Igp = 0,
    Egp = 1,
    Incomplete = 2,
}

impl Origin {
    pub fn name(self) -> &'static str {
        match self {
            Origin::Igp => "igp",
            Origin::Egp => "egp",
            Origin::Incomplete => "incomplete",
        }
    }
}

/// AS_PATH segment types (RFC 4271 §4.3, RFC 5065 for confederations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SegmentKind {
    Set = 1,
    Sequence = 2,
    ConfedSequence = 3,
    ConfedSet = 4,
}

/// One AS_PATH segment. Most paths have one segment of at most six ASNs
/// (bgpkit's measurement over 3.29 M segments), hence the inline sizes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AsPathSegment {
    pub kind: SegmentKind,
    pub asns: SmallVec<[u32; 6]>,
}

/// AS_PATH or AS4_PATH content. ASNs are always held as 4 octets; the encoder
/// writes 2 octets (with AS_TRANS) when the session did not negotiate ASN4.
/// The segments live on the heap so that an [`Attribute`] stays 32 bytes:
/// every interned attribute set holds eight of them inline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AsPath {
    pub segments: Vec<AsPathSegment>,
}

/// AGGREGATOR / AS4_AGGREGATOR (RFC 4271 §5.1.7, RFC 6793).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Aggregator {
    pub asn: u32,
    pub address: Ipv4Addr,
}

/// RFC 1997 community, `high:low`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Community(pub u32);

impl Community {
    pub const NO_EXPORT: Community = Community(0xFFFF_FF01);
    pub const NO_ADVERTISE: Community = Community(0xFFFF_FF02);
    pub const NO_EXPORT_SUBCONFED: Community = Community(0xFFFF_FF03);
    pub const NO_PEER: Community = Community(0xFFFF_FF04);
    pub const BLACKHOLE: Community = Community(0xFFFF_029A);
}

/// RFC 8092 large community `global:local1:local2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LargeCommunity {
    pub global: u32,
    pub local1: u32,
    pub local2: u32,
}

/// RFC 4360 extended community, kept as its 8 wire octets; typed views
/// (route-target, origin, flowspec actions ...) are derived from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExtendedCommunity(pub [u8; 8]);

/// An attribute kept as received (or as configured with `attribute [ .. ]`).
/// A boxed slice, not `Bytes` (32 bytes), keeps [`Attribute`] at 32 bytes;
/// the decoder copied the value anyway.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RawAttribute {
    pub flags: u8,
    pub code: u8,
    pub data: Box<[u8]>,
}

/// A typed path attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Attribute {
    Origin(Origin),
    AsPath(AsPath),
    /// IPv4 NEXT_HOP (attribute 3). IPv6 and MP next hops live in MP_REACH_NLRI.
    NextHop(Ipv4Addr),
    Med(u32),
    LocalPref(u32),
    AtomicAggregate,
    Aggregator(Aggregator),
    Communities(Vec<Community>),
    OriginatorId(Ipv4Addr),
    ClusterList(Vec<Ipv4Addr>),
    ExtendedCommunities(Vec<ExtendedCommunity>),
    As4Path(AsPath),
    As4Aggregator(Aggregator),
    /// RFC 7311 AIGP metric TLV value.
    Aigp(u64),
    LargeCommunities(Vec<LargeCommunity>),
    /// Unknown, or known but not structured yet: flags, code and value as is.
    Raw(RawAttribute),
}

impl Attribute {
    /// The attribute's type code.
    pub fn code(&self) -> u8 {
        match self {
            Attribute::Origin(_) => code::ORIGIN,
            Attribute::AsPath(_) => code::AS_PATH,
            Attribute::NextHop(_) => code::NEXT_HOP,
            Attribute::Med(_) => code::MED,
            Attribute::LocalPref(_) => code::LOCAL_PREF,
            Attribute::AtomicAggregate => code::ATOMIC_AGGREGATE,
            Attribute::Aggregator(_) => code::AGGREGATOR,
            Attribute::Communities(_) => code::COMMUNITIES,
            Attribute::OriginatorId(_) => code::ORIGINATOR_ID,
            Attribute::ClusterList(_) => code::CLUSTER_LIST,
            Attribute::ExtendedCommunities(_) => code::EXTENDED_COMMUNITIES,
            Attribute::As4Path(_) => code::AS4_PATH,
            Attribute::As4Aggregator(_) => code::AS4_AGGREGATOR,
            Attribute::Aigp(_) => code::AIGP,
            Attribute::LargeCommunities(_) => code::LARGE_COMMUNITIES,
            Attribute::Raw(r) => r.code,
        }
    }
}

/// The attribute set of an UPDATE, kept sorted by type code with at most one
/// attribute per code (RFC 7606 §3.g: duplicates are dropped on decode).
/// Eight inline slots cover the typical set without a heap allocation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attributes(pub SmallVec<[Attribute; 8]>);

impl Attributes {
    pub fn new() -> Self {
        Attributes(SmallVec::new())
    }

    /// Insert or replace, keeping the set sorted by code.
    pub fn set(&mut self, attr: Attribute) {
        let c = attr.code();
        match self.0.binary_search_by_key(&c, |a| a.code()) {
            Ok(i) => self.0[i] = attr,
            Err(i) => self.0.insert(i, attr),
        }
    }

    pub fn get(&self, code: u8) -> Option<&Attribute> {
        self.0
            .binary_search_by_key(&code, |a| a.code())
            .ok()
            .map(|i| &self.0[i])
    }

    pub fn remove(&mut self, code: u8) -> Option<Attribute> {
        self.0
            .binary_search_by_key(&code, |a| a.code())
            .ok()
            .map(|i| self.0.remove(i))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Attribute> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
