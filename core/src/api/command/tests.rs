//! Command parser tests: the corpus's every `send` payload, targeted
//! assertions per command kind, error reasons, and never-panic properties.

use super::*;
use crate::config::model::{AsnSetting, NeighborConfig, NextHop};
use crate::wire::attribute::Attribute;
use crate::wire::family::{Afi, Safi};
use quickcheck::{QuickCheck, TestResult};
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

fn ok(line: &str) -> Command {
    match parse(line) {
        Ok(c) => c,
        Err(e) => panic!("{line:?} refused: {e}"),
    }
}

fn err(line: &str) -> CommandError {
    match parse(line) {
        Ok(c) => panic!("{line:?} accepted as {c:?}"),
        Err(e) => e,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn prefix_of(r: &Route) -> String {
    match r.nlri.ip_prefix() {
        Some(prefix) => prefix.to_string(),
        None => format!("{:?}", r.nlri),
    }
}

fn announce(line: &str) -> (Selector, Vec<Route>) {
    match ok(line) {
        Command::Announce { selector, routes } => (selector, routes),
        c => panic!("{line:?} parsed as {c:?}"),
    }
}

fn groups(sel: Selector) -> Vec<NeighborMatch> {
    match sel {
        Selector::Neighbors(g) => g,
        Selector::All => panic!("expected a neighbor selector"),
    }
}

// ------------------------------------------------------------------ corpus

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/encoding")
}

/// Every distinct `send` payload of the corpus, verbatim (FORMAT.md §7.1).
fn corpus_payloads() -> Option<Vec<String>> {
    let dir = std::fs::read_dir(corpus_dir()).ok()?;
    let mut out = std::collections::BTreeSet::new();
    for entry in dir.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("cmds") {
            continue;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        for l in text.lines() {
            let l = l.trim_start().trim_end_matches('\r');
            if let Some(p) = l.strip_prefix("send ") {
                out.insert(p.to_string());
            }
        }
    }
    Some(out.into_iter().collect())
}

#[test]
fn every_corpus_send_payload_parses() {
    let Some(payloads) = corpus_payloads() else {
        eprintln!(
            "SKIPPED: no corpus at {} (every_corpus_send_payload_parses)",
            corpus_dir().display()
        );
        return;
    };
    assert!(
        payloads.len() > 90,
        "only {} payloads found",
        payloads.len()
    );
    let mut failures = Vec::new();
    for p in &payloads {
        // Decoys the corpus sends to be refused (ExaBGP answers `error`: no
        // neighbor matches, and the prefix has host bits set).
        if p.contains("9.9.9.9/2") {
            match parse(p) {
                Err(e) if e.reason.contains("host bits") => continue,
                other => {
                    failures.push(format!("{p:?} → expected a refusal, got {other:?}"));
                    continue;
                }
            }
        }
        match parse(p) {
            Ok(c) => {
                // A payload mentioning a verb must reach that kind of command.
                let kind_ok = match &c {
                    Command::Announce { routes, .. } => {
                        p.contains("announce") && !routes.is_empty()
                    }
                    Command::Withdraw { routes, .. } => {
                        p.contains("withdraw") && !routes.is_empty()
                    }
                    Command::AnnounceFlow { .. } => p.contains("announce flow"),
                    Command::WithdrawFlow { .. } => p.contains("withdraw flow"),
                    Command::AnnounceVpls { .. } => p.contains("announce vpls"),
                    Command::WithdrawVpls { .. } => p.contains("withdraw vpls"),
                    Command::AnnounceMcastVpn { .. } => p.contains("announce ipv"),
                    Command::WithdrawMcastVpn { .. } => p.contains("withdraw ipv"),
                    Command::AnnounceMup { .. } => p.contains("announce ipv"),
                    Command::WithdrawMup { .. } => p.contains("withdraw ipv"),
                    Command::AnnounceEor { .. } => p.contains("announce eor"),
                    Command::Watchdog { .. } => p.contains("watchdog"),
                    Command::Teardown { .. } => p.contains("teardown"),
                    Command::FlushAdjRibOut { .. } => p.contains("flush"),
                    Command::ClearAdjRib { .. } => p.contains("clear"),
                    Command::Shutdown => p == "shutdown",
                    Command::EnableAck => p == "enable-ack",
                    Command::DisableAck => p == "disable-ack",
                    Command::SilenceAck => p == "silence-ack",
                    _ => false,
                };
                if !kind_ok {
                    failures.push(format!("{p:?} → unexpected {c:?}"));
                }
            }
            Err(e) => failures.push(format!("{p:?} → {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} payloads failed:\n{}",
        failures.len(),
        payloads.len(),
        failures.join("\n")
    );
}

// --------------------------------------------------------------- normalise

#[test]
fn normalise_matches_exabgp_formated() {
    assert_eq!(normalise("  a\tb  c "), "a b c");
    assert_eq!(normalise("community [2:1]"), "community [ 2:1 ]");
    assert_eq!(normalise("as-path [100, 500]"), "as-path [ 100 , 500 ]");
    assert_eq!(normalise("( l3-service x )"), "( l3-service x )");
    assert_eq!(normalise("[64,24,16]"), "[ 64 , 24 , 16 ]");
    assert!(matches!(
        normalise("announce route 1.0.0.0/24 next-hop 1.1.1.1"),
        Cow::Borrowed(_)
    ));
    assert!(matches!(normalise("a [ b ] c"), Cow::Borrowed(_)));
    assert_eq!(
        normalise("announce route 0.0.0.0/0  next-hop 1.101.1.101"),
        "announce route 0.0.0.0/0 next-hop 1.101.1.101"
    );
}

// ----------------------------------------------------------------- routes

#[test]
fn announce_route_basic() {
    let (sel, routes) = announce("announce route 1.1.0.0/24 next-hop 101.1.101.1");
    assert_eq!(sel, Selector::All);
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0].family, Family::IPV4_UNICAST);
    assert_eq!(prefix_of(&routes[0]), "1.1.0.0/24");
    assert_eq!(routes[0].next_hop, NextHop::Ip(ip("101.1.101.1")));
}

#[test]
fn announce_route_double_space_and_padding() {
    let (_, routes) = announce("announce route 0.0.0.0/0  next-hop 1.101.1.101");
    assert_eq!(prefix_of(&routes[0]), "0.0.0.0/0");
    let (sel, routes) = announce(
        "neighbor 127.0.0.1 announce                                                           route 1.1.0.0/24 next-hop 101.1.101.1",
    );
    assert_eq!(groups(sel)[0].peer, Some(Want::Value(ip("127.0.0.1"))));
    assert_eq!(prefix_of(&routes[0]), "1.1.0.0/24");
}

#[test]
fn announce_route_host_address_is_slash_32() {
    let (_, routes) = announce("announce route 1.2.3.4 next-hop 5.6.7.8");
    assert_eq!(prefix_of(&routes[0]), "1.2.3.4/32");
}

#[test]
fn announce_route_attributes_and_split() {
    let (_, routes) = announce(
        "announce route 1.0.0.0/21 next-hop 101.1.101.1 med 200 community [2:1] split /23",
    );
    let prefixes: Vec<String> = routes.iter().map(prefix_of).collect();
    assert_eq!(
        prefixes,
        ["1.0.0.0/23", "1.0.2.0/23", "1.0.4.0/23", "1.0.6.0/23"]
    );
    for r in &routes {
        assert!(r.attributes.0.contains(&Attribute::Med(200)));
        assert!(r
            .attributes
            .0
            .iter()
            .any(|a| matches!(a, Attribute::Communities(c) if c.len() == 1)));
    }
}

#[test]
fn announce_ipv6_route() {
    let (_, routes) = announce(
        "neighbor 127.0.0.1 announce route 2605::2/128 next-hop 2001::1 local-preference 500",
    );
    assert_eq!(routes[0].family, Family::IPV6_UNICAST);
    assert!(routes[0].attributes.0.contains(&Attribute::LocalPref(500)));
    assert_eq!(routes[0].next_hop, NextHop::Ip(ip("2001::1")));
}

#[test]
fn announce_route_without_next_hop_is_an_error() {
    let e = err("announce route 1.0.0.0/24");
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert_eq!(
        e.reason,
        "invalid route 1.0.0.0/24 (missing next-hop, label or rd ?)"
    );
}

#[test]
fn labelled_routes_need_no_next_hop() {
    let (_, routes) = announce("announce route 10.0.0.0/24 label 5");
    assert_eq!(routes[0].family, Family::new(Afi::IPV4, Safi::MPLS));
    let (_, routes) = announce("announce route 10.0.0.0/24 rd 1:1 label 5");
    assert_eq!(routes[0].family, Family::IPV4_MPLS_VPN);
    assert!(err("announce route 10.0.0.0/24 rd 1:1")
        .reason
        .contains("missing next-hop"));
    assert!(err("announce route 2001::/64")
        .reason
        .contains("missing next-hop"));
    assert!(err("announce attributes med 5 nlri 1.0.0.0/24")
        .reason
        .contains("missing next-hop"));
}

#[test]
fn withdraw_route_without_next_hop_is_fine() {
    match ok("withdraw route 1.1.0.0/24") {
        Command::Withdraw { selector, routes } => {
            assert_eq!(selector, Selector::All);
            assert_eq!(prefix_of(&routes[0]), "1.1.0.0/24");
            assert_eq!(routes[0].next_hop, NextHop::None);
        }
        c => panic!("{c:?}"),
    }
    assert!(matches!(
        ok("withdraw route 1.1.0.0/25 next-hop 0.0.0.0"),
        Command::Withdraw { .. }
    ));
}

#[test]
fn announce_attributes_nlri() {
    let (_, routes) =
        announce("announce attributes med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32");
    let prefixes: Vec<String> = routes.iter().map(prefix_of).collect();
    assert_eq!(prefixes, ["1.0.0.1/32", "1.0.0.2/32"]);
    assert!(routes
        .iter()
        .all(|r| r.attributes.0.contains(&Attribute::Med(100))));
}

#[test]
fn announce_attribute_singular_with_rd_label_is_vpn() {
    let (_, routes) = announce(
        "announce attribute route-distinguisher 63333:100 label [ 110 ] next-hop 10.0.99.12 origin igp as-path [100, 500] local-preference 100 extended-community 0:0 originator-id 10.0.99.12 nlri 128.0.64.0/18 128.0.0.0/18",
    );
    assert_eq!(routes.len(), 2);
    assert!(routes.iter().all(|r| r.family == Family::IPV4_MPLS_VPN));
}

#[test]
fn announce_ipv4_unicast_and_ipv6_unicast() {
    let (_, routes) =
        announce("announce ipv4 unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200");
    assert_eq!(routes[0].family, Family::IPV4_UNICAST);
    match ok("withdraw ipv6 unicast fc00:1::/64 next-hop 2001::11 local-preference 200") {
        Command::Withdraw { routes, .. } => assert_eq!(routes[0].family, Family::IPV6_UNICAST),
        c => panic!("{c:?}"),
    }
}

#[test]
fn announce_mcast_vpn_and_mup() {
    match ok("announce ipv4 mcast-vpn source-ad source 10.99.12.4 group 239.251.255.228 rd 65000:99999 next-hop 10.10.6.4 extended-community [ target:65000:99999 ]") {
        Command::AnnounceMcastVpn { routes, .. } => {
            assert_eq!(routes.len(), 1);
            assert_eq!(routes[0].family.afi, Afi::IPV4);
        }
        c => panic!("{c:?}"),
    }
    match ok("withdraw ipv6 mup mup-isd 2001::/64 rd 100:100 next-hop 2001::2 extended-community [ target:10:10 ] bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x47 [64,24,16,0,0,0] )") {
        Command::WithdrawMup { routes, .. } => assert_eq!(routes[0].family.afi, Afi::IPV6),
        c => panic!("{c:?}"),
    }
}

#[test]
fn announce_ipv4_unknown_safi_is_an_error() {
    let e = err("announce ipv4 bogus 10.0.0.0/24 next-hop 1.1.1.1");
    assert!(e.reason.contains("bogus"), "{}", e.reason);
}

#[test]
fn announce_flow_line_and_block_forms() {
    match ok("announce flow route destination 133.130.1.19/32 interface-set [ transitive:input:1234:10 ] discard") {
        Command::AnnounceFlow { flows, selector } => {
            assert_eq!(selector, Selector::All);
            assert_eq!(flows[0].family, Family::IPV4_FLOW);
            assert_eq!(flows[0].name, None);
        }
        c => panic!("{c:?}"),
    }
    match ok("announce flow route { match { source 4.4.4.4/32; } then { rate-limit 0; } }") {
        Command::AnnounceFlow { flows, .. } => {
            assert_eq!(flows[0].name, None);
            assert_eq!(flows[0].components.len(), 1);
        }
        c => panic!("{c:?}"),
    }
    assert!(matches!(
        ok("withdraw flow route { match { source 170.170.170.170/32; destination 170.170.170.170/32; } then { rate-limit 1; } }"),
        Command::WithdrawFlow { .. }
    ));
    let e = err("announce flow destination 1.2.3.4/32 discard");
    assert!(e.reason.contains("route"), "{}", e.reason);
}

#[test]
fn announce_and_withdraw_vpls() {
    match ok("neighbor 127.0.0.1 announce vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1 origin igp") {
        Command::AnnounceVpls { vpls, selector } => {
            assert_eq!(vpls[0].endpoint, 5);
            assert_eq!(vpls[0].base, 10702);
            assert_eq!(groups(selector).len(), 1);
        }
        c => panic!("{c:?}"),
    }
    assert!(matches!(
        ok("neighbor 127.0.0.1 withdraw vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 next-hop 192.168.201.1"),
        Command::WithdrawVpls { .. }
    ));
}

// ----------------------------------------------------------- eor, refresh

#[test]
fn announce_eor_defaults_to_ipv4_unicast() {
    assert_eq!(
        ok("announce eor"),
        Command::AnnounceEor {
            selector: Selector::All,
            family: Family::IPV4_UNICAST
        }
    );
    assert_eq!(
        ok("announce eor ipv6 unicast"),
        Command::AnnounceEor {
            selector: Selector::All,
            family: Family::IPV6_UNICAST
        }
    );
    assert!(err("announce eor ipv4").reason.contains("<afi> <safi>"));
    assert!(err("announce eor ipv9 unicast").reason.contains("ipv9"));
}

#[test]
fn announce_route_refresh_needs_a_family() {
    assert_eq!(
        ok("announce route-refresh ipv4 flow"),
        Command::AnnounceRouteRefresh {
            selector: Selector::All,
            family: Family::IPV4_FLOW
        }
    );
    assert_eq!(err("announce route-refresh").kind, ErrorKind::Syntax);
}

#[test]
fn announce_operational() {
    match ok("announce operational rpcq afi ipv4 safi unicast sequence 7") {
        Command::AnnounceOperational { message, .. } => assert_eq!(
            message,
            Operational::Query {
                kind: CounterKind::Rpc,
                family: Family::IPV4_UNICAST,
                router_id: None,
                sequence: 7
            }
        ),
        c => panic!("{c:?}"),
    }
    match ok("announce operational asm afi ipv6 safi unicast advisory hello") {
        Command::AnnounceOperational {
            message: Operational::Advisory { kind, text, .. },
            ..
        } => {
            assert_eq!(kind, AdvisoryKind::Asm);
            assert_eq!(text, "hello");
        }
        c => panic!("{c:?}"),
    }
    assert_eq!(
        ok("announce operational foo bar"),
        Command::OperationalIgnored
    );
    assert!(
        err("announce operational rpcp afi ipv4 safi unicast sequence 1")
            .reason
            .contains("counter")
    );
}

// --------------------------------------------------------------- selectors

#[test]
fn selector_with_every_key() {
    let (sel, routes) = announce(
        "neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.6.0.0/21 next-hop 101.1.101.1 med 200 community [2:1]",
    );
    assert_eq!(prefix_of(&routes[0]), "1.6.0.0/21");
    let g = groups(sel);
    assert_eq!(g.len(), 1);
    assert_eq!(
        g[0],
        NeighborMatch {
            peer: Some(Want::Value(ip("127.0.0.1"))),
            local_ip: Some(Want::Value(Some(ip("127.0.0.1")))),
            local_as: Some(Want::Value(AsnSetting::Asn(1))),
            peer_as: Some(Want::Value(AsnSetting::Asn(1))),
            router_id: Some(Want::Value(Ipv4Addr::new(1, 2, 3, 4))),
            family_allowed: None,
        }
    );
}

#[test]
fn selector_family_allowed() {
    let (sel, _) = announce(
        "neighbor 127.0.0.1 local-as 1 family-allowed ipv4-unicast announce                    route 1.2.0.0/24 next-hop 101.1.101.1",
    );
    assert_eq!(
        groups(sel)[0].family_allowed,
        Some(Want::Value(FamilyAllowed::Families(vec![
            Family::IPV4_UNICAST
        ])))
    );
    let (sel, _) = announce(
        "neighbor 127.0.0.1 family-allowed in-open announce route 9.9.9.0/24 next-hop 101.1.101.1",
    );
    assert_eq!(
        groups(sel)[0].family_allowed,
        Some(Want::Value(FamilyAllowed::InOpen))
    );
}

#[test]
fn selector_star_and_comma_lists() {
    let (sel, _) = announce("neighbor * announce route 1.0.0.0/8 next-hop 1.1.1.1");
    assert_eq!(groups(sel), vec![NeighborMatch::default()]);
    // ExaBGP stops matching at `neighbor *`: later pairs are ignored.
    let (sel, _) = announce("neighbor * local-as 5 announce route 1.0.0.0/8 next-hop 1.1.1.1");
    assert_eq!(groups(sel), vec![NeighborMatch::default()]);
    let (sel, _) = announce(
        "neighbor 10.0.0.1, neighbor 10.0.0.2 local-as 3 announce route 1.0.0.0/8 next-hop 1.1.1.1",
    );
    let g = groups(sel);
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].peer, Some(Want::Value(ip("10.0.0.1"))));
    assert_eq!(g[1].peer, Some(Want::Value(ip("10.0.0.2"))));
    assert_eq!(g[1].local_as, Some(Want::Value(AsnSetting::Asn(3))));
}

