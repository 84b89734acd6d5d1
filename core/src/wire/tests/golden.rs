//! Golden bytes: the conformance corpus (FORMAT.md §3.2, api-teardown.msg) and
//! OPENs captured from ExaBGP 5.0.15 (`/opt/exabgp-venv/bin/exabgp`) with every
//! capability enabled (the `exabgp-open-*.hex` files next to this one).

use super::unhex;
use crate::wire::capability::{AddPathMode, Capability, GracefulRestartFamily};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::header::{Frame, Framer, MessageType};
use crate::wire::message::{Message, KEEPALIVE};
use crate::wire::notification::Notification;
use crate::wire::open::{self, Open};
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
use crate::wire::{CodecContext, MAX_EXTENDED_MESSAGE};
use bytes::Bytes;
use std::net::Ipv4Addr;

fn ctx() -> CodecContext {
    CodecContext {
        max_message: MAX_EXTENDED_MESSAGE,
        ..CodecContext::default()
    }
}

/// Frame one whole message, decode it, re-encode it: the bytes must match.
fn roundtrip(wire: &[u8]) -> Message {
    let mut f = Framer::new(MAX_EXTENDED_MESSAGE);
    f.push(wire);
    let frame = f.next_frame().unwrap().unwrap();
    assert_eq!(f.buffered(), 0);
    let m = Message::decode(&frame, &ctx()).unwrap();
    assert_eq!(m.to_bytes(&ctx()).as_ref(), wire, "re-encoding {m:?}");
    m
}

/// FORMAT.md §3.2: ExaBGP's default OPEN (api-rib).
const FORMAT_OPEN: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0031 01 04 0001 00B4 01020304 14 0206010400010001 0206410400000001 02020600";

fn format_open() -> Open {
    Open {
        version: 4,
        my_as: 1,
        hold_time: 180,
        bgp_id: Ipv4Addr::new(1, 2, 3, 4),
        capabilities: vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::FourOctetAs(1),
            Capability::ExtendedMessage,
        ],
    }
}

#[test]
fn open_from_format_md() {
    let wire = unhex(FORMAT_OPEN);
    let m = roundtrip(&wire);
    assert_eq!(m, Message::Open(format_open()));
    assert_eq!(
        Message::Open(format_open())
            .to_bytes(&CodecContext::default())
            .as_ref(),
        &wire[..]
    );
}

#[test]
fn peer_open_reply_from_format_md() {
    let wire = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0031 01 04 0001 00B4 01020305 14 0206010400010001 0206410400000001 02020600");
    let Message::Open(o) = roundtrip(&wire) else {
        panic!()
    };
    assert_eq!(o.bgp_id, Ipv4Addr::new(1, 2, 3, 5));
    assert_eq!(o.asn(), 1);
}

fn exabgp_all_caps() -> Vec<Capability> {
    let fams = [
        Family::IPV4_UNICAST,
        Family::IPV4_MPLS_VPN,
        Family::IPV4_FLOW,
        Family::IPV6_UNICAST,
        Family::new(Afi::L2VPN, Safi::EVPN),
    ];
    let mut caps: Vec<Capability> = fams.iter().map(|f| Capability::Multiprotocol(*f)).collect();
    caps.extend([
        Capability::FourOctetAs(65001),
        Capability::ExtendedNextHop(vec![(Family::IPV4_UNICAST, Afi::IPV6)]),
        Capability::AddPath(vec![
            (Family::IPV4_UNICAST, AddPathMode::Both),
            (Family::IPV6_UNICAST, AddPathMode::Both),
        ]),
        Capability::GracefulRestart {
            restart_state: true,
            notification: false,
            restart_time: 120,
            families: fams
                .iter()
                .map(|f| GracefulRestartFamily {
                    family: *f,
                    forwarding: true,
                })
                .collect(),
        },
        Capability::RouteRefresh,
        Capability::EnhancedRouteRefresh,
        Capability::Unknown {
            code: 185,
            data: Bytes::new(),
        },
        Capability::ExtendedMessage,
        Capability::Fqdn {
            host_name: "myhost".into(),
            domain_name: "example.org".into(),
        },
    ]);
    caps
}

