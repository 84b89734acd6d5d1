//! Capabilities advertised in OPEN (RFC 5492 and the RFCs per variant).

use super::family::{Afi, Family};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// ADD-PATH send/receive mode (RFC 7911 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AddPathMode {
    Receive = 1,
    Send = 2,
    Both = 3,
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
    Fqdn { host_name: String, domain_name: String },
    /// Code 75 (draft-abraitis-bgp-version-capability).
    SoftwareVersion(String),
    /// Code 128: pre-standard Cisco route refresh (decode only).
    CiscoRouteRefresh,
    /// Anything else, kept as is (no NOTIFICATION for unknown capabilities).
    Unknown { code: u8, data: Bytes },
}

impl Capability {
    pub fn code(&self) -> u8 {
        match self {
            Capability::Multiprotocol(_) => 1,
            Capability::RouteRefresh => 2,
            Capability::ExtendedNextHop(_) => 5,
            Capability::ExtendedMessage => 6,
            Capability::GracefulRestart { .. } => 64,
            Capability::FourOctetAs(_) => 65,
            Capability::AddPath(_) => 69,
            Capability::EnhancedRouteRefresh => 70,
            Capability::Fqdn { .. } => 73,
            Capability::SoftwareVersion(_) => 75,
            Capability::CiscoRouteRefresh => 128,
            Capability::Unknown { code, .. } => *code,
        }
    }
}
