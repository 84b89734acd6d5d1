//! UPDATE codec tests: corpus golden bytes, RFC 7606 outcomes, End-of-RIB,
//! packing, and quickcheck round trips.

use super::*;
use crate::wire::attribute::{
    code, AsPath, AsPathSegment, Attribute, Community, ExtendedCommunity, LargeCommunity, Origin,
    SegmentKind,
};
use crate::wire::family::{Afi, Safi};
use crate::wire::nlri::{Prefix, RouteDistinguisher};
use smallvec::smallvec;
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn ctx4() -> CodecContext {
    CodecContext {
        asn4: true,
        ..CodecContext::default()
    }
}

fn ctx_addpath(families: &[Family]) -> CodecContext {
    let set: BTreeSet<Family> = families.iter().copied().collect();
    CodecContext {
        asn4: true,
        add_path_receive: set.clone(),
        add_path_send: set,
        ..CodecContext::default()
    }
}

/// Body of a full message given as corpus hex (marker, length, type, body).
fn body_of(msg: &str) -> Vec<u8> {
    let m = hex(msg);
    assert_eq!(&m[..16], &[0xFF; 16]);
    assert_eq!(m[18], 2, "not an UPDATE");
    assert_eq!(u16::from_be_bytes([m[16], m[17]]) as usize, m.len());
    m[19..].to_vec()
}

fn roundtrip(msg: &str, ctx: &CodecContext) -> Update {
    let body = body_of(msg);
    let u = Update::decode(&body, ctx).expect("decodes");
    assert!(u.issues.is_empty(), "issues: {:?}", u.issues);
    assert_eq!(
        u.to_body(ctx).as_ref(),
        &body[..],
        "re-encoding differs for {u:?}"
    );
    assert_eq!(u.to_message(ctx).as_ref(), &hex(msg)[..]);
    u
}

fn v4(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(IpAddr::V4(a.parse().unwrap()), l.parse().unwrap()).unwrap()
}

fn v6(s: &str) -> Prefix {
    let (a, l) = s.split_once('/').unwrap();
    Prefix::new(IpAddr::V6(a.parse().unwrap()), l.parse().unwrap()).unwrap()
}

#[test]
fn corpus_sweep() {
    // Every UPDATE of the conformance corpus decodes cleanly and re-encodes to
    // the same bytes (when the corpus is present on this machine).
    let dir = std::path::Path::new("/work/shared/conformance/encoding");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut n = 0;
    let mut bad = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().and_then(|x| x.to_str()) != Some("msg") {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let add_path = name.contains("addpath") || name.contains("path-information");
        let text = std::fs::read_to_string(&p).unwrap();
        for line in text.lines() {
            let line = line.trim();
            if line.contains('#') || !line.contains(":raw:") {
                continue;
            }
            let h = line.splitn(3, ':').nth(2).unwrap();
            let m = hex(h);
            if m.len() < 19 || m[..16] != [0xFF; 16] || m[18] != 2 {
                continue;
            }
            let ctx = if add_path {
                ctx_addpath(&Family::ALL)
            } else {
                ctx4()
            };
            n += 1;
            match Update::decode(&m[19..], &ctx) {
                Ok(u) => {
                    if u.to_body(&ctx).as_ref() != &m[19..] || !u.issues.is_empty() {
                        bad.push(format!(
                            "{name}: {h} re-encodes as {:02X?} issues {:?}",
                            u.to_body(&ctx).as_ref(),
                            u.issues
                        ));
                    }
                }
                Err(e) => bad.push(format!("{name}: {h}: {e}")),
            }
        }
    }
    assert!(n > 200, "only {n} UPDATEs found");
    assert!(
        bad.is_empty(),
        "{} of {n} failed:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
