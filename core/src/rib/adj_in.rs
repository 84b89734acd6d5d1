//! Adj-RIB-In (RFC 4271 §3.2) as ExaBGP keeps it (reference §9 "Incoming RIB"):
//! the latest announcement per (family, NLRI), removed on withdrawal, cleared
//! when a session comes up. Only `show adj-rib in` reads it: received routes
//! are never re-advertised nor installed.
//!
//! It is on by default, so it sits on the receive path of every prefix: keys
//! use the Adj-RIB-Out's compact form (an IPv4/IPv6 prefix inline, labels
//! apart) with its cheap multiply-rotate hasher, and the attributes of one
//! UPDATE are shared by all its prefixes.

use super::out::{to_key, to_nlri, Key, KeyHasher, Labels};
use crate::wire::attribute::Attributes;
use crate::wire::family::Family;
use crate::wire::nlri::Nlri;
use crate::wire::update::Update;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::net::IpAddr;
use std::sync::Arc;

/// A received route's attributes and next hop (one per UPDATE and next hop,
/// shared by its NLRI: an entry is then a key, labels and one pointer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub attributes: Arc<Attributes>,
    pub next_hop: Option<IpAddr>,
}

#[derive(Clone, Debug)]
struct Entry {
    labels: Labels,
    route: Arc<Received>,
}

#[derive(Clone, Debug, Default)]
pub struct AdjRibIn {
    routes: HashMap<(Family, Key), Entry, BuildHasherDefault<KeyHasher>>,
}

impl AdjRibIn {
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub fn clear(&mut self) {
        self.routes = HashMap::default();
    }

    fn remove(&mut self, family: Family, n: &Nlri) {
        let (key, _) = to_key(n.clone());
        self.routes.remove(&(family, key));
    }

    fn insert(&mut self, family: Family, n: &Nlri, route: &Arc<Received>) {
        let (key, labels) = to_key(n.clone());
        self.routes.insert(
            (family, key),
            Entry {
                labels,
                route: route.clone(),
            },
        );
    }

    /// Apply a received UPDATE: withdrawals first, then announcements (an
    /// UPDATE carrying both for one prefix leaves it announced, RFC 4271 §4.3).
    pub fn apply(&mut self, u: &Update) {
        for n in &u.withdrawn {
            self.remove(Family::IPV4_UNICAST, n);
        }
        if let Some(mp) = &u.mp_unreach {
            for n in &mp.nlri {
                self.remove(mp.family, n);
            }
        }
        if u.treat_as_withdraw {
            if let Some(mp) = &u.mp_reach {
                for n in &mp.nlri {
                    self.remove(mp.family, n);
                }
            }
            return;
        }
        let reach = u.mp_reach.as_ref().map_or(0, |m| m.nlri.len());
        if u.announced.is_empty() && reach == 0 {
            return;
        }
        self.routes.reserve(u.announced.len() + reach);
        if !u.announced.is_empty() {
            let next_hop = u.attributes.iter().find_map(|a| match a {
                crate::wire::attribute::Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
                _ => None,
            });
            let r = Arc::new(Received {
                attributes: Arc::new(u.attributes.clone()),
                next_hop,
            });
            for n in &u.announced {
                self.insert(Family::IPV4_UNICAST, n, &r);
            }
        }
        if let Some(mp) = &u.mp_reach {
            let r = Arc::new(Received {
                attributes: Arc::new(u.attributes.clone()),
                next_hop: mp.next_hops.first().copied(),
            });
            for n in &mp.nlri {
                self.insert(mp.family, n, &r);
            }
        }
    }

    /// Every route, in no particular order.
    pub fn routes(&self) -> impl Iterator<Item = (&Family, Nlri, &Received)> + '_ {
        self.routes
            .iter()
            .map(|((f, k), e)| (f, to_nlri(k, &e.labels), &*e.route))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::nlri::Prefix;
    use crate::wire::update::MpReach;

    fn v4(a: u32, len: u8) -> Nlri {
        Nlri::Prefix {
            prefix: Prefix::V4 { addr: a, len },
            path_id: None,
        }
    }

    #[test]
    fn latest_announce_wins_and_withdraw_removes() {
        let mut rib = AdjRibIn::default();
        let mut u = Update {
            announced: vec![v4(0x0A00_0000, 24), v4(0x0A00_0100, 24)],
            ..Update::default()
        };
        u.attributes
            .0
            .push(crate::wire::attribute::Attribute::NextHop(
                [1, 2, 3, 4].into(),
            ));
        rib.apply(&u);
        assert_eq!(rib.len(), 2);
        let w = Update {
            withdrawn: vec![v4(0x0A00_0000, 24)],
            ..Update::default()
        };
        rib.apply(&w);
        let routes: Vec<_> = rib.routes().collect();
        assert_eq!(routes.len(), 1);
        assert_eq!(routes[0].1, v4(0x0A00_0100, 24));
        assert_eq!(routes[0].2.next_hop, Some("1.2.3.4".parse().unwrap()));
        let mp = Update {
            mp_reach: Some(MpReach {
                family: Family::IPV6_UNICAST,
                next_hops: vec!["::1".parse().unwrap()],
                nlri: vec![Nlri::Prefix {
                    prefix: Prefix::V6 {
                        addr: 1 << 120,
                        len: 8,
                    },
                    path_id: None,
                }],
            }),
            ..Update::default()
        };
        rib.apply(&mp);
        assert_eq!(rib.len(), 2);
        rib.clear();
        assert!(rib.is_empty());
    }
}
