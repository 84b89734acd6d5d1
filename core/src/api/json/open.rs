//! The `open` message (reference §4.2). Received OPENs key their capabilities by
//! decimal code, sent ones by name; several capabilities with one code (one
//! multiprotocol capability per family) merge into one entry, as ExaBGP's
//! capability dictionary does.

use super::envelope::{begin, end, neighbor_begin, neighbor_content, neighbor_end};
use super::{push_hex, push_ipv4, push_str, push_u64, Envelope, Neighbor, Raw};
use crate::wire::capability::{AddPathMode, Capability};
use crate::wire::family::{Afi, Family};
use crate::wire::open::Open;

/// How capabilities are keyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenStyle {
    /// Received OPEN: `"1": {...}`.
    Received,
    /// Sent OPEN: `"multiprotocol": {...}`.
    Sent,
}

pub fn open(
    env: &Envelope<'_>,
    nb: &Neighbor,
    o: &Open,
    style: OpenStyle,
    raw: Option<Raw<'_>>,
) -> String {
    let mut s = String::with_capacity(512);
    write_open(&mut s, env, nb, o, style, raw);
    s
}

fn afi_name(out: &mut String, a: Afi) {
    match a.name() {
        Some(n) => out.push_str(n),
        None => push_u64(out, a.0 as u64),
    }
}

fn push_family_slash(out: &mut String, f: Family) {
    afi_name(out, f.afi);
    out.push('/');
    match f.safi.name() {
        Some(n) => out.push_str(n),
        None => push_u64(out, f.safi.0 as u64),
    }
}

/// ExaBGP's capability code names (`Capability.CODE.names`), the keys of a
/// sent OPEN's capabilities.
pub(crate) fn cap_name(c: &Capability) -> &'static str {
    match c {
        Capability::Multiprotocol(_) => "multiprotocol",
        Capability::RouteRefresh => "route-refresh",
        Capability::CiscoRouteRefresh => "cisco-route-refresh",
        Capability::ExtendedNextHop(_) => "nexthop",
        Capability::ExtendedMessage => "extended-message",
        Capability::GracefulRestart { .. } => "graceful-restart",
        Capability::FourOctetAs(_) => "asn4",
        Capability::AddPath(_) => "add-path",
        Capability::EnhancedRouteRefresh => "enhanced-route-refresh",
        Capability::Fqdn { .. } => "hostname",
        Capability::SoftwareVersion(_) => "software-version",
        Capability::Unknown { code: 68, .. } => "multi-session",
        // Sic.
        Capability::Unknown { code: 131, .. } => "cisco-multi-sesion",
        Capability::Unknown { code: 185, .. } => "operational",
        Capability::Unknown { .. } => "unknown",
    }
}

