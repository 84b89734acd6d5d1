//! BGP-LS (RFC 7752, RFC 9085 segment routing, RFC 9514 SRv6) NLRI and the
//! BGP-LS attribute (29), as ExaBGP 5.0 renders them. The codec keeps both as
//! bytes; they are decoded here only for display.
//!
//! ExaBGP's BGP-LS JSON mixes two styles: the NLRI object is spaced like the rest
//! of its output (`[ { "autonomous-system": 1 } ]`, empty lists `[  ]`), while
//! many attribute values are Python `json.dumps` output (`["10.0.0.1"]`,
//! `{"B": 1, "S": 0}`). Both are reproduced.

use super::attribute::push_big_decimal;
use super::{push_hex, push_ip, push_py_float, push_str, push_u64};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn u16_of(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
}

fn u32_of(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

/// Iterate the (type, value) TLVs of `d` (2-octet type and length); stops at a
/// truncated TLV, reporting it through `ok`.
fn tlvs(d: &[u8]) -> impl Iterator<Item = Option<(u16, &[u8])>> {
    let mut rest = d;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let t = u16_of(rest);
        let l = rest.get(2..4).and_then(u16_of);
        let item = match (t, l) {
            (Some(t), Some(l)) => rest.get(4..4 + l as usize).map(|v| (t, v)),
            _ => None,
        };
        match item {
            Some((t, v)) => {
                rest = &rest[4 + v.len()..];
                Some(Some((t, v)))
            }
            None => {
                rest = &[];
                Some(None)
            }
        }
    })
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(b).ok()?))),
        _ => None,
    }
}

/// Node descriptor sub-TLVs (RFC 7752 §3.2.1.4) as a list of one-key objects.
fn node_descriptors(out: &mut String, d: &[u8]) -> Option<()> {
    out.push_str("[ ");
    let mut first = true;
    for tlv in tlvs(d) {
        let (t, v) = tlv?;
        if !first {
            out.push_str(", ");
        }
        first = false;
        match t {
            512 => {
                out.push_str("{ \"autonomous-system\": ");
                push_u64(out, u32_of(v)? as u64);
                out.push_str(" }");
            }
            513 => {
                out.push_str("{ \"bgp-ls-identifier\": \"");
                push_u64(out, u32_of(v)? as u64);
                out.push_str("\" }");
            }
            514 => {
                let _ = write!(
                    out,
                    "{{ \"ospf-area-id\": \"{}\" }}",
                    Ipv4Addr::from(u32_of(v)?)
                );
            }
            515 => match v.len() {
                // OSPF router-id.
                4 => {
                    let _ = write!(
                        out,
                        "{{ \"router-id\": \"{}\" }}",
                        Ipv4Addr::from(u32_of(v)?)
                    );
                }
                // OSPF pseudonode: router-id then the DR's interface address.
                8 => {
                    let _ = write!(
                        out,
                        "{{ \"router-id\": \"{}\", \"designated-router-id\": \"{}\" }}",
                        Ipv4Addr::from(u32_of(v)?),
                        Ipv4Addr::from(u32_of(&v[4..])?)
                    );
                }
                // IS-IS pseudonode: system-id then the PSN octet.
                7 => {
                    let _ = write!(
                        out,
                        "{{ \"router-id\": \"{}\", \"psn\": \"{}\" }}",
                        hex_lower(v),
                        v[6]
                    );
                }
                // IS-IS system-id (and anything else): hex digits.
                _ => {
                    let _ = write!(out, "{{ \"router-id\": \"{}\" }}", hex_lower(v));
                }
            },
            _ => {
                let _ = write!(out, "{{ \"generic-tlv-{t}\": \"");
                push_hex(out, v);
                out.push_str("\" }");
            }
        }
    }
    out.push_str(" ]");
    Some(())
}

fn string_list(out: &mut String, items: &[String]) {
    out.push_str("[ ");
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(s);
    }
    out.push_str(" ]");
}

