//! Interned route attribute sets. Most tables share a handful of attribute sets
//! among very many prefixes, so each route stores a 4-byte [`AttrId`] and the
//! set itself is stored once. Lookups use a hash map; ids are handed out in
//! insertion order, so nothing about output order depends on hashing.

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

#[derive(Debug, Default)]
pub struct AttrTable {
    sets: Vec<Arc<RouteAttributes>>,
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
        let id = AttrId(self.sets.len() as u32);
        let a = Arc::new(a);
        self.sets.push(a.clone());
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
        let id = AttrId(self.sets.len() as u32);
        self.sets.push(a.clone());
        self.index.insert(a.clone(), id);
        self.last = Some(id);
        id
    }

    pub fn get(&self, id: AttrId) -> &RouteAttributes {
        &self.sets[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.sets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}
