//! API processes driven without a runtime: a fake process writes lines, the
//! tests check the UPDATE bytes transmitted and the exact lines written back.

use super::harness::*;
use crate::config::{ApiConfig, Config, Encoder, NeighborConfig, ProcessConfig};
use crate::io::{Control, Input, Output, ProcId, ProcessSignal};
use crate::settings::Settings;
use crate::speaker::DaemonIdentity;
use crate::time::Instant;
use crate::wire::Message;
use crate::Speaker;
use bytes::Bytes;
use std::net::{IpAddr, SocketAddr};

const P: ProcId = ProcId(0);

fn process(name: &str, encoder: Encoder) -> ProcessConfig {
    ProcessConfig {
        name: name.into(),
        run: vec!["./helper.run".into()],
        encoder,
        respawn: true,
        run_line: 0,
        run_column: 0,
    }
}

fn api_neighbor(processes: &[&str], neighbor_changes: bool) -> NeighborConfig {
    let mut n = neighbor();
    n.api.push(ApiConfig {
        processes: processes.iter().map(|s| s.to_string()).collect(),
        neighbor_changes,
        ..ApiConfig::default()
    });
    n
}

struct Fake {
    sp: Speaker,
    now: Instant,
}

impl Fake {
    fn new(procs: Vec<ProcessConfig>, neighbors: Vec<NeighborConfig>) -> (Fake, Vec<Output>) {
        Fake::with_settings(procs, neighbors, Settings::default())
    }

    fn with_settings(
        procs: Vec<ProcessConfig>,
        neighbors: Vec<NeighborConfig>,
        settings: Settings,
    ) -> (Fake, Vec<Output>) {
        let now = Instant::from_secs(1000);
        let cfg = Config {
            path: "/etc/oxbgp/test.conf".into(),
            processes: procs,
            neighbors,
        };
        let mut sp = Speaker::new(cfg, settings, now);
        sp.set_identity(DaemonIdentity {
            pid: 42,
            ppid: 1,
            host: "host".into(),
            epoch_at_origin: 1_700_000_000.0,
        });
        let mut f = Fake { sp, now };
        let outs = f.drain();
        (f, outs)
    }

    fn drain(&mut self) -> Vec<Output> {
        let mut v = Vec::new();
        loop {
            match self.sp.poll_output() {
                Output::Timeout(_) => return v,
                o => v.push(o),
            }
        }
    }

    fn input(&mut self, i: Input) -> Vec<Output> {
        self.sp.handle_input(self.now, i);
        self.drain()
    }

    /// Several lines read in one cycle: all handled before the drain.
    fn lines(&mut self, lines: &[&str]) -> Vec<Output> {
        for l in lines {
            self.sp.handle_input(
                self.now,
                Input::ProcessLine {
                    process: P,
                    line: l.to_string(),
                },
            );
        }
        self.drain()
    }

    fn establish(&mut self, outs: &[Output]) -> (crate::io::ConnId, Vec<Output>) {
        let conn = outs
            .iter()
            .find_map(|o| match o {
                Output::Connect { conn, .. } => Some(*conn),
                _ => None,
            })
            .expect("a Connect output");
        let mut all = self.input(Input::Connected {
            conn,
            local: SocketAddr::new(LOCAL.parse::<IpAddr>().unwrap(), 40000),
            remote: SocketAddr::new(REMOTE.parse::<IpAddr>().unwrap(), 179),
        });
        all.extend(self.input(Input::Received {
            conn,
            data: peer_open(65000, 90, [2, 2, 2, 2]),
        }));
        all.extend(self.input(Input::Received {
            conn,
            data: keepalive(),
        }));
        (conn, all)
    }
}

