//! NLRI wire codec: prefixes (RFC 4271 §4.3, RFC 4760 §5), ADD-PATH path
//! identifiers (RFC 7911 §3), labelled prefixes (RFC 8277 §2) and VPN prefixes
//! (RFC 4364 §4.3.4).
//!
//! Structured families are IPv4/IPv6 × unicast, multicast, labelled unicast and
//! MPLS VPN. Every other family is kept as **one** [`Nlri::Raw`] holding the whole
//! NLRI blob of the MP_REACH / MP_UNREACH attribute: splitting it would need
//! per-family length rules (flowspec's 1-2 octet length, EVPN's route-type TLVs,
//! BGP-LS TLVs ...) that belong to the codecs of those families. The blob is
//! re-encoded byte for byte.

use super::{Label, Nlri, Prefix, RouteDistinguisher};
use crate::wire::family::{Afi, Family, Safi};
use bytes::{BufMut, Bytes, BytesMut};
use smallvec::SmallVec;
use std::fmt;

/// RFC 8277 §2.4 / RFC 3107 §3: the label field of a withdrawn labelled route is
/// set to 0x800000 ("compatibility" value). Decoded, it is the 20-bit label
/// 0x80000 without bottom-of-stack bit; it ends a label stack.
pub const WITHDRAW_LABEL: Label = 0x80000;

/// How a family's NLRI are laid out on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NlriLayout {
    /// Plain prefixes (SAFI 1, 2).
    Prefix,
    /// Label stack then prefix (SAFI 4).
    Labeled,
    /// Label stack, route distinguisher, then prefix (SAFI 128).
    Vpn,
    /// Not structured: the whole field is one [`Nlri::Raw`].
    Raw,
}

impl NlriLayout {
    pub fn of(family: Family) -> NlriLayout {
        if family.afi != Afi::IPV4 && family.afi != Afi::IPV6 {
            return NlriLayout::Raw;
        }
        match family.safi {
            Safi::UNICAST | Safi::MULTICAST => NlriLayout::Prefix,
            Safi::MPLS => NlriLayout::Labeled,
            Safi::MPLS_VPN => NlriLayout::Vpn,
            _ => NlriLayout::Raw,
        }
    }
}

/// Why an NLRI field could not be parsed (RFC 7606 §5.3: the field is
/// malformed; the UPDATE cannot be partially processed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NlriError {
    /// The field ended inside an NLRI.
    Truncated { family: Family, offset: usize },
    /// Prefix length longer than the address family allows.
    BadLength {
        family: Family,
        offset: usize,
        bits: u8,
    },
}

impl fmt::Display for NlriError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NlriError::Truncated { family, offset } => {
                write!(f, "{family} NLRI truncated at offset {offset}")
            }
            NlriError::BadLength {
                family,
                offset,
                bits,
            } => {
                write!(
                    f,
                    "{family} NLRI at offset {offset} has invalid length {bits}"
                )
            }
        }
    }
}

fn max_bits(afi: Afi) -> u8 {
    if afi == Afi::IPV6 {
        128
    } else {
        32
    }
}

/// Decode every NLRI of `data` (a whole Withdrawn Routes / NLRI field, or the
/// NLRI part of MP_REACH / MP_UNREACH) and append them to `out`.
/// `add_path`: the family carries RFC 7911 path identifiers in this direction.
pub fn decode_nlri(
    family: Family,
    add_path: bool,
    data: &[u8],
    out: &mut Vec<Nlri>,
) -> Result<(), NlriError> {
    let layout = NlriLayout::of(family);
    if layout == NlriLayout::Raw {
        if !data.is_empty() {
            out.push(Nlri::Raw {
                family,
                data: Bytes::copy_from_slice(data),
            });
        }
        return Ok(());
    }
    if layout == NlriLayout::Prefix && !add_path && family.afi == Afi::IPV4 {
        return decode_ipv4_prefixes(family, data, out);
    }
    decode_structured(family, layout, add_path, data, out)
}

