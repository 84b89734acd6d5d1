//! Capabilities advertised in OPEN (RFC 5492 and the RFCs per variant).
//!
//! [`Capability::decode`] reads one capability TLV value; [`Capability::encode`]
//! writes code, length and value. Malformed values are OPEN Message Error
//! 2/0 (Unspecific), which is what ExaBGP sends (reference §6.4), with a text
//! explaining the problem as data.

use super::error::DecodeError;
use super::family::{Afi, Family, Safi};
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

/// ADD-PATH send/receive mode (RFC 7911 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AddPathMode {
    Receive = 1,
    Send = 2,
    Both = 3,
}

impl AddPathMode {
    pub fn from_code(c: u8) -> Option<AddPathMode> {
        match c {
            1 => Some(AddPathMode::Receive),
            2 => Some(AddPathMode::Send),
            3 => Some(AddPathMode::Both),
            _ => None,
        }
    }
    pub fn code(self) -> u8 {
        self as u8
    }
    /// ExaBGP's JSON/config spelling: `receive`, `send`, `send/receive`.
    pub fn name(self) -> &'static str {
        match self {
            AddPathMode::Receive => "receive",
            AddPathMode::Send => "send",
            AddPathMode::Both => "send/receive",
        }
    }
    pub fn sends(self) -> bool {
        matches!(self, AddPathMode::Send | AddPathMode::Both)
    }
    pub fn receives(self) -> bool {
        matches!(self, AddPathMode::Receive | AddPathMode::Both)
    }
}

/// Graceful-restart per-family entry (RFC 4724 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GracefulRestartFamily {
    pub family: Family,
    /// Forwarding state preserved (F bit).
    pub forwarding: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Capability {
    /// Code 1 (RFC 4760).
    Multiprotocol(Family),
    /// Code 2 (RFC 2918).
    RouteRefresh,
    /// Code 5 (RFC 8950): (NLRI family, next-hop AFI).
    ExtendedNextHop(Vec<(Family, Afi)>),
    /// Code 6 (RFC 8654).
    ExtendedMessage,
    /// Code 64 (RFC 4724). `restart_time` is 12 bits on the wire.
    GracefulRestart {
        restart_state: bool,
        notification: bool,
        restart_time: u16,
        families: Vec<GracefulRestartFamily>,
    },
    /// Code 65 (RFC 6793).
    FourOctetAs(u32),
    /// Code 69 (RFC 7911).
    AddPath(Vec<(Family, AddPathMode)>),
    /// Code 70 (RFC 7313).
    EnhancedRouteRefresh,
    /// Code 73 (draft-walton-bgp-hostname-capability).
    Fqdn {
        host_name: String,
        domain_name: String,
    },
    /// Code 75 (draft-abraitis-bgp-version-capability).
    SoftwareVersion(String),
    /// Code 128: pre-standard Cisco route refresh (decode only).
    CiscoRouteRefresh,
    /// Anything else, kept as is (no NOTIFICATION for unknown capabilities).
    /// Also how ExaBGP's private operational (185) and the multi-session
    /// capabilities (68, 131) are carried.
    Unknown { code: u8, data: Bytes },
}

pub const MULTIPROTOCOL: u8 = 1;
pub const ROUTE_REFRESH: u8 = 2;
pub const EXTENDED_NEXT_HOP: u8 = 5;
pub const EXTENDED_MESSAGE: u8 = 6;
pub const GRACEFUL_RESTART: u8 = 64;
pub const FOUR_OCTET_AS: u8 = 65;
/// draft-ietf-idr-bgp-multisession (ExaBGP `multi-session`).
pub const MULTISESSION: u8 = 68;
pub const ADD_PATH: u8 = 69;
pub const ENHANCED_ROUTE_REFRESH: u8 = 70;
pub const FQDN: u8 = 73;
pub const SOFTWARE_VERSION: u8 = 75;
pub const CISCO_ROUTE_REFRESH: u8 = 128;
/// What Cisco uses for multi-session.
pub const CISCO_MULTISESSION: u8 = 131;
/// ExaBGP's private operational-message capability.
pub const OPERATIONAL: u8 = 185;

/// ExaBGP truncates host and domain names to 64 octets when sending.
pub const FQDN_MAX_LEN: usize = 64;

/// The RFC 4724 §3 restart-time field is 12 bits.
pub const RESTART_TIME_MASK: u16 = 0x0FFF;

fn malformed(text: String) -> DecodeError {
    // ExaBGP (reference §6.4): malformed capabilities are 2/0, its text as data.
    DecodeError::new(2, 0, Bytes::from(text.clone().into_bytes()), text)
}

