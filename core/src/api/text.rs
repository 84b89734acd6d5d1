//! ExaBGP's text encoder (reference §5): what a process with `encoder text`
//! reads. Each event is returned with its trailing newline, exactly as
//! ExaBGP's encoder produces it; ExaBGP's writer then adds another newline
//! (the empty line after each event, reference §5 "framing quirk"), which is the
//! runtime's business.

use super::json::attribute::{prefix_sid_text, push_as_path_text, push_ipv6_extended_community};
use super::json::extcommunity::push_extended_community;
use super::json::flow::FlowRule;
use super::json::nlri::push_prefix;
use super::json::{push_hex_0x, push_ip, push_ipv4, push_u64, Direction, Raw};
use crate::wire::attribute::{flag, Attribute, Attributes, Community};
use crate::wire::capability::{AddPathMode, Capability};
use crate::wire::family::{Family, Safi};
use crate::wire::nlri::Nlri;
use crate::wire::notification::Notification;
use crate::wire::open::Open;
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
use crate::wire::update::Update;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

/// ` header 0x.. body 0x..` (each part only when non-empty).
fn push_raw(out: &mut String, raw: Option<Raw<'_>>) {
    if let Some(r) = raw {
        if !r.header.is_empty() {
            out.push_str(" header ");
            push_hex_0x(out, r.header);
        }
        if !r.body.is_empty() {
            out.push_str(" body ");
            push_hex_0x(out, r.body);
        }
    }
}

/// Peer-supplied text stays on one line: non-printable characters as `\xNN`.
fn push_oneline(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            out.push(c);
        }
    }
}

pub fn connected(peer: IpAddr) -> String {
    format!("neighbor {peer} connected\n")
}

pub fn up(peer: IpAddr) -> String {
    format!("neighbor {peer} up\n")
}

pub fn down(peer: IpAddr, reason: &str) -> String {
    let mut s = format!("neighbor {peer} down - ");
    push_oneline(&mut s, reason);
    s.push('\n');
    s
}

pub fn shutdown(pid: u32, ppid: u32) -> String {
    format!("shutdown {pid} {ppid}\n")
}

pub fn keepalive(peer: IpAddr, direction: Direction, raw: Option<Raw<'_>>) -> String {
    let mut s = format!("neighbor {peer} {} keepalive", direction.as_str());
    push_raw(&mut s, raw);
    s.push('\n');
    s
}

/// `data` as for the JSON encoder ([`super::json::notification_data`] for
/// received NOTIFICATIONs).
pub fn notification(
    peer: IpAddr,
    direction: Direction,
    n: &Notification,
    data: &[u8],
    raw: Option<Raw<'_>>,
) -> String {
    let mut s = format!(
        "neighbor {peer} {} notification code {} subcode {} data ",
        direction.as_str(),
        n.code,
        n.subcode
    );
    push_hex_0x(&mut s, data);
    push_raw(&mut s, raw);
    s.push('\n');
    s
}

pub fn refresh(
    peer: IpAddr,
    direction: Direction,
    r: &RouteRefresh,
    raw: Option<Raw<'_>>,
) -> String {
    let f = r.family;
    let afi = f
        .afi
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| f.afi.0.to_string());
    let safi = f
        .safi
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| f.safi.0.to_string());
    let sub = match r.subtype {
        RefreshSubtype::Request => "query".to_string(),
        RefreshSubtype::Begin => "begin".to_string(),
        RefreshSubtype::End => "end".to_string(),
        RefreshSubtype::Other(v) => v.to_string(),
    };
    let mut s = format!(
        "neighbor {peer} {} route-refresh afi {afi} safi {safi} {sub}",
        direction.as_str()
    );
    push_raw(&mut s, raw);
    s.push('\n');
    s
}

fn family_words(f: Family, sep: char) -> String {
    let a = f
        .afi
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| f.afi.0.to_string());
    let s = f
        .safi
        .name()
        .map(str::to_string)
        .unwrap_or_else(|| f.safi.0.to_string());
    format!("{a}{sep}{s}")
}

