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
//! Storage is sized for full tables (the target is at most 100 bytes per
//! route): a slab of 40-byte slots holding a compact key (an IPv4 or IPv6
//! prefix inline, anything else boxed), a 4-byte attribute-set id and state
//! bits; a power-of-two array of 4-byte bucket heads, at least one per live
//! slot, starts a collision chain threaded through the slots. MPLS labels,
//! rare, live in a side table. The buckets are only used for lookups; every
//! iteration follows slot order, so output order is deterministic.

use super::attrs::{AttrId, AttrTable, RouteAttributes};
use super::neighbour_hash::{mix64, network, spread};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{Label, Nlri, Prefix};
use smallvec::SmallVec;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A route's identity without its family: the NLRI with labels removed.
/// Plain prefixes (almost every route) are stored inline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// `path_id` is 0 when `has_path_id` is false ([`Key::prefix`] is the
    /// only constructor). Two flat fields instead of an `Option<u32>` let
    /// rustc pack the flag beside `len`: the key is 24 bytes, not 32.
    V4 {
        addr: u32,
        len: u8,
        has_path_id: bool,
        path_id: u32,
    },
    V6 {
        /// Big-endian octets (a `u128` would force 16-byte alignment).
        addr: [u8; 16],
        len: u8,
        has_path_id: bool,
        path_id: u32,
    },
    /// Labelled, VPN and opaque NLRI (labels removed).
    Other(Box<Nlri>),
}

pub(crate) type Labels = Option<Box<SmallVec<[Label; 1]>>>;

impl Key {
    fn prefix(prefix: Prefix, path_id: Option<u32>) -> Key {
        let (has_path_id, path_id) = (path_id.is_some(), path_id.unwrap_or(0));
        match prefix {
            Prefix::V4 { addr, len } => Key::V4 {
                addr,
                len,
                has_path_id,
                path_id,
            },
            Prefix::V6 { addr, len } => Key::V6 {
                addr: addr.to_be_bytes(),
                len,
                has_path_id,
                path_id,
            },
        }
    }
}

fn path_id(has: bool, id: u32) -> Option<u32> {
    has.then_some(id)
}

pub(crate) fn to_key(nlri: Nlri) -> (Key, Labels) {
    match nlri {
        Nlri::Prefix { prefix, path_id } => (Key::prefix(prefix, path_id), None),
        Nlri::Labeled(mut l) => {
            let labels = std::mem::take(&mut l.labels);
            (
                Key::Other(Box::new(Nlri::Labeled(l))),
                (!labels.is_empty()).then(|| Box::new(labels)),
            )
        }
        raw @ Nlri::Raw { .. } => (Key::Other(Box::new(raw)), None),
    }
}

pub(crate) fn to_nlri(key: &Key, labels: Option<&SmallVec<[Label; 1]>>) -> Nlri {
    match *key {
        Key::V4 {
            addr,
            len,
            has_path_id,
            path_id: id,
        } => Nlri::Prefix {
            prefix: Prefix::V4 { addr, len },
            path_id: path_id(has_path_id, id),
        },
        Key::V6 {
            addr,
            len,
            has_path_id,
            path_id: id,
        } => Nlri::Prefix {
            prefix: Prefix::V6 {
                addr: u128::from_be_bytes(addr),
                len,
            },
            path_id: path_id(has_path_id, id),
        },
        Key::Other(ref n) => match (&**n, labels) {
            (Nlri::Labeled(k), Some(l)) => {
                let mut k = k.clone();
                k.labels = l.clone();
                Nlri::Labeled(k)
            }
            (n, _) => n.clone(),
        },
    }
}

/// A small deterministic multiply-rotate hasher for keys (the index stores
/// only 32 bits of it; collisions are resolved by comparing keys).
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64)
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64)
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64)
    }
}

/// 32 bits identifying a key. For plain IPv4 prefixes the low 6 bits are the
/// low bits of the network number and the rest a mix of everything else, so
/// that [`bucket`] keeps consecutive prefixes in neighbouring buckets
/// ([`super::neighbour_hash`]).
fn key_hash(family: Family, key: &Key) -> u32 {
    if let Key::V4 {
        addr,
        len,
        has_path_id,
        path_id,
    } = *key
    {
        let net = network(addr, len);
        let fam = (u64::from(family.afi.0) << 8) | u64::from(family.safi.0);
        let rest =
            u64::from(net >> 6) | u64::from(len) << 26 | fam << 34 | u64::from(has_path_id) << 58;
        let x = mix64(rest ^ mix64(u64::from(path_id)));
        return (x as u32 & !63) | (net & 63);
    }
    let mut h = KeyHasher::default();
    family.hash(&mut h);
    key.hash(&mut h);
    let v = h.finish();
    (v ^ (v >> 32)) as u32
}

const NONE: u32 = u32::MAX;

/// The attribute set a slot counts as a user of: its announcement's, or its
/// queued withdrawal's when that carries attributes.
fn held_attr(s: &Slot) -> Option<AttrId> {
    (s.has(ENTRY) || s.has(WITHDRAW_ATTR)).then_some(s.attr)
}

/// The bucket of a [`key_hash`] in a table of `mask + 1` buckets: its low 6
/// bits stay the low bits (neighbouring prefixes, neighbouring buckets), the
/// rest is mixed again to spread the runs of 64.
fn bucket(hash: u32, mask: usize) -> usize {
    spread(u64::from(hash), u64::from(hash >> 6)) as usize & mask
}