/// Every structured layout, path ids included.
fn decode_structured(
    family: Family,
    layout: NlriLayout,
    add_path: bool,
    data: &[u8],
    out: &mut Vec<Nlri>,
) -> Result<(), NlriError> {
    let mut pos = 0usize;
    while pos < data.len() {
        let start = pos;
        let truncated = NlriError::Truncated {
            family,
            offset: start,
        };
        let path_id = if add_path {
            let b = data.get(pos..pos + 4).ok_or(truncated.clone())?;
            pos += 4;
            Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        } else {
            None
        };
        let bits = *data.get(pos).ok_or(truncated.clone())?;
        pos += 1;
        let mut remaining = bits as usize;
        let mut labels: SmallVec<[Label; 1]> = SmallVec::new();
        let mut rd = None;
        if layout != NlriLayout::Prefix {
            // RFC 8277 §2: labels until the bottom-of-stack bit; the withdraw
            // values 0x800000 and 0x000000 (RFC 8277 §2.4) also end the stack.
            loop {
                if remaining < 24 {
                    return Err(NlriError::BadLength {
                        family,
                        offset: start,
                        bits,
                    });
                }
                let b = data.get(pos..pos + 3).ok_or(truncated.clone())?;
                pos += 3;
                remaining -= 24;
                let raw = u32::from_be_bytes([0, b[0], b[1], b[2]]);
                labels.push(raw >> 4);
                if raw & 1 == 1 || raw == 0x80_0000 || raw == 0 {
                    break;
                }
            }
            if layout == NlriLayout::Vpn {
                if remaining < 64 {
                    return Err(NlriError::BadLength {
                        family,
                        offset: start,
                        bits,
                    });
                }
                let b = data.get(pos..pos + 8).ok_or(truncated.clone())?;
                pos += 8;
                remaining -= 64;
                let mut r = [0u8; 8];
                r.copy_from_slice(b);
                rd = Some(RouteDistinguisher(r));
            }
        }
        if remaining > max_bits(family.afi) as usize {
            return Err(NlriError::BadLength {
                family,
                offset: start,
                bits,
            });
        }
        let octets = remaining.div_ceil(8);
        let b = data.get(pos..pos + octets).ok_or(truncated)?;
        pos += octets;
        let prefix = prefix_from_bits(family.afi, b, remaining as u8);
        out.push(match layout {
            NlriLayout::Prefix => Nlri::Prefix { prefix, path_id },
            _ => Nlri::labeled(prefix, labels, rd, path_id),
        });
    }
    Ok(())
}

/// Plain IPv4 prefixes without path ids: the IPv4 unicast NLRI and withdrawn
/// routes fields, most of what a full table is made of, in a loop of its own.
/// The same checks and results as the general loop (a quickcheck compares
/// them).
fn decode_ipv4_prefixes(family: Family, data: &[u8], out: &mut Vec<Nlri>) -> Result<(), NlriError> {
    // At most one prefix per 2 octets but mostly /24s (4 octets): reserve for
    // those, the vector grows for the rest.
    out.reserve(data.len() / 4);
    let mut pos = 0usize;
    while let Some(&bits) = data.get(pos) {
        if bits > 32 {
            return Err(NlriError::BadLength {
                family,
                offset: pos,
                bits,
            });
        }
        let octets = (bits as usize).div_ceil(8);
        let Some(b) = data.get(pos + 1..pos + 1 + octets) else {
            return Err(NlriError::Truncated {
                family,
                offset: pos,
            });
        };
        let mut a = [0u8; 4];
        a[..octets].copy_from_slice(b);
        // RFC 4271 §4.3: trailing bits are irrelevant (cleared).
        let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
        out.push(Nlri::Prefix {
            prefix: Prefix::V4 {
                addr: u32::from_be_bytes(a) & mask,
                len: bits,
            },
            path_id: None,
        });
        pos += 1 + octets;
    }
    Ok(())
}

/// Build a prefix from its minimal octets, clearing any host bits set by the
/// sender (RFC 4271 §4.3: trailing bits are irrelevant).
fn prefix_from_bits(afi: Afi, octets: &[u8], len: u8) -> Prefix {
    if afi == Afi::IPV6 {
        let mut a = [0u8; 16];
        a[..octets.len()].copy_from_slice(octets);
        let mask = if len == 0 {
            0
        } else {
            u128::MAX << (128 - len as u32)
        };
        Prefix::V6 {
            addr: u128::from_be_bytes(a) & mask,
            len,
        }
    } else {
        let mut a = [0u8; 4];
        a[..octets.len()].copy_from_slice(octets);
        let mask = if len == 0 {
            0
        } else {
            u32::MAX << (32 - len as u32)
        };
        Prefix::V4 {
            addr: u32::from_be_bytes(a) & mask,
            len,
        }
    }
}

