//! `announce { ipv4|ipv6 { mcast-vpn ... } }`: MCAST-VPN routes (RFC 6514 §4.5
//! Source Active A-D (type 5), §4.6 C-multicast Shared Tree Join (6) and
//! Source Tree Join (7)).

use super::error::{ConfigError, Pos};
use super::lexer::Token;
use super::model::NextHop;
use super::route::{split_parens, unknown_attribute, Allow, RouteAttrs};
use super::value::{parse_asn, parse_ip, Cursor};
use crate::wire::attribute::Attributes;
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::RouteDistinguisher;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum McastVpnKind {
    /// `source-ad source IP group IP`
    SourceAd { source: IpAddr, group: IpAddr },
    /// `shared-join rp IP group IP source-as ASN`
    SharedJoin {
        rp: IpAddr,
        group: IpAddr,
        source_as: u32,
    },
    /// `source-join source IP group IP source-as ASN`
    SourceJoin {
        source: IpAddr,
        group: IpAddr,
        source_as: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct McastVpnRoute {
    pub family: Family,
    pub rd: RouteDistinguisher,
    pub kind: McastVpnKind,
    pub next_hop: NextHop,
    pub attributes: Attributes,
}

const ALLOW: Allow = Allow {
    label_rd: true,
    path_information: false,
    split: false,
    next_hop: true,
};

/// The tokens after `mcast-vpn` for address family `afi`.
pub fn parse_mcast_vpn(afi: Afi, toks: &[Token], end: Pos) -> Result<McastVpnRoute, ConfigError> {
    let toks = split_parens(toks);
    let mut cur = Cursor::new(&toks, end);
    let kind_t = cur.expect("source-ad, shared-join or source-join")?;
    let at = kind_t.pos;
    let (mut source, mut group, mut rp, mut source_as) = (None, None, None, None);
    let mut attrs = RouteAttrs::default();
    let ip = |cur: &mut Cursor, what: &str| -> Result<IpAddr, ConfigError> {
        let t = cur.expect(what)?;
        let a = parse_ip(t)?;
        if (afi == Afi::IPV4) != a.is_ipv4() {
            return Err(ConfigError::expected(
                t.pos,
                &format!("an {} address", afi.name().unwrap_or("IP")),
                &t.text,
            ));
        }
        Ok(a)
    };
    while let Some(kw) = cur.next() {
        match kw.as_str() {
            "source" => source = Some(ip(&mut cur, "a source address")?),
            "group" => group = Some(ip(&mut cur, "a group address")?),
            "rp" => rp = Some(ip(&mut cur, "a rendezvous point address")?),
            "source-as" => source_as = Some(parse_asn(cur.expect("an AS number")?)?),
            _ => {
                if !attrs.parse_keyword(kw, &mut cur, ALLOW)? {
                    return Err(unknown_attribute(kw));
                }
            }
        }
    }
    let name = kind_t.as_str();
    let missing = |w: &str| {
        ConfigError::new(
            at,
            format!("incomplete mcast-vpn {name} route: expected '{w}'"),
        )
    };
    let rd = attrs.rd.ok_or_else(|| missing("rd"))?;
    let kind = match name {
        "source-ad" => McastVpnKind::SourceAd {
            source: source.ok_or_else(|| missing("source"))?,
            group: group.ok_or_else(|| missing("group"))?,
        },
        "shared-join" => McastVpnKind::SharedJoin {
            rp: rp.ok_or_else(|| missing("rp"))?,
            group: group.ok_or_else(|| missing("group"))?,
            source_as: source_as.ok_or_else(|| missing("source-as"))?,
        },
        "source-join" => McastVpnKind::SourceJoin {
            source: source.ok_or_else(|| missing("source"))?,
            group: group.ok_or_else(|| missing("group"))?,
            source_as: source_as.ok_or_else(|| missing("source-as"))?,
        },
        _ => {
            return Err(ConfigError::expected(
                at,
                "source-ad, shared-join or source-join",
                name,
            ))
        }
    };
    Ok(McastVpnRoute {
        family: Family::new(afi, Safi::MCAST_VPN),
        rd,
        kind,
        next_hop: attrs.next_hop.unwrap_or(NextHop::None),
        attributes: attrs.attributes,
    })
}
