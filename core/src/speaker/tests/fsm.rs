//! One speaker against a scripted peer: every FSM rule of RFC 4271 §8 / ExaBGP
//! §10 that the speaker must apply, checked on the bytes it sends.

use super::harness::*;
use crate::config::AsnSetting;
use crate::fsm::State;
use crate::io::{ConnId, Control, Event, Input, Output};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::Message;
use bytes::Bytes;
use std::net::{IpAddr, SocketAddr};

fn just_before(t: Instant) -> Instant {
    Instant::from_nanos(t.as_nanos() - 1)
}

fn connects(outs: &[Output]) -> Vec<ConnId> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Connect { conn, .. } => Some(*conn),
            _ => None,
        })
        .collect()
}

fn closes(outs: &[Output], conn: ConnId) -> bool {
    outs.iter()
        .any(|o| matches!(o, Output::Close { conn: c } if *c == conn))
}

fn code(outs: &[Output]) -> Option<(u8, u8)> {
    notification_of(outs).map(|n| (n.code, n.subcode))
}

#[test]
fn start_connects_and_sends_open() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let conns = connects(&outs);
    assert_eq!(conns, vec![ConnId(1)]);
    match &outs[0] {
        Output::Connect {
            remote,
            local,
            options,
            ..
        } => {
            assert_eq!(*remote, SocketAddr::new(REMOTE.parse().unwrap(), 179));
            assert_eq!(*local, Some(LOCAL.parse().unwrap()));
            assert!(options.md5.is_empty());
        }
        o => panic!("unexpected {o:?}"),
    }
    let (_, outs) = d.connect(&outs);
    let sent = transmitted(&outs);
    assert_eq!(sent.len(), 1);
    let open = match decode_all(&sent[0]).pop() {
        Some(Message::Open(o)) => o,
        m => panic!("expected OPEN, got {m:?}"),
    };
    assert_eq!(open.my_as, 65000);
    assert_eq!(open.hold_time, 180);
    assert_eq!(
        open.bgp_id,
        "1.1.1.1".parse::<std::net::Ipv4Addr>().unwrap()
    );
    assert_eq!(d.sp.peers()[0].state(), State::OpenSent);
}

#[test]
fn open_bytes_match_exabgp_layout() {
    // FORMAT.md §3.2: AS 1, hold 180, id 1.2.3.4, ipv4 unicast only.
    let mut n = neighbor();
    n.local_as = AsnSetting::Asn(1);
    n.peer_as = AsnSetting::Asn(1);
    n.router_id = Some("1.2.3.4".parse().unwrap());
    n.families = vec![crate::wire::Family::IPV4_UNICAST];
    let (mut d, outs) = Driver::new(vec![n], Settings::default());
    let (_, outs) = d.connect(&outs);
    let hex: String = transmitted(&outs)[0]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    assert_eq!(
        hex,
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003101040001 00B4 01020304 14 0206010400010001 0206410400000001 02020600"
            .replace(' ', "")
    );
}

#[test]
fn established_then_eor_per_family() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (_, outs) = d.establish(&outs, 90);
    assert_eq!(d.sp.peers()[0].state(), State::Established);
    assert!(outs
        .iter()
        .any(|o| matches!(o, Output::Event(Event::SessionUp { .. }))));
    let sent = transmitted(&outs);
    assert_eq!(sent.len(), 2, "two End-of-RIB");
    assert_eq!(&sent[0][16..], &[0x00, 0x17, 0x02, 0, 0, 0, 0]);
    assert_eq!(
        &sent[1][16..],
        &[0x00, 0x1E, 0x02, 0, 0, 0, 7, 0x90, 0x0F, 0, 3, 0, 2, 1]
    );
}

