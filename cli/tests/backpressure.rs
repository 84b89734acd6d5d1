//! A slow JSON monitor loses no UPDATE: while an API process is far behind on
//! its input, both runtimes stop reading from peers (TCP slows them down)
//! instead of dropping the process's output once its queue is full.
//!
//! The monitor sleeps 3 s before reading, while a peer sends 2.5M prefixes:
//! ~75 MB of JSON, more than the 64 MB a process may have queued. Without
//! the pause the daemon drops output past 64 MB and the count never arrives.

use oxbgp_core::wire::attribute::{
    AsPath, AsPathSegment, Attribute, Attributes, Origin, SegmentKind,
};
use oxbgp_core::wire::nlri::{Nlri, Prefix};
use oxbgp_core::wire::update::pack_announce;
use oxbgp_core::wire::{CodecContext, Family};
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{connect, free_port, open_msg, scratch, Daemon, BIN};

const PREFIXES: usize = 2_500_000;

fn keepalive() -> Vec<u8> {
    let mut m = vec![0xFF; 16];
    m.extend_from_slice(&[0, 19, 4]);
    m
}

/// Read whole messages until one of `kind` arrives.
fn read_until(s: &mut TcpStream, kind: u8) {
    loop {
        let mut h = [0u8; 19];
        s.read_exact(&mut h).expect("a message from the daemon");
        let len = u16::from_be_bytes([h[16], h[17]]) as usize;
        let mut body = vec![0u8; len.saturating_sub(19)];
        s.read_exact(&mut body).unwrap();
        if h[18] == kind {
            return;
        }
    }
}

/// The table as full-size UPDATEs: 2.5M distinct /24s from 1.0.0.0.
fn updates() -> Vec<u8> {
    let mut attrs = Attributes::new();
    attrs.set(Attribute::Origin(Origin::Igp));
    attrs.set(Attribute::AsPath(AsPath {
        segments: [AsPathSegment {
            kind: SegmentKind::Sequence,
            asns: [65001].into_iter().collect(),
        }]
        .into_iter()
        .collect(),
    }));
    let nlri: Vec<Nlri> = (0..PREFIXES as u32)
        .map(|i| {
            Nlri::prefix(Prefix::V4 {
                addr: 0x0100_0000 + (i << 8),
                len: 24,
            })
        })
        .collect();
    let mut msgs = Vec::new();
    pack_announce(
        Family::IPV4_UNICAST,
        &attrs,
        &[IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))],
        &nlri,
        &CodecContext::default(),
        &mut msgs,
    );
    msgs.concat()
}

/// One daemon at a time: each test pushes 75 MB of JSON through a process,
/// and two at once on a loaded machine would only measure the machine.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_slow_json_monitor_loses_no_update_on_mio() {
    a_slow_json_monitor_loses_no_update("mio");
}

#[test]
fn a_slow_json_monitor_loses_no_update_on_std() {
    a_slow_json_monitor_loses_no_update("std");
}