/// One BGP-LS NLRI (type, length, value). `nh` is shown on node and prefix
/// NLRI (ExaBGP does not show it on link NLRI).
fn write_one(out: &mut String, kind: u16, v: &[u8], nh: Option<IpAddr>) -> Option<()> {
    let name = match kind {
        1 => "bgpls-node",
        2 => "bgpls-link",
        3 => "bgpls-prefix-v4",
        4 => "bgpls-prefix-v6",
        _ => return None,
    };
    let proto = *v.first()?;
    let id = u64::from_be_bytes(v.get(1..9)?.try_into().ok()?);
    let mut s = String::new();
    let _ = write!(
        s,
        "{{ \"ls-nlri-type\": \"{name}\", \"l3-routing-topology\": {id}, \"protocol-id\": {proto}"
    );
    let (mut ifaces, mut neighbors, mut mts, mut links) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut reach, mut reach_prefix, mut ospf_type) = (None, None, None);
    for tlv in tlvs(&v[9..]) {
        let (t, val) = tlv?;
        match t {
            256 => {
                s.push_str(if kind == 2 {
                    ", \"local-node-descriptors\": "
                } else {
                    ", \"node-descriptors\": "
                });
                node_descriptors(&mut s, val)?;
            }
            257 => {
                s.push_str(", \"remote-node-descriptors\": ");
                node_descriptors(&mut s, val)?;
            }
            258 => {
                let l = u32_of(val)?;
                let r = u32_of(val.get(4..)?)?;
                links.push(format!(
                    "{{ \"link-local-id\": {l}, \"link-remote-id\": {r} }}"
                ));
            }
            259..=262 => {
                let ip = ip_of(val)?;
                let list = if t == 259 || t == 261 {
                    &mut ifaces
                } else {
                    &mut neighbors
                };
                list.push(format!("\"{ip}\""));
            }
            263 => {
                for c in val.chunks(2) {
                    mts.push((u16_of(c)? & 0x0fff).to_string());
                }
            }
            264 => ospf_type = Some(*val.first()?),
            265 => {
                let (&bits, rest) = val.split_first()?;
                let v6 = kind == 4;
                let mut b = [0u8; 16];
                let n = rest.len().min(if v6 { 16 } else { 4 });
                b[..n].copy_from_slice(&rest[..n]);
                let ip = if v6 {
                    IpAddr::V6(Ipv6Addr::from(b))
                } else {
                    IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
                };
                reach = Some(ip.to_string());
                reach_prefix = Some(format!("{ip}/{bits}"));
            }
            _ => {}
        }
    }
    if kind == 2 {
        s.push_str(", \"interface-addresses\": ");
        string_list(&mut s, &ifaces);
        s.push_str(", \"neighbor-addresses\": ");
        string_list(&mut s, &neighbors);
        s.push_str(", \"multi-topology-ids\": ");
        string_list(&mut s, &mts);
        s.push_str(", \"link-identifiers\": ");
        string_list(&mut s, &links);
    }
    if let (Some(r), Some(p)) = (reach, reach_prefix) {
        let _ = write!(
            s,
            ", \"ip-reachability-tlv\": \"{r}\", \"ip-reach-prefix\": \"{p}\""
        );
    }
    if kind != 2 {
        if let Some(nh) = nh {
            s.push_str(", \"nexthop\": \"");
            push_ip(&mut s, nh);
            s.push('"');
        }
    }
    if let Some(t) = ospf_type {
        let _ = write!(s, ", \"ospf-route-type\": {t}");
    }
    s.push_str(" }");
    out.push_str(&s);
    Some(())
}

/// Every NLRI of a BGP-LS NLRI field, `, `-separated; false if none rendered.
pub(crate) fn write_bgpls_field(out: &mut String, data: &[u8], nh: Option<IpAddr>) -> bool {
    let mut first = true;
    for tlv in tlvs(data) {
        let mark = out.len();
        if !first {
            out.push_str(", ");
        }
        let ok = match tlv {
            Some((kind, v)) => write_one(out, kind, v, nh).is_some(),
            None => false,
        };
        if ok {
            first = false;
        } else {
            // Unknown or malformed: show the bytes rather than hide them.
            out.truncate(mark);
            if !first {
                out.push_str(", ");
            }
            out.push_str("{ \"raw\": \"");
            push_hex(out, data);
            out.push_str("\" }");
            return true;
        }
    }
    !first
}

