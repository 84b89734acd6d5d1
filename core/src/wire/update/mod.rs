//! UPDATE (RFC 4271 §4.3) with MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760),
//! RFC 7606 error handling, AS4_PATH merging (RFC 6793) and packing of many
//! NLRI sharing one attribute set into as few messages as fit.
//!
//! Wire layout follows what ExaBGP sends (conformance corpus): attributes in
//! type-code order, then MP_REACH_NLRI / MP_UNREACH_NLRI last; MP_REACH with
//! flags 0x80, MP_UNREACH with 0x80, except the End-of-RIB marker whose
//! MP_UNREACH is written with the extended-length flag (`90 0F 00 03 afi safi`).

mod eor;
mod mp;
mod pack;
#[cfg(test)]
mod tests;

pub use mp::{decode_next_hops, encode_next_hops, next_hop_has_rd};
pub use pack::{pack_announce, pack_withdraw, pack_withdraw_with_attributes, UPDATE_TYPE};

use super::attribute::{self, AttributeIssue, Attributes, ErrorAction};
use super::error::DecodeError;
use super::family::Family;
use super::nlri::{self, Nlri, NlriError};
use super::CodecContext;
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// MP_REACH_NLRI content (RFC 4760 §3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MpReach {
    pub family: Family,
    /// Next hops as carried: one global address, optionally followed by an IPv6
    /// link-local one (RFC 2545 §3); empty for families without next hop.
    /// VPN route distinguishers in front of next hops (RFC 4364 §4.3.2, always
    /// zero) are stripped on decode and added back on encode for SAFI 128.
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
    /// RFC 7606 treat-as-withdraw was applied on decode: every NLRI the peer
    /// announced has been moved to `withdrawn` (classic) and `mp_unreach`
    /// (MP_REACH). In the one case this cannot be done (MP_UNREACH already
    /// holds another family) the MP_REACH stays in `mp_reach` and its NLRI
    /// must be treated as withdrawn by the reader. ExaBGP reports this as
    /// `"error": "treat-as-withdraw"`. Never set by encoders.
    pub treat_as_withdraw: bool,
    /// RFC 7606 events met on decode (malformed, discarded or repeated
    /// attributes, missing mandatory ones). Empty for a clean UPDATE.
    pub issues: Vec<AttributeIssue>,
}

fn nlri_error(e: NlriError, field: &[u8]) -> DecodeError {
    // RFC 4271 §6.3 "Invalid Network Field"; RFC 7606 §5.3: a malformed NLRI
    // field cannot be processed partially, the session is reset.
    DecodeError::new(3, 10, Bytes::copy_from_slice(field), e.to_string())
}

fn list_error(reason: String) -> DecodeError {
    DecodeError::new(3, 1, Bytes::new(), reason)
}

