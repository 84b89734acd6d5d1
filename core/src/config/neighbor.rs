//! `neighbor IP { }` and `template { neighbor NAME { } }` bodies (reference
//! §1.3-§1.10), template inheritance (§1.11) and per-neighbor validation (§1.12).

use super::announce::{parse_announce_line, Announcement};
use super::api::parse_api_block;
use super::capability::{parse_capability_block, CapabilityDraft};
use super::error::{ConfigError, Pos};
use super::family::{parse_family_block, parse_nexthop_block};
use super::flow::{parse_flow_section, FlowRoute};
use super::l2vpn::{parse_l2vpn_section, VplsRoute};
use super::lexer::Token;
use super::model::{ApiConfig, AsnSetting, NeighborConfig, NextHop, Route};
use super::mup::MupRoute;
use super::mvpn::McastVpnRoute;
use super::route::{
    needs_next_hop, parse_attributes_nlri, parse_route, split_parens, unknown_attribute, Allow,
    RouteAttrs,
};
use super::tree::Node;
use super::value::{
    asn_from_str, bool_from_str, parse_dec, parse_ip, parse_ipv4, parse_prefix, parse_uint, Cursor,
};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::Prefix;
use std::net::{IpAddr, Ipv4Addr};

/// `md5-base64` setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Md5Base64 {
    False,
    True,
    Auto,
}

/// A neighbor or template body as written: `None` = keyword not written, so
/// that template merging can tell "absent" from "default".
#[derive(Clone, Debug, Default)]
pub struct NeighborDraft {
    pub pos: Pos,
    pub peer: Option<(IpAddr, Option<u8>)>,
    pub router_id: Option<Ipv4Addr>,
    /// Some(None) = `auto`.
    pub local_address: Option<Option<IpAddr>>,
    pub local_as: Option<AsnSetting>,
    pub peer_as: Option<AsnSetting>,
    pub hold_time: Option<u16>,
    pub passive: Option<bool>,
    pub listen: Option<u16>,
    pub connect: Option<u16>,
    pub description: Option<String>,
    pub host_name: Option<String>,
    pub domain_name: Option<String>,
    pub group_updates: Option<bool>,
    pub auto_flush: Option<bool>,
    pub adj_rib_out: Option<bool>,
    pub adj_rib_in: Option<bool>,
    pub manual_eor: Option<bool>,
    pub md5_password: Option<(String, Pos)>,
    pub md5_base64: Option<Md5Base64>,
    pub md5_ip: Option<IpAddr>,
    /// Some(None) = `disable`.
    pub outgoing_ttl: Option<Option<u8>>,
    pub incoming_ttl: Option<Option<u8>>,
    pub source_interface: Option<String>,
    pub rate_limit: Option<Option<u32>>,
    pub families: Option<Vec<Family>>,
    pub add_path: Vec<Family>,
    pub nexthop: Vec<(Family, Afi)>,
    pub capability: CapabilityDraft,
    pub api: Vec<(ApiConfig, Vec<Pos>)>,
    /// Routes, and where each was written (kept apart so the routes move
    /// into the final config without a copy: 100k-route configs exist).
    pub routes: Vec<Route>,
    pub route_pos: Vec<Pos>,
    pub flows: Vec<(FlowRoute, Pos)>,
    pub vpls: Vec<(VplsRoute, Pos)>,
    pub mup: Vec<(MupRoute, Pos)>,
    pub mcast_vpn: Vec<(McastVpnRoute, Pos)>,
    /// Template names and where they were written.
    pub inherit: Vec<(String, Pos)>,
}

macro_rules! over {
    ($dst:ident, $src:ident, $($f:ident),*) => { $( if $src.$f.is_some() { $dst.$f = $src.$f.clone(); } )* };
}

