//! NLRI: what a route is about. Prefixes (RFC 4271 §4.3, RFC 4760), with optional
//! ADD-PATH path identifiers (RFC 7911), MPLS labels (RFC 8277) and route
//! distinguishers (RFC 4364).
//!
//! Families the codec does not structure yet are carried as [`Nlri::Raw`], so that
//! nothing a peer sends is lost and it can be re-encoded byte for byte.

mod codec;
#[cfg(test)]
pub(crate) mod tests;

pub use codec::{
    decode_nlri, decode_nlri_vec, encode_nlri, nlri_wire_len, NlriError, NlriLayout, WITHDRAW_LABEL,
};

use super::family::Family;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 prefix. Host bits beyond `len` are always zero (constructors
/// enforce it), so equal prefixes compare equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Prefix {
    V4 { addr: u32, len: u8 },
    V6 { addr: u128, len: u8 },
}

/// Why a prefix could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrefixError {
    LengthTooLong { len: u8, max: u8 },
    HostBitsSet,
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrefixError::LengthTooLong { len, max } => {
                write!(f, "prefix length {len} is longer than {max}")
            }
            PrefixError::HostBitsSet => f.write_str("host bits are set beyond the prefix length"),
        }
    }
}

impl Prefix {
    /// Strict constructor: rejects host bits (ExaBGP rejects them in configs).
    pub fn new(addr: IpAddr, len: u8) -> Result<Prefix, PrefixError> {
        let p = Prefix::truncating(addr, len)?;
        if p.addr() != addr {
            return Err(PrefixError::HostBitsSet);
        }
        Ok(p)
    }

    /// Lenient constructor: clears host bits (used for prefixes read off the wire).
    pub fn truncating(addr: IpAddr, len: u8) -> Result<Prefix, PrefixError> {
        match addr {
            IpAddr::V4(a) => {
                if len > 32 {
                    return Err(PrefixError::LengthTooLong { len, max: 32 });
                }
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                Ok(Prefix::V4 {
                    addr: u32::from(a) & mask,
                    len,
                })
            }
            IpAddr::V6(a) => {
                if len > 128 {
                    return Err(PrefixError::LengthTooLong { len, max: 128 });
                }
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - len)
                };
                Ok(Prefix::V6 {
                    addr: u128::from(a) & mask,
                    len,
                })
            }
        }
    }

    pub fn addr(&self) -> IpAddr {
        match *self {
            Prefix::V4 { addr, .. } => IpAddr::V4(Ipv4Addr::from(addr)),
            Prefix::V6 { addr, .. } => IpAddr::V6(Ipv6Addr::from(addr)),
        }
    }

    /// The prefix length in bits (not a collection length: no `is_empty`).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u8 {
        match *self {
            Prefix::V4 { len, .. } | Prefix::V6 { len, .. } => len,
        }
    }

    pub fn is_ipv4(&self) -> bool {
        matches!(self, Prefix::V4 { .. })
    }

    /// Number of address octets carried on the wire for this length.
    pub fn wire_octets(&self) -> usize {
        (self.len() as usize).div_ceil(8)
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr(), self.len())
    }
}

/// Route Distinguisher (RFC 4364 §4.2): 8 octets, type in the first two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RouteDistinguisher(pub [u8; 8]);

impl fmt::Display for RouteDistinguisher {
    /// ExaBGP's rendering: type 0 `asn2:n32`, type 1 `ipv4:n16`, type 2 `asn4:n16`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let t = u16::from_be_bytes([b[0], b[1]]);
        match t {
            0 => write!(
                f,
                "{}:{}",
                u16::from_be_bytes([b[2], b[3]]),
                u32::from_be_bytes([b[4], b[5], b[6], b[7]])
            ),
            1 => write!(
                f,
                "{}:{}",
                Ipv4Addr::new(b[2], b[3], b[4], b[5]),
                u16::from_be_bytes([b[6], b[7]])
            ),
            2 => write!(
                f,
                "{}:{}",
                u32::from_be_bytes([b[2], b[3], b[4], b[5]]),
                u16::from_be_bytes([b[6], b[7]])
            ),
            _ => {
                for x in b {
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
        }
    }
}

/// An MPLS label value (20 bits) as configured or decoded; the bottom-of-stack bit
/// is a wire detail added by the encoder.
pub type Label = u32;

/// One NLRI of any family. `path_id` is the RFC 7911 path identifier (present only
/// when ADD-PATH is negotiated for the family in that direction).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Nlri {
    /// Unicast or multicast prefix (SAFI 1/2).
    Prefix {
        prefix: Prefix,
        path_id: Option<u32>,
    },
    /// Labelled prefix (SAFI 4, RFC 8277) or VPN prefix (SAFI 128, RFC 4364) when
    /// `rd` is present. Boxed: inline, this rarer variant made every NLRI 80
    /// bytes instead of 48 (a full table decodes, queues and sorts millions).
    Labeled(Box<LabeledPrefix>),
    /// A family whose NLRI the codec does not structure (flowspec, EVPN,
    /// VPLS, BGP-LS, MUP, MVPN, RTC ...). Decoding keeps the **whole** NLRI
    /// field of the MP_REACH / MP_UNREACH attribute as one `Raw` (splitting it
    /// needs that family's length rules); encoding writes `data` as is, with no
    /// path identifier added. Codecs for those families may instead produce one
    /// `Raw` per NLRI: concatenated, they encode the same.
    Raw { family: Family, data: Bytes },
}

/// The content of [`Nlri::Labeled`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LabeledPrefix {
    pub prefix: Prefix,
    pub labels: SmallVec<[Label; 1]>,
    pub rd: Option<RouteDistinguisher>,
    pub path_id: Option<u32>,
}

impl Nlri {
    /// A labelled (or, with `rd`, VPN) prefix.
    pub fn labeled(
        prefix: Prefix,
        labels: SmallVec<[Label; 1]>,
        rd: Option<RouteDistinguisher>,
        path_id: Option<u32>,
    ) -> Nlri {
        Nlri::Labeled(Box::new(LabeledPrefix {
            prefix,
            labels,
            rd,
            path_id,
        }))
    }

    pub fn prefix(prefix: Prefix) -> Nlri {
        Nlri::Prefix {
            prefix,
            path_id: None,
        }
    }

    /// The RFC 7911 path identifier, if any.
    pub fn path_id(&self) -> Option<u32> {
        match self {
            Nlri::Prefix { path_id, .. } => *path_id,
            Nlri::Labeled(l) => l.path_id,
            Nlri::Raw { .. } => None,
        }
    }

    /// The IP prefix of a unicast, labelled or VPN NLRI.
    pub fn ip_prefix(&self) -> Option<&Prefix> {
        match self {
            Nlri::Prefix { prefix, .. } => Some(prefix),
            Nlri::Labeled(l) => Some(&l.prefix),
            Nlri::Raw { .. } => None,
        }
    }
}
