//! Adj-RIB-Out (RFC 4271 §3.2) with ExaBGP's semantics (reference §9):
//!
//! * Routes are keyed by (family, NLRI): prefix + path id + RD; MPLS labels are
//!   not part of the key. The latest change per key wins.
//! * With `adj-rib-out` on, the RIB remembers the latest announcement of every
//!   key: an identical re-announcement is suppressed, and everything is re-sent
//!   when a session comes up again. With it off, a route is only held until it
//!   has been sent once.
//! * Pending changes are dropped when a session goes down; the first batch
//!   after a session comes up carries no withdrawals.
//!
//! Storage is a slab of slots (no per-route heap objects beyond the NLRI's own)
//! with a hash index for lookups only; iteration follows slot order, so output
//! order is deterministic.

use super::attrs::{AttrId, AttrTable, RouteAttributes};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{Label, Nlri, Prefix};
use smallvec::SmallVec;
use std::collections::HashMap;

/// A route's identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RouteKey {
    pub family: Family,
    /// The NLRI with its labels removed.
    pub nlri: Nlri,
}

/// What is announced for a key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    attr: AttrId,
    labels: SmallVec<[Label; 1]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Queued {
    Announce,
    Withdraw,
}

#[derive(Clone, Debug)]
struct Slot {
    key: RouteKey,
    /// The latest announcement (kept after sending only with adj-rib-out on).
    entry: Option<Entry>,
    queued: Option<Queued>,
}

/// Announcements of one attribute set, per family in first-queued order.
type FamilyGroups = Vec<(Family, Vec<Nlri>)>;

/// Changes ready to be packed into UPDATEs for one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Batch {
    /// Withdrawals of one family, in ExaBGP's NLRI order.
    Withdraw { family: Family, nlri: Vec<Nlri> },
    /// Announcements of one family sharing one attribute set.
    Announce {
        family: Family,
        attr: AttrId,
        nlri: Vec<Nlri>,
    },
}

pub struct AdjRibOut {
    /// `adj-rib-out` setting: remember what was sent.
    cache: bool,
    attrs: AttrTable,
    slots: Vec<Option<Slot>>,
    free: Vec<u32>,
    index: HashMap<RouteKey, u32>,
    /// Slots with a queued change, in the order they were first queued.
    queue: Vec<u32>,
}

fn split_labels(nlri: Nlri) -> (Nlri, SmallVec<[Label; 1]>) {
    match nlri {
        Nlri::Labeled {
            prefix,
            labels,
            rd,
            path_id,
        } => (
            Nlri::Labeled {
                prefix,
                labels: SmallVec::new(),
                rd,
                path_id,
            },
            labels,
        ),
        other => (other, SmallVec::new()),
    }
}

fn with_labels(nlri: &Nlri, l: &SmallVec<[Label; 1]>) -> Nlri {
    match nlri {
        Nlri::Labeled {
            prefix,
            rd,
            path_id,
            ..
        } => Nlri::Labeled {
            prefix: *prefix,
            labels: l.clone(),
            rd: *rd,
            path_id: *path_id,
        },
        other => other.clone(),
    }
}

/// ExaBGP sorts the NLRI of one UPDATE by their index: path id, then the packed
/// prefix (length octet first, then the address octets).
fn order_key(n: &Nlri) -> (Option<u32>, u8, Vec<u8>) {
    fn addr(p: &Prefix) -> Vec<u8> {
        match *p {
            Prefix::V4 { addr, .. } => addr.to_be_bytes().to_vec(),
            Prefix::V6 { addr, .. } => addr.to_be_bytes().to_vec(),
        }
    }
    match n {
        Nlri::Prefix { prefix, path_id } => (*path_id, prefix.len(), addr(prefix)),
        Nlri::Labeled {
            prefix,
            rd,
            path_id,
            ..
        } => {
            let mut k = rd.map(|r| r.0.to_vec()).unwrap_or_default();
            k.extend(addr(prefix));
            (*path_id, prefix.len(), k)
        }
        Nlri::Raw { data, .. } => (None, 0, data.to_vec()),
    }
}

pub fn sort_nlri(v: &mut [Nlri]) {
    v.sort_by_cached_key(order_key);
}

