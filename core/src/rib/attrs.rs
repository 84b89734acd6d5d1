//! Interned route attribute sets. Most tables share a handful of attribute sets
//! among very many prefixes, so each route stores a 4-byte [`AttrId`] and the
//! set itself is stored once. Lookups use a hash map; nothing about output
//! order depends on ids or hashing.
//!
//! Sets are counted ([`AttrTable::retain`], [`AttrTable::release`]): one no
//! route uses any more is freed by the next [`AttrTable::collect`] and its id
//! reused, so a long-running feed whose attributes keep changing (a MED that
//! follows a health check, FlowSpec rules with new rates) does not grow the
//! table for ever. Freeing waits for `collect` because the batches of a drain
//! still name the sets their routes had.

use super::out::KeyHasher;
use crate::config::NextHop;
use crate::wire::attribute::Attributes;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

/// Index of an attribute set in its [`AttrTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrId(pub u32);

/// What routes sharing an UPDATE must have in common: their path attributes
/// (without NEXT_HOP) and their next hop as configured.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RouteAttributes {
    pub attributes: Attributes,
    pub next_hop: NextHop,
}

/// `refs` value of a freed id (waiting in `free` for reuse).
const FREED: u32 = u32::MAX;

#[derive(Debug, Default)]
pub struct AttrTable {
    sets: Vec<Arc<RouteAttributes>>,
    /// Users of each set, or FREED.
    refs: Vec<u32>,
    /// Ids whose count fell to zero since the last `collect`.
    dead: Vec<u32>,
    /// Freed ids, reused first.
    free: Vec<u32>,
    /// What a freed id points at (its set's memory is released).
    empty: Option<Arc<RouteAttributes>>,
    /// The multiply-rotate hasher of the Adj-RIB-Out index: attribute sets
    /// are hashed on every route of an API feed, SipHash was a visible cost.
    index: HashMap<Arc<RouteAttributes>, AttrId, BuildHasherDefault<KeyHasher>>,
    /// The id handed out last: API feeds announce long runs of routes with
    /// the same attributes, and comparing with the last set is cheaper than
    /// hashing it.
    last: Option<AttrId>,
}

impl AttrTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `a`, adding it if new.
    pub fn intern(&mut self, a: RouteAttributes) -> AttrId {
        if let Some(last) = self.last {
            if *self.sets[last.0 as usize] == a {
                return last;
            }
        }
        if let Some(id) = self.index.get(&a) {
            self.last = Some(*id);
            return *id;
        }
        let a = Arc::new(a);
        let id = self.store(a.clone());
        self.index.insert(a, id);
        self.last = Some(id);
        id
    }

    /// [`Self::intern`] for a set shared with its producer (the API's parse
    /// cache): the same allocation as the last set is recognised by pointer,
    /// and a new set is stored without copying it.
    pub fn intern_shared(&mut self, a: &Arc<RouteAttributes>) -> AttrId {
        if let Some(last) = self.last {
            let held = &mut self.sets[last.0 as usize];
            if Arc::ptr_eq(held, a) {
                return last;
            }
            if **held == **a {
                // Hold the caller's allocation from now on, so its next
                // routes are recognised by pointer, not compared.
                *held = a.clone();
                return last;
            }
        }
        if let Some(&id) = self.index.get(&**a) {
            self.sets[id.0 as usize] = a.clone();
            self.last = Some(id);
            return id;
        }
        let id = self.store(a.clone());
        self.index.insert(a.clone(), id);
        self.last = Some(id);
        id
    }

    /// A new set under a freed id, or a new one; no user yet.
    fn store(&mut self, a: Arc<RouteAttributes>) -> AttrId {
        match self.free.pop() {
            Some(i) => {
                self.sets[i as usize] = a;
                self.refs[i as usize] = 0;
                AttrId(i)
            }
            None => {
                self.sets.push(a);
                self.refs.push(0);
                AttrId(self.sets.len() as u32 - 1)
            }
        }
    }

    /// One more route (or queued change) uses `id`.
    pub fn retain(&mut self, id: AttrId) {
        self.refs[id.0 as usize] += 1;
    }

    /// One user of `id` fewer; unused, it is freed by the next [`Self::collect`].
    pub fn release(&mut self, id: AttrId) {
        let r = &mut self.refs[id.0 as usize];
        debug_assert!(
            *r != 0 && *r != FREED,
            "attribute set {id:?} released too often"
        );
        *r = r.saturating_sub(1);
        if *r == 0 {
            self.dead.push(id.0);
        }
    }

    /// Free the sets nobody took back since their count fell to zero.
    pub fn collect(&mut self) {
        if self.dead.is_empty() {
            return;
        }
        let empty = self
            .empty
            .get_or_insert_with(|| {
                Arc::new(RouteAttributes {
                    attributes: Attributes::new(),
                    next_hop: NextHop::None,
                })
            })
            .clone();
        for i in std::mem::take(&mut self.dead) {
            // Retained again since, or already freed (listed twice).
            if self.refs[i as usize] != 0 {
                continue;
            }
            let set = std::mem::replace(&mut self.sets[i as usize], empty.clone());
            self.index.remove(&*set);
            self.refs[i as usize] = FREED;
            self.free.push(i);
            if self.last == Some(AttrId(i)) {
                self.last = None;
            }
        }
    }

    /// Sets in use or waiting for [`Self::collect`].
    pub fn live(&self) -> usize {
        self.sets.len() - self.free.len()
    }

    pub fn get(&self, id: AttrId) -> &RouteAttributes {
        &self.sets[id.0 as usize]
    }

    /// One past the largest id handed out (freed ids included): the size of
    /// a vector indexed by id.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}