#[test]
fn exabgp_open_with_every_capability() {
    let wire = unhex(include_str!("exabgp-open-all.hex"));
    let Message::Open(o) = roundtrip(&wire) else {
        panic!()
    };
    assert_eq!(o.my_as, 65001);
    let mut expected = exabgp_all_caps();
    expected.extend([
        Capability::Unknown {
            code: 68,
            data: Bytes::from_static(&[0]),
        },
        Capability::Unknown {
            code: 68,
            data: Bytes::from_static(&[1]),
        },
        Capability::Unknown {
            code: 131,
            data: Bytes::from_static(&[0]),
        },
    ]);
    assert_eq!(o.capabilities, expected);
    // The documented order is what ExaBGP sends: sorting a shuffled list
    // restores the captured order.
    let mut shuffled = expected.clone();
    shuffled[..15].reverse();
    shuffled[..15].rotate_left(3);
    open::sort_exabgp(&mut shuffled);
    assert_eq!(shuffled, expected);
}

#[test]
fn exabgp_open_with_software_version() {
    let wire = unhex(include_str!("exabgp-open-software.hex"));
    let Message::Open(o) = roundtrip(&wire) else {
        panic!()
    };
    let mut expected = exabgp_all_caps();
    expected.push(Capability::SoftwareVersion("ExaBGP/5.0.15".into()));
    assert_eq!(o.capabilities, expected);
    let mut sorted = expected.clone();
    sorted.swap(0, 12);
    sorted.swap(3, 9);
    open::sort_exabgp(&mut sorted);
    assert_eq!(sorted, expected);
}