fn written(outs: &[Output], p: ProcId) -> Vec<String> {
    let mut s = String::new();
    for o in outs {
        if let Output::WriteProcess { process, data } = o {
            if *process == p {
                s.push_str(std::str::from_utf8(data).unwrap());
            }
        }
    }
    s.lines().map(str::to_string).collect()
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

fn prefixes(u: &crate::wire::update::Update) -> Vec<String> {
    u.announced
        .iter()
        .map(|n| match n {
            crate::wire::nlri::Nlri::Prefix { prefix, .. } => prefix.to_string(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn every_process_is_spawned_with_its_program_resolved() {
    let (_, outs) = Fake::new(vec![process("a", Encoder::Text)], vec![neighbor()]);
    let spawn = outs
        .iter()
        .find_map(|o| match o {
            Output::Spawn {
                process,
                name,
                argv,
                ..
            } => Some((*process, name.clone(), argv.clone())),
            _ => None,
        })
        .expect("a Spawn");
    assert_eq!(spawn.0, P);
    assert_eq!(spawn.1, "a");
    assert_eq!(spawn.2, vec!["/etc/oxbgp/./helper.run".to_string()]);
}

#[test]
fn announce_is_acknowledged_and_sent_once_established() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    // Before the session: queued, acknowledged.
    let o = f.lines(&["announce route 10.0.0.0/24 next-hop 1.2.3.4"]);
    assert_eq!(written(&o, P), vec!["done"]);
    assert!(transmitted(&o).is_empty());
    let (_, o) = f.establish(&outs);
    let u = updates(&o);
    assert_eq!(prefixes(&u[0]), vec!["10.0.0.0/24"]);
    // Then an End-of-RIB per family.
    assert_eq!(u.len(), 3);
    // Established: straight out.
    let o = f.lines(&["announce route 10.0.1.0/24 next-hop 1.2.3.4"]);
    assert_eq!(written(&o, P), vec!["done"]);
    let u = updates(&o);
    assert_eq!(u.len(), 1);
    assert_eq!(prefixes(&u[0]), vec!["10.0.1.0/24"]);
}

#[test]
fn a_bad_command_answers_error_and_changes_nothing() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    f.establish(&outs);
    let o = f.lines(&["announce route 10.0.0.0/24 next-hop"]);
    assert_eq!(written(&o, P), vec!["error"]);
    assert!(transmitted(&o).is_empty());
    let o = f.lines(&["frobnicate"]);
    assert_eq!(written(&o, P), vec!["error"]);
}

#[test]
fn a_process_may_only_address_neighbors_listing_it() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text), process("b", Encoder::Text)],
        vec![api_neighbor(&["b"], false)],
    );
    f.establish(&outs);
    let o = f.lines(&["announce route 10.0.0.0/24 next-hop 1.2.3.4"]);
    assert_eq!(written(&o, P), vec!["error"]);
    assert!(transmitted(&o).is_empty());
    // The control channel may address everyone (and gets no ack line).
    let o = f.input(Input::Control(Control::Command(
        "announce route 10.0.0.0/24 next-hop 1.2.3.4".into(),
    )));
    assert_eq!(updates(&o).len(), 1);
}

#[test]
fn processes_match_grants_command_rights() {
    let mut n = neighbor();
    n.api.push(ApiConfig {
        processes_match: vec!["^add".into()],
        ..ApiConfig::default()
    });
    let (mut f, outs) = Fake::new(vec![process("add-remove", Encoder::Text)], vec![n]);
    f.establish(&outs);
    let o = f.lines(&["announce route 10.0.0.0/24 next-hop 1.2.3.4"]);
    assert_eq!(written(&o, P), vec!["done"]);
    assert_eq!(updates(&o).len(), 1);
}

#[test]
fn changes_read_in_one_cycle_are_merged() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.establish(&outs);
    // First drain after session up: no withdrawals (ExaBGP's include_withdraw).
    let o = f.lines(&[
        "announce route 1.1.0.0/24 next-hop 101.1.101.1",
        "announce route 1.1.0.0/25 next-hop 101.1.101.1",
        "withdraw route 1.1.0.0/24 next-hop 101.1.101.1",
        "announce route 1.1.0.0/25 next-hop 101.1.101.1",
    ]);
    assert_eq!(written(&o, P), vec!["done"; 4]);
    let u = updates(&o);
    assert_eq!(u.len(), 1);
    assert_eq!(prefixes(&u[0]), vec!["1.1.0.0/25"]);
    assert!(u[0].withdrawn.is_empty());
    // Afterwards a withdrawal of a route announced in the same cycle is sent.
    let o = f.lines(&[
        "announce route 2.2.0.0/25 next-hop 101.1.101.1",
        "announce route 2.2.0.0/24 next-hop 101.1.101.1",
        "withdraw route 2.2.0.0/25 next-hop 101.1.101.1",
    ]);
    let u = updates(&o);
    assert_eq!(u.len(), 2);
    assert_eq!(u[0].withdrawn.len(), 1);
    assert_eq!(prefixes(&u[1]), vec!["2.2.0.0/24"]);
}

