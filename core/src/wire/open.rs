//! OPEN message (RFC 4271 §4.2), optional parameters (RFC 5492) including the
//! RFC 9072 extended optional-parameters length.
//!
//! # Capability order (what the FSM must put in [`Open::capabilities`])
//!
//! [`Open::encode_body`] writes the capabilities in the order of the Vec, one
//! capability per optional parameter (type 2), exactly as ExaBGP does. To be
//! byte-for-byte identical to ExaBGP 5.0 the Vec must be in this order (checked
//! against the OPENs `/opt/exabgp-venv/bin/exabgp` 5.0.15 sends with every
//! capability enabled); [`capability_order_key`] gives the rank and
//! [`sort_exabgp`] sorts a Vec into it:
//!
//! 1. Multiprotocol (1): one capability per family, families sorted by (AFI, SAFI).
//! 2. 4-octet AS (65).
//! 3. Extended next hop (5), when `nexthop` is enabled: one capability listing
//!    every (AFI, SAFI, next-hop AFI) tuple.
//! 4. ADD-PATH (69), when `add-path` is enabled: one capability; ExaBGP lists the
//!    families in the order ipv4 unicast, ipv6 unicast, ipv4 nlri-mpls,
//!    ipv6 nlri-mpls, ipv4 mpls-vpn, ipv6 mpls-vpn (only those configured;
//!    observed: mup is not included even when configured).
//! 5. Graceful restart (64), when enabled: R flag set on the first session, every
//!    family of the OPEN in (AFI, SAFI) order with the F bit set.
//! 6. Route refresh (2), then 7. Enhanced route refresh (70), both when
//!    `route-refresh` is enabled.
//! 8. ExaBGP operational (185, `Capability::Unknown`, empty value), when enabled.
//! 9. Extended message (6) (`02 02 06 00`), on by default.
//! 10. Hostname / FQDN (73), when `host-name` is set.
//! 11. Software version (75), when enabled.
//! 12. Multi-session (68, as `Capability::Unknown`; ExaBGP 5.0.15 sends two of
//!     them, values `00` then `01`), then 13. Cisco multi-session (131, value `00`),
//!     when `multi-session` is enabled.
//!
//! Everything else (Cisco route refresh 128, unknown codes) ranks last. Example,
//! the default ExaBGP OPEN (FORMAT.md §3.2):
//! `FFFF...FF 0031 01 04 0001 00B4 01020304 14 0206010400010001 0206410400000001 02020600`.
//!
//! When the optional parameters total 255 octets or more, the RFC 9072 extended
//! format is used (ExaBGP does the same: 254 octets still use the one-octet
//! length, 255 switch to `FF FF <2-octet length>` and 2-octet parameter lengths).

use super::capability::{self, Capability};
use super::error::DecodeError;
use super::header::bad_length;
use bytes::{BufMut, Bytes, BytesMut};
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::IResult;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::net::Ipv4Addr;

/// AS_TRANS (RFC 6793): the 2-octet "My AS" value for 4-octet ASNs.
pub const AS_TRANS: u16 = 23456;
/// The only BGP version spoken (RFC 4271).
pub const BGP_VERSION: u8 = 4;
/// Optional parameter type: capabilities (RFC 5492 §4).
pub const PARAM_CAPABILITIES: u8 = 2;
/// Optional parameter type: authentication (RFC 1771, deprecated).
pub const PARAM_AUTHENTICATION: u8 = 1;
/// RFC 9072 §2: the Non-Ext OP Type (and length) value signalling extended lengths.
pub const EXTENDED_PARAM_MARKER: u8 = 255;
/// Fixed part of an OPEN body: version, my AS, hold time, BGP id, opt len.
pub const OPEN_FIXED_LEN: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Open {
    pub version: u8,
    /// The 2-octet "My Autonomous System" field (AS_TRANS for large ASNs).
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    /// Capabilities in the order received; encoded one per optional parameter,
    /// as ExaBGP does (the conformance peer relies on that layout). See the
    /// module documentation for the order ExaBGP uses.
    pub capabilities: Vec<Capability>,
}

