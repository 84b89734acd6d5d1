//! FlowSpec NLRI (RFC 8955 for IPv4, RFC 8956 for IPv6) decoded from the bytes
//! the codec keeps as [`Nlri::Raw`](crate::wire::nlri::Nlri::Raw), and rendered
//! as ExaBGP's JSON object (reference §4.5, `flow` row): one key per component
//! in wire order, ORed terms as list items, ANDed terms joined with `&`, then
//! `"string"` with the rule's text form.

use super::push_str_body;
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why FlowSpec bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlowError {
    Truncated {
        component: u8,
    },
    UnknownComponent(u8),
    BadPrefix {
        component: u8,
        len: u8,
    },
    Empty,
    /// A one-octet field (protocol, ICMP type/code, DSCP) given a larger value:
    /// ExaBGP drops such a rule.
    ValueOutOfRange {
        component: u8,
        value: u64,
    },
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlowError::Truncated { component } => {
                write!(f, "flow component {component} is truncated")
            }
            FlowError::UnknownComponent(t) => write!(f, "unknown flow component type {t}"),
            FlowError::BadPrefix { component, len } => {
                write!(
                    f,
                    "flow component {component} has an invalid prefix length {len}"
                )
            }
            FlowError::Empty => f.write_str("empty flow rule"),
            FlowError::ValueOutOfRange { component, value } => {
                write!(
                    f,
                    "flow component {component} value {value} does not fit one octet"
                )
            }
        }
    }
}

impl std::error::Error for FlowError {}

/// One component's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ComponentValue {
    /// Types 1 and 2: prefix with the RFC 8956 offset (always 0 for IPv4).
    Prefix { addr: IpAddr, len: u8, offset: u8 },
    /// Types 3-13: (operator byte, value) terms.
    Ops(Vec<(u8, u64)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    pub kind: u8,
    pub value: ComponentValue,
}

/// A decoded FlowSpec rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowRule {
    pub family: Family,
    /// Flow-VPN (SAFI 134) route distinguisher.
    pub rd: Option<RouteDistinguisher>,
    pub components: Vec<Component>,
}

/// Operator bits (RFC 8955 §4.2.1).
const OP_END: u8 = 0x80;
const OP_AND: u8 = 0x40;
const OP_LEN: u8 = 0x30;

impl FlowRule {
    /// Decode one rule: its components (and RD for flow-vpn), without the
    /// RFC 8955 §4.1 length that precedes it in an NLRI field.
    pub fn decode(family: Family, data: &[u8]) -> Result<FlowRule, FlowError> {
        let mut d = data;
        let mut rd = None;
        if family.safi == Safi::FLOW_VPN {
            let b: [u8; 8] = d
                .get(..8)
                .and_then(|s| s.try_into().ok())
                .ok_or(FlowError::Truncated { component: 0 })?;
            rd = Some(RouteDistinguisher(b));
            d = &d[8..];
        }
        let v6 = family.afi == Afi::IPV6;
        let mut components = Vec::new();
        while let Some((&kind, rest)) = d.split_first() {
            d = rest;
            let value = match kind {
                1 | 2 => {
                    let (&len, rest) = d
                        .split_first()
                        .ok_or(FlowError::Truncated { component: kind })?;
                    d = rest;
                    let offset = if v6 {
                        let (&o, rest) = d
                            .split_first()
                            .ok_or(FlowError::Truncated { component: kind })?;
                        d = rest;
                        o
                    } else {
                        0
                    };
                    let max = if v6 { 128 } else { 32 };
                    if len > max || offset > len {
                        return Err(FlowError::BadPrefix {
                            component: kind,
                            len,
                        });
                    }
                    let n = (len as usize - offset as usize).div_ceil(8);
                    let bytes = d.get(..n).ok_or(FlowError::Truncated { component: kind })?;
                    d = &d[n..];
                    let addr = if v6 {
                        let mut b = [0u8; 16];
                        let start = offset as usize / 8;
                        for (i, x) in bytes.iter().enumerate() {
                            if let Some(slot) = b.get_mut(start + i) {
                                *slot = *x;
                            }
                        }
                        IpAddr::V6(Ipv6Addr::from(b))
                    } else {
                        let mut b = [0u8; 4];
                        b[..n].copy_from_slice(bytes);
                        IpAddr::V4(Ipv4Addr::from(b))
                    };
                    ComponentValue::Prefix { addr, len, offset }
                }
                3..=13 => {
                    let mut terms = Vec::new();
                    loop {
                        let (&op, rest) = d
                            .split_first()
                            .ok_or(FlowError::Truncated { component: kind })?;
                        let n = 1usize << ((op & OP_LEN) >> 4);
                        let bytes = rest
                            .get(..n)
                            .ok_or(FlowError::Truncated { component: kind })?;
                        let v = bytes.iter().fold(0u64, |acc, b| acc << 8 | *b as u64);
                        d = &rest[n..];
                        if matches!(kind, 3 | 7 | 8 | 11) && v > 255 {
                            return Err(FlowError::ValueOutOfRange {
                                component: kind,
                                value: v,
                            });
                        }
                        terms.push((op, v));
                        if op & OP_END != 0 {
                            break;
                        }
                    }
                    ComponentValue::Ops(terms)
                }
                t => return Err(FlowError::UnknownComponent(t)),
            };
            components.push(Component { kind, value });
        }
        if components.is_empty() {
            return Err(FlowError::Empty);
        }
        Ok(FlowRule {
            family,
            rd,
            components,
        })
    }

