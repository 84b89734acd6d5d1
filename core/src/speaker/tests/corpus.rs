//! Golden tests: the bytes a speaker sends after OPEN/KEEPALIVE for configs
//! equivalent to conformance corpus cases equal the corpus `.msg` expectations
//! (`/work/shared/conformance/encoding/*.msg`), replayed the way the corpus
//! peer does it (FORMAT.md §3.2: our OPEN echoed with the identifier + 1, or
//! with the ASN rewritten for `option:asn`).

use super::harness::*;
use crate::config::{AsnSetting, NeighborConfig, NextHop, Route};
use crate::io::{ConnId, Input, Output};
use crate::settings::Settings;
use crate::wire::attribute::{
    Aggregator, AsPath, AsPathSegment, Attribute, Attributes, Community, LargeCommunity,
    RawAttribute, SegmentKind,
};
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use bytes::Bytes;
use smallvec::smallvec;
use std::net::{IpAddr, SocketAddr};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn route(prefix: &str, nh: NextHop, attrs: Vec<Attribute>) -> Route {
    let (a, l) = prefix.split_once('/').unwrap_or((prefix, ""));
    let addr: IpAddr = a.parse().unwrap();
    let len = if l.is_empty() {
        if addr.is_ipv4() {
            32
        } else {
            128
        }
    } else {
        l.parse().unwrap()
    };
    let mut attributes = Attributes::new();
    for x in attrs {
        attributes.set(x);
    }
    Route {
        family: if addr.is_ipv4() {
            Family::IPV4_UNICAST
        } else {
            Family::IPV6_UNICAST
        },
        nlri: Nlri::prefix(Prefix::new(addr, len).unwrap()),
        next_hop: nh,
        attributes,
        watchdog: None,
        withdrawn: false,
    }
}

fn nh(s: &str) -> NextHop {
    NextHop::Ip(s.parse().unwrap())
}

fn comm(h: u32, l: u32) -> Community {
    Community((h << 16) | l)
}

fn corpus_neighbor(peer: &str, router_id: &str, asn: u32, peer_as: u32) -> NeighborConfig {
    let mut n = NeighborConfig::new(
        peer.parse().unwrap(),
        AsnSetting::Asn(asn),
        AsnSetting::Asn(peer_as),
    );
    n.local_address = Some(peer.parse().unwrap());
    n.router_id = Some(router_id.parse().unwrap());
    n
}

/// Run the corpus peer's side; return the messages we sent after our OPEN
/// and KEEPALIVE, as upper-case hex.
fn run(n: NeighborConfig, option_asn: Option<u16>) -> Vec<String> {
    let settings = Settings {
        tcp_port: 1790,
        tcp_attempts: 1,
        version: Some("5.0.0-0+test".into()),
        ..Settings::default()
    };
    let peer = n.peer_address;
    let (mut d, outs) = Driver::new(vec![n], settings);
    let conn = ConnId(1);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Connect { conn: c, .. } if *c == conn)));
    let outs = d.input(Input::Connected {
        conn,
        local: SocketAddr::new(peer, 40000),
        remote: SocketAddr::new(peer, 1790),
    });
    let open = transmitted(&outs).concat();
    let mut reply = open.to_vec();
    match option_asn {
        None => reply[27] = reply[27].wrapping_add(1),
        Some(asn) => {
            reply[20..22].copy_from_slice(&asn.to_be_bytes());
            // the 4-octet AS capability: param 02 06, capability 41 04
            let at = reply
                .windows(4)
                .position(|w| w == [0x02, 0x06, 0x41, 0x04])
                .expect("asn4 capability");
            reply[at + 4..at + 8].copy_from_slice(&(asn as u32).to_be_bytes());
        }
    }
    let mut data = reply;
    data.extend_from_slice(&keepalive());
    let outs = d.receive(conn, Bytes::from(data));
    let ka = keepalive();
    transmitted(&outs)
        .iter()
        .filter(|b| b[..] != ka[..])
        .map(|b| hex(b))
        .collect()
}

fn expect(msg: &str) -> Vec<String> {
    msg.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("option"))
        .map(|l| {
            let content = l.splitn(3, ':').nth(2).unwrap();
            content.replace([':', ' '], "").to_uppercase()
        })
        .collect()
}

