//! Typed configuration: what `process`, `neighbor` and `template` sections mean
//! once parsed, with ExaBGP's defaults applied (reference §1.3–§1.8, §2).

use super::flow::FlowRoute;
use super::l2vpn::VplsRoute;
use super::mup::MupRoute;
use super::mvpn::McastVpnRoute;
use crate::wire::attribute::Attributes;
use crate::wire::capability::AddPathMode;
use crate::wire::family::{Afi, Family};
use crate::wire::nlri::Nlri;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr};

/// A whole configuration (one file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Path of the file it came from (for messages, and to resolve relative
    /// `run` programs against its directory).
    pub path: String,
    pub processes: Vec<ProcessConfig>,
    pub neighbors: Vec<NeighborConfig>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Encoder {
    Text,
    Json,
}

/// `process NAME { run ...; encoder ...; respawn ...; }`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessConfig {
    pub name: String,
    /// Program and arguments as written (program not yet resolved).
    pub run: Vec<String>,
    pub encoder: Encoder,
    /// Default true.
    pub respawn: bool,
    /// Position of the program in `run` (for `validate_processes` errors).
    #[serde(default)]
    pub run_line: u32,
    #[serde(default)]
    pub run_column: u32,
}

/// `auto` or a number, for `local-as` / `peer-as`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AsnSetting {
    Auto,
    Asn(u32),
}

/// Which messages an `api { send { } / receive { } }` block selects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageFlags {
    pub parsed: bool,
    pub packets: bool,
    pub consolidate: bool,
    pub open: bool,
    pub update: bool,
    pub notification: bool,
    pub keepalive: bool,
    pub refresh: bool,
    pub operational: bool,
}

/// A neighbor's `api [name] { }` block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiConfig {
    pub name: Option<String>,
    pub processes: Vec<String>,
    pub processes_match: Vec<String>,
    pub neighbor_changes: bool,
    pub negotiated: bool,
    pub fsm: bool,
    pub signal: bool,
    pub receive: MessageFlags,
    pub send: MessageFlags,
}

/// `capability { }` with ExaBGP's absent-keyword defaults (reference §1.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityConfig {
    /// Default true.
    pub asn4: bool,
    /// Default false; enables Route Refresh and Enhanced Route Refresh.
    pub route_refresh: bool,
    /// Restart time when enabled (bare keyword: the hold time).
    pub graceful_restart: Option<u16>,
    /// `add-path` mode; None = disabled.
    pub add_path: Option<AddPathMode>,
    pub multi_session: bool,
    pub operational: bool,
    /// Default true.
    pub extended_message: bool,
    pub software_version: bool,
    /// None = auto (on when a `nexthop { }` block exists).
    pub nexthop: Option<bool>,
    pub aigp: bool,
}

impl Default for CapabilityConfig {
    fn default() -> Self {
        CapabilityConfig {
            asn4: true,
            route_refresh: false,
            graceful_restart: None,
            add_path: None,
            multi_session: false,
            operational: false,
            extended_message: true,
            software_version: false,
            nexthop: None,
            aigp: false,
        }
    }
}

/// A route's next hop as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NextHop {
    /// No next hop (withdrawals, families without one).
    None,
    Ip(IpAddr),
    /// `next-hop self`: resolved against the session's local address.
    SelfAddress,
}

/// One configured (or API-injected) route.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Route {
    pub family: Family,
    pub nlri: Nlri,
    pub next_hop: NextHop,
    /// Attributes other than NEXT_HOP (which is `next_hop`).
    pub attributes: Attributes,
    /// `watchdog NAME`.
    pub watchdog: Option<String>,
    /// `withdraw`: start in the withdrawn state (with a watchdog).
    pub withdrawn: bool,
}