#[test]
fn disable_ack_answers_once_and_silence_ack_never() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.establish(&outs);
    assert_eq!(written(&f.lines(&["disable-ack"]), P), vec!["done"]);
    assert!(written(
        &f.lines(&["announce route 10.0.0.0/24 next-hop 1.2.3.4"]),
        P
    )
    .is_empty());
    assert_eq!(written(&f.lines(&["enable-ack"]), P), vec!["done"]);
    assert!(written(&f.lines(&["silence-ack"]), P).is_empty());
    assert!(written(&f.lines(&["frobnicate"]), P).is_empty());
    assert_eq!(written(&f.lines(&["enable-ack", "version"]), P).len(), 3);
}

#[test]
fn shutdown_tells_processes_then_terminates_then_kills_then_exits() {
    let (mut f, _) = Fake::new(vec![process("a", Encoder::Text)], vec![neighbor()]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let o = f.input(Input::Control(Control::Shutdown));
    assert_eq!(written(&o, P), vec!["shutdown 42 1"]);
    assert!(o.contains(&Output::Kill {
        process: P,
        signal: ProcessSignal::Terminate
    }));
    assert!(!o.iter().any(|o| matches!(o, Output::Exit { .. })));
    // Still there 1 s later: nothing yet.
    f.now = f.now + secs(1);
    let o = f.input(Input::Tick);
    assert!(o.is_empty());
    f.now = f.now + secs(1);
    let o = f.input(Input::Tick);
    assert_eq!(
        o,
        vec![
            Output::Kill {
                process: P,
                signal: ProcessSignal::Kill
            },
            Output::Exit { code: 0 }
        ]
    );
}

#[test]
fn shutdown_exits_as_soon_as_every_process_is_gone() {
    let (mut f, _) = Fake::new(vec![process("a", Encoder::Json)], vec![neighbor()]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let o = f.input(Input::Control(Control::Shutdown));
    let w = written(&o, P);
    let v: serde_json::Value = serde_json::from_str(&w[0]).expect("JSON");
    assert_eq!(v["type"], "notification");
    assert_eq!(v["notification"], "shutdown");
    assert_eq!(v["pid"], 42);
    let o = f.input(Input::ProcessExited {
        process: P,
        status: Some(0),
    });
    assert_eq!(o, vec![Output::Exit { code: 0 }]);
}

#[test]
fn the_shutdown_command_answers_then_stops() {
    let (mut f, _) = Fake::new(vec![process("a", Encoder::Text)], vec![neighbor()]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let o = f.lines(&["shutdown"]);
    assert_eq!(
        written(&o, P),
        vec!["shutdown in progress", "done", "shutdown 42 1"]
    );
}

#[test]
fn a_respawn_storm_ends_the_daemon() {
    let settings = Settings {
        api_respawn_limit: 2,
        ..Settings::default()
    };
    let (mut f, _) = Fake::with_settings(
        vec![process("a", Encoder::Text)],
        vec![neighbor()],
        settings,
    );
    let exited = Input::ProcessExited {
        process: P,
        status: Some(1),
    };
    for _ in 0..2 {
        let o = f.input(exited.clone());
        assert!(o.iter().any(|o| matches!(o, Output::Spawn { .. })));
    }
    let o = f.input(exited);
    assert!(!o.iter().any(|o| matches!(o, Output::Spawn { .. })));
    assert_eq!(o.last(), Some(&Output::Exit { code: 0 }));
}

#[test]
fn no_respawn_with_respawn_false() {
    let mut p = process("a", Encoder::Text);
    p.respawn = false;
    let (mut f, _) = Fake::new(vec![p], vec![neighbor()]);
    let o = f.input(Input::ProcessExited {
        process: P,
        status: Some(0),
    });
    assert!(o.is_empty());
}

#[test]
fn json_state_and_update_events_have_exabgps_shape() {
    let mut n = api_neighbor(&["a"], true);
    n.api[0].receive.parsed = true;
    n.api[0].receive.update = true;
    let (mut f, outs) = Fake::new(vec![process("a", Encoder::Json)], vec![n]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let (conn, o) = f.establish(&outs);
    let lines = written(&o, P);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let connected: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(connected["type"], "state");
    assert_eq!(connected["neighbor"]["state"], "connected");
    assert_eq!(connected["counter"], 1);
    let up: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(up["neighbor"]["state"], "up");
    assert_eq!(up["neighbor"]["address"]["peer"], REMOTE);
    assert_eq!(up["neighbor"]["address"]["local"], LOCAL);
    assert_eq!(up["counter"], 2);
    assert_eq!(up["host"], "host");
    // A received UPDATE.
    let upd = Bytes::from_static(&[
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0x00, 0x30, 0x02, 0x00, 0x00, 0x00, 0x15, 0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x00,
        0x40, 0x03, 0x04, 0x7F, 0x00, 0x00, 0x02, 0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0x64, 0x18,
        0x0A, 0x01, 0x00,
    ]);
    let o = f.input(Input::Received { conn, data: upd });
    let lines = written(&o, P);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let u: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(u["type"], "update");
    assert_eq!(u["neighbor"]["direction"], "receive");
    assert_eq!(
        u["neighbor"]["message"]["update"]["announce"]["ipv4 unicast"]["127.0.0.2"][0]["nlri"],
        "10.1.0.0/24"
    );
    assert_eq!(f.sp.peers()[0].adj_in.len(), 1);
    // The session goes down: a state down line with the reason.
    let o = f.input(Input::Closed {
        conn,
        reason: "eof".into(),
    });
    let lines = written(&o, P);
    let down: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(down["neighbor"]["state"], "down");
    assert_eq!(down["neighbor"]["reason"], "closing connection");
}

#[test]
fn text_events_are_followed_by_an_empty_line() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], true)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let (_, o) = f.establish(&outs);
    assert_eq!(
        written(&o, P),
        vec![
            "neighbor 127.0.0.2 connected",
            "",
            "neighbor 127.0.0.2 up",
            ""
        ]
    );
}

#[test]
fn clear_adj_rib_out_withdraws_and_flush_resends() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.establish(&outs);
    f.lines(&["announce route 10.0.0.0/24 next-hop 1.2.3.4"]);
    let o = f.lines(&["flush adj-rib out"]);
    let u = updates(&o);
    assert_eq!(u.len(), 1);
    assert_eq!(prefixes(&u[0]), vec!["10.0.0.0/24"]);
    let o = f.lines(&["clear adj-rib out"]);
    let u = updates(&o);
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].withdrawn.len(), 1);
    assert_eq!(f.sp.peers()[0].rib.len(), 0);
}