#[test]
fn bad_peer_as_is_2_2() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    let outs = d.receive(conn, peer_open(65001, 180, [2, 2, 2, 2]));
    let n = notification_of(&outs).expect("a NOTIFICATION");
    assert_eq!((n.code, n.subcode), (2, 2));
    assert_eq!(
        &n.data[..],
        b"ASN in OPEN (65001) did not match ASN expected (65000)"
    );
    assert!(closes(&outs, conn));
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Event(Event::StateChanged { to, .. }) if to == "IDLE"
    )));
    // First backoff step is 0 s: the next attempt goes out at once.
    assert_eq!(connects(&outs), vec![ConnId(2)]);
}

#[test]
fn peer_as_auto_accepts_any_asn() {
    let mut n = neighbor();
    n.peer_as = AsnSetting::Auto;
    let (mut d, outs) = Driver::new(vec![n], Settings::default());
    let (conn, _) = d.connect(&outs);
    let outs = d.receive(conn, peer_open(65001, 180, [2, 2, 2, 2]));
    assert_eq!(code(&outs), None);
    assert_eq!(d.sp.peers()[0].state(), State::OpenConfirm);
}

#[test]
fn local_as_auto_reads_open_first_and_mirrors() {
    let mut n = neighbor();
    n.local_as = AsnSetting::Auto;
    n.peer_as = AsnSetting::Auto;
    let (mut d, outs) = Driver::new(vec![n], Settings::default());
    let (conn, outs) = d.connect(&outs);
    assert!(transmitted(&outs).is_empty(), "no OPEN before the peer's");
    let outs = d.receive(conn, peer_open(64999, 180, [2, 2, 2, 2]));
    let msgs = decode_all(&transmitted(&outs).concat());
    match &msgs[0] {
        Message::Open(o) => assert_eq!(o.my_as, 64999),
        m => panic!("expected OPEN first, got {m:?}"),
    }
    assert!(matches!(msgs[1], Message::Keepalive));
}

#[test]
fn router_id_zero_or_same_on_ibgp_is_2_3() {
    for id in [[0, 0, 0, 0], [1, 1, 1, 1]] {
        let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
        let (conn, _) = d.connect(&outs);
        let outs = d.receive(conn, peer_open(65000, 180, id));
        assert_eq!(code(&outs), Some((2, 3)));
    }
}

#[test]
fn hold_time_one_or_two_is_2_6() {
    for hold in [1, 2] {
        let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
        let (conn, _) = d.connect(&outs);
        let outs = d.receive(conn, peer_open(65000, hold, [2, 2, 2, 2]));
        assert_eq!(code(&outs), Some((2, 6)));
    }
}

#[test]
fn first_message_not_open_is_5_1() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    let outs = d.receive(conn, keepalive());
    assert_eq!(code(&outs), Some((5, 1)));
    assert!(closes(&outs, conn));
}

#[test]
fn non_keepalive_in_openconfirm_is_5_2() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    d.receive(conn, peer_open(65000, 180, [2, 2, 2, 2]));
    assert_eq!(d.sp.peers()[0].state(), State::OpenConfirm);
    let outs = d.receive(conn, peer_open(65000, 180, [2, 2, 2, 2]));
    let n = notification_of(&outs).unwrap();
    assert_eq!((n.code, n.subcode), (5, 2));
    assert_eq!(
        &n.data[..],
        b"Receive Unexpected Message in OpenConfirm State"
    );
}

#[test]
fn unknown_message_type_is_1_3_with_exabgp_text() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 180);
    let mut m = vec![0xFF; 16];
    m.extend_from_slice(&[0x00, 0x13, 0xFF]);
    let outs = d.receive(conn, Bytes::from(m));
    let n = notification_of(&outs).unwrap();
    assert_eq!((n.code, n.subcode), (1, 3));
    assert_eq!(&n.data[..], b"can not decode message of type \"255\"");
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Event(Event::SessionDown { reason, .. }) if reason == "notification sent (1,3)"
    )));
}

#[test]
fn bad_marker_is_1_1() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    let mut m = vec![0u8; 16];
    m.extend_from_slice(&[0x00, 0x13, 0x04]);
    let outs = d.receive(conn, Bytes::from(m));
    assert_eq!(code(&outs).map(|c| c.0), Some(1));
}