/// The corpus peer accepts the expected messages in any order within a group
/// and stops once all arrived; whatever we send after must be End-of-RIBs.
fn check(got: Vec<String>, expected: Vec<String>) {
    assert!(
        got.len() >= expected.len(),
        "got {got:#?}\nexpected {expected:#?}"
    );
    let mut head = got[..expected.len()].to_vec();
    let mut want = expected.clone();
    head.sort();
    want.sort();
    assert_eq!(head, want, "got {got:#?}");
    for extra in &got[expected.len()..] {
        // End-of-RIB: 0017 02 00000000 or the 30-byte MP_UNREACH form
        assert!(
            extra.len() == 46 || (extra.len() == 60 && extra[38..52] == *"00000007900F00"),
            "unexpected extra message {extra}"
        );
    }
    // The End-of-RIB markers come after the routes.
    if let Some(first_eor) = got.iter().position(|m| m.len() == 46 || m.len() == 60) {
        assert!(got[first_eor..]
            .iter()
            .all(|m| m.len() == 46 || m.len() == 60));
    }
}

#[test]
fn conf_name() {
    let mut n = corpus_neighbor("127.0.0.1", "127.0.0.2", 1, 1);
    n.families = vec![Family::IPV4_UNICAST];
    n.routes = vec![route("1.0.0.0/24", nh("1.2.3.4"), vec![])];
    check(
        run(n, None),
        expect(
            "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0030:02:0000001540010100400200400304010203044005040000006418010000
             1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        ),
    );
}

#[test]
fn conf_new_v4_groups_identical_attributes() {
    let mut n = corpus_neighbor("127.0.0.1", "10.0.0.2", 65533, 65533);
    n.families = vec![Family::IPV4_UNICAST];
    let nh = nh("10.0.255.254");
    let c = Attribute::Communities;
    let lp = Attribute::LocalPref(200);
    n.routes = vec![
        route("10.0.1.0/24", nh, vec![c(vec![Community(0)])]),
        route("10.0.2.0/24", nh, vec![c(vec![comm(30740, 30740)])]),
        route(
            "10.0.3.0/24",
            nh,
            // ExaBGP keeps communities sorted from parsing on
            vec![c(vec![comm(30740, 0), comm(30740, 30740)])],
        ),
        route("10.0.4.0/24", nh, vec![lp.clone()]),
        route("10.0.5.0/24", nh, vec![lp.clone()]),
        route("10.0.6.0/24", nh, vec![c(vec![comm(30740, 30740)])]),
        route(
            "10.0.7.0/24",
            nh,
            vec![lp.clone(), c(vec![comm(30740, 30740)])],
        ),
        route("10.0.8.0/24", nh, vec![c(vec![comm(30740, 30740)]), lp]),
    ];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:003B:02:0000001C400101004002004003040A00FFFE40050400000064C0080478147814180A0002180A0006
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0034:02:00000015400101004002004003040A00FFFE400504000000C8180A0004180A0005
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:003B:02:0000001C400101004002004003040A00FFFE400504000000C8C0080478147814180A0007180A0008
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0037:02:0000001C400101004002004003040A00FFFE40050400000064C0080400000000180A0001
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:003B:02:00000020400101004002004003040A00FFFE40050400000064C008087814000078147814180A0003
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000"));
}

#[test]
fn conf_ebgp_prepends_local_as_and_strips_local_pref() {
    let mut n = corpus_neighbor("127.0.0.1", "10.0.0.2", 65533, 65000);
    n.families = vec![Family::IPV4_UNICAST];
    n.routes = vec![route(
        "10.0.0.0/24",
        nh("10.0.1.254"),
        vec![Attribute::LocalPref(200)],
    )];
    check(
        run(n, Some(65000)),
        expect(
            "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002F:02:000000144001010040020602010000FFFD4003040A0001FE180A0000
             1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        ),
    );
}

#[test]
fn conf_ipv6grouping_one_prefix_per_update() {
    let mut n = corpus_neighbor("127.0.0.1", "1.2.3.4", 1, 1);
    n.families = vec![Family::IPV6_UNICAST];
    let attrs = || {
        vec![
            Attribute::Communities(vec![comm(30740, 0), comm(30740, 30740)]),
            Attribute::LocalPref(200),
        ]
    };
    n.routes = vec![
        route("2A02:B80:0:1::1/128", nh("2A02:B80:0:2::1"), attrs()),
        route("2A02:B80:0:1::2/128", nh("2A02:B80:0:2::1"), attrs()),
    ];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0059:02:0000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000001
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0059:02:0000004240010100400200400504000000C8C008087814000078147814800E26000201102A020B8000000002000000000000000100802A020B80000000010000000000000002"));
}