/// Write the value of one capability entry; `group` holds every capability
/// sharing its code.
fn write_capability(out: &mut String, group: &[&Capability]) {
    let Some(first) = group.first() else { return };
    match first {
        Capability::Multiprotocol(_) => {
            out.push_str("{ \"name\": \"multiprotocol\", \"families\": [");
            let mut n = 0;
            for c in group {
                if let Capability::Multiprotocol(f) = c {
                    if n > 0 {
                        out.push(',');
                    }
                    n += 1;
                    out.push_str(" \"");
                    push_family_slash(out, *f);
                    out.push('"');
                }
            }
            out.push_str(" ] }");
        }
        Capability::RouteRefresh => {
            out.push_str("{ \"name\": \"route-refresh\", \"variant\": \"RFC\" }")
        }
        Capability::CiscoRouteRefresh => {
            out.push_str("{ \"name\": \"route-refresh\", \"variant\": \"Cisco\" }")
        }
        Capability::ExtendedNextHop(_) => {
            out.push_str("{ \"name\": \"nexthop\", \"conversion\": [");
            // A set: repeated conversions are shown once.
            let mut all: Vec<&(Family, Afi)> = Vec::new();
            for c in group {
                if let Capability::ExtendedNextHop(l) = c {
                    for x in l {
                        if !all.contains(&x) {
                            all.push(x);
                        }
                    }
                }
            }
            for (i, (f, nh)) in all.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(" \"");
                push_family_slash(out, *f);
                out.push('/');
                afi_name(out, *nh);
                out.push('"');
            }
            out.push_str(" ] }");
        }
        Capability::ExtendedMessage => {
            out.push_str("{ \"name\": \"extended-message\", \"size\": 65535 }")
        }
        Capability::GracefulRestart {
            restart_state,
            restart_time,
            families,
            ..
        } => {
            out.push_str("{ \"name\": \"graceful restart\", \"time\": ");
            push_u64(out, *restart_time as u64);
            out.push_str(", \"address-family-flags\": { ");
            for (i, f) in families.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                push_family_slash(out, f.family);
                out.push_str("\": [");
                if f.forwarding {
                    out.push_str(" \"restart\"");
                }
                out.push_str(" ] ");
            }
            out.push_str("}, \"restart-flags\": [");
            out.push_str(if *restart_state {
                " \"forwarding\" "
            } else {
                " "
            });
            out.push_str("]  }");
        }
        Capability::FourOctetAs(a) => {
            out.push_str("{ \"name\": \"asn4\", \"asn4\": ");
            push_u64(out, *a as u64);
            out.push_str(" }");
        }
        Capability::AddPath(_) => {
            out.push_str("{ \"name\": \"addpath\"");
            // A dictionary by family: the last mode wins, at the first place.
            let mut all: Vec<(Family, AddPathMode)> = Vec::new();
            for c in group {
                if let Capability::AddPath(l) = c {
                    for (f, m) in l {
                        match all.iter_mut().find(|(g, _)| g == f) {
                            Some(e) => e.1 = *m,
                            None => all.push((*f, *m)),
                        }
                    }
                }
            }
            for (i, (f, m)) in all.iter().enumerate() {
                out.push_str(if i == 0 { ", " } else { "," });
                out.push('"');
                push_family_slash(out, *f);
                out.push_str("\": \"");
                out.push_str(match m {
                    AddPathMode::Receive => "receive",
                    AddPathMode::Send => "send",
                    AddPathMode::Both => "send/receive",
                });
                out.push('"');
            }
            out.push_str(" }");
        }
        Capability::EnhancedRouteRefresh => {
            out.push_str("{ \"name\": \"enhanced-route-refresh\" }")
        }
        Capability::Fqdn {
            host_name,
            domain_name,
        } => {
            out.push_str("{ \"host-name\": ");
            push_str(out, host_name);
            out.push_str(", \"domain-name\": ");
            push_str(out, domain_name);
            out.push_str(" }");
        }
        Capability::SoftwareVersion(v) => {
            out.push_str("{ \"software\": ");
            push_str(out, v);
            out.push_str(" }");
        }
        // Capabilities ExaBGP knows that the codec keeps as bytes.
        Capability::Unknown {
            code: code @ (68 | 131),
            data,
        } => {
            // Multisession (draft-ietf-idr-bgp-multisession): a flags octet,
            // then capability codes.
            out.push_str("{ \"name\": \"multisession\", \"variant\": \"");
            out.push_str(if *code == 68 { "RFC" } else { "Cisco" });
            out.push_str("\", \"capabilities\": [");
            for (i, c) in data.iter().skip(1).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(" \"");
                match code_name(*c) {
                    Some(n) => out.push_str(n),
                    None => push_u64(out, *c as u64),
                }
                out.push('"');
            }
            out.push_str(" ] }");
        }
        Capability::Unknown { code: 185, .. } => out.push_str("{ \"name\": \"operational\" }"),
        Capability::Unknown { code, data } => {
            // ExaBGP's classification of capability codes it does not know.
            let iana = match code {
                128..=255 => "reserved",
                71..=127 => "unassigned",
                _ => "unknown",
            };
            out.push_str("{ \"name\": \"unknown\", \"iana\": \"");
            out.push_str(iana);
            out.push_str("\", \"value\": ");
            push_u64(out, *code as u64);
            out.push_str(", \"raw\": \"");
            push_hex(out, data);
            out.push_str("\" }");
        }
    }
}

/// ExaBGP's names of capability codes (as listed inside multisession).
fn code_name(c: u8) -> Option<&'static str> {
    Some(match c {
        1 => "multiprotocol",
        2 => "route-refresh",
        5 => "nexthop",
        6 => "extended-message",
        64 => "graceful-restart",
        65 => "asn4",
        69 => "addpath",
        70 => "enhanced-route-refresh",
        _ => return None,
    })
}