#[test]
fn open_wait_expiry_is_1_1() {
    let settings = Settings {
        bgp_openwait: 30,
        ..Settings::default()
    };
    let (mut d, outs) = Driver::new(vec![neighbor()], settings);
    let (_, _) = d.connect(&outs);
    let start = d.now;
    assert_eq!(d.deadline, start + secs(30));
    let outs = d.at(just_before(start + secs(30)));
    assert_eq!(code(&outs), None);
    let outs = d.at(start + secs(30));
    assert_eq!(code(&outs), Some((1, 1)));
}

#[test]
fn hold_timer_expiry_is_4_0_at_exactly_hold_time() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 90);
    let last = d.now;
    // A KEEPALIVE from the peer at +60 s restarts the hold timer.
    d.at(last + secs(60));
    d.receive(conn, keepalive());
    let restarted = d.now;
    let outs = d.at(just_before(restarted + secs(90)));
    assert_eq!(code(&outs), None);
    let outs = d.at(restarted + secs(90));
    let n = notification_of(&outs).unwrap();
    assert_eq!((n.code, n.subcode), (4, 0));
    assert!(n.data.is_empty());
    assert!(closes(&outs, conn));
}

#[test]
fn keepalive_every_third_of_hold_time() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 90);
    // The KEEPALIVE sent in OpenConfirm started the 30 s interval.
    let t0 = d.now;
    assert_eq!(d.deadline, t0 + secs(30));
    let mut sent_at = Vec::new();
    let mut t = t0;
    while t < t0 + secs(100) {
        t = d.deadline;
        let outs = d.at(t);
        // keep the session alive
        d.receive(conn, keepalive());
        if transmitted(&outs).iter().any(|b| b[..] == keepalive()[..]) {
            sent_at.push(t.saturating_since(t0).as_secs());
        }
    }
    assert_eq!(&sent_at[..3], &[30, 60, 90]);
}

#[test]
fn zero_hold_time_means_no_timers() {
    let mut n = neighbor();
    n.hold_time = 0;
    let (mut d, outs) = Driver::new(vec![n], Settings::default());
    let (conn, _) = d.establish(&outs, 180);
    assert_eq!(d.deadline, Instant::NEVER);
    // ExaBGP tolerates one KEEPALIVE, the second is 2/6.
    let outs = d.receive(conn, keepalive());
    assert_eq!(code(&outs), None);
    let outs = d.receive(conn, keepalive());
    assert_eq!(code(&outs), Some((2, 6)));
}

#[test]
fn notification_received_reason_and_reconnect_backoff() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 180);
    let cease = encode(&Message::Notification(crate::fsm::notify::with_text(
        6, 2, None,
    )));
    let outs = d.receive(conn, cease);
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Event(Event::SessionDown { reason, .. }) if reason == "notification received (6,2)"
    )));
    assert!(closes(&outs, conn));
    // Established reset the backoff: the first reconnect is immediate.
    assert_eq!(connects(&outs), vec![ConnId(2)]);
}

#[test]
fn backoff_sequence_between_failed_attempts() {
    let (mut d, mut outs) = Driver::new(vec![neighbor()], Settings::default());
    let mut waits = Vec::new();
    for _ in 0..19 {
        let c = connects(&outs);
        assert_eq!(c.len(), 1);
        let failed_at = d.now;
        outs = d.input(Input::ConnectFailed {
            conn: c[0],
            reason: "refused".into(),
        });
        if connects(&outs).is_empty() {
            let next = d.deadline;
            waits.push(next.saturating_since(failed_at).as_secs());
            outs = d.at(next);
        } else {
            waits.push(0);
        }
    }
    assert_eq!(
        waits,
        vec![0, 1, 2, 3, 4, 5, 7, 9, 11, 14, 17, 21, 26, 32, 39, 47, 57, 60, 60]
    );
}

