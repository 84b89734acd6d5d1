//! FlowSpec rules (RFC 8955 for IPv4, RFC 8956 for IPv6; reference §1.9):
//! `flow { route NAME { rd; next-hop; match { } then { } scope { } } }`, the
//! single-line form, and `announce { ipv4 { flow ... } }`.
//!
//! Components are kept typed (type code + operator/value pairs) so the NLRI
//! encoder can write them; actions become extended communities (RFC 8955 §7).

use super::community::{
    interface_set, parse_communities, parse_extended_communities, parse_large_communities,
    redirect_as, redirect_ip, redirect_ip_ietf_v4, traffic_action, traffic_mark, traffic_rate,
};
use super::error::{ConfigError, Pos};
use super::lexer::Token;
use super::model::NextHop;
use super::tree::Node;
use super::value::{parse_ip, parse_rd, parse_uint, Cursor};
use crate::wire::attribute::{flag, Attribute, Attributes, ExtendedCommunity, RawAttribute};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{Prefix, RouteDistinguisher};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// FlowSpec component type codes (RFC 8955 §4.2.2, RFC 8956 §3).
pub mod component {
    pub const DESTINATION: u8 = 1;
    pub const SOURCE: u8 = 2;
    /// IP protocol (IPv4) / next header (IPv6).
    pub const PROTOCOL: u8 = 3;
    pub const PORT: u8 = 4;
    pub const DESTINATION_PORT: u8 = 5;
    pub const SOURCE_PORT: u8 = 6;
    pub const ICMP_TYPE: u8 = 7;
    pub const ICMP_CODE: u8 = 8;
    pub const TCP_FLAGS: u8 = 9;
    pub const PACKET_LENGTH: u8 = 10;
    /// DSCP (IPv4) / traffic class (IPv6).
    pub const DSCP: u8 = 11;
    pub const FRAGMENT: u8 = 12;
    /// IPv6 only.
    pub const FLOW_LABEL: u8 = 13;
}

/// Numeric operator bits (RFC 8955 §4.2.1.1): lt 0x04, gt 0x02, eq 0x01.
pub mod numeric {
    pub const EQ: u8 = 0x01;
    pub const GT: u8 = 0x02;
    pub const LT: u8 = 0x04;
    pub const NEQ: u8 = LT | GT;
    pub const TRUE: u8 = LT | GT | EQ;
    pub const FALSE: u8 = 0;
}

/// Bitmask operator bits (RFC 8955 §4.2.1.2): not 0x02, match 0x01.
pub mod bitmask {
    pub const INCLUDE: u8 = 0;
    pub const MATCH: u8 = 0x01;
    pub const NOT: u8 = 0x02;
    pub const DIFF: u8 = NOT | MATCH;
}

/// One `{operator, value}` pair. `and` is the RFC 8955 "a" bit (AND with the
/// previous pair); `op` holds the low operator bits (see [`numeric`] /
/// [`bitmask`]); the encoder chooses the length bits and the end-of-list bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowOp {
    pub and: bool,
    pub op: u8,
    pub value: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FlowMatch {
    /// Destination/source prefix; `offset` is the RFC 8956 IPv6 offset (0 for IPv4).
    Prefix {
        prefix: Prefix,
        offset: u8,
    },
    Numeric(Vec<FlowOp>),
    Bitmask(Vec<FlowOp>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowComponent {
    /// Component type code, see [`component`].
    pub kind: u8,
    pub value: FlowMatch,
}

/// A configured FlowSpec rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowRoute {
    /// `route NAME` (free text, not sent).
    pub name: Option<String>,
    /// ipv4/ipv6 flow, or flow-vpn when `rd` is set.
    pub family: Family,
    pub rd: Option<RouteDistinguisher>,
    /// From `next-hop`, `redirect <ip>` or `copy <ip>`.
    pub next_hop: NextHop,
    /// Sorted by type code (RFC 8955 §4.2 requires ascending order), stable.
    pub components: Vec<FlowComponent>,
    /// Actions as extended communities (plus `community`, `large-community`,
    /// explicit `extended-community`); the IPv6 redirect-ip-ietf action is an
    /// IPv6 Address Specific Extended Community attribute (code 25, raw).
    pub attributes: Attributes,
    pub watchdog: Option<String>,
    pub withdrawn: bool,
}

/// Which block a flow keyword appears in (single-line forms accept all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowSection {
    Route,
    Match,
    Then,
    Scope,
    Any,
}