#[test]
fn selector_unparsable_value_never_matches() {
    let (sel, _) = announce(
        "neighbor absentone local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 9.9.8.0/21 next-hop 101.1.101.1 med 200 community [2:1]",
    );
    let g = groups(sel.clone());
    assert_eq!(g[0].peer, Some(Want::Never("absentone".into())));
    let n = neighbor();
    assert!(!sel.matches(&n));
}

fn neighbor() -> NeighborConfig {
    let mut n = NeighborConfig::new(ip("127.0.0.1"), AsnSetting::Asn(1), AsnSetting::Asn(1));
    n.local_address = Some(ip("127.0.0.1"));
    n.router_id = Some(Ipv4Addr::new(1, 2, 3, 4));
    n
}

fn selects(line: &str, n: &NeighborConfig) -> bool {
    match ok(line) {
        Command::Announce { selector, .. } => selector.matches(n),
        c => panic!("{c:?}"),
    }
}

#[test]
fn selector_matching_against_a_neighbor() {
    let n = neighbor();
    let tail = "announce route 1.0.0.0/8 next-hop 1.1.1.1";
    assert!(selects(tail, &n));
    assert!(selects(&format!("neighbor 127.0.0.1 {tail}"), &n));
    assert!(selects(&format!("neighbor * {tail}"), &n));
    assert!(!selects(&format!("neighbor 127.0.0.2 {tail}"), &n));
    assert!(selects(
        &format!("neighbor 127.0.0.1 local-as 1 {tail}"),
        &n
    ));
    assert!(!selects(
        &format!("neighbor 127.0.0.1 local-as 2 {tail}"),
        &n
    ));
    assert!(!selects(
        &format!(
            "neighbor 127.0.0.1 local-as 2 peer-as 3 local-ip 127.0.0.1 router-id 1.2.3.4 {tail}"
        ),
        &n
    ));
    assert!(selects(
        &format!("neighbor 127.0.0.1 router-id 1.2.3.4 {tail}"),
        &n
    ));
    assert!(!selects(
        &format!("neighbor 127.0.0.1 router-id 1.2.3.5 {tail}"),
        &n
    ));
    assert!(selects(
        &format!("neighbor 127.0.0.1 local-ip 127.0.0.1 {tail}"),
        &n
    ));
    assert!(!selects(
        &format!("neighbor 127.0.0.1 local-ip auto {tail}"),
        &n
    ));
    assert!(selects(
        &format!("neighbor 127.0.0.1 family-allowed in-open {tail}"),
        &n
    ));
    assert!(!selects(
        &format!("neighbor 127.0.0.1 family-allowed ipv4-unicast {tail}"),
        &n
    ));
    assert!(selects(
        &format!("neighbor 10.9.9.9 , neighbor 127.0.0.1 {tail}"),
        &n
    ));
    // The same key twice with different values can never match.
    assert!(!selects(
        &format!("neighbor 127.0.0.1 neighbor 10.0.0.1 {tail}"),
        &n
    ));

    let mut ms = neighbor();
    ms.capability.multi_session = true;
    ms.families = vec![Family::IPV4_UNICAST];
    assert!(selects(
        &format!("neighbor 127.0.0.1 family-allowed ipv4-unicast {tail}"),
        &ms
    ));
    let mut auto = neighbor();
    auto.local_address = None;
    auto.local_as = AsnSetting::Auto;
    assert!(selects(
        &format!("neighbor 127.0.0.1 local-ip auto local-as auto {tail}"),
        &auto
    ));
}