    /// Write the JSON object; `next_hop` is shown for redirect-to-IP rules.
    pub fn write_json(&self, out: &mut String, next_hop: Option<IpAddr>) {
        out.push_str("{ ");
        for (i, c) in self.components.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let name = component_name(c.kind, self.family.afi == Afi::IPV6);
            out.push('"');
            out.push_str(name);
            out.push_str("\": [ ");
            for (j, it) in self.items(c).iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push('"');
                push_str_body(out, it);
                out.push('"');
            }
            out.push_str(" ]");
        }
        if let Some(rd) = self.rd {
            let _ = write!(out, ", \"rd\": \"{rd}\"");
        }
        if let Some(nh) = next_hop {
            let _ = write!(out, ", \"next-hop\": \"{nh}\"");
        }
        out.push_str(", \"string\": \"");
        push_str_body(out, &self.text(next_hop));
        out.push_str("\" }");
    }

    /// The rule's text form: `flow destination-ipv4 10.0.0.0/24 protocol [ =tcp =udp ]`
    /// (brackets as soon as a component has more than one term).
    pub fn text(&self, next_hop: Option<IpAddr>) -> String {
        let mut text = String::from("flow");
        for c in &self.components {
            let name = component_name(c.kind, self.family.afi == Afi::IPV6);
            let items = self.items(c);
            text.push(' ');
            text.push_str(name);
            let terms = match &c.value {
                ComponentValue::Ops(t) => t.len(),
                ComponentValue::Prefix { .. } => 1,
            };
            if let (1, Some(item)) = (terms, items.first()) {
                text.push(' ');
                text.push_str(item);
            } else {
                text.push_str(" [ ");
                text.push_str(&items.join(" "));
                text.push_str(" ]");
            }
        }
        if let Some(rd) = self.rd {
            let _ = write!(text, " rd {rd}");
        }
        if let Some(nh) = next_hop {
            let _ = write!(text, " next-hop {nh}");
        }
        text
    }

    /// The ORed items of a component, each the concatenation of its ANDed terms.
    fn items(&self, c: &Component) -> Vec<String> {
        match &c.value {
            ComponentValue::Prefix { addr, len, offset } => match addr {
                IpAddr::V4(_) => vec![format!("{addr}/{len}")],
                IpAddr::V6(_) => vec![format!("{addr}/{len}/{offset}")],
            },
            ComponentValue::Ops(terms) => {
                let mut items: Vec<String> = Vec::new();
                for &(op, v) in terms {
                    let term = match c.kind {
                        9 | 12 => bitmask_term(c.kind, op, v, self.family.afi == Afi::IPV6),
                        _ => numeric_term(c.kind, op, v),
                    };
                    match items.last_mut() {
                        Some(last) if op & OP_AND != 0 => {
                            last.push('&');
                            last.push_str(&term);
                        }
                        _ => items.push(term),
                    }
                }
                items
            }
        }
    }
}

fn component_name(kind: u8, v6: bool) -> &'static str {
    match (kind, v6) {
        (1, false) => "destination-ipv4",
        (1, true) => "destination-ipv6",
        (2, false) => "source-ipv4",
        (2, true) => "source-ipv6",
        (3, false) => "protocol",
        (3, true) => "next-header",
        (4, _) => "port",
        (5, _) => "destination-port",
        (6, _) => "source-port",
        (7, _) => "icmp-type",
        (8, _) => "icmp-code",
        (9, _) => "tcp-flags",
        (10, _) => "packet-length",
        (11, false) => "dscp",
        (11, true) => "traffic-class",
        (12, _) => "fragment",
        (13, _) => "flow-label",
        _ => "unknown",
    }
}

/// RFC 8955 §4.2.1.1 numeric operator: lt 0x04, gt 0x02, eq 0x01.
fn numeric_op(op: u8) -> &'static str {
    match op & 0x07 {
        0 => "false",
        1 => "=",
        2 => ">",
        3 => ">=",
        4 => "<",
        5 => "<=",
        6 => "!=",
        _ => "true",
    }
}

fn protocol_name(v: u64) -> Option<&'static str> {
    Some(match v {
        1 => "icmp",
        2 => "igmp",
        6 => "tcp",
        8 => "egp",
        17 => "udp",
        46 => "rsvp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        89 => "ospf",
        103 => "pim",
        112 => "vrrp",
        132 => "sctp",
        _ => return None,
    })
}

