//! Micro benchmarks of the core's hot paths, in process.

use crate::fixture;
use crate::harness::{bench, Measure};
use crate::nom_compare;
use bytes::BytesMut;
use oxbgp_core::api::command::{self, Command};
use oxbgp_core::api::json::{self, Direction, Envelope, Neighbor, UpdateOptions};
use oxbgp_core::config::lexer::command_tokens;
use oxbgp_core::config::route::routes_from_tokens;
use oxbgp_core::wire::nlri::{Nlri, Prefix};
use oxbgp_core::wire::update::Update;
use oxbgp_core::wire::{CodecContext, Family, Framer, MessageType, HEADER_LEN};
use oxbgp_core::{ConnId, Input, Instant, Output, ProcId, Settings, Speaker};
use std::hint::black_box;
use std::net::IpAddr;

pub const NAMES: &[&str] = &[
    "decode-1",
    "decode-500",
    "decode-nom-1",
    "decode-nom-500",
    "decode-nom-nlri-500",
    "encode-pack",
    "api-parse",
    "api-parse-tokens",
    "api-announce",
    "json-encode",
    "framer",
];

/// One UPDATE body (header stripped) announcing `n` prefixes.
fn update_body(n: usize, ctx: &CodecContext) -> bytes::Bytes {
    let msgs = fixture::packed_updates(n, n, ctx);
    assert_eq!(msgs.len(), 1, "{n} prefixes must fit one UPDATE");
    msgs[0].slice(HEADER_LEN..)
}

fn ctx() -> CodecContext {
    CodecContext {
        asn4: true,
        ..CodecContext::default()
    }
}

fn decode(n: usize, quick: bool) -> Measure {
    let ctx = ctx();
    let body = update_body(n, &ctx);
    bench(&format!("decode-{n}"), quick, || {
        let u = Update::decode(&body, &ctx).expect("fixture decodes");
        u.announced.len() as u64
    })
}

/// The same bodies as [`decode`] through the nom decoder of
/// [`crate::nom_compare`], prefixes as `(addr, len)`.
fn decode_nom(n: usize, quick: bool) -> Measure {
    let ctx = ctx();
    let body = update_body(n, &ctx);
    bench(&format!("decode-nom-{n}"), quick, || {
        let u = black_box(nom_compare::decode_update(&body).expect("fixture decodes"));
        u.announced.len() as u64
    })
}

/// As [`decode_nom`] but building the core's `Nlri` per prefix, as
/// `Update::decode` does: the difference to `decode-nom-500` is the cost of
/// the output type, not of the parsing.
fn decode_nom_nlri(n: usize, quick: bool) -> Measure {
    let ctx = ctx();
    let body = update_body(n, &ctx);
    bench(&format!("decode-nom-nlri-{n}"), quick, || {
        let u = black_box(
            nom_compare::decode_update_with(&body, |addr, len| {
                Nlri::prefix(Prefix::V4 { addr, len })
            })
            .expect("fixture decodes"),
        );
        u.announced.len() as u64
    })
}

const PACK_N: usize = 10_000;

fn encode_pack(quick: bool) -> Measure {
    let ctx = ctx();
    let attrs = fixture::attributes(0);
    let nlri: Vec<_> = (0..PACK_N).map(fixture::nlri).collect();
    let hops = [IpAddr::V4(fixture::NEXT_HOP)];
    let mut out = Vec::new();
    bench("encode-pack", quick, || {
        out.clear();
        oxbgp_core::wire::update::pack_announce(
            Family::IPV4_UNICAST,
            &attrs,
            &hops,
            &nlri,
            &ctx,
            &mut out,
        );
        out.iter()
            .map(|m| fixture::count_classic_nlri(&m[HEADER_LEN..]).unwrap_or(0) as u64)
            .sum()
    })
}

const PARSE_LINES: usize = 1_000;

fn parse_lines() -> String {
    let mut text = String::new();
    for i in 0..PARSE_LINES {
        fixture::announce_line(i * 37, &mut text);
    }
    text
}

/// API command parsing as the daemon does it: `api::command::parse` on
/// `announce route ...` lines (normalise, dispatch, route grammar).
fn api_parse(quick: bool) -> Measure {
    let text = parse_lines();
    let lines: Vec<&str> = text.lines().collect();
    bench("api-parse", quick, || {
        let mut routes = 0u64;
        for line in &lines {
            match command::parse(line).expect("fixture parses") {
                Command::Announce { routes: r, .. } => routes += black_box(r).len() as u64,
                other => panic!("not an announce: {other:?}"),
            }
        }
        routes
    })
}