#[test]
fn selector_errors() {
    assert_eq!(err("neighbor 127.0.0.1").kind, ErrorKind::Unknown);
    let e = err("neighbor 127.0.0.1 local-as announce route 1.0.0.0/8 next-hop 1.1.1.1");
    // `announce` is taken as the local-as value; the command then starts
    // with `route`, which is not `announce route`.
    assert_eq!(e.kind, ErrorKind::Syntax, "{e}");
    let e = err("neighbor 127.0.0.1 bogus announce route 1.0.0.0/8 next-hop 1.1.1.1");
    assert!(
        e.reason.contains("expected 'announce route'"),
        "{}",
        e.reason
    );
}

// ------------------------------------------------------ teardown, watchdog

#[test]
fn teardown() {
    match ok("neighbor 127.0.0.1 teardown 4") {
        Command::Teardown { neighbors, subcode } => {
            assert_eq!(subcode, 4);
            assert_eq!(neighbors.len(), 1);
            assert_eq!(neighbors[0].peer, Some(Want::Value(ip("127.0.0.1"))));
        }
        c => panic!("{c:?}"),
    }
    assert_eq!(
        ok("teardown 2"),
        Command::Teardown {
            neighbors: vec![],
            subcode: 2
        }
    );
    assert!(err("neighbor 127.0.0.1 teardown x")
        .reason
        .contains("subcode"));
    assert!(err("neighbor 127.0.0.1 teardown 300")
        .reason
        .contains("255"));
    assert_eq!(err("teardown").kind, ErrorKind::Syntax);
    assert!(err("neighbor 127.0.0.1 teardown 4 now")
        .reason
        .contains("subcode"));
}

