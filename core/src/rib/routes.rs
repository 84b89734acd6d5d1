//! Configured routes of every kind turned into Adj-RIB-Out entries: unicast,
//! labelled and VPN routes are already NLRI; FlowSpec (RFC 8955/8956), VPLS
//! (RFC 4761), MUP (draft-mpmz-bess-mup-safi) and MCAST-VPN (RFC 6514) rules
//! are encoded here into the opaque [`Nlri::Raw`] the codec carries for those
//! families, byte for byte as ExaBGP writes them.

use super::attrs::RouteAttributes;
use crate::config::flow::{FlowMatch, FlowRoute};
use crate::config::l2vpn::VplsRoute;
use crate::config::mup::{MupKind, MupRoute};
use crate::config::mvpn::{McastVpnKind, McastVpnRoute};
use crate::config::{NeighborConfig, NextHop};
use crate::wire::attribute::Attributes;
use crate::wire::family::{Afi, Family};
use crate::wire::nlri::{Nlri, Prefix};
use bytes::Bytes;
use std::net::IpAddr;

/// One route ready for the RIB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RibRoute {
    pub family: Family,
    pub nlri: Nlri,
    pub attrs: RouteAttributes,
    pub watchdog: Option<String>,
    /// Starts withdrawn (waits for its watchdog).
    pub withdrawn: bool,
}

fn prefix_octets(p: &Prefix) -> Vec<u8> {
    let n = p.wire_octets();
    match *p {
        Prefix::V4 { addr, .. } => addr.to_be_bytes()[..n].to_vec(),
        Prefix::V6 { addr, .. } => addr.to_be_bytes()[..n].to_vec(),
    }
}

