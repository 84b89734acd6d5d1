//! Adj-RIB-In (RFC 4271 §3.2) as ExaBGP keeps it (reference §9 "Incoming RIB"):
//! the latest announcement per (family, NLRI), removed on withdrawal, cleared
//! when a session comes up. Only `show adj-rib in` reads it: received routes
//! are never re-advertised nor installed.
//!
//! It is on by default, so it sits on the receive path of every prefix. A full
//! table is mostly IPv4 unicast prefixes without path-id: those live in
//! [`V4Table`], 8 octets per entry (address, length and the number of the
//! UPDATE's attribute set packed in one word) under a hash that keeps
//! neighbouring prefixes in neighbouring buckets, because a peer sends a table
//! in order and a random bucket per prefix costs a cache and TLB miss each.
//! Every other NLRI uses the Adj-RIB-Out's compact key (an IPv4/IPv6 prefix
//! inline, labels apart). The attributes of one UPDATE are shared by all its
//! prefixes.

use super::neighbour_hash::{network, spread};
use super::out::{to_key, to_nlri, Key, KeyHasher, Labels};
use crate::wire::attribute::{Attribute, Attributes};
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use crate::wire::update::Update;
use std::collections::{HashMap, HashSet};
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

/// Attribute sets numbered for [`V4Table`] entries, with the number of
/// entries using each (a set is dropped with its last entry).
#[derive(Clone, Debug, Default)]
struct Sets {
    slots: Vec<(Option<Arc<Received>>, u32)>,
    free: Vec<u32>,
}

impl Sets {
    /// Number `r`, or None when `limit` numbers are in use.
    fn add(&mut self, r: &Arc<Received>, limit: u32) -> Option<u32> {
        if let Some(id) = self.free.pop() {
            if let Some(s) = self.slots.get_mut(id as usize) {
                *s = (Some(r.clone()), 0);
                return Some(id);
            }
        }
        let id = u32::try_from(self.slots.len())
            .ok()
            .filter(|id| *id < limit)?;
        self.slots.push((Some(r.clone()), 0));
        Some(id)
    }

    fn get(&self, id: u32) -> Option<&Received> {
        self.slots.get(id as usize)?.0.as_deref()
    }

    fn hold(&mut self, id: u32) {
        if let Some(s) = self.slots.get_mut(id as usize) {
            s.1 += 1;
        }
    }

    fn release(&mut self, id: u32) {
        if let Some(s) = self.slots.get_mut(id as usize) {
            s.1 = s.1.saturating_sub(1);
            if s.1 == 0 && s.0.is_some() {
                s.0 = None;
                self.free.push(id);
            }
        }
    }
}

/// Attribute-set numbers fit in 24 bits of a [`V4Entry`].
const MAX_SETS: u32 = 1 << 24;

/// An IPv4 unicast prefix without path-id and its attribute-set number,
/// packed as `addr << 32 | len << 24 | set`. Equality and hash look at the
/// prefix only, so a set replaces the entry with a new set number.
///
/// Hashed by [`super::neighbour_hash`]: consecutive prefixes land in
/// neighbouring buckets.
#[derive(Clone, Copy, Debug)]
struct V4Entry(u64);

impl V4Entry {
    fn new(addr: u32, len: u8, set: u32) -> Self {
        V4Entry(u64::from(addr) << 32 | u64::from(len) << 24 | u64::from(set & (MAX_SETS - 1)))
    }
    fn addr(self) -> u32 {
        (self.0 >> 32) as u32
    }
    fn len(self) -> u8 {
        (self.0 >> 24) as u8
    }
    fn set(self) -> u32 {
        (self.0 & u64::from(MAX_SETS - 1)) as u32
    }

    fn spread(self) -> u64 {
        let (addr, len) = (self.addr(), self.len());
        let net = network(addr, len);
        spread(u64::from(net), u64::from(net >> 6) | u64::from(len) << 32)
    }
}

impl PartialEq for V4Entry {
    fn eq(&self, other: &Self) -> bool {
        self.0 >> 24 == other.0 >> 24
    }
}

impl Eq for V4Entry {}

impl Hash for V4Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.spread());
    }
}

/// Passes [`V4Entry::spread`] through unchanged.
#[derive(Default)]
struct SpreadHasher(u64);

impl Hasher for SpreadHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only reached if a key type other than V4Entry is used: fold the bytes.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
}

type V4Shard = HashSet<V4Entry, BuildHasherDefault<SpreadHasher>>;

/// Past this many entries the table splits into [`SHARDS`] tables.
const SPLIT_AT: usize = 16 * 1024;
/// Shards of a large table, chosen by bits 40.. of the hash (a table of one
/// shard never uses them to pick a bucket). Each grows on its own: growing
/// rehashes a small, cache-resident table, and the memory a grown shard frees
/// is reused by the next, so a big table never holds two copies of itself.
const SHARDS: usize = 256;

