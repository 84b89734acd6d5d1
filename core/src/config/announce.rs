//! One announcement line of an `announce { ipv4|ipv6|l2vpn { ... } }` block
//! (reference §1.8): `<safi> <arguments>` for a known AFI. The text API's
//! `announce ipv4 unicast ...`, `announce ipv6 mup ...` etc. can call
//! [`parse_announce_line`] on a command's tokens.

use super::error::{ConfigError, Pos};
use super::flow::{parse_flow_line_afi, FlowRoute};
use super::l2vpn::{parse_vpls_line, VplsRoute};
use super::lexer::Token;
use super::model::Route;
use super::mup::{parse_mup, MupRoute};
use super::mvpn::{parse_mcast_vpn, McastVpnRoute};
use super::route::{needs_next_hop, parse_route};
use crate::wire::family::{Afi, Family, Safi};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Announcement {
    /// unicast, multicast, nlri-mpls, mpls-vpn; `positions[i]` is where the
    /// prefix of `routes[i]` was written.
    Routes {
        routes: Vec<Route>,
        positions: Vec<Pos>,
    },
    Flow(FlowRoute),
    Vpls(VplsRoute),
    McastVpn(McastVpnRoute),
    Mup(MupRoute),
}

fn afi_name(afi: Afi) -> &'static str {
    afi.name().unwrap_or("?")
}

/// `kw` is the SAFI word (`unicast`, `flow`, `vpls`...), `rest` its arguments.
/// `announce` = true requires a next hop on unicast-like routes (as the
/// configuration does); withdrawals do not need one.
pub fn parse_announce_line(
    afi: Afi,
    kw: &Token,
    rest: &[Token],
    end: Pos,
    announce: bool,
) -> Result<Announcement, ConfigError> {
    if afi == Afi::L2VPN {
        if !kw.is("vpls") {
            return Err(ConfigError::new(
                kw.pos,
                format!(
                    "invalid keyword '{}' in announce l2vpn: expected 'vpls'",
                    kw.text
                ),
            ));
        }
        return Ok(Announcement::Vpls(parse_vpls_line(rest, end)?));
    }
    if afi != Afi::IPV4 && afi != Afi::IPV6 {
        return Err(ConfigError::new(
            kw.pos,
            "expected an announcement for ipv4, ipv6 or l2vpn",
        ));
    }
    match kw.as_str() {
        "unicast" | "multicast" | "nlri-mpls" | "mpls-vpn" if !kw.quoted => {
            let safi = Safi::from_name(&kw.text).unwrap_or(Safi::UNICAST);
            let (attrs, prefixes) = parse_route(rest, end)?;
            for (p, pos) in &prefixes {
                if p.is_ipv4() != (afi == Afi::IPV4) {
                    return Err(ConfigError::expected(
                        *pos,
                        &format!("an {} prefix", afi_name(afi)),
                        &p.to_string(),
                    ));
                }
            }
            if (safi == Safi::UNICAST || safi == Safi::MULTICAST)
                && (attrs.labels.is_some() || attrs.rd.is_some())
            {
                return Err(ConfigError::new(
                    kw.pos,
                    format!("'label' and 'rd' are not valid for {} {}", afi_name(afi), kw.text),
                ));
            }
            if safi == Safi::MPLS && attrs.labels.is_none() {
                return Err(ConfigError::new(end, "expected 'label' for nlri-mpls"));
            }
            // ExaBGP 5.0 builds these with SAFI unicast (a defect, reference
            // §12); we keep the family the operator asked for.
            if safi == Safi::MPLS_VPN && attrs.rd.is_none() {
                return Err(ConfigError::new(end, "expected 'rd' for mpls-vpn"));
            }
            let fam = Family::new(afi, safi);
            let mut routes = Vec::new();
            let mut positions = Vec::new();
            for &(p, pos) in &prefixes {
                let start = routes.len();
                attrs.build(p, pos, Some(fam), &mut routes)?;
                positions.resize(routes.len(), pos);
                if announce && routes.get(start).is_some_and(needs_next_hop) {
                    return Err(ConfigError::new(
                        pos,
                        format!("expected 'next-hop' for the {fam} route {p}"),
                    ));
                }
            }
            Ok(Announcement::Routes { routes, positions })
        }
        "flow" | "flow-vpn" if !kw.quoted => {
            let f = parse_flow_line_afi(rest, end, Some(afi))?;
            if f.family.afi != afi {
                return Err(ConfigError::new(
                    kw.pos,
                    format!("flow route of family {} in the {} section", f.family, afi_name(afi)),
                ));
            }
            if kw.is("flow-vpn") && f.rd.is_none() {
                return Err(ConfigError::new(end, "expected 'rd' for flow-vpn"));
            }
            Ok(Announcement::Flow(f))
        }
        "mcast-vpn" if !kw.quoted => Ok(Announcement::McastVpn(parse_mcast_vpn(afi, rest, end)?)),
        "mup" if !kw.quoted => Ok(Announcement::Mup(parse_mup(afi, rest, end)?)),
        _ => Err(ConfigError::new(
            kw.pos,
            format!(
                "invalid keyword '{}' in announce {}: expected unicast, multicast, nlri-mpls, mpls-vpn, flow, flow-vpn, mcast-vpn or mup",
                kw.text,
                afi_name(afi)
            ),
        )),
    }
}