#[test]
fn watchdog() {
    assert_eq!(
        ok("announce watchdog dnsr"),
        Command::Watchdog {
            action: Action::Announce,
            name: Some("dnsr".into())
        }
    );
    assert_eq!(
        ok("neighbor 127.0.0.1 withdraw watchdog web"),
        Command::Watchdog {
            action: Action::Withdraw,
            name: Some("web".into())
        }
    );
    assert_eq!(
        ok("withdraw watchdog"),
        Command::Watchdog {
            action: Action::Withdraw,
            name: None
        }
    );
}

// -------------------------------------------------------------------- rib

#[test]
fn flush_and_clear() {
    assert_eq!(
        ok("flush adj-rib out"),
        Command::FlushAdjRibOut {
            selector: Selector::All
        }
    );
    assert_eq!(
        ok("clear adj-rib out"),
        Command::ClearAdjRib {
            selector: Selector::All,
            direction: Direction::Out
        }
    );
    assert_eq!(
        ok("clear adj-rib"),
        Command::ClearAdjRib {
            selector: Selector::All,
            direction: Direction::Out
        }
    );
    assert_eq!(
        ok("clear adj-rib in"),
        Command::ClearAdjRib {
            selector: Selector::All,
            direction: Direction::In
        }
    );
    assert_eq!(
        ok("clear adj-rib-in"),
        Command::ClearAdjRib {
            selector: Selector::All,
            direction: Direction::In
        }
    );
    match ok("neighbor 127.0.0.1 flush adj-rib out") {
        Command::FlushAdjRibOut { selector } => assert_eq!(groups(selector).len(), 1),
        c => panic!("{c:?}"),
    }
}

