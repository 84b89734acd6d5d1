//! `announce { ipv4|ipv6 { mup ... } }`: BGP-MUP routes
//! (draft-mpmz-bess-mup-safi §3.1: ISD, DSD, Type 1 and Type 2 session transformed).

use super::error::{ConfigError, Pos};
use super::lexer::Token;
use super::model::NextHop;
use super::route::{split_parens, unknown_attribute, Allow, RouteAttrs};
use super::value::{parse_ip, parse_prefix, parse_uint, Cursor};
use crate::wire::attribute::Attributes;
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{Label, Prefix, RouteDistinguisher};
use serde::{Deserialize, Serialize};
use smallvec::SmallVec;
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MupKind {
    /// Interwork Segment Discovery: `mup-isd PREFIX`.
    Isd { prefix: Prefix },
    /// Direct Segment Discovery: `mup-dsd IP`.
    Dsd { address: IpAddr },
    /// Type 1 Session Transformed: `mup-t1st PREFIX teid N qfi N endpoint IP [source IP]`.
    T1st {
        prefix: Prefix,
        teid: u32,
        qfi: u8,
        endpoint: IpAddr,
        source: Option<IpAddr>,
    },
    /// Type 2 Session Transformed: `mup-t2st IP teid N/LEN`.
    T2st {
        endpoint: IpAddr,
        teid: u32,
        teid_len: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MupRoute {
    pub family: Family,
    pub rd: RouteDistinguisher,
    pub kind: MupKind,
    pub next_hop: NextHop,
    pub labels: SmallVec<[Label; 1]>,
    pub attributes: Attributes,
}

const ALLOW: Allow = Allow {
    label_rd: true,
    path_information: false,
    split: false,
    next_hop: true,
};

fn same_afi(afi: Afi, ip: &IpAddr, t: &Token) -> Result<(), ConfigError> {
    if (afi == Afi::IPV4) != ip.is_ipv4() {
        return Err(ConfigError::expected(
            t.pos,
            &format!("an {} address", afi.name().unwrap_or("IP")),
            &t.text,
        ));
    }
    Ok(())
}

/// The tokens after `mup` for address family `afi`.
pub fn parse_mup(afi: Afi, toks: &[Token], end: Pos) -> Result<MupRoute, ConfigError> {
    let toks = split_parens(toks);
    let mut cur = Cursor::new(&toks, end);
    let kind_t = cur.expect("mup-isd, mup-dsd, mup-t1st or mup-t2st")?;
    let at = kind_t.pos;
    let mut attrs = RouteAttrs::default();
    let mut teid: Option<(u32, u8)> = None;
    let mut qfi: Option<u8> = None;
    let mut endpoint: Option<IpAddr> = None;
    let mut source: Option<IpAddr> = None;
    let kind_name = kind_t.as_str();
    let subject = cur.expect("a prefix or address")?;
    while let Some(kw) = cur.next() {
        match kw.as_str() {
            "teid" if matches!(kind_name, "mup-t1st" | "mup-t2st") => {
                let t = cur.expect("a TEID")?;
                let (v, l) = match t.text.split_once('/') {
                    Some((v, l)) => (v, Some(l)),
                    None => (t.as_str(), None),
                };
                let v = parse_uint(
                    &Token::new(v, t.pos),
                    "a TEID (0..4294967295)",
                    u32::MAX as u64,
                )? as u32;
                let l = match l {
                    Some(l) => {
                        parse_uint(&Token::new(l, t.pos), "a TEID length (0..32)", 32)? as u8
                    }
                    None => 32,
                };
                teid = Some((v, l));
            }
            "qfi" if kind_name == "mup-t1st" => {
                qfi = Some(parse_uint(cur.expect("a QFI")?, "a QFI (0..255)", 255)? as u8)
            }
            "endpoint" if kind_name == "mup-t1st" => {
                let t = cur.expect("an endpoint address")?;
                endpoint = Some(parse_ip(t)?);
            }
            "source" if kind_name == "mup-t1st" => {
                let t = cur.expect("a source address")?;
                source = Some(parse_ip(t)?);
            }
            _ => {
                if !attrs.parse_keyword(kw, &mut cur, ALLOW)? {
                    return Err(unknown_attribute(kw));
                }
            }
        }
    }
    let rd = attrs
        .rd
        .ok_or_else(|| ConfigError::new(at, "incomplete mup route: expected 'rd'"))?;
    let missing =
        |w: &str| ConfigError::new(at, format!("incomplete {kind_name} route: expected '{w}'"));
    let kind = match kind_name {
        "mup-isd" => {
            let prefix = parse_prefix(subject)?;
            same_afi(afi, &prefix.addr(), subject)?;
            MupKind::Isd { prefix }
        }
        "mup-dsd" => {
            let address = parse_ip(subject)?;
            same_afi(afi, &address, subject)?;
            MupKind::Dsd { address }
        }
        "mup-t1st" => {
            let prefix = parse_prefix(subject)?;
            same_afi(afi, &prefix.addr(), subject)?;
            MupKind::T1st {
                prefix,
                teid: teid.ok_or_else(|| missing("teid"))?.0,
                qfi: qfi.ok_or_else(|| missing("qfi"))?,
                endpoint: endpoint.ok_or_else(|| missing("endpoint"))?,
                source,
            }
        }
        "mup-t2st" => {
            let endpoint = parse_ip(subject)?;
            same_afi(afi, &endpoint, subject)?;
            let (teid, teid_len) = teid.ok_or_else(|| missing("teid"))?;
            MupKind::T2st {
                endpoint,
                teid,
                teid_len,
            }
        }
        _ => {
            return Err(ConfigError::expected(
                at,
                "mup-isd, mup-dsd, mup-t1st or mup-t2st",
                kind_name,
            ))
        }
    };
    Ok(MupRoute {
        family: Family::new(afi, Safi::MUP),
        rd,
        kind,
        next_hop: attrs.next_hop.unwrap_or(NextHop::None),
        labels: attrs.labels.unwrap_or_default(),
        attributes: attrs.attributes,
    })
}
