//! A small, self-contained, never-panicking BGP message pretty printer used
//! only for failure reports (RFC 4271 §4, RFC 4760, RFC 2918/7313). It is
//! independent from oxbgp-core on purpose: the oracle must not share bugs with
//! the code it judges.

use crate::msgfile::to_hex;
use std::fmt::Write;

/// BGP message type name (RFC 4271 §4.1, RFC 2918 §3).
pub fn type_name(t: u8) -> &'static str {
    match t {
        1 => "OPEN",
        2 => "UPDATE",
        3 => "NOTIFICATION",
        4 => "KEEPALIVE",
        5 => "ROUTE-REFRESH",
        _ => "UNKNOWN",
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

fn attr_name(code: u8) -> &'static str {
    match code {
        1 => "ORIGIN",
        2 => "AS_PATH",
        3 => "NEXT_HOP",
        4 => "MED",
        5 => "LOCAL_PREF",
        6 => "ATOMIC_AGGREGATE",
        7 => "AGGREGATOR",
        8 => "COMMUNITIES",
        9 => "ORIGINATOR_ID",
        10 => "CLUSTER_LIST",
        14 => "MP_REACH_NLRI",
        15 => "MP_UNREACH_NLRI",
        16 => "EXTENDED_COMMUNITIES",
        17 => "AS4_PATH",
        18 => "AS4_AGGREGATOR",
        22 => "PMSI_TUNNEL",
        25 => "IPV6_EXT_COMMUNITIES",
        26 => "AIGP",
        29 => "BGP-LS",
        32 => "LARGE_COMMUNITIES",
        40 => "PREFIX_SID",
        _ => "?",
    }
}

fn cap_name(code: u8) -> &'static str {
    match code {
        1 => "multiprotocol",
        2 => "route-refresh",
        3 => "outbound-route-filtering",
        6 => "extended-message",
        9 => "bgpsec",
        64 => "graceful-restart",
        65 => "asn4",
        69 => "add-path",
        70 => "enhanced-route-refresh",
        71 => "long-lived-graceful-restart",
        73 => "fqdn",
        75 => "software-version",
        128 => "route-refresh(old)",
        _ => "?",
    }
}

/// IPv4 prefixes in RFC 4271 §4.3 NLRI encoding; stops with a note on garbage.
/// Unicast/multicast prefixes (RFC 4271 §4.3, RFC 4760 §5) of an address
/// family with `width` octets (4 or 16); stops with a note on garbage.
fn prefixes(mut b: &[u8], width: usize, out: &mut String, what: &str) {
    while let Some(&len) = b.first() {
        let n = (len as usize).div_ceil(8);
        let Some(bytes) = b.get(1..1 + n) else {
            let _ = writeln!(out, "    {what}: <truncated prefix, bytes {}>", to_hex(b));
            return;
        };
        if n > width {
            let _ = writeln!(out, "    {what}: <bad length {len}, bytes {}>", to_hex(b));
            return;
        }
        let _ = writeln!(out, "    {what} {}/{len}", address(bytes, width));
        b = &b[1 + n..];
    }
}

fn ipv4_prefixes(b: &[u8], out: &mut String, what: &str) {
    prefixes(b, 4, out, what)
}

/// Text form of a (possibly truncated) IPv4 or IPv6 address.
fn address(bytes: &[u8], width: usize) -> String {
    if width == 4 {
        let mut a = [0u8; 4];
        let n = bytes.len().min(4);
        a[..n].copy_from_slice(&bytes[..n]);
        std::net::Ipv4Addr::from(a).to_string()
    } else {
        let mut a = [0u8; 16];
        let n = bytes.len().min(16);
        a[..n].copy_from_slice(&bytes[..n]);
        std::net::Ipv6Addr::from(a).to_string()
    }
}

