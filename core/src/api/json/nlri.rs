//! One NLRI as a JSON element (reference §4.5).

use super::ascii::{Ascii, Piece};
use super::{push_hex, push_ip, push_ipv4, push_u64};
use crate::wire::family::Safi;
use crate::wire::nlri::{Nlri, Prefix};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

#[inline]
pub(crate) fn push_prefix(out: &mut String, p: &Prefix) {
    match *p {
        Prefix::V4 { addr, len } => {
            let mut a = Piece::new();
            a.ipv4(addr);
            a.text(b"/");
            a.octet(len);
            out.push_str(a.as_str());
        }
        Prefix::V6 { .. } => {
            push_ip(out, p.addr());
            out.push('/');
            push_u64(out, p.len() as u64);
        }
    }
}

/// The JSON element of an IPv4 prefix, preceded by `, ` unless `first`: what
/// [`write_nlri`] writes for it, built on the stack (the hot path of a
/// received table).
#[inline]
pub(crate) fn v4_element<const N: usize>(
    a: &mut Ascii<N>,
    addr: u32,
    len: u8,
    path_id: Option<u32>,
    compact: bool,
    first: bool,
) {
    if !first {
        a.text(b", ");
    }
    if compact && path_id.is_none() {
        a.text(b"\"");
        a.ipv4(addr);
        a.text(b"/");
        a.octet(len);
        a.text(b"\"");
        return;
    }
    a.text(b"{ \"nlri\": \"");
    a.ipv4(addr);
    a.text(b"/");
    a.octet(len);
    a.text(b"\"");
    if let Some(id) = path_id {
        // RFC 7911 path identifiers are shown dotted, like a router-id.
        a.text(b", \"path-information\": \"");
        a.ipv4(id);
        a.text(b"\"");
    }
    a.text(b" }");
}

fn push_path_id(out: &mut String, path_id: Option<u32>) {
    if let Some(id) = path_id {
        // RFC 7911 path identifiers are shown dotted, like a router-id.
        out.push_str(", \"path-information\": \"");
        push_ipv4(out, Ipv4Addr::from(id));
        out.push('"');
    }
}

/// Write one NLRI (for the families the codec keeps as one opaque field, every
/// route of the field, `, `-separated). `compact` is `exabgp.api.compact`: a
/// prefix without path-id is then a bare string. Returns false when nothing was
/// written: ExaBGP silently drops FlowSpec rules it considers invalid.
pub fn write_nlri(out: &mut String, n: &Nlri, compact: bool) -> bool {
    write_nlri_nh(out, n, compact, None)
}

/// [`write_nlri`] for NLRI announced with next hop `nh` (BGP-LS node and
/// prefix NLRI show it).
pub(crate) fn write_nlri_nh(out: &mut String, n: &Nlri, compact: bool, nh: Option<IpAddr>) -> bool {
    match n {
        Nlri::Prefix { prefix, path_id } => {
            if compact && path_id.is_none() {
                out.push('"');
                push_prefix(out, prefix);
                out.push('"');
                return true;
            }
            out.push_str("{ \"nlri\": \"");
            push_prefix(out, prefix);
            out.push('"');
            push_path_id(out, *path_id);
            out.push_str(" }");
            true
        }
        Nlri::Labeled(n) => {
            out.push_str("{ \"nlri\": \"");
            push_prefix(out, &n.prefix);
            out.push('"');
            push_path_id(out, n.path_id);
            out.push_str(", \"label\": [ ");
            for (i, l) in n.labels.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('[');
                push_u64(out, *l as u64);
                out.push(']');
            }
            out.push_str(" ]");
            if let Some(rd) = n.rd {
                let _ = write!(out, ", \"rd\": \"{rd}\"");
            }
            out.push_str(" }");
            true
        }
        Nlri::Raw { family, data } => {
            // The codec keeps a whole NLRI field of these families as one Raw
            // value: split it into routes here (each renders as one element).
            if family.safi == Safi::FLOW || family.safi == Safi::FLOW_VPN {
                let mut first = true;
                for rule in split_flow(data) {
                    if let Ok(r) = super::flow::FlowRule::decode(*family, rule) {
                        if !first {
                            out.push_str(", ");
                        }
                        first = false;
                        // A redirect-to-IP rule shows its next hop (observed).
                        r.write_json(out, nh);
                    }
                }
                return !first;
            } else if family.safi == Safi::BGP_LS || family.safi == Safi::BGP_LS_VPN {
                return super::bgpls::write_bgpls_field(out, data, nh);
            } else if family.safi == Safi::MUP {
                super::mup::write_mup_field(out, family.afi, data);
                return true;
            } else if family.safi == Safi::MCAST_VPN {
                super::mvpn::write_mvpn_field(out, data);
                return true;
            } else if family.safi == Safi::VPLS {
                super::vpls::write_vpls_field(out, data);
                return true;
            } else if family.safi == Safi::EVPN {
                let mut d: &[u8] = data;
                let mut first = true;
                while d.len() >= 2 {
                    let n = 2 + d[1] as usize;
                    let Some(route) = d.get(..n) else { break };
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                    super::evpn::write_evpn(out, route);
                    d = &d[n..];
                }
                if d.is_empty() && !first {
                    return true;
                }
                if !first {
                    out.push_str(", ");
                }
                out.push_str("{ \"raw\": \"");
                push_hex(out, d);
                out.push_str("\" }");
                return true;
            }
            // Families we cannot structure yet: the bytes, so nothing is hidden.
            out.push_str("{ \"raw\": \"");
            push_hex(out, data);
            out.push_str("\" }");
            true
        }
    }
}