impl NeighborDraft {
    /// Apply a template (reference §1.11, verified against ExaBGP): scalars
    /// written in the template **override** the neighbor's own, lists are
    /// appended after the neighbor's, sub-sections merge key by key.
    pub fn merge_from(&mut self, t: &NeighborDraft) {
        let s = self;
        over!(
            s,
            t,
            peer,
            router_id,
            local_address,
            local_as,
            peer_as,
            hold_time,
            passive,
            listen,
            connect,
            description,
            host_name,
            domain_name,
            group_updates,
            auto_flush,
            adj_rib_out,
            adj_rib_in,
            manual_eor,
            md5_password,
            md5_base64,
            md5_ip,
            outgoing_ttl,
            incoming_ttl,
            source_interface,
            rate_limit
        );
        if let Some(tf) = &t.families {
            let mut f = s.families.take().unwrap_or_default();
            f.extend_from_slice(tf);
            s.families = Some(f);
        }
        s.add_path.extend_from_slice(&t.add_path);
        s.nexthop.extend_from_slice(&t.nexthop);
        s.capability.merge_from(&t.capability);
        s.api.extend(t.api.iter().cloned());
        s.routes.extend(t.routes.iter().cloned());
        s.route_pos.extend_from_slice(&t.route_pos);
        s.flows.extend(t.flows.iter().cloned());
        s.vpls.extend(t.vpls.iter().cloned());
        s.mup.extend(t.mup.iter().cloned());
        s.mcast_vpn.extend(t.mcast_vpn.iter().cloned());
    }
}

/// Parse a peer address, possibly a range `a.b.c.d/len`.
pub fn parse_peer(t: &Token) -> Result<(IpAddr, Option<u8>), ConfigError> {
    match t.text.split_once('/') {
        None => Ok((parse_ip(t)?, None)),
        Some(_) => {
            let p = parse_prefix(t)?;
            Ok((p.addr(), Some(p.len())))
        }
    }
}

fn asn_setting(t: &Token) -> Result<AsnSetting, ConfigError> {
    if t.is("auto") {
        return Ok(AsnSetting::Auto);
    }
    asn_from_str(&t.text).map(AsnSetting::Asn).ok_or_else(|| {
        ConfigError::expected(
            t.pos,
            "an AS number (0..4294967295, asdot H.L) or 'auto'",
            &t.text,
        )
    })
}

/// Hostname/domain syntax (reference §1.3): `[A-Za-z0-9.-]`, alphanumeric
/// first and last, no `..`, at most 255 characters.
fn check_fqdn(t: &Token) -> Result<String, ConfigError> {
    let s = &t.text;
    let ok = !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
        && !s.contains("..");
    if ok {
        Ok(s.to_string())
    } else {
        Err(ConfigError::expected(
            t.pos,
            "a host or domain name ([A-Za-z0-9.-])",
            s,
        ))
    }
}

fn ttl(t: &Token) -> Result<Option<u8>, ConfigError> {
    if matches!(t.as_str(), "false" | "disable" | "disabled") {
        return Ok(None);
    }
    Ok(Some(
        parse_uint(t, "a TTL (0..255) or 'disable'", 255)? as u8
    ))
}

/// `keyword [bool]` with a bare default.
fn opt_bool(cur: &mut Cursor, bare: bool) -> Result<bool, ConfigError> {
    match cur.next() {
        None => Ok(bare),
        Some(t) => bool_from_str(&t.text).ok_or_else(|| {
            ConfigError::expected(t.pos, "a boolean (true, false, enable, disable)", &t.text)
        }),
    }
}

fn stmt_parts<'a>(node: &'a Node<'a>) -> Option<(&'a [Token<'a>], Pos)> {
    match node {
        Node::Stmt { tokens, end_pos } => Some((tokens, *end_pos)),
        Node::Block { .. } => None,
    }
}