/// Rank of a capability in ExaBGP's OPEN (see the module documentation).
pub fn capability_order_key(c: &Capability) -> u8 {
    match c {
        Capability::Multiprotocol(_) => 0,
        Capability::FourOctetAs(_) => 1,
        Capability::ExtendedNextHop(_) => 2,
        Capability::AddPath(_) => 3,
        Capability::GracefulRestart { .. } => 4,
        Capability::RouteRefresh => 5,
        Capability::EnhancedRouteRefresh => 6,
        Capability::Unknown {
            code: capability::OPERATIONAL,
            ..
        } => 7,
        Capability::ExtendedMessage => 8,
        Capability::Fqdn { .. } => 9,
        Capability::SoftwareVersion(_) => 10,
        Capability::Unknown {
            code: capability::MULTISESSION,
            ..
        } => 11,
        Capability::Unknown {
            code: capability::CISCO_MULTISESSION,
            ..
        } => 12,
        Capability::CiscoRouteRefresh | Capability::Unknown { .. } => 13,
    }
}

/// Sort capabilities into ExaBGP's OPEN order: by [`capability_order_key`],
/// multiprotocol entries by (AFI, SAFI); otherwise stable.
pub fn sort_exabgp(caps: &mut [Capability]) {
    caps.sort_by(
        |a, b| match capability_order_key(a).cmp(&capability_order_key(b)) {
            Ordering::Equal => match (a, b) {
                (Capability::Multiprotocol(x), Capability::Multiprotocol(y)) => x.cmp(y),
                _ => Ordering::Equal,
            },
            o => o,
        },
    )
}

/// RFC 4271 §6.2: a hold time of 1 or 2 seconds is Unacceptable Hold Time (2/6).
/// The FSM decides when to apply it; this is the check itself.
pub fn check_hold_time(hold_time: u16) -> Result<(), DecodeError> {
    if hold_time == 1 || hold_time == 2 {
        // ExaBGP's sentence, sent as the data.
        let text = format!("Hold Time is invalid ({hold_time})");
        return Err(DecodeError::new(2, 6, Bytes::from(text.clone()), text));
    }
    Ok(())
}

type Res<'a, T> = IResult<&'a [u8], T, ()>;

/// Fixed part: version, my AS, hold time, BGP identifier (RFC 4271 §4.2).
fn fixed(i: &[u8]) -> Res<'_, (u8, u16, u16, u32)> {
    let (i, version) = be_u8(i)?;
    let (i, my_as) = be_u16(i)?;
    let (i, hold) = be_u16(i)?;
    let (i, id) = be_u32(i)?;
    Ok((i, (version, my_as, hold, id)))
}

/// One optional parameter: type, then a 1-octet (RFC 5492) or, in the RFC 9072
/// extended format, 2-octet length, then the value.
fn param(extended: bool) -> impl Fn(&[u8]) -> Res<'_, (u8, &[u8])> {
    move |i| {
        let (i, kind) = be_u8(i)?;
        let (i, len) = if extended {
            be_u16(i)?
        } else {
            let (i, l) = be_u8(i)?;
            (i, l as u16)
        };
        let (i, value) = take(len)(i)?;
        Ok((i, (kind, value)))
    }
}

/// One capability TLV inside a capabilities parameter (RFC 5492 §4).
fn capability_tlv(i: &[u8]) -> Res<'_, (u8, &[u8])> {
    let (i, code) = be_u8(i)?;
    let (i, len) = be_u8(i)?;
    let (i, value) = take(len)(i)?;
    Ok((i, (code, value)))
}

fn open_error(text: String) -> DecodeError {
    // ExaBGP sends its explanation as the data of OPEN errors.
    DecodeError::new(2, 0, Bytes::from(text.clone()), text)
}

impl Open {
    /// The speaker's real ASN: the 4-octet AS capability if present, else my_as.
    pub fn asn(&self) -> u32 {
        self.capabilities
            .iter()
            .find_map(|c| match c {
                Capability::FourOctetAs(a) => Some(*a),
                _ => None,
            })
            .unwrap_or(self.my_as as u32)
    }

