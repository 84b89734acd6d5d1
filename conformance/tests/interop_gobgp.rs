//! Interop: oxbgp announces static IPv4 and IPv6 routes to a real GoBGP
//! (`gobgpd`, Debian package) over loopback; every route and attribute must be in
//! GoBGP's RIB (read through the `gobgp` CLI's JSON), and stopping oxbgp must
//! take the session down with a Cease NOTIFICATION.

mod support;

use serde_json::Value;
use std::time::Duration;
use support::*;

fn attr(route: &Value, code: u64) -> Value {
    route["attrs"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["type"] == code))
        .cloned()
        .unwrap_or_else(|| panic!("attribute {code} missing in {route}"))
}

#[test]
fn gobgp_receives_every_route_and_attribute_then_a_cease() {
    if !require_tool("gobgpd") || !require_tool("gobgp") {
        return;
    }
    let dir = scratch("gobgp");
    let g = Gobgp::start(&dir, &["ipv4-unicast", "ipv6-unicast"]);
    let port = g.port;
    let gobgpd = &g.daemon;

    let conf = dir.join("oxbgp.conf");
    std::fs::write(&conf, oxbgp_config("127.0.0.2")).unwrap();
    let mut ox = start_oxbgp(&dir, &conf, port);

    // IPv4: both routes present with every attribute.
    let v4 = eventually(Duration::from_secs(30), || {
        let rib = g.json(&["global", "rib", "-a", "ipv4"])?;
        (rib.get("10.1.0.0/24").is_some() && rib.get("10.2.0.0/16").is_some()).then_some(rib)
    })
    .unwrap_or_else(|| {
        panic!(
            "routes never reached GoBGP\n--- oxbgp log ---\n{}\n--- gobgpd log ---\n{}",
            ox.log_text(),
            gobgpd.log_text()
        )
    });
    let r = &v4["10.1.0.0/24"][0];
    assert_eq!(attr(r, 1)["value"], 0, "origin igp");
    assert_eq!(attr(r, 2)["as_paths"][0]["segment_type"], 2);
    assert_eq!(
        attr(r, 2)["as_paths"][0]["asns"],
        serde_json::json!([65100, 65200])
    );
    assert_eq!(attr(r, 3)["nexthop"], "192.0.2.1");
    assert_eq!(attr(r, 4)["metric"], 50);
    assert_eq!(attr(r, 5)["value"], 200);
    assert_eq!(
        attr(r, 8)["communities"],
        serde_json::json!([65000u64 * 65536 + 1, 0xFFFF_FF01u64]),
        "65000:1 and no-export"
    );
    assert_eq!(attr(r, 16)["value"][0]["value"], "65000:100");
    assert_eq!(attr(r, 16)["value"][0]["subtype"], 2, "route target");
    assert_eq!(attr(r, 32)["value"][0]["ASN"], 65000);
    assert_eq!(attr(r, 32)["value"][0]["LocalData1"], 1);
    assert_eq!(attr(r, 32)["value"][0]["LocalData2"], 2);
    let r2 = &v4["10.2.0.0/16"][0];
    assert_eq!(attr(r2, 1)["value"], 1, "origin egp");
    assert_eq!(attr(r2, 4)["metric"], 7);
    assert_eq!(attr(r2, 5)["value"], 100, "iBGP default local-preference");

    // IPv6 over the IPv4 session (MP_REACH_NLRI).
    let v6 = eventually(Duration::from_secs(10), || {
        let rib = g.json(&["global", "rib", "-a", "ipv6"])?;
        rib.get("2001:db8:1::/48").is_some().then_some(rib)
    })
    .expect("IPv6 route in GoBGP");
    let r6 = &v6["2001:db8:1::/48"][0];
    assert_eq!(attr(r6, 14)["nexthop"], "2001:db8::1");
    assert_eq!(
        attr(r6, 2)["as_paths"][0]["asns"],
        serde_json::json!([65100])
    );
    assert_eq!(attr(r6, 4)["metric"], 10);
    assert_eq!(attr(r6, 5)["value"], 300);
    assert_eq!(
        attr(r6, 8)["communities"],
        serde_json::json!([65000u64 * 65536 + 6])
    );
    assert_eq!(attr(r6, 16)["value"][0]["value"], "65000:200");
    assert_eq!(attr(r6, 32)["value"][0]["ASN"], 4_200_000_000u64);

    // Orderly stop: SIGTERM → Cease to GoBGP, exit 0.
    ox.signal(libc::SIGTERM);
    let code = ox.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0), "oxbgp exit status\n{}", ox.log_text());
    let n = eventually(Duration::from_secs(10), || {
        let n = g.json(&["neighbor"])?;
        let st = &n[0]["state"];
        (st["session_state"] != 6 && st["messages"]["received"]["notification"] == 1).then_some(n)
    });
    assert!(
        n.is_some(),
        "GoBGP did not see a NOTIFICATION and a session down: {:?}",
        g.json(&["neighbor"])
    );
    // The withdrawal is implicit: GoBGP drops the routes of a peer that went down.
    let rib = g.json(&["global", "rib", "-a", "ipv4"]).unwrap_or_default();
    assert!(
        rib.get("10.1.0.0/24").is_none(),
        "routes gone after the session ended: {rib}"
    );
    drop(g);
    let _ = std::fs::remove_dir_all(&dir);
}
