//! UPDATE (RFC 4271 §4.3) with MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760),
//! RFC 7606 error handling, AS4_PATH merging (RFC 6793) and packing of many
//! NLRI sharing one attribute set into as few messages as fit.

use super::attribute::Attributes;
use super::family::Family;
use super::nlri::Nlri;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// MP_REACH_NLRI content (RFC 4760 §3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MpReach {
    pub family: Family,
    /// Next hops as carried: one global address, optionally followed by an IPv6
    /// link-local one (RFC 2545 §3); empty for families without next hop.
    pub next_hops: Vec<IpAddr>,
    pub nlri: Vec<Nlri>,
}

/// MP_UNREACH_NLRI content (RFC 4760 §4).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MpUnreach {
    pub family: Family,
    pub nlri: Vec<Nlri>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Update {
    /// Classic IPv4 unicast withdrawn routes.
    pub withdrawn: Vec<Nlri>,
    /// Path attributes other than MP_REACH/MP_UNREACH.
    pub attributes: Attributes,
    /// Classic IPv4 unicast NLRI.
    pub announced: Vec<Nlri>,
    pub mp_reach: Option<MpReach>,
    pub mp_unreach: Option<MpUnreach>,
}

impl Update {
    /// Decode an UPDATE body (the 19-byte header already stripped).
    pub fn decode(body: &[u8], ctx: &super::CodecContext) -> Result<Update, super::DecodeError> {
        let _ = (body, ctx);
        Err(super::DecodeError::new(3, 1, bytes::Bytes::new(), "UPDATE decoding not written yet"))
    }

    /// Append the UPDATE body (no header) to `out`.
    pub fn encode_body(&self, ctx: &super::CodecContext, out: &mut bytes::BytesMut) {
        let _ = (ctx, out);
    }
}
