//! Random daemons: 2 to 4 speakers on 127.0.0.x joined as a chain, a star or
//! a full mesh, each session with its own families, hold times, roles
//! (active/passive, both active to exercise collisions) and configured routes.

use super::rng::Rng;
use oxbgp_core::config::{
    ApiConfig, AsnSetting, Config, Encoder, NeighborConfig, NextHop, ProcessConfig, Route,
};
use oxbgp_core::wire::attribute::{
    AsPath, AsPathSegment, Attribute, Attributes, Community, LargeCommunity, Origin, SegmentKind,
};
use oxbgp_core::wire::family::Family;
use oxbgp_core::wire::nlri::{Nlri, Prefix};
use oxbgp_core::Settings;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One daemon: its configuration file and its environment.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub ip: IpAddr,
    pub config: Config,
    pub settings: Settings,
    /// What each simulated API process (by name) writes: (ms after its
    /// start, command line). Every incarnation replays its script.
    pub scripts: Vec<(String, Script)>,
}

pub type Script = Vec<(u64, String)>;

#[derive(Clone, Debug)]
pub struct Topology {
    pub nodes: Vec<NodeSpec>,
    /// Sessions as (node, node).
    pub edges: Vec<(usize, usize)>,
}

pub fn node_ip(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, i as u8 + 1))
}

const HOLD_TIMES: [u16; 7] = [3, 4, 9, 30, 90, 180, 240];

pub fn generate(rng: &mut Rng) -> Topology {
    let n = rng.range(2, 4) as usize;
    let edges: Vec<(usize, usize)> = match rng.below(3) {
        0 => (1..n).map(|i| (i - 1, i)).collect(),
        1 => (1..n).map(|i| (0, i)).collect(),
        _ => (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect(),
    };
    let asns: Vec<u32> = (0..n).map(|_| 65000 + rng.below(2) as u32).collect();
    let mut nodes: Vec<NodeSpec> = (0..n)
        .map(|i| {
            let mut settings = Settings::default();
            // Listen through exabgp.tcp.bind or through per-neighbor `listen`.
            let bind = rng.chance(3, 4);
            if bind {
                settings.tcp_bind = vec![node_ip(i)];
            }
            NodeSpec {
                ip: node_ip(i),
                config: Config {
                    path: format!("node{i}.conf"),
                    processes: vec![],
                    neighbors: vec![],
                },
                settings,
                scripts: vec![],
            }
        })
        .collect();
    // API processes on some daemons: a script of announce/withdraw commands.
    for node in nodes.iter_mut() {
        if rng.chance(1, 2) {
            node.config.processes.push(ProcessConfig {
                name: "routes".into(),
                run: vec!["/sim/routes".into()],
                encoder: if rng.chance(1, 2) {
                    Encoder::Text
                } else {
                    Encoder::Json
                },
                respawn: true,
                run_line: 0,
                run_column: 0,
            });
            node.scripts.push(("routes".into(), Vec::new()));
        }
    }
    for &(a, b) in &edges {
        let families = match rng.below(3) {
            0 => vec![Family::IPV4_UNICAST],
            1 => vec![Family::IPV6_UNICAST],
            _ => vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST],
        };
        // Who connects: a, b or both (a collision to resolve).
        let role = rng.below(3);
        for (me, peer, passive) in [(a, b, role == 1), (b, a, role == 0)] {
            let mut c = NeighborConfig::new(
                node_ip(peer),
                AsnSetting::Asn(asns[me]),
                AsnSetting::Asn(asns[peer]),
            );
            c.local_address = Some(node_ip(me));
            c.router_id = Some(Ipv4Addr::new(10, 0, 0, me as u8 + 1));
            c.families = families.clone();
            c.hold_time = if rng.chance(1, 25) {
                0
            } else {
                *rng.pick(&HOLD_TIMES)
            };
            c.passive = passive;
            c.group_updates = rng.chance(1, 2);
            c.capability.asn4 = rng.chance(3, 4);
            c.capability.extended_message = rng.chance(1, 3);
            c.capability.route_refresh = rng.chance(1, 2);
            if rng.chance(1, 4) {
                c.capability.graceful_restart = Some(120);
            }
            if nodes[me].settings.tcp_bind.is_empty() {
                c.listen = Some(179);
            }
            c.routes = routes(rng, &families);
            if !nodes[me].scripts.is_empty() {
                c.api = vec![ApiConfig {
                    processes: vec!["routes".into()],
                    neighbor_changes: true,
                    ..ApiConfig::default()
                }];
            }
            nodes[me].config.neighbors.push(c);
        }
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        if let Some((_, s)) = node.scripts.first_mut() {
            let peers: Vec<IpAddr> = edges
                .iter()
                .filter_map(|&(a, b)| (a == i).then_some(b).or((b == i).then_some(a)))
                .map(node_ip)
                .collect();
            *s = script(rng, &peers);
        }
    }
    Topology { nodes, edges }
}