/// Capabilities grouped as ExaBGP's capability dictionary holds them: by code
/// (received) or name (sent), in first-seen order; multiprotocol, nexthop and
/// add-path accumulate, the others keep the last one.
pub(crate) fn group_capabilities(
    caps: &[Capability],
    style: OpenStyle,
) -> Vec<(u8, &'static str, Vec<&Capability>)> {
    // Group by key in first-seen order.
    let mut keys: Vec<(u8, &'static str, Vec<&Capability>)> = Vec::new();
    for c in caps {
        let (code, name) = (c.code(), cap_name(c));
        let same = |k: &&mut (u8, &'static str, Vec<&Capability>)| match style {
            OpenStyle::Received => k.0 == code,
            OpenStyle::Sent => k.1 == name,
        };
        match keys.iter_mut().find(|k| same(k)) {
            Some(k) => {
                if matches!(
                    c,
                    Capability::Multiprotocol(_)
                        | Capability::ExtendedNextHop(_)
                        | Capability::AddPath(_)
                ) {
                    k.2.push(c);
                } else {
                    // Later ones replace earlier ones (dictionary semantics).
                    k.2 = vec![c];
                }
            }
            None => keys.push((code, name, vec![c])),
        }
    }
    keys
}

pub fn write_open(
    out: &mut String,
    env: &Envelope<'_>,
    nb: &Neighbor,
    o: &Open,
    style: OpenStyle,
    raw: Option<Raw<'_>>,
) {
    begin(out, env, "open", true, raw);
    neighbor_begin(out, nb, true);
    neighbor_content(out);
    out.push_str("\"open\": { \"version\": ");
    push_u64(out, o.version as u64);
    out.push_str(", \"asn\": ");
    push_u64(out, o.my_as as u64);
    out.push_str(", \"hold_time\": ");
    push_u64(out, o.hold_time as u64);
    out.push_str(", \"router_id\": \"");
    push_ipv4(out, o.bgp_id);
    out.push_str("\", \"capabilities\": { ");
    let keys = group_capabilities(&o.capabilities, style);
    for (i, (code, name, group)) in keys.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        match style {
            OpenStyle::Received => push_u64(out, *code as u64),
            OpenStyle::Sent => out.push_str(name),
        }
        out.push_str("\": ");
        write_capability(out, group);
    }
    // ExaBGP's own OPEN always carries a hostname capability object, even when
    // none is sent on the wire (reference §4.2).
    if style == OpenStyle::Sent && !keys.iter().any(|k| k.1 == "hostname") {
        if !keys.is_empty() {
            out.push_str(", ");
        }
        out.push_str("\"hostname\": { \"host-name\": null, \"domain-name\": null }");
    }
    out.push_str(" } }");
    neighbor_end(out);
    end(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn received_open_matches_exabgp_decode() {
        let env = Envelope {
            time: 1795238273.969177,
            host: "vm",
            pid: 17222,
            ppid: 17177,
            counter: 1,
        };
        let nb = Neighbor {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.1".parse().unwrap(),
            local_as: 65533,
            peer_as: Some(65533),
            router_id: Some(Ipv4Addr::new(10, 0, 0, 2)),
            direction: super::super::Direction::In,
        };
        let o = Open {
            version: 4,
            my_as: 65000,
            hold_time: 180,
            bgp_id: Ipv4Addr::new(10, 0, 0, 1),
            capabilities: vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::RouteRefresh,
                Capability::FourOctetAs(65537),
            ],
        };
        // Captured from `exabgp decode --open` (5.0.15).
        assert_eq!(
            open(&env, &nb, &o, OpenStyle::Received, None),
            r#"{ "exabgp": "5.0.0", "time": 1795238273.969177, "host" : "vm", "pid" : 17222, "ppid" : 17177, "counter": 1, "type": "open", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, "asn": { "local": 65533, "peer": 65533 }, "router-id": "10.0.0.2" , "direction": "in", "open": { "version": 4, "asn": 65000, "hold_time": 180, "router_id": "10.0.0.1", "capabilities": { "1": { "name": "multiprotocol", "families": [ "ipv4/unicast" ] }, "2": { "name": "route-refresh", "variant": "RFC" }, "65": { "name": "asn4", "asn4": 65537 } } } } }"#
        );
    }

    #[test]
    fn unknown_capabilities_iana_classes() {
        let mut s = String::new();
        for (code, iana) in [
            (0u8, "unknown"),
            (66, "unknown"),
            (71, "unassigned"),
            (127, "unassigned"),
            (129, "reserved"),
            (255, "reserved"),
        ] {
            s.clear();
            write_capability(
                &mut s,
                &[&Capability::Unknown {
                    code,
                    data: bytes::Bytes::from_static(&[0xAA]),
                }],
            );
            assert_eq!(
                s,
                format!(
                    r#"{{ "name": "unknown", "iana": "{iana}", "value": {code}, "raw": "AA" }}"#
                )
            );
        }
        s.clear();
        write_capability(
            &mut s,
            &[&Capability::Unknown {
                code: 68,
                data: bytes::Bytes::from_static(&[1, 2]),
            }],
        );
        assert_eq!(
            s,
            r#"{ "name": "multisession", "variant": "RFC", "capabilities": [ "route-refresh" ] }"#
        );
    }

    #[test]
    fn multiprotocol_merges_and_sent_style_uses_names() {
        let env = Envelope {
            time: 1.0,
            host: "h",
            pid: 1,
            ppid: 1,
            counter: 1,
        };
        let nb = Neighbor {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.1".parse().unwrap(),
            local_as: 1,
            peer_as: Some(2),
            router_id: None,
            direction: super::super::Direction::Send,
        };
        let o = Open {
            version: 4,
            my_as: 1,
            hold_time: 180,
            bgp_id: Ipv4Addr::new(1, 1, 1, 1),
            capabilities: vec![
                Capability::Multiprotocol(Family::IPV4_UNICAST),
                Capability::Multiprotocol(Family::IPV4_FLOW),
                Capability::ExtendedMessage,
            ],
        };
        let s = open(&env, &nb, &o, OpenStyle::Sent, None);
        assert!(s.contains(r#""capabilities": { "multiprotocol": { "name": "multiprotocol", "families": [ "ipv4/unicast", "ipv4/flow" ] }, "extended-message": { "name": "extended-message", "size": 65535 }, "hostname": { "host-name": null, "domain-name": null } } } } }"#), "{s}");
        assert!(
            s.contains(r#""asn": { "local": 1, "peer": 2 } , "direction": "send""#),
            "{s}"
        );
    }
}