/// `{"O": 1, ..., "RSV": 0}`: ExaBGP always shows the reserved bits as 0.
fn flags_json(out: &mut String, byte: u8, names: &[&str]) {
    out.push('{');
    for (i, n) in names.iter().enumerate() {
        let bit = 0x80u8 >> i;
        let _ = write!(out, "\"{n}\": {}, ", u8::from(byte & bit != 0));
    }
    out.push_str("\"RSV\": 0}");
}

fn f32_of(b: &[u8]) -> Option<f64> {
    Some(f32::from_bits(u32_of(b)?) as f64)
}

/// The BGP-LS attribute (RFC 7752 §3.3): `"bgp-ls": { ... }`. Keys follow the
/// TLV order; TLVs ExaBGP collects into one list are merged at the first one.
pub(crate) fn write_bgpls_attribute(out: &mut String, data: &[u8]) -> bool {
    let mut items: Vec<(String, String)> = Vec::new();
    // Index in `items` of the list-valued keys, and their elements.
    let mut lists: Vec<(usize, &'static str, Vec<String>, bool)> = Vec::new();
    let mut add_list = |items: &mut Vec<(String, String)>,
                        key: &'static str,
                        el: String,
                        spaced: bool| {
        match lists.iter_mut().find(|l| l.1 == key) {
            Some(l) => l.2.push(el),
            None => {
                items.push((key.to_string(), String::new()));
                lists.push((items.len() - 1, key, vec![el], spaced));
            }
        }
    };
    for tlv in tlvs(data) {
        let Some((t, v)) = tlv else { return false };
        let mut val = String::new();
        let key: String = match t {
            1024 => {
                flags_json(
                    &mut val,
                    *v.first().unwrap_or(&0),
                    &["O", "T", "E", "B", "R", "V"],
                );
                "node-flags".into()
            }
            1026 => {
                push_str(&mut val, &String::from_utf8_lossy(v));
                "node-name".into()
            }
            1027 => {
                val.push('"');
                push_big_decimal(&mut val, v);
                val.push('"');
                "area-id".into()
            }
            1028 | 1029 => {
                let Some(ip) = ip_of(v) else { return false };
                add_list(
                    &mut items,
                    "local-te-router-ids",
                    format!("\"{ip}\""),
                    false,
                );
                continue;
            }
            1030 | 1031 => {
                // Sic: a single value, not a list like the local ones.
                let Some(ip) = ip_of(v) else { return false };
                let _ = write!(val, "\"{ip}\"");
                "remote-te-router-id".into()
            }
            1034 => {
                // SR capabilities (RFC 9085 §2.1.2): flags, reserved, then
                // (range, SID/label sub-TLV) pairs.
                flags_json(&mut val, *v.first().unwrap_or(&0), &["I", "V"]);
                items.push(("sr-capability-flags".into(), val));
                let mut sids = Vec::new();
                let mut rest = v.get(2..).unwrap_or(&[]);
                while rest.len() >= 3 {
                    let range = (rest[0] as u32) << 16 | (rest[1] as u32) << 8 | rest[2] as u32;
                    let sub = &rest[3..];
                    let (Some(st), Some(sl)) = (u16_of(sub), sub.get(2..).and_then(u16_of)) else {
                        break;
                    };
                    let Some(sv) = sub.get(4..4 + sl as usize) else {
                        break;
                    };
                    let label = match sv.len() {
                        3 => (sv[0] as u32) << 16 | (sv[1] as u32) << 8 | sv[2] as u32,
                        4 => u32_of(sv).unwrap_or(0),
                        _ => 0,
                    };
                    let _ = st;
                    sids.push(format!("[{range}, {label}]"));
                    rest = &sub[4 + sl as usize..];
                }
                items.push(("sids".into(), format!("[{}]", sids.join(", "))));
                continue;
            }
            1035 => {
                let a: Vec<String> = v.iter().map(|x| x.to_string()).collect();
                val = format!("[{}]", a.join(", "));
                "sr-algorithms".into()
            }
            1088 => {
                push_u64(&mut val, u32_of(v).unwrap_or(0) as u64);
                "admin-group-mask".into()
            }
            1089 | 1090 => {
                let Some(f) = f32_of(v) else { return false };
                push_py_float(&mut val, f);
                if t == 1089 {
                    "maximum-link-bandwidth"
                } else {
                    "maximum-reservable-link-bandwidth"
                }
                .into()
            }
            1091 => {
                val.push('[');
                for (i, c) in v.chunks(4).enumerate() {
                    if i > 0 {
                        val.push_str(", ");
                    }
                    push_py_float(&mut val, f32_of(c).unwrap_or(0.0));
                }
                val.push(']');
                "unreserved-bandwidth".into()
            }
            1092 => {
                push_u64(&mut val, u32_of(v).unwrap_or(0) as u64);
                "te-metric".into()
            }
            1095 => {
                let m = v.iter().fold(0u64, |a, b| a << 8 | *b as u64);
                push_u64(&mut val, m);
                "igp-metric".into()
            }
            1099 | 1100 => {
                // Adjacency SID (RFC 9085 §2.2.1): flags, weight, reserved, SID.
                let flags = *v.first().unwrap_or(&0);
                flags_json(&mut val, flags, &["F", "B", "V", "L", "S", "P"]);
                let weight = v.get(1).copied().unwrap_or(0);
                let sid = v.get(4..).unwrap_or(&[]);
                let sid = match sid.len() {
                    3 => ((sid[0] as u32) << 16 | (sid[1] as u32) << 8 | sid[2] as u32).to_string(),
                    4 => u32_of(sid).unwrap_or(0).to_string(),
                    _ => String::new(),
                };
                let val = format!(
                    "{{\"flags\": {val}, \"sids\": [{sid}], \"weight\": {weight}, \"undecoded-sids\": []}}"
                );
                items.push((if t == 1099 { "sr-adj" } else { "sr-adj-lan" }.into(), val));
                continue;
            }
            1106 | 1107 => {
                // SRv6 End.X SID (RFC 9514 §4.1/§4.2): behavior, flags,
                // algorithm, weight, reserved, [neighbor id,] SID, sub-TLVs.
                let lan = t == 1107;
                let Some(behavior) = u16_of(v) else {
                    return false;
                };
                let flags = *v.get(2).unwrap_or(&0);
                let algorithm = *v.get(3).unwrap_or(&0);
                let weight = *v.get(4).unwrap_or(&0);
                let mut p = 6;
                let mut e = String::from("{\"flags\": ");
                flags_json(&mut e, flags, &["B", "S", "P"]);
                if lan {
                    let Some(n) = v.get(p..p + 6) else {
                        return false;
                    };
                    let _ = write!(e, ", \"neighbor-id\": \"{}\"", hex_lower(n));
                    p += 6;
                }
                let Some(sid) = v.get(p..p + 16).and_then(ip_of) else {
                    return false;
                };
                p += 16;
                let _ = write!(
                    e,
                    ", \"behavior\": {behavior}, \"algorithm\": {algorithm}, \"weight\": {weight}, \"sid\": \"{sid}\""
                );
                for sub in tlvs(v.get(p..).unwrap_or(&[])) {
                    let Some((st, sv)) = sub else { break };
                    if st == 1252 && sv.len() == 4 {
                        let _ = write!(
                            e,
                            ", \"srv6-sid-structure\": {{\"loc_block_len\": {}, \"loc_node_len\": {}, \"func_len\": {}, \"arg_len\": {}}}",
                            sv[0], sv[1], sv[2], sv[3]
                        );
                    }
                }
                e.push('}');
                add_list(
                    &mut items,
                    if lan {
                        "srv6-lan-endx-isis"
                    } else {
                        "srv6-endx"
                    },
                    e,
                    true,
                );
                continue;
            }
            1155 => {
                push_u64(&mut val, u32_of(v).unwrap_or(0) as u64);
                "prefix-metric".into()
            }
            1170 => {
                flags_json(&mut val, *v.first().unwrap_or(&0), &["X", "R", "N"]);
                "sr-prefix-attribute-flags".into()
            }
            _ => {
                let mut h = String::from("0x");
                push_hex(&mut h, v);
                val = format!("[\"{h}\"]");
                format!("generic-lsid-{t}")
            }
        };
        items.push((key, val));
    }
    for (idx, _, els, spaced) in &lists {
        items[*idx].1 = if *spaced {
            format!("[ {} ]", els.join(", "))
        } else {
            format!("[{}]", els.join(", "))
        };
    }
    out.push_str("\"bgp-ls\": { ");
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\": ");
        out.push_str(v);
    }
    out.push_str(" }");
    true
}