/// Throughput of API line → UPDATE bytes (run with `--ignored --nocapture`
/// in release mode; prints, asserts nothing about time).
#[test]
#[ignore]
fn api_line_to_wire_throughput() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.establish(&outs);
    let n: u32 = 1_000_000;
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let a = 0x0A00_0000u32 + (i << 8);
            format!(
                "announce route {}/24 next-hop 1.2.3.4",
                std::net::Ipv4Addr::from(a)
            )
        })
        .collect();
    let start = std::time::Instant::now();
    let mut parsed = 0usize;
    for l in &lines {
        parsed += usize::from(crate::api::command::parse(l).is_ok());
    }
    println!("parse only: {parsed} lines in {:?}", start.elapsed());
    let start = std::time::Instant::now();
    let mut bytes = 0usize;
    let (mut t_in, mut t_out) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for chunk in lines.chunks(1000) {
        let t = std::time::Instant::now();
        for l in chunk {
            f.sp.handle_input(
                f.now,
                Input::ProcessLine {
                    process: P,
                    line: l.clone(),
                },
            );
        }
        t_in += t.elapsed();
        let t = std::time::Instant::now();
        for o in f.drain() {
            if let Output::Transmit { data, .. } = o {
                bytes += data.len();
            }
        }
        t_out += t.elapsed();
    }
    println!("lines → RIB {t_in:?}, RIB → wire {t_out:?}");
    let el = start.elapsed();
    println!(
        "{n} routes in {el:?}: {:.0} routes/s, {bytes} bytes on the wire, rib {} routes",
        n as f64 / el.as_secs_f64(),
        f.sp.peers()[0].rib.len()
    );
}