#[derive(Clone, Debug, Default)]
pub struct FlowBuilder {
    pub name: Option<String>,
    pub rd: Option<RouteDistinguisher>,
    pub next_hop: Option<(IpAddr, Pos)>,
    pub components: Vec<FlowComponent>,
    pub actions: Vec<ExtendedCommunity>,
    pub explicit_ext: Vec<ExtendedCommunity>,
    pub attributes: Attributes,
    pub ipv6: bool,
    /// Whether the prefixes seen so far are IPv4 (None: no prefix yet).
    pub prefix_v4: Option<bool>,
    pub ipv6_ext: Vec<[u8; 20]>,
    pub watchdog: Option<String>,
    pub withdraw: bool,
}

fn named(s: &str, table: &[(&str, u64)]) -> Option<u64> {
    let l = s.to_ascii_lowercase();
    table.iter().find(|(n, _)| *n == l).map(|(_, v)| *v)
}

const PROTOCOLS: &[(&str, u64)] = &[
    ("icmp", 1),
    ("igmp", 2),
    ("ipip", 4),
    ("tcp", 6),
    ("egp", 8),
    ("udp", 17),
    ("rsvp", 46),
    ("gre", 47),
    ("esp", 50),
    ("ah", 51),
    ("ospf", 89),
    ("pim", 103),
    ("sctp", 132),
];

/// Common service names (IANA service-name registry); numbers always work.
const PORTS: &[(&str, u64)] = &[
    ("ftp-data", 20),
    ("ftp", 21),
    ("ssh", 22),
    ("telnet", 23),
    ("smtp", 25),
    ("domain", 53),
    ("dns", 53),
    ("bootps", 67),
    ("bootpc", 68),
    ("tftp", 69),
    ("http", 80),
    ("www", 80),
    ("kerberos", 88),
    ("pop3", 110),
    ("sunrpc", 111),
    ("ntp", 123),
    ("netbios-ns", 137),
    ("netbios-dgm", 138),
    ("netbios-ssn", 139),
    ("imap", 143),
    ("snmp", 161),
    ("snmptrap", 162),
    ("bgp", 179),
    ("ldap", 389),
    ("https", 443),
    ("microsoft-ds", 445),
    ("syslog", 514),
    ("ldaps", 636),
    ("imaps", 993),
    ("pop3s", 995),
    ("mssql", 1433),
    ("openvpn", 1194),
    ("radius", 1812),
    ("nfs", 2049),
    ("mysql", 3306),
    ("rdp", 3389),
    ("sip", 5060),
    ("postgresql", 5432),
    ("http-alt", 8080),
];

const ICMP_TYPES: &[(&str, u64)] = &[
    ("echo-reply", 0),
    ("unreachable", 3),
    ("redirect", 5),
    ("echo-request", 8),
    ("router-advertisement", 9),
    ("router-solicit", 10),
    ("time-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp", 13),
    ("timestamp-reply", 14),
    ("photuris", 40),
    ("experimental-mobility", 41),
    ("extended-echo-request", 42),
    ("extended-echo-reply", 43),
    ("experimental-one", 253),
    ("experimental-two", 254),
];

const ICMP_CODES: &[(&str, u64)] = &[
    ("network-unreachable", 0),
    ("host-unreachable", 1),
    ("protocol-unreachable", 2),
    ("port-unreachable", 3),
    ("fragmentation-needed", 4),
    ("source-route-failed", 5),
    ("destination-network-unknown", 6),
    ("destination-host-unknown", 7),
    ("source-host-isolated", 8),
    ("destination-network-prohibited", 9),
    ("destination-host-prohibited", 10),
    ("network-unreachable-for-tos", 11),
    ("host-unreachable-for-tos", 12),
    ("communication-prohibited-by-filtering", 13),
    ("host-precedence-violation", 14),
    ("precedence-cutoff-in-effect", 15),
    ("redirect-for-network", 0),
    ("redirect-for-host", 1),
    ("redirect-for-tos-and-net", 2),
    ("redirect-for-tos-and-host", 3),
    ("ttl-eq-zero-during-transit", 0),
    ("ttl-eq-zero-during-reassembly", 1),
    ("required-option-missing", 1),
    ("ip-header-bad", 2),
];