#[test]
fn tcp_attempts_then_exit() {
    let settings = Settings {
        tcp_attempts: 2,
        ..Settings::default()
    };
    let (mut d, outs) = Driver::new(vec![neighbor()], settings);
    let c = connects(&outs);
    let outs = d.input(Input::ConnectFailed {
        conn: c[0],
        reason: "refused".into(),
    });
    assert!(!outs.iter().any(|o| matches!(o, Output::Exit { .. })));
    // second (last) attempt: a session that comes up then goes down
    let outs = if connects(&outs).is_empty() {
        d.at(d.deadline)
    } else {
        outs
    };
    let (conn, _) = d.establish(&outs, 180);
    let outs = d.input(Input::Closed {
        conn,
        reason: "eof".into(),
    });
    assert!(connects(&outs).is_empty());
    assert_eq!(outs.last(), Some(&Output::Exit { code: 0 }));
}

#[test]
fn unknown_incoming_connection_gets_6_3() {
    let (mut d, _) = Driver::new(vec![neighbor()], Settings::default());
    let conn = ConnId(ConnId::INCOMING_BASE + 1);
    let outs = d.input(Input::Connected {
        conn,
        local: "127.0.0.1:179".parse().unwrap(),
        remote: "127.0.0.9:50000".parse().unwrap(),
    });
    let n = notification_of(&outs).unwrap();
    assert_eq!((n.code, n.subcode), (6, 3));
    assert_eq!(&n.data[..], b"no session configured for the peer");
    assert!(closes(&outs, conn));
}

fn incoming(d: &mut Driver, n: u64) -> (ConnId, Vec<Output>) {
    let conn = ConnId(ConnId::INCOMING_BASE + n);
    let remote: IpAddr = REMOTE.parse().unwrap();
    let outs = d.input(Input::Connected {
        conn,
        local: "127.0.0.1:179".parse().unwrap(),
        remote: SocketAddr::new(remote, 50000 + n as u16),
    });
    (conn, outs)
}

#[test]
fn collision_while_established_rejects_incoming_6_7() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 180);
    let (inc, outs) = incoming(&mut d, 1);
    assert_eq!(code(&outs), Some((6, 7)));
    assert!(closes(&outs, inc));
    assert!(!closes(&outs, conn));
    assert_eq!(d.sp.peers()[0].state(), State::Established);
}

#[test]
fn collision_in_openconfirm_keeps_ours_when_remote_id_lower() {
    // Our id 1.1.1.1 > remote 0.0.0.9: keep the existing session.
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    d.receive(conn, peer_open(65000, 180, [0, 0, 0, 9]));
    assert_eq!(d.sp.peers()[0].state(), State::OpenConfirm);
    let (inc, outs) = incoming(&mut d, 1);
    assert_eq!(code(&outs), Some((6, 7)));
    assert!(closes(&outs, inc));
    assert!(!closes(&outs, conn));
}

#[test]
fn collision_in_openconfirm_swaps_when_remote_id_higher() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.connect(&outs);
    d.receive(conn, peer_open(65000, 180, [9, 9, 9, 9]));
    let (inc, outs) = incoming(&mut d, 1);
    assert!(closes(&outs, conn), "ours dropped");
    assert!(!closes(&outs, inc));
    let sent: Vec<_> = outs
        .iter()
        .filter_map(|o| match o {
            Output::Transmit { conn, data } if *conn == inc => Some(data.clone()),
            _ => None,
        })
        .collect();
    assert!(matches!(decode_all(&sent[0])[0], Message::Open(_)));
    assert_eq!(d.sp.peers()[0].state(), State::OpenSent);
}

#[test]
fn incoming_replaces_connecting_outgoing() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let out = connects(&outs)[0];
    let (inc, outs) = incoming(&mut d, 1);
    assert!(closes(&outs, out));
    assert!(transmitted(&outs).len() == 1);
    // The late outgoing connection is closed at once.
    let outs = d.input(Input::Connected {
        conn: out,
        local: "127.0.0.1:40000".parse().unwrap(),
        remote: "127.0.0.2:179".parse().unwrap(),
    });
    assert!(closes(&outs, out));
    d.receive(inc, peer_open(65000, 180, [2, 2, 2, 2]));
    d.receive(inc, keepalive());
    assert_eq!(d.sp.peers()[0].state(), State::Established);
}