#[test]
fn show_adj_rib() {
    assert_eq!(
        ok("show adj-rib out extensive"),
        Command::ShowAdjRib {
            direction: Direction::Out,
            extensive: true,
            json: false,
            kind: RibFilter::All,
            filter: None
        }
    );
    assert_eq!(
        ok("show adj-rib in 127.0.0.1 json"),
        Command::ShowAdjRib {
            direction: Direction::In,
            extensive: false,
            json: true,
            kind: RibFilter::All,
            filter: Some("127.0.0.1".into())
        }
    );
    match ok("show adj-rib out flow") {
        Command::ShowAdjRib { kind, filter, .. } => {
            assert_eq!(kind, RibFilter::Flow);
            assert_eq!(filter, None);
        }
        c => panic!("{c:?}"),
    }
}

#[test]
fn show_neighbor() {
    assert_eq!(
        ok("show neighbor"),
        Command::ShowNeighbor {
            filter: None,
            mode: ShowNeighborMode::Help
        }
    );
    assert_eq!(
        ok("show neighbor 127.0.0.1 summary"),
        Command::ShowNeighbor {
            filter: Some("127.0.0.1".into()),
            mode: ShowNeighborMode::Summary
        }
    );
    assert_eq!(
        ok("show neighbor extensive"),
        Command::ShowNeighbor {
            filter: None,
            mode: ShowNeighborMode::Extensive
        }
    );
    assert_eq!(
        ok("show neighbor json"),
        Command::ShowNeighbor {
            filter: None,
            mode: ShowNeighborMode::Json
        }
    );
    assert_eq!(
        ok("show neighbor configuration"),
        Command::ShowNeighbor {
            filter: None,
            mode: ShowNeighborMode::Configuration
        }
    );
}