#[test]
fn message_events_follow_the_send_and_receive_flags() {
    let mut n = api_neighbor(&["a"], false);
    n.api[0].receive.parsed = true;
    n.api[0].receive.open = true;
    n.api[0].receive.keepalive = true;
    n.api[0].send.parsed = true;
    n.api[0].send.packets = true;
    n.api[0].send.keepalive = true;
    n.api[0].send.open = true;
    let (mut f, outs) = Fake::new(vec![process("a", Encoder::Json)], vec![n]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let (_, o) = f.establish(&outs);
    let kinds: Vec<(String, String)> = written(&o, P)
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            (
                v["type"].as_str().unwrap().to_string(),
                v["neighbor"]["direction"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let k = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        kinds,
        vec![
            k("open", "send"),
            k("open", "receive"),
            k("keepalive", "send"),
            k("keepalive", "receive"),
        ]
    );
    // `packets` adds the raw header and body to sent messages.
    let sent: serde_json::Value = serde_json::from_str(&written(&o, P)[2]).unwrap();
    assert_eq!(sent["header"], "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304");
    // ExaBGP omits an empty body.
    assert!(sent.get("body").is_none());
}

#[test]
fn fsm_and_negotiated_events_are_json_only() {
    let mut n = api_neighbor(&["a", "b"], false);
    n.api[0].fsm = true;
    n.api[0].negotiated = true;
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Json), process("b", Encoder::Text)],
        vec![n],
    );
    let (_, o) = f.establish(&outs);
    let lines = written(&o, P);
    let docs: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let states: Vec<&str> = docs
        .iter()
        .filter(|d| d["type"] == "fsm")
        .map(|d| d["neighbor"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["OPENSENT", "OPENCONFIRM", "ESTABLISHED"]);
    let neg = docs
        .iter()
        .find(|d| d["type"] == "negotiated")
        .expect("a negotiated message");
    assert_eq!(neg["neighbor"]["negotiated"]["hold_time"], 90);
    assert_eq!(
        neg["neighbor"]["negotiated"]["families"],
        serde_json::json!(["ipv4 unicast", "ipv6 unicast"])
    );
    assert!(written(&o, ProcId(1)).is_empty());
}

#[test]
fn show_adj_rib_out_text_and_json() {
    let (mut f, _) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    f.lines(&[
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 med 5",
        "announce route 10.0.1.0/24 next-hop 1.2.3.4",
    ]);
    let o = f.lines(&["show adj-rib out"]);
    assert_eq!(
        written(&o, P),
        vec![
            "127.0.0.2 ipv4 unicast 10.0.0.0/24 next-hop 1.2.3.4",
            "127.0.0.2 ipv4 unicast 10.0.1.0/24 next-hop 1.2.3.4",
            "done"
        ]
    );
    let o = f.lines(&["show adj-rib out 127.0.0.9"]);
    assert_eq!(written(&o, P), vec!["done"]);
    let o = f.lines(&["show adj-rib out json"]);
    let w = written(&o, P);
    assert_eq!(w.len(), 3);
    let v: serde_json::Value = serde_json::from_str(&w[1]).expect("JSON");
    assert_eq!(
        v,
        serde_json::json!({"127.0.0.2": {"routes": [
            {"prefix": "10.0.0.0/24", "family": "ipv4 unicast"},
            {"prefix": "10.0.1.0/24", "family": "ipv4 unicast"}
        ]}})
    );
    let o = f.lines(&["show adj-rib out extensive"]);
    assert_eq!(
        written(&o, P)[0],
        "neighbor 127.0.0.2 local-ip 127.0.0.1 local-as 65000 peer-as 65000 router-id 1.1.1.1 \
         family-allowed in-open ipv4 unicast 10.0.0.0/24 next-hop 1.2.3.4 med 5"
    );
}

#[test]
fn show_neighbor_summary_counts_updates() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let o = f.lines(&["show neighbor summary"]);
    assert_eq!(
        written(&o, P),
        vec![
            "Peer            AS        up/down state       |     #sent     #recvd",
            "127.0.0.2       65000        down connect               0          0",
            "done"
        ]
    );
    f.establish(&outs);
    f.now = f.now + secs(65);
    let o = f.lines(&["show neighbor summary"]);
    // Two End-of-RIB UPDATEs sent so far.
    assert_eq!(
        written(&o, P)[1],
        "127.0.0.2       65000     0:01:05 established           2          0"
    );
}