/// Parse a neighbor (or template neighbor) body into `d`.
pub fn parse_neighbor_body(body: &[Node], d: &mut NeighborDraft) -> Result<(), ConfigError> {
    for node in body {
        match node {
            Node::Stmt { tokens, end_pos } => parse_neighbor_stmt(tokens, *end_pos, d)?,
            Node::Block { head, body, .. } => {
                let kw = &head[0];
                let extra = |i: usize| -> Result<(), ConfigError> {
                    match head.get(i) {
                        Some(t) => Err(ConfigError::expected(t.pos, "'{'", &t.text)),
                        None => Ok(()),
                    }
                };
                match kw.as_str() {
                    "family" => {
                        extra(1)?;
                        let f = parse_family_block(body, "family")?;
                        d.families.get_or_insert_with(Vec::new).extend(f);
                    }
                    "add-path" => {
                        extra(1)?;
                        d.add_path.extend(parse_family_block(body, "add-path")?);
                    }
                    "nexthop" => {
                        extra(1)?;
                        d.nexthop.extend(parse_nexthop_block(body)?);
                    }
                    "capability" => {
                        extra(1)?;
                        parse_capability_block(body, &mut d.capability)?;
                    }
                    "api" => {
                        extra(2)?;
                        let name = head.get(1).map(|t| t.text.to_string());
                        if let Some(n) = &name {
                            if d.api.iter().any(|(a, _)| a.name.as_deref() == Some(n)) {
                                return Err(ConfigError::new(head[1].pos, format!("duplicate api name '{n}'")));
                            }
                        }
                        d.api.push(parse_api_block(name, body)?);
                    }
                    "static" => {
                        extra(1)?;
                        parse_static(body, d)?;
                    }
                    "announce" => {
                        extra(1)?;
                        parse_announce(body, d)?;
                    }
                    "flow" => {
                        extra(1)?;
                        let mut flows = Vec::new();
                        parse_flow_section(body, &mut flows)?;
                        let p = kw.pos;
                        d.flows.extend(flows.into_iter().map(|f| (f, p)));
                    }
                    "l2vpn" => {
                        extra(1)?;
                        let mut v = Vec::new();
                        parse_l2vpn_section(body, &mut v)?;
                        let p = kw.pos;
                        d.vpls.extend(v.into_iter().map(|r| (r, p)));
                    }
                    "operational" => {
                        return Err(ConfigError::new(
                            kw.pos,
                            "the operational section is not supported (it crashes ExaBGP 5.0's parser too)",
                        ))
                    }
                    _ => {
                        return Err(ConfigError::new(
                            kw.pos,
                            format!(
                                "invalid section '{}' in neighbor: expected family, capability, add-path, nexthop, api, static, flow, announce or l2vpn",
                                kw.text
                            ),
                        ))
                    }
                }
            }
        }
    }
    Ok(())
}

fn parse_neighbor_stmt(
    tokens: &[Token],
    end: Pos,
    d: &mut NeighborDraft,
) -> Result<(), ConfigError> {
    let mut cur = Cursor::new(tokens, end);
    let kw = cur.expect("a neighbor keyword")?;
    macro_rules! val {
        ($what:expr) => {
            cur.expect($what)?
        };
    }
    match kw.as_str() {
        "router-id" => d.router_id = Some(parse_ipv4(val!("a router-id (IPv4 address)"))?),
        "local-address" => {
            let t = val!("a local address or 'auto'");
            d.local_address = Some(if t.is("auto") {
                None
            } else {
                Some(parse_ip(t)?)
            });
        }
        "peer-address" => d.peer = Some(parse_peer(val!("a peer address"))?),
        "local-as" => d.local_as = Some(asn_setting(val!("an AS number or 'auto'"))?),
        "peer-as" => d.peer_as = Some(asn_setting(val!("an AS number or 'auto'"))?),
        "hold-time" => {
            let t = val!("a hold time (0 or 3..65535)");
            let v = parse_dec(t, "a hold time (0 or 3..65535)", 0, 0xFFFF).map_err(|_| {
                ConfigError::expected(t.pos, "a hold time (0 or 3..65535)", &t.text)
            })?;
            // RFC 4271 §4.2: zero or at least three seconds.
            if v == 1 || v == 2 {
                return Err(ConfigError::expected(
                    t.pos,
                    "a hold time of 0 or 3..65535",
                    &t.text,
                ));
            }
            d.hold_time = Some(v as u16);
        }
        "passive" => d.passive = Some(opt_bool(&mut cur, true)?),
        "listen" => d.listen = Some(parse_dec(val!("a port"), "a port", 0, 0xFFFF)? as u16),
        "connect" => d.connect = Some(parse_dec(val!("a port"), "a port", 0, 0xFFFF)? as u16),
        "description" => {
            // ExaBGP accepts several words; keep them joined by one space.
            let mut words = vec![val!("a description").text.to_string()];
            while let Some(t) = cur.next() {
                words.push(t.text.to_string());
            }
            d.description = Some(words.join(" "));
        }
        "host-name" => d.host_name = Some(check_fqdn(val!("a host name"))?),
        "domain-name" => d.domain_name = Some(check_fqdn(val!("a domain name"))?),
        "group-updates" => d.group_updates = Some(opt_bool(&mut cur, true)?),
        "auto-flush" => d.auto_flush = Some(opt_bool(&mut cur, true)?),
        // Bare `adj-rib-out;`, `adj-rib-in;` and `manual-eor;` mean false in
        // ExaBGP 5.0 (reference §1.3, §11.2).
        "adj-rib-out" => d.adj_rib_out = Some(opt_bool(&mut cur, false)?),
        "adj-rib-in" => d.adj_rib_in = Some(opt_bool(&mut cur, false)?),
        "manual-eor" => d.manual_eor = Some(opt_bool(&mut cur, false)?),
        "md5-password" => {
            let t = val!("an MD5 password");
            d.md5_password = Some((t.text.to_string(), t.pos));
        }
        "md5-base64" => {
            d.md5_base64 = Some(match cur.next() {
                None => Md5Base64::False,
                Some(t) if t.text.eq_ignore_ascii_case("auto") => Md5Base64::Auto,
                Some(t) => match bool_from_str(&t.text) {
                    Some(true) => Md5Base64::True,
                    Some(false) => Md5Base64::False,
                    None => {
                        return Err(ConfigError::expected(t.pos, "true, false or auto", &t.text))
                    }
                },
            })
        }
        "md5-ip" => d.md5_ip = Some(parse_ip(val!("an IP address"))?),
        "outgoing-ttl" => d.outgoing_ttl = Some(ttl(val!("a TTL"))?),
        "incoming-ttl" => d.incoming_ttl = Some(ttl(val!("a TTL"))?),
        "source-interface" => d.source_interface = Some(val!("an interface name").text.to_string()),
        "rate-limit" => {
            let t = val!("a rate (messages per second) or 'disable'");
            d.rate_limit = Some(if matches!(t.as_str(), "disable" | "disabled") {
                None
            } else {
                let v = parse_uint(t, "a rate (1..4294967295) or 'disable'", u32::MAX as u64)?;
                if v == 0 {
                    return Err(ConfigError::expected(
                        t.pos,
                        "a rate of at least 1 or 'disable'",
                        &t.text,
                    ));
                }
                Some(v as u32)
            });
        }
        "inherit" => {
            for t in cur.list("a template name")? {
                d.inherit.push((t.text.to_string(), t.pos));
            }
        }
        _ => {
            return Err(ConfigError::new(
                kw.pos,
                format!("invalid keyword '{}' in neighbor", kw.text),
            ))
        }
    }
    cur.finish()
}

