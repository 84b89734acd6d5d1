//! Property tests: nothing the SUT (or a corpus file) can feed the harness
//! makes it panic, and the hex helpers round-trip.

use oxbgp_conformance::cmds::parse_cmds;
use oxbgp_conformance::msgfile::{from_hex, parse_msg, to_hex};
use oxbgp_conformance::peer::{PeerState, PidSource};
use oxbgp_conformance::wire_text::describe;
use quickcheck::quickcheck;

fn with_header(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0xFF; 16];
    m.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    m.push(kind);
    m.extend_from_slice(body);
    m
}

quickcheck! {
    fn hex_roundtrip(b: Vec<u8>) -> bool {
        from_hex(&to_hex(&b)) == Some(b)
    }

    fn describe_never_panics(b: Vec<u8>, kind: u8) -> bool {
        let _ = describe(&b);
        let _ = describe(&with_header(kind % 6, &b));
        true
    }

    fn msg_parser_never_panics(s: String) -> bool {
        let _ = parse_msg(&s);
        let _ = parse_msg(&format!("1:raw:{s}\nA{s}:notification:{s}\noption:{s}"));
        true
    }

    fn cmds_parser_never_panics(s: String, lines: Vec<String>) -> bool {
        let _ = parse_cmds(&s);
        let _ = parse_cmds(&format!("helper x\n{}", lines.join("\n")));
        true
    }

    fn peer_never_panics(open: Vec<u8>, msgs: Vec<(u8, Vec<u8>)>) -> bool {
        let text = "option:asn:65000\noption:open:send-unknown-capability\n1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n2:notification:bye\n";
        let mut s = PeerState::new(parse_msg(text).unwrap(), PidSource::None);
        let _ = s.handle_open(&with_header(1, &open));
        for (k, body) in msgs {
            let _ = s.handle_message(&with_header(k % 7, &body));
        }
        true
    }
}
