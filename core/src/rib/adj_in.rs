//! Adj-RIB-In (RFC 4271 §3.2) as ExaBGP keeps it (reference §9 "Incoming RIB"):
//! the latest announcement per (family, NLRI), removed on withdrawal, cleared
//! when a session comes up. Only `show adj-rib in` reads it: received routes
//! are never re-advertised nor installed.
//!
//! It is on by default, so it sits on the receive path of every prefix. A full
//! table is mostly IPv4 unicast prefixes without path-id: those live in their
//! own table whose bucket is 16 octets (address, length, one pointer) and whose
//! hash keeps neighbouring prefixes in neighbouring buckets (see [`V4Key`]),
//! because a peer sends a table in order and a random bucket per prefix costs
//! a cache and TLB miss each. Every other NLRI uses the Adj-RIB-Out's compact
//! key (an IPv4/IPv6 prefix inline, labels apart). The attributes of one UPDATE
//! are shared by all its prefixes.

use super::out::{to_key, to_nlri, Key, KeyHasher, Labels};
use crate::wire::attribute::{Attribute, Attributes};
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use crate::wire::update::Update;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
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

/// An IPv4 unicast prefix without path-id, the key of the common case.
///
/// Its hash puts the low 6 bits of the network number (the address shifted
/// right by the host bits) in the low bits, which pick the bucket, and a
/// mix of the rest above them: 64 consecutive prefixes of one length fill 64
/// neighbouring buckets (a few cache lines) instead of 64 random pages, while
/// distinct runs of 64 still spread over the whole table (a run is at most 64
/// keys, so a peer cannot pile more than that onto one spot without breaking
/// the mix). The same low bits also go into the top 7 bits, the per-bucket tag
/// the table compares first, so neighbours do not all share one tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct V4Key {
    addr: u32,
    len: u8,
}

impl V4Key {
    fn spread(self) -> u64 {
        let net = match self.len {
            1..=32 => self.addr >> (32 - self.len),
            _ => self.addr,
        };
        let run = u64::from(net & 63);
        let mut x = u64::from(net >> 6) | u64::from(self.len) << 32;
        // splitmix64's finalizer: a bijection whose every output bit depends
        // on every input bit.
        x ^= x >> 30;
        x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^= x >> 31;
        ((x & !63) ^ (run << 57)) | run
    }
}

impl Hash for V4Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.spread());
    }
}

/// Passes [`V4Key::spread`] through unchanged.
#[derive(Default)]
struct SpreadHasher(u64);

impl Hasher for SpreadHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only reached if a key type other than V4Key is used: fold the bytes.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

fn v4_key(family: Family, n: &Nlri) -> Option<V4Key> {
    match n {
        Nlri::Prefix {
            prefix: Prefix::V4 { addr, len },
            path_id: None,
        } if family == Family::IPV4_UNICAST => Some(V4Key {
            addr: *addr,
            len: *len,
        }),
        _ => None,
    }
}

#[derive(Clone, Debug, Default)]
pub struct AdjRibIn {
    /// IPv4 unicast prefixes without path-id.
    v4: HashMap<V4Key, Arc<Received>, BuildHasherDefault<SpreadHasher>>,
    /// Every other NLRI.
    routes: HashMap<(Family, Key), Entry, BuildHasherDefault<KeyHasher>>,
}

impl AdjRibIn {
    pub fn len(&self) -> usize {
        self.v4.len() + self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.routes.is_empty()
    }

    pub fn clear(&mut self) {
        self.v4 = HashMap::default();
        self.routes = HashMap::default();
    }

    fn remove(&mut self, family: Family, n: &Nlri) {
        if let Some(k) = v4_key(family, n) {
            self.v4.remove(&k);
            return;
        }
        let (key, _) = to_key(n.clone());
        self.routes.remove(&(family, key));
    }

    fn insert(&mut self, family: Family, n: &Nlri, route: &Arc<Received>) {
        if let Some(k) = v4_key(family, n) {
            self.v4.insert(k, route.clone());
            return;
        }
        let (key, labels) = to_key(n.clone());
        self.routes.insert(
            (family, key),
            Entry {
                labels,
                route: route.clone(),
            },
        );
    }