#[test]
fn exabgp_open_rfc9072_extended() {
    // No family block: all 21 families, add-path, graceful restart for all:
    // 362 octets of parameters, so the RFC 9072 form `FF FF 016A`.
    let wire = unhex(include_str!("exabgp-open-extended.hex"));
    assert_eq!(&wire[28..32], &[0xFF, 0xFF, 0x01, 0x6A]);
    let Message::Open(o) = roundtrip(&wire) else {
        panic!()
    };
    let mps: Vec<Family> = o
        .capabilities
        .iter()
        .filter_map(|c| match c {
            Capability::Multiprotocol(f) => Some(*f),
            _ => None,
        })
        .collect();
    assert_eq!(mps, Family::ALL.to_vec());
    // ADD-PATH family order as ExaBGP writes it.
    let ap = o
        .capabilities
        .iter()
        .find_map(|c| match c {
            Capability::AddPath(v) => Some(v.iter().map(|(f, _)| *f).collect::<Vec<_>>()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        ap,
        vec![
            Family::IPV4_UNICAST,
            Family::IPV6_UNICAST,
            Family::IPV4_MPLS,
            Family::IPV6_MPLS,
            Family::IPV4_MPLS_VPN,
            Family::IPV6_MPLS_VPN
        ]
    );
}

#[test]
fn exabgp_open_254_and_255_octet_threshold() {
    // 254 octets of parameters: classic one-octet length.
    let w254 = unhex(include_str!("exabgp-open-254.hex"));
    assert_eq!(w254[28], 0xFE);
    roundtrip(&w254);
    // 255 octets: extended (ExaBGP switches at >= 255).
    let w255 = unhex(include_str!("exabgp-open-255.hex"));
    assert_eq!(&w255[28..30], &[0xFF, 0xFF]);
    roundtrip(&w255);
}

#[test]
fn cease_administrative_reset_from_api_teardown() {
    let wire = unhex(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:002A:03:06041441646D696E697374726174697665205265736574",
    );
    let m = roundtrip(&wire);
    let Message::Notification(n) = &m else {
        panic!()
    };
    assert_eq!((n.code, n.subcode), (6, 4));
    assert_eq!(
        n.shutdown_communication().as_deref(),
        Some("Administrative Reset")
    );
    assert_eq!(
        n.message(),
        "Shutdown Communication: \"Administrative Reset\""
    );
    // Both ways of building it give the corpus bytes.
    for built in [
        Notification::exabgp(6, 4),
        Notification::cease(4, "Administrative Reset"),
    ] {
        assert_eq!(
            Message::Notification(built).to_bytes(&ctx()).as_ref(),
            &wire[..]
        );
    }
}

#[test]
fn notification_json_texts() {
    // reference §4.2: received 6/2 → data is hex of the interpreted text.
    let n = Notification::cease(2, "Administrative Shutdown");
    assert_eq!(
        n.message(),
        "Shutdown Communication: \"Administrative Shutdown\""
    );
    assert!(n.json_data().starts_with("0x5368"));
    assert!(n.json_data().ends_with("22"));
    // reference §6.4: 6/3 sent carries its description.
    assert_eq!(
        Notification::exabgp(6, 3).data.as_ref(),
        b"Peer De-configured"
    );
    assert_eq!(Notification::exabgp(6, 3).message(), "Peer De-configured");
    assert_eq!(
        Notification::bad_message_type(255).data.as_ref(),
        b"can not decode message of type \"255\""
    );
    assert_eq!(
        Notification::exabgp(6, 4).to_string(),
        "Cease / Administrative Reset / Shutdown Communication: \"Administrative Reset\""
    );
    assert_eq!(
        Notification::new(4, 0, Bytes::new()).to_string(),
        "Hold timer expired / Unspecific"
    );
    // Shutdown communication edge cases, ExaBGP's texts.
    let empty = Notification::new(6, 2, Bytes::from_static(&[0]));
    assert_eq!(empty.message(), "empty Shutdown Communication.");
    assert_eq!(empty.shutdown_communication(), None);
    let under = Notification::new(6, 2, Bytes::from_static(&[5, b'a']));
    assert_eq!(
        under.message(),
        "invalid Shutdown Communication (buffer underrun) length : 5 [0x61]"
    );
    let bad = Notification::new(6, 4, Bytes::from_static(&[1, 0xFF]));
    assert_eq!(
        bad.message(),
        "invalid Shutdown Communication (invalid UTF-8) length : 1 [0xFF]"
    );
    let trail = Notification::new(6, 2, Bytes::from_static(&[2, b'h', b'i', 0xAB]));
    assert_eq!(
        trail.message(),
        "Shutdown Communication: \"hi\", trailing data: 0xAB"
    );
    let nl = Notification::new(6, 2, Bytes::from_static(b"\x03a\nb"));
    assert_eq!(nl.message(), "Shutdown Communication: \"a b\"");
    // RFC 9003: up to 255 octets; ExaBGP's decoder keeps RFC 8203's 128.
    let long = "x".repeat(300);
    let n = Notification::cease(2, &long);
    assert_eq!(n.data.len(), 256);
    assert_eq!(n.data[0], 255);
    assert_eq!(n.shutdown_communication().unwrap().len(), 255);
    assert!(n
        .message()
        .starts_with("invalid Shutdown Communication (too large) length : 255"));
    // A multi-byte character is never cut in half.
    let n = Notification::cease(4, &"é".repeat(200));
    assert_eq!(n.data[0], 254);
    assert_eq!(n.shutdown_communication().unwrap().chars().count(), 127);
}

#[test]
fn notification_names() {
    use crate::wire::notification::{code_name, exabgp_sentence, subcode_name};
    assert_eq!(exabgp_sentence(1, 1), "Connection Not Synchronized");
    assert_eq!(exabgp_sentence(6, 9), "unknown notification type");
    assert_eq!(subcode_name(6, 9), Some("Hard Reset"));
    assert_eq!(subcode_name(6, 10), Some("BFD Down"));
    assert_eq!(subcode_name(2, 11), Some("Role Mismatch"));
    assert_eq!(subcode_name(7, 1), Some("Invalid Message Length"));
    assert_eq!(code_name(7), Some("ROUTE-REFRESH Message Error"));
    assert_eq!(code_name(9), None);
}

#[test]
fn keepalive() {
    let m = roundtrip(&KEEPALIVE);
    assert_eq!(m, Message::Keepalive);
}

#[test]
fn route_refresh_and_enhanced() {
    let wire = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0017 05 0001 00 01");
    assert_eq!(
        roundtrip(&wire),
        Message::RouteRefresh(RouteRefresh::new(
            Family::IPV4_UNICAST,
            RefreshSubtype::Request
        ))
    );
    let borr = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0017 05 0002 01 85");
    assert_eq!(
        roundtrip(&borr),
        Message::RouteRefresh(RouteRefresh::new(Family::IPV6_FLOW, RefreshSubtype::Begin))
    );
    assert_eq!(RefreshSubtype::End.name(), "end");
    // RFC 7313 §5: EoRR longer than 4 octets → 7/1 with the whole message.
    let long = Frame {
        kind: MessageType::RouteRefresh,
        body: Bytes::from_static(&[0, 1, 2, 1, 9]),
    };
    let e = Message::decode(&long, &ctx()).unwrap_err();
    assert_eq!((e.code, e.subcode), (7, 1));
    assert_eq!(
        e.data.as_ref(),
        &unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0018 05 0001 02 01 09")[..]
    );
    // Subtype 0 with ORF entries: the entries are ignored.
    let orf = Frame {
        kind: MessageType::RouteRefresh,
        body: Bytes::from_static(&[0, 1, 0, 1, 9, 9]),
    };
    assert_eq!(
        Message::decode(&orf, &ctx()).unwrap(),
        Message::RouteRefresh(RouteRefresh::new(
            Family::IPV4_UNICAST,
            RefreshSubtype::Request
        ))
    );
    // Unknown subtypes are kept for the FSM to ignore.
    let other = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0017 05 0001 07 01");
    let Message::RouteRefresh(r) = roundtrip(&other) else {
        panic!()
    };
    assert_eq!(r.subtype, RefreshSubtype::Other(7));
}

#[test]
fn unknown_message_type_is_kept() {
    // The conformance peer's `send-unknown-message`: FFx16 0013 FF.
    let wire = unhex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF 0013 FF");
    assert_eq!(
        roundtrip(&wire),
        Message::Unknown {
            kind: 255,
            body: Bytes::new()
        }
    );
}

fn open_body_err(body: &[u8]) -> (u8, u8, Vec<u8>) {
    let e = Open::decode(body).unwrap_err();
    (e.code, e.subcode, e.data.to_vec())
}

#[test]
fn open_errors() {
    let good = unhex(FORMAT_OPEN);
    let body = &good[19..];
    // Version 3 → 2/1, data: the version we support, 2 octets.
    let mut v3 = body.to_vec();
    v3[0] = 3;
    assert_eq!(open_body_err(&v3), (2, 1, vec![0, 4]));
    // Body shorter than the fixed part → 1/2 with the message length.
    assert_eq!(open_body_err(&body[..9]), (1, 2, vec![0, 28]));
    // Unknown optional parameter type 3 → 2/4; authentication (1) → 2/5.
    let p3 = unhex("04 0001 00B4 01020304 03 030100");
    assert_eq!((open_body_err(&p3).0, open_body_err(&p3).1), (2, 4));
    let p1 = unhex("04 0001 00B4 01020304 03 010100");
    assert_eq!((open_body_err(&p1).0, open_body_err(&p1).1), (2, 5));
    // Optional parameters length larger than the message → 2/0.
    let over = unhex("04 0001 00B4 01020304 09 0206010400010001");
    assert_eq!((open_body_err(&over).0, open_body_err(&over).1), (2, 0));
    // Trailing octets after the parameters → 2/0.
    let trail = unhex("04 0001 00B4 01020304 00 00");
    assert_eq!((open_body_err(&trail).0, open_body_err(&trail).1), (2, 0));
    // A capability overrunning its parameter → 2/0.
    let cap = unhex("04 0001 00B4 01020304 04 0202 4104");
    assert_eq!((open_body_err(&cap).0, open_body_err(&cap).1), (2, 0));
    // Malformed capability values → 2/0 with ExaBGP's text.
    let asn4 = unhex("04 0001 00B4 01020304 05 0203 410100");
    assert_eq!(
        open_body_err(&asn4),
        (2, 0, b"AS4 capability must be 4 bytes long, got 1".to_vec())
    );
    let mp = unhex("04 0001 00B4 01020304 05 0203 010100");
    assert_eq!((open_body_err(&mp).0, open_body_err(&mp).1), (2, 0));
    let gr = unhex("04 0001 00B4 01020304 07 0205 4003 007801");
    assert_eq!((open_body_err(&gr).0, open_body_err(&gr).1), (2, 0));
    let sv = unhex("04 0001 00B4 01020304 04 0202 4B00");
    assert_eq!((open_body_err(&sv).0, open_body_err(&sv).1), (2, 0));
    let host = unhex("04 0001 00B4 01020304 06 0204 4902 05 61");
    assert_eq!((open_body_err(&host).0, open_body_err(&host).1), (2, 0));
    // No optional parameters at all is fine.
    let none = Open::decode(&unhex("04 0001 00B4 01020304 00")).unwrap();
    assert!(none.capabilities.is_empty());
    // Several capabilities inside one parameter (RFC 5492 allows it).
    let multi = Open::decode(&unhex(
        "04 0001 00B4 01020304 0C 020A 0104 00010001 0200 0600",
    ))
    .unwrap();
    assert_eq!(
        multi.capabilities,
        vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::RouteRefresh,
            Capability::ExtendedMessage
        ]
    );
    // Unknown capability (the conformance peer's `loremipsum`) is kept.
    let lorem = Open::decode(&unhex(
        "04 0001 00B4 01020304 0E 020C 420A 6C6F72656D697073756D",
    ))
    .unwrap();
    assert_eq!(
        lorem.capabilities,
        vec![Capability::Unknown {
            code: 66,
            data: Bytes::from_static(b"loremipsum")
        }]
    );
    assert_eq!(lorem.capabilities[0].name(), "unknown");
}

#[test]
fn hold_time_helper() {
    use crate::wire::open::check_hold_time;
    assert!(check_hold_time(0).is_ok());
    assert!(check_hold_time(3).is_ok());
    for h in [1, 2] {
        let e = check_hold_time(h).unwrap_err();
        assert_eq!((e.code, e.subcode), (2, 6));
        assert_eq!(e.data, format!("Hold Time is invalid ({h})").into_bytes());
    }
}

#[test]
fn capability_names() {
    assert_eq!(
        Capability::Multiprotocol(Family::IPV4_UNICAST).name(),
        "multiprotocol"
    );
    assert_eq!(Capability::FourOctetAs(1).name(), "asn4");
    assert_eq!(Capability::ExtendedMessage.name(), "extended-message");
    assert_eq!(Capability::AddPath(vec![]).name(), "add-path");
    assert_eq!(Capability::AddPath(vec![]).json_name(), Some("addpath"));
    assert_eq!(
        Capability::EnhancedRouteRefresh.name(),
        "enhanced-route-refresh"
    );
    assert_eq!(
        Capability::Fqdn {
            host_name: String::new(),
            domain_name: String::new()
        }
        .name(),
        "hostname"
    );
    assert_eq!(
        Capability::SoftwareVersion(String::new()).name(),
        "software-version"
    );
    assert_eq!(crate::wire::capability::iana_status(66), "unknown");
    assert_eq!(crate::wire::capability::iana_status(100), "unassigned");
    assert_eq!(crate::wire::capability::iana_status(200), "reserved");
}

#[test]
fn fqdn_is_cut_to_64_octets() {
    let c = Capability::Fqdn {
        host_name: "h".repeat(100),
        domain_name: "d".repeat(97),
    };
    let mut out = bytes::BytesMut::new();
    assert!(c.encode(&mut out));
    assert_eq!(out[1], 130);
    assert_eq!(out[2], 64);
}

#[test]
fn update_through_message_from_api_fast() {
    // api-fast.msg: the IPv4 End-of-RIB and the UPDATE for 1.1.0.0/25. The
    // UPDATE body codec is wire-update's; this checks the Message plumbing.
    for hex in [
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0031:02:000000154001010040020040030465016501400504000000641901010000",
    ] {
        let m = roundtrip(&unhex(hex));
        assert!(matches!(m, Message::Update(_)));
    }
}