#[test]
fn passive_neighbor_listens_and_never_connects() {
    let mut n = neighbor();
    n.passive = true;
    n.listen = Some(1790);
    let (_, outs) = Driver::new(vec![n], Settings::default());
    assert!(connects(&outs).is_empty());
    assert!(outs.iter().any(|o| matches!(
        o,
        Output::Listen { addr, .. } if *addr == "127.0.0.1:1790".parse::<SocketAddr>().unwrap()
    )));
}

#[test]
fn global_bind_listeners() {
    let settings = Settings {
        tcp_bind: vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
        tcp_port: 1790,
        ..Settings::default()
    };
    let (_, outs) = Driver::new(vec![], settings);
    let listens: Vec<_> = outs
        .iter()
        .filter(|o| matches!(o, Output::Listen { .. }))
        .collect();
    assert_eq!(listens.len(), 2);
}

#[test]
fn shutdown_sends_cease_6_2_closes_and_exits() {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    let (conn, _) = d.establish(&outs, 180);
    let outs = d.input(Input::Control(Control::Shutdown));
    let n = notification_of(&outs).unwrap();
    assert_eq!((n.code, n.subcode), (6, 2));
    assert_eq!(&n.data[1..], b"Administrative Shutdown");
    assert!(closes(&outs, conn));
    assert_eq!(outs.last(), Some(&Output::Exit { code: 0 }));
    // Nothing more afterwards.
    assert!(d.at(d.now + secs(1000)).is_empty());
}

mod reload {
    use super::*;
    use crate::config::{NextHop, Route};
    use crate::wire::attribute::{Attribute, Attributes};
    use crate::wire::family::Family;
    use crate::wire::nlri::{Nlri, Prefix};

    fn route(p: &str, med: u32) -> Route {
        let mut a = Attributes::new();
        a.set(Attribute::Med(med));
        Route {
            family: Family::IPV4_UNICAST,
            nlri: Nlri::prefix(Prefix::new(p.parse().unwrap(), 24).unwrap()),
            next_hop: NextHop::Ip("192.0.2.1".parse().unwrap()),
            attributes: a,
            watchdog: None,
            withdrawn: false,
        }
    }

    fn updates(outs: &[Output]) -> Vec<crate::wire::update::Update> {
        transmitted(outs)
            .iter()
            .flat_map(|b| decode_all(b))
            .filter_map(|m| match m {
                Message::Update(u) => Some(u),
                _ => None,
            })
            .collect()
    }

    fn with_routes(routes: Vec<Route>) -> crate::config::NeighborConfig {
        let mut n = neighbor();
        n.routes = routes;
        n
    }

    #[test]
    fn unchanged_neighbor_gets_route_differences_only() {
        let n = with_routes(vec![
            route("10.0.0.0", 1),
            route("10.0.1.0", 1),
            route("10.0.2.0", 1),
        ]);
        let (mut d, outs) = Driver::new(vec![n], Settings::default());
        let (conn, outs) = d.establish(&outs, 180);
        assert_eq!(updates(&outs).len(), 1 + 2, "routes then two EoR");
        let new = with_routes(vec![
            route("10.0.0.0", 1), // unchanged
            route("10.0.1.0", 2), // changed
            route("10.0.3.0", 1), // added
        ]);
        let outs = d.input(Input::Control(Control::Reload(Box::new(config(vec![new])))));
        assert_eq!(code(&outs), None);
        assert!(!closes(&outs, conn));
        let u = updates(&outs);
        let withdrawn: Vec<_> = u.iter().flat_map(|u| u.withdrawn.clone()).collect();
        let announced: Vec<_> = u.iter().flat_map(|u| u.announced.clone()).collect();
        let p = |s: &str| Nlri::prefix(Prefix::new(s.parse().unwrap(), 24).unwrap());
        assert_eq!(withdrawn, vec![p("10.0.2.0")]);
        assert_eq!(announced, vec![p("10.0.1.0"), p("10.0.3.0")]);
    }