fn icmp_type_name(v: u64) -> Option<&'static str> {
    Some(match v {
        0 => "echo-reply",
        3 => "unreachable",
        4 => "source-quench",
        5 => "redirect",
        8 => "echo-request",
        9 => "router-advertisement",
        10 => "router-solicit",
        11 => "time-exceeded",
        12 => "parameter-problem",
        13 => "timestamp",
        14 => "timestamp-reply",
        15 => "info-request",
        16 => "info-reply",
        17 => "mask-request",
        18 => "mask-reply",
        30 => "traceroute",
        _ => return None,
    })
}

fn numeric_term(kind: u8, op: u8, v: u64) -> String {
    let name = match kind {
        3 => protocol_name(v),
        7 => icmp_type_name(v),
        _ => None,
    };
    match name {
        Some(n) => format!("{}{n}", numeric_op(op)),
        None => format!("{}{v}", numeric_op(op)),
    }
}

/// RFC 8955 §4.2.1.2 bitmask operator: not 0x02, match 0x01. Set bits are
/// named in ascending order and joined with `+`.
fn bitmask_term(kind: u8, op: u8, v: u64, v6: bool) -> String {
    const TCP: [&str; 8] = ["fin", "syn", "rst", "push", "ack", "urg", "ece", "cwr"];
    const FRAG: [&str; 4] = [
        "dont-fragment",
        "is-fragment",
        "first-fragment",
        "last-fragment",
    ];
    let mut s = String::new();
    if op & 0x02 != 0 {
        s.push('!');
    }
    if op & 0x01 != 0 {
        s.push('=');
    }
    let names: &[&str] = if kind == 9 { &TCP } else { &FRAG };
    // RFC 8956 §3.6: IPv6 has no don't-fragment bit; ExaBGP ignores it.
    let v = if kind == 12 && v6 { v & !1 } else { v };
    let mut first = true;
    for (bit, n) in names.iter().enumerate() {
        if v & (1 << bit) != 0 {
            if !first {
                s.push('+');
            }
            first = false;
            s.push_str(n);
        }
    }
    // Bits without a name are shown as a number; no bit at all shows nothing
    // (observed: `fragment !` for an IPv6 rule matching only don't-fragment).
    let known = (1u64 << names.len()) - 1;
    if v & !known != 0 {
        if !first {
            s.push('+');
        }
        let _ = write!(s, "{}", v & !known);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: Family, hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut s = String::new();
        FlowRule::decode(f, &bytes)
            .unwrap()
            .write_json(&mut s, None);
        s
    }

    #[test]
    fn tcp_flags_bitmask_terms() {
        // decoding/bgp-flow-2 and bgp-flow-4.
        assert_eq!(
            render(Family::IPV4_FLOW, "0901048109"),
            r#"{ "tcp-flags": [ "=rst", "=fin+push" ], "string": "flow tcp-flags [ =rst =fin+push ]" }"#
        );
        assert_eq!(
            render(Family::IPV4_FLOW, "090090C241"),
            r#"{ "tcp-flags": [ "ack+cwr&!fin+ece" ], "string": "flow tcp-flags [ ack+cwr&!fin+ece ]" }"#
        );
    }

    #[test]
    fn ipv6_prefixes_next_header_fragments() {
        // decoding/bgp-flow-1.
        assert_eq!(
            render(
                Family::IPV6_FLOW,
                "0180002A0229B8192500000000000000002E69024000BEEFF00E000000000381060C000400028008"
            ),
            r#"{ "destination-ipv6": [ "2a02:29b8:1925::2e69/128/0" ], "source-ipv6": [ "beef:f00e::/64/0" ], "next-header": [ "=tcp" ], "fragment": [ "first-fragment", "is-fragment", "last-fragment" ], "string": "flow destination-ipv6 2a02:29b8:1925::2e69/128/0 source-ipv6 beef:f00e::/64/0 next-header =tcp fragment [ first-fragment is-fragment last-fragment ]" }"#
        );
    }

    #[test]
    fn ipv4_ports_and_and_terms() {
        // destination 10.0.0.2/32, destination-port >8080&<8088 or =80
        assert_eq!(
            render(
                Family::IPV4_FLOW,
                "0120 0A000002 05 12 1F90 54 1F98 81 50"
                    .replace(' ', "")
                    .as_str()
            ),
            r#"{ "destination-ipv4": [ "10.0.0.2/32" ], "destination-port": [ ">8080&<8088", "=80" ], "string": "flow destination-ipv4 10.0.0.2/32 destination-port [ >8080&<8088 =80 ]" }"#
        );
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut x: u32 = 1;
        for len in 0..64usize {
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(1103515245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            for f in [
                Family::IPV4_FLOW,
                Family::IPV6_FLOW,
                Family::new(Afi::IPV4, Safi::FLOW_VPN),
            ] {
                if let Ok(r) = FlowRule::decode(f, &v) {
                    let mut s = String::new();
                    r.write_json(&mut s, None);
                }
            }
        }
    }
}