/// Breakdown of MP_REACH_NLRI / MP_UNREACH_NLRI for IPv4/IPv6 unicast and
/// multicast (RFC 4760 §3, §4); other families are left as hex.
fn describe_mp(code: u8, value: &[u8], out: &mut String) {
    let (Some(afi), Some(&safi)) = (u16_at(value, 0), value.get(2)) else {
        return;
    };
    let width = match (afi, safi) {
        (1, 1 | 2) => 4,
        (2, 1 | 2) => 16,
        _ => return,
    };
    if code == 15 {
        prefixes(value.get(3..).unwrap_or(&[]), width, out, "  mp-withdraw");
        return;
    }
    let Some(&nhlen) = value.get(3) else { return };
    let nhlen = nhlen as usize;
    let Some(nh) = value.get(4..4 + nhlen) else {
        let _ = writeln!(out, "      <next-hop beyond attribute>");
        return;
    };
    let hops: Vec<String> = nh.chunks(width).map(|c| address(c, width)).collect();
    let _ = writeln!(out, "      next-hop {}", hops.join(" "));
    // one reserved octet (RFC 4760 §3) then the NLRI
    prefixes(
        value.get(5 + nhlen..).unwrap_or(&[]),
        width,
        out,
        "  mp-announce",
    );
}

fn describe_update(body: &[u8], out: &mut String) {
    if body.len() == 4 && body == [0, 0, 0, 0] {
        let _ = writeln!(out, "  End-of-RIB ipv4 unicast");
        return;
    }
    let Some(wlen) = u16_at(body, 0) else {
        let _ = writeln!(out, "  <truncated UPDATE>");
        return;
    };
    let wlen = wlen as usize;
    let Some(withdrawn) = body.get(2..2 + wlen) else {
        let _ = writeln!(out, "  <withdrawn length {wlen} beyond message>");
        return;
    };
    let _ = writeln!(out, "  withdrawn routes length {wlen}");
    ipv4_prefixes(withdrawn, out, "withdraw");
    let Some(alen) = u16_at(body, 2 + wlen) else {
        let _ = writeln!(out, "  <truncated attribute length>");
        return;
    };
    let alen = alen as usize;
    let astart = 4 + wlen;
    let Some(mut attrs) = body.get(astart..astart + alen) else {
        let _ = writeln!(out, "  <attribute length {alen} beyond message>");
        return;
    };
    let _ = writeln!(out, "  path attributes length {alen}");
    while !attrs.is_empty() {
        let (Some(&flags), Some(&code)) = (attrs.first(), attrs.get(1)) else {
            let _ = writeln!(out, "    <truncated attribute {}>", to_hex(attrs));
            break;
        };
        let ext = flags & 0x10 != 0;
        let (len, hdr) = if ext {
            (u16_at(attrs, 2).map(usize::from), 4)
        } else {
            (attrs.get(2).map(|l| *l as usize), 3)
        };
        let Some(len) = len else {
            let _ = writeln!(out, "    <truncated attribute {}>", to_hex(attrs));
            break;
        };
        let Some(value) = attrs.get(hdr..hdr + len) else {
            let _ = writeln!(out, "    <attribute beyond end: {}>", to_hex(attrs));
            break;
        };
        let _ = write!(
            out,
            "    attribute {code} {} flags 0x{flags:02X} length {len} value {}",
            attr_name(code),
            to_hex(value)
        );
        if (code == 14 || code == 15) && value.len() >= 3 {
            let afi = u16_at(value, 0).unwrap_or(0);
            let safi = value[2];
            let _ = write!(out, " (afi {afi} safi {safi})");
            if code == 15 && value.len() == 3 {
                let _ = write!(out, " End-of-RIB");
            }
        }
        let _ = writeln!(out);
        if code == 14 || code == 15 {
            describe_mp(code, value, out);
        }
        attrs = &attrs[hdr + len..];
    }
    if let Some(nlri) = body.get(astart + alen..) {
        ipv4_prefixes(nlri, out, "announce");
    }
}

fn describe_open(body: &[u8], out: &mut String) {
    let (Some(&version), Some(asn), Some(hold), Some(id), Some(&plen)) = (
        body.first(),
        u16_at(body, 1),
        u16_at(body, 3),
        body.get(5..9),
        body.get(9),
    ) else {
        let _ = writeln!(out, "  <truncated OPEN>");
        return;
    };
    let _ = writeln!(
        out,
        "  version {version} my-as {asn} hold-time {hold} router-id {}.{}.{}.{} opt-param-length {plen}",
        id[0], id[1], id[2], id[3]
    );
    let Some(mut params) = body.get(10..10 + plen as usize) else {
        let _ = writeln!(out, "  <optional parameters beyond message>");
        return;
    };
    while let (Some(&ptype), Some(&pl)) = (params.first(), params.get(1)) {
        let Some(pval) = params.get(2..2 + pl as usize) else {
            let _ = writeln!(out, "    <truncated parameter {}>", to_hex(params));
            return;
        };
        if ptype == 2 {
            let mut caps = pval;
            while let (Some(&code), Some(&cl)) = (caps.first(), caps.get(1)) {
                let Some(v) = caps.get(2..2 + cl as usize) else {
                    let _ = writeln!(out, "    <truncated capability {}>", to_hex(caps));
                    break;
                };
                let _ = writeln!(
                    out,
                    "    capability {code} {} length {cl} value {}",
                    cap_name(code),
                    to_hex(v)
                );
                caps = &caps[2 + cl as usize..];
            }
        } else {
            let _ = writeln!(out, "    parameter type {ptype} value {}", to_hex(pval));
        }
        params = &params[2 + pl as usize..];
    }
}