/// Split a FlowSpec NLRI field into rules by their RFC 8955 §4.1 length
/// (1 octet below 240, else 2 octets `0xfnnn`). Stops at a truncated rule.
fn split_flow(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut d = data;
    std::iter::from_fn(move || {
        let (&h, rest) = d.split_first()?;
        let (len, body) = if h < 0xf0 {
            (h as usize, rest)
        } else {
            let (&l, rest2) = rest.split_first()?;
            (((h as usize) & 0x0f) << 8 | l as usize, rest2)
        };
        let rule = body.get(..len)?;
        d = &body[len..];
        Some(rule)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::nlri::RouteDistinguisher;
    use smallvec::smallvec;

    fn r(n: Nlri, compact: bool) -> String {
        let mut s = String::new();
        write_nlri(&mut s, &n, compact);
        s
    }

    #[test]
    fn unicast_prefix_forms() {
        let p = Prefix::truncating("10.0.0.0".parse().unwrap(), 24).unwrap();
        assert_eq!(r(Nlri::prefix(p), false), r#"{ "nlri": "10.0.0.0/24" }"#);
        assert_eq!(r(Nlri::prefix(p), true), r#""10.0.0.0/24""#);
        assert_eq!(
            r(
                Nlri::Prefix {
                    prefix: p,
                    path_id: Some(1)
                },
                true
            ),
            r#"{ "nlri": "10.0.0.0/24", "path-information": "0.0.0.1" }"#
        );
        let p6 = Prefix::truncating("2001:db8::".parse().unwrap(), 32).unwrap();
        assert_eq!(r(Nlri::prefix(p6), false), r#"{ "nlri": "2001:db8::/32" }"#);
    }

    #[test]
    fn labelled_and_vpn() {
        let p = Prefix::truncating("10.0.0.0".parse().unwrap(), 24).unwrap();
        assert_eq!(
            r(Nlri::labeled(p, smallvec![100], None, Some(1)), false),
            r#"{ "nlri": "10.0.0.0/24", "path-information": "0.0.0.1", "label": [ [100] ] }"#
        );
        let rd = RouteDistinguisher([0, 0, 0xF7, 0x65, 0, 0, 0, 100]);
        assert_eq!(
            r(Nlri::labeled(p, smallvec![110, 120], Some(rd), None), false),
            r#"{ "nlri": "10.0.0.0/24", "label": [ [110], [120] ], "rd": "63333:100" }"#
        );
    }

    quickcheck::quickcheck! {
        /// The stack-built IPv4 element is byte for byte the general one.
        fn v4_element_is_write_nlri(addr: u32, len: u8, path_id: Option<u32>, compact: bool, first: bool) -> bool {
            let n = Nlri::Prefix { prefix: Prefix::V4 { addr, len }, path_id };
            let mut want = String::new();
            if !first {
                want.push_str(", ");
            }
            write_nlri(&mut want, &n, compact);
            let mut a = Piece::new();
            v4_element(&mut a, addr, len, path_id, compact, first);
            a.as_str() == want
        }
    }

    #[test]
    fn longest_v4_element_fits() {
        let mut a = Piece::new();
        v4_element(&mut a, u32::MAX, 255, Some(u32::MAX), false, false);
        assert_eq!(
            a.as_str(),
            r#", { "nlri": "255.255.255.255/255", "path-information": "255.255.255.255" }"#
        );
    }
}
