//! Neighbor selectors (reference §3.2, ExaBGP `command/limit.py`).
//!
//! `neighbor <ip> [local-ip <ip>] [local-as <asn>] [peer-as <asn>]
//! [router-id <id>] [family-allowed <fams>] <command>`, several groups joined
//! by ` , ` (OR). ExaBGP matches each `key value` pair as a whole-word
//! sequence inside the peer's name `neighbor <peer> local-ip <local> local-as
//! <asn> peer-as <asn> router-id <id> family-allowed <in-open|afi-safi/...>`;
//! here the values are typed and compared with the neighbor's configuration,
//! which gives the same answer for every value ExaBGP itself would print.

use super::{CommandError, ErrorKind};
use crate::config::model::{AsnSetting, NeighborConfig};
use crate::wire::family::{Afi, Family, Safi};
use std::net::{IpAddr, Ipv4Addr};

/// Which neighbors a command addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// No selector: every neighbor the process may address.
    All,
    /// `neighbor ...` groups: a neighbor is selected if any group matches.
    /// Never empty.
    Neighbors(Vec<NeighborMatch>),
}

impl Selector {
    /// Whether `n` is selected (for `All`, the caller restricts to the
    /// neighbors the process may address).
    pub fn matches(&self, n: &NeighborConfig) -> bool {
        match self {
            Selector::All => true,
            Selector::Neighbors(groups) => groups.iter().any(|g| g.matches(n)),
        }
    }
}

/// A selector value: typed when it parses, otherwise kept as written (it then
/// matches no neighbor, as in ExaBGP where it is absent from every name).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Want<T> {
    Value(T),
    /// Written text that no neighbor name contains (`neighbor absentone`, or a
    /// key given twice with different values).
    Never(String),
}

impl<T: PartialEq> Want<T> {
    fn is(&self, v: &T) -> bool {
        match self {
            Want::Value(w) => w == v,
            Want::Never(_) => false,
        }
    }
}

/// `family-allowed` value of a neighbor's name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FamilyAllowed {
    /// `in-open`: the neighbor does not use multi-session.
    InOpen,
    /// `ipv4-unicast/ipv6-unicast...`: the multi-session neighbor's families,
    /// in configuration (AFI, SAFI) order.
    Families(Vec<Family>),
}

/// One selector group. Absent fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NeighborMatch {
    /// None for `neighbor *` (or a group without a `neighbor` key).
    pub peer: Option<Want<IpAddr>>,
    /// `local-ip`; `Value(None)` is `auto` (no configured local address).
    pub local_ip: Option<Want<Option<IpAddr>>>,
    pub local_as: Option<Want<AsnSetting>>,
    pub peer_as: Option<Want<AsnSetting>>,
    pub router_id: Option<Want<Ipv4Addr>>,
    pub family_allowed: Option<Want<FamilyAllowed>>,
}

impl NeighborMatch {
    /// ExaBGP's `match_neighbor`: every given `key value` must be part of the
    /// neighbor's name.
    pub fn matches(&self, n: &NeighborConfig) -> bool {
        if let Some(w) = &self.peer {
            if !w.is(&n.peer_address) {
                return false;
            }
        }
        if let Some(w) = &self.local_ip {
            if !w.is(&n.local_address) {
                return false;
            }
        }
        if let Some(w) = &self.local_as {
            if !w.is(&n.local_as) {
                return false;
            }
        }
        if let Some(w) = &self.peer_as {
            if !w.is(&n.peer_as) {
                return false;
            }
        }
        if let Some(w) = &self.router_id {
            match n.router_id {
                Some(r) if w.is(&r) => {}
                _ => return false,
            }
        }
        if let Some(w) = &self.family_allowed {
            let mine = if n.capability.multi_session {
                FamilyAllowed::Families(n.families.clone())
            } else {
                FamilyAllowed::InOpen
            };
            if !w.is(&mine) {
                return false;
            }
        }
        true
    }
}

