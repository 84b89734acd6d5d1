//! Our OPEN (RFC 4271 §4.2) built from a neighbor's configuration, and the
//! checks applied to the peer's (RFC 4271 §6.2, ExaBGP `negotiated.validate`).
//!
//! Capability order is ExaBGP's, because the conformance peer and byte-exact
//! comparisons see it: multiprotocol (one per family, sorted), 4-octet AS,
//! extended next hop, ADD-PATH, graceful restart, route refresh + enhanced route
//! refresh, extended message, hostname, software version.

use super::notify;
use crate::config::{AsnSetting, NeighborConfig};
use crate::settings::Settings;
use crate::wire::capability::{AddPathMode, Capability, GracefulRestartFamily};
use crate::wire::family::{Afi, Family};
use crate::wire::open::{Open, AS_TRANS};
use crate::wire::Notification;
use std::net::Ipv4Addr;

/// Families ExaBGP ever puts in the ADD-PATH capability, in its order.
pub const ADD_PATH_FAMILIES: [Family; 6] = [
    Family::IPV4_UNICAST,
    Family::IPV6_UNICAST,
    Family::IPV4_MPLS,
    Family::IPV6_MPLS,
    Family::IPV4_MPLS_VPN,
    Family::IPV6_MPLS_VPN,
];

/// (family, next-hop AFI) pairs ExaBGP ever advertises for RFC 8950, in its order.
pub const EXTENDED_NEXT_HOP: [(Family, Afi); 4] = [
    (Family::IPV4_UNICAST, Afi::IPV6),
    (Family::IPV4_MULTICAST, Afi::IPV6),
    (Family::IPV4_MPLS, Afi::IPV6),
    (Family::IPV4_MPLS_VPN, Afi::IPV6),
];

/// The hold time a peer may not propose (RFC 4271 §4.2: zero or at least three).
pub const MIN_HOLD_TIME: u16 = 3;

/// Everything needed to build our OPEN for one connection.
#[derive(Clone, Debug)]
pub struct OpenParams {
    /// Our real ASN (AS_TRANS goes in the 2-octet field when it does not fit).
    pub local_as: u32,
    pub router_id: Ipv4Addr,
    /// Graceful restart R bit (RFC 4724 §3): set on the first session after a start.
    pub restarted: bool,
}

/// Build our OPEN.
pub fn build(cfg: &NeighborConfig, settings: &Settings, p: &OpenParams) -> Open {
    let mut caps = Vec::new();
    for f in &cfg.families {
        caps.push(Capability::Multiprotocol(*f));
    }
    let c = &cfg.capability;
    if c.asn4 {
        caps.push(Capability::FourOctetAs(p.local_as));
    }
    if c.nexthop.unwrap_or(!cfg.nexthop.is_empty()) {
        let pairs: Vec<(Family, Afi)> = EXTENDED_NEXT_HOP
            .iter()
            .filter(|e| cfg.nexthop.contains(e))
            .copied()
            .collect();
        caps.push(Capability::ExtendedNextHop(pairs));
    }
    if let Some(mode) = c.add_path {
        let wanted: &[Family] = if cfg.add_path_families.is_empty() {
            &cfg.families
        } else {
            &cfg.add_path_families
        };
        let fams: Vec<(Family, AddPathMode)> = ADD_PATH_FAMILIES
            .iter()
            .filter(|f| wanted.contains(f))
            .map(|f| (*f, mode))
            .collect();
        caps.push(Capability::AddPath(fams));
    }
    if let Some(time) = c.graceful_restart {
        caps.push(Capability::GracefulRestart {
            restart_state: p.restarted,
            notification: false,
            restart_time: time & 0x0FFF,
            families: cfg
                .families
                .iter()
                .map(|f| GracefulRestartFamily {
                    family: *f,
                    forwarding: true,
                })
                .collect(),
        });
    }
    if c.route_refresh {
        caps.push(Capability::RouteRefresh);
        caps.push(Capability::EnhancedRouteRefresh);
    }
    if c.extended_message {
        caps.push(Capability::ExtendedMessage);
    }
    if let Some(host) = &cfg.host_name {
        caps.push(Capability::Fqdn {
            host_name: truncate(host, 64),
            domain_name: truncate(cfg.domain_name.as_deref().unwrap_or(""), 64),
        });
    }
    if c.software_version {
        caps.push(Capability::SoftwareVersion(format!(
            "ExaBGP/{}",
            settings.release()
        )));
    }
    Open {
        version: 4,
        my_as: u16::try_from(p.local_as).unwrap_or(AS_TRANS),
        hold_time: cfg.hold_time,
        bgp_id: p.router_id,
        capabilities: caps,
    }
}

fn truncate(s: &str, max: usize) -> String {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_string()
}

/// The peer's real ASN: the 4-octet AS capability when the 2-octet field is
/// AS_TRANS (RFC 6793 §4.1), else the 2-octet field.
pub fn peer_asn(open: &Open) -> u32 {
    if open.my_as == AS_TRANS {
        open.asn()
    } else {
        open.my_as as u32
    }
}