/// The IPv4 unicast prefixes without path-id: one hash set, split into
/// [`SHARDS`] when large (a session with a few routes keeps one small set).
#[derive(Clone, Debug, Default)]
struct V4Table {
    shards: Vec<V4Shard>,
    len: usize,
}

impl V4Table {
    fn shard(&self, e: V4Entry) -> usize {
        (e.spread() >> 40) as usize & (self.shards.len().max(1) - 1)
    }

    fn get_mut(&mut self, e: V4Entry) -> &mut V4Shard {
        if self.shards.is_empty() {
            self.shards.push(V4Shard::default());
        }
        let i = self.shard(e);
        let n = self.shards.len();
        // `shard` is below the count: the index is in range.
        &mut self.shards[i.min(n - 1)]
    }

    /// Replace or add; the entry it replaced, if any.
    fn replace(&mut self, e: V4Entry) -> Option<V4Entry> {
        if self.shards.len() == 1 && self.len >= SPLIT_AT {
            self.split();
        }
        let old = self.get_mut(e).replace(e);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    fn take(&mut self, e: V4Entry) -> Option<V4Entry> {
        if self.shards.is_empty() {
            return None;
        }
        let old = self.get_mut(e).take(&e);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    fn reserve(&mut self, n: usize) {
        if self.shards.len() == 1 && self.len + n < SPLIT_AT {
            self.shards[0].reserve(n);
        }
    }

    fn split(&mut self) {
        let one = std::mem::take(&mut self.shards);
        self.shards = (0..SHARDS).map(|_| V4Shard::default()).collect();
        for e in one.into_iter().flatten() {
            let i = self.shard(e);
            if let Some(s) = self.shards.get_mut(i) {
                s.insert(e);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = V4Entry> + '_ {
        self.shards.iter().flat_map(|s| s.iter().copied())
    }
}

fn v4_entry(family: Family, n: &Nlri, set: u32) -> Option<V4Entry> {
    match n {
        Nlri::Prefix {
            prefix: Prefix::V4 { addr, len },
            path_id: None,
        } if family == Family::IPV4_UNICAST => Some(V4Entry::new(*addr, *len, set)),
        _ => None,
    }
}

#[derive(Clone, Debug)]
pub struct AdjRibIn {
    /// IPv4 unicast prefixes without path-id.
    v4: V4Table,
    /// The attribute sets `v4` entries refer to.
    sets: Sets,
    /// How many set numbers `v4` may use (24 bits; lowered by tests). When
    /// they run out, IPv4 prefixes go to `routes` until the next `clear`
    /// (`spilled`), and a prefix is then looked up in both.
    max_sets: u32,
    spilled: bool,
    /// Every other NLRI.
    routes: HashMap<(Family, Key), Entry, BuildHasherDefault<KeyHasher>>,
}

impl Default for AdjRibIn {
    fn default() -> Self {
        AdjRibIn {
            v4: V4Table::default(),
            sets: Sets::default(),
            max_sets: MAX_SETS,
            spilled: false,
            routes: HashMap::default(),
        }
    }
}

impl AdjRibIn {
    pub fn len(&self) -> usize {
        self.v4.len + self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn clear(&mut self) {
        *self = AdjRibIn {
            max_sets: self.max_sets,
            ..AdjRibIn::default()
        };
    }

    fn remove(&mut self, family: Family, n: &Nlri) {
        if let Some(e) = v4_entry(family, n, 0) {
            if let Some(old) = self.v4.take(e) {
                self.sets.release(old.set());
            }
            if !self.spilled {
                return;
            }
        }
        let (key, _) = to_key(n.clone());
        self.routes.remove(&(family, key));
    }

    /// Add `n` with attribute set `set` (the number of `route`, if it has one).
    fn insert(&mut self, family: Family, n: &Nlri, route: &Arc<Received>, set: Option<u32>) {
        if let Some(set) = set {
            if let Some(e) = v4_entry(family, n, set) {
                self.sets.hold(set);
                if let Some(old) = self.v4.replace(e) {
                    self.sets.release(old.set());
                }
                if self.spilled {
                    let (key, _) = to_key(n.clone());
                    self.routes.remove(&(family, key));
                }
                return;
            }
        } else if self.spilled {
            if let Some(e) = v4_entry(family, n, 0) {
                if let Some(old) = self.v4.take(e) {
                    self.sets.release(old.set());
                }
            }
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

    /// Number `r` for the IPv4 table when `nlri` has such prefixes (else
    /// None; None also once numbers run out, which spills to `routes`).
    fn number(&mut self, family: Family, nlri: &[Nlri], r: &Arc<Received>) -> Option<u32> {
        let fast = nlri.iter().any(|n| v4_entry(family, n, 0).is_some());
        if !fast {
            self.routes.reserve(nlri.len());
            return None;
        }
        self.v4.reserve(nlri.len());
        let set = self.sets.add(r, self.max_sets);
        if set.is_none() {
            self.spilled = true;
        }
        set
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
        if !u.announced.is_empty() {
            let next_hop = u.attributes.iter().find_map(|a| match a {
                Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
                _ => None,
            });
            let r = Arc::new(Received {
                attributes: Arc::new(u.attributes.clone()),
                next_hop,
            });
            let set = self.number(Family::IPV4_UNICAST, &u.announced, &r);
            for n in &u.announced {
                self.insert(Family::IPV4_UNICAST, n, &r, set);
            }
        }
        if let Some(mp) = &u.mp_reach {
            if !mp.nlri.is_empty() {
                let r = Arc::new(Received {
                    attributes: Arc::new(u.attributes.clone()),
                    next_hop: mp.next_hops.first().copied(),
                });
                let set = self.number(mp.family, &mp.nlri, &r);
                for n in &mp.nlri {
                    self.insert(mp.family, n, &r, set);
                }
            }
        }
    }

    /// Every route, in no particular order.
    pub fn routes(&self) -> impl Iterator<Item = (&Family, Nlri, &Received)> + '_ {
        const V4: &Family = &Family::IPV4_UNICAST;
        let v4 = self.v4.iter().filter_map(|e| {
            let n = Nlri::Prefix {
                prefix: Prefix::V4 {
                    addr: e.addr(),
                    len: e.len(),
                },
                path_id: None,
            };
            Some((V4, n, self.sets.get(e.set())?))
        });
        let other = self
            .routes
            .iter()
            .map(|((f, k), e)| (f, to_nlri(k, e.labels.as_deref()), &*e.route));
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
        let k = |addr: u32, len: u8| V4Entry::new(addr, len, 0).spread();
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

    /// Replay `steps` on a RIB allowed `max_sets` attribute-set numbers and
    /// on a plain map model of "latest announcement wins, withdrawal
    /// removes"; true when they hold the same routes.
    fn same_as_model(steps: &[Step], max_sets: u32) -> bool {
        let mut rib = AdjRibIn {
            max_sets,
            ..AdjRibIn::default()
        };
        let mut model = std::collections::BTreeMap::new();
        for s in steps {
            let mut u = Update {
                withdrawn: s.withdrawn.iter().map(|p| prefix_of(*p)).collect(),
                announced: s.announced.iter().map(|p| prefix_of(*p)).collect(),
                ..Update::default()
            };
            let nh = std::net::Ipv4Addr::new(10, 0, 0, s.nh);
            u.attributes.0.push(Attribute::NextHop(nh));
            rib.apply(&u);
            for n in &u.withdrawn {
                model.remove(&format!("{n:?}"));
            }
            for n in &u.announced {
                model.insert(format!("{n:?}"), IpAddr::V4(nh));
            }
        }
        let got: Vec<_> = rib
            .routes()
            .map(|(_, n, r)| (format!("{n:?}"), r.next_hop.unwrap_or(IpAddr::V4(0.into()))))
            .collect();
        let listed = got.len();
        let got: std::collections::BTreeMap<_, _> = got.into_iter().collect();
        rib.len() == model.len() && listed == model.len() && got == model
    }

    quickcheck::quickcheck! {
        fn matches_a_map_model(steps: Vec<Step>) -> bool {
            same_as_model(&steps, MAX_SETS)
        }

        /// Out of set numbers, prefixes spill to the general table and are
        /// still found, replaced and withdrawn across both.
        fn matches_a_map_model_when_set_numbers_run_out(steps: Vec<Step>) -> bool {
            same_as_model(&steps, 2)
        }
    }

    #[test]
    fn a_large_table_splits_and_keeps_every_route() {
        let mut rib = AdjRibIn::default();
        let mut u = Update::default();
        u.attributes.0.push(Attribute::NextHop([1, 2, 3, 4].into()));
        for chunk in 0..40u32 {
            u.announced = (0..1000).map(|i| v4((chunk * 1000 + i) << 8, 24)).collect();
            rib.apply(&u);
        }
        assert_eq!(rib.v4.shards.len(), SHARDS);
        assert_eq!(rib.len(), 40_000);
        assert_eq!(rib.routes().count(), 40_000);
        // The first UPDATE's set is gone once all its prefixes are replaced.
        u.announced = (0..1000).map(|i| v4(i << 8, 24)).collect();
        rib.apply(&u);
        assert_eq!(rib.sets.free, vec![0]);
        assert_eq!(rib.len(), 40_000);
        let w = Update {
            withdrawn: (0..40_000).map(|i| v4(i << 8, 24)).collect(),
            ..Update::default()
        };
        rib.apply(&w);
        assert!(rib.is_empty());
        assert_eq!(rib.routes().count(), 0);
        assert_eq!(rib.sets.free.len(), rib.sets.slots.len());
    }
}