// Slot state bits.
const LIVE: u8 = 1;
/// `attr`/`labels` hold an announcement.
const ENTRY: u8 = 2;
const QUEUED_ANNOUNCE: u8 = 4;
const QUEUED_WITHDRAW: u8 = 8;
const QUEUED: u8 = QUEUED_ANNOUNCE | QUEUED_WITHDRAW;
/// A queued withdrawal carries `attr` as its attribute set.
const WITHDRAW_ATTR: u8 = 16;

#[derive(Clone, Debug)]
struct Slot {
    key: Key,
    family: Family,
    attr: AttrId,
    /// Next slot in the same bucket, or NONE.
    chain: u32,
    state: u8,
}

impl Slot {
    fn has(&self, bit: u8) -> bool {
        self.state & bit != 0
    }
}

/// Announcements of one attribute set, per family in first-queued order.
type FamilyGroups = Vec<(Family, Vec<Nlri>)>;

/// Changes ready to be packed into UPDATEs for one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Batch {
    /// Withdrawals of one family, in ExaBGP's NLRI order, with the attribute
    /// set given with the withdrawal if any (ExaBGP sends attributes with
    /// MP_UNREACH_NLRI of families other than unicast/multicast).
    Withdraw {
        family: Family,
        attr: Option<AttrId>,
        nlri: Vec<Nlri>,
    },
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
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    /// Bucket -> first slot of its chain, or NONE. A power of two in length
    /// and never shorter than `live` (empty until the first route).
    buckets: Vec<u32>,
    /// MPLS labels of the slots that have some (labelled NLRI only): most
    /// tables have none, and a field would cost every slot 8 bytes.
    labels: HashMap<u32, Box<SmallVec<[Label; 1]>>>,
    /// Slots with a queued change, in the order they were first queued.
    queue: Vec<u32>,
    /// Announcements replaced by one with other attributes before being sent:
    /// ExaBGP leaves them queued in their attribute bucket, so both go out,
    /// old first (the corpus relies on it: conf-flow-redirect, conf-l2vpn).
    /// The slot is queued twice; its first visit sends this older version,
    /// unless its group would go out after the replacement's (see `drain`).
    superseded: HashMap<u32, (AttrId, Labels)>,
    /// [`Groups`]' attribute-set index, kept between drains (all NONE).
    group_index: Vec<u32>,
}

/// ExaBGP sorts the NLRI of one UPDATE by their index: path id, then the packed
/// prefix (length octet first, then the address octets; RD first for VPN).
/// A fixed-size key: sorting a full table allocates nothing per route.
fn order_key(n: &Nlri) -> (Option<u32>, u8, [u8; 24]) {
    fn put(k: &mut [u8; 24], at: usize, p: &Prefix) {
        match *p {
            Prefix::V4 { addr, .. } => k[at..at + 4].copy_from_slice(&addr.to_be_bytes()),
            Prefix::V6 { addr, .. } => k[at..at + 16].copy_from_slice(&addr.to_be_bytes()),
        }
    }
    let mut k = [0u8; 24];
    match n {
        Nlri::Prefix { prefix, path_id } => {
            put(&mut k, 0, prefix);
            (*path_id, prefix.len(), k)
        }
        Nlri::Labeled(l) => {
            if let Some(r) = l.rd {
                k[..8].copy_from_slice(&r.0);
            }
            put(&mut k, 8, &l.prefix);
            (l.path_id, l.prefix.len(), k)
        }
        Nlri::Raw { data, .. } => {
            let l = data.len().min(24);
            k[..l].copy_from_slice(&data[..l]);
            (None, 0, k)
        }
    }
}

pub fn sort_nlri(v: &mut [Nlri]) {
    // Almost every batch is plain IPv4 prefixes: for them the order is the
    // length, then the address, which fits one integer compared in a cycle.
    let v4 = |n: &Nlri| match n {
        Nlri::Prefix {
            prefix: Prefix::V4 { addr, len },
            path_id: None,
        } => Some(u64::from(*len) << 32 | u64::from(*addr)),
        _ => None,
    };
    if v.iter().all(|n| v4(n).is_some()) {
        v.sort_by_key(|n| v4(n).unwrap_or(0));
    } else {
        v.sort_by_key(order_key);
    }
}

/// Families whose NLRI ExaBGP packs several to an UPDATE with `group-updates`.
pub fn groupable(f: Family) -> bool {
    f == Family::IPV4_UNICAST
        || f == Family::new(Afi::IPV4, Safi::MCAST_VPN)
        || f == Family::new(Afi::IPV6, Safi::MCAST_VPN)
}