// ---------------------------------------------------------------- reactor

#[test]
fn reactor_commands() {
    assert_eq!(ok("shutdown"), Command::Shutdown);
    assert_eq!(ok("reload"), Command::Reload);
    assert_eq!(ok("restart"), Command::Restart);
    assert_eq!(ok("version"), Command::Version);
    assert_eq!(ok("help"), Command::Help);
    assert_eq!(ok("enable-ack"), Command::EnableAck);
    assert_eq!(ok("disable-ack"), Command::DisableAck);
    assert_eq!(ok("silence-ack"), Command::SilenceAck);
    assert_eq!(ok("reset"), Command::Reset);
    assert_eq!(ok("crash"), Command::Crash);
    assert_eq!(ok("  shutdown \t"), Command::Shutdown);
    assert!(ok("silence-ack").is_silent());
    assert!(!ok("disable-ack").is_silent());
}

#[test]
fn comments_and_debug() {
    assert_eq!(ok("# hello world"), Command::Comment("hello world".into()));
    assert_eq!(ok("#comment"), Command::Comment("comment".into()));
    // A comment never runs the command it mentions.
    assert_eq!(
        ok("# shutdown now"),
        Command::Comment("shutdown now".into())
    );
    assert_eq!(ok("debug some  text"), Command::Debug("some  text".into()));
    assert!(ok("debug x").is_silent());
}