/// RFC 4271 §6.2 checks in ExaBGP's order. `local_as` is our effective ASN.
pub fn validate(
    received: &Open,
    peer_as: AsnSetting,
    local_as: u32,
    router_id: Ipv4Addr,
) -> Result<(), Notification> {
    if received.version != 4 {
        return Err(notify::with_text(
            2,
            1,
            Some(&format!("version number: {}", received.version)),
        ));
    }
    let asn = peer_asn(received);
    if let AsnSetting::Asn(expected) = peer_as {
        if asn != expected {
            return Err(notify::with_text(
                2,
                2,
                Some(&format!(
                    "ASN in OPEN ({}) did not match ASN expected ({})",
                    received.my_as, expected
                )),
            ));
        }
    }
    if received.bgp_id == Ipv4Addr::UNSPECIFIED {
        return Err(notify::with_text(
            2,
            3,
            Some("0.0.0.0 is an invalid router_id"),
        ));
    }
    // RFC 6286 §2.1: the BGP Identifier must be unique within an AS.
    if asn == local_as && received.bgp_id == router_id {
        return Err(notify::with_text(
            2,
            3,
            Some(&format!(
                "BGP Identifier collision, same router-id ({}) on both sides of this IBGP session",
                received.bgp_id
            )),
        ));
    }
    if received.hold_time != 0 && received.hold_time < MIN_HOLD_TIME {
        return Err(notify::with_text(
            2,
            6,
            Some(&format!("Hold Time is invalid ({})", received.hold_time)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AsnSetting;
    use std::net::IpAddr;

    fn neighbor() -> NeighborConfig {
        let mut n = NeighborConfig::new(
            IpAddr::from([127, 0, 0, 1]),
            AsnSetting::Asn(1),
            AsnSetting::Asn(1),
        );
        n.families = vec![Family::IPV4_UNICAST];
        n
    }

    fn params() -> OpenParams {
        OpenParams {
            local_as: 1,
            router_id: Ipv4Addr::new(1, 2, 3, 4),
            restarted: true,
        }
    }

    #[test]
    fn default_capabilities_in_exabgp_order() {
        let o = build(&neighbor(), &Settings::default(), &params());
        assert_eq!(o.my_as, 1);
        assert_eq!(o.hold_time, 180);
        assert_eq!(
            o.capabilities,
            vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::FourOctetAs(1),
                Capability::ExtendedMessage
            ]
        );
    }

    #[test]
    fn large_asn_uses_as_trans_and_options_keep_order() {
        let mut n = neighbor();
        n.capability.route_refresh = true;
        n.capability.graceful_restart = Some(120);
        n.capability.add_path = Some(AddPathMode::Both);
        n.capability.software_version = true;
        n.host_name = Some("h".into());
        let mut p = params();
        p.local_as = 4_200_000_000;
        let s = Settings {
            version: Some("5.0.0-0+test".into()),
            ..Settings::default()
        };
        let o = build(&n, &s, &p);
        assert_eq!(o.my_as, AS_TRANS);
        let codes: Vec<u8> = o.capabilities.iter().map(|c| c.code()).collect();
        assert_eq!(codes, vec![1, 65, 69, 64, 2, 70, 6, 73, 75]);
        assert_eq!(
            o.capabilities.last(),
            Some(&Capability::SoftwareVersion("ExaBGP/5.0.0-0+test".into()))
        );
    }

    fn open(asn: u16, id: [u8; 4], hold: u16) -> Open {
        Open {
            version: 4,
            my_as: asn,
            hold_time: hold,
            bgp_id: Ipv4Addr::from(id),
            capabilities: vec![],
        }
    }

    #[test]
    fn validation_codes() {
        let rid = Ipv4Addr::new(1, 2, 3, 4);
        let check = |o: &Open| {
            validate(o, AsnSetting::Asn(1), 1, rid)
                .err()
                .map(|n| (n.code, n.subcode))
        };
        assert_eq!(check(&open(1, [1, 2, 3, 5], 180)), None);
        assert_eq!(check(&open(2, [1, 2, 3, 5], 180)), Some((2, 2)));
        assert_eq!(check(&open(1, [0, 0, 0, 0], 180)), Some((2, 3)));
        assert_eq!(check(&open(1, [1, 2, 3, 4], 180)), Some((2, 3)));
        assert_eq!(check(&open(1, [1, 2, 3, 5], 1)), Some((2, 6)));
        assert_eq!(check(&open(1, [1, 2, 3, 5], 2)), Some((2, 6)));
        assert_eq!(check(&open(1, [1, 2, 3, 5], 0)), None);
        let mut v3 = open(1, [1, 2, 3, 5], 180);
        v3.version = 3;
        assert_eq!(check(&v3), Some((2, 1)));
        // eBGP may reuse our router-id; `auto` accepts any ASN.
        assert!(validate(&open(2, [1, 2, 3, 4], 180), AsnSetting::Auto, 1, rid).is_ok());
    }
}