fn push_routes(
    d: &mut NeighborDraft,
    attrs: &RouteAttrs,
    prefixes: &[(Prefix, Pos)],
    family: Option<Family>,
) -> Result<(), ConfigError> {
    for &(p, pos) in prefixes {
        let start = d.routes.len();
        attrs.build(p, pos, family, &mut d.routes)?;
        d.route_pos.resize(d.routes.len(), pos);
        if let Some(r) = d.routes.get(start) {
            if needs_next_hop(r) {
                return Err(ConfigError::new(
                    pos,
                    format!("expected 'next-hop' for the {} route {p}", r.family),
                ));
            }
        }
    }
    Ok(())
}

/// `static { route ...; route P { ... } attributes ... nlri ...; }`
fn parse_static(body: &[Node], d: &mut NeighborDraft) -> Result<(), ConfigError> {
    for node in body {
        match node {
            Node::Stmt { tokens, end_pos } => {
                let kw = &tokens[0];
                let (attrs, prefixes) = match kw.as_str() {
                    "route" => parse_route(&tokens[1..], *end_pos)?,
                    "attributes" | "attribute" => parse_attributes_nlri(&tokens[1..], *end_pos)?,
                    _ => {
                        return Err(ConfigError::new(
                            kw.pos,
                            format!(
                                "invalid keyword '{}' in static: expected 'route' or 'attributes'",
                                kw.text
                            ),
                        ))
                    }
                };
                push_routes(d, &attrs, &prefixes, None)?;
            }
            Node::Block { head, body, .. } => {
                let kw = &head[0];
                if !kw.is("route") {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!("invalid section '{}' in static: expected 'route'", kw.text),
                    ));
                }
                let head = split_parens(head);
                let pt = head
                    .get(1)
                    .ok_or_else(|| ConfigError::expected(kw.end_pos(), "a prefix", "{"))?;
                let prefix = parse_prefix(pt)?;
                let mut attrs = RouteAttrs::default();
                // Attributes may also follow the prefix on the `route` line.
                let mut cur = Cursor::new(&head[2..], pt.end_pos());
                attrs.parse_all(&mut cur, Allow::ALL)?;
                for n in body {
                    let (tokens, end_pos) = stmt_parts(n).ok_or_else(|| {
                        ConfigError::new(n.pos(), "expected a route attribute, found a section")
                    })?;
                    let tokens = split_parens(tokens);
                    let mut cur = Cursor::new(&tokens, end_pos);
                    let kw = cur.expect("a route attribute")?;
                    if !attrs.parse_keyword(kw, &mut cur, Allow::ALL)? {
                        return Err(unknown_attribute(kw));
                    }
                    cur.finish()?;
                }
                push_routes(d, &attrs, &[(prefix, pt.pos)], None)?;
            }
        }
    }
    Ok(())
}