#[test]
fn dispatch_follows_exabgp_name_order() {
    // A line ending with a higher-priority name goes to that command (§3.1).
    assert_eq!(
        ok("announce route 1.0.0.0/24 next-hop 1.1.1.1 version"),
        Command::Version
    );
    assert_eq!(
        dispatch::dispatch("announce route-refresh ipv4 unicast"),
        Some(Verb::AnnounceRouteRefresh)
    );
    assert_eq!(
        dispatch::dispatch("announce attributes med 1"),
        Some(Verb::AnnounceAttributes)
    );
    assert_eq!(
        dispatch::dispatch("announce attribute med 1"),
        Some(Verb::AnnounceAttribute)
    );
    assert_eq!(
        dispatch::dispatch("neighbor 1.1.1.1 withdraw route 1.0.0.0/8"),
        Some(Verb::WithdrawRoute)
    );
    assert_eq!(dispatch::dispatch("announce routes"), None);
}

#[test]
fn reactor_texts() {
    assert_eq!(reactor::version_text("5.0.15"), "exabgp 5.0.15");
    assert_eq!(reactor::SHUTDOWN_TEXT, "shutdown in progress");
    assert_eq!(reactor::RELOAD_TEXT, "reload in progress");
    assert_eq!(reactor::RESTART_TEXT, "restart in progress");
    let help: Vec<&str> = reactor::help_lines().collect();
    assert_eq!(help[1], "available API commands are listed here:");
    assert!(help.contains(&"[neighbor <ip> [filters]] announce route"));
    assert!(help.contains(&"show neighbor [ summary | extensive | configuration ] "));
    assert_eq!(help.last(), Some(&""));
}

// ----------------------------------------------------------------- errors

#[test]
fn error_reasons() {
    assert_eq!(err("").kind, ErrorKind::Empty);
    assert_eq!(err("   ").kind, ErrorKind::Empty);
    let e = err("frobnicate the router");
    assert_eq!(e.kind, ErrorKind::Unknown);
    assert!(e.reason.contains("frobnicate"));
    // ExaBGP 5.0 crashes on `json` in a command without JSON output (§12).
    let e = err("announce route 1.0.0.0/24 next-hop 1.1.1.1 json");
    assert_eq!(e.kind, ErrorKind::JsonUnsupported);
    assert_eq!(err("shutdown json").kind, ErrorKind::JsonUnsupported);
    let e = err("announce route 1.0.0.0/33 next-hop 1.1.1.1");
    assert_eq!(e.kind, ErrorKind::Syntax);
    assert!(e.reason.contains("column"), "{}", e.reason);
    let e = err("announce route 1.0.0.0/24 next-hop 1.1.1.1 colour blue");
    assert!(e.reason.contains("colour"), "{}", e.reason);
    assert_eq!(err("announce route").kind, ErrorKind::Syntax);
    assert_eq!(err("announce ipv4").kind, ErrorKind::Syntax);
}

// ------------------------------------------------------------- properties

#[test]
fn parse_never_panics_on_arbitrary_strings() {
    fn prop(s: String) -> bool {
        let _ = parse(&s);
        true
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(String) -> bool);
}