fn describe_notification(body: &[u8], out: &mut String) {
    let (Some(&code), Some(&sub)) = (body.first(), body.get(1)) else {
        let _ = writeln!(out, "  <truncated NOTIFICATION>");
        return;
    };
    let data = &body[2..];
    let _ = writeln!(
        out,
        "  code {code} subcode {sub} data {} text {:?}",
        to_hex(data),
        String::from_utf8_lossy(data)
    );
}

/// Multi-line readable description of one BGP message (header included).
pub fn describe(msg: &[u8]) -> String {
    let mut out = String::new();
    let Some(header) = msg.get(..19) else {
        let _ = writeln!(out, "<short message, {} bytes: {}>", msg.len(), to_hex(msg));
        return out;
    };
    let len = u16_at(header, 16).unwrap_or(0);
    let t = header[18];
    let marker_ok = header[..16].iter().all(|b| *b == 0xFF);
    let _ = writeln!(
        out,
        "{} (type {t}) length {len}{}",
        type_name(t),
        if marker_ok { "" } else { " BAD MARKER" }
    );
    let body = &msg[19..];
    match t {
        1 => describe_open(body, &mut out),
        2 => describe_update(body, &mut out),
        3 => describe_notification(body, &mut out),
        5 => {
            let _ = writeln!(
                out,
                "  afi {} subtype {} safi {}",
                u16_at(body, 0).unwrap_or(0),
                body.get(2).copied().unwrap_or(0),
                body.get(3).copied().unwrap_or(0)
            );
        }
        _ => {}
    }
    let _ = writeln!(out, "  hex {}", to_hex(msg));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgfile::from_hex;

    #[test]
    fn update_breakdown() {
        let m = from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0030020000001540010100400200400304010203044005040000006418010000").unwrap();
        let d = describe(&m);
        assert!(d.starts_with("UPDATE (type 2) length 48"), "{d}");
        assert!(d.contains("attribute 3 NEXT_HOP flags 0x40 length 4 value 01020304"));
        assert!(d.contains("announce 1.0.0.0/24"), "{d}");
    }

    #[test]
    fn open_and_notification() {
        let m = from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0031010400010B4001020304140206010400010001020641040000000102020600").unwrap();
        let d = describe(&m);
        assert!(
            d.contains("my-as 1 hold-time 2880 router-id 1.2.3.4"),
            "{d}"
        );
        assert!(
            d.contains("capability 65 asn4 length 4 value 00000001"),
            "{d}"
        );
        let n = from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF0017030600616263").unwrap();
        assert!(describe(&n).contains("code 6 subcode 0"));
    }

    #[test]
    fn mp_ipv6_breakdown() {
        // MP_REACH ipv6 unicast, next-hop ::1, 2001:db8::/32; MP_UNREACH of the same
        let m = from_hex(concat!(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF004302000000",
            "2C",
            "800E1A0002011000000000000000000000000000000001002020010DB8",
            "800F080002012020010DB8",
            "40010100"
        ))
        .unwrap();
        let d = describe(&m);
        assert!(d.contains("next-hop ::1"), "{d}");
        assert!(d.contains("mp-announce 2001:db8::/32"), "{d}");
        assert!(d.contains("mp-withdraw 2001:db8::/32"), "{d}");
        assert!(d.contains("attribute 1 ORIGIN"), "{d}");
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..64 {
            let v: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = describe(&v);
            let mut h = vec![0xFF; 16];
            h.extend_from_slice(&[0, 0, 2]);
            h.extend_from_slice(&v);
            let _ = describe(&h);
            h[18] = 1;
            let _ = describe(&h);
        }
    }
}