    #[test]
    fn changed_settings_tear_down_with_6_3_and_replay() {
        let (mut d, outs) = Driver::new(
            vec![with_routes(vec![route("10.0.0.0", 1)])],
            Settings::default(),
        );
        let (conn, _) = d.establish(&outs, 180);
        let mut n = with_routes(vec![route("10.0.0.0", 1)]);
        n.hold_time = 90;
        let outs = d.input(Input::Control(Control::Reload(Box::new(config(vec![n])))));
        let notif = notification_of(&outs).unwrap();
        assert_eq!((notif.code, notif.subcode), (6, 3));
        assert_eq!(&notif.data[..], b"Peer De-configured");
        assert!(closes(&outs, conn));
        let (_, outs) = d.establish(&outs, 180);
        assert_eq!(updates(&outs).len(), 1 + 2, "route replayed, then EoRs");
        assert_eq!(d.sp.peers()[0].config.hold_time, 90);
    }

    #[test]
    fn removed_and_added_neighbors() {
        let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
        let (conn, _) = d.establish(&outs, 180);
        let mut other = neighbor();
        other.peer_address = "127.0.0.3".parse().unwrap();
        let outs = d.input(Input::Control(Control::Reload(Box::new(config(vec![
            other,
        ])))));
        assert_eq!(code(&outs), Some((6, 3)));
        assert!(closes(&outs, conn));
        let c: Vec<_> = outs
            .iter()
            .filter_map(|o| match o {
                Output::Connect { remote, .. } => Some(remote.ip()),
                _ => None,
            })
            .collect();
        assert_eq!(c, vec!["127.0.0.3".parse::<IpAddr>().unwrap()]);
        assert_eq!(d.sp.peers().len(), 1);
        assert_eq!(
            d.sp.peers()[0].address(),
            "127.0.0.3".parse::<IpAddr>().unwrap()
        );
    }
}

mod established {
    use super::*;
    use crate::config::{NextHop, Route};
    use crate::wire::capability::Capability;
    use crate::wire::family::Family;
    use crate::wire::nlri::{Nlri, Prefix};
    use crate::wire::open::Open;
    use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
    use crate::wire::Attributes;

    fn with_route() -> crate::config::NeighborConfig {
        let mut n = neighbor();
        n.capability.route_refresh = true;
        n.routes = vec![Route {
            family: Family::IPV4_UNICAST,
            nlri: Nlri::prefix(Prefix::new("10.0.0.0".parse().unwrap(), 24).unwrap()),
            next_hop: NextHop::Ip("192.0.2.1".parse().unwrap()),
            attributes: Attributes::new(),
            watchdog: None,
            withdrawn: false,
        }];
        n
    }