/// A daemon (`runtime`) with a JSON process `run` receiving parsed UPDATEs,
/// and an established session to it from a peer with `hold` seconds of hold
/// time. Returns the daemon, the peer's socket and the daemon's log file.
fn session(runtime: &str, d: &Path, run: &str, hold: u16) -> (Daemon, TcpStream, PathBuf) {
    let port = free_port("127.0.0.5");
    let conf = d.join("monitor.conf");
    std::fs::write(
        &conf,
        format!(
            "process monitor {{\n  run {run};\n  encoder json;\n}}\n\
             neighbor 127.0.0.1 {{\n  router-id 10.0.0.5;\n  local-address 127.0.0.5;\n  \
             local-as 65005;\n  peer-as 65001;\n  passive;\n  family {{ ipv4 unicast; }}\n  \
             api {{\n    processes [ monitor ];\n    receive {{ parsed; update; }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let log_path = d.join("oxbgp.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(BIN)
        .args(["run", "--runtime", runtime])
        .arg(&conf)
        .env("exabgp_tcp_port", port.to_string())
        .env("exabgp_tcp_bind", "127.0.0.5")
        // Not the 2.5M route lines: the log is read while waiting.
        .env("RUST_LOG", "info,routes=off")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let daemon = Daemon(child);
    let addr: SocketAddr = format!("127.0.0.5:{port}").parse().unwrap();
    let mut s = connect(addr);
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&open_msg(4, 65001, hold, [10, 0, 0, 1]))
        .unwrap();
    read_until(&mut s, 1);
    s.write_all(&keepalive()).unwrap();
    read_until(&mut s, 4);
    (daemon, s, log_path)
}

fn a_slow_json_monitor_loses_no_update(runtime: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let d = scratch("cli", &format!("backpressure-{runtime}"));
    let count = d.join("count");
    let monitor = d.join("monitor.py");
    // Sleeps, then counts prefixes ("nlri" keys) and reports when all came.
    std::fs::write(
        &monitor,
        format!(
            "import os, sys, time\n\
             time.sleep(3)\n\
             seen, carry, done = 0, b'', False\n\
             while True:\n\
             \x20   b = os.read(0, 1 << 20)\n\
             \x20   if not b:\n\
             \x20       break\n\
             \x20   d = carry + b\n\
             \x20   seen += d.count(b'\"nlri\"')\n\
             \x20   carry = d[-5:]\n\
             \x20   if seen >= {PREFIXES} and not done:\n\
             \x20       open('{}.tmp', 'w').write(str(seen))\n\
             \x20       os.rename('{0}.tmp', '{0}')\n\
             \x20       done = True\n",
            count.display()
        ),
    )
    .unwrap();
    // Built first: the monitor's 3 s start when the daemon starts.
    let table = updates();
    let (_daemon, mut s, log_path) =
        session(runtime, &d, &format!("python3 {}", monitor.display()), 90);
    // Blocks while the daemon pauses reading: that is the point.
    s.write_all(&table).unwrap();

    let end = Instant::now() + Duration::from_secs(120);
    while !count.exists() {
        // Output dropped: the count can never arrive, fail now.
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        assert!(
            !log.contains("dropping further output"),
            "{runtime}: the daemon dropped the monitor's output; daemon log:\n{log}"
        );
        assert!(
            Instant::now() < end,
            "{runtime}: the monitor never saw all {PREFIXES} prefixes; daemon log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let seen: usize = std::fs::read_to_string(&count).unwrap().parse().unwrap();
    assert_eq!(seen, PREFIXES, "{runtime}");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("pausing reads from peers"), "{runtime}: {log}");
    assert!(!log.contains("dropping further output"), "{runtime}: {log}");
    drop(s);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_process_that_never_reads_does_not_expire_sessions_on_mio() {
    a_process_that_never_reads_does_not_expire_sessions("mio");
}

#[test]
fn a_process_that_never_reads_does_not_expire_sessions_on_std() {
    a_process_that_never_reads_does_not_expire_sessions("std");
}

/// A pause lasts 2 s at most, then peers get a turn of reading: with a 3 s
/// hold time and a process that never reads, a pause without that end
/// would starve the session of the UPDATEs that keep it alive.
fn a_process_that_never_reads_does_not_expire_sessions(runtime: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let d = scratch("cli", &format!("never-reads-{runtime}"));
    // Never reads its input; leaves when the daemon is gone (even killed).
    let never = d.join("never.py");
    std::fs::write(
        &never,
        "import os, time\n\
         parent = os.getppid()\n\
         while os.getppid() == parent:\n\
         \x20   time.sleep(0.2)\n",
    )
    .unwrap();
    let table = updates();
    let (_daemon, mut s, log_path) =
        session(runtime, &d, &format!("python3 {}", never.display()), 3);
    // The table, then keepalives, from a thread: the write blocks for as long
    // as the daemon does not read (it ends with the daemon's socket).
    let mut w = s.try_clone().unwrap();
    std::thread::spawn(move || {
        if w.write_all(&table).is_err() {
            return;
        }
        while w.write_all(&keepalive()).is_ok() {
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    // Three pauses ended by the grace: 6 s without the process reading, two
    // hold times.
    let turns = "reading from peers for a turn";
    let end = Instant::now() + Duration::from_secs(120);
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.matches(turns).count() >= 3 {
            break log;
        }
        assert!(
            !log.contains("Hold timer expired") && Instant::now() < end,
            "{runtime}: no third turn; daemon log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(log.contains("pausing reads from peers"), "{runtime}: {log}");
    assert!(!log.contains("Hold timer expired"), "{runtime}: {log}");
    assert!(!log.contains("peer 127.0.0.1 down"), "{runtime}: {log}");
    // Still established: the daemon's next KEEPALIVE arrives (a NOTIFICATION
    // would be followed by the close, and this read would fail).
    read_until(&mut s, 4);
    drop(s);
    let _ = std::fs::remove_dir_all(&d);
}