fn put_prefix_octets(prefix: &Prefix, out: &mut BytesMut) {
    let n = prefix.wire_octets();
    match *prefix {
        Prefix::V4 { addr, .. } => out.put_slice(&addr.to_be_bytes()[..n]),
        Prefix::V6 { addr, .. } => out.put_slice(&addr.to_be_bytes()[..n]),
    }
}

/// Labels actually written: an empty stack is sent as the withdraw label
/// (RFC 8277 §2.4), and the stack is cut so the length byte fits (at most
/// 255 bits in all).
fn label_count(labels: &[Label], fixed_bits: usize) -> usize {
    let room = (255usize.saturating_sub(fixed_bits)) / 24;
    labels.len().clamp(1, room.max(1))
}

/// Octets `nlri` takes on the wire.
pub fn nlri_wire_len(nlri: &Nlri, add_path: bool) -> usize {
    match nlri {
        Nlri::Prefix { prefix, .. } => usize::from(add_path) * 4 + 1 + prefix.wire_octets(),
        Nlri::Labeled(l) => {
            let fixed = l.prefix.len() as usize + if l.rd.is_some() { 64 } else { 0 };
            let bits = fixed + 24 * label_count(&l.labels, fixed);
            usize::from(add_path) * 4 + 1 + bits.div_ceil(8)
        }
        Nlri::Raw { data, .. } => data.len(),
    }
}

/// Append `nlri` to `out`. With `add_path`, a missing path identifier is sent as
/// 0 (what ExaBGP sends); without it, a path identifier is not sent.
pub fn encode_nlri(nlri: &Nlri, add_path: bool, out: &mut BytesMut) {
    match nlri {
        Nlri::Prefix { prefix, path_id } => {
            if add_path {
                out.put_u32(path_id.unwrap_or(0));
            }
            out.put_u8(prefix.len());
            put_prefix_octets(prefix, out);
        }
        Nlri::Labeled(n) => {
            if add_path {
                out.put_u32(n.path_id.unwrap_or(0));
            }
            let labels = &n.labels;
            let fixed = n.prefix.len() as usize + if n.rd.is_some() { 64 } else { 0 };
            let count = label_count(labels, fixed);
            out.put_u8((fixed + 24 * count) as u8);
            if labels.is_empty() || (labels.len() == 1 && labels[0] == WITHDRAW_LABEL) {
                out.put_slice(&[0x80, 0x00, 0x00]);
            } else {
                for (i, l) in labels.iter().take(count).enumerate() {
                    let bos = u32::from(i + 1 == count);
                    let v = ((l & 0xF_FFFF) << 4) | bos;
                    out.put_slice(&v.to_be_bytes()[1..]);
                }
            }
            if let Some(rd) = n.rd {
                out.put_slice(&rd.0);
            }
            put_prefix_octets(&n.prefix, out);
        }
        Nlri::Raw { data, .. } => out.put_slice(data),
    }
}

/// Decode a whole NLRI field into a fresh vector.
pub fn decode_nlri_vec(
    family: Family,
    add_path: bool,
    data: &[u8],
) -> Result<Vec<Nlri>, NlriError> {
    let mut v = Vec::new();
    decode_nlri(family, add_path, data, &mut v)?;
    Ok(v)
}

#[cfg(test)]
mod ipv4_fast_path_tests {
    use super::*;
    use quickcheck::QuickCheck;

    /// The IPv4 loop and the general one agree on anything: the same
    /// prefixes, or the same error at the same offset.
    #[test]
    fn ipv4_loop_equals_the_general_one() {
        fn prop(prefixes: Vec<(u32, u8)>, tail: Vec<u8>) -> bool {
            // Mostly well-formed fields (with host bits set), then garbage.
            let mut data = Vec::new();
            for (addr, len) in prefixes {
                let len = len % 40; // some longer than 32
                data.push(len);
                let octets = (usize::from(len)).div_ceil(8).min(4);
                data.extend_from_slice(&addr.to_be_bytes()[..octets]);
            }
            data.extend_from_slice(&tail);
            let family = Family::IPV4_UNICAST;
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            let a = decode_ipv4_prefixes(family, &data, &mut fast);
            let b = decode_structured(family, NlriLayout::Prefix, false, &data, &mut general);
            a == b && (a.is_err() || fast == general)
        }
        QuickCheck::new()
            .tests(3000)
            .quickcheck(prop as fn(Vec<(u32, u8)>, Vec<u8>) -> bool);
    }
}
