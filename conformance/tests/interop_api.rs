//! Interop for API processes (issue #4) against a real GoBGP:
//! * a helper that writes 200,000 `announce route` lines and never reads its
//!   stdin (ExaBGP wedges after ~13.1k acks: #932, #1034): every route reaches
//!   GoBGP and the daemon keeps serving the same helper afterwards;
//! * a Python health-check helper in the shape of ExaBGP's docs: announce when
//!   healthy, withdraw on SIGTERM; killed → respawned; withdrawn → gone;
//! * a JSON monitor process receiving the routes GoBGP originates, every line
//!   valid JSON.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::*;

fn gobgp_raw(api: u16, args: &[&str]) -> Option<String> {
    output(
        Command::new("gobgp")
            .args(["-u", "127.0.0.1", "-p", &api.to_string()])
            .args(args),
    )
}

fn gobgp_json(api: u16, args: &[&str]) -> Option<Value> {
    let mut a = args.to_vec();
    a.push("-j");
    serde_json::from_str(&gobgp_raw(api, &a)?).ok()
}

/// `Destination: N` of `gobgp global rib summary -a ipv4`.
fn ipv4_destinations(api: u16) -> Option<u64> {
    let text = gobgp_raw(api, &["global", "rib", "summary", "-a", "ipv4"])?;
    let at = text.find("Destination:")?;
    text[at + 12..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// gobgpd for oxbgp at 127.0.0.1, IPv4 unicast: (daemon, BGP port, API port).
fn start_gobgpd(dir: &Path) -> (Gobgp, u16, u16) {
    let g = Gobgp::start(dir, &["ipv4-unicast"]);
    let (port, api) = (g.port, g.api);
    (g, port, api)
}

fn write_script(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn neighbor_with_api(processes: &str, extra_api: &str) -> String {
    format!(
        "neighbor 127.0.0.2 {{
    router-id 10.0.0.1;
    local-address 127.0.0.1;
    local-as 65000;
    peer-as 65000;
    hold-time 30;
    family {{ ipv4 unicast; }}
    api {{
        processes [ {processes} ];
        {extra_api}
    }}
}}
"
    )
}

fn ready(tools: &[&str]) -> bool {
    tools.iter().all(|t| require_tool(t))
}

#[test]
fn a_helper_that_never_reads_gets_all_200k_routes_through() {
    if !ready(&["gobgpd", "gobgp", "python3"]) {
        return;
    }
    let dir = scratch("api-200k");
    let (gobgpd, port, api) = start_gobgpd(&dir);
    let helper = dir.join("flood.py");
    write_script(
        &helper,
        r#"#!/usr/bin/env python3
# Writes 200,000 announcements and NEVER reads its stdin (the acks pile up),
# then, later, one marker route: the daemon must still be listening to it.
import sys, time
out = sys.stdout
for i in range(200000):
    out.write("announce route 10.%d.%d.%d/32 next-hop 192.0.2.1\n" % (i >> 16, (i >> 8) & 255, i & 255))
out.flush()
time.sleep(2)
out.write("announce route 172.16.0.0/24 next-hop 192.0.2.1 med 7\n")
out.flush()
while True:
    time.sleep(60)
"#,
    );
    let conf = dir.join("oxbgp.conf");
    std::fs::write(
        &conf,
        format!(
            "process flood {{\n    run {};\n    encoder text;\n}}\n{}",
            helper.display(),
            neighbor_with_api("flood", "")
        ),
    )
    .unwrap();
    let mut ox = start_oxbgp(&dir, &conf, port);
    let n = eventually(Duration::from_secs(120), || {
        ipv4_destinations(api).filter(|n| *n >= 200_001)
    });
    assert_eq!(
        n,
        Some(200_001),
        "GoBGP should hold the 200,000 routes and the marker; it has {:?}\n--- oxbgp log tail ---\n{}",
        ipv4_destinations(api),
        tail(&ox.log_text(), 30)
    );
    eprintln!("GoBGP holds {n:?} IPv4 destinations from the helper");
    let rib = gobgp_json(api, &["global", "rib", "-a", "ipv4", "172.16.0.0/24"]).unwrap();
    assert!(rib.get("172.16.0.0/24").is_some(), "marker route: {rib}");
    // Still responsive to signals: an orderly stop.
    ox.signal(libc::SIGTERM);
    assert_eq!(ox.wait_exit(Duration::from_secs(15)), Some(0));
    drop(gobgpd);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[test]
fn a_python_health_check_announces_respawns_and_withdraws() {
    if !ready(&["gobgpd", "gobgp", "python3"]) {
        return;
    }
    let dir = scratch("api-health");
    let (gobgpd, port, api) = start_gobgpd(&dir);
    let helper = dir.join("health.py");
    let pidfile = dir.join("health.pid");
    let down = dir.join("down");
    write_script(
        &helper,
        &format!(
            r#"#!/usr/bin/env python3
# The shape of ExaBGP's health-check examples: announce while healthy, withdraw
# when told to stop (SIGTERM), and stay quiet while the service is down.
import os, signal, sys, time
open({pidfile:?}, "w").write(str(os.getpid()))
ROUTE = "route 10.9.0.0/24 next-hop 192.0.2.1 med 100"
def stop(*_):
    sys.stdout.write("withdraw " + ROUTE + "\n")
    sys.stdout.flush()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
if not os.path.exists({down:?}):
    sys.stdout.write("announce " + ROUTE + "\n")
    sys.stdout.flush()
while True:
    time.sleep(1)
"#,
            pidfile = pidfile.display().to_string(),
            down = down.display().to_string()
        ),
    );
    let conf = dir.join("oxbgp.conf");
    std::fs::write(
        &conf,
        format!(
            "process health {{\n    run {};\n    encoder text;\n}}\n{}",
            helper.display(),
            neighbor_with_api("health", "")
        ),
    )
    .unwrap();
    let mut ox = start_oxbgp(&dir, &conf, port);
    let route_present = |api: u16| {
        gobgp_json(api, &["global", "rib", "-a", "ipv4"])
            .map(|r| r.get("10.9.0.0/24").is_some())
            .unwrap_or(false)
    };
    assert!(
        eventually(Duration::from_secs(30), || route_present(api).then_some(())).is_some(),
        "announce: route never reached GoBGP\n{}",
        ox.log_text()
    );
    let read_pid =
        || -> Option<i32> { std::fs::read_to_string(&pidfile).ok()?.trim().parse().ok() };
    let first = eventually(Duration::from_secs(5), read_pid).expect("helper pid");

    // Killed hard (no chance to withdraw): respawned, and the route stays.
    // SAFETY: kill(2) on the helper's pid, which it wrote itself.
    unsafe {
        libc::kill(first, libc::SIGKILL);
    }
    let second = eventually(Duration::from_secs(15), || {
        read_pid().filter(|p| *p != first)
    })
    .unwrap_or_else(|| panic!("helper was not respawned\n{}", ox.log_text()));
    eprintln!("helper pid {first} killed, respawned as {second}");
    assert!(route_present(api), "routes of a dead helper stay announced");

    // The service goes down: SIGTERM makes the helper withdraw, and its next
    // incarnation stays quiet.
    std::fs::write(&down, "").unwrap();
    // SAFETY: as above.
    unsafe {
        libc::kill(second, libc::SIGTERM);
    }
    assert!(
        eventually(Duration::from_secs(15), || (!route_present(api))
            .then_some(()))
        .is_some(),
        "withdraw: route still in GoBGP\n{}",
        ox.log_text()
    );
    ox.signal(libc::SIGTERM);
    assert_eq!(ox.wait_exit(Duration::from_secs(15)), Some(0));
    drop(gobgpd);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_json_monitor_receives_what_gobgp_originates() {
    if !ready(&["gobgpd", "gobgp", "python3"]) {
        return;
    }
    let dir = scratch("api-monitor");
    let (gobgpd, port, api) = start_gobgpd(&dir);
    let helper = dir.join("monitor.py");
    let sink = dir.join("monitor.jsonl");
    write_script(
        &helper,
        &format!(
            "#!/usr/bin/env python3\nimport sys\nout = open({:?}, 'a')\nfor line in sys.stdin:\n    out.write(line)\n    out.flush()\n",
            sink.display().to_string()
        ),
    );
    let conf = dir.join("oxbgp.conf");
    std::fs::write(
        &conf,
        format!(
            "process monitor {{\n    run {};\n    encoder json;\n}}\n{}",
            helper.display(),
            neighbor_with_api(
                "monitor",
                "neighbor-changes;\n        receive { parsed; update; }"
            )
        ),
    )
    .unwrap();
    let mut ox = start_oxbgp(&dir, &conf, port);
    // Wait for the session, then let GoBGP originate routes.
    eventually(Duration::from_secs(30), || {
        let n = gobgp_json(api, &["neighbor"])?;
        (n[0]["state"]["session_state"] == 6).then_some(())
    })
    .unwrap_or_else(|| panic!("no session\n{}", ox.log_text()));
    for (p, extra) in [
        ("10.77.0.0/24", vec!["med", "50"]),
        ("10.78.0.0/24", vec!["community", "65000:78"]),
    ] {
        let mut args = vec!["global", "rib", "add", p, "-a", "ipv4"];
        args.extend(extra);
        assert!(gobgp_raw(api, &args).is_some(), "gobgp global rib add {p}");
    }
    let lines = eventually(Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&sink).ok()?;
        (text.contains("10.77.0.0/24") && text.contains("10.78.0.0/24")).then_some(text)
    })
    .unwrap_or_else(|| {
        panic!(
            "monitor did not see GoBGP's routes:\n{}\n--- oxbgp ---\n{}",
            std::fs::read_to_string(&sink).unwrap_or_default(),
            ox.log_text()
        )
    });
    let mut announced = Vec::new();
    let mut states = Vec::new();
    for line in lines.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["exabgp"], "5.0.0", "{line}");
        match v["type"].as_str() {
            Some("state") => states.push(v["neighbor"]["state"].as_str().unwrap_or("").to_string()),
            Some("update") => {
                let u = &v["neighbor"]["message"]["update"];
                if let Some(by_nh) = u["announce"]["ipv4 unicast"].as_object() {
                    for (nh, nlris) in by_nh {
                        for n in nlris.as_array().unwrap() {
                            announced.push((
                                n["nlri"].as_str().unwrap().to_string(),
                                nh.clone(),
                                u["attribute"].clone(),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    eprintln!("monitor saw states {states:?} and announcements {announced:?}");
    assert!(
        states.iter().any(|s| s == "up"),
        "state up event: {states:?}"
    );
    let r77 = announced
        .iter()
        .find(|r| r.0 == "10.77.0.0/24")
        .expect("10.77.0.0/24");
    assert_eq!(r77.1, "127.0.0.2", "GoBGP's next hop self");
    assert_eq!(r77.2["med"], 50);
    let r78 = announced
        .iter()
        .find(|r| r.0 == "10.78.0.0/24")
        .expect("10.78.0.0/24");
    assert_eq!(r78.2["community"], serde_json::json!([[65000, 78]]));
    ox.signal(libc::SIGTERM);
    assert_eq!(ox.wait_exit(Duration::from_secs(15)), Some(0));
    drop(gobgpd);
    let _ = std::fs::remove_dir_all(&dir);
}
