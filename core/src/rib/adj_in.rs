//! Adj-RIB-In (RFC 4271 §3.2) as ExaBGP keeps it (reference §9 "Incoming RIB"):
//! the latest announcement per (family, NLRI), removed on withdrawal, cleared
//! when a session comes up. Only `show adj-rib in` reads it: received routes
//! are never re-advertised nor installed.

use crate::wire::attribute::Attributes;
use crate::wire::family::Family;
use crate::wire::nlri::Nlri;
use crate::wire::update::Update;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

/// A received route's attributes and next hop (shared by the NLRI of one UPDATE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub attributes: Arc<Attributes>,
    pub next_hop: Option<IpAddr>,
}

#[derive(Clone, Debug, Default)]
pub struct AdjRibIn {
    routes: HashMap<(Family, Nlri), Received>,
}

impl AdjRibIn {
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    pub fn clear(&mut self) {
        self.routes.clear();
    }

    /// Apply a received UPDATE: withdrawals first, then announcements (an
    /// UPDATE carrying both for one prefix leaves it announced, RFC 4271 §4.3).
    pub fn apply(&mut self, u: &Update) {
        for n in &u.withdrawn {
            self.routes.remove(&(Family::IPV4_UNICAST, n.clone()));
        }
        if let Some(mp) = &u.mp_unreach {
            for n in &mp.nlri {
                self.routes.remove(&(mp.family, n.clone()));
            }
        }
        if u.treat_as_withdraw {
            if let Some(mp) = &u.mp_reach {
                for n in &mp.nlri {
                    self.routes.remove(&(mp.family, n.clone()));
                }
            }
            return;
        }
        if u.announced.is_empty() && u.mp_reach.is_none() {
            return;
        }
        let attributes = Arc::new(u.attributes.clone());
        if !u.announced.is_empty() {
            let next_hop = u.attributes.iter().find_map(|a| match a {
                crate::wire::attribute::Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
                _ => None,
            });
            for n in &u.announced {
                self.routes.insert(
                    (Family::IPV4_UNICAST, n.clone()),
                    Received {
                        attributes: attributes.clone(),
                        next_hop,
                    },
                );
            }
        }
        if let Some(mp) = &u.mp_reach {
            let next_hop = mp.next_hops.first().copied();
            for n in &mp.nlri {
                self.routes.insert(
                    (mp.family, n.clone()),
                    Received {
                        attributes: attributes.clone(),
                        next_hop,
                    },
                );
            }
        }
    }

    /// Every route, in no particular order.
    pub fn routes(&self) -> impl Iterator<Item = (&Family, &Nlri, &Received)> + '_ {
        self.routes.iter().map(|((f, n), r)| (f, n, r))
    }
}
