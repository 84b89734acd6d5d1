//! JSON rendering of BGP messages exactly as ExaBGP 5.0 writes them to API
//! processes (reference §4): envelope, `update`, `open`, `notification`, ...
//!
//! ExaBGP builds its JSON by string formatting, not with a JSON library, so its
//! spacing is irregular (`"host" : "x"`, `"router-id": "1.2.3.4" , "direction"`,
//! `[ [ 1, 2 , 3 ] ]` for large communities). API helpers match substrings of it,
//! so every renderer here writes text straight into a `String`, byte for byte as
//! ExaBGP does, without building a value tree (this is the hot path of a busy
//! session: one document per received UPDATE).
//!
//! ```
//! use oxbgp_core::api::json::{self, Direction, Envelope, Neighbor, UpdateOptions};
//! use oxbgp_core::wire::update::Update;
//!
//! let env = Envelope { time: 1700000000.5, host: "vm", pid: 42, ppid: 1, counter: 7 };
//! let nb = Neighbor {
//!     local_address: "127.0.0.1".parse().unwrap(),
//!     peer_address: "127.0.0.1".parse().unwrap(),
//!     local_as: 65001,
//!     peer_as: Some(65000),
//!     router_id: Some("10.0.0.1".parse().unwrap()),
//!     direction: Direction::Receive,
//! };
//! // An empty UPDATE is the IPv4 unicast End-of-RIB marker.
//! let line = json::update(&env, &nb, &Update::default(), &UpdateOptions::default());
//! assert!(line.ends_with(r#""direction": "receive", "message": { "eor": { "afi" : "ipv4", "safi" : "unicast" } } } }"#));
//! ```
//!
//! The text encoder is [`crate::api::text`]; `oxbgp decode` is [`crate::api::decode`].

pub(crate) mod ascii;
pub(crate) mod attribute;
mod bgpls;
mod envelope;
mod evpn;
pub(crate) mod extcommunity;
pub mod flow;
mod mup;
mod mvpn;
pub(crate) mod nlri;
pub(crate) mod open;
mod session;
mod update;
pub(crate) mod vpls;

pub use envelope::{Direction, Envelope, Neighbor, Raw};
pub use nlri::write_nlri;
pub use open::{open, write_open, OpenStyle};
pub use session::{
    keepalive, notification, notification_data, refresh, shutdown, state, write_keepalive,
    write_notification, write_refresh, write_state, State,
};
pub use session::{negotiated, negotiated_object, signal, NegotiatedView};
pub use update::{end_of_rib, update, write_update, UpdateOptions};

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

/// Append `s` as a JSON string literal (with quotes). Escapes like Python's
/// `json.dumps` (ExaBGP's `_string`): `"`, `\`, control characters, and any
/// non-ASCII character as `\uXXXX` (surrogate pairs above the BMP).
pub fn push_str(out: &mut String, s: &str) {
    out.push('"');
    push_str_body(out, s);
    out.push('"');
}

/// The escaped body of a JSON string literal, without the quotes.
pub fn push_str_body(out: &mut String, s: &str) {
    // Fast path: nothing to escape (the common case: names, addresses).
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) >= 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
            c => out.push(c),
        }
    }
}

/// Append a decimal unsigned integer.
#[inline]
pub fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // The buffer holds ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or("0"));
}

/// Append a dotted-quad IPv4 address without going through `fmt`.
#[inline]
pub fn push_ipv4(out: &mut String, a: Ipv4Addr) {
    let mut b = ascii::Piece::new();
    b.ipv4(u32::from(a));
    out.push_str(b.as_str());
}

/// Append an address as Python's `str(ipaddress)` prints it (RFC 5952 for IPv6,
/// which is also what Rust's `Display` does).
pub fn push_ip(out: &mut String, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => push_ipv4(out, v4),
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

/// Append `0x` followed by the uppercase hex of `data` (ExaBGP's `hexstring`).
pub fn push_hex_0x(out: &mut String, data: &[u8]) {
    out.push_str("0x");
    push_hex(out, data);
}

/// Append the uppercase hex of `data`.
pub fn push_hex(out: &mut String, data: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(data.len() * 2);
    for b in data {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 0xf) as usize] as char);
    }
}