fn ip_octets(ip: &IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

/// RFC 8956 §3.1: the bits of the address between `offset` and the prefix
/// length, left aligned.
fn ipv6_pattern(addr: u128, len: u8, offset: u8) -> Vec<u8> {
    let bits = len.saturating_sub(offset) as u32;
    if bits == 0 {
        return Vec::new();
    }
    let size = bits.div_ceil(8) as usize;
    let shifted = if len == 0 {
        0
    } else {
        addr >> (128 - len as u32)
    };
    let mask = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let matched = shifted & mask;
    let aligned = matched << (size as u32 * 8 - bits);
    aligned.to_be_bytes()[16 - size..].to_vec()
}

/// Smallest of 1, 2, 4 (8) octets holding `v` and its RFC 8955 length code.
fn value_bytes(v: u64) -> (u8, Vec<u8>) {
    if v < 1 << 8 {
        (0x00, vec![v as u8])
    } else if v < 1 << 16 {
        (0x10, (v as u16).to_be_bytes().to_vec())
    } else if v < 1 << 32 {
        (0x20, (v as u32).to_be_bytes().to_vec())
    } else {
        (0x30, v.to_be_bytes().to_vec())
    }
}

/// The FlowSpec NLRI (length, optional RD, components) of a rule.
pub fn flow_nlri(f: &FlowRoute) -> Nlri {
    let mut c = Vec::new();
    if let Some(rd) = &f.rd {
        c.extend_from_slice(&rd.0);
    }
    for comp in &f.components {
        c.push(comp.kind);
        match &comp.value {
            FlowMatch::Prefix { prefix, offset } => match *prefix {
                Prefix::V4 { len, .. } => {
                    c.push(len);
                    c.extend(prefix_octets(prefix));
                }
                Prefix::V6 { addr, len } => {
                    c.push(len);
                    c.push(*offset);
                    c.extend(ipv6_pattern(addr, len, *offset));
                }
            },
            FlowMatch::Numeric(ops) | FlowMatch::Bitmask(ops) => {
                for (i, op) in ops.iter().enumerate() {
                    let (lenbits, v) = value_bytes(op.value);
                    let mut b = (op.op & 0x0F) | lenbits;
                    if op.and {
                        b |= 0x40;
                    }
                    if i + 1 == ops.len() {
                        b |= 0x80;
                    }
                    c.push(b);
                    c.extend(v);
                }
            }
        }
    }
    // RFC 8955 §4.1: one length octet below 240, else 0xF000 | length.
    let mut data = Vec::with_capacity(c.len() + 2);
    if c.len() < 240 {
        data.push(c.len() as u8);
    } else {
        data.extend_from_slice(&(0xF000 | c.len().min(0x0FFF) as u16).to_be_bytes());
    }
    data.extend(c);
    Nlri::Raw {
        family: f.family,
        data: Bytes::from(data),
    }
}

/// The VPLS NLRI (RFC 4761 §3.2.2): length 17, RD, VE ID, VE block offset,
/// VE block size, label base (20 bits, bottom of stack set).
pub fn vpls_nlri(v: &VplsRoute) -> Nlri {
    let mut d = Vec::with_capacity(19);
    d.extend_from_slice(&17u16.to_be_bytes());
    d.extend_from_slice(&v.rd.0);
    d.extend_from_slice(&v.endpoint.to_be_bytes());
    d.extend_from_slice(&v.offset.to_be_bytes());
    d.extend_from_slice(&v.size.to_be_bytes());
    let label = ((v.base & 0xF_FFFF) << 4) | 1;
    d.extend_from_slice(&label.to_be_bytes()[1..]);
    Nlri::Raw {
        family: Family::new(Afi::L2VPN, crate::wire::family::Safi::VPLS),
        data: Bytes::from(d),
    }
}

/// The MUP NLRI: architecture type 1 (3GPP 5G), route type, length, value.
pub fn mup_nlri(m: &MupRoute) -> Nlri {
    let (kind, mut v): (u16, Vec<u8>) = match &m.kind {
        MupKind::Isd { prefix } => {
            let mut v = vec![prefix.len()];
            v.extend(prefix_octets(prefix));
            (1, v)
        }
        MupKind::Dsd { address } => (2, ip_octets(address)),
        MupKind::T1st {
            prefix,
            teid,
            qfi,
            endpoint,
            source,
        } => {
            let mut v = vec![prefix.len()];
            v.extend(prefix_octets(prefix));
            v.extend_from_slice(&teid.to_be_bytes());
            v.push(*qfi);
            let e = ip_octets(endpoint);
            v.push((e.len() * 8) as u8);
            v.extend(e);
            if let Some(s) = source {
                let s = ip_octets(s);
                v.push((s.len() * 8) as u8);
                v.extend(s);
            }
            (3, v)
        }
        MupKind::T2st {
            endpoint,
            teid,
            teid_len,
        } => {
            let e = ip_octets(endpoint);
            let mut v = vec![((e.len() * 8) as u8).saturating_add(*teid_len)];
            v.extend(e);
            let n = (*teid_len as usize).div_ceil(8).min(4);
            v.extend_from_slice(&teid.to_be_bytes()[4 - n..]);
            (4, v)
        }
    };
    let mut value = m.rd.0.to_vec();
    value.append(&mut v);
    let mut d = vec![1u8];
    d.extend_from_slice(&kind.to_be_bytes());
    d.push(value.len() as u8);
    d.extend(value);
    Nlri::Raw {
        family: m.family,
        data: Bytes::from(d),
    }
}

/// The MCAST-VPN NLRI (RFC 6514 §4): route type, length, value.
pub fn mcast_vpn_nlri(m: &McastVpnRoute) -> Nlri {
    let addr = |ip: &IpAddr, v: &mut Vec<u8>| {
        let o = ip_octets(ip);
        v.push((o.len() * 8) as u8);
        v.extend(o);
    };
    let mut v = m.rd.0.to_vec();
    let kind = match &m.kind {
        McastVpnKind::SourceAd { source, group } => {
            addr(source, &mut v);
            addr(group, &mut v);
            5
        }
        McastVpnKind::SharedJoin {
            rp,
            group,
            source_as,
        } => {
            v.extend_from_slice(&source_as.to_be_bytes());
            addr(rp, &mut v);
            addr(group, &mut v);
            6
        }
        McastVpnKind::SourceJoin {
            source,
            group,
            source_as,
        } => {
            v.extend_from_slice(&source_as.to_be_bytes());
            addr(source, &mut v);
            addr(group, &mut v);
            7
        }
    };
    let mut d = vec![kind, v.len() as u8];
    d.extend(v);
    Nlri::Raw {
        family: m.family,
        data: Bytes::from(d),
    }
}

fn attrs(attributes: &Attributes, next_hop: NextHop) -> RouteAttributes {
    RouteAttributes {
        attributes: attributes.clone(),
        next_hop,
    }
}

/// A `route` (unicast, labelled, VPN) as a RIB entry.
pub fn from_route(r: &crate::config::model::Route) -> RibRoute {
    RibRoute {
        family: r.family,
        nlri: r.nlri.clone(),
        attrs: attrs(&r.attributes, r.next_hop),
        watchdog: r.watchdog.clone(),
        withdrawn: r.withdrawn,
    }
}

/// [`from_route`] without copying (API commands own their routes).
pub fn into_route(r: crate::config::model::Route) -> RibRoute {
    RibRoute {
        family: r.family,
        nlri: r.nlri,
        attrs: RouteAttributes {
            attributes: r.attributes,
            next_hop: r.next_hop,
        },
        watchdog: r.watchdog,
        withdrawn: r.withdrawn,
    }
}

/// A FlowSpec rule as a RIB entry.
pub fn from_flow(f: &FlowRoute) -> RibRoute {
    RibRoute {
        family: f.family,
        nlri: flow_nlri(f),
        attrs: attrs(&f.attributes, f.next_hop),
        watchdog: f.watchdog.clone(),
        withdrawn: f.withdrawn,
    }
}

/// A VPLS route as a RIB entry.
pub fn from_vpls(p: &VplsRoute) -> RibRoute {
    RibRoute {
        family: Family::new(Afi::L2VPN, crate::wire::family::Safi::VPLS),
        nlri: vpls_nlri(p),
        attrs: attrs(&p.attributes, p.next_hop),
        watchdog: p.watchdog.clone(),
        withdrawn: p.withdrawn,
    }
}

/// A MUP route as a RIB entry.
pub fn from_mup(m: &MupRoute) -> RibRoute {
    // ExaBGP carries an IPv4 next hop of an IPv6 MUP route as an
    // IPv4-mapped IPv6 address (and so without NEXT_HOP attribute).
    let nh = match (m.family.afi, m.next_hop) {
        (Afi::IPV6, NextHop::Ip(IpAddr::V4(v4))) => NextHop::Ip(IpAddr::V6(v4.to_ipv6_mapped())),
        (_, nh) => nh,
    };
    RibRoute {
        family: m.family,
        nlri: mup_nlri(m),
        attrs: attrs(&m.attributes, nh),
        watchdog: None,
        withdrawn: false,
    }
}

/// An MCAST-VPN route as a RIB entry.
pub fn from_mcast_vpn(m: &McastVpnRoute) -> RibRoute {
    RibRoute {
        family: m.family,
        nlri: mcast_vpn_nlri(m),
        attrs: attrs(&m.attributes, m.next_hop),
        watchdog: None,
        withdrawn: false,
    }
}

/// Every configured route of a neighbor, in configuration order by kind.
pub fn configured(n: &NeighborConfig) -> Vec<RibRoute> {
    let mut v = Vec::new();
    v.extend(n.routes.iter().map(from_route));
    v.extend(n.flows.iter().map(from_flow));
    v.extend(n.vpls.iter().map(from_vpls));
    v.extend(n.mup.iter().map(from_mup));
    v.extend(n.mcast_vpn.iter().map(from_mcast_vpn));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neighbor(body: &str) -> NeighborConfig {
        let text = format!(
            "neighbor 127.0.0.1 {{ router-id 1.2.3.4; local-address 127.0.0.1; local-as 1; peer-as 1; {body} }}"
        );
        let c = crate::config::parser::parse_str(&text, "test.conf").expect("valid config");
        c.neighbors.into_iter().next().unwrap()
    }

    fn hex(n: &Nlri) -> String {
        match n {
            Nlri::Raw { data, .. } => data.iter().map(|b| format!("{b:02X}")).collect(),
            other => panic!("not raw: {other:?}"),
        }
    }

    #[test]
    fn flow_nlri_matches_the_corpus() {
        // conf-flow-redirect, route optional-name-of-the-route (match part).
        let n = neighbor(
            "family { ipv4 flow; } flow { route r { match { source 10.0.0.1/32; destination 192.168.0.1/32; \
             port [ =80 =8080 ]; destination-port [ >8080&<8088 =3128 ]; source-port >1024; protocol [ tcp udp ]; \
             packet-length [ >200&<300 >400&<500 ]; fragment [ first-fragment last-fragment ]; \
             icmp-type [ unreachable echo-request echo-reply ]; icmp-code [ host-unreachable network-unreachable ]; \
             tcp-flags [ urgent rst ]; dscp [ 10 20 ]; } then { discard; } } }",
        );
        let r = configured(&n);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].family, Family::IPV4_FLOW);
        assert_eq!(
            hex(&r[0].nlri),
            "4C0120C0A8000102200A0000010301068111040150911F9005121F90541F98910C380692040007010301088100080101810009002080040A02C854012C120190D401F40B010A81140C00048008"
        );
        assert_eq!(r[0].attrs.next_hop, NextHop::None);
    }

    #[test]
    fn vpls_nlri_matches_the_corpus() {
        // conf-l2vpn: rd 192.168.201.1:123 endpoint 5 base 10702 offset 1 size 8
        let n = neighbor(
            "family { l2vpn vpls; } l2vpn { vpls rd 192.168.201.1:123 endpoint 5 base 10702 offset 1 size 8 next-hop 192.168.201.1; }",
        );
        let r = configured(&n);
        assert_eq!(hex(&r[0].nlri), "00110001C0A8C901007B000500010008029CE1");
    }

    #[test]
    fn ipv6_flow_prefix_pattern_uses_offset() {
        // RFC 8956 §3.8.1: a /64 with offset 0 carries 8 octets; fe80::/1 is 80.
        let a = u128::from("2001:db8:1:2::".parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!(
            ipv6_pattern(a, 64, 0),
            vec![0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2]
        );
        let b = u128::from("fe80::1".parse::<std::net::Ipv6Addr>().unwrap());
        assert_eq!(ipv6_pattern(b, 1, 0), vec![0x80]);
        assert_eq!(ipv6_pattern(a, 64, 64), Vec::<u8>::new());
    }
}