#[test]
fn conf_group_limit_mixed_families() {
    let mut n = corpus_neighbor("127.0.0.1", "1.2.3.4", 1, 1);
    n.families = vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST];
    n.routes = vec![
        route("193.0.2.1", nh("10.0.0.1"), vec![]),
        route("193.0.2.2", nh("10.0.0.1"), vec![]),
        route("2A02:B80:0:1::1/128", nh("2A02:B80:1::1"), vec![]),
        route("2A02:B80:0:2::2/128", nh("2A02:B80:1::1"), vec![]),
    ];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0036:02:00000015400101004002004003040A0000014005040000006420C100020120C1000202
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E:02:000000374001010040020040050400000064800E26000201102A020B8000010000000000000000000100802A020B80000000010000000000000001
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E:02:000000374001010040020040050400000064800E26000201102A020B8000010000000000000000000100802A020B80000000020000000000000002
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201"));
}

#[test]
fn conf_attributes_raw_attribute_no_grouping() {
    let mut n = corpus_neighbor("127.0.0.1", "1.2.3.4", 1, 1);
    n.families = vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST];
    n.group_updates = false;
    let raw = RawAttribute {
        flags: 0xC0,
        code: 0x20,
        data: Box::from(
            &[
                0u8, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 10, 0, 0, 0, 11, 0, 0, 0, 12,
            ][..],
        ),
    };
    n.routes = vec![route(
        "10.0.0.7/32",
        nh("255.255.255.255"),
        vec![Attribute::Raw(raw)],
    )];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004C:02:0000003040010100400200400304FFFFFFFF40050400000064C020180000000100000002000000030000000A0000000B0000000C200A000007
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E:02:00000007900F0003000201"));
}

#[test]
fn conf_ipself4_next_hop_self() {
    let mut n = corpus_neighbor("127.0.0.1", "127.0.0.2", 12345, 12345);
    n.families = vec![Family::IPV4_UNICAST];
    n.routes = vec![route("10.0.0.0/32", NextHop::SelfAddress, vec![])];
    check(
        run(n, None),
        expect(
            "1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:00000015400101004002004003047F00000140050400000064200A000000
             1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        ),
    );
}

#[test]
fn conf_ipself6_next_hop_self() {
    let mut n = corpus_neighbor("::1", "127.0.0.2", 12345, 12345);
    n.families = vec![Family::IPV6_UNICAST];
    n.routes = vec![route("2a04:6d80::1/128", NextHop::SelfAddress, vec![])];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004E02:000000374001010040020040050400000064800E26000201100000000000000000000000000000000100802A046D80000000000000000000000001
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:001E02:00000007900F0003000201"));
}

#[test]
fn conf_largecommunity() {
    let mut n = corpus_neighbor("127.0.0.1", "1.2.3.4", 65000, 65000);
    n.families = vec![Family::IPV4_UNICAST];
    n.group_updates = false;
    let lc = |g, a, b| LargeCommunity {
        global: g,
        local1: a,
        local2: b,
    };
    let attrs = || {
        vec![Attribute::LargeCommunities(vec![
            lc(2914, 0, 666),
            lc(2914, 3320, 123),
        ])]
    };
    n.routes = vec![
        route("8.8.8.10/32", nh("192.0.2.1"), attrs()),
        route("9.9.9.10/32", nh("192.0.2.1"), attrs()),
    ];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004C:02:0000003040010100400200400304C000020140050400000064C0201800000B62000000000000029A00000B6200000CF80000007B200808080A
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004C:02:0000003040010100400200400304C000020140050400000064C0201800000B62000000000000029A00000B6200000CF80000007B200909090A
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000"));
}