    fn open_with(caps: Vec<Capability>) -> Bytes {
        let mut c = vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::Multiprotocol(Family::IPV6_UNICAST),
            Capability::FourOctetAs(65000),
        ];
        c.extend(caps);
        encode(&Message::Open(Open {
            version: 4,
            my_as: 65000,
            hold_time: 180,
            bgp_id: "2.2.2.2".parse().unwrap(),
            capabilities: c,
        }))
    }

    fn kinds(outs: &[Output]) -> Vec<String> {
        transmitted(outs)
            .iter()
            .flat_map(|b| decode_all(b))
            .map(|m| match m {
                Message::RouteRefresh(r) => format!("RR {:?}", r.subtype),
                Message::Update(u) if u.is_end_of_rib().is_some() => "EOR".into(),
                Message::Update(_) => "UPDATE".into(),
                Message::Keepalive => "KEEPALIVE".into(),
                m => format!("{m:?}"),
            })
            .collect()
    }

    #[test]
    fn enhanced_route_refresh_resends_between_borr_and_eorr() {
        let (mut d, outs) = Driver::new(vec![with_route()], Settings::default());
        let (conn, _) = d.connect(&outs);
        d.receive(
            conn,
            open_with(vec![
                Capability::RouteRefresh,
                Capability::EnhancedRouteRefresh,
            ]),
        );
        let outs = d.receive(conn, keepalive());
        assert_eq!(kinds(&outs), vec!["UPDATE", "EOR", "EOR"]);
        let rr = encode(&Message::RouteRefresh(RouteRefresh {
            family: Family::IPV4_UNICAST,
            subtype: RefreshSubtype::Request,
        }));
        let outs = d.receive(conn, rr);
        assert_eq!(kinds(&outs), vec!["RR Begin", "UPDATE", "RR End"]);
    }

    #[test]
    fn plain_route_refresh_resends_without_markers() {
        let (mut d, outs) = Driver::new(vec![with_route()], Settings::default());
        let (conn, _) = d.connect(&outs);
        d.receive(conn, open_with(vec![Capability::RouteRefresh]));
        d.receive(conn, keepalive());
        let rr = encode(&Message::RouteRefresh(RouteRefresh {
            family: Family::IPV4_UNICAST,
            subtype: RefreshSubtype::Request,
        }));
        let outs = d.receive(conn, rr);
        assert_eq!(kinds(&outs), vec!["UPDATE"]);
    }

    #[test]
    fn manual_eor_sends_no_end_of_rib() {
        let mut n = with_route();
        n.manual_eor = true;
        let (mut d, outs) = Driver::new(vec![n], Settings::default());
        let (_, outs) = d.establish(&outs, 180);
        assert_eq!(kinds(&outs), vec!["UPDATE"]);
    }

    #[test]
    fn no_multiprotocol_on_either_side_sends_keepalive_instead_of_eor() {
        let mut n = with_route();
        n.families = vec![];
        let (mut d, outs) = Driver::new(vec![n], Settings::default());
        let (conn, _) = d.connect(&outs);
        d.receive(
            conn,
            encode(&Message::Open(Open {
                version: 4,
                my_as: 65000,
                hold_time: 180,
                bgp_id: "2.2.2.2".parse().unwrap(),
                capabilities: vec![Capability::FourOctetAs(65000)],
            })),
        );
        let outs = d.receive(conn, keepalive());
        assert_eq!(kinds(&outs), vec!["UPDATE", "KEEPALIVE"]);
    }

    #[test]
    fn graceful_restart_teardown_closes_without_notification() {
        let mut n = neighbor();
        n.capability.graceful_restart = Some(120);
        let (mut d, outs) = Driver::new(vec![n.clone()], Settings::default());
        let (conn, _) = d.connect(&outs);
        d.receive(
            conn,
            open_with(vec![Capability::GracefulRestart {
                restart_state: false,
                notification: false,
                restart_time: 120,
                families: vec![],
            }]),
        );
        d.receive(conn, keepalive());
        assert_eq!(d.sp.peers()[0].state(), State::Established);
        n.hold_time = 90;
        let outs = d.input(Input::Control(Control::Reload(Box::new(config(vec![n])))));
        assert_eq!(code(&outs), None);
        assert!(closes(&outs, conn));
    }
}

#[test]
fn one_listener_per_address() {
    let mut a = neighbor();
    a.passive = true;
    a.listen = Some(1790);
    let mut b = a.clone();
    b.peer_address = "127.0.0.3".parse().unwrap();
    let settings = Settings {
        tcp_bind: vec!["127.0.0.1".parse().unwrap()],
        tcp_port: 1790,
        ..Settings::default()
    };
    let (_, outs) = Driver::new(vec![a, b], settings);
    let listens = outs
        .iter()
        .filter(|o| matches!(o, Output::Listen { .. }))
        .count();
    assert_eq!(listens, 1);
}