/// `announce { ipv4 { ... } ipv6 { ... } l2vpn { ... } }`
fn parse_announce(body: &[Node], d: &mut NeighborDraft) -> Result<(), ConfigError> {
    for node in body {
        let Node::Block { head, body, .. } = node else {
            let p = node.pos();
            return Err(ConfigError::new(
                p,
                "expected 'ipv4 {', 'ipv6 {' or 'l2vpn {' in announce",
            ));
        };
        let kw = &head[0];
        if let Some(t) = head.get(1) {
            return Err(ConfigError::expected(t.pos, "'{'", &t.text));
        }
        let afi = match kw.as_str() {
            "ipv4" => Afi::IPV4,
            "ipv6" => Afi::IPV6,
            "l2vpn" => Afi::L2VPN,
            _ => {
                return Err(ConfigError::new(
                    kw.pos,
                    format!(
                        "invalid section '{}' in announce: expected ipv4, ipv6 or l2vpn",
                        kw.text
                    ),
                ))
            }
        };
        for n in body {
            let (tokens, end) = stmt_parts(n).ok_or_else(|| {
                ConfigError::new(n.pos(), "expected an announcement, found a section")
            })?;
            let kw = &tokens[0];
            match parse_announce_line(afi, kw, &tokens[1..], end, true)? {
                Announcement::Routes { routes, positions } => {
                    d.routes.extend(routes);
                    d.route_pos.extend(positions);
                }
                Announcement::Flow(f) => d.flows.push((f, kw.pos)),
                Announcement::Vpls(v) => d.vpls.push((v, kw.pos)),
                Announcement::McastVpn(m) => d.mcast_vpn.push((m, kw.pos)),
                Announcement::Mup(m) => d.mup.push((m, kw.pos)),
            }
        }
    }
    Ok(())
}

/// Standard base64 (RFC 4648 §4) decoded length, None if invalid.
fn base64_decoded_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.len() & 3 != 0 {
        return None;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return None;
    }
    let body = &b[..b.len() - pad];
    if !body
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
    {
        return None;
    }
    Some(b.len() / 4 * 3 - pad)
}