/// Families whose NLRI ExaBGP packs several to an UPDATE with `group-updates`.
pub fn groupable(f: Family) -> bool {
    f == Family::IPV4_UNICAST
        || f == Family::new(Afi::IPV4, Safi::MCAST_VPN)
        || f == Family::new(Afi::IPV6, Safi::MCAST_VPN)
}

impl AdjRibOut {
    pub fn new(cache: bool) -> Self {
        AdjRibOut {
            cache,
            attrs: AttrTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            index: HashMap::new(),
            queue: Vec::new(),
        }
    }

    pub fn attributes(&self, id: AttrId) -> &RouteAttributes {
        self.attrs.get(id)
    }

    /// Number of keys held (announced or queued).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Something waits to be sent.
    pub fn pending(&self) -> bool {
        !self.queue.is_empty()
    }

    fn slot_for(&mut self, key: RouteKey) -> u32 {
        if let Some(i) = self.index.get(&key) {
            return *i;
        }
        let slot = Slot {
            key: key.clone(),
            entry: None,
            queued: None,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(key, i);
        i
    }

    fn enqueue(&mut self, i: u32, q: Queued) {
        if let Some(Some(s)) = self.slots.get_mut(i as usize) {
            if s.queued.is_none() {
                self.queue.push(i);
            }
            s.queued = Some(q);
        }
    }

    fn release_if_unused(&mut self, i: u32) {
        let unused = matches!(
            self.slots.get(i as usize),
            Some(Some(s)) if s.entry.is_none() && s.queued.is_none()
        );
        if unused {
            if let Some(s) = self.slots[i as usize].take() {
                self.index.remove(&s.key);
                self.free.push(i);
            }
        }
    }

    /// Queue an announcement. Returns false when it was suppressed as a
    /// duplicate of the announcement already held (adj-rib-out on).
    pub fn announce(&mut self, family: Family, nlri: Nlri, attrs: RouteAttributes) -> bool {
        let attr = self.attrs.intern(attrs);
        let (nlri, labels) = split_labels(nlri);
        let entry = Entry { attr, labels };
        let i = self.slot_for(RouteKey { family, nlri });
        let slot = self.slots[i as usize].as_mut().expect("slot just made");
        if self.cache
            && slot.entry.as_ref() == Some(&entry)
            && slot.queued != Some(Queued::Withdraw)
        {
            return false;
        }
        slot.entry = Some(entry);
        self.enqueue(i, Queued::Announce);
        true
    }

    /// Queue a withdrawal. ExaBGP sends it even for a key it never announced.
    pub fn withdraw(&mut self, family: Family, nlri: Nlri) {
        let (nlri, _) = split_labels(nlri);
        let i = self.slot_for(RouteKey { family, nlri });
        if let Some(Some(s)) = self.slots.get_mut(i as usize) {
            s.entry = None;
        }
        self.enqueue(i, Queued::Withdraw);
    }

    /// Forget every route (`clear adj-rib out`); nothing is sent.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.index.clear();
        self.queue.clear();
    }

    /// The session went down: pending changes are dropped; with adj-rib-out on
    /// the announcements stay, to be re-sent on the next establishment.
    pub fn session_down(&mut self) {
        let queue = std::mem::take(&mut self.queue);
        for i in queue {
            if let Some(Some(s)) = self.slots.get_mut(i as usize) {
                s.queued = None;
                if !self.cache {
                    s.entry = None;
                }
            }
            self.release_if_unused(i);
        }
    }

    /// The session came up: queue every held announcement again (slot order),
    /// keeping announcements queued while it was down.
    pub fn session_up(&mut self) {
        for i in 0..self.slots.len() as u32 {
            let has_entry = matches!(&self.slots[i as usize], Some(s) if s.entry.is_some());
            if has_entry {
                self.enqueue(i, Queued::Announce);
            }
        }
    }

