//! Address families: AFI (RFC 4760 §3, IANA "Address Family Numbers") and SAFI.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Address Family Identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Afi(pub u16);

impl Afi {
    pub const IPV4: Afi = Afi(1);
    pub const IPV6: Afi = Afi(2);
    pub const L2VPN: Afi = Afi(25);
    pub const BGP_LS: Afi = Afi(16388);

    /// ExaBGP's name for the AFI (`ipv4`, `ipv6`, `l2vpn`, `bgp-ls`), `None` if unknown.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "ipv4",
            2 => "ipv6",
            25 => "l2vpn",
            16388 => "bgp-ls",
            _ => return None,
        })
    }

    pub fn from_name(s: &str) -> Option<Afi> {
        Some(match s {
            "ipv4" => Afi::IPV4,
            "ipv6" => Afi::IPV6,
            "l2vpn" => Afi::L2VPN,
            "bgp-ls" => Afi::BGP_LS,
            _ => return None,
        })
    }
}

/// Subsequent Address Family Identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Safi(pub u8);

impl Safi {
    pub const UNICAST: Safi = Safi(1);
    pub const MULTICAST: Safi = Safi(2);
    /// RFC 8277 labelled unicast (ExaBGP: `nlri-mpls`).
    pub const MPLS: Safi = Safi(4);
    pub const MCAST_VPN: Safi = Safi(5);
    pub const VPLS: Safi = Safi(65);
    pub const EVPN: Safi = Safi(70);
    pub const BGP_LS: Safi = Safi(71);
    pub const BGP_LS_VPN: Safi = Safi(72);
    pub const MUP: Safi = Safi(85);
    pub const MPLS_VPN: Safi = Safi(128);
    pub const RTC: Safi = Safi(132);
    pub const FLOW: Safi = Safi(133);
    pub const FLOW_VPN: Safi = Safi(134);

    /// ExaBGP's name for the SAFI, `None` if unknown.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "unicast",
            2 => "multicast",
            4 => "nlri-mpls",
            5 => "mcast-vpn",
            65 => "vpls",
            70 => "evpn",
            71 => "bgp-ls",
            72 => "bgp-ls-vpn",
            85 => "mup",
            128 => "mpls-vpn",
            132 => "rtc",
            133 => "flow",
            134 => "flow-vpn",
            _ => return None,
        })
    }

    pub fn from_name(s: &str) -> Option<Safi> {
        Some(match s {
            "unicast" => Safi::UNICAST,
            "multicast" => Safi::MULTICAST,
            "nlri-mpls" | "labeled-unicast" => Safi::MPLS,
            "mcast-vpn" => Safi::MCAST_VPN,
            "vpls" => Safi::VPLS,
            "evpn" => Safi::EVPN,
            "bgp-ls" => Safi::BGP_LS,
            "bgp-ls-vpn" => Safi::BGP_LS_VPN,
            "mup" => Safi::MUP,
            "mpls-vpn" => Safi::MPLS_VPN,
            "rtc" => Safi::RTC,
            "flow" => Safi::FLOW,
            "flow-vpn" => Safi::FLOW_VPN,
            _ => return None,
        })
    }
}

/// An (AFI, SAFI) pair. Ordered by (AFI, SAFI), the order ExaBGP keeps families in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Family {
    pub afi: Afi,
    pub safi: Safi,
}

impl Family {
    pub const fn new(afi: Afi, safi: Safi) -> Family {
        Family { afi, safi }
    }
    pub const IPV4_UNICAST: Family = Family::new(Afi::IPV4, Safi::UNICAST);
    pub const IPV6_UNICAST: Family = Family::new(Afi::IPV6, Safi::UNICAST);
    pub const IPV4_MULTICAST: Family = Family::new(Afi::IPV4, Safi::MULTICAST);
    pub const IPV6_MULTICAST: Family = Family::new(Afi::IPV6, Safi::MULTICAST);
    pub const IPV4_MPLS: Family = Family::new(Afi::IPV4, Safi::MPLS);
    pub const IPV6_MPLS: Family = Family::new(Afi::IPV6, Safi::MPLS);
    pub const IPV4_MPLS_VPN: Family = Family::new(Afi::IPV4, Safi::MPLS_VPN);
    pub const IPV6_MPLS_VPN: Family = Family::new(Afi::IPV6, Safi::MPLS_VPN);
    pub const IPV4_FLOW: Family = Family::new(Afi::IPV4, Safi::FLOW);
    pub const IPV6_FLOW: Family = Family::new(Afi::IPV6, Safi::FLOW);

    /// Every family ExaBGP 5.0 registers, in (AFI, SAFI) order: what a neighbor
    /// without a `family { }` block advertises (reference §1.5).
    pub const ALL: [Family; 21] = [
        Family::new(Afi::IPV4, Safi::UNICAST),
        Family::new(Afi::IPV4, Safi::MULTICAST),
        Family::new(Afi::IPV4, Safi::MPLS),
        Family::new(Afi::IPV4, Safi::MCAST_VPN),
        Family::new(Afi::IPV4, Safi::MUP),
        Family::new(Afi::IPV4, Safi::MPLS_VPN),
        Family::new(Afi::IPV4, Safi::RTC),
        Family::new(Afi::IPV4, Safi::FLOW),
        Family::new(Afi::IPV4, Safi::FLOW_VPN),
        Family::new(Afi::IPV6, Safi::UNICAST),
        Family::new(Afi::IPV6, Safi::MULTICAST),
        Family::new(Afi::IPV6, Safi::MPLS),
        Family::new(Afi::IPV6, Safi::MCAST_VPN),
        Family::new(Afi::IPV6, Safi::MUP),
        Family::new(Afi::IPV6, Safi::MPLS_VPN),
        Family::new(Afi::IPV6, Safi::FLOW),
        Family::new(Afi::IPV6, Safi::FLOW_VPN),
        Family::new(Afi::L2VPN, Safi::VPLS),
        Family::new(Afi::L2VPN, Safi::EVPN),
        Family::new(Afi::BGP_LS, Safi::BGP_LS),
        Family::new(Afi::BGP_LS, Safi::BGP_LS_VPN),
    ];

    /// Parse ExaBGP's two-word form, e.g. `ipv4 unicast`.
    pub fn from_names(afi: &str, safi: &str) -> Option<Family> {
        Some(Family::new(Afi::from_name(afi)?, Safi::from_name(safi)?))
    }
}

impl fmt::Display for Family {
    /// ExaBGP's JSON family key: `ipv4 unicast`; unknown numbers are printed raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.afi.name() {
            Some(a) => f.write_str(a)?,
            None => write!(f, "{}", self.afi.0)?,
        }
        f.write_str(" ")?;
        match self.safi.name() {
            Some(s) => f.write_str(s),
            None => write!(f, "{}", self.safi.0),
        }
    }
}
