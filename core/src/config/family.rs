//! `family { }`, `add-path { }` and `nexthop { }` blocks (reference §1.5).

use super::error::ConfigError;
use super::tree::Node;
use super::value::Cursor;
use crate::wire::family::{Afi, Family, Safi};

/// Families the `family { }` block accepts (`ipv6 multicast` and `ipv4 rtc`,
/// although part of the default set, are not among
/// them in ExaBGP 5.0: checked).
fn allowed(afi: &str, safi: &str) -> Option<Family> {
    let ok = match afi {
        "ipv4" => matches!(
            safi,
            "unicast"
                | "multicast"
                | "nlri-mpls"
                | "mpls-vpn"
                | "mcast-vpn"
                | "flow"
                | "flow-vpn"
                | "mup"
        ),
        "ipv6" => matches!(
            safi,
            "unicast" | "nlri-mpls" | "mpls-vpn" | "mcast-vpn" | "mup" | "flow" | "flow-vpn"
        ),
        "l2vpn" => matches!(safi, "vpls" | "evpn"),
        "bgp-ls" => matches!(safi, "bgp-ls" | "bgp-ls-vpn"),
        _ => false,
    };
    if ok {
        Family::from_names(afi, safi)
    } else {
        None
    }
}

/// Parse the body of `family { }` / `add-path { }`: `afi safi;` lines or `all;`.
/// Duplicates are rejected and `all` is exclusive.
pub fn parse_family_block(body: &[Node], block: &str) -> Result<Vec<Family>, ConfigError> {
    let mut out: Vec<Family> = Vec::new();
    let mut all = false;
    for node in body {
        let (tokens, end_pos) = match node {
            Node::Stmt { tokens, end_pos } => (tokens, *end_pos),
            Node::Block { head, .. } => {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!("invalid section '{}' inside {block}", head[0].text),
                ))
            }
        };
        let mut cur = Cursor::new(tokens, end_pos);
        let a = cur.expect("an address family")?;
        if a.is("all") {
            if !out.is_empty() || all {
                return Err(ConfigError::new(
                    a.pos,
                    format!("'all' cannot be combined with other families in {block}"),
                ));
            }
            cur.finish()?;
            all = true;
            out.extend_from_slice(&Family::ALL);
            continue;
        }
        if all {
            return Err(ConfigError::new(
                a.pos,
                format!("'all' cannot be combined with other families in {block}"),
            ));
        }
        if Afi::from_name(&a.text).is_none() {
            return Err(ConfigError::expected(
                a.pos,
                "an AFI (ipv4, ipv6, l2vpn, bgp-ls) or 'all'",
                &a.text,
            ));
        }
        let s = cur.expect("a SAFI")?;
        let fam = allowed(&a.text, &s.text.to_ascii_lowercase()).ok_or_else(|| {
            ConfigError::expected(s.pos, &format!("a SAFI valid for {}", a.text), &s.text)
        })?;
        cur.finish()?;
        if out.contains(&fam) {
            return Err(ConfigError::new(
                a.pos,
                format!("duplicate family '{fam}' in {block}"),
            ));
        }
        out.push(fam);
    }
    Ok(out)
}

/// `nexthop { afi safi nh-afi; }` (RFC 8950 extended next hop).
pub fn parse_nexthop_block(body: &[Node]) -> Result<Vec<(Family, Afi)>, ConfigError> {
    let mut out = Vec::new();
    for node in body {
        let (tokens, end_pos) = match node {
            Node::Stmt { tokens, end_pos } => (tokens, *end_pos),
            Node::Block { head, .. } => {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!("invalid section '{}' inside nexthop", head[0].text),
                ))
            }
        };
        let mut cur = Cursor::new(tokens, end_pos);
        let a = cur.expect("an AFI")?;
        let s = cur.expect("a SAFI")?;
        let fam = match (a.as_str(), s.as_str()) {
            ("ipv4" | "ipv6", "unicast" | "multicast" | "nlri-mpls" | "mpls-vpn") => {
                Family::from_names(&a.text, &s.text)
            }
            _ => None,
        }
        .ok_or_else(|| {
            ConfigError::expected(
                a.pos,
                "ipv4|ipv6 unicast|multicast|nlri-mpls|mpls-vpn",
                &format!("{} {}", a.text, s.text),
            )
        })?;
        let n = cur.expect("a next-hop AFI (ipv4 or ipv6)")?;
        let nh = match n.as_str() {
            "ipv4" => Afi::IPV4,
            "ipv6" => Afi::IPV6,
            _ => {
                return Err(ConfigError::expected(
                    n.pos,
                    "a next-hop AFI (ipv4 or ipv6)",
                    &n.text,
                ))
            }
        };
        if nh == fam.afi {
            return Err(ConfigError::expected(
                n.pos,
                "a next-hop AFI different from the family's",
                &n.text,
            ));
        }
        cur.finish()?;
        if !out.contains(&(fam, nh)) {
            out.push((fam, nh));
        }
    }
    let _ = Safi::UNICAST;
    Ok(out)
}