    /// Decode an OPEN body (header stripped).
    ///
    /// Errors (RFC 4271 §6.2, RFC 5492, RFC 9072): body shorter than 10 octets
    /// → 1/2 with the message length; version other than 4 → 2/1 with data the
    /// 2-octet version we support; authentication parameter (type 1) → 2/5 and
    /// any other non-capability parameter → 2/4 (what ExaBGP sends); optional
    /// parameter lengths inconsistent with the message, or a malformed
    /// capability → 2/0.
    pub fn decode(body: &[u8]) -> Result<Open, DecodeError> {
        let Ok((rest, (version, my_as, hold_time, id))) = fixed(body) else {
            return Err(bad_length(body.len() + super::HEADER_LEN, "open"));
        };
        if version != BGP_VERSION {
            // RFC 4271 §6.2: the data is the largest locally supported version,
            // as a 2-octet unsigned integer.
            return Err(DecodeError::new(
                2,
                1,
                Bytes::from_static(&[0, BGP_VERSION]),
                format!("unsupported version number: {version}"),
            ));
        }
        let Some((&opt_len, rest)) = rest.split_first() else {
            return Err(bad_length(body.len() + super::HEADER_LEN, "open"));
        };
        // RFC 9072 §2: with a non-zero length, a first parameter type of 255
        // announces the extended format (2-octet total and parameter lengths).
        let (extended, params) = if opt_len != 0 && rest.first() == Some(&EXTENDED_PARAM_MARKER) {
            let Some(l) = rest.get(1..3) else {
                return Err(open_error(
                    "Bad length for OPEN (extended) parameter, too short for its length".into(),
                ));
            };
            let ext_len = u16::from_be_bytes([l[0], l[1]]) as usize;
            (true, rest.get(3..).map(|r| (r, ext_len)))
        } else {
            (false, Some((rest, opt_len as usize)))
        };
        let Some((params, _)) = params.filter(|(r, l)| r.len() == *l) else {
            return Err(open_error(format!(
                "Bad length for OPEN parameters: the optional parameter length does not match the {} octets left in the message",
                rest.len()
            )));
        };

        let mut capabilities = Vec::new();
        let mut i = params;
        let next = param(extended);
        while !i.is_empty() {
            let Ok((r, (kind, value))) = next(i) else {
                return Err(open_error(format!(
                    "Bad length for OPEN parameter (buffer underrun) {}",
                    hex(i)
                )));
            };
            i = r;
            match kind {
                PARAM_CAPABILITIES => {
                    let mut v = value;
                    while !v.is_empty() {
                        let Ok((r, (code, cv))) = capability_tlv(v) else {
                            return Err(open_error(format!(
                                "Bad length for OPEN capability (buffer underrun) {}",
                                hex(v)
                            )));
                        };
                        v = r;
                        capabilities.push(Capability::decode(code, cv)?);
                    }
                }
                PARAM_AUTHENTICATION => {
                    // ExaBGP answers the deprecated authentication parameter with
                    // 2/5 (RFC 4271 §6.2 as in RFC 1771).
                    return Err(DecodeError::new(
                        2,
                        5,
                        Bytes::from_static(b"Authentication Notification (Deprecated)"),
                        "authentication optional parameter",
                    ));
                }
                other => {
                    let text = format!("unknown OPEN parameter {other:#x}");
                    return Err(DecodeError::new(2, 4, Bytes::from(text.clone()), text));
                }
            }
        }
        Ok(Open {
            version,
            my_as,
            hold_time,
            bgp_id: Ipv4Addr::from(id),
            capabilities,
        })
    }

    /// Append the OPEN body (no header): one capability per optional parameter,
    /// in Vec order; RFC 9072 extended lengths when the parameters total 255
    /// octets or more.
    pub fn encode_body(&self, out: &mut BytesMut) {
        out.put_u8(self.version);
        out.put_u16(self.my_as);
        out.put_u16(self.hold_time);
        out.put_u32(u32::from(self.bgp_id));
        let caps = || self.capabilities.iter().filter(|c| c.fits());
        // Each parameter: type(1) length(1) code(1) caplen(1) value.
        let total: usize = caps().map(|c| 4 + c.value_len()).sum();
        if total < 255 {
            out.put_u8(total as u8);
            for c in caps() {
                out.put_u8(PARAM_CAPABILITIES);
                out.put_u8((2 + c.value_len()) as u8);
                c.encode(out);
            }
        } else {
            // RFC 9072 §2: parameter lengths become two octets.
            let ext_total: usize = caps().map(|c| 5 + c.value_len()).sum();
            out.put_u8(EXTENDED_PARAM_MARKER);
            out.put_u8(EXTENDED_PARAM_MARKER);
            out.put_u16(u16::try_from(ext_total).unwrap_or(u16::MAX));
            for c in caps() {
                out.put_u8(PARAM_CAPABILITIES);
                out.put_u16((2 + c.value_len()) as u16);
                c.encode(out);
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + 2 * b.len());
    s.push_str("0x");
    for x in b {
        s.push_str(&format!("{x:02X}"));
    }
    s
}