    /// Every announcement held, in slot order (`show adj-rib out`).
    pub fn routes(&self) -> impl Iterator<Item = (Family, Nlri, &RouteAttributes)> + '_ {
        self.slots.iter().flatten().filter_map(move |s| {
            s.entry.as_ref().map(|e| {
                (
                    s.key.family,
                    with_labels(&s.key.nlri, &e.labels),
                    self.attrs.get(e.attr),
                )
            })
        })
    }

    /// Every held announcement of `family` as batches (route refresh, RFC 2918
    /// §4), leaving the queue alone.
    pub fn resend_batches(&self, family: Family, group_updates: bool) -> Vec<Batch> {
        let mut groups: Vec<(AttrId, Vec<Nlri>)> = Vec::new();
        let mut at: HashMap<AttrId, usize> = HashMap::new();
        for s in self.slots.iter().flatten() {
            if s.key.family != family {
                continue;
            }
            let Some(e) = &s.entry else { continue };
            let k = *at.entry(e.attr).or_insert_with(|| {
                groups.push((e.attr, Vec::new()));
                groups.len() - 1
            });
            groups[k].1.push(with_labels(&s.key.nlri, &e.labels));
        }
        let mut out = Vec::new();
        for (attr, mut nlri) in groups {
            if group_updates && groupable(family) {
                sort_nlri(&mut nlri);
                out.push(Batch::Announce { family, attr, nlri });
            } else {
                out.extend(nlri.into_iter().map(|n| Batch::Announce {
                    family,
                    attr,
                    nlri: vec![n],
                }));
            }
        }
        out
    }

    /// Take the queued changes as batches: withdrawals first (per family, in
    /// first-queued order; dropped when `include_withdraw` is false), then
    /// announcements grouped by attribute set then family in first-queued
    /// order. With `group_updates`, IPv4 unicast and MVPN NLRI sharing an
    /// attribute set form one batch; every other NLRI gets its own.
    pub fn drain(&mut self, include_withdraw: bool, group_updates: bool) -> Vec<Batch> {
        let queue = std::mem::take(&mut self.queue);
        let mut withdraws: Vec<(Family, Vec<Nlri>)> = Vec::new();
        let mut wd_index: HashMap<Family, usize> = HashMap::new();
        // Attribute sets in first-queued order, then families within each.
        let mut groups: Vec<(AttrId, FamilyGroups)> = Vec::new();
        let mut group_index: HashMap<AttrId, usize> = HashMap::new();
        for &i in &queue {
            let Some(Some(s)) = self.slots.get_mut(i as usize) else {
                continue;
            };
            let Some(q) = s.queued.take() else { continue };
            let family = s.key.family;
            match q {
                Queued::Withdraw => {
                    if include_withdraw {
                        let at = *wd_index.entry(family).or_insert_with(|| {
                            withdraws.push((family, Vec::new()));
                            withdraws.len() - 1
                        });
                        withdraws[at].1.push(s.key.nlri.clone());
                    }
                }
                Queued::Announce => {
                    let Some(e) = &s.entry else { continue };
                    let nlri = with_labels(&s.key.nlri, &e.labels);
                    let at = *group_index.entry(e.attr).or_insert_with(|| {
                        groups.push((e.attr, Vec::new()));
                        groups.len() - 1
                    });
                    let fams = &mut groups[at].1;
                    match fams.iter_mut().find(|(f, _)| *f == family) {
                        Some((_, v)) => v.push(nlri),
                        None => fams.push((family, vec![nlri])),
                    }
                    if !self.cache {
                        s.entry = None;
                    }
                }
            }
        }
        for i in queue {
            self.release_if_unused(i);
        }
        let mut out = Vec::new();
        for (family, mut nlri) in withdraws {
            sort_nlri(&mut nlri);
            if group_updates && groupable(family) {
                out.push(Batch::Withdraw { family, nlri });
            } else {
                out.extend(nlri.into_iter().map(|n| Batch::Withdraw {
                    family,
                    nlri: vec![n],
                }));
            }
        }
        for (attr, fams) in groups {
            for (family, mut nlri) in fams {
                if group_updates && groupable(family) {
                    sort_nlri(&mut nlri);
                    out.push(Batch::Announce { family, attr, nlri });
                } else {
                    out.extend(nlri.into_iter().map(|n| Batch::Announce {
                        family,
                        attr,
                        nlri: vec![n],
                    }));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NextHop;
    use crate::wire::attribute::{Attribute, Attributes};
    use std::net::IpAddr;

    fn p4(s: &str, len: u8) -> Nlri {
        Nlri::prefix(Prefix::new(s.parse::<IpAddr>().unwrap(), len).unwrap())
    }

    fn attrs(med: u32) -> RouteAttributes {
        let mut a = Attributes::new();
        a.set(Attribute::Med(med));
        RouteAttributes {
            attributes: a,
            next_hop: NextHop::Ip("1.1.1.1".parse().unwrap()),
        }
    }

    const V4: Family = Family::IPV4_UNICAST;
    const V6: Family = Family::IPV6_UNICAST;

    #[test]
    fn grouping_and_order() {
        let mut rib = AdjRibOut::new(true);
        rib.announce(V4, p4("10.0.2.0", 24), attrs(1));
        rib.announce(V4, p4("10.0.1.0", 24), attrs(2));
        rib.announce(V4, p4("10.0.0.0", 24), attrs(1));
        rib.announce(V6, p4("2001:db8::", 32), attrs(1));
        rib.announce(V6, p4("2001:db8:1::", 48), attrs(1));
        let b = rib.drain(true, true);
        let a1 = AttrId(0);
        let a2 = AttrId(1);
        assert_eq!(
            b,
            vec![
                Batch::Announce {
                    family: V4,
                    attr: a1,
                    nlri: vec![p4("10.0.0.0", 24), p4("10.0.2.0", 24)]
                },
                Batch::Announce {
                    family: V6,
                    attr: a1,
                    nlri: vec![p4("2001:db8::", 32)]
                },
                Batch::Announce {
                    family: V6,
                    attr: a1,
                    nlri: vec![p4("2001:db8:1::", 48)]
                },
                Batch::Announce {
                    family: V4,
                    attr: a2,
                    nlri: vec![p4("10.0.1.0", 24)]
                },
            ]
        );
        assert!(!rib.pending());
        // group-updates false: one NLRI per batch.
        rib.session_up();
        let b = rib.drain(true, false);
        assert_eq!(b.len(), 5);
    }

    #[test]
    fn duplicates_suppressed_latest_wins_withdraw_first() {
        let mut rib = AdjRibOut::new(true);
        assert!(rib.announce(V4, p4("10.0.0.0", 24), attrs(1)));
        rib.drain(true, true);
        assert!(!rib.announce(V4, p4("10.0.0.0", 24), attrs(1)));
        assert!(!rib.pending());
        assert!(rib.announce(V4, p4("10.0.0.0", 24), attrs(2)));
        assert!(rib.announce(V4, p4("10.0.0.0", 24), attrs(3)));
        rib.withdraw(V4, p4("10.9.0.0", 16));
        let b = rib.drain(true, true);
        assert_eq!(
            b,
            vec![
                Batch::Withdraw {
                    family: V4,
                    nlri: vec![p4("10.9.0.0", 16)]
                },
                Batch::Announce {
                    family: V4,
                    attr: AttrId(2),
                    nlri: vec![p4("10.0.0.0", 24)]
                },
            ]
        );
        // Withdrawn keys leave the RIB.
        assert_eq!(rib.len(), 1);
        // A withdraw queued before the first batch is dropped from it.
        rib.withdraw(V4, p4("10.0.0.0", 24));
        assert_eq!(rib.drain(false, true), vec![]);
        assert!(rib.is_empty());
    }

    #[test]
    fn replay_after_reconnect_only_with_cache() {
        for cache in [true, false] {
            let mut rib = AdjRibOut::new(cache);
            rib.announce(V4, p4("10.0.0.0", 24), attrs(1));
            rib.session_up();
            assert_eq!(rib.drain(false, true).len(), 1);
            rib.announce(V4, p4("10.0.1.0", 24), attrs(1));
            rib.session_down();
            rib.session_up();
            let b = rib.drain(false, true);
            if cache {
                assert_eq!(
                    b,
                    vec![Batch::Announce {
                        family: V4,
                        attr: AttrId(0),
                        nlri: vec![p4("10.0.0.0", 24), p4("10.0.1.0", 24)]
                    }]
                );
            } else {
                assert_eq!(b, vec![]);
            }
        }
    }

    #[test]
    fn labels_are_not_part_of_the_key() {
        let mut rib = AdjRibOut::new(true);
        let f = Family::IPV4_MPLS;
        let l = |label: u32| Nlri::Labeled {
            prefix: Prefix::new("10.0.0.0".parse().unwrap(), 24).unwrap(),
            labels: SmallVec::from_slice(&[label]),
            rd: None,
            path_id: None,
        };
        rib.announce(f, l(100), attrs(1));
        rib.announce(f, l(200), attrs(1));
        assert_eq!(rib.len(), 1);
        let b = rib.drain(true, true);
        assert_eq!(
            b,
            vec![Batch::Announce {
                family: f,
                attr: AttrId(0),
                nlri: vec![l(200)]
            }]
        );
    }
}