fn utf8(raw: &[u8], what: &str) -> Result<String, DecodeError> {
    match std::str::from_utf8(raw) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => Err(malformed(format!(
            "the {what} in the capability is not valid UTF-8 ({e})"
        ))),
    }
}

/// Longest prefix of `s` of at most `max` octets ending on a char boundary.
pub(crate) fn truncate_utf8(s: &str, max: usize) -> &str {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn family_at(afi: &[u8], safi: u8) -> Family {
    Family::new(Afi(u16::from_be_bytes([afi[0], afi[1]])), Safi(safi))
}

impl Capability {
    pub fn code(&self) -> u8 {
        match self {
            Capability::Multiprotocol(_) => MULTIPROTOCOL,
            Capability::RouteRefresh => ROUTE_REFRESH,
            Capability::ExtendedNextHop(_) => EXTENDED_NEXT_HOP,
            Capability::ExtendedMessage => EXTENDED_MESSAGE,
            Capability::GracefulRestart { .. } => GRACEFUL_RESTART,
            Capability::FourOctetAs(_) => FOUR_OCTET_AS,
            Capability::AddPath(_) => ADD_PATH,
            Capability::EnhancedRouteRefresh => ENHANCED_ROUTE_REFRESH,
            Capability::Fqdn { .. } => FQDN,
            Capability::SoftwareVersion(_) => SOFTWARE_VERSION,
            Capability::CiscoRouteRefresh => CISCO_ROUTE_REFRESH,
            Capability::Unknown { code, .. } => *code,
        }
    }

    /// ExaBGP's name for the capability code: the key of the `capabilities`
    /// object in the JSON of a *sent* OPEN (reference §4.2): `multiprotocol`,
    /// `route-refresh`, `nexthop`, `extended-message`, `graceful-restart`,
    /// `asn4`, `add-path`, `enhanced-route-refresh`, `hostname`,
    /// `software-version`, `cisco-route-refresh`, ...
    pub fn name(&self) -> &'static str {
        code_name(self.code())
    }

    /// The `"name"` field inside the capability's JSON object, which ExaBGP
    /// spells differently for some (`"graceful restart"`, `"addpath"`,
    /// `"nexthop"`); `None` for hostname and software-version, whose JSON
    /// object has no name field. Unknown codes are `"unknown"`.
    pub fn json_name(&self) -> Option<&'static str> {
        Some(match self {
            Capability::Multiprotocol(_) => "multiprotocol",
            Capability::RouteRefresh | Capability::CiscoRouteRefresh => "route-refresh",
            Capability::ExtendedNextHop(_) => "nexthop",
            Capability::ExtendedMessage => "extended-message",
            Capability::GracefulRestart { .. } => "graceful restart",
            Capability::FourOctetAs(_) => "asn4",
            Capability::AddPath(_) => "addpath",
            Capability::EnhancedRouteRefresh => "enhanced-route-refresh",
            Capability::Fqdn { .. } | Capability::SoftwareVersion(_) => return None,
            Capability::Unknown { code, .. } => match *code {
                OPERATIONAL => "operational",
                MULTISESSION | CISCO_MULTISESSION => "multisession",
                _ => "unknown",
            },
        })
    }

    /// Decode one capability from its code and value (RFC 5492 §4).
    pub fn decode(code: u8, value: &[u8]) -> Result<Capability, DecodeError> {
        Ok(match code {
            MULTIPROTOCOL => {
                // RFC 4760 §8: AFI(2) reserved(1) SAFI(1). Longer values are
                // accepted and the excess ignored, as ExaBGP does.
                if value.len() < 4 {
                    return Err(malformed(format!(
                        "invalid multiprotocol capability, expected 4 bytes, got {}",
                        value.len()
                    )));
                }
                Capability::Multiprotocol(family_at(&value[..2], value[3]))
            }
            // RFC 2918 §2 / RFC 7313 §3: no value; any is ignored.
            ROUTE_REFRESH => Capability::RouteRefresh,
            CISCO_ROUTE_REFRESH => Capability::CiscoRouteRefresh,
            ENHANCED_ROUTE_REFRESH => Capability::EnhancedRouteRefresh,
            EXTENDED_MESSAGE => Capability::ExtendedMessage,
            EXTENDED_NEXT_HOP => {
                // RFC 8950 §3: AFI(2) SAFI(2) NH-AFI(2) per entry. The SAFI is
                // two octets on the wire; only the low one is meaningful.
                if !value.chunks_exact(6).remainder().is_empty() {
                    return Err(malformed(
                        "invalid extended next-hop capability, trailing data".into(),
                    ));
                }
                let mut v = Vec::with_capacity(value.len() / 6);
                for e in value.chunks_exact(6) {
                    v.push((
                        family_at(&e[..2], e[3]),
                        Afi(u16::from_be_bytes([e[4], e[5]])),
                    ));
                }
                Capability::ExtendedNextHop(v)
            }
            GRACEFUL_RESTART => {
                // RFC 4724 §3: flags(4 bits) time(12 bits), then AFI(2)
                // SAFI(1) flags(1) per family.
                if value.len() < 2 {
                    return Err(malformed(
                        "invalid graceful-restart capability, not enough data for the header"
                            .into(),
                    ));
                }
                let rest = &value[2..];
                if !rest.chunks_exact(4).remainder().is_empty() {
                    return Err(malformed(
                        "invalid graceful-restart capability, trailing data".into(),
                    ));
                }
                let head = u16::from_be_bytes([value[0], value[1]]);
                let families = rest
                    .chunks_exact(4)
                    .map(|e| GracefulRestartFamily {
                        family: family_at(&e[..2], e[2]),
                        forwarding: e[3] & 0x80 != 0,
                    })
                    .collect();
                Capability::GracefulRestart {
                    restart_state: head & 0x8000 != 0,
                    notification: head & 0x4000 != 0,
                    restart_time: head & RESTART_TIME_MASK,
                    families,
                }
            }
            FOUR_OCTET_AS => {
                let Ok(asn) = <[u8; 4]>::try_from(value) else {
                    return Err(malformed(format!(
                        "AS4 capability must be 4 bytes long, got {}",
                        value.len()
                    )));
                };
                Capability::FourOctetAs(u32::from_be_bytes(asn))
            }
            ADD_PATH => {
                // RFC 7911 §4: AFI(2) SAFI(1) Send/Receive(1) per entry. An
                // entry with a Send/Receive value other than 1..3 is ignored.
                if !value.chunks_exact(4).remainder().is_empty() {
                    return Err(malformed(
                        "invalid ADD-PATH capability, trailing data".into(),
                    ));
                }
                let v = value
                    .chunks_exact(4)
                    .filter_map(|e| {
                        AddPathMode::from_code(e[3]).map(|m| (family_at(&e[..2], e[2]), m))
                    })
                    .collect();
                Capability::AddPath(v)
            }
            FQDN => {
                // draft-walton-bgp-hostname-capability §3: length-prefixed host
                // name then length-prefixed domain name. ExaBGP accepts an empty
                // value and a missing domain.
                let mut host_name = String::new();
                let mut domain_name = String::new();
                if let Some((&l1, rest)) = value.split_first() {
                    let l1 = l1 as usize;
                    let Some(host) = rest.get(..l1) else {
                        return Err(malformed(format!(
                            "Hostname capability truncated: need {} bytes for the host name, got {}",
                            l1 + 1,
                            value.len()
                        )));
                    };
                    host_name = utf8(host, "host name")?;
                    if let Some((&l2, rest)) = rest[l1..].split_first() {
                        let l2 = l2 as usize;
                        let Some(domain) = rest.get(..l2) else {
                            return Err(malformed(format!(
                                "Hostname capability truncated: need {} bytes total, got {}",
                                l1 + 2 + l2,
                                value.len()
                            )));
                        };
                        domain_name = utf8(domain, "domain name")?;
                    }
                }
                Capability::Fqdn {
                    host_name,
                    domain_name,
                }
            }
            SOFTWARE_VERSION => {
                // draft-abraitis-bgp-version-capability §2: length-prefixed.
                let Some((&l1, rest)) = value.split_first() else {
                    return Err(malformed(
                        "Software capability too short: need at least 1 byte".into(),
                    ));
                };
                let Some(text) = rest.get(..l1 as usize) else {
                    return Err(malformed(format!(
                        "Software capability truncated: need {} bytes, got {}",
                        l1 as usize + 1,
                        value.len()
                    )));
                };
                Capability::SoftwareVersion(utf8(text, "software version")?)
            }
            code => Capability::Unknown {
                code,
                data: Bytes::copy_from_slice(value),
            },
        })
    }

    /// Append the capability value (without code and length).
    pub fn encode_value(&self, out: &mut BytesMut) {
        match self {
            Capability::Multiprotocol(f) => {
                out.put_u16(f.afi.0);
                out.put_u8(0);
                out.put_u8(f.safi.0);
            }
            Capability::RouteRefresh
            | Capability::CiscoRouteRefresh
            | Capability::EnhancedRouteRefresh
            | Capability::ExtendedMessage => {}
            Capability::ExtendedNextHop(v) => {
                for (f, nh) in v {
                    out.put_u16(f.afi.0);
                    out.put_u16(f.safi.0 as u16);
                    out.put_u16(nh.0);
                }
            }
            Capability::GracefulRestart {
                restart_state,
                notification,
                restart_time,
                families,
            } => {
                let mut head = restart_time & RESTART_TIME_MASK;
                if *restart_state {
                    head |= 0x8000;
                }
                if *notification {
                    head |= 0x4000;
                }
                out.put_u16(head);
                for e in families {
                    out.put_u16(e.family.afi.0);
                    out.put_u8(e.family.safi.0);
                    out.put_u8(if e.forwarding { 0x80 } else { 0 });
                }
            }
            Capability::FourOctetAs(a) => out.put_u32(*a),
            Capability::AddPath(v) => {
                for (f, m) in v {
                    out.put_u16(f.afi.0);
                    out.put_u8(f.safi.0);
                    out.put_u8(m.code());
                }
            }
            Capability::Fqdn {
                host_name,
                domain_name,
            } => {
                // ExaBGP cuts each name to 64 octets; we cut on a character
                // boundary so the peer always gets valid UTF-8.
                for s in [host_name, domain_name] {
                    let s = truncate_utf8(s, FQDN_MAX_LEN);
                    out.put_u8(s.len() as u8);
                    out.put_slice(s.as_bytes());
                }
            }
            Capability::SoftwareVersion(s) => {
                // One length octet (draft-abraitis §2); a capability value is
                // at most 255 octets, so the string is at most 254.
                let s = truncate_utf8(s, 254);
                out.put_u8(s.len() as u8);
                out.put_slice(s.as_bytes());
            }
            Capability::Unknown { data, .. } => out.put_slice(data),
        }
    }

    /// Length of the value [`encode_value`](Self::encode_value) writes.
    pub fn value_len(&self) -> usize {
        match self {
            Capability::Multiprotocol(_) => 4,
            Capability::RouteRefresh
            | Capability::CiscoRouteRefresh
            | Capability::EnhancedRouteRefresh
            | Capability::ExtendedMessage => 0,
            Capability::ExtendedNextHop(v) => 6 * v.len(),
            Capability::GracefulRestart { families, .. } => 2 + 4 * families.len(),
            Capability::FourOctetAs(_) => 4,
            Capability::AddPath(v) => 4 * v.len(),
            Capability::Fqdn {
                host_name,
                domain_name,
            } => {
                2 + truncate_utf8(host_name, FQDN_MAX_LEN).len()
                    + truncate_utf8(domain_name, FQDN_MAX_LEN).len()
            }
            Capability::SoftwareVersion(s) => 1 + truncate_utf8(s, 254).len(),
            Capability::Unknown { data, .. } => data.len(),
        }
    }

    /// Whether the value fits the one-octet capability length (RFC 5492 §4).
    pub fn fits(&self) -> bool {
        self.value_len() <= 255
    }

    /// Append code, length and value (RFC 5492 §4). A capability whose value
    /// would exceed 255 octets cannot be represented and is skipped (logged);
    /// returns whether it was written.
    pub fn encode(&self, out: &mut BytesMut) -> bool {
        if !self.fits() {
            log::warn!(
                "capability {} too large to encode ({} octets), not sent",
                self.code(),
                self.value_len()
            );
            return false;
        }
        out.put_u8(self.code());
        out.put_u8(self.value_len() as u8);
        self.encode_value(out);
        true
    }
}