/// One capability entry of the text OPEN line (before lower-casing).
fn capability_text(group: &[&Capability]) -> String {
    let Some(first) = group.first() else {
        return String::new();
    };
    match first {
        Capability::Multiprotocol(_) => {
            let fams: Vec<String> = group
                .iter()
                .filter_map(|c| match c {
                    Capability::Multiprotocol(f) => Some(family_words(*f, ' ')),
                    _ => None,
                })
                .collect();
            format!("multiprotocol({})", fams.join(","))
        }
        Capability::RouteRefresh => "route refresh".into(),
        Capability::CiscoRouteRefresh => "cisco route refresh".into(),
        Capability::EnhancedRouteRefresh => "enhanced route refresh".into(),
        Capability::ExtendedMessage => "extended message(65535)".into(),
        Capability::FourOctetAs(a) => format!("asn4({a})"),
        Capability::ExtendedNextHop(_) => {
            let mut all: Vec<String> = Vec::new();
            for c in group {
                if let Capability::ExtendedNextHop(l) = c {
                    for (f, nh) in l {
                        let nh = nh
                            .name()
                            .map(str::to_string)
                            .unwrap_or_else(|| nh.0.to_string());
                        let t = format!("{} {nh}", family_words(*f, ' '));
                        if !all.contains(&t) {
                            all.push(t);
                        }
                    }
                }
            }
            format!("nexthop({})", all.join(","))
        }
        Capability::AddPath(_) => {
            let mut all: Vec<(Family, AddPathMode)> = Vec::new();
            for c in group {
                if let Capability::AddPath(l) = c {
                    for (f, m) in l {
                        match all.iter_mut().find(|(g, _)| g == f) {
                            Some(e) => e.1 = *m,
                            None => all.push((*f, *m)),
                        }
                    }
                }
            }
            let items: Vec<String> = all
                .iter()
                .map(|(f, m)| {
                    let m = match m {
                        AddPathMode::Receive => "receive",
                        AddPathMode::Send => "send",
                        AddPathMode::Both => "send/receive",
                    };
                    format!("{m} {}", family_words(*f, ' '))
                })
                .collect();
            format!("addpath({})", items.join(","))
        }
        Capability::GracefulRestart {
            restart_state,
            notification,
            restart_time,
            families,
        } => {
            let flags = (u8::from(*restart_state) << 3) | (u8::from(*notification) << 2);
            let fams: Vec<String> = families
                .iter()
                .map(|g| {
                    format!(
                        "{}=0x{:x}",
                        family_words(g.family, '/'),
                        if g.forwarding { 0x80 } else { 0 }
                    )
                })
                .collect();
            format!(
                "graceful restart flags 0x{flags:x} time {restart_time} {}",
                fams.join(" ")
            )
        }
        Capability::Fqdn {
            host_name,
            domain_name,
        } => format!("hostname({host_name} {domain_name})"),
        Capability::SoftwareVersion(v) => format!("software({v})"),
        Capability::Unknown { code, .. } => {
            let class = match code {
                128..=255 => "reserved",
                71..=127 => "unassigned",
                _ => "unknown",
            };
            format!("{class} {code}")
        }
    }
}

/// An OPEN: `neighbor P receive open version 4 asn A hold_time H router_id R capabilities [..]`.
/// ExaBGP lower-cases the whole capability list (software versions included).
pub fn open(peer: IpAddr, direction: Direction, o: &Open, raw: Option<Raw<'_>>) -> String {
    // Unlike the JSON encoder, the text one lists capabilities by code.
    let mut groups =
        super::json::open::group_capabilities(&o.capabilities, super::json::OpenStyle::Received);
    groups.sort_by_key(|g| g.0);
    let caps: Vec<String> = groups.iter().map(|(_, _, g)| capability_text(g)).collect();
    let mut s = format!(
        "neighbor {peer} {} open version {} asn {} hold_time {} router_id {} capabilities [",
        direction.as_str(),
        o.version,
        o.my_as,
        o.hold_time,
        o.bgp_id
    );
    push_oneline(&mut s, &caps.join(", ").to_lowercase());
    s.push(']');
    push_raw(&mut s, raw);
    s.push('\n');
    s
}

fn community_name(c: Community) -> Option<&'static str> {
    Some(match c {
        Community::NO_EXPORT => "no-export",
        Community::NO_ADVERTISE => "no-advertise",
        Community::NO_EXPORT_SUBCONFED => "no-export-subconfed",
        Community::NO_PEER => "no-peer",
        Community::BLACKHOLE => "blackhole",
        _ => return None,
    })
}

/// `value` alone when there is one, `[ a b ]` otherwise.
fn push_one_or_list(out: &mut String, items: &[String]) {
    if let [one] = items {
        out.push_str(one);
    } else {
        out.push_str("[ ");
        out.push_str(&items.join(" "));
        out.push_str(" ]");
    }
}