#[test]
fn show_neighbor_json_is_one_json_array_line() {
    let (mut f, outs) = Fake::new(
        vec![process("a", Encoder::Text)],
        vec![api_neighbor(&["a"], false)],
    );
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    f.establish(&outs);
    let o = f.lines(&["show neighbor json"]);
    let w = written(&o, P);
    assert_eq!(w.len(), 2);
    assert_eq!(w[1], "done");
    let v: serde_json::Value = serde_json::from_str(&w[0]).expect("JSON");
    assert_eq!(v[0]["state"], "up");
    assert_eq!(v[0]["fsm"], "ESTABLISHED");
    assert_eq!(v[0]["peer"]["address"], REMOTE);
    assert_eq!(v[0]["peer"]["id"], "2.2.2.2");
    assert_eq!(
        v[0]["families"],
        serde_json::json!(["ipv4 unicast", "ipv6 unicast"])
    );
    assert!(
        w[0].contains("\"state\": \"up\""),
        "Python layout: {}",
        w[0]
    );
}

#[test]
fn signal_events_precede_the_shutdown_message() {
    let mut n = api_neighbor(&["a"], false);
    n.api[0].signal = true;
    let (mut f, _) = Fake::new(vec![process("a", Encoder::Json)], vec![n]);
    f.input(Input::ProcessStarted { process: P, pid: 7 });
    let o = f.input(Input::Control(Control::Shutdown));
    let w = written(&o, P);
    assert_eq!(w.len(), 2);
    let sig: serde_json::Value = serde_json::from_str(&w[0]).unwrap();
    assert_eq!(sig["type"], "signal");
    assert_eq!(sig["neighbor"]["code"], "15");
    assert_eq!(sig["neighbor"]["name"], "SIGTERM");
    let bye: serde_json::Value = serde_json::from_str(&w[1]).unwrap();
    assert_eq!(bye["notification"], "shutdown");
}

#[test]
fn a_process_that_cannot_start_is_not_respawned() {
    let (mut f, _) = Fake::new(vec![process("a", Encoder::Text)], vec![neighbor()]);
    let o = f.input(Input::ProcessSpawnFailed {
        process: P,
        reason: "No such file or directory".into(),
    });
    assert!(o.is_empty());
    assert!(!f.sp.processes()[0].running);
}

/// The lines of one read handed over in one `ProcessLines` input act exactly
/// like the same lines one `ProcessLine` each, including lines the parse
/// cache answers (same words around the prefix) and blanks at line ends.
#[test]
fn a_batch_of_lines_acts_like_the_lines_one_by_one() {
    let lines = [
        "announce route 10.0.0.0/24 next-hop 1.2.3.4 med 5 community [ 65000:1 ]",
        "announce route 10.0.1.0/24 next-hop 1.2.3.4 med 5 community [ 65000:1 ]\r",
        "announce route 10.0.2.0/24 next-hop 1.2.3.4 as-path [ 65000 65001 ]",
        "",
        "withdraw route 10.0.1.0/24",
        "neighbor 127.0.0.2 announce route 10.0.3.0/24 next-hop 1.2.3.4 med 5 community [ 65000:1 ]",
        "announce route 10.0.4.0/24 next-hop 1.2.3.4 med 5 community [ 65000:1 ]   ",
        "announce route 10.0.5.1/24 next-hop 1.2.3.4 med 5 community [ 65000:1 ]",
        "withdraw route 10.0.6.0/24",
        "version",
    ];
    let run = |batch: bool| {
        let (mut f, outs) = Fake::new(
            vec![process("a", Encoder::Text)],
            vec![api_neighbor(&["a"], false)],
        );
        f.input(Input::ProcessStarted { process: P, pid: 7 });
        f.establish(&outs);
        let o = if batch {
            let mut text = lines.join("\n");
            text.push('\n');
            f.input(Input::ProcessLines { process: P, text })
        } else {
            f.lines(&lines)
        };
        (written(&o, P), transmitted(&o))
    };
    let (one_by_one, batched) = (run(false), run(true));
    assert_eq!(
        one_by_one.0,
        ["done", "done", "done", "done", "done", "done", "error", "done"]
            .iter()
            .map(|s| s.to_string())
            .chain(std::iter::once(one_by_one.0[8].clone()))
            .chain(std::iter::once("done".to_string()))
            .collect::<Vec<_>>()
    );
    assert!(!one_by_one.1.is_empty());
    assert_eq!(one_by_one, batched);
}