/// Defaults, derived values and the per-neighbor rules of reference §1.12.
pub fn finish_neighbor(d: NeighborDraft) -> Result<NeighborConfig, ConfigError> {
    let at = d.pos;
    let (peer, prefix_len) = d
        .peer
        .ok_or_else(|| ConfigError::new(at, "incomplete neighbor, missing peer-address"))?;
    let mut missing = Vec::new();
    if d.local_as.is_none() {
        missing.push("local-as");
    }
    if d.peer_as.is_none() {
        missing.push("peer-as");
    }
    if !missing.is_empty() {
        return Err(ConfigError::new(
            at,
            format!("incomplete neighbor, missing {}", missing.join(", ")),
        ));
    }
    let mut n = NeighborConfig::new(
        peer,
        d.local_as.unwrap_or(AsnSetting::Auto),
        d.peer_as.unwrap_or(AsnSetting::Auto),
    );
    n.peer_prefix_len = prefix_len.filter(|l| *l != if peer.is_ipv4() { 32 } else { 128 });
    n.local_address = d.local_address.flatten();
    if let Some(local) = n.local_address {
        if local.is_ipv4() != peer.is_ipv4() {
            return Err(ConfigError::new(at, format!("local-address {local} and peer-address {peer} must be of the same address family")));
        }
    }
    n.router_id = match (d.router_id, n.local_address) {
        (Some(r), _) => Some(r),
        (None, Some(IpAddr::V4(l))) if peer.is_ipv4() => Some(l),
        _ => return Err(ConfigError::new(at, "incomplete neighbor, missing router-id (required for IPv6 peers and with an automatic local-address)")),
    };
    n.hold_time = d.hold_time.unwrap_or(180);
    n.passive = d.passive.unwrap_or(false);
    n.listen = d.listen;
    n.connect = d.connect;
    if n.listen.is_some() && n.local_address.is_none() {
        return Err(ConfigError::new(
            at,
            "'listen' requires an explicit local-address",
        ));
    }
    if n.peer_prefix_len.is_some() && !n.passive {
        return Err(ConfigError::new(
            at,
            format!(
                "neighbor {peer}/{} is a range: it must be passive",
                prefix_len.unwrap_or(0)
            ),
        ));
    }
    n.description = d.description;
    n.host_name = d.host_name;
    n.domain_name = d.domain_name;
    n.group_updates = d.group_updates.unwrap_or(true);
    n.auto_flush = d.auto_flush.unwrap_or(true);
    n.adj_rib_in = d.adj_rib_in.unwrap_or(true);
    n.manual_eor = d.manual_eor.unwrap_or(false);
    n.md5_base64 = d.md5_base64 == Some(Md5Base64::True);
    n.md5_base64_auto = d.md5_base64 == Some(Md5Base64::Auto);
    if let Some((pw, pos)) = d.md5_password {
        let len = if n.md5_base64 {
            base64_decoded_len(&pw).ok_or_else(|| {
                ConfigError::new(
                    pos,
                    "expected a base64 encoded md5-password (md5-base64 is true)",
                )
            })?
        } else {
            pw.len()
        };
        // TCP_MD5SIG_MAXKEYLEN (RFC 2385 keys as the kernel accepts them).
        if len > 80 {
            return Err(ConfigError::new(
                pos,
                format!("expected an md5-password of at most 80 bytes, found {len}"),
            ));
        }
        n.md5_password = Some(pw);
    }
    n.md5_ip = d.md5_ip;
    n.outgoing_ttl = d.outgoing_ttl.flatten();
    n.incoming_ttl = d.incoming_ttl.flatten();
    n.source_interface = d.source_interface;
    n.rate_limit = d.rate_limit.flatten();
    let mut families = d.families.unwrap_or_else(|| Family::ALL.to_vec());
    families.sort();
    families.dedup();
    n.families = families;
    let mut ap = d.add_path;
    ap.sort();
    ap.dedup();
    n.add_path_families = ap;
    // Entries whose families are not configured are accepted (ExaBGP 5.0
    // loads them, checked); only those with both the NLRI family and the
    // next-hop family configured end up advertised (reference §1.5).
    n.nexthop = d.nexthop;
    n.capability = d.capability.resolve(n.hold_time);
    // route-refresh needs the Adj-RIB-Out to answer refreshes (reference §1.4).
    n.adj_rib_out = d.adj_rib_out.unwrap_or(true) || n.capability.route_refresh;
    let mut api_names: Vec<String> = Vec::new();
    for (i, (mut a, _)) in d.api.into_iter().enumerate() {
        if a.name.is_none() {
            a.name = Some(format!("api-{i}"));
        }
        if let Some(nm) = &a.name {
            if api_names.contains(nm) {
                // Same named api block from the neighbor and a template: merge.
                if let Some(prev) = n.api.iter_mut().find(|x| x.name.as_ref() == Some(nm)) {
                    prev.processes.extend(a.processes);
                    prev.processes_match.extend(a.processes_match);
                    continue;
                }
            }
            api_names.push(nm.clone());
        }
        n.api.push(a);
    }
    let family_ok = |f: &Family, fams: &[Family]| *f == Family::IPV4_UNICAST || fams.contains(f);
    let not_announced = |pos: Pos, f: &Family| {
        ConfigError::new(
            pos,
            format!("trying to announce a route of type {f} when we are not announcing the family"),
        )
    };
    for (r, pos) in d.routes.iter().zip(d.route_pos.iter()) {
        if !family_ok(&r.family, &n.families) {
            return Err(not_announced(*pos, &r.family));
        }
        if r.next_hop == NextHop::SelfAddress && r.family.afi == Afi::IPV6 && peer.is_ipv4() {
            return Err(ConfigError::new(
                *pos,
                "next-hop self for an IPv6 route on an IPv4 session has no address to use",
            ));
        }
    }
    n.routes = d.routes;
    for (f, pos) in d.flows {
        if !family_ok(&f.family, &n.families) {
            return Err(not_announced(pos, &f.family));
        }
        n.flows.push(f);
    }
    for (v, pos) in d.vpls {
        let f = Family::new(Afi::L2VPN, Safi::VPLS);
        if !family_ok(&f, &n.families) {
            return Err(not_announced(pos, &f));
        }
        n.vpls.push(v);
    }
    for (m, pos) in d.mup {
        if !family_ok(&m.family, &n.families) {
            return Err(not_announced(pos, &m.family));
        }
        n.mup.push(m);
    }
    for (m, pos) in d.mcast_vpn {
        if !family_ok(&m.family, &n.families) {
            return Err(not_announced(pos, &m.family));
        }
        n.mcast_vpn.push(m);
    }
    Ok(n)
}