impl Update {
    /// Decode an UPDATE body (the 19-byte header already stripped).
    ///
    /// Session resets are returned as `Err` with the NOTIFICATION to send:
    /// 3/1 when the withdrawn / attribute lengths overrun the message or the
    /// attribute list cannot be walked (RFC 7606 §4) or MP_REACH / MP_UNREACH
    /// is repeated (§3.g); 3/10 for a malformed NLRI field (§5.3, classic or
    /// MP); 3/9 for an MP_REACH / MP_UNREACH that cannot be parsed (§7.11).
    /// Everything else RFC 7606 handles in place (see [`Update::issues`]).
    /// On a session without ASN4, AS4_PATH / AS4_AGGREGATOR are merged into
    /// AS_PATH / AGGREGATOR and removed (RFC 6793 §4.2.3).
    pub fn decode(body: &[u8], ctx: &CodecContext) -> Result<Update, DecodeError> {
        let wlen = match body.get(0..2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]) as usize,
            _ => return Err(list_error("UPDATE shorter than 4 octets".into())),
        };
        let wend = 2 + wlen;
        let withdrawn_bytes = body.get(2..wend).ok_or_else(|| {
            list_error(format!(
                "withdrawn routes length {wlen} overruns the UPDATE"
            ))
        })?;
        let alen = match body.get(wend..wend + 2) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]) as usize,
            _ => return Err(list_error("UPDATE ends before the attribute length".into())),
        };
        let aend = wend + 2 + alen;
        let attr_bytes = body.get(wend + 2..aend).ok_or_else(|| {
            list_error(format!(
                "total path attribute length {alen} overruns the UPDATE"
            ))
        })?;
        let nlri_bytes = &body[aend..];

        let v4_add_path = ctx.add_path_receive.contains(&Family::IPV4_UNICAST);
        let mut update = Update::default();
        nlri::decode_nlri(
            Family::IPV4_UNICAST,
            v4_add_path,
            withdrawn_bytes,
            &mut update.withdrawn,
        )
        .map_err(|e| nlri_error(e, withdrawn_bytes))?;

        let decoded = attribute::decode_attributes(attr_bytes, ctx)?;
        nlri::decode_nlri(
            Family::IPV4_UNICAST,
            v4_add_path,
            nlri_bytes,
            &mut update.announced,
        )
        .map_err(|e| nlri_error(e, nlri_bytes))?;
        if let Some(v) = decoded.mp_reach {
            update.mp_reach = Some(mp::decode_reach(v, ctx)?);
        }
        if let Some(v) = decoded.mp_unreach {
            update.mp_unreach = Some(mp::decode_unreach(v, ctx)?);
        }
        update.attributes = decoded.attributes;
        update.issues = decoded.issues;
        let mut taw = decoded.treat_as_withdraw;

        // RFC 7606 §3.d: NLRI without the well-known mandatory attributes
        // (NEXT_HOP only for classic NLRI, RFC 4760 §3) is treat-as-withdraw.
        let has_mp_nlri = update.mp_reach.as_ref().is_some_and(|r| !r.nlri.is_empty());
        if !taw && (!update.announced.is_empty() || has_mp_nlri) {
            let mut required = vec![attribute::code::ORIGIN, attribute::code::AS_PATH];
            if !update.announced.is_empty() {
                required.push(attribute::code::NEXT_HOP);
            }
            for c in required {
                if update.attributes.get(c).is_none() {
                    taw = true;
                    update.issues.push(AttributeIssue {
                        code: c,
                        action: ErrorAction::TreatAsWithdraw,
                        reason: format!("mandatory attribute {c} missing"),
                    });
                }
            }
        }
        if taw {
            update.apply_treat_as_withdraw();
        }
        if !ctx.asn4 {
            attribute::as_path::merge_as4(&mut update.attributes);
        }
        Ok(update)
    }

    /// Move every announced NLRI to the withdrawn side (RFC 7606 §2).
    fn apply_treat_as_withdraw(&mut self) {
        self.treat_as_withdraw = true;
        let announced = std::mem::take(&mut self.announced);
        self.withdrawn.extend(announced);
        if let Some(reach) = self.mp_reach.take() {
            match &mut self.mp_unreach {
                None => {
                    self.mp_unreach = Some(MpUnreach {
                        family: reach.family,
                        nlri: reach.nlri,
                    })
                }
                Some(u) if u.family == reach.family => u.nlri.extend(reach.nlri),
                Some(_) => self.mp_reach = Some(reach),
            }
        }
    }

    /// Append the UPDATE body (no header) to `out`, in ExaBGP's layout:
    /// withdrawn routes, attributes in code order (with AS4_PATH /
    /// AS4_AGGREGATOR added toward a 2-octet-AS peer when needed), then
    /// MP_REACH_NLRI, MP_UNREACH_NLRI, then classic NLRI. ADD-PATH path
    /// identifiers are written per `ctx.add_path_send`.
    pub fn encode_body(&self, ctx: &CodecContext, out: &mut BytesMut) {
        let v4_add_path = ctx.add_path_send.contains(&Family::IPV4_UNICAST);
        let at = out.len();
        out.put_u16(0);
        for n in &self.withdrawn {
            nlri::encode_nlri(n, v4_add_path, out);
        }
        let wlen = out.len() - at - 2;
        out[at..at + 2].copy_from_slice(&(wlen as u16).to_be_bytes());

        let at = out.len();
        out.put_u16(0);
        attribute::encode_attributes(&self.attributes, ctx, out);
        if let Some(r) = &self.mp_reach {
            mp::encode_reach(r, ctx, out);
        }
        if let Some(u) = &self.mp_unreach {
            mp::encode_unreach(u, ctx, out);
        }
        let alen = out.len() - at - 2;
        out[at..at + 2].copy_from_slice(&(alen as u16).to_be_bytes());

        for n in &self.announced {
            nlri::encode_nlri(n, v4_add_path, out);
        }
    }

    /// The body as a fresh buffer.
    pub fn to_body(&self, ctx: &CodecContext) -> Bytes {
        let mut b = BytesMut::with_capacity(64);
        self.encode_body(ctx, &mut b);
        b.freeze()
    }

    /// The whole message: 19-byte header then body.
    pub fn to_message(&self, ctx: &CodecContext) -> Bytes {
        let mut b = BytesMut::with_capacity(128);
        b.put_slice(&super::MARKER);
        b.put_u16(0);
        b.put_u8(UPDATE_TYPE);
        self.encode_body(ctx, &mut b);
        let len = b.len().min(u16::MAX as usize) as u16;
        b[16..18].copy_from_slice(&len.to_be_bytes());
        b.freeze()
    }

    /// All withdrawn NLRI with their family (classic, MP_UNREACH, then a
    /// MP_REACH left in place by treat-as-withdraw).
    pub fn withdrawals(&self) -> impl Iterator<Item = (Family, &Nlri)> {
        let taw = self.treat_as_withdraw;
        self.withdrawn
            .iter()
            .map(|n| (Family::IPV4_UNICAST, n))
            .chain(
                self.mp_unreach
                    .iter()
                    .flat_map(|u| u.nlri.iter().map(move |n| (u.family, n))),
            )
            .chain(
                self.mp_reach
                    .iter()
                    .filter(move |_| taw)
                    .flat_map(|r| r.nlri.iter().map(move |n| (r.family, n))),
            )
    }

    /// All announced NLRI with their family (classic then MP_REACH). Empty
    /// when treat-as-withdraw was applied.
    pub fn announcements(&self) -> impl Iterator<Item = (Family, &Nlri)> {
        let taw = self.treat_as_withdraw;
        self.announced
            .iter()
            .map(|n| (Family::IPV4_UNICAST, n))
            .chain(
                self.mp_reach
                    .iter()
                    .filter(move |_| !taw)
                    .flat_map(|r| r.nlri.iter().map(move |n| (r.family, n))),
            )
    }
}