/// The attributes' text form, each preceded by a space, in type-code order.
pub fn push_attributes(out: &mut String, attrs: &Attributes, aigp: bool) {
    let has_aggregator = attrs.iter().any(|a| matches!(a, Attribute::Aggregator(_)));
    for a in attrs.iter() {
        match a {
            Attribute::Origin(o) => {
                out.push_str(" origin ");
                out.push_str(o.name());
            }
            Attribute::AsPath(p) => {
                if !p.segments.is_empty() {
                    out.push_str(" as-path ");
                    push_as_path_text(out, p);
                }
            }
            Attribute::NextHop(_) => {}
            Attribute::Med(v) => {
                out.push_str(" med ");
                push_u64(out, *v as u64);
            }
            Attribute::LocalPref(v) => {
                out.push_str(" local-preference ");
                push_u64(out, *v as u64);
            }
            Attribute::AtomicAggregate => out.push_str(" atomic-aggregate"),
            Attribute::Aggregator(ag) => {
                let _ = write!(out, " aggregator ( {}:{} )", ag.asn, ag.address);
            }
            Attribute::As4Aggregator(ag) => {
                if !has_aggregator {
                    let _ = write!(out, " aggregator ( {}:{} )", ag.asn, ag.address);
                }
            }
            Attribute::Communities(cs) => {
                let mut v: Vec<Community> = cs.clone();
                v.sort_unstable();
                let items: Vec<String> = v
                    .iter()
                    .map(|c| match community_name(*c) {
                        Some(n) => n.to_string(),
                        None => format!("{}:{}", c.0 >> 16, c.0 & 0xffff),
                    })
                    .collect();
                out.push_str(" community ");
                push_one_or_list(out, &items);
            }
            Attribute::OriginatorId(ip) => {
                out.push_str(" originator-id ");
                push_ipv4(out, *ip);
            }
            Attribute::ClusterList(ids) => {
                out.push_str(" cluster-list [ ");
                for ip in ids {
                    push_ipv4(out, *ip);
                    out.push(' ');
                }
                out.push(']');
            }
            Attribute::ExtendedCommunities(ecs) => {
                let mut v: Vec<[u8; 8]> = ecs.iter().map(|e| e.0).collect();
                v.sort_unstable();
                let items: Vec<String> = v
                    .iter()
                    .map(|e| {
                        let mut s = String::new();
                        push_extended_community(&mut s, e);
                        s
                    })
                    .collect();
                out.push_str(" extended-community ");
                push_one_or_list(out, &items);
            }
            Attribute::As4Path(p) => {
                out.push_str(" attribute [ 0x11 0xC0 ");
                push_as_path_text(out, p);
                out.push_str(" ]");
            }
            Attribute::Aigp(v) => {
                if aigp {
                    let _ = write!(out, " aigp 0x{v:016X}");
                }
            }
            Attribute::LargeCommunities(ls) => {
                let mut v: Vec<(u32, u32, u32)> =
                    ls.iter().map(|l| (l.global, l.local1, l.local2)).collect();
                v.sort_unstable();
                let items: Vec<String> = v.iter().map(|(g, a, b)| format!("{g}:{a}:{b}")).collect();
                out.push_str(" large-community ");
                push_one_or_list(out, &items);
            }
            Attribute::Raw(r)
                if r.code == crate::wire::attribute::code::BGP_PREFIX_SID
                    && prefix_sid_text(&r.data).is_some() =>
            {
                out.push_str(" bgp-prefix-sid ");
                out.push_str(&prefix_sid_text(&r.data).unwrap_or_default());
            }
            Attribute::Raw(r)
                if r.code == crate::wire::attribute::code::IPV6_EXTENDED_COMMUNITIES
                    && r.data.len() % 20 == 0 =>
            {
                let mut v: Vec<&[u8]> = r.data.chunks(20).collect();
                v.sort_unstable();
                let items: Vec<String> = v
                    .iter()
                    .map(|e| {
                        let mut s = String::new();
                        push_ipv6_extended_community(&mut s, e);
                        s
                    })
                    .collect();
                out.push_str(" extended-community-ipv6 ");
                push_one_or_list(out, &items);
            }
            Attribute::Raw(r) => {
                if r.code == crate::wire::attribute::code::MP_REACH_NLRI
                    || r.code == crate::wire::attribute::code::MP_UNREACH_NLRI
                {
                    continue;
                }
                if r.flags & flag::OPTIONAL != 0 && r.flags & flag::TRANSITIVE == 0 {
                    continue;
                }
                let flags = if r.flags & flag::TRANSITIVE != 0 {
                    r.flags | flag::PARTIAL
                } else {
                    r.flags
                };
                let _ = write!(out, " attribute [ 0x{:02X} 0x{:02X} 0x", r.code, flags);
                for b in r.data.iter() {
                    let _ = write!(out, "{b:02x}");
                }
                out.push_str(" ]");
            }
        }
    }
}