const TCP_FLAG_NAMES: &[(&str, u64)] = &[
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("push", 0x08),
    ("ack", 0x10),
    ("urgent", 0x20),
    ("urg", 0x20),
    ("ece", 0x40),
    ("cwr", 0x80),
    ("ns", 0x100),
];

const FRAGMENT_NAMES: &[(&str, u64)] = &[
    ("dont-fragment", 0x01),
    ("is-fragment", 0x02),
    ("first-fragment", 0x04),
    ("last-fragment", 0x08),
];

/// How the value of one component is read.
#[derive(Clone, Copy)]
struct ValueKind {
    what: &'static str,
    max: u64,
    names: &'static [(&'static str, u64)],
    /// Bitmask values may be joined with `+` (`syn+ack`).
    bitmask: bool,
}

fn value_kind(kind: u8) -> ValueKind {
    use component::*;
    let (what, max, names, bitmask): (&str, u64, &[(&str, u64)], bool) = match kind {
        PROTOCOL => ("a protocol (number or name)", 255, PROTOCOLS, false),
        PORT | DESTINATION_PORT | SOURCE_PORT => {
            ("a port (number or service name)", 65535, PORTS, false)
        }
        ICMP_TYPE => ("an ICMP type", 255, ICMP_TYPES, false),
        ICMP_CODE => ("an ICMP code", 255, ICMP_CODES, false),
        TCP_FLAGS => ("TCP flags", 0xFFF, TCP_FLAG_NAMES, true),
        PACKET_LENGTH => ("a packet length (0..65535)", 65535, &[], false),
        DSCP => ("a DSCP value (0..63)", 63, &[], false),
        FRAGMENT => ("a fragment flag", 0xFF, FRAGMENT_NAMES, true),
        FLOW_LABEL => ("a flow label (0..1048575)", 0xF_FFFF, &[], false),
        _ => ("a value", u32::MAX as u64, &[], false),
    };
    ValueKind {
        what,
        max,
        names,
        bitmask,
    }
}

fn parse_value(s: &str, vk: ValueKind, pos: Pos) -> Result<u64, ConfigError> {
    let one = |s: &str| -> Result<u64, ConfigError> {
        if let Some(v) = named(s, vk.names) {
            return Ok(v);
        }
        if s == "not-a-fragment" && vk.names == FRAGMENT_NAMES {
            return Err(ConfigError::new(
                pos,
                "'not-a-fragment' was removed in ExaBGP 5.0: use '!is-fragment'",
            ));
        }
        let t = Token::new(s, pos);
        parse_uint(&t, vk.what, vk.max)
    };
    if vk.bitmask && s.contains('+') {
        let mut v = 0;
        for p in s.split('+') {
            v |= one(p)?;
        }
        return Ok(v);
    }
    one(s)
}