const WORDS: [&str; 48] = [
    "neighbor",
    "127.0.0.1",
    "*",
    ",",
    "local-ip",
    "local-as",
    "peer-as",
    "router-id",
    "family-allowed",
    "in-open",
    "ipv4-unicast",
    "announce",
    "withdraw",
    "route",
    "attributes",
    "attribute",
    "nlri",
    "ipv4",
    "ipv6",
    "unicast",
    "flow",
    "vpls",
    "eor",
    "route-refresh",
    "operational",
    "asm",
    "rpcp",
    "afi",
    "safi",
    "watchdog",
    "teardown",
    "show",
    "adj-rib",
    "in",
    "out",
    "extensive",
    "json",
    "flush",
    "clear",
    "1.0.0.0/24",
    "next-hop",
    "split",
    "/25",
    "[",
    "]",
    "{",
    "}",
    "#",
];

#[test]
fn parse_never_panics_on_command_word_sequences() {
    fn prop(idx: Vec<u8>) -> TestResult {
        let line: Vec<&str> = idx
            .iter()
            .map(|i| WORDS[*i as usize % WORDS.len()])
            .collect();
        let _ = parse(&line.join(" "));
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> TestResult);
}

#[test]
fn normalise_fast_path_agrees_with_rebuilding() {
    fn prop(s: String) -> bool {
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        normalise(&s) == super::rebuild(t).as_str()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(String) -> bool);
    for s in [
        "a  b", "a [b", "a [ b]", "a ,b", "a, b", "(x )", "a\tb", "[", "a ]", "a,",
    ] {
        let t = s.trim();
        assert_eq!(normalise(s), super::rebuild(t).as_str(), "{s:?}");
    }
}

#[test]
fn normalise_fast_path_agrees_on_punctuation_heavy_lines() {
    // Arbitrary Strings rarely hold the bytes `is_normal` looks at.
    fn prop(b: Vec<u8>) -> bool {
        const ABC: &[u8] = b"ab  \t[](),";
        let s: String = b
            .iter()
            .map(|&x| ABC[x as usize % ABC.len()] as char)
            .collect();
        let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
        normalise(&s) == super::rebuild(t).as_str()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u8>) -> bool);
}

#[test]
fn normalise_is_idempotent() {
    fn prop(s: String) -> bool {
        let once = normalise(&s).into_owned();
        normalise(&once) == once.as_str()
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(String) -> bool);
}

/// Release-mode throughput: `cargo test --release -p oxbgp-core
/// api::command::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn throughput() {
    let lines: Vec<String> = (0..1_000_000u32)
        .map(|i| {
            format!(
                "announce route {}.{}.{}.0/24 next-hop 10.0.0.1",
                1 + (i >> 16) % 200,
                (i >> 8) & 255,
                i & 255
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let cpu0 = thread_cpu_seconds();
    let mut n = 0usize;
    for l in &lines {
        if let Ok(Command::Announce { routes, .. }) = parse(l) {
            n += routes.len();
        }
    }
    let dt = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    assert_eq!(n, lines.len());
    eprintln!(
        "parsed {} announce lines in {:.3}s wall: {:.0} lines/s",
        lines.len(),
        dt,
        lines.len() as f64 / dt
    );
    // On a shared machine the wall clock includes time spent descheduled.
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        eprintln!(
            "{:.3}s of thread CPU time: {:.0} lines/s per core",
            cpu,
            lines.len() as f64 / cpu
        );
    }
}

/// This thread's user+system CPU time from /proc (Linux only; 10 ms ticks).
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the whole line.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

#[test]
fn safi_words_reach_the_right_family() {
    match ok("announce ipv4 nlri-mpls 10.0.0.0/24 label 100 next-hop 1.1.1.1") {
        Command::Announce { routes, .. } => {
            assert_eq!(routes[0].family, Family::new(Afi::IPV4, Safi::MPLS))
        }
        c => panic!("{c:?}"),
    }
}

/// Differential helper: prints `OK`/`ERR` for every line of the file named by
/// `OXBGP_APICMD_LINES` (compare with ExaBGP's API parser on the same lines).
#[test]
#[ignore]
fn accept_or_refuse_lines_from_file() {
    let Ok(path) = std::env::var("OXBGP_APICMD_LINES") else {
        eprintln!("SKIPPED: set OXBGP_APICMD_LINES to a file of command lines");
        return;
    };
    let text = std::fs::read_to_string(path).expect("readable OXBGP_APICMD_LINES");
    for l in text.lines() {
        let verb = dispatch::dispatch(&normalise(l)).map(Verb::name);
        println!("VERB {}", verb.unwrap_or("-"));
        match parse(l) {
            Ok(_) => println!("OK  {l}"),
            Err(e) => println!("ERR {l} | {e}"),
        }
    }
}
