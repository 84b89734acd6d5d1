//! `show neighbor extensive|configuration`: the exact text ExaBGP 5.0.15
//! writes (captured from a loopback session), rendered from our state.

use super::harness::*;
use crate::api::command::ShowNeighborMode as M;
use crate::config::{ApiConfig, AsnSetting, MessageFlags, NeighborConfig};
use crate::settings::Settings;
use crate::wire::capability::AddPathMode;
use crate::wire::family::Family;
use std::net::Ipv4Addr;

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// An established iBGP session (peer 127.0.0.2, AS 65000, id 2.2.2.2,
/// hold 180), 5 seconds after it came up.
fn established() -> Driver {
    let (mut d, outs) = Driver::new(vec![neighbor()], Settings::default());
    d.establish(&outs, 180);
    let t = d.now + secs(5);
    d.at(t);
    d
}

#[test]
fn extensive_established() {
    let d = established();
    let got = d.sp.show_neighbor(None, M::Extensive);
    let want = lines(&[
        "Neighbor 127.0.0.2",
        "",
        "    Session                       Local",
        "   local                      127.0.0.1                                ",
        "   state                    ESTABLISHED                                ",
        "   up for                       0:00:05                                ",
        "",
        "    Setup                         Local          Remote",
        "   AS                             65000           65000                ",
        "   ID                           1.1.1.1         2.2.2.2                ",
        "   hold-time                        180             180                ",
        "",
        "    Capability                    Local          Remote",
        "   asn4:                        enabled         enabled                ",
        "   route-refresh:              disabled        disabled                ",
        "   multi-session:              disabled        disabled                ",
        "   operational:                disabled        disabled                ",
        "   add-path:                   disabled        disabled                ",
        "   extended-message:            enabled        disabled                ",
        "   graceful-restart:           disabled        disabled                ",
        "",
        "    Families                      Local          Remote        Add-Path",
        "   ipv4 unicast:                enabled         enabled disabled       ",
        "   ipv6 unicast:                enabled         enabled disabled       ",
        "",
        "    Message Statistic              Sent        Received",
        "   open:                              1               1                ",
        "   notification:                      0               0                ",
        "   keepalive:                         1               1                ",
        "   update:                            2               0                ",
        "   refresh:                           0               0                ",
        "   total:                             4               2                ",
        "",
    ]);
    assert_eq!(got, want);
}

#[test]
fn extensive_idle_is_not_available_remotely() {
    let mut n = neighbor();
    n.peer_address = "127.0.0.9".parse().unwrap();
    n.peer_as = AsnSetting::Asn(65009);
    n.hold_time = 90;
    n.families = vec![Family::IPV4_UNICAST];
    n.capability.route_refresh = true;
    n.capability.graceful_restart = Some(120);
    n.capability.add_path = Some(AddPathMode::Both);
    n.passive = true;
    let (d, _) = Driver::new(vec![n], Settings::default());
    let got = d.sp.show_neighbor(None, M::Extensive);
    let want = lines(&[
        "Neighbor 127.0.0.9",
        "",
        "    Session                       Local",
        "   local                      127.0.0.1                                ",
        "   state                           IDLE                                ",
        "   down for                     0:00:00                                ",
        "",
        "    Setup                         Local          Remote",
        "   AS                             65000           65009                ",
        "   ID                           1.1.1.1             n/a                ",
        "   hold-time                         90             n/a                ",
        "",
        "    Capability                    Local          Remote",
        "   asn4:                        enabled             n/a                ",
        "   route-refresh:               enabled             n/a                ",
        "   multi-session:              disabled             n/a                ",
        "   operational:                disabled             n/a                ",
        "   add-path:                    enabled             n/a                ",
        "   extended-message:            enabled             n/a                ",
        "   graceful-restart:            enabled             n/a                ",
        "",
        "    Families                      Local          Remote        Add-Path",
        "   ipv4 unicast:                enabled             n/a disabled       ",
        "",
        "    Message Statistic              Sent        Received",
        "   open:                              0               0                ",
        "   notification:                      0               0                ",
        "   keepalive:                         0               0                ",
        "   update:                            0               0                ",
        "   refresh:                           0               0                ",
        "   total:                             0               0                ",
        "",
    ]);
    assert_eq!(got, want);
}