/// Parse one word such as `>8080&<8088`, `=80`, `!rst`, `syn+ack`, appending
/// the pairs to `out`. `and` is the state carried from the previous word.
fn parse_ops(t: &Token, kind: u8, binary: bool, out: &mut Vec<FlowOp>) -> Result<(), ConfigError> {
    let vk = value_kind(kind);
    let mut rest = t.as_str();
    let mut and = false;
    if let Some(r) = rest.strip_prefix('&') {
        and = true;
        rest = r;
    }
    loop {
        if rest.is_empty() {
            return Err(ConfigError::expected(
                t.pos,
                &format!("{} after an operator", vk.what),
                &t.text,
            ));
        }
        let (op, r) = if binary {
            if let Some(r) = rest.strip_prefix("!=") {
                (bitmask::DIFF, r)
            } else if let Some(r) = rest.strip_prefix('!') {
                (bitmask::NOT, r)
            } else if let Some(r) = rest.strip_prefix('=') {
                (bitmask::MATCH, r)
            } else {
                (bitmask::INCLUDE, rest)
            }
        } else if let Some(r) = rest.strip_prefix(">=") {
            (numeric::GT | numeric::EQ, r)
        } else if let Some(r) = rest.strip_prefix("<=") {
            (numeric::LT | numeric::EQ, r)
        } else if let Some(r) = rest.strip_prefix("!=") {
            (numeric::NEQ, r)
        } else if let Some(r) = rest.strip_prefix('>') {
            (numeric::GT, r)
        } else if let Some(r) = rest.strip_prefix('<') {
            (numeric::LT, r)
        } else if let Some(r) = rest.strip_prefix('=') {
            (numeric::EQ, r)
        } else if rest
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("true"))
        {
            (numeric::TRUE, rest.get(4..).unwrap_or(""))
        } else if rest
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("false"))
        {
            (numeric::FALSE, rest.get(5..).unwrap_or(""))
        } else {
            (numeric::EQ, rest)
        };
        let (v, after) = match r.find('&') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        };
        let value = if !binary && (op == numeric::TRUE || op == numeric::FALSE) && v.is_empty() {
            0
        } else {
            if v.is_empty() {
                return Err(ConfigError::expected(
                    t.pos,
                    &format!("{} after an operator", vk.what),
                    &t.text,
                ));
            }
            parse_value(v, vk, t.pos)?
        };
        out.push(FlowOp { and, op, value });
        match after.strip_prefix('&') {
            Some(r) => {
                if r.is_empty() {
                    return Err(ConfigError::new(
                        t.pos,
                        format!("expression '{}' cannot end with '&'", t.text),
                    ));
                }
                and = true;
                rest = r;
            }
            None => return Ok(()),
        }
    }
}

fn parse_condition(cur: &mut Cursor, kind: u8, binary: bool) -> Result<Vec<FlowOp>, ConfigError> {
    let mut ops = Vec::new();
    for t in cur.list(value_kind(kind).what)? {
        parse_ops(t, kind, binary, &mut ops)?;
    }
    Ok(ops)
}