/// The route grammar alone: the configuration lexer's `command_tokens` and
/// `config::route::routes_from_tokens` (what `api-parse` costs without
/// normalising and dispatching).
fn api_parse_tokens(quick: bool) -> Measure {
    let text = parse_lines();
    let lines: Vec<&str> = text.lines().collect();
    bench("api-parse-tokens", quick, || {
        let mut routes = 0u64;
        for line in &lines {
            let toks = command_tokens(line).expect("fixture lexes");
            let end = toks.last().map(|t| t.end_pos()).unwrap_or_default();
            // Skip "announce route".
            let r = routes_from_tokens(&toks[2..], end, true).expect("fixture parses");
            routes += black_box(r).len() as u64;
        }
        routes
    })
}

fn json_encode(quick: bool) -> Measure {
    let ctx = ctx();
    let body = update_body(500, &ctx);
    let u = Update::decode(&body, &ctx).expect("fixture decodes");
    let env = Envelope {
        time: 1_700_000_000.5,
        host: "bench",
        pid: 42,
        ppid: 1,
        counter: 7,
    };
    let nb = Neighbor {
        local_address: "127.0.0.1".parse().expect("literal"),
        peer_address: "127.0.0.2".parse().expect("literal"),
        local_as: 65001,
        peer_as: Some(65002),
        router_id: Some("10.0.0.1".parse().expect("literal")),
        direction: Direction::Receive,
    };
    let opts = UpdateOptions::default();
    let mut s = String::with_capacity(16 * 1024);
    bench("json-encode", quick, || {
        s.clear();
        json::write_update(&mut s, &env, &nb, &u, &opts);
        count_json_nlri(s.as_bytes())
    })
}

/// Prefixes in one JSON UPDATE document: each announced IPv4 prefix is
/// rendered as `{ "nlri": "a.b.c.d/l" }`.
pub fn count_json_nlri(doc: &[u8]) -> u64 {
    const NEEDLE: &[u8] = b"\"nlri\"";
    doc.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count() as u64
}

const FRAMER_MSGS: usize = 200;

fn framer(quick: bool) -> Measure {
    let ctx = ctx();
    let msgs = fixture::packed_updates(FRAMER_MSGS * 500, 500, &ctx);
    let mut stream = BytesMut::new();
    for m in &msgs {
        stream.extend_from_slice(m);
    }
    let stream = stream.freeze();
    let mut f = Framer::new(4096);
    bench("framer", quick, || {
        // Feed in 64 KiB reads, as a socket would deliver them.
        let mut n = 0u64;
        for chunk in stream.chunks(65536) {
            f.push(chunk);
            while let Ok(Some(frame)) = f.next_frame() {
                n += u64::from(frame.kind == MessageType::Update);
            }
        }
        n
    })
}

const ANNOUNCE_LINES: usize = 20_000;

/// A speaker with one API process and one Established session, fed by hand
/// (no runtime, no sockets).
fn established_speaker() -> (Speaker, Instant, ConnId) {
    let text = "process feed {\n    run /bin/cat;\n    encoder text;\n}\n\
                neighbor 127.0.0.2 {\n    router-id 10.0.0.1;\n    local-address 127.0.0.1;\n    \
                local-as 65001;\n    peer-as 65002;\n    api {\n        processes [ feed ];\n    }\n}\n";
    let config = oxbgp_core::config::parse_str(text, "bench.conf").expect("bench config parses");
    let now = Instant::from_secs(1000);
    let mut sp = Speaker::new(config, Settings::default(), now);
    let mut conn = None;
    loop {
        match sp.poll_output() {
            Output::Timeout(_) => break,
            Output::Connect { conn: c, .. } => conn = Some(c),
            _ => {}
        }
    }
    let conn = conn.expect("the speaker connects out");
    let peer_open = {
        use oxbgp_core::wire::{Capability, Message, Open};
        let mut b = BytesMut::new();
        Message::Open(Open {
            version: 4,
            my_as: 65002,
            hold_time: 180,
            bgp_id: std::net::Ipv4Addr::new(10, 0, 0, 2),
            capabilities: vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::FourOctetAs(65002),
            ],
        })
        .encode(&CodecContext::default(), &mut b);
        b.freeze()
    };
    let keepalive = bytes::Bytes::from_static(&oxbgp_core::fsm::session::KEEPALIVE);
    let inputs = [
        Input::ProcessStarted {
            process: ProcId(0),
            pid: 2,
        },
        Input::Connected {
            conn,
            local: "127.0.0.1:40000".parse().expect("address"),
            remote: "127.0.0.2:179".parse().expect("address"),
        },
        Input::Received {
            conn,
            data: peer_open,
        },
        Input::Received {
            conn,
            data: keepalive,
        },
    ];
    for i in inputs {
        sp.handle_input(now, i);
        while !matches!(sp.poll_output(), Output::Timeout(_)) {}
    }
    (sp, now, conn)
}