fn batches(
    family: Family,
    attr: AttrId,
    mut nlri: Vec<Nlri>,
    group_updates: bool,
    out: &mut Vec<Batch>,
) {
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

/// Announcements being drained, grouped by attribute set (in the order the
/// sets are first met), then by family within each set.
struct Groups {
    groups: Vec<(AttrId, FamilyGroups)>,
    /// Attribute ids are dense: a vector maps them to their group, or NONE.
    /// It outlives the drain ([`AdjRibOut::group_index`]): only the entries
    /// used are reset, so a drain costs what it sends, not the table's number
    /// of attribute sets (an API feed drains after every read).
    index: Vec<u32>,
}

impl Groups {
    /// `index`: all NONE, as [`Self::finish`] leaves it.
    fn new(mut index: Vec<u32>, attribute_sets: usize) -> Self {
        index.resize(attribute_sets, NONE);
        Groups {
            groups: Vec::new(),
            index,
        }
    }

    /// The groups in order, and the index reset to all NONE.
    fn finish(mut self) -> (Vec<(AttrId, FamilyGroups)>, Vec<u32>) {
        for (attr, _) in &self.groups {
            self.index[attr.0 as usize] = NONE;
        }
        (self.groups, self.index)
    }

    /// Where `attr`'s group goes out, if it has one yet.
    fn position(&self, attr: AttrId) -> Option<u32> {
        Some(self.index[attr.0 as usize]).filter(|&g| g != NONE)
    }

    fn add(&mut self, attr: AttrId, family: Family, nlri: Nlri) {
        let slot = &mut self.index[attr.0 as usize];
        if *slot == NONE {
            self.groups.push((attr, Vec::new()));
            *slot = (self.groups.len() - 1) as u32;
        }
        let fams = &mut self.groups[*slot as usize].1;
        match fams.iter_mut().find(|(f, _)| *f == family) {
            Some((_, v)) => v.push(nlri),
            None => fams.push((family, vec![nlri])),
        }
    }
}

impl AdjRibOut {
    pub fn new(cache: bool) -> Self {
        AdjRibOut {
            cache,
            attrs: AttrTable::new(),
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            buckets: Vec::new(),
            labels: HashMap::new(),
            queue: Vec::new(),
            superseded: HashMap::new(),
            group_index: Vec::new(),
        }
    }

    pub fn attributes(&self, id: AttrId) -> &RouteAttributes {
        self.attrs.get(id)
    }

    /// Attribute sets in use (or released since the last drain).
    pub fn attribute_sets(&self) -> usize {
        self.attrs.live()
    }

    /// Intern an attribute set once for many announcements ([`Self::announce_id`]).
    pub fn intern(&mut self, attrs: RouteAttributes) -> AttrId {
        self.attrs.intern(attrs)
    }

    /// Number of keys held (announced or queued).
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Something waits to be sent.
    pub fn pending(&self) -> bool {
        !self.queue.is_empty()
    }

    fn slot_for(&mut self, family: Family, key: Key) -> u32 {
        let hash = key_hash(family, &key);
        let mut b = bucket(hash, self.buckets.len().wrapping_sub(1));
        if let Some(&head) = self.buckets.get(b) {
            let mut i = head;
            while i != NONE {
                let s = &self.slots[i as usize];
                if s.family == family && s.key == key {
                    return i;
                }
                i = s.chain;
            }
        }
        if self.live >= self.buckets.len() {
            self.grow();
            b = bucket(hash, self.buckets.len() - 1);
        }
        let slot = Slot {
            key,
            family,
            attr: AttrId(0),
            chain: self.buckets[b],
            state: LIVE,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        self.buckets[b] = i;
        self.live += 1;
        i
    }

    /// Double the buckets (16 at first) and thread every live slot again.
    fn grow(&mut self) {
        let len = (self.buckets.len() * 2).max(16);
        self.buckets.clear();
        self.buckets.resize(len, NONE);
        for (i, s) in self.slots.iter_mut().enumerate() {
            if s.has(LIVE) {
                let b = bucket(key_hash(s.family, &s.key), len - 1);
                s.chain = self.buckets[b];
                self.buckets[b] = i as u32;
            }
        }
    }

    fn labels_of(&self, i: u32) -> Option<&SmallVec<[Label; 1]>> {
        if self.labels.is_empty() {
            return None;
        }
        self.labels.get(&i).map(|l| &**l)
    }

    fn set_labels(&mut self, i: u32, labels: Labels) {
        match labels {
            Some(l) => {
                self.labels.insert(i, l);
            }
            None => self.clear_labels(i),
        }
    }

    fn take_labels(&mut self, i: u32) -> Labels {
        if self.labels.is_empty() {
            return None;
        }
        self.labels.remove(&i)
    }

    fn clear_labels(&mut self, i: u32) {
        if !self.labels.is_empty() {
            self.labels.remove(&i);
        }
    }

    fn enqueue(&mut self, i: u32, bit: u8) {
        let s = &mut self.slots[i as usize];
        if !s.has(QUEUED) {
            self.queue.push(i);
        }
        s.state = (s.state & !QUEUED) | bit;
    }

    /// Free a slot holding neither an announcement nor a queued change.
    fn release_if_unused(&mut self, i: u32) {
        let s = &self.slots[i as usize];
        if !s.has(LIVE) || s.has(ENTRY) || s.has(QUEUED) {
            return;
        }
        let b = bucket(key_hash(s.family, &s.key), self.buckets.len() - 1);
        let next = s.chain;
        // Unlink from the bucket's chain.
        if self.buckets[b] == i {
            self.buckets[b] = next;
        } else {
            let mut j = self.buckets[b];
            while j != NONE {
                let c = self.slots[j as usize].chain;
                if c == i {
                    self.slots[j as usize].chain = next;
                    break;
                }
                j = c;
            }
        }
        self.clear_labels(i);
        if let Some(a) = held_attr(&self.slots[i as usize]) {
            // (A withdrawal with attributes dropped by `session_down`.)
            self.attrs.release(a);
        }
        let s = &mut self.slots[i as usize];
        s.state = 0;
        s.chain = NONE;
        s.key = Key::V4 {
            addr: 0,
            len: 0,
            has_path_id: false,
            path_id: 0,
        };
        self.free.push(i);
        self.live -= 1;
    }

    /// Queue an announcement. Returns false when it was suppressed as a
    /// duplicate of the announcement already held (adj-rib-out on).
    pub fn announce(&mut self, family: Family, nlri: Nlri, attrs: RouteAttributes) -> bool {
        let attr = self.attrs.intern(attrs);
        self.announce_id(family, nlri, attr)
    }

    /// [`Self::announce`] with a shared attribute set ([`AttrTable::intern_shared`]).
    pub fn announce_shared(
        &mut self,
        family: Family,
        nlri: Nlri,
        attrs: &Arc<RouteAttributes>,
    ) -> bool {
        let attr = self.attrs.intern_shared(attrs);
        self.announce_id(family, nlri, attr)
    }

    /// A withdrawal carrying an attribute set (API `withdraw ... <attributes>`),
    /// shared with its producer ([`AttrTable::intern_shared`]).
    pub fn withdraw_shared(&mut self, family: Family, nlri: Nlri, attrs: &Arc<RouteAttributes>) {
        let attr = self.attrs.intern_shared(attrs);
        self.withdraw_inner(family, nlri, Some(attr))
    }

    /// [`Self::announce`] with an attribute set interned by [`Self::intern`].
    pub fn announce_id(&mut self, family: Family, nlri: Nlri, attr: AttrId) -> bool {
        let (key, labels) = to_key(nlri);
        let i = self.slot_for(family, key);
        let s = &self.slots[i as usize];
        if self.cache && s.has(ENTRY) && s.attr == attr && self.labels_of(i) == labels.as_deref() {
            return false;
        }
        let replaced = s.state & QUEUED == QUEUED_ANNOUNCE && s.has(ENTRY) && s.attr != attr;
        let held = held_attr(s);
        self.attrs.retain(attr);
        if replaced && !self.superseded.contains_key(&i) {
            // The older version keeps its set's count.
            let old = (s.attr, self.take_labels(i));
            self.superseded.insert(i, old);
            self.queue.push(i);
        } else if let Some(old) = held {
            self.attrs.release(old);
        }
        self.set_labels(i, labels);
        let s = &mut self.slots[i as usize];
        s.attr = attr;
        s.state = (s.state | ENTRY) & !WITHDRAW_ATTR;
        self.enqueue(i, QUEUED_ANNOUNCE);
        true
    }

    /// Queue a withdrawal. ExaBGP sends it even for a key it never announced.
    pub fn withdraw(&mut self, family: Family, nlri: Nlri) {
        self.withdraw_inner(family, nlri, None)
    }

    fn withdraw_inner(&mut self, family: Family, nlri: Nlri, attr: Option<AttrId>) {
        let (key, _) = to_key(nlri);
        let i = self.slot_for(family, key);
        // A superseded announcement is cancelled too (ExaBGP would still send
        // it; the withdrawal must win).
        if let Some((old, _)) = self.superseded.remove(&i) {
            self.attrs.release(old);
        }
        self.clear_labels(i);
        let held = held_attr(&self.slots[i as usize]);
        if let Some(a) = attr {
            self.attrs.retain(a);
        }
        if let Some(old) = held {
            self.attrs.release(old);
        }
        let s = &mut self.slots[i as usize];
        s.state &= !(ENTRY | WITHDRAW_ATTR);
        if let Some(a) = attr {
            s.attr = a;
            s.state |= WITHDRAW_ATTR;
        }
        self.enqueue(i, QUEUED_WITHDRAW);
    }

    /// Forget every route (`clear adj-rib out`); nothing is sent.
    pub fn clear(&mut self) {
        // No route names a set any more (and no batch is pending).
        self.attrs = AttrTable::new();
        self.group_index.clear();
        self.slots.clear();
        self.free.clear();
        self.buckets = Vec::new();
        self.labels.clear();
        self.queue.clear();
        self.superseded.clear();
        self.live = 0;
    }

    /// The session went down: pending changes are dropped; with adj-rib-out on
    /// the announcements stay, to be re-sent on the next establishment.
    pub fn session_down(&mut self) {
        for (_, (old, _)) in std::mem::take(&mut self.superseded) {
            self.attrs.release(old);
        }
        let queue = std::mem::take(&mut self.queue);
        for i in queue {
            let s = &mut self.slots[i as usize];
            s.state &= !QUEUED;
            if !self.cache && s.has(ENTRY) {
                s.state &= !ENTRY;
                let a = s.attr;
                self.attrs.release(a);
                self.clear_labels(i);
            }
            self.release_if_unused(i);
        }
    }

    /// The session came up: queue every held announcement again (slot order),
    /// keeping announcements queued while it was down.
    pub fn session_up(&mut self) {
        for i in 0..self.slots.len() as u32 {
            let s = &self.slots[i as usize];
            if s.has(LIVE) && s.has(ENTRY) {
                self.enqueue(i, QUEUED_ANNOUNCE);
            }
        }
    }

    /// Every announcement held, in slot order (`show adj-rib out`).
    pub fn routes(&self) -> impl Iterator<Item = (Family, Nlri, &RouteAttributes)> + '_ {
        self.held().map(move |(i, s)| {
            let nlri = to_nlri(&s.key, self.labels_of(i));
            (s.family, nlri, self.attrs.get(s.attr))
        })
    }

    /// The slots holding an announcement, with their index.
    fn held(&self) -> impl Iterator<Item = (u32, &Slot)> + '_ {
        (0u32..)
            .zip(&self.slots)
            .filter(|(_, s)| s.has(LIVE) && s.has(ENTRY))
    }

    /// Every held announcement of `family` as batches (route refresh, RFC 2918
    /// §4), leaving the queue alone.
    pub fn resend_batches(&self, family: Family, group_updates: bool) -> Vec<Batch> {
        let mut groups: Vec<(AttrId, Vec<Nlri>)> = Vec::new();
        let mut at: HashMap<AttrId, usize> = HashMap::new();
        for (i, s) in self.held().filter(|(_, s)| s.family == family) {
            let k = *at.entry(s.attr).or_insert_with(|| {
                groups.push((s.attr, Vec::new()));
                groups.len() - 1
            });
            groups[k].1.push(to_nlri(&s.key, self.labels_of(i)));
        }
        let mut out = Vec::new();
        for (attr, nlri) in groups {
            batches(family, attr, nlri, group_updates, &mut out);
        }
        out
    }

    /// Take the queued changes as batches: withdrawals first (per family, in
    /// first-queued order; dropped when `include_withdraw` is false), then
    /// announcements grouped by attribute set then family in first-queued
    /// order. With `group_updates`, IPv4 unicast and MVPN NLRI sharing an
    /// attribute set form one batch; every other NLRI gets its own.
    pub fn drain(&mut self, include_withdraw: bool, group_updates: bool) -> Vec<Batch> {
        // Sets released since the last drain: its batches are encoded by now.
        self.attrs.collect();
        let queue = std::mem::take(&mut self.queue);
        let mut withdraws: Vec<(Family, Option<AttrId>, Vec<Nlri>)> = Vec::new();
        let mut wd_index: HashMap<(Family, Option<AttrId>), usize> = HashMap::new();
        let scratch = std::mem::take(&mut self.group_index);
        let mut groups = Groups::new(scratch, self.attrs.len());
        for &i in &queue {
            let cache = self.cache;
            // (Almost always empty: skip the lookup per route.)
            let older = if self.superseded.is_empty() {
                None
            } else {
                self.superseded.remove(&i)
            };
            if let Some((attr, labels)) = older {
                // First visit of a slot queued twice: the older announcement.
                // It is sent (as ExaBGP does) only when its attribute group
                // goes out before the replacement's: groups are sent in
                // creation order, and the peer keeps whichever version
                // arrives last (RFC 4271 §3.1: a later UPDATE for the same
                // prefix replaces it). ExaBGP 5.0.15 sends it regardless and
                // leaves the peer with the old version; we do not copy that.
                let s = &self.slots[i as usize];
                let current = s.has(ENTRY).then_some(s.attr);
                let goes_first = match current {
                    // The replacement is a withdrawal (sent before every
                    // announcement) or the same set: nothing more to send.
                    None => false,
                    Some(a) if a == attr => false,
                    Some(a) => match (groups.position(attr), groups.position(a)) {
                        // The replacement's group is not created yet: it
                        // will come after the old one's.
                        (_, None) => true,
                        (Some(old), Some(new)) => old < new,
                        (None, Some(_)) => false,
                    },
                };
                if goes_first {
                    groups.add(attr, s.family, to_nlri(&s.key, labels.as_deref()));
                }
                // (Freed by the next drain's `collect`, after this batch.)
                self.attrs.release(attr);
                continue;
            }
            let s = &mut self.slots[i as usize];
            let q = s.state & QUEUED;
            s.state &= !QUEUED;
            let family = s.family;
            if q == QUEUED_WITHDRAW {
                let attr = s.has(WITHDRAW_ATTR).then_some(s.attr);
                s.state &= !WITHDRAW_ATTR;
                if let Some(a) = attr {
                    self.attrs.release(a);
                }
                if include_withdraw {
                    let at = *wd_index.entry((family, attr)).or_insert_with(|| {
                        withdraws.push((family, attr, Vec::new()));
                        withdraws.len() - 1
                    });
                    withdraws[at].2.push(to_nlri(&s.key, None));
                }
            } else if q == QUEUED_ANNOUNCE && s.has(ENTRY) {
                // (The field, not `labels_of`: `s` borrows the slots.)
                let labels = match self.labels.is_empty() {
                    true => None,
                    false => self.labels.get(&i).map(|l| &**l),
                };
                groups.add(s.attr, family, to_nlri(&s.key, labels));
                if !cache {
                    s.state &= !ENTRY;
                    self.attrs.release(s.attr);
                    if !self.labels.is_empty() {
                        self.labels.remove(&i);
                    }
                }
            }
        }
        for i in queue {
            self.release_if_unused(i);
        }
        let mut out = Vec::new();
        for (family, attr, mut nlri) in withdraws {
            sort_nlri(&mut nlri);
            if group_updates && groupable(family) {
                out.push(Batch::Withdraw { family, attr, nlri });
            } else {
                out.extend(nlri.into_iter().map(|n| Batch::Withdraw {
                    family,
                    attr,
                    nlri: vec![n],
                }));
            }
        }
        let (groups, scratch) = groups.finish();
        self.group_index = scratch;
        for (attr, fams) in groups {
            for (family, nlri) in fams {
                batches(family, attr, nlri, group_updates, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ipv4_sort_is_exabgps_nlri_order() {
        fn prop(v: Vec<(u32, u8, bool)>) -> bool {
            let to_nlri = |&(addr, len, v6): &(u32, u8, bool)| {
                let len = len % 33;
                let addr = if len == 0 {
                    0
                } else {
                    addr & (u32::MAX << (32 - len))
                };
                if v6 {
                    Nlri::Prefix {
                        prefix: Prefix::V6 {
                            addr: u128::from(addr) << 96,
                            len,
                        },
                        path_id: None,
                    }
                } else {
                    Nlri::Prefix {
                        prefix: Prefix::V4 { addr, len },
                        path_id: None,
                    }
                }
            };
            // All IPv4 (the fast path) and mixed (the general one).
            let all_v4: Vec<Nlri> = v.iter().map(|&(a, l, _)| to_nlri(&(a, l, false))).collect();
            let mixed: Vec<Nlri> = v.iter().map(to_nlri).collect();
            [all_v4, mixed].into_iter().all(|mut got| {
                let mut want = got.clone();
                want.sort_by_key(order_key);
                sort_nlri(&mut got);
                got == want
            })
        }
        quickcheck::QuickCheck::new()
            .tests(500)
            .quickcheck(prop as fn(Vec<(u32, u8, bool)>) -> bool);
    }

    /// The per-route cost the layout is designed for (64-bit targets).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn slot_and_key_sizes() {
        assert_eq!(std::mem::size_of::<Key>(), 24);
        assert_eq!(std::mem::size_of::<Slot>(), 40);
    }

    #[test]
    fn consecutive_ipv4_prefixes_hash_to_neighbouring_buckets() {
        let v4 = |addr: u32, len: u8| Key::V4 {
            addr,
            len,
            has_path_id: false,
            path_id: 0,
        };
        let f = Family::IPV4_UNICAST;
        let base = key_hash(f, &v4(0x0A00_0000, 24));
        for i in 0..64u32 {
            let h = key_hash(f, &v4(0x0A00_0000 + (i << 8), 24));
            assert_eq!(h & !63, base & !63, "{i}");
            assert_eq!(h & 63, i);
        }
        // The next run, another length, family or path id: elsewhere.
        let others = [
            key_hash(f, &v4(0x0A00_0000 + (64 << 8), 24)),
            key_hash(f, &v4(0x0A00_0000, 23)),
            key_hash(Family::IPV4_MULTICAST, &v4(0x0A00_0000, 24)),
            key_hash(
                f,
                &Key::prefix(
                    Prefix::V4 {
                        addr: 0x0A00_0000,
                        len: 24,
                    },
                    Some(1),
                ),
            ),
        ];
        for h in others {
            assert_ne!(h & !63, base & !63);
        }
    }
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
                    attr: None,
                    nlri: vec![p4("10.9.0.0", 16)]
                },
                // ExaBGP: an unsent announcement replaced by one with other
                // attributes still goes out, before the replacement.
                Batch::Announce {
                    family: V4,
                    attr: AttrId(1),
                    nlri: vec![p4("10.0.0.0", 24)]
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

    /// The superseded version goes out only when its attribute group comes
    /// before the replacement's: otherwise the peer would keep the old one.
    #[test]
    fn superseded_version_never_sent_after_its_replacement() {
        let mut rib = AdjRibOut::new(true);
        rib.announce(V4, p4("10.0.1.0", 24), attrs(1)); // group X first
        rib.announce(V4, p4("10.0.0.0", 24), attrs(2)); // Y
        rib.announce(V4, p4("10.0.0.0", 24), attrs(1)); // back to X
        let (x, y) = (AttrId(0), AttrId(1));
        assert_eq!(
            rib.drain(true, true),
            vec![Batch::Announce {
                family: V4,
                attr: x,
                nlri: vec![p4("10.0.0.0", 24), p4("10.0.1.0", 24)]
            }]
        );
        // Y then X, X's group not created before the old version's: both go
        // out, old first, as ExaBGP sends them.
        rib.announce(V4, p4("10.0.2.0", 24), attrs(2));
        rib.announce(V4, p4("10.0.2.0", 24), attrs(1));
        assert_eq!(
            rib.drain(true, true),
            vec![
                Batch::Announce {
                    family: V4,
                    attr: y,
                    nlri: vec![p4("10.0.2.0", 24)]
                },
                Batch::Announce {
                    family: V4,
                    attr: x,
                    nlri: vec![p4("10.0.2.0", 24)]
                },
            ]
        );
        // Replaced by a withdrawal: only the withdrawal.
        rib.announce(V4, p4("10.0.3.0", 24), attrs(2));
        rib.drain(true, true);
        rib.announce(V4, p4("10.0.3.0", 24), attrs(1));
        rib.announce(V4, p4("10.0.3.0", 24), attrs(2));
        rib.withdraw(V4, p4("10.0.3.0", 24));
        assert_eq!(
            rib.drain(true, true),
            vec![Batch::Withdraw {
                family: V4,
                attr: None,
                nlri: vec![p4("10.0.3.0", 24)]
            }]
        );
    }

    /// A feed whose attributes keep changing (a MED following a health
    /// check) does not grow the attribute table: a set is freed with its last
    /// route, and its id reused.
    #[test]
    fn attribute_sets_are_freed_with_their_last_route() {
        for cache in [true, false] {
            let mut rib = AdjRibOut::new(cache);
            for med in 0..10_000 {
                rib.announce(V4, p4("10.0.0.0", 24), attrs(med));
                rib.announce(V4, p4("10.0.1.0", 24), attrs(med / 2));
                let b = rib.drain(true, true);
                // The batches still read their sets (freed by the next drain).
                for batch in &b {
                    if let Batch::Announce { attr, .. } = batch {
                        let _ = rib.attributes(*attr);
                    }
                }
                assert!(
                    rib.attribute_sets() <= 4,
                    "{cache} {med}: {}",
                    rib.attribute_sets()
                );
            }
            assert!(rib.attrs.len() <= 4, "ids are reused: {}", rib.attrs.len());
            rib.withdraw(V4, p4("10.0.0.0", 24));
            rib.withdraw(V4, p4("10.0.1.0", 24));
            rib.drain(true, true);
            rib.drain(true, true);
            assert_eq!(rib.attribute_sets(), 0);
        }
    }

    /// A batch names the set its routes had when drained, even when the
    /// routes moved on before the UPDATE was built.
    #[test]
    fn a_drained_batch_keeps_its_attributes_until_the_next_drain() {
        let mut rib = AdjRibOut::new(true);
        rib.announce(V4, p4("10.0.0.0", 24), attrs(1));
        let b = rib.drain(true, true);
        rib.announce(V4, p4("10.0.0.0", 24), attrs(2));
        let Batch::Announce { attr, .. } = b[0] else {
            panic!("{b:?}")
        };
        assert_eq!(*rib.attributes(attr), attrs(1));
        rib.drain(true, true);
        // Set 1 is free now; a new set takes its id.
        rib.announce(V4, p4("10.0.1.0", 24), attrs(3));
        assert_eq!(*rib.attributes(attr), attrs(3));
        assert_eq!(rib.attribute_sets(), 2);
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
        let l = |label: u32| {
            Nlri::labeled(
                Prefix::new("10.0.0.0".parse().unwrap(), 24).unwrap(),
                SmallVec::from_slice(&[label]),
                None,
                None,
            )
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

#[cfg(test)]
mod model_tests {
    use super::*;
    use crate::config::NextHop;
    use crate::wire::attribute::{Attribute, Attributes};
    use quickcheck::{Arbitrary, Gen};
    use std::collections::BTreeMap;

    /// One change to the RIB; keys are small so that they collide often.
    #[derive(Clone, Debug)]
    enum Op {
        /// key, path id, MPLS label (a labelled family), MED.
        Announce(u8, Option<u8>, Option<u8>, u8),
        Withdraw(u8, Option<u8>, Option<u8>),
        Drain,
        Down,
        Up,
    }

    impl Arbitrary for Op {
        fn arbitrary(g: &mut Gen) -> Op {
            let key = u8::arbitrary(g) % 24;
            let path = bool::arbitrary(g).then(|| u8::arbitrary(g) % 3);
            let label = (u8::arbitrary(g) % 4 == 0).then(|| u8::arbitrary(g) % 3);
            match u8::arbitrary(g) % 10 {
                0..=4 => Op::Announce(key, path, label, u8::arbitrary(g) % 3),
                5..=6 => Op::Withdraw(key, path, label),
                7 => Op::Drain,
                8 => Op::Down,
                _ => Op::Up,
            }
        }
    }

    fn route(key: u8, path: Option<u8>, label: Option<u8>) -> (Family, Nlri) {
        let prefix = if key & 1 == 0 {
            Prefix::new(std::net::Ipv4Addr::new(10, key, 0, 0).into(), 16 + key % 9)
        } else {
            Prefix::new(
                std::net::Ipv6Addr::new(0x2001, 0xdb8, key.into(), 0, 0, 0, 0, 0).into(),
                48,
            )
        }
        .unwrap();
        let path_id = path.map(u32::from);
        match label {
            None => (
                Family::new(prefix_afi(&prefix), Safi::UNICAST),
                Nlri::Prefix { prefix, path_id },
            ),
            Some(l) => (
                Family::new(prefix_afi(&prefix), Safi::MPLS),
                Nlri::labeled(
                    prefix,
                    SmallVec::from_slice(&[100 + u32::from(l)]),
                    None,
                    path_id,
                ),
            ),
        }
    }

    fn prefix_afi(p: &Prefix) -> Afi {
        match p {
            Prefix::V4 { .. } => Afi::IPV4,
            Prefix::V6 { .. } => Afi::IPV6,
        }
    }

    /// `op` on `rib`; an announcement's attribute set is its MED.
    fn apply(rib: &mut AdjRibOut, op: &Op) {
        match *op {
            Op::Announce(k, p, l, med) => {
                let (f, n) = route(k, p, l);
                let mut a = Attributes::new();
                a.set(Attribute::Med(med.into()));
                let next_hop = NextHop::Ip("10.0.0.1".parse().unwrap());
                rib.announce(
                    f,
                    n,
                    RouteAttributes {
                        attributes: a,
                        next_hop,
                    },
                );
            }
            Op::Withdraw(k, p, l) => {
                let (f, n) = route(k, p, l);
                rib.withdraw(f, n);
            }
            Op::Drain => drop(rib.drain(true, true)),
            Op::Down => rib.session_down(),
            Op::Up => rib.session_up(),
        }
    }

    /// The routes held (`show adj-rib out`), with adj-rib-out on, are the
    /// latest announcement of every key not withdrawn since, labels
    /// included, whatever the drains, session changes and bucket growth.
    #[test]
    fn held_routes_follow_a_map_model() {
        fn prop(ops: Vec<Op>) -> bool {
            // The same changes without adj-rib-out: after two drains (the
            // second frees what the first released) no set is left.
            let mut uncached = AdjRibOut::new(false);
            for op in &ops {
                apply(&mut uncached, op);
            }
            uncached.drain(true, true);
            uncached.drain(true, true);
            if uncached.attribute_sets() != 0 {
                return false;
            }
            let mut rib = AdjRibOut::new(true);
            // (family, NLRI without labels) -> (NLRI, MED)
            let mut model: BTreeMap<String, (Family, Nlri, u32)> = BTreeMap::new();
            let unlabelled = |n: &Nlri| match n {
                Nlri::Labeled(l) => format!("{} {:?}", l.prefix, l.path_id),
                n => format!("{n:?}"),
            };
            for op in ops {
                apply(&mut rib, &op);
                match op {
                    Op::Announce(k, p, l, med) => {
                        let (f, n) = route(k, p, l);
                        model.insert(format!("{f} {}", unlabelled(&n)), (f, n, med.into()));
                    }
                    Op::Withdraw(k, p, l) => {
                        let (f, n) = route(k, p, l);
                        model.remove(&format!("{f} {}", unlabelled(&n)));
                    }
                    Op::Drain | Op::Down | Op::Up => {}
                }
                let mut held: Vec<(Family, Nlri, u32)> = rib
                    .routes()
                    .map(
                        |(f, n, a)| match a.attributes.get(crate::wire::attribute::code::MED) {
                            Some(Attribute::Med(m)) => (f, n, *m),
                            _ => (f, n, u32::MAX),
                        },
                    )
                    .collect();
                let mut want: Vec<_> = model.values().cloned().collect();
                let key = |x: &(Family, Nlri, u32)| format!("{:?}", x);
                held.sort_by_key(key);
                want.sort_by_key(key);
                if held != want {
                    return false;
                }
            }
            // Attribute sets are freed with their last route: after two
            // drains only the held routes' sets are left.
            rib.drain(true, true);
            rib.drain(true, true);
            let meds: std::collections::BTreeSet<u32> = model.values().map(|x| x.2).collect();
            rib.attribute_sets() == meds.len()
        }
        quickcheck::QuickCheck::new()
            .tests(300)
            .quickcheck(prop as fn(Vec<Op>) -> bool);
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;
    use crate::config::NextHop;
    use crate::wire::attribute::Attributes;

    /// Enough keys for long bucket chains: lookups, suppression and slot
    /// release must stay exact along chains and across the buckets' growth.
    #[test]
    fn chains_survive_collisions_and_release() {
        let mut rib = AdjRibOut::new(true);
        let a = rib.intern(RouteAttributes {
            attributes: Attributes::new(),
            next_hop: NextHop::Ip("10.0.0.1".parse().unwrap()),
        });
        let n = 400_000u32;
        let key = |i: u32| {
            Nlri::prefix(Prefix::V4 {
                addr: i << 4,
                len: 28,
            })
        };
        let f = Family::IPV4_UNICAST;
        for i in 0..n {
            assert!(rib.announce_id(f, key(i), a));
        }
        let heads = rib.buckets.iter().filter(|&&b| b != NONE).count();
        assert!(
            heads < n as usize * 9 / 10,
            "the test needs chains ({heads} heads)"
        );
        rib.drain(true, true);
        for i in (0..n).step_by(2) {
            rib.withdraw(f, key(i));
        }
        rib.drain(true, true);
        assert_eq!(rib.len(), n as usize / 2);
        for i in 0..n {
            // Odd keys are held (suppressed), even ones are new again.
            assert_eq!(rib.announce_id(f, key(i), a), i % 2 == 0, "key {i}");
        }
        assert_eq!(rib.len(), n as usize);
        assert_eq!(
            rib.drain(true, true)
                .iter()
                .map(|b| match b {
                    Batch::Announce { nlri, .. } => nlri.len(),
                    Batch::Withdraw { .. } => 0,
                })
                .sum::<usize>(),
            n as usize / 2
        );
    }
}

#[cfg(test)]
mod scale {
    use super::*;
    use crate::config::NextHop;
    use crate::wire::attribute::{Attribute, Attributes};

    /// `cargo test --release -p oxbgp-core rib::out::scale -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn million_routes() {
        eprintln!(
            "sizes: Nlri {} Slot {} Key {}",
            std::mem::size_of::<Nlri>(),
            std::mem::size_of::<Slot>(),
            std::mem::size_of::<Key>()
        );
        let t = std::time::Instant::now();
        let mut rib = AdjRibOut::new(true);
        let ids: Vec<AttrId> = (0..100)
            .map(|m| {
                let mut a = Attributes::new();
                a.set(Attribute::Med(m));
                rib.intern(RouteAttributes {
                    attributes: a,
                    next_hop: NextHop::Ip("10.0.0.1".parse().unwrap()),
                })
            })
            .collect();
        for i in 0..1_000_000u32 {
            let p = Prefix::V4 {
                addr: 0x0100_0000 + (i << 8),
                len: 24,
            };
            rib.announce_id(
                Family::IPV4_UNICAST,
                Nlri::prefix(p),
                ids[(i % 100) as usize],
            );
        }
        eprintln!(
            "insert: {:?}; slots {} x {} B, {} buckets",
            t.elapsed(),
            rib.slots.capacity(),
            std::mem::size_of::<Slot>(),
            rib.buckets.len()
        );
        let t = std::time::Instant::now();
        let b = rib.drain(true, true);
        eprintln!("drain: {:?} ({} batches)", t.elapsed(), b.len());
        let sent = crate::wire::open::Open {
            version: 4,
            my_as: 1,
            hold_time: 180,
            bgp_id: "1.1.1.1".parse().unwrap(),
            capabilities: vec![
                crate::wire::capability::Capability::Multiprotocol(Family::IPV4_UNICAST),
                crate::wire::capability::Capability::FourOctetAs(1),
            ],
        };
        let mut recv = sent.clone();
        recv.bgp_id = "2.2.2.2".parse().unwrap();
        let neg = crate::fsm::Negotiated::new(&sent, &recv);
        let out = super::super::encode::Outbound {
            negotiated: &neg,
            local_address: "10.0.0.2".parse().unwrap(),
            router_id: "10.0.0.2".parse().unwrap(),
        };
        let t = std::time::Instant::now();
        let msgs = super::super::encode::messages(b, &rib, &out);
        let bytes: usize = msgs.iter().map(|m| m.len()).sum();
        eprintln!(
            "pack: {:?} ({} messages, {} bytes)",
            t.elapsed(),
            msgs.len(),
            bytes
        );
    }
}