/// `a.b.c.d/len`, `addr/len` or `addr/len/offset` (IPv6, RFC 8956 §3.1).
fn parse_flow_prefix(t: &Token) -> Result<(Prefix, u8), ConfigError> {
    let bad = || {
        ConfigError::expected(
            t.pos,
            "a flow prefix (IPv4/len, IPv6/len or IPv6/len/offset)",
            &t.text,
        )
    };
    let mut parts = t.text.split('/');
    let addr: IpAddr = parts.next().and_then(|a| a.parse().ok()).ok_or_else(bad)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len: u8 = match parts.next() {
        Some(l) => l.parse().ok().filter(|l| *l <= max).ok_or_else(bad)?,
        None => max,
    };
    let offset: u8 = match parts.next() {
        Some(o) if addr.is_ipv6() => {
            let o: u8 = o.parse().map_err(|_| bad())?;
            if !(o == 0 && len == 0 || o < len) {
                return Err(ConfigError::new(
                    t.pos,
                    format!("expected an offset below the prefix length {len}, found {o}"),
                ));
            }
            o
        }
        Some(_) => return Err(bad()),
        None => 0,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    let prefix = Prefix::new(addr, len)
        .map_err(|e| ConfigError::new(t.pos, format!("invalid prefix '{}': {e}", t.text)))?;
    Ok((prefix, offset))
}

fn section_of(kw: &str) -> Option<FlowSection> {
    Some(match kw {
        "rd" | "route-distinguisher" | "next-hop" | "watchdog" | "withdraw" => FlowSection::Route,
        "source" | "source-ipv4" | "source-ipv6" | "destination" | "destination-ipv4"
        | "destination-ipv6" | "protocol" | "next-header" | "port" | "source-port"
        | "destination-port" | "packet-length" | "icmp-type" | "icmp-code" | "tcp-flags"
        | "fragment" | "dscp" | "traffic-class" | "flow-label" => FlowSection::Match,
        "accept"
        | "discard"
        | "rate-limit"
        | "redirect"
        | "redirect-to-nexthop"
        | "redirect-to-nexthop-ietf"
        | "copy"
        | "mark"
        | "action"
        | "community"
        | "large-community"
        | "extended-community" => FlowSection::Then,
        "interface-set" => FlowSection::Scope,
        _ => return None,
    })
}

impl FlowBuilder {
    /// Apply one keyword. Returns `Ok(false)` if `kw` is no flow keyword.
    pub fn parse_keyword(
        &mut self,
        kw: &Token,
        cur: &mut Cursor,
        section: FlowSection,
    ) -> Result<bool, ConfigError> {
        if kw.quoted {
            return Ok(false);
        }
        let Some(sec) = section_of(&kw.text) else {
            return Ok(false);
        };
        if section != FlowSection::Any && sec != section {
            return Ok(false);
        }
        use component::*;
        let numeric_kind = |k: &str| -> Option<u8> {
            Some(match k {
                "protocol" | "next-header" => PROTOCOL,
                "port" => PORT,
                "destination-port" => DESTINATION_PORT,
                "source-port" => SOURCE_PORT,
                "icmp-type" => ICMP_TYPE,
                "icmp-code" => ICMP_CODE,
                "packet-length" => PACKET_LENGTH,
                "dscp" | "traffic-class" => DSCP,
                "flow-label" => FLOW_LABEL,
                _ => return None,
            })
        };
        match kw.as_str() {
            "rd" | "route-distinguisher" => {
                self.rd = Some(parse_rd(cur.expect("a route distinguisher")?)?)
            }
            "next-hop" => {
                let t = cur.expect("a next-hop IP address")?;
                self.next_hop = Some((parse_ip(t)?, t.pos));
            }
            "watchdog" => self.watchdog = Some(cur.expect("a watchdog name")?.text.to_string()),
            "withdraw" => self.withdraw = true,
            k @ ("source" | "source-ipv4" | "source-ipv6" | "destination" | "destination-ipv4"
            | "destination-ipv6") => {
                let t = cur.expect("a flow prefix")?;
                let (prefix, offset) = parse_flow_prefix(t)?;
                if (k.ends_with("-ipv4") && !prefix.is_ipv4())
                    || (k.ends_with("-ipv6") && prefix.is_ipv4())
                {
                    return Err(ConfigError::expected(
                        t.pos,
                        &format!("an address family matching '{k}'"),
                        &t.text,
                    ));
                }
                if self.prefix_v4.is_some_and(|v4| v4 != prefix.is_ipv4()) {
                    return Err(ConfigError::new(
                        t.pos,
                        "expected prefixes of one address family: a flow cannot mix IPv4 and IPv6",
                    ));
                }
                self.prefix_v4 = Some(prefix.is_ipv4());
                if !prefix.is_ipv4() {
                    self.ipv6 = true;
                }
                let kind = if k.starts_with("source") {
                    SOURCE
                } else {
                    DESTINATION
                };
                self.components.push(FlowComponent {
                    kind,
                    value: FlowMatch::Prefix { prefix, offset },
                });
            }
            "tcp-flags" => {
                let ops = parse_condition(cur, TCP_FLAGS, true)?;
                self.components.push(FlowComponent {
                    kind: TCP_FLAGS,
                    value: FlowMatch::Bitmask(ops),
                });
            }
            "fragment" => {
                let ops = parse_condition(cur, FRAGMENT, true)?;
                self.components.push(FlowComponent {
                    kind: FRAGMENT,
                    value: FlowMatch::Bitmask(ops),
                });
            }
            k if numeric_kind(k).is_some() => {
                let kind = numeric_kind(k).unwrap_or(PORT);
                if matches!(k, "next-header" | "traffic-class" | "flow-label") {
                    self.ipv6 = true;
                }
                let ops = parse_condition(cur, kind, false)?;
                self.components.push(FlowComponent {
                    kind,
                    value: FlowMatch::Numeric(ops),
                });
            }
            "accept" => {}
            "discard" => self.actions.push(traffic_rate(0, 0.0)),
            "rate-limit" => {
                let t = cur.expect("a rate in bytes per second")?;
                let rate: f64 = t
                    .text
                    .parse()
                    .ok()
                    .filter(|r: &f64| r.is_finite() && *r >= 0.0)
                    .ok_or_else(|| {
                        ConfigError::expected(t.pos, "a rate in bytes per second", &t.text)
                    })?;
                if rate > 1e12 {
                    return Err(ConfigError::new(
                        t.pos,
                        format!("expected a rate of at most 1000000000000, found {}", t.text),
                    ));
                }
                if rate < 9600.0 && rate != 0.0 {
                    log::warn!("flow rate-limit {} is below 9600 bytes/s", t.text);
                }
                self.actions.push(traffic_rate(0, rate as f32));
            }
            "redirect" => {
                let t = cur.expect("a redirect target (ASN:NN or IP address)")?;
                let s = t.text.trim_start_matches('[').trim_end_matches(']');
                if let Ok(ip) = s.parse::<IpAddr>() {
                    self.next_hop = Some((ip, t.pos));
                    self.actions.push(redirect_ip(false));
                } else {
                    let bad = || {
                        ConfigError::expected(
                            t.pos,
                            "a redirect target (ASN:NN or IP address)",
                            &t.text,
                        )
                    };
                    let (a, n) = t.text.split_once(':').ok_or_else(bad)?;
                    if a.contains('.') {
                        return Err(ConfigError::new(
                            t.pos,
                            "redirect a.b.c.d:n is deprecated (not supported by other vendors): use ASN:NN",
                        ));
                    }
                    let asn: u32 = a.parse().map_err(|_| bad())?;
                    let n: u64 = n.parse().map_err(|_| bad())?;
                    let max = if asn > 0xFFFF {
                        0xFFFF
                    } else {
                        u32::MAX as u64
                    };
                    if n > max {
                        return Err(ConfigError::new(
                            t.pos,
                            format!("expected a local administrator of at most {max}, found {n}"),
                        ));
                    }
                    self.actions.push(redirect_as(asn, n as u32));
                }
            }
            "redirect-to-nexthop" => self.actions.push(redirect_ip(false)),
            "redirect-to-nexthop-ietf" => {
                let t = cur.expect("an IP address")?;
                match parse_ip(t)? {
                    IpAddr::V4(ip) => self.actions.push(redirect_ip_ietf_v4(ip, false)),
                    IpAddr::V6(ip) => {
                        // IPv6 Address Specific EC (RFC 5701), sub-type 0x0C.
                        let mut b = [0u8; 20];
                        b[1] = 0x0C;
                        b[2..18].copy_from_slice(&ip.octets());
                        self.ipv6_ext.push(b);
                    }
                }
            }
            "copy" => {
                let t = cur.expect("an IP address")?;
                self.next_hop = Some((parse_ip(t)?, t.pos));
                self.actions.push(redirect_ip(true));
            }
            "mark" => {
                let t = cur.expect("a DSCP value (0..63)")?;
                self.actions.push(traffic_mark(
                    parse_uint(t, "a DSCP value (0..63)", 63)? as u8
                ));
            }
            "action" => {
                let t = cur.expect("sample, terminal or sample-terminal")?;
                let (s, term) = match t.as_str() {
                    "sample" => (true, false),
                    "terminal" => (false, true),
                    "sample-terminal" => (true, true),
                    _ => {
                        return Err(ConfigError::expected(
                            t.pos,
                            "sample, terminal or sample-terminal",
                            &t.text,
                        ))
                    }
                };
                self.actions.push(traffic_action(s, term));
            }
            "community" => self
                .attributes
                .set(Attribute::Communities(parse_communities(cur)?)),
            "large-community" => self
                .attributes
                .set(Attribute::LargeCommunities(parse_large_communities(cur)?)),
            "extended-community" => self.explicit_ext.extend(parse_extended_communities(cur)?),
            "interface-set" => {
                for t in cur.list("an interface-set (transitive:input:ASN:group)")? {
                    self.actions.push(parse_interface_set(t)?);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Parse every keyword of a token stream.
    pub fn parse_all(&mut self, cur: &mut Cursor, section: FlowSection) -> Result<(), ConfigError> {
        while let Some(kw) = cur.next() {
            if !self.parse_keyword(kw, cur, section)? {
                return Err(unknown_flow_keyword(kw, section));
            }
        }
        Ok(())
    }

    pub fn finish(self, at: Pos) -> Result<FlowRoute, ConfigError> {
        if self.components.is_empty() {
            // RFC 8955 §4.2: an empty NLRI would match every packet.
            return Err(ConfigError::new(
                at,
                "expected at least one match component in the flow route",
            ));
        }
        if self.ipv6 && self.prefix_v4 == Some(true) {
            return Err(ConfigError::new(
                at,
                "an IPv6 flow (next-header, traffic-class, flow-label or an ipv6 section) cannot match IPv4 prefixes",
            ));
        }
        let afi = if self.ipv6 { Afi::IPV6 } else { Afi::IPV4 };
        let safi = if self.rd.is_some() {
            Safi::FLOW_VPN
        } else {
            Safi::FLOW
        };
        let mut attributes = self.attributes;
        let mut ext = self.actions;
        ext.extend(self.explicit_ext);
        ext.sort();
        ext.dedup();
        if !ext.is_empty() {
            attributes.set(Attribute::ExtendedCommunities(ext));
        }
        if !self.ipv6_ext.is_empty() {
            let data: Vec<u8> = self.ipv6_ext.iter().flatten().copied().collect();
            attributes.set(Attribute::Raw(RawAttribute {
                flags: flag::OPTIONAL | flag::TRANSITIVE,
                code: 25,
                data: data.into(),
            }));
        }
        let mut components = self.components;
        components.sort_by_key(|c| c.kind);
        Ok(FlowRoute {
            name: self.name,
            family: Family::new(afi, safi),
            rd: self.rd,
            next_hop: self
                .next_hop
                .map(|(ip, _)| NextHop::Ip(ip))
                .unwrap_or(NextHop::None),
            components,
            attributes,
            watchdog: self.watchdog,
            withdrawn: self.withdraw,
        })
    }
}

fn unknown_flow_keyword(kw: &Token, section: FlowSection) -> ConfigError {
    let what = match section {
        FlowSection::Match => "a flow match keyword",
        FlowSection::Then => "a flow action",
        FlowSection::Scope => "a flow scope keyword (interface-set)",
        FlowSection::Route => "'rd', 'next-hop', 'match', 'then' or 'scope'",
        FlowSection::Any => "a flow keyword",
    };
    ConfigError::new(
        kw.pos,
        format!("invalid keyword '{}': expected {what}", kw.text),
    )
}

/// `transitive|non-transitive:input|output|input-output:<asn32>:<group14>`.
fn parse_interface_set(t: &Token) -> Result<ExtendedCommunity, ConfigError> {
    let bad = || {
        ConfigError::expected(
            t.pos,
            "an interface-set (transitive|non-transitive:input|output|input-output:ASN:group)",
            &t.text,
        )
    };
    let p: Vec<&str> = t.text.split(':').collect();
    if p.len() != 4 {
        return Err(bad());
    }
    let transitive = match p[0] {
        "transitive" => true,
        "non-transitive" => false,
        _ => return Err(bad()),
    };
    let dir = match p[1] {
        "input" => 1,
        "output" => 2,
        "input-output" => 3,
        _ => return Err(bad()),
    };
    let asn: u32 = p[2].parse().map_err(|_| bad())?;
    let group: u16 = p[3].parse().ok().filter(|g| *g <= 0x3FFF).ok_or_else(bad)?;
    Ok(interface_set(transitive, dir, asn, group))
}

/// A `flow { }` section body: `route NAME { ... }` blocks and single-line
/// `route ...;` statements.
pub fn parse_flow_section(body: &[Node], out: &mut Vec<FlowRoute>) -> Result<(), ConfigError> {
    for node in body {
        match node {
            Node::Block {
                head,
                body,
                open_pos,
                ..
            } => {
                let kw = &head[0];
                if !kw.is("route") {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!("invalid keyword '{}' in flow: expected 'route'", kw.text),
                    ));
                }
                if head.len() > 2 {
                    return Err(ConfigError::expected(head[2].pos, "'{'", &head[2].text));
                }
                let mut b = FlowBuilder {
                    name: head.get(1).map(|t| t.text.to_string()),
                    ..FlowBuilder::default()
                };
                parse_flow_block(body, &mut b)?;
                out.push(b.finish(*open_pos)?);
            }
            Node::Stmt { tokens, end_pos } => {
                let kw = &tokens[0];
                if !kw.is("route") {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!("invalid keyword '{}' in flow: expected 'route'", kw.text),
                    ));
                }
                out.push(parse_flow_line(&tokens[1..], *end_pos)?);
            }
        }
    }
    Ok(())
}

/// The body of `route NAME { ... }`.
pub fn parse_flow_block(body: &[Node], b: &mut FlowBuilder) -> Result<(), ConfigError> {
    for node in body {
        match node {
            Node::Block { head, body, .. } => {
                let kw = &head[0];
                let section = match kw.as_str() {
                    "match" => FlowSection::Match,
                    "then" => FlowSection::Then,
                    "scope" => FlowSection::Scope,
                    _ => {
                        return Err(ConfigError::new(
                            kw.pos,
                            format!(
                                "invalid keyword '{}': expected 'match', 'then' or 'scope'",
                                kw.text
                            ),
                        ))
                    }
                };
                if let Some(t) = head.get(1) {
                    return Err(ConfigError::expected(t.pos, "'{'", &t.text));
                }
                for n in body {
                    match n {
                        Node::Stmt { tokens, end_pos } => {
                            let mut cur = Cursor::new(tokens, *end_pos);
                            let kw = cur.expect("a keyword")?;
                            if !b.parse_keyword(kw, &mut cur, section)? {
                                return Err(unknown_flow_keyword(kw, section));
                            }
                            cur.finish()?;
                        }
                        Node::Block { head, .. } => {
                            return Err(ConfigError::new(
                                head[0].pos,
                                format!("invalid section '{}' inside {}", head[0].text, kw.text),
                            ));
                        }
                    }
                }
            }
            Node::Stmt { tokens, end_pos } => {
                let mut cur = Cursor::new(tokens, *end_pos);
                let kw = cur.expect("a keyword")?;
                if !b.parse_keyword(kw, &mut cur, FlowSection::Route)? {
                    return Err(unknown_flow_keyword(kw, FlowSection::Route));
                }
                cur.finish()?;
            }
        }
    }
    Ok(())
}

/// Single-line form: `[NAME] <match/then/scope words...>` (also the text API's
/// flow arguments once `{ } ;` and the `match`/`then`/`scope` words are removed,
/// which [`parse_flow_tokens`] does).
pub fn parse_flow_line(toks: &[Token], end: Pos) -> Result<FlowRoute, ConfigError> {
    parse_flow_line_afi(toks, end, None)
}

/// As [`parse_flow_line`], for a known address family (`announce { ipv6 {
/// flow ... } }` is IPv6 even when it matches no prefix).
pub fn parse_flow_line_afi(
    toks: &[Token],
    end: Pos,
    afi: Option<Afi>,
) -> Result<FlowRoute, ConfigError> {
    let mut b = FlowBuilder {
        ipv6: afi == Some(Afi::IPV6),
        ..FlowBuilder::default()
    };
    let mut cur = Cursor::new(toks, end);
    if let Some(t) = cur.peek() {
        if section_of(&t.text).is_none() && !t.is("match") && !t.is("then") && !t.is("scope") {
            b.name = Some(t.text.to_string());
            cur.next();
        }
    }
    let filtered: Vec<Token<'_>> = cur_rest(&mut cur)
        .into_iter()
        .filter(|t| {
            !(t.is("match") || t.is("then") || t.is("scope") || t.is("{") || t.is("}") || t.is(";"))
        })
        .collect();
    let mut cur = Cursor::new(&filtered, end);
    b.parse_all(&mut cur, FlowSection::Any)?;
    let at = toks.first().map(|t| t.pos).unwrap_or(end);
    b.finish(at)
}

fn cur_rest<'a>(cur: &mut Cursor<'a>) -> Vec<Token<'a>> {
    let mut v = Vec::new();
    while let Some(t) = cur.next() {
        v.push(t.clone());
    }
    v
}

/// Text API helper: flow arguments in any of the accepted shapes.
pub fn parse_flow_tokens(toks: &[Token], end: Pos) -> Result<FlowRoute, ConfigError> {
    parse_flow_line(toks, end)
}