/// `neighbor IP { ... }` after template inheritance and defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeighborConfig {
    pub peer_address: IpAddr,
    /// Set for range neighbors (`neighbor 10.0.0.0/24`), which must be passive.
    pub peer_prefix_len: Option<u8>,
    pub router_id: Option<Ipv4Addr>,
    /// None = auto (discovered from the socket).
    pub local_address: Option<IpAddr>,
    pub local_as: AsnSetting,
    pub peer_as: AsnSetting,
    /// Default 180; 0 or 3..=65535.
    pub hold_time: u16,
    pub passive: bool,
    pub listen: Option<u16>,
    pub connect: Option<u16>,
    pub description: Option<String>,
    pub host_name: Option<String>,
    pub domain_name: Option<String>,
    /// Default true.
    pub group_updates: bool,
    /// Default true (ExaBGP shows it in `show neighbor`; it has no effect in 5.0).
    pub auto_flush: bool,
    /// Default true (forced true by `capability { route-refresh }`).
    pub adj_rib_out: bool,
    /// Default true.
    pub adj_rib_in: bool,
    pub manual_eor: bool,
    pub md5_password: Option<String>,
    pub md5_base64: bool,
    pub md5_ip: Option<IpAddr>,
    pub outgoing_ttl: Option<u8>,
    pub incoming_ttl: Option<u8>,
    pub source_interface: Option<String>,
    pub rate_limit: Option<u32>,
    /// Sorted by (AFI, SAFI); `Family::ALL` when no `family { }` block.
    pub families: Vec<Family>,
    /// Families listed in `add-path { }` (empty: every configured family).
    pub add_path_families: Vec<Family>,
    /// `nexthop { afi safi nh-afi; }` entries.
    pub nexthop: Vec<(Family, Afi)>,
    pub capability: CapabilityConfig,
    pub api: Vec<ApiConfig>,
    /// Unicast, multicast, labelled (nlri-mpls) and VPN (mpls-vpn) routes.
    pub routes: Vec<Route>,
    /// `md5-base64 auto`: decide at use time whether the key is base64.
    #[serde(default)]
    pub md5_base64_auto: bool,
    /// FlowSpec rules (`flow { }`, `announce { ipv4 { flow } }`).
    #[serde(default)]
    pub flows: Vec<FlowRoute>,
    /// VPLS routes (`l2vpn { vpls }`, `announce { l2vpn { vpls } }`).
    #[serde(default)]
    pub vpls: Vec<VplsRoute>,
    /// BGP-MUP routes (`announce { ipv4|ipv6 { mup } }`).
    #[serde(default)]
    pub mup: Vec<MupRoute>,
    /// MCAST-VPN routes (`announce { ipv4|ipv6 { mcast-vpn } }`).
    #[serde(default)]
    pub mcast_vpn: Vec<McastVpnRoute>,
}

impl NeighborConfig {
    /// A neighbor with ExaBGP's defaults for everything but the addresses/ASNs.
    pub fn new(peer_address: IpAddr, local_as: AsnSetting, peer_as: AsnSetting) -> Self {
        NeighborConfig {
            peer_address,
            peer_prefix_len: None,
            router_id: None,
            local_address: None,
            local_as,
            peer_as,
            hold_time: 180,
            passive: false,
            listen: None,
            connect: None,
            description: None,
            host_name: None,
            domain_name: None,
            group_updates: true,
            auto_flush: true,
            adj_rib_out: true,
            adj_rib_in: true,
            manual_eor: false,
            md5_password: None,
            md5_base64: false,
            md5_ip: None,
            outgoing_ttl: None,
            incoming_ttl: None,
            source_interface: None,
            rate_limit: None,
            families: Family::ALL.to_vec(),
            add_path_families: Vec::new(),
            nexthop: Vec::new(),
            capability: CapabilityConfig::default(),
            api: Vec::new(),
            routes: Vec::new(),
            md5_base64_auto: false,
            flows: Vec::new(),
            vpls: Vec::new(),
            mup: Vec::new(),
            mcast_vpn: Vec::new(),
        }
    }
}