/// One NLRI's text form (`extensive`), with the next hop where ExaBGP puts it.
/// Several routes for the opaque families.
fn nlri_texts(n: &Nlri, family: Family, nh: Option<IpAddr>, announce: bool) -> Vec<String> {
    let nh_part = |s: &mut String| {
        if announce {
            if let Some(ip) = nh {
                s.push_str(" next-hop ");
                push_ip(s, ip);
            }
        }
    };
    match n {
        Nlri::Prefix { prefix, path_id } => {
            let mut s = String::new();
            push_prefix(&mut s, prefix);
            if let Some(id) = path_id {
                let _ = write!(s, " path-information {}", Ipv4Addr::from(*id));
            }
            nh_part(&mut s);
            vec![s]
        }
        Nlri::Labeled(n) => {
            let mut s = String::new();
            push_prefix(&mut s, &n.prefix);
            if let Some(id) = n.path_id {
                let _ = write!(s, " path-information {}", Ipv4Addr::from(id));
            }
            s.push_str(" label ");
            let ls: Vec<String> = n.labels.iter().map(|l| l.to_string()).collect();
            push_one_or_list(&mut s, &ls);
            nh_part(&mut s);
            if let Some(rd) = n.rd {
                let _ = write!(s, " rd {rd}");
            }
            vec![s]
        }
        Nlri::Raw { data, .. } => {
            if family.safi == Safi::FLOW || family.safi == Safi::FLOW_VPN {
                let mut v = Vec::new();
                let mut d: &[u8] = data;
                while let Some((&h, rest)) = d.split_first() {
                    let (len, body) = if h < 0xf0 {
                        (h as usize, rest)
                    } else {
                        match rest.split_first() {
                            Some((&l, r2)) => (((h as usize) & 0x0f) << 8 | l as usize, r2),
                            None => break,
                        }
                    };
                    let Some(rule) = body.get(..len) else { break };
                    d = &body[len..];
                    if let Ok(r) = FlowRule::decode(family, rule) {
                        v.push(r.text(if announce { nh } else { None }));
                    }
                }
                v
            } else if family.safi == Safi::VPLS {
                // Sic: without a next hop (withdrawals) a space is left at the end.
                let nh = if announce { nh } else { None };
                super::json::vpls::vpls_texts(data)
                    .into_iter()
                    .map(|t| match nh {
                        Some(ip) => format!("{t} next-hop {ip}"),
                        None => format!("{t} "),
                    })
                    .collect()
            } else {
                // ExaBGP prints only the family for the other opaque families,
                // once per route of the field.
                let line = format!(
                    "afi {}",
                    family_words(family, ' ').replacen(' ', " safi ", 1)
                );
                vec![line; route_count(family, data)]
            }
        }
    }
}

/// How many routes an opaque NLRI field holds (at least one), from each
/// family's route framing.
fn route_count(family: Family, data: &[u8]) -> usize {
    // (header length, offset of the length field, width of the length field)
    let (hdr, at, wide) = match family.safi {
        Safi::EVPN | Safi::MCAST_VPN => (2, 1, false),
        Safi::MUP => (4, 3, false),
        Safi::BGP_LS | Safi::BGP_LS_VPN => (4, 2, true),
        _ => return 1,
    };
    let mut d = data;
    let mut n = 0;
    while d.len() >= hdr {
        let len = if wide {
            u16::from_be_bytes([d[at], d[at + 1]]) as usize
        } else {
            d[at] as usize
        };
        let Some(rest) = d.get(hdr + len..) else {
            break;
        };
        d = rest;
        n += 1;
    }
    n.max(1)
}