#[test]
fn conf_aggregator_all_families() {
    // No family block: all 21 families, the test ends at the route.
    let mut n = corpus_neighbor("127.0.0.1", "10.0.0.2", 65533, 65533);
    n.routes = vec![route(
        "1.0.64.0/18",
        nh("192.168.1.254"),
        vec![
            Attribute::AsPath(AsPath {
                segments: vec![AsPathSegment {
                    kind: SegmentKind::Sequence,
                    asns: smallvec![57821, 6939],
                }],
            }),
            Attribute::AtomicAggregate,
            Attribute::Aggregator(Aggregator {
                asn: 18144,
                address: "219.118.225.189".parse().unwrap(),
            }),
        ],
    )];
    let got = run(n, None);
    check(got.clone(), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:004802:0000002D4001010040020A02020000E1DD00001B1B400304C0A801FE40050400000064400600C00708000046E0DB76E1BD12010040"));
    assert_eq!(got.len(), 1 + 21, "one End-of-RIB per family");
}

#[test]
fn conf_template_group_updates_false() {
    let mut n = corpus_neighbor("127.0.0.1", "127.0.0.0", 65533, 65533);
    n.families = vec![Family::IPV4_UNICAST];
    n.group_updates = false;
    n.capability.graceful_restart = Some(1200);
    n.routes = vec![
        route("1.0.0.0/8", nh("1.1.1.1"), vec![]),
        route("2.0.0.0/8", nh("1.1.1.1"), vec![]),
        route("3.0.0.0/8", nh("1.2.3.4"), vec![]),
        route("4.0.0.0/8", nh("2.2.2.2"), vec![]),
    ];
    check(run(n, None), expect("
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401010101400504000000640801
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401010101400504000000640802
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030401020304400504000000640803
1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002E:02:000000154001010040020040030402020202400504000000640804"));
}

#[test]
fn corpus_session_end_exits_after_single_attempt() {
    // FORMAT.md §4.2: with tcp.connections 1, the SUT exits once the peer closes.
    let mut n = corpus_neighbor("127.0.0.1", "127.0.0.2", 1, 1);
    n.families = vec![Family::IPV4_UNICAST];
    let settings = Settings {
        tcp_attempts: 1,
        ..Settings::default()
    };
    let (mut d, outs) = Driver::new(vec![n], settings);
    let (conn, _) = d.connect(&outs);
    let outs = d.input(Input::Closed {
        conn,
        reason: "peer closed".into(),
    });
    assert_eq!(outs.last(), Some(&Output::Exit { code: 0 }));
}

/// Every configuration-only encoding test of the corpus (no API process),
/// parsed with our configuration parser and replayed in memory. Skipped when
/// the corpus is not on this machine (`OXBGP_CORPUS` or /work/shared/conformance).
#[test]
fn corpus_configuration_encoding_tests() {
    let dir = std::env::var("OXBGP_CORPUS").unwrap_or_else(|_| "/work/shared/conformance".into());
    let dir = std::path::Path::new(&dir);
    let Ok(entries) = std::fs::read_dir(dir.join("encoding")) else {
        eprintln!("corpus not found at {}: skipped", dir.display());
        return;
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".ci"))
                .map(String::from)
        })
        .collect();
    names.sort();
    let mut failed = Vec::new();
    let mut passed = 0;
    for name in names {
        let ci = std::fs::read_to_string(dir.join("encoding").join(format!("{name}.ci"))).unwrap();
        let conf_name = ci.split_whitespace().next().unwrap_or_default().to_string();
        let path = dir.join("conf").join(&conf_name);
        let text = std::fs::read_to_string(&path).unwrap();
        let config = match crate::config::parser::parse_str(&text, &path.to_string_lossy()) {
            Ok(c) => c,
            Err(e) => {
                failed.push(format!("{name}: parse error {e}"));
                continue;
            }
        };
        if !config.processes.is_empty() || config.neighbors.len() != 1 {
            continue; // needs the API (issue #4)
        }
        let msg =
            std::fs::read_to_string(dir.join("encoding").join(format!("{name}.msg"))).unwrap();
        let mut asn = None;
        let mut lines = Vec::new();
        for l in msg.lines().map(str::trim) {
            if l.is_empty() || l.contains('#') {
                continue;
            }
            if let Some(a) = l.strip_prefix("option:asn:") {
                asn = a.parse().ok();
            } else if !l.starts_with("option:") {
                lines.push(l.to_string());
            }
        }
        let expected = expect(&lines.join("\n"));
        let n = config.neighbors.into_iter().next().unwrap();
        let got = std::panic::catch_unwind(|| {
            let got = run(n, asn);
            check(got.clone(), expected.clone());
        });
        match got {
            Ok(()) => passed += 1,
            Err(_) => failed.push(name),
        }
    }
    eprintln!("corpus configuration tests: {passed} passed, failed: {failed:?}");
    assert!(failed.is_empty(), "failed: {failed:?}");
}