    /// Room for `n` more NLRI of `family`.
    fn reserve(&mut self, family: Family, nlri: &[Nlri]) {
        let fast = nlri.first().is_some_and(|n| v4_key(family, n).is_some());
        if fast {
            self.v4.reserve(nlri.len());
        } else {
            self.routes.reserve(nlri.len());
        }
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
        if !u.announced.is_empty() {
            self.reserve(Family::IPV4_UNICAST, &u.announced);
            let next_hop = u.attributes.iter().find_map(|a| match a {
                Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
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
            self.reserve(mp.family, &mp.nlri);
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
        const V4: &Family = &Family::IPV4_UNICAST;
        let v4 = self.v4.iter().map(|(k, r)| {
            let n = Nlri::Prefix {
                prefix: Prefix::V4 {
                    addr: k.addr,
                    len: k.len,
                },
                path_id: None,
            };
            (V4, n, &**r)
        });
        let other = self
            .routes
            .iter()
            .map(|((f, k), e)| (f, to_nlri(k, &e.labels), &*e.route));
        v4.chain(other)
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

    #[test]
    fn neighbouring_prefixes_hash_to_neighbouring_buckets() {
        let k = |addr: u32, len: u8| V4Key { addr, len }.spread();
        // 64 consecutive /24s: one base, consecutive low bits, distinct tags.
        let base = k(0x0A00_0000, 24) & !63;
        let mut tags = std::collections::HashSet::new();
        for i in 0..64u32 {
            let h = k(0x0A00_0000 + (i << 8), 24);
            assert_eq!(h & 63, u64::from(i));
            assert_eq!(h & !63 & ((1 << 57) - 1), base & ((1 << 57) - 1));
            tags.insert(h >> 57);
        }
        assert_eq!(tags.len(), 64);
        // The next run, and the same network at another length, land elsewhere.
        assert_ne!(k(0x0A00_4000, 24) & 0xFFFF_FFC0, base & 0xFFFF_FFC0);
        assert_ne!(k(0x0A00_0000, 16) & 0xFFFF_FFC0, base & 0xFFFF_FFC0);
        // Lengths the wire cannot carry still hash (to something).
        let _ = k(1, 0) ^ k(1, 33) ^ k(1, 255);
    }

    #[test]
    fn other_families_and_path_ids_are_kept_apart_from_plain_ipv4() {
        let mut rib = AdjRibIn::default();
        let with_id = Nlri::Prefix {
            prefix: Prefix::V4 {
                addr: 0x0A00_0000,
                len: 24,
            },
            path_id: Some(7),
        };
        let u = Update {
            announced: vec![v4(0x0A00_0000, 24), with_id.clone()],
            mp_reach: Some(MpReach {
                family: Family::new(
                    crate::wire::family::Afi::IPV4,
                    crate::wire::family::Safi::MULTICAST,
                ),
                next_hops: vec!["10.0.0.9".parse().unwrap()],
                nlri: vec![v4(0x0A00_0000, 24)],
            }),
            ..Update::default()
        };
        rib.apply(&u);
        assert_eq!(rib.len(), 3);
        let mut seen: Vec<_> = rib
            .routes()
            .map(|(f, n, r)| (f.to_string(), n, r.next_hop))
            .collect();
        seen.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        assert_eq!(
            seen,
            vec![
                (
                    "ipv4 multicast".to_string(),
                    v4(0x0A00_0000, 24),
                    Some("10.0.0.9".parse().unwrap())
                ),
                ("ipv4 unicast".to_string(), v4(0x0A00_0000, 24), None),
                ("ipv4 unicast".to_string(), with_id.clone(), None),
            ]
        );
        rib.apply(&Update {
            withdrawn: vec![v4(0x0A00_0000, 24)],
            ..Update::default()
        });
        let left: Vec<_> = rib.routes().map(|(_, n, _)| n).collect();
        assert_eq!(left.len(), 2);
        assert!(left.contains(&with_id));
    }

    /// One UPDATE of the property test: withdrawn then announced IPv4
    /// prefixes (small address space so that they collide), next hop `nh`.
    #[derive(Clone, Debug)]
    struct Step {
        withdrawn: Vec<(u16, u8)>,
        announced: Vec<(u16, u8)>,
        nh: u8,
    }

    impl quickcheck::Arbitrary for Step {
        fn arbitrary(g: &mut quickcheck::Gen) -> Self {
            let mut p = || {
                let v: Vec<(u16, u8)> = quickcheck::Arbitrary::arbitrary(g);
                v
            };
            let withdrawn = p();
            let announced = p();
            Step {
                withdrawn,
                announced,
                nh: quickcheck::Arbitrary::arbitrary(g),
            }
        }
    }

    fn prefix_of((a, l): (u16, u8)) -> Nlri {
        let len = 16 + l % 17;
        let addr = (u32::from(a) << 16) & (u32::MAX << (32 - u32::from(len)));
        v4(addr, len)
    }

    quickcheck::quickcheck! {
        /// The RIB holds exactly what a plain map model of "latest
        /// announcement wins, withdrawal removes" holds.
        fn matches_a_map_model(steps: Vec<Step>) -> bool {
            let mut rib = AdjRibIn::default();
            let mut model = std::collections::BTreeMap::new();
            for s in &steps {
                let mut u = Update {
                    withdrawn: s.withdrawn.iter().map(|p| prefix_of(*p)).collect(),
                    announced: s.announced.iter().map(|p| prefix_of(*p)).collect(),
                    ..Update::default()
                };
                let nh = std::net::Ipv4Addr::new(10, 0, 0, s.nh);
                u.attributes.0.push(crate::wire::attribute::Attribute::NextHop(nh));
                rib.apply(&u);
                for n in &u.withdrawn {
                    model.remove(&format!("{n:?}"));
                }
                for n in &u.announced {
                    model.insert(format!("{n:?}"), IpAddr::V4(nh));
                }
            }
            let got: std::collections::BTreeMap<_, _> = rib
                .routes()
                .map(|(_, n, r)| (format!("{n:?}"), r.next_hop.unwrap_or(IpAddr::V4(0.into()))))
                .collect();
            rib.len() == model.len() && got == model
        }
    }
}