/// An UPDATE: `start`, one line per route (withdrawals first), `end`.
pub fn update(
    peer: IpAddr,
    direction: Direction,
    u: &Update,
    aigp: bool,
    raw: Option<Raw<'_>>,
) -> String {
    let prefix = format!("neighbor {peer} {} update", direction.as_str());
    let mut s = String::with_capacity(256);
    let _ = writeln!(s, "{prefix} start");
    if let Some(f) = super::json::end_of_rib(u) {
        let _ = writeln!(s, "{prefix} route eor {}/{} ({f})", f.afi.0, f.safi.0);
    } else {
        let mut attrs = String::new();
        push_attributes(&mut attrs, &u.attributes, aigp);
        for n in &u.withdrawn {
            for t in nlri_texts(n, Family::IPV4_UNICAST, None, false) {
                let _ = writeln!(s, "{prefix} withdrawn {t}");
            }
        }
        if let Some(mp) = &u.mp_unreach {
            for n in &mp.nlri {
                for t in nlri_texts(n, mp.family, None, false) {
                    let _ = writeln!(s, "{prefix} withdrawn {t}");
                }
            }
        }
        let classic_nh = u.attributes.iter().find_map(|a| match a {
            Attribute::NextHop(ip) => Some(IpAddr::V4(*ip)),
            _ => None,
        });
        for n in &u.announced {
            for t in nlri_texts(n, Family::IPV4_UNICAST, classic_nh, true) {
                let _ = writeln!(s, "{prefix} announced {t}{attrs}");
            }
        }
        if let Some(mp) = &u.mp_reach {
            let hops: Vec<Option<IpAddr>> = if mp.next_hops.is_empty() {
                vec![None]
            } else {
                mp.next_hops.iter().map(|h| Some(*h)).collect()
            };
            // One route per NLRI and next hop, NLRI-major.
            for n in &mp.nlri {
                for nh in &hops {
                    for t in nlri_texts(n, mp.family, *nh, true) {
                        let _ = writeln!(s, "{prefix} announced {t}{attrs}");
                    }
                }
            }
        }
    }
    if raw.is_some() {
        push_raw(&mut s, raw);
        s.push('\n');
    }
    let _ = writeln!(s, "{prefix} end");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::attribute::Origin;
    use crate::wire::nlri::Prefix;

    fn lo() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[test]
    fn event_lines() {
        assert_eq!(up(lo()), "neighbor 127.0.0.1 up\n");
        assert_eq!(
            down(lo(), "notification received (6,2)"),
            "neighbor 127.0.0.1 down - notification received (6,2)\n"
        );
        assert_eq!(down(lo(), "a\nb"), "neighbor 127.0.0.1 down - a\\x0ab\n");
        assert_eq!(shutdown(10, 9), "shutdown 10 9\n");
        assert_eq!(
            keepalive(lo(), Direction::Receive, None),
            "neighbor 127.0.0.1 receive keepalive\n"
        );
    }

    /// Captured from ExaBGP 5.0.15's text encoder on decoding/ipv4-unicast-1.
    #[test]
    fn update_lines() {
        let mut a = Attributes::new();
        a.set(Attribute::Origin(Origin::Igp));
        a.set(Attribute::NextHop(Ipv4Addr::new(101, 1, 101, 1)));
        a.set(Attribute::Med(200));
        a.set(Attribute::LocalPref(100));
        let p = |s: &str, l| Nlri::prefix(Prefix::truncating(s.parse().unwrap(), l).unwrap());
        let u = Update {
            attributes: a,
            announced: vec![p("0.0.0.0", 0), p("1.1.1.1", 32)],
            withdrawn: vec![p("10.0.0.0", 8)],
            ..Default::default()
        };
        assert_eq!(
            update(lo(), Direction::In, &u, false, None),
            "neighbor 127.0.0.1 in update start\n\
             neighbor 127.0.0.1 in update withdrawn 10.0.0.0/8\n\
             neighbor 127.0.0.1 in update announced 0.0.0.0/0 next-hop 101.1.101.1 origin igp med 200 local-preference 100\n\
             neighbor 127.0.0.1 in update announced 1.1.1.1/32 next-hop 101.1.101.1 origin igp med 200 local-preference 100\n\
             neighbor 127.0.0.1 in update end\n"
        );
        assert_eq!(
            update(lo(), Direction::In, &Update::default(), false, None),
            "neighbor 127.0.0.1 in update start\nneighbor 127.0.0.1 in update route eor 1/1 (ipv4 unicast)\nneighbor 127.0.0.1 in update end\n"
        );
    }
}