const KEYS: [&str; 6] = [
    "neighbor",
    "local-ip",
    "local-as",
    "peer-as",
    "router-id",
    "family-allowed",
];

fn asn(v: &str) -> Option<AsnSetting> {
    if v == "auto" {
        return Some(AsnSetting::Auto);
    }
    // ExaBGP prints the number in decimal.
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) || (v.len() > 1 && v.starts_with('0'))
    {
        return None;
    }
    v.parse().ok().map(AsnSetting::Asn)
}

fn families(v: &str) -> Option<FamilyAllowed> {
    if v == "in-open" {
        return Some(FamilyAllowed::InOpen);
    }
    let mut out = Vec::new();
    for part in v.split('/') {
        // `afi-safi`; SAFI names may contain '-' (`mpls-vpn`), AFI names don't.
        let (afi, safi) = part.split_once('-')?;
        out.push(Family::new(Afi::from_name(afi)?, Safi::from_name(safi)?));
    }
    Some(FamilyAllowed::Families(out))
}

fn set<T: PartialEq>(slot: &mut Option<Want<T>>, value: Option<T>, raw: &str) {
    let new = match value {
        Some(v) => Want::Value(v),
        None => Want::Never(raw.to_string()),
    };
    *slot = match slot.take() {
        None => Some(new),
        Some(old) if old == new => Some(old),
        // Both pairs must be in the name: different values can never match.
        Some(_) => Some(Want::Never(raw.to_string())),
    };
}

/// Apply one `key value` pair to `g`.
fn apply(g: &mut NeighborMatch, key: &str, value: &str) {
    match key {
        "neighbor" => set(&mut g.peer, value.parse::<IpAddr>().ok(), value),
        "local-ip" => {
            let v = match value {
                // ExaBGP's name says `None` for an automatic local address.
                "auto" | "None" => Some(None),
                _ => value.parse::<IpAddr>().ok().map(Some),
            };
            set(&mut g.local_ip, v, value)
        }
        "local-as" => set(&mut g.local_as, asn(value), value),
        "peer-as" => set(&mut g.peer_as, asn(value), value),
        "router-id" => set(&mut g.router_id, value.parse::<Ipv4Addr>().ok(), value),
        _ => set(&mut g.family_allowed, families(value), value),
    }
}

/// Split a normalised line into its selector and the command words after it
/// (ExaBGP `extract_neighbors`).
pub fn extract(line: &str) -> Result<(Selector, &str), CommandError> {
    let Some(mut rest) = line.strip_prefix("neighbor ") else {
        return Ok((Selector::All, line));
    };
    let mut groups: Vec<NeighborMatch> = Vec::new();
    let mut group = NeighborMatch::default();
    // `neighbor *` ends the group's matching: ExaBGP returns true on it.
    let mut star = false;
    let mut key = "neighbor";
    loop {
        let (value, after) = match rest.split_once(' ') {
            Some((v, a)) => (v, a),
            None => {
                return Err(CommandError::new(
                    ErrorKind::Selector,
                    format!("expected a command after the neighbor selector '{line}'"),
                ))
            }
        };
        if value == "," || value.is_empty() {
            return Err(CommandError::new(
                ErrorKind::Selector,
                format!("expected a value after '{key}' in the neighbor selector"),
            ));
        }
        if !star {
            if key == "neighbor" && value == "*" {
                star = true;
            } else {
                apply(&mut group, key, value);
            }
        }
        rest = after;
        // Next: another key, a `,` starting a new group, or the command.
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if word == "," {
            groups.push(std::mem::take(&mut group));
            star = false;
            rest = after;
            let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
            if !KEYS.contains(&word) {
                // ExaBGP drops an empty group and goes on with the command.
                break;
            }
            key = word;
            rest = after;
            continue;
        }
        if !KEYS.contains(&word) {
            groups.push(std::mem::take(&mut group));
            break;
        }
        key = word;
        rest = after;
    }
    Ok((Selector::Neighbors(groups), rest))
}