/// The neighbor of the ExaBGP capture: non-default capabilities, md5 and
/// an api block with global, receive and send flags.
fn configured() -> NeighborConfig {
    let mut n = NeighborConfig::new(
        "127.0.0.9".parse().unwrap(),
        AsnSetting::Asn(65000),
        AsnSetting::Asn(65009),
    );
    n.description = Some("down peer".into());
    n.router_id = Some(Ipv4Addr::new(10, 0, 0, 1));
    n.local_address = Some("127.0.0.1".parse().unwrap());
    n.hold_time = 90;
    n.auto_flush = true;
    n.md5_password = Some("secret".into());
    n.capability.route_refresh = true;
    n.capability.graceful_restart = Some(120);
    n.capability.add_path = Some(AddPathMode::Both);
    n.families = vec![Family::IPV4_UNICAST];
    n.nexthop = vec![(Family::IPV4_UNICAST, crate::wire::family::Afi::IPV6)];
    n.add_path_families = vec![Family::IPV4_UNICAST];
    n.api.push(ApiConfig {
        processes: vec!["show".into()],
        neighbor_changes: true,
        receive: MessageFlags {
            parsed: true,
            update: true,
            ..MessageFlags::default()
        },
        send: MessageFlags {
            packets: true,
            ..MessageFlags::default()
        },
        ..ApiConfig::default()
    });
    n
}

#[test]
fn configuration_block() {
    let (d, _) = Driver::new(vec![configured()], Settings::default());
    let got = d.sp.show_neighbor(None, M::Configuration);
    let want = lines(&[
        "neighbor 127.0.0.9 {",
        "  description \"down peer\";",
        "  router-id 10.0.0.1;",
        "  host-name None;",
        "  domain-name None;",
        "  local-address 127.0.0.1;",
        "  source-interface None;",
        "  local-as 65000;",
        "  peer-as 65009;",
        "  hold-time 90;",
        "  rate-limit disable;",
        "  manual-eor false;",
        "",
        "  passive false;",
        "  group-updates true;",
        "  auto-flush true;",
        "  adj-rib-in true;",
        "  adj-rib-out true;",
        "  md5-password \"secret\";",
        "  md5-base64 false;",
        "  md5-ip \"127.0.0.1\";",
        "  capability {",
        "    asn4 enable;",
        "    route-refresh enable;",
        "    graceful-restart 120;",
        "    software-version disable;",
        "    nexthop enable;",
        "    add-path send/receive;",
        "    multi-session disable;",
        "    operational disable;",
        "    aigp disable;",
        "  }",
        "  family {",
        "    ipv4 unicast;",
        "  }",
        "  nexthop {",
        "  }",
        "  add-path {",
        "    ipv4 unicast;",
        "  }",
        "  api {",
        "    processes [ show ];",
        "    neighbor-changes;",
        "    receive {",
        "      parsed;",
        "      update;",
        "    }",
        "    send {",
        "      packets;",
        "    }",
        "  }",
        "}",
    ]);
    assert_eq!(got, want);
}

#[test]
fn configuration_defaults_and_no_api() {
    let (d, _) = Driver::new(vec![neighbor()], Settings::default());
    let got = d.sp.show_neighbor(None, M::Configuration);
    assert_eq!(got[1], "  description \"\";");
    assert_eq!(got[5], "  local-address 127.0.0.1;");
    assert!(!got.iter().any(|l| l.contains("md5-password")));
    assert!(!got.iter().any(|l| l.contains("api {")));
    assert_eq!(got.last().map(String::as_str), Some("}"));
}