/// ExaBGP's name of a capability code (see [`Capability::name`]); codes it does
/// not know are `unassigned-0x..` (70..127), `reserved-0x..` (128..255) or
/// `unknown` (the rest).
pub fn code_name(code: u8) -> &'static str {
    match code {
        0 => "reserved",
        MULTIPROTOCOL => "multiprotocol",
        ROUTE_REFRESH => "route-refresh",
        3 => "outbound-route-filtering",
        4 => "multiple-routes",
        EXTENDED_NEXT_HOP => "nexthop",
        EXTENDED_MESSAGE => "extended-message",
        GRACEFUL_RESTART => "graceful-restart",
        FOUR_OCTET_AS => "asn4",
        67 => "dynamic-capability",
        MULTISESSION => "multi-session",
        ADD_PATH => "add-path",
        ENHANCED_ROUTE_REFRESH => "enhanced-route-refresh",
        FQDN => "hostname",
        SOFTWARE_VERSION => "software-version",
        CISCO_ROUTE_REFRESH => "cisco-route-refresh",
        CISCO_MULTISESSION => "cisco-multi-sesion",
        OPERATIONAL => "operational",
        _ => "unknown",
    }
}

/// The `"iana"` field ExaBGP prints for an unknown capability:
/// `unassigned` (70..127), `reserved` (128..255), else `unknown`.
pub fn iana_status(code: u8) -> &'static str {
    match code {
        70..=127 => "unassigned",
        128..=255 => "reserved",
        _ => "unknown",
    }
}