/// Up to 12 routes of the given families.
pub fn routes(rng: &mut Rng, families: &[Family]) -> Vec<Route> {
    // Now and then a bigger table, so that UPDATEs fill up and split.
    let bulk = rng.chance(1, 12);
    let count = if bulk {
        rng.range(100, 400)
    } else {
        rng.below(13)
    };
    let mut v: Vec<Route> = Vec::new();
    for _ in 0..count {
        let mut r = route(rng, families);
        if bulk {
            if let Nlri::Prefix { prefix, .. } = &r.nlri {
                let len = if prefix.addr().is_ipv4() { 24 } else { 64 };
                if let Ok(p) = Prefix::truncating(prefix.addr(), len) {
                    r.nlri = Nlri::prefix(p);
                }
            }
        }
        // The same prefix twice (other attributes) now and then: the later
        // one must win at the peer.
        v.push(r);
    }
    v
}

pub fn route(rng: &mut Rng, families: &[Family]) -> Route {
    let family = *rng.pick(families);
    let (addr, len, next_hop) = if family == Family::IPV4_UNICAST {
        // A small address space so that routes collide and get replaced.
        let a = Ipv4Addr::new(10, rng.below(4) as u8, rng.below(256) as u8, 0);
        let nh = Ipv4Addr::new(192, 0, 2, rng.range(1, 254) as u8);
        (IpAddr::V4(a), rng.range(8, 32) as u8, IpAddr::V4(nh))
    } else {
        let a = Ipv6Addr::new(
            0x2001,
            0xdb8,
            rng.below(4) as u16,
            rng.below(65536) as u16,
            0,
            0,
            0,
            0,
        );
        let nh = Ipv6Addr::new(
            0x2001,
            0xdb8,
            0xffff,
            0,
            0,
            0,
            0,
            rng.range(1, 65535) as u16,
        );
        (IpAddr::V6(a), rng.range(16, 128) as u8, IpAddr::V6(nh))
    };
    let prefix = Prefix::truncating(addr, len).expect("length within the family");
    let mut r = Route {
        family,
        nlri: Nlri::prefix(prefix),
        // `next-hop self` on an IPv6 route over an IPv4 session cannot be
        // sent (ExaBGP refuses it): the expected view leaves it out too.
        next_hop: if rng.chance(1, 5) {
            NextHop::SelfAddress
        } else {
            NextHop::Ip(next_hop)
        },
        attributes: attributes(rng),
        // Some routes follow `announce|withdraw watchdog dog`.
        watchdog: rng.chance(1, 6).then(|| "dog".to_string()),
        withdrawn: false,
    };
    if r.watchdog.is_some() {
        r.withdrawn = rng.chance(1, 2);
    }
    r
}

pub fn attributes(rng: &mut Rng) -> Attributes {
    let mut a = Attributes::new();
    if rng.chance(1, 2) {
        a.set(Attribute::Origin(*rng.pick(&[
            Origin::Igp,
            Origin::Egp,
            Origin::Incomplete,
        ])));
    }
    if rng.chance(1, 2) {
        a.set(Attribute::Med(rng.below(1000) as u32));
    }
    if rng.chance(1, 3) {
        a.set(Attribute::LocalPref(rng.below(500) as u32));
    }
    if rng.chance(1, 3) {
        let n = rng.range(1, 4);
        a.set(Attribute::Communities(
            (0..n)
                .map(|_| Community(0xFDE8_0000 | rng.below(8) as u32))
                .collect(),
        ));
    }
    if rng.chance(1, 5) {
        a.set(Attribute::LargeCommunities(vec![LargeCommunity {
            global: 65000,
            local1: rng.below(10) as u32,
            local2: rng.below(10) as u32,
        }]));
    }
    if rng.chance(1, 6) {
        a.set(Attribute::AtomicAggregate);
    }
    if rng.chance(1, 5) {
        let n = rng.range(1, 4);
        a.set(Attribute::AsPath(AsPath {
            segments: vec![AsPathSegment {
                kind: SegmentKind::Sequence,
                // 4-octet ASNs now and then: AS_TRANS + AS4_PATH on a
                // session without the 4-octet AS capability (RFC 6793 §4.2.2).
                asns: (0..n)
                    .map(|_| {
                        if rng.chance(1, 3) {
                            4_200_000_000 + rng.below(100) as u32
                        } else {
                            64512 + rng.below(100) as u32
                        }
                    })
                    .collect(),
            }],
        }));
    }
    a
}

