//! Session-level messages: `state` (connected/up/down), `fsm`, `notification`,
//! `keepalive`, `refresh` and the shutdown line (reference §4.2).

use super::envelope::{
    begin, end, neighbor_begin, neighbor_content, neighbor_end, neighbor_end_empty,
};
use super::{push_hex_0x, push_str, push_u64, Envelope, Neighbor, Raw};
use crate::wire::notification::Notification;
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};

/// A `state` (or `fsm`) event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State<'a> {
    Connected,
    Up,
    /// With the reason, e.g. `notification received (6,2)`.
    Down(&'a str),
    /// An FSM transition (`"type": "fsm"`), e.g. `OPENCONFIRM`.
    Fsm(&'a str),
}

pub fn state(env: &Envelope<'_>, nb: &Neighbor, st: State<'_>) -> String {
    let mut s = String::with_capacity(256);
    write_state(&mut s, env, nb, st);
    s
}

pub fn write_state(out: &mut String, env: &Envelope<'_>, nb: &Neighbor, st: State<'_>) {
    let kind = if matches!(st, State::Fsm(_)) {
        "fsm"
    } else {
        "state"
    };
    begin(out, env, kind, true, None);
    neighbor_begin(out, nb, false);
    neighbor_content(out);
    out.push_str("\"state\": ");
    match st {
        State::Connected => out.push_str("\"connected\""),
        State::Up => out.push_str("\"up\""),
        State::Down(reason) => {
            out.push_str("\"down\", \"reason\": ");
            push_str(out, reason);
        }
        State::Fsm(name) => push_str(out, name),
    }
    neighbor_end(out);
    end(out);
}

/// The data ExaBGP shows for a received NOTIFICATION: for Cease 2 and 4 the
/// RFC 8203/9003 shutdown communication is replaced by a sentence about it
/// (and both `data` and `message` show that sentence).
pub fn notification_data(n: &Notification) -> Vec<u8> {
    let d = &n.data[..];
    if n.code != 6 || !(n.subcode == 2 || n.subcode == 4) || d.is_empty() {
        return d.to_vec();
    }
    let len = d[0] as usize;
    let rest = &d[1..];
    let mut hex = String::new();
    push_hex_0x(&mut hex, rest);
    if len == 0 {
        return b"empty Shutdown Communication.".to_vec();
    }
    if rest.len() < len {
        return format!("invalid Shutdown Communication (buffer underrun) length : {len} [{hex}]")
            .into_bytes();
    }
    if len > 128 {
        return format!("invalid Shutdown Communication (too large) length : {len} [{hex}]")
            .into_bytes();
    }
    let text = match std::str::from_utf8(&rest[..len]) {
        Ok(t) => t.replace(['\r', '\n'], " "),
        Err(_) => {
            return format!("invalid Shutdown Communication (invalid UTF-8) length : {len} [{hex}]")
                .into_bytes()
        }
    };
    let mut s = format!("Shutdown Communication: \"{text}\"");
    if rest.len() > len {
        s.push_str(", trailing data: ");
        push_hex_0x(&mut s, &rest[len..]);
    }
    s.into_bytes()
}

/// A NOTIFICATION. `data` is what to show: [`notification_data`] for received
/// ones, the raw data for sent ones.
pub fn notification(
    env: &Envelope<'_>,
    nb: &Neighbor,
    n: &Notification,
    data: &[u8],
    raw: Option<Raw<'_>>,
) -> String {
    let mut s = String::with_capacity(256);
    write_notification(&mut s, env, nb, n, data, raw);
    s
}

pub fn write_notification(
    out: &mut String,
    env: &Envelope<'_>,
    nb: &Neighbor,
    n: &Notification,
    data: &[u8],
    raw: Option<Raw<'_>>,
) {
    begin(out, env, "notification", true, raw);
    neighbor_begin(out, nb, true);
    neighbor_content(out);
    out.push_str("\"notification\": { \"code\": ");
    push_u64(out, n.code as u64);
    out.push_str(", \"subcode\": ");
    push_u64(out, n.subcode as u64);
    out.push_str(", \"data\": \"");
    push_hex_0x(out, data);
    out.push_str("\", \"message\": ");
    push_str(out, &String::from_utf8_lossy(data));
    // Sic: ExaBGP leaves a space after the object.
    out.push_str(" } ");
    neighbor_end(out);
    end(out);
}

pub fn keepalive(env: &Envelope<'_>, nb: &Neighbor, raw: Option<Raw<'_>>) -> String {
    let mut s = String::with_capacity(256);
    write_keepalive(&mut s, env, nb, raw);
    s
}

pub fn write_keepalive(out: &mut String, env: &Envelope<'_>, nb: &Neighbor, raw: Option<Raw<'_>>) {
    begin(out, env, "keepalive", true, raw);
    neighbor_begin(out, nb, true);
    neighbor_end_empty(out);
    end(out);
}

pub fn refresh(
    env: &Envelope<'_>,
    nb: &Neighbor,
    r: &RouteRefresh,
    raw: Option<Raw<'_>>,
) -> String {
    let mut s = String::with_capacity(256);
    write_refresh(&mut s, env, nb, r, raw);
    s
}

pub fn write_refresh(
    out: &mut String,
    env: &Envelope<'_>,
    nb: &Neighbor,
    r: &RouteRefresh,
    raw: Option<Raw<'_>>,
) {
    begin(out, env, "refresh", true, raw);
    neighbor_begin(out, nb, true);
    neighbor_content(out);
    out.push_str("\"route-refresh\": { \"afi\": \"");
    let f = r.family;
    match f.afi.name() {
        Some(a) => out.push_str(a),
        None => push_u64(out, f.afi.0 as u64),
    }
    out.push_str("\", \"safi\": \"");
    match f.safi.name() {
        Some(s) => out.push_str(s),
        None => push_u64(out, f.safi.0 as u64),
    }
    out.push_str("\", \"subtype\": \"");
    match r.subtype {
        RefreshSubtype::Request => out.push_str("query"),
        RefreshSubtype::Begin => out.push_str("begin"),
        RefreshSubtype::End => out.push_str("end"),
        RefreshSubtype::Other(v) => push_u64(out, v as u64),
    }
    out.push_str("\" }");
    neighbor_end(out);
    end(out);
}

/// The line written to every JSON process when ExaBGP stops (no counter, no neighbor).
pub fn shutdown(env: &Envelope<'_>) -> String {
    let mut s = String::with_capacity(160);
    begin(&mut s, env, "notification", false, None);
    s.push_str("\"notification\": \"shutdown\"");
    end(&mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::family::Family;
    use bytes::Bytes;
    use std::net::Ipv4Addr;

    fn env() -> Envelope<'static> {
        Envelope {
            time: 1700000000.25,
            host: "vm",
            pid: 19033,
            ppid: 19031,
            counter: 3,
        }
    }

    fn nb() -> Neighbor {
        Neighbor {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.1".parse().unwrap(),
            local_as: 65001,
            peer_as: Some(65000),
            router_id: Some(Ipv4Addr::new(10, 0, 0, 1)),
            direction: super::super::Direction::Receive,
        }
    }

    const HEAD: &str = r#"{ "exabgp": "5.0.0", "time": 1700000000.25, "host" : "vm", "pid" : 19033, "ppid" : 19031, "counter": 3, "#;
    const NB: &str = r#""neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, "asn": { "local": 65001, "peer": 65000 }, "router-id": "10.0.0.1" "#;

    #[test]
    fn states() {
        assert_eq!(
            state(&env(), &nb(), State::Up),
            format!(r#"{HEAD}"type": "state", {NB}, "state": "up" }} }}"#)
        );
        assert_eq!(
            state(&env(), &nb(), State::Down("notification received (6,2)")),
            format!(
                r#"{HEAD}"type": "state", {NB}, "state": "down", "reason": "notification received (6,2)" }} }}"#
            )
        );
        assert_eq!(
            state(&env(), &nb(), State::Fsm("OPENCONFIRM")),
            format!(r#"{HEAD}"type": "fsm", {NB}, "state": "OPENCONFIRM" }} }}"#)
        );
    }

    #[test]
    fn keepalive_has_double_space() {
        assert_eq!(
            keepalive(&env(), &nb(), None),
            format!(r#"{HEAD}"type": "keepalive", {NB}, "direction": "receive"  }} }}"#)
        );
    }

    #[test]
    fn shutdown_communication() {
        let mut d = vec![23u8];
        d.extend_from_slice(b"Administrative Shutdown");
        let n = Notification {
            code: 6,
            subcode: 2,
            data: Bytes::from(d),
        };
        let data = notification_data(&n);
        assert_eq!(
            data,
            br#"Shutdown Communication: "Administrative Shutdown""#.to_vec()
        );
        let s = notification(&env(), &nb(), &n, &data, None);
        assert!(
            s.ends_with(
                r#""message": "Shutdown Communication: \"Administrative Shutdown\"" }  } }"#
            ),
            "{s}"
        );
        assert!(
            s.contains(r#""notification": { "code": 6, "subcode": 2, "data": "0x5368757464"#),
            "{s}"
        );
    }

    #[test]
    fn refresh_and_shutdown() {
        let r = RouteRefresh {
            family: Family::IPV4_UNICAST,
            subtype: RefreshSubtype::Request,
        };
        assert_eq!(
            refresh(&env(), &nb(), &r, None),
            format!(
                r#"{HEAD}"type": "refresh", {NB}, "direction": "receive", "route-refresh": {{ "afi": "ipv4", "safi": "unicast", "subtype": "query" }} }} }}"#
            )
        );
        assert_eq!(
            shutdown(&env()),
            r#"{ "exabgp": "5.0.0", "time": 1700000000.25, "host" : "vm", "pid" : 19033, "ppid" : 19031, "type": "notification", "notification": "shutdown" }"#
        );
    }
}

/// What a `negotiated` message shows of the negotiated session (reference §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NegotiatedView<'a> {
    pub message_size: usize,
    pub hold_time: u16,
    pub asn4: bool,
    pub multisession: bool,
    pub operational: bool,
    /// `absent`, `normal` or `enhanced`.
    pub refresh: &'a str,
    pub families: &'a [crate::wire::family::Family],
    /// RFC 8950 extended next hop: (NLRI family, next-hop AFI).
    pub nexthop: &'a [(crate::wire::family::Family, crate::wire::family::Afi)],
    pub add_path_send: &'a [crate::wire::family::Family],
    pub add_path_receive: &'a [crate::wire::family::Family],
}

fn push_py_str_list<I: IntoIterator<Item = String>>(out: &mut String, items: I) {
    // Python json.dumps of a list: `["a", "b"]`, `[]`.
    out.push('[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_str(out, &s);
    }
    out.push(']');
}

/// The `{ "message_size": ..., ... } ` object (with ExaBGP's trailing space),
/// also usable as [`super::UpdateOptions::negotiated`].
pub fn negotiated_object(n: &NegotiatedView<'_>) -> String {
    let b = |v: bool| if v { "true" } else { "false" };
    let mut out = format!(
        "{{ \"message_size\": {}, \"hold_time\": {}, \"asn4\": {}, \"multisession\": {}, \"operational\": {}, \"refresh\": ",
        n.message_size,
        n.hold_time,
        b(n.asn4),
        b(n.multisession),
        b(n.operational)
    );
    push_str(&mut out, n.refresh);
    out.push_str(", \"families\": ");
    push_py_str_list(&mut out, n.families.iter().map(|f| f.to_string()));
    out.push_str(", \"nexthop\": ");
    push_py_str_list(
        &mut out,
        n.nexthop.iter().map(|(f, a)| {
            format!(
                "{f} {}",
                a.name()
                    .map(str::to_string)
                    .unwrap_or_else(|| a.0.to_string())
            )
        }),
    );
    out.push_str(", \"add_path\": {\"send\": ");
    push_py_str_list(&mut out, n.add_path_send.iter().map(|f| f.to_string()));
    out.push_str(", \"receive\": ");
    push_py_str_list(&mut out, n.add_path_receive.iter().map(|f| f.to_string()));
    out.push_str("} } ");
    out
}

/// A `negotiated` message (api `negotiated`).
pub fn negotiated(env: &Envelope<'_>, nb: &Neighbor, n: &NegotiatedView<'_>) -> String {
    let mut s = String::with_capacity(512);
    begin(&mut s, env, "negotiated", true, None);
    neighbor_begin(&mut s, nb, false);
    neighbor_content(&mut s);
    s.push_str("\"negotiated\": ");
    s.push_str(&negotiated_object(n));
    neighbor_end(&mut s);
    end(&mut s);
    s
}

/// A `signal` message: `code` is a string in ExaBGP (`"15"`, `"0"` for an API
/// triggered reload), `name` e.g. `SIGTERM`.
pub fn signal(env: &Envelope<'_>, nb: &Neighbor, code: &str, name: &str) -> String {
    let mut s = String::with_capacity(256);
    begin(&mut s, env, "signal", true, None);
    neighbor_begin(&mut s, nb, false);
    neighbor_content(&mut s);
    s.push_str("\"code\": ");
    push_str(&mut s, code);
    s.push_str(", \"name\": ");
    push_str(&mut s, name);
    neighbor_end(&mut s);
    end(&mut s);
    s
}

#[cfg(test)]
mod negotiated_tests {
    use super::*;
    use crate::wire::family::Family;

    #[test]
    fn negotiated_and_signal_text() {
        let env = Envelope {
            time: 1.0,
            host: "vm",
            pid: 2,
            ppid: 1,
            counter: 4,
        };
        let nb = Neighbor {
            local_address: "127.0.0.1".parse().unwrap(),
            peer_address: "127.0.0.1".parse().unwrap(),
            local_as: 65001,
            peer_as: Some(65000),
            router_id: Some("10.0.0.1".parse().unwrap()),
            direction: super::super::Direction::Receive,
        };
        let fams = [Family::IPV4_UNICAST, Family::IPV4_FLOW];
        let n = NegotiatedView {
            message_size: 65535,
            hold_time: 180,
            asn4: true,
            multisession: false,
            operational: false,
            refresh: "enhanced",
            families: &fams,
            nexthop: &[],
            add_path_send: &[],
            add_path_receive: &[],
        };
        // Reference §4.2 example.
        assert!(negotiated(&env, &nb, &n).ends_with(r#""router-id": "10.0.0.1" , "negotiated": { "message_size": 65535, "hold_time": 180, "asn4": true, "multisession": false, "operational": false, "refresh": "enhanced", "families": ["ipv4 unicast", "ipv4 flow"], "nexthop": [], "add_path": {"send": [], "receive": []} }  } }"#));
        assert!(signal(&env, &nb, "15", "SIGTERM").ends_with(r#""type": "signal", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, "asn": { "local": 65001, "peer": 65000 }, "router-id": "10.0.0.1" , "code": "15", "name": "SIGTERM" } }"#));
    }
}
