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
