//! End-of-RIB marker (RFC 4724 §2): an UPDATE with nothing in it for IPv4
//! unicast, otherwise an UPDATE holding only an empty MP_UNREACH_NLRI.

use super::{MpUnreach, Update};
use crate::wire::family::Family;

impl Update {
    /// The End-of-RIB UPDATE for `family`. Encoded, IPv4 unicast is the
    /// 4-octet body `00 00 00 00`; other families are
    /// `00 00 00 07 90 0F 00 03 <afi> <safi>` (ExaBGP's bytes).
    pub fn end_of_rib(family: Family) -> Update {
        if family == Family::IPV4_UNICAST {
            Update::default()
        } else {
            Update {
                mp_unreach: Some(MpUnreach {
                    family,
                    nlri: Vec::new(),
                }),
                ..Update::default()
            }
        }
    }

    /// The family this UPDATE marks the End-of-RIB of, if it is one.
    pub fn is_end_of_rib(&self) -> Option<Family> {
        if !self.withdrawn.is_empty()
            || !self.announced.is_empty()
            || !self.attributes.is_empty()
            || self.mp_reach.is_some()
            || !self.issues.is_empty()
        {
            return None;
        }
        match &self.mp_unreach {
            None => Some(Family::IPV4_UNICAST),
            Some(u) if u.nlri.is_empty() => Some(u.family),
            Some(_) => None,
        }
    }
}
