//! Bad configurations: each error must name the exact line and column and say
//! what was expected. Plus template semantics, bare-keyword semantics, program
//! resolution, API reuse of the route parser, and a large config.

use oxbgp_core::config::lexer::command_tokens;
use oxbgp_core::config::route::parse_route;
use oxbgp_core::config::*;
use oxbgp_core::wire::attribute::{Attribute, Community};
use oxbgp_core::wire::family::Family;
use std::net::IpAddr;

/// A valid IPv4 neighbor (lines 1-5) with `body` inserted from line 6.
fn nb(body: &str) -> String {
    format!("neighbor 127.0.0.1 {{\n router-id 1.2.3.4;\n local-address 127.0.0.1;\n local-as 1;\n peer-as 1;\n{body}}}\n")
}

fn route(r: &str) -> String {
    nb(&format!(" static {{\n  {r};\n }}\n"))
}

#[test]
fn bad_configs_report_line_column_and_expectation() {
    let cases: Vec<(&str, String, u32, u32, &str)> = vec![
        ("unknown keyword", nb(" foo 1;\n"), 6, 2, "invalid keyword 'foo'"),
        ("{ on the next line", "neighbor 127.0.0.1\n{\n}\n".into(), 1, 19, "expected ';' or '{' at the end of the line"),
        ("missing ;", nb(" hold-time 30\n"), 6, 14, "expected ';' or '{'"),
        ("unterminated quote", nb(" description \"abc;\n"), 6, 14, "unterminated quoted string"),
        ("bad next-hop IP", route("route 10.0.0.0/24 next-hop 1.2.3"), 7, 30, "expected a next-hop"),
        ("bad router-id", nb(" router-id 1.2.3.400;\n"), 6, 12, "expected an IPv4 address"),
        (
            "bad ASN",
            "neighbor 127.0.0.1 {\n router-id 1.2.3.4;\n local-as 4294967296;\n peer-as 1;\n}\n".into(),
            3,
            11,
            "expected an AS number",
        ),
        ("hold-time 2", nb(" hold-time 2;\n"), 6, 12, "hold time of 0 or 3..65535"),
        (
            "missing local-as",
            "neighbor 127.0.0.1 {\n router-id 1.2.3.4;\n peer-as 1;\n}\n".into(),
            1,
            1,
            "incomplete neighbor, missing local-as",
        ),
        (
            "undefined process",
            nb(" api {\n  processes [ nope ];\n }\n"),
            7,
            15,
            "an api called 'nope' is used by a neighbor but not defined",
        ),
        ("duplicate neighbor", format!("{}{}", nb(""), nb("")), 7, 1, "duplicate neighbor 127.0.0.1"),
        ("host bits set", route("route 10.0.0.1/24 next-hop 1.1.1.1"), 7, 9, "host bits"),
        (
            "range not passive",
            "neighbor 10.0.0.0/24 {\n router-id 1.2.3.4;\n local-address 10.0.0.1;\n local-as 1;\n peer-as 1;\n}\n".into(),
            1,
            1,
            "must be passive",
        ),
        ("bad community", route("route 10.0.0.0/24 next-hop 1.1.1.1 community 70000:1"), 7, 48, "expected a community"),
        (
            "missing encoder",
            "process foo {\n run /bin/cat;\n}\n".into(),
            1,
            1,
            "expected 'encoder text;' or 'encoder json;'",
        ),
        ("unknown template", nb(" inherit nothere;\n"), 6, 10, "unknown template 'nothere'"),
        ("group section", "group foo {\n}\n".into(), 1, 1, "section group is invalid in root"),
        ("unclosed block", "neighbor 127.0.0.1 {\n local-as 1;\n".into(), 3, 1, "expected '}' to close 'neighbor 127.0.0.1'"),
        ("duplicate family", nb(" family {\n  ipv4 unicast;\n  ipv4 unicast;\n }\n"), 8, 3, "duplicate family"),
        (
            "family not configured",
            nb(" family {\n  ipv4 unicast;\n }\n static {\n  route 2001:db8::/32 next-hop ::1;\n }\n"),
            10,
            9,
            "not announcing the family",
        ),
        (
            "IPv6 peer without router-id",
            "neighbor ::1 {\n local-address ::1;\n local-as 1;\n peer-as 1;\n}\n".into(),
            1,
            1,
            "missing router-id",
        ),
        (
            "listen without local-address",
            "neighbor 127.0.0.1 {\n router-id 1.2.3.4;\n local-as 1;\n peer-as 1;\n listen 1790;\n}\n".into(),
            1,
            1,
            "'listen' requires an explicit local-address",
        ),
        (
            "local/peer AFI mismatch",
            "neighbor 127.0.0.1 {\n router-id 1.2.3.4;\n local-address ::1;\n local-as 1;\n peer-as 1;\n}\n".into(),
            1,
            1,
            "same address family",
        ),
        ("md5 too long", nb(&format!(" md5-password {};\n", "x".repeat(81))), 6, 15, "at most 80 bytes"),
        ("missing next-hop", route("route 10.0.0.0/24 med 5"), 7, 9, "expected 'next-hop'"),
        ("bad extended community", route("route 10.0.0.0/24 next-hop 1.1.1.1 extended-community redirect:70000:1"), 7, 57, "value 70000 is too large"),
        ("nested as-path", route("route 10.0.0.0/24 next-hop 1.1.1.1 as-path [ 1 ( 2 ) ]"), 7, 50, "do not nest"),
        ("split shorter than prefix", route("route 10.0.0.0/24 next-hop 1.1.1.1 split /23"), 7, 44, "split length between /24 and /32"),
        ("add-path receive/send", nb(" capability {\n  add-path receive/send;\n }\n"), 7, 12, "expected an add-path mode"),
        (
            "processes and processes-match",
            "process p {\n run /bin/cat;\n encoder text;\n}\n".to_string()
                + &nb(" api {\n  processes-match [ p ];\n  processes [ p ];\n }\n"),
            11,
            3,
            "cannot be used together",
        ),
        (
            "unknown flow match keyword",
            nb(" flow {\n  route x {\n   match {\n    sauce 10.0.0.0/8;\n   }\n  }\n }\n"),
            9,
            5,
            "expected a flow match keyword",
        ),
        ("ttl-security is not a 5.0 keyword", nb(" ttl-security 2;\n"), 6, 2, "invalid keyword 'ttl-security'"),
        ("stray } followed by content", format!("}}\n{}", nb("")), 1, 1, "unexpected '}'"),
        ("ipv6 multicast family", nb(" family {\n  ipv6 multicast;\n }\n"), 7, 8, "a SAFI valid for ipv6"),
        ("hex hold-time (ExaBGP: decimal only)", nb(" hold-time 0x10;\n"), 6, 12, "hold time"),
        (
            "flow mixing IPv4 and IPv6",
            nb(" flow {\n  route x {\n   match {\n    source 10.0.0.0/8;\n    destination 2001:db8::/32;\n   }\n  }\n }\n"),
            10,
            17,
            "cannot mix IPv4 and IPv6",
        ),
        (
            "nlri-mpls without label",
            nb(" announce {\n  ipv4 {\n   nlri-mpls 10.0.0.0/8 next-hop 1.1.1.1;\n  }\n }\n"),
            8,
            41,
            "expected 'label' for nlri-mpls",
        ),
        ("bad encoder", "process p {\n run /bin/cat;\n encoder xml;\n}\n".into(), 3, 10, "expected an encoder (text or json)"),
    ];
    assert!(cases.len() >= 20);
    let mut failures = Vec::new();
    for (what, text, line, column, phrase) in &cases {
        match parse_str(text, "bad.conf") {
            Ok(_) => failures.push(format!("{what}: parsed OK")),
            Err(e) => {
                if e.file != "bad.conf"
                    || e.line != *line
                    || e.column != *column
                    || !e.message.contains(phrase)
                {
                    failures.push(format!(
                        "{what}: got `{e}`, want bad.conf:{line}:{column}: ...{phrase}..."
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn error_display_names_file_line_column() {
    let e = parse_str(&nb(" foo 1;\n"), "file.conf").unwrap_err();
    assert_eq!(
        e.to_string(),
        "file.conf:6:2: invalid keyword 'foo' in neighbor"
    );
}

#[test]
fn bare_keywords_have_exabgp_semantics() {
    let cfg = parse_str(
        &nb(" adj-rib-out;\n adj-rib-in;\n manual-eor;\n passive;\n group-updates;\n"),
        "t",
    )
    .unwrap();
    let n = &cfg.neighbors[0];
    assert!(!n.adj_rib_out, "bare adj-rib-out means false");
    assert!(!n.adj_rib_in, "bare adj-rib-in means false");
    assert!(!n.manual_eor, "bare manual-eor means false");
    assert!(n.passive, "bare passive means true");
    assert!(n.group_updates);

    let cfg = parse_str(&nb(""), "t").unwrap();
    let n = &cfg.neighbors[0];
    assert!(n.adj_rib_out && n.adj_rib_in && !n.passive && !n.manual_eor);
    assert_eq!(n.capability, CapabilityConfig::default());

    // route-refresh forces the Adj-RIB-Out on.
    let cfg = parse_str(&nb(" adj-rib-out false;\n capability {\n  route-refresh;\n  software-version;\n  graceful-restart;\n }\n hold-time 90;\n"), "t").unwrap();
    let n = &cfg.neighbors[0];
    assert!(n.adj_rib_out);
    assert!(n.capability.route_refresh);
    assert!(
        !n.capability.software_version,
        "bare software-version means false"
    );
    assert_eq!(n.capability.graceful_restart, Some(90));
}

#[test]
fn template_scalars_override_and_later_templates_win() {
    // Reference §1.11 [verified: neighbor 45 + templates 90,30 → 30].
    let text = "template {\n neighbor a {\n  hold-time 90;\n  description from-a;\n }\n neighbor b {\n  hold-time 30;\n  family {\n   ipv6 unicast;\n  }\n }\n}\n"
        .to_string()
        + &nb(" hold-time 45;\n description mine;\n inherit [ a b ];\n family {\n  ipv4 unicast;\n }\n");
    let cfg = parse_str(&text, "t").unwrap();
    let n = &cfg.neighbors[0];
    assert_eq!(n.hold_time, 30);
    assert_eq!(n.description.as_deref(), Some("from-a"));
    assert_eq!(n.families, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);

    // A neighbor value not in any template is kept.
    let text = "template {\n neighbor a {\n  group-updates false;\n }\n}\n".to_string()
        + &nb(" hold-time 45;\n inherit a;\n");
    let n = &parse_str(&text, "t").unwrap().neighbors[0];
    assert_eq!(n.hold_time, 45);
    assert!(!n.group_updates);
}

#[test]
fn processes_resolve_against_config_dir_then_path() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("oxbgp-config-test-{}", std::process::id()));
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let local = dir.join("helper.sh");
    std::fs::write(&local, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&local, std::fs::Permissions::from_mode(0o755)).unwrap();
    let in_path = bin.join("inpath");
    std::fs::write(&in_path, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&in_path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let noexec = dir.join("noexec.sh");
    std::fs::write(&noexec, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&noexec, std::fs::Permissions::from_mode(0o644)).unwrap();

    let text = "process a {\n run ./helper.sh --flag;\n encoder text;\n}\nprocess b {\n run inpath;\n encoder json;\n}\n";
    let cfg = parse_str(text, "x.conf").unwrap();
    assert_eq!(
        cfg.processes[0].run,
        vec!["./helper.sh".to_string(), "--flag".to_string()]
    );
    let path_var = std::ffi::OsString::from(bin.as_os_str());
    let got = validate_processes(&cfg, &dir, Some(&path_var)).unwrap();
    assert_eq!(got, vec![dir.join("./helper.sh"), in_path.clone()]);

    let cfg = parse_str(
        "process a {\n run ./noexec.sh;\n encoder text;\n}\n",
        "x.conf",
    )
    .unwrap();
    let e = validate_processes(&cfg, &dir, Some(&path_var)).unwrap_err();
    assert_eq!((e.line, e.column), (2, 6));
    assert!(e.message.contains("not executable"), "{e}");

    let cfg = parse_str(
        "process a {\n run missing-program;\n encoder text;\n}\n",
        "x.conf",
    )
    .unwrap();
    let e = validate_processes(&cfg, &dir, None).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("x.conf:2:6: expected an existing program"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn route_parser_works_on_api_command_tokens() {
    let toks = command_tokens(
        "10.0.0.0/24 next-hop 192.0.2.1 community [65000:1,65000:2] as-path ( 1 2 ) split /25",
    )
    .unwrap();
    let (attrs, prefixes) = parse_route(&toks, oxbgp_core::config::Pos::new(1, 99)).unwrap();
    let mut routes = Vec::new();
    for (p, pos) in prefixes {
        attrs.build(p, pos, None, &mut routes).unwrap();
    }
    assert_eq!(routes.len(), 2);
    assert_eq!(
        routes[0].next_hop,
        NextHop::Ip("192.0.2.1".parse::<IpAddr>().unwrap())
    );
    assert_eq!(
        routes[1].attributes.get(8),
        Some(&Attribute::Communities(vec![
            Community(65000 << 16 | 1),
            Community(65000 << 16 | 2)
        ]))
    );
    let e = parse_route(
        &command_tokens("10.0.0.0/24 bogus 1").unwrap(),
        oxbgp_core::config::Pos::new(1, 20),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column), (1, 13));
}

#[test]
fn line_continuation_comments_and_quotes() {
    let text = nb(" description \"a; {quoted} # not a comment\"; # a comment\n static {\n  route 10.0.0.0/24 \\\n    next-hop 1.1.1.1 \\\n    med 7;\n }\n");
    let cfg = parse_str(&text, "t").unwrap();
    let n = &cfg.neighbors[0];
    assert_eq!(
        n.description.as_deref(),
        Some("a; {quoted} # not a comment")
    );
    assert_eq!(n.routes.len(), 1);
    assert_eq!(n.routes[0].attributes.get(4), Some(&Attribute::Med(7)));
}

#[test]
fn twenty_thousand_routes_parse() {
    let mut body = String::from(" family {\n  ipv4 unicast;\n }\n static {\n");
    for i in 0..20_000u32 {
        body.push_str(&format!(
            "  route 10.{}.{}.0/24 next-hop 192.0.2.1 community [ 65000:{} ] local-preference 100;\n",
            i / 256,
            i % 256,
            i % 65536
        ));
    }
    body.push_str(" }\n");
    let cfg = parse_str(&nb(&body), "big.conf").unwrap();
    assert_eq!(cfg.neighbors[0].routes.len(), 20_000);
}

#[test]
fn exabgp_leniencies_checked_against_5_0() {
    // Several description words, empty community/as-path lists, upper-case origin.
    let text = nb(" description a  b;\n static {\n  route 10.0.0.0/24 next-hop 1.1.1.1 origin IGP community [ ] as-path [ ];\n }\n");
    let n = &parse_str(&text, "t").unwrap().neighbors[0];
    assert_eq!(n.description.as_deref(), Some("a b"));
    let r = &n.routes[0];
    assert_eq!(
        r.attributes.get(1),
        Some(&Attribute::Origin(oxbgp_core::wire::attribute::Origin::Igp))
    );
    assert_eq!(r.attributes.get(8), None);
    assert_eq!(
        r.attributes.get(2),
        Some(&Attribute::AsPath(Default::default()))
    );
}

#[test]
fn api_helpers_parse_attributes_nlri_and_flows() {
    use oxbgp_core::config::flow::parse_flow_tokens;
    use oxbgp_core::config::route::routes_from_tokens;
    let end = oxbgp_core::config::Pos::new(1, 200);
    let toks =
        command_tokens("attributes next-hop 10.0.0.1 med 10 nlri 10.0.1.0/24 10.0.2.0/24").unwrap();
    let routes = routes_from_tokens(&toks, end, true).unwrap();
    assert_eq!(routes.len(), 2);
    assert!(routes
        .iter()
        .all(|r| r.attributes.get(4) == Some(&Attribute::Med(10))));
    let toks = command_tokens("10.0.0.0/24").unwrap();
    assert!(routes_from_tokens(&toks, end, true).is_err());
    assert_eq!(routes_from_tokens(&toks, end, false).unwrap().len(), 1);

    let toks = command_tokens(
        "{ match { source 10.0.0.0/8; destination-port =80; } then { rate-limit 9600; } }",
    )
    .unwrap();
    let f = parse_flow_tokens(&toks, end).unwrap();
    assert_eq!(f.family, Family::IPV4_FLOW);
    assert_eq!(f.components.len(), 2);

    let text = nb(
        " announce {\n  ipv6 {\n   flow source 2001:db8::/32 next-header udp discard;\n  }\n }\n",
    );
    let n = &parse_str(&text, "t").unwrap().neighbors[0];
    assert_eq!(n.flows[0].family, Family::IPV6_FLOW);
}

/// `cargo test --release -p oxbgp-core --test config_errors -- --ignored --nocapture`
/// prints how long 100k routes take (ExaBGP's parser is super-linear: #751, #880).
#[test]
#[ignore]
fn hundred_thousand_routes_timing() {
    let mut body = String::from(" static {\n");
    for i in 0..100_000u32 {
        body.push_str(&format!(
            "  route 10.{}.{}.0/24 next-hop 192.0.2.1 community [ 65000:1 65000:2 ] as-path [ 1 2 3 ] local-preference 100;\n",
            i / 256 % 256,
            i % 256,
        ));
    }
    body.push_str(" }\n");
    let text = nb(&body);
    let start = std::time::Instant::now();
    // Duplicates (i >= 65536 wrap) are fine: the config keeps every statement.
    let cfg = parse_str(&text, "big.conf").unwrap();
    eprintln!("100k routes, {} bytes: {:?}", text.len(), start.elapsed());
    assert_eq!(cfg.neighbors[0].routes.len(), 100_000);
}

#[test]
fn columns_count_characters_across_utf8_tabs_and_continuations() {
    let e = parse_str(&nb(" description é; foo 1;\n"), "t").unwrap_err();
    assert_eq!((e.line, e.column), (6, 17), "{e}");
    let e = parse_str(&nb("\tfoo 1;\n"), "t").unwrap_err();
    assert_eq!((e.line, e.column), (6, 2), "{e}");
    // An error on a continued line points into that physical line.
    let e = parse_str(
        &nb(" static {\n  route 10.0.0.0/24 \\\n    next-hop 1.1.1.1 \\\n    med x;\n }\n"),
        "t",
    )
    .unwrap_err();
    assert_eq!((e.line, e.column), (9, 9), "{e}");
    assert!(e.message.contains("expected a MED value"), "{e}");
    // A quoted token's position is its opening quote.
    let e = parse_str(&nb(" md5-ip \"10.0.0\";\n"), "t").unwrap_err();
    assert_eq!((e.line, e.column), (6, 9), "{e}");
}

#[test]
fn announce_lines_for_the_text_api() {
    use oxbgp_core::config::announce::{parse_announce_line, Announcement};
    use oxbgp_core::wire::family::Afi;
    let end = oxbgp_core::config::Pos::new(1, 300);
    // As sent by encoding/api-mvpn.cmds.
    let toks = command_tokens(
        "mcast-vpn shared-join rp 10.99.199.1 group 239.251.255.228 rd 65000:99999 source-as 65000 next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]",
    )
    .unwrap();
    match parse_announce_line(Afi::IPV4, &toks[0], &toks[1..], end, true).unwrap() {
        Announcement::McastVpn(m) => {
            assert_eq!(
                m.kind,
                McastVpnKind::SharedJoin {
                    rp: "10.99.199.1".parse().unwrap(),
                    group: "239.251.255.228".parse().unwrap(),
                    source_as: 65000
                }
            );
            assert_eq!(m.next_hop, NextHop::Ip("10.10.6.3".parse().unwrap()));
        }
        other => panic!("{other:?}"),
    }
    let toks = command_tokens("unicast 2001:db8::/32 next-hop ::1 label 5").unwrap();
    let e = parse_announce_line(Afi::IPV6, &toks[0], &toks[1..], end, true).unwrap_err();
    assert!(e.message.contains("not valid for ipv6 unicast"), "{e}");
    let toks = command_tokens("mpls-vpn 10.0.0.0/24 rd 1:1 label 16 next-hop 1.1.1.1").unwrap();
    match parse_announce_line(Afi::IPV4, &toks[0], &toks[1..], end, true).unwrap() {
        Announcement::Routes { routes, .. } => assert_eq!(routes[0].family, Family::IPV4_MPLS_VPN),
        other => panic!("{other:?}"),
    }
    // An ipv6 section makes a prefix-less flow IPv6.
    let toks = command_tokens("flow destination-port =53 discard").unwrap();
    match parse_announce_line(Afi::IPV6, &toks[0], &toks[1..], end, true).unwrap() {
        Announcement::Flow(f) => assert_eq!(f.family, Family::IPV6_FLOW),
        other => panic!("{other:?}"),
    }
}