/// Append a float as Python's `repr(float)` prints it: shortest round-trip
/// digits, always with a fractional part (`1653384088.0`), exponent form from
/// 1e16 up and below 1e-4.
pub fn push_py_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Python: 1e+16, 1.5e-05
        let s = format!("{v:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let _ = write!(
            out,
            "{mant}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
        return;
    }
    let start = out.len();
    let _ = write!(out, "{v}");
    if !out[start..].contains('.') {
        out.push_str(".0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_python_json_dumps() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\nd\u{1}é😀");
        assert_eq!(s, r#""a\"b\\c\nd\u0001\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn integers_and_addresses() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_u64(&mut s, u64::MAX);
        s.push(' ');
        push_ipv4(&mut s, Ipv4Addr::new(10, 0, 255, 1));
        s.push(' ');
        push_ip(&mut s, "2001:db8::1".parse().unwrap());
        assert_eq!(s, "0 18446744073709551615 10.0.255.1 2001:db8::1");
    }

    #[test]
    fn floats_like_python_repr() {
        let f = |v: f64| {
            let mut s = String::new();
            push_py_float(&mut s, v);
            s
        };
        assert_eq!(f(1653384088.2516758), "1653384088.2516758");
        assert_eq!(f(125000000.0), "125000000.0");
        assert_eq!(f(0.0), "0.0");
        assert_eq!(f(1e16), "1e+16");
        assert_eq!(f(1.5e-5), "1.5e-05");
    }

    #[test]
    fn hex_is_uppercase() {
        let mut s = String::new();
        push_hex_0x(&mut s, &[0xde, 0xad, 0x01]);
        assert_eq!(s, "0xDEAD01");
    }
}

/// Renderers that read bytes a peer sent never panic, whatever the bytes.
#[cfg(test)]
mod never_panic {
    use crate::wire::attribute::{Attribute, Attributes, RawAttribute};
    use crate::wire::family::{Afi, Family, Safi};
    use crate::wire::nlri::Nlri;
    use crate::wire::update::{MpReach, Update};
    use quickcheck::quickcheck;

    fn families() -> Vec<Family> {
        vec![
            Family::IPV4_FLOW,
            Family::IPV6_FLOW,
            Family::new(Afi::IPV4, Safi::FLOW_VPN),
            Family::new(Afi::L2VPN, Safi::EVPN),
            Family::new(Afi::L2VPN, Safi::VPLS),
            Family::new(Afi::IPV4, Safi::MCAST_VPN),
            Family::new(Afi::BGP_LS, Safi::BGP_LS),
            Family::new(Afi::IPV4, Safi::MUP),
        ]
    }

    quickcheck! {
        fn raw_nlri_and_attributes_render(data: Vec<u8>, code: u8, flags: u8) -> bool {
            let mut attrs = Attributes::new();
            attrs.set(Attribute::Raw(RawAttribute { flags, code, data: data.clone().into() }));
            for c in [22u8, 25, 29, 40] {
                attrs.set(Attribute::Raw(RawAttribute { flags: 0xC0, code: c, data: data.clone().into() }));
            }
            for f in families() {
                let u = Update {
                    attributes: attrs.clone(),
                    mp_reach: Some(MpReach {
                        family: f,
                        next_hops: vec!["10.0.0.1".parse().unwrap()],
                        nlri: vec![Nlri::Raw { family: f, data: data.clone().into() }],
                    }),
                    ..Default::default()
                };
                let mut s = String::new();
                super::update::write_update_message(&mut s, &u, &Default::default());
                let _ = crate::api::text::update("127.0.0.1".parse().unwrap(), super::Direction::In, &u, true, None);
            }
            true
        }

        fn decode_never_panics(body: Vec<u8>, kind: u8) -> bool {
            let mut msg = vec![0xFFu8; 16];
            msg.extend_from_slice(&((body.len() + 19) as u16).to_be_bytes());
            msg.push(if kind % 2 == 0 { 2 } else { 1 });
            msg.extend_from_slice(&body);
            let hex: String = msg.iter().map(|b| format!("{b:02X}")).collect();
            let k = if kind % 2 == 0 { crate::api::decode::DecodeKind::Update } else { crate::api::decode::DecodeKind::Open };
            for f in families() {
                let _ = crate::api::decode::decode(k, Some(f), &hex);
            }
            let _ = crate::api::decode::decode(crate::api::decode::DecodeKind::Nlri, Some(Family::new(Afi::BGP_LS, Safi::BGP_LS)), &hex);
            true
        }
    }
}