#[test]
fn filter_is_a_substring_of_the_neighbor_name() {
    let mut other = configured();
    other.api.clear();
    let (d, _) = Driver::new(vec![neighbor(), other], Settings::default());
    let count = |filter: Option<&str>, mode| {
        d.sp.show_neighbor(filter, mode)
            .iter()
            .filter(|l| l.starts_with("Neighbor ") || l.starts_with("neighbor "))
            .count()
    };
    for mode in [M::Extensive, M::Configuration] {
        assert_eq!(count(None, mode), 2);
        assert_eq!(count(Some("127.0.0"), mode), 2);
        assert_eq!(count(Some("127.0.0.9"), mode), 1);
        assert_eq!(count(Some("peer-as 65009"), mode), 1);
        assert_eq!(count(Some("nomatch"), mode), 0);
    }
    // Summary compares the whole address instead.
    assert_eq!(d.sp.show_neighbor(Some("127.0.0"), M::Summary).len(), 1);
}

#[test]
fn counters_are_zero_once_the_session_is_gone() {
    let mut d = established();
    let conn = d.sp.peers()[0].session().map(|s| s.conn).unwrap();
    d.input(crate::io::Input::Closed {
        conn,
        reason: "reset".into(),
    });
    let (sent, received) = d.sp.peers()[0].message_counts();
    assert_eq!(sent.total() + received.total(), 0);
}

/// We may send add-path on ipv4 unicast (the peer receives it): ExaBGP
/// 5.0.15 labels that `receive` (its (send, receive) pair is unpacked in the
/// other order), as seen against a real ExaBGP peer; the peer's announced
/// add-path and graceful-restart show as enabled.
#[test]
fn extensive_add_path_column_is_swapped_like_exabgp() {
    use crate::wire::capability::Capability;
    use crate::wire::open::Open;
    use crate::wire::Message;
    let mut n = neighbor();
    n.capability.add_path = Some(AddPathMode::Send);
    n.add_path_families = vec![Family::IPV4_UNICAST];
    let (mut d, outs) = Driver::new(vec![n], Settings::default());
    let (conn, _) = d.connect(&outs);
    let open = encode(&Message::Open(Open {
        version: 4,
        my_as: 65000,
        hold_time: 180,
        bgp_id: Ipv4Addr::new(2, 2, 2, 2),
        capabilities: vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::FourOctetAs(65000),
            Capability::AddPath(vec![(Family::IPV4_UNICAST, AddPathMode::Receive)]),
            Capability::GracefulRestart {
                restart_state: false,
                notification: false,
                restart_time: 100,
                families: vec![],
            },
        ],
    }));
    d.receive(conn, open);
    d.receive(conn, keepalive());
    let got = d.sp.show_neighbor(None, M::Extensive);
    let find = |k: &str| got.iter().find(|l| l.starts_with(k)).cloned();
    assert_eq!(
        find("   add-path:").as_deref(),
        Some("   add-path:                    enabled         enabled                ")
    );
    assert_eq!(
        find("   graceful-restart:").as_deref(),
        Some("   graceful-restart:           disabled         enabled                ")
    );
    assert_eq!(
        find("   ipv4 unicast:").as_deref(),
        Some("   ipv4 unicast:                enabled         enabled receive        ")
    );
    assert_eq!(
        find("   ipv6 unicast:").as_deref(),
        Some("   ipv6 unicast:                enabled        disabled disabled       ")
    );
}

/// Sent messages are counted per type from the wire bytes, several
/// messages in one buffer included; short or bogus buffers never panic.
#[test]
fn sent_counting_walks_whole_messages() {
    let mut d = established();
    let conn = d.sp.peers()[0].session().map(|s| s.conn).unwrap();
    let before = d.sp.peers()[0].message_counts().0;
    let mut two = keepalive().to_vec();
    two.extend_from_slice(&keepalive());
    let p = &mut d.sp.peers_mut()[0];
    p.count_sent(conn, &two);
    p.count_sent(conn, &[0xff; 18]);
    p.count_sent(conn, &[]);
    let mut bogus = vec![0xff; 16];
    bogus.extend_from_slice(&[0, 0, 4]); // length 0: stop after one
    p.count_sent(conn, &bogus);
    let after = p.message_counts().0;
    assert_eq!(after.keepalive, before.keepalive + 3);
    assert_eq!(after.total(), before.total() + 3);
}