/// The core's whole announce path: API lines (the `announce` scenario's, in
/// reads of ~256 KiB like the mio runtime's) → parse → Adj-RIB-Out →
/// UPDATEs; counts the prefixes on the wire. A new speaker per op (the
/// Adj-RIB-Out would suppress repeats), its setup included.
fn api_announce(quick: bool) -> Measure {
    let mut text = String::new();
    for i in 0..ANNOUNCE_LINES {
        fixture::announce_line(i, &mut text);
    }
    let reads: Vec<String> = text
        .split_inclusive('\n')
        .collect::<Vec<_>>()
        .chunks(2_000)
        .map(|c| c.concat())
        .collect();
    bench("api-announce", quick, || {
        let (mut sp, now, conn) = established_speaker();
        let mut framer = Framer::new(4096);
        let mut routes = 0u64;
        for r in &reads {
            sp.handle_input(
                now,
                Input::ProcessLines {
                    process: ProcId(0),
                    text: r.clone(),
                },
            );
            loop {
                match sp.poll_output() {
                    Output::Timeout(_) => break,
                    Output::Transmit { conn: c, data } if c == conn => {
                        framer.push(&data);
                        while let Ok(Some(frame)) = framer.next_frame() {
                            if frame.kind == MessageType::Update {
                                routes +=
                                    fixture::count_classic_nlri(&frame.body).unwrap_or(0) as u64;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        routes
    })
}

/// Run the named benchmark (all when `name` is None); returns the measures.
pub fn run(name: Option<&str>, quick: bool) -> Result<Vec<Measure>, String> {
    if let Some(n) = name {
        if !NAMES.contains(&n) {
            return Err(format!(
                "unknown micro bench {n}; one of {}",
                NAMES.join(", ")
            ));
        }
    }
    let mut out = Vec::new();
    for &n in NAMES {
        if name.is_some_and(|x| x != n) {
            continue;
        }
        let (m, unit) = match n {
            "decode-1" => (decode(1, quick), "prefixes"),
            "decode-500" => (decode(500, quick), "prefixes"),
            "decode-nom-1" => (decode_nom(1, quick), "prefixes"),
            "decode-nom-500" => (decode_nom(500, quick), "prefixes"),
            "decode-nom-nlri-500" => (decode_nom_nlri(500, quick), "prefixes"),
            "encode-pack" => (encode_pack(quick), "prefixes"),
            "api-parse" => (api_parse(quick), "commands"),
            "api-parse-tokens" => (api_parse_tokens(quick), "commands"),
            "api-announce" => (api_announce(quick), "routes"),
            "json-encode" => (json_encode(quick), "prefixes"),
            _ => (framer(quick), "messages"),
        };
        if !quick {
            m.print(unit);
        }
        out.push(m);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each bench once, checking it processes what it claims (no timing).
    #[test]
    fn micro_benches_count_items() {
        let ms = run(None, true).expect("all names known");
        let items: Vec<(String, u64)> = ms
            .iter()
            .map(|m| (m.name.clone(), m.items_per_op))
            .collect();
        assert_eq!(
            items,
            vec![
                ("decode-1".to_string(), 1),
                ("decode-500".to_string(), 500),
                ("decode-nom-1".to_string(), 1),
                ("decode-nom-500".to_string(), 500),
                ("decode-nom-nlri-500".to_string(), 500),
                ("encode-pack".to_string(), PACK_N as u64),
                ("api-parse".to_string(), PARSE_LINES as u64),
                ("api-parse-tokens".to_string(), PARSE_LINES as u64),
                ("api-announce".to_string(), ANNOUNCE_LINES as u64),
                ("json-encode".to_string(), 500),
                ("framer".to_string(), FRAMER_MSGS as u64),
            ]
        );
    }

    #[test]
    fn unknown_name_is_an_error() {
        assert!(run(Some("nope"), true).is_err());
    }

    #[test]
    fn classic_nlri_count_matches_decoder() {
        let ctx = ctx();
        for m in fixture::packed_updates(3000, 1000, &ctx) {
            let body = &m[HEADER_LEN..];
            let u = Update::decode(body, &ctx).expect("decodes");
            assert_eq!(fixture::count_classic_nlri(body), Some(u.announced.len()));
        }
    }
}
