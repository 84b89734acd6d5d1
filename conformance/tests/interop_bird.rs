//! Interop: oxbgp announces static IPv4 and IPv6 routes to a real BIRD 2
//! (`bird2`, Debian package) over loopback; every route and attribute must show in
//! `birdc show route all`, and stopping oxbgp must end the session with a Cease.

mod support;

use std::process::Command;
use std::time::Duration;
use support::*;

fn birdc(ctl: &std::path::Path, args: &[&str]) -> Option<String> {
    output(Command::new("birdc").arg("-s").arg(ctl).args(args))
}

/// The `show route all` block of one prefix.
fn block<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let start = text.find(&format!("{prefix} "))?;
    let rest = &text[start..];
    // A block ends at the next line that starts a new route or table.
    let end = rest[1..]
        .find("\nTable")
        .or_else(|| {
            rest[1..]
                .match_indices('\n')
                .find(|(i, _)| {
                    let line = &rest[1 + i + 1..];
                    !line.is_empty() && !line.starts_with(['\t', ' '])
                })
                .map(|(i, _)| i)
        })
        .map(|i| i + 1)
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn bird_receives_every_route_and_attribute_then_a_cease() {
    if !require_tool("bird") || !require_tool("birdc") {
        return;
    }
    let dir = scratch("bird");
    let port = free_port("127.0.0.3");
    let ctl = dir.join("bird.ctl");
    let bconf = dir.join("bird.conf");
    std::fs::write(
        &bconf,
        format!(
            "router id 10.0.0.3;
protocol device {{}}
protocol bgp oxbgp {{
  local 127.0.0.3 port {port} as 65000;
  neighbor 127.0.0.1 as 65000;
  passive on;
  ipv4 {{ import all; export none; }};
  ipv6 {{ import all; export none; }};
}}
"
        ),
    )
    .unwrap();
    let mut cmd = Command::new("bird");
    cmd.arg("-c")
        .arg(&bconf)
        .arg("-s")
        .arg(&ctl)
        .arg("-P")
        .arg(dir.join("bird.pid"))
        .arg("-f");
    let bird = Daemon::spawn("bird", cmd, dir.join("bird.log"));
    eventually(Duration::from_secs(15), || birdc(&ctl, &["show", "status"]))
        .unwrap_or_else(|| panic!("bird did not come up:\n{}", bird.log_text()));

    let conf = dir.join("oxbgp.conf");
    std::fs::write(&conf, oxbgp_config("127.0.0.3")).unwrap();
    let mut ox = start_oxbgp(&dir, &conf, port);

    let routes = eventually(Duration::from_secs(30), || {
        let t = birdc(&ctl, &["show", "route", "all"])?;
        (t.contains("10.1.0.0/24") && t.contains("10.2.0.0/16") && t.contains("2001:db8:1::/48"))
            .then_some(t)
    })
    .unwrap_or_else(|| {
        panic!(
            "routes never reached BIRD\n--- oxbgp log ---\n{}\n--- bird ---\n{:?}",
            ox.log_text(),
            birdc(&ctl, &["show", "protocols", "all", "oxbgp"])
        )
    });
    let b = block(&routes, "10.1.0.0/24").unwrap();
    for want in [
        "BGP.origin: IGP",
        "BGP.as_path: 65100 65200",
        "BGP.next_hop: 192.0.2.1",
        "BGP.med: 50",
        "BGP.local_pref: 200",
        "BGP.community: (65000,1) (65535,65281)",
        "BGP.ext_community: (rt, 65000, 100)",
        "BGP.large_community: (65000, 1, 2)",
    ] {
        assert!(b.contains(want), "missing {want:?} in\n{b}");
    }
    let b = block(&routes, "10.2.0.0/16").unwrap();
    for want in ["BGP.origin: EGP", "BGP.med: 7", "BGP.local_pref: 100"] {
        assert!(b.contains(want), "missing {want:?} in\n{b}");
    }
    let b = block(&routes, "2001:db8:1::/48").unwrap();
    for want in [
        "BGP.as_path: 65100",
        "BGP.next_hop: 2001:db8::1",
        "BGP.med: 10",
        "BGP.local_pref: 300",
        "BGP.community: (65000,6)",
        "BGP.ext_community: (rt, 65000, 200)",
        "BGP.large_community: (4200000000, 7, 8)",
    ] {
        assert!(b.contains(want), "missing {want:?} in\n{b}");
    }

    ox.signal(libc::SIGTERM);
    assert_eq!(
        ox.wait_exit(Duration::from_secs(10)),
        Some(0),
        "oxbgp exit\n{}",
        ox.log_text()
    );
    let p = eventually(Duration::from_secs(10), || {
        let t = birdc(&ctl, &["show", "protocols", "all", "oxbgp"])?;
        // BIRD names the Cease it received in "Last error".
        (t.contains("Received:") && !t.contains("Established")).then_some(t)
    });
    assert!(
        p.is_some(),
        "BIRD did not report a received NOTIFICATION:\n{:?}",
        birdc(&ctl, &["show", "protocols", "all", "oxbgp"])
    );
    let p = p.unwrap();
    assert!(
        p.to_lowercase().contains("shutdown"),
        "Cease/Administrative shutdown expected:\n{p}"
    );
    drop(bird);
    let _ = std::fs::remove_dir_all(&dir);
}