/// A configuration edit for a reload: some routes dropped, changed or added.
pub fn mutate_routes(rng: &mut Rng, config: &mut Config) {
    for n in &mut config.neighbors {
        if rng.chance(1, 2) {
            continue;
        }
        let families = n.families.clone();
        // A changed session setting: the neighbor is torn down (Cease 6/3)
        // and re-established, keeping its Adj-RIB-Out.
        if rng.chance(1, 6) {
            n.hold_time = *rng.pick(&HOLD_TIMES);
        }
        n.routes.retain(|_| rng.chance(2, 3));
        for r in n.routes.iter_mut() {
            // A changed route, while the session is up or while its first
            // version is still queued.
            if rng.chance(1, 3) {
                r.attributes = attributes(rng);
            }
        }
        for _ in 0..rng.below(4) {
            n.routes.push(route(rng, &families));
        }
    }
}

/// Announce/withdraw commands at random times (0 to 30 s after the start),
/// for every neighbor or one selected with `neighbor IP`. Prefixes come from
/// their own space (172.16/12, 2001:db8:a::/48); a prefix may be announced
/// again with other attributes, and withdrawn later.
pub fn script(rng: &mut Rng, peers: &[IpAddr]) -> Script {
    let mut s: Script = Vec::new();
    let mut t = 0;
    let mut announced: Vec<String> = Vec::new();
    let mut used: Vec<(String, String)> = Vec::new();
    for _ in 0..rng.below(10) {
        t += rng.below(4000);
        let selector = if rng.chance(1, 4) {
            format!("neighbor {} ", rng.pick(peers))
        } else {
            String::new()
        };
        if rng.chance(1, 6) {
            // Commands on the whole Adj-RIB-Out or the session.
            let line = match rng.below(6) {
                0 => format!("neighbor {} teardown 2", rng.pick(peers)),
                1 => format!("{selector}flush adj-rib out"),
                2 => format!("{selector}clear adj-rib out"),
                3 => format!("{selector}announce route-refresh ipv4 unicast"),
                4 => "announce watchdog dog".to_string(),
                _ => "withdraw watchdog dog".to_string(),
            };
            s.push((t, line));
            continue;
        }
        if !announced.is_empty() && rng.chance(1, 4) {
            let i = rng.below(announced.len() as u64) as usize;
            let p = announced.swap_remove(i);
            s.push((t, format!("{selector}withdraw route {p}")));
            continue;
        }
        let (prefix, nh) = if !used.is_empty() && rng.chance(1, 5) {
            // The same prefix again, other attributes.
            used[rng.below(used.len() as u64) as usize].clone()
        } else if rng.chance(2, 3) {
            (
                format!("172.{}.{}.0/24", 16 + rng.below(4), rng.below(256)),
                format!("192.0.2.{}", rng.range(1, 254)),
            )
        } else {
            (
                format!("2001:db8:a:{:x}::/64", rng.below(65536)),
                format!("2001:db8::{:x}", rng.range(1, 65535)),
            )
        };
        let mut line = format!("{selector}announce route {prefix} next-hop {nh}");
        if rng.chance(1, 2) {
            line += &format!(" med {}", rng.below(1000));
        }
        if rng.chance(1, 3) {
            line += &format!(" community [65000:{}]", rng.below(10));
        }
        if rng.chance(1, 4) {
            line += &format!(" local-preference {}", rng.below(500));
        }
        if !announced.contains(&prefix) {
            announced.push(prefix.clone());
        }
        used.push((prefix, nh));
        s.push((t, line));
    }
    s
}
