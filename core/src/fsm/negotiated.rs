//! What two OPENs agree on (RFC 4271 §4.2, RFC 5492 and the capability RFCs),
//! and the [`CodecContext`] the session encodes and decodes with afterwards.

use super::open::peer_asn;
use crate::wire::capability::{AddPathMode, Capability};
use crate::wire::family::Family;
use crate::wire::open::Open;
use crate::wire::{CodecContext, MAX_EXTENDED_MESSAGE, MAX_MESSAGE};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    pub local_as: u32,
    pub peer_as: u32,
    pub local_id: Ipv4Addr,
    pub peer_id: Ipv4Addr,
    /// min(ours, theirs); 0 = no keepalives and no hold timer.
    pub hold_time: u16,
    /// hold_time / 3 whole seconds (0 when hold_time is 0).
    pub keepalive: u16,
    /// Families both sides advertised, in the peer's order (ExaBGP keeps it).
    pub families: Vec<Family>,
    /// Neither side sent a multiprotocol capability: IPv4 unicast is implied
    /// (RFC 4760 §1); ExaBGP then sends a KEEPALIVE instead of End-of-RIB.
    pub implied_ipv4: bool,
    pub asn4: bool,
    pub extended_message: bool,
    pub route_refresh: bool,
    pub enhanced_route_refresh: bool,
    /// Both sides advertised graceful restart.
    pub graceful_restart: bool,
    /// RFC 8950 (family, next-hop AFI) pairs both sides advertised.
    pub extended_next_hop: Vec<(Family, crate::wire::family::Afi)>,
    pub ctx: CodecContext,
}

fn add_path(open: &Open) -> Vec<(Family, AddPathMode)> {
    open.capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::AddPath(v) => Some(v.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn sends(m: AddPathMode) -> bool {
    matches!(m, AddPathMode::Send | AddPathMode::Both)
}

fn receives(m: AddPathMode) -> bool {
    matches!(m, AddPathMode::Receive | AddPathMode::Both)
}

fn has(open: &Open, f: impl Fn(&Capability) -> bool) -> bool {
    open.capabilities.iter().any(f)
}

impl Negotiated {
    pub fn new(sent: &Open, received: &Open) -> Negotiated {
        let mp = |o: &Open| -> Vec<Family> {
            o.capabilities
                .iter()
                .filter_map(|c| match c {
                    Capability::Multiprotocol(f) => Some(*f),
                    _ => None,
                })
                .collect()
        };
        let ours = mp(sent);
        let theirs = mp(received);
        let mut families = Vec::new();
        for f in &theirs {
            if ours.contains(f) && !families.contains(f) {
                families.push(*f);
            }
        }
        let implied_ipv4 = ours.is_empty() && theirs.is_empty();
        if implied_ipv4 {
            families.push(Family::IPV4_UNICAST);
        }
        let asn4 = has(sent, |c| matches!(c, Capability::FourOctetAs(_)))
            && has(received, |c| matches!(c, Capability::FourOctetAs(_)));
        let extended_message = has(sent, |c| matches!(c, Capability::ExtendedMessage))
            && has(received, |c| matches!(c, Capability::ExtendedMessage));
        let enhanced_route_refresh = has(sent, |c| matches!(c, Capability::EnhancedRouteRefresh))
            && has(received, |c| matches!(c, Capability::EnhancedRouteRefresh));
        let rr =
            |c: &Capability| matches!(c, Capability::RouteRefresh | Capability::CiscoRouteRefresh);
        let route_refresh = enhanced_route_refresh || (has(sent, rr) && has(received, rr));
        let graceful_restart = has(sent, |c| matches!(c, Capability::GracefulRestart { .. }))
            && has(received, |c| {
                matches!(c, Capability::GracefulRestart { .. })
            });
        let enh = |o: &Open| -> Vec<(Family, crate::wire::family::Afi)> {
            o.capabilities
                .iter()
                .filter_map(|c| match c {
                    Capability::ExtendedNextHop(v) => Some(v.clone()),
                    _ => None,
                })
                .flatten()
                .collect()
        };
        let their_enh = enh(received);
        let extended_next_hop = enh(sent)
            .into_iter()
            .filter(|e| their_enh.contains(e))
            .collect();

        // RFC 7911 §4: we send path ids for a family when we said "send" and the
        // peer said "receive", and expect them when the reverse holds.
        let our_ap = add_path(sent);
        let their_ap = add_path(received);
        let mut add_path_send = BTreeSet::new();
        let mut add_path_receive = BTreeSet::new();
        for (f, m) in &our_ap {
            if let Some((_, pm)) = their_ap.iter().find(|(pf, _)| pf == f) {
                if sends(*m) && receives(*pm) {
                    add_path_send.insert(*f);
                }
                if receives(*m) && sends(*pm) {
                    add_path_receive.insert(*f);
                }
            }
        }

        let hold_time = sent.hold_time.min(received.hold_time);
        let peer_as = peer_asn(received);
        let local_as = sent.asn();
        Negotiated {
            local_as,
            peer_as,
            local_id: sent.bgp_id,
            peer_id: received.bgp_id,
            hold_time,
            keepalive: hold_time / 3,
            families,
            implied_ipv4,
            asn4,
            extended_message,
            route_refresh,
            enhanced_route_refresh,
            graceful_restart,
            extended_next_hop,
            ctx: CodecContext {
                asn4,
                max_message: if extended_message {
                    MAX_EXTENDED_MESSAGE
                } else {
                    MAX_MESSAGE
                },
                add_path_receive,
                add_path_send,
            },
        }
    }

    /// iBGP: both ends in the same AS.
    pub fn is_ibgp(&self) -> bool {
        self.local_as == self.peer_as
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(hold: u16, caps: Vec<Capability>) -> Open {
        Open {
            version: 4,
            my_as: 1,
            hold_time: hold,
            bgp_id: Ipv4Addr::new(1, 1, 1, 1),
            capabilities: caps,
        }
    }

    #[test]
    fn intersection_and_minimums() {
        let a = open(
            180,
            vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::Multiprotocol(Family::IPV6_UNICAST),
                Capability::FourOctetAs(1),
                Capability::AddPath(vec![(Family::IPV4_UNICAST, AddPathMode::Both)]),
                Capability::ExtendedMessage,
            ],
        );
        let b = open(
            90,
            vec![
                Capability::Multiprotocol(Family::IPV6_UNICAST),
                Capability::FourOctetAs(1),
                Capability::AddPath(vec![(Family::IPV4_UNICAST, AddPathMode::Receive)]),
            ],
        );
        let n = Negotiated::new(&a, &b);
        assert_eq!(n.families, vec![Family::IPV6_UNICAST]);
        assert_eq!(n.hold_time, 90);
        assert_eq!(n.keepalive, 30);
        assert!(n.asn4);
        assert!(!n.extended_message);
        assert_eq!(n.ctx.max_message, MAX_MESSAGE);
        assert!(n.ctx.add_path_send.contains(&Family::IPV4_UNICAST));
        assert!(n.ctx.add_path_receive.is_empty());
        assert!(n.is_ibgp());
    }
}
