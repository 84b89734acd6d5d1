//! The configuration parser never panics, whatever it is given: arbitrary
//! text, and (to reach deeper code) random sequences of real config words.

use oxbgp_core::config::lexer::command_tokens;
use oxbgp_core::config::route::routes_from_tokens;
use oxbgp_core::config::{flow::parse_flow_tokens, parse_str, Pos};
use quickcheck::{QuickCheck, TestResult};

const WORDS: &[&str] = &[
    "neighbor",
    "127.0.0.1",
    "::1",
    "10.0.0.0/24",
    "2001:db8::/32",
    "{",
    "}",
    ";",
    "\n",
    "[",
    "]",
    "(",
    ")",
    ",",
    "local-as",
    "peer-as",
    "router-id",
    "1.2.3.4",
    "local-address",
    "auto",
    "65000",
    "4294967296",
    "1.5",
    "template",
    "inherit",
    "process",
    "run",
    "encoder",
    "json",
    "text",
    "static",
    "route",
    "next-hop",
    "self",
    "community",
    "65000:1",
    "no-export",
    "large-community",
    "1:2:3",
    "extended-community",
    "target:1:2",
    "origin:1.2.3.4:5",
    "redirect:70000:1",
    "0x0002fde800000001",
    "as-path",
    "med",
    "local-preference",
    "label",
    "rd",
    "100:100",
    "split",
    "/25",
    "/0",
    "/33",
    "path-information",
    "flow",
    "match",
    "then",
    "scope",
    "source",
    "destination",
    "port",
    ">80&<90",
    "=",
    "&",
    "!syn",
    "tcp-flags",
    "fragment",
    "discard",
    "rate-limit",
    "redirect",
    "interface-set",
    "family",
    "ipv4",
    "ipv6",
    "unicast",
    "all",
    "capability",
    "graceful-restart",
    "add-path",
    "send/receive",
    "api",
    "processes",
    "receive",
    "parsed",
    "update",
    "announce",
    "mup",
    "mup-t1st",
    "teid",
    "1/0",
    "qfi",
    "endpoint",
    "mcast-vpn",
    "source-ad",
    "group",
    "l2vpn",
    "vpls",
    "endpoint",
    "base",
    "offset",
    "size",
    "bgp-prefix-sid",
    "bgp-prefix-sid-srv6",
    "l3-service",
    "attribute",
    "0x20",
    "0xc0",
    "0x00",
    "attributes",
    "nlri",
    "hold-time",
    "2",
    "\"q",
    "'x y'",
    "#",
    "\\\n",
    "passive",
    "adj-rib-out",
    "é",
    "true",
    "false",
    "aggregator",
    "(1:1.2.3.4)",
];

fn words(seed: Vec<u16>) -> String {
    seed.iter()
        .map(|i| WORDS[*i as usize % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn arbitrary_text_never_panics() {
    fn prop(s: String) -> TestResult {
        let _ = parse_str(&s, "fuzz.conf");
        if let Ok(t) = command_tokens(&s) {
            let _ = routes_from_tokens(&t, Pos::new(1, 1), true);
            let _ = parse_flow_tokens(&t, Pos::new(1, 1));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(2000)
        .quickcheck(prop as fn(String) -> TestResult);
}

#[test]
fn random_config_words_never_panic() {
    fn prop(seed: Vec<u16>) -> TestResult {
        let text = words(seed);
        let _ = parse_str(&text, "fuzz.conf");
        // Inside a valid neighbor and static/flow blocks too.
        let wrapped = format!(
            "neighbor 127.0.0.1 {{\n router-id 1.2.3.4;\n local-as 1;\n peer-as 1;\n static {{\n route {text};\n }}\n flow {{\n route x {{ match {{ {text}; }} then {{ {text}; }} }}\n }}\n}}\n"
        );
        let _ = parse_str(&wrapped, "fuzz.conf");
        if let Ok(t) = command_tokens(&text) {
            let _ = routes_from_tokens(&t, Pos::new(1, 1), false);
            let _ = parse_flow_tokens(&t, Pos::new(1, 1));
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(3000)
        .quickcheck(prop as fn(Vec<u16>) -> TestResult);
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let text = "a {\n".repeat(200_000) + &"}\n".repeat(200_000);
    let e = parse_str(&text, "deep.conf").unwrap_err();
    assert_eq!((e.line, e.column), (33, 3), "{e}");
    assert!(e.message.contains("nested more than 32 levels"), "{e}");
}
