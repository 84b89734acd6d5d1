//! VPLS NLRI (RFC 4761 §3.2.2): length (2 octets), RD, VE ID, VE block offset,
//! VE block size, label base (20 bits + 4).

use super::{push_hex, push_u64};
use crate::wire::nlri::RouteDistinguisher;
use std::fmt::Write as _;

/// Write every route of a VPLS NLRI field, `, `-separated.
pub(crate) fn write_vpls_field(out: &mut String, data: &[u8]) {
    let mut d = data;
    let mut first = true;
    while d.len() >= 2 {
        let n = 2 + u16::from_be_bytes([d[0], d[1]]) as usize;
        let Some(route) = d.get(..n) else { break };
        if !first {
            out.push_str(", ");
        }
        first = false;
        if !write_vpls(out, &route[2..]) {
            out.push_str("{ \"raw\": \"");
            push_hex(out, route);
            out.push_str("\" }");
        }
        d = &d[n..];
    }
    if !d.is_empty() {
        if !first {
            out.push_str(", ");
        }
        out.push_str("{ \"raw\": \"");
        push_hex(out, d);
        out.push_str("\" }");
    }
}

/// Text forms of the routes of a VPLS NLRI field, without the next hop:
/// `vpls rd R endpoint E base B offset O size S`.
pub(crate) fn vpls_texts(data: &[u8]) -> Vec<String> {
    let mut v = Vec::new();
    let mut d = data;
    while d.len() >= 2 {
        let n = 2 + u16::from_be_bytes([d[0], d[1]]) as usize;
        let Some(route) = d.get(2..n) else { break };
        if route.len() == 17 {
            let mut rd = [0u8; 8];
            rd.copy_from_slice(&route[..8]);
            let u16_at = |i: usize| u16::from_be_bytes([route[i], route[i + 1]]);
            let base = ((route[14] as u32) << 16 | (route[15] as u32) << 8 | route[16] as u32) >> 4;
            v.push(format!(
                "vpls rd {} endpoint {} base {base} offset {} size {}",
                RouteDistinguisher(rd),
                u16_at(8),
                u16_at(10),
                u16_at(12)
            ));
        }
        d = &d[n..];
    }
    v
}

fn write_vpls(out: &mut String, v: &[u8]) -> bool {
    if v.len() != 17 {
        return false;
    }
    let mut rd = [0u8; 8];
    rd.copy_from_slice(&v[..8]);
    let u16_at = |i: usize| u16::from_be_bytes([v[i], v[i + 1]]) as u64;
    let base = ((v[14] as u64) << 16 | (v[15] as u64) << 8 | v[16] as u64) >> 4;
    let _ = write!(
        out,
        "{{ \"rd\": \"{}\", \"endpoint\": ",
        RouteDistinguisher(rd)
    );
    push_u64(out, u16_at(8));
    out.push_str(", \"base\": ");
    push_u64(out, base);
    out.push_str(", \"offset\": ");
    push_u64(out, u16_at(10));
    out.push_str(", \"size\": ");
    push_u64(out, u16_at(12));
    out.push_str(" }");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vpls_like_exabgp() {
        let d = [
            0x00, 0x11, 0x00, 0x01, 0xC0, 0xA8, 0xC9, 0x01, 0x00, 0x7B, 0x00, 0x05, 0x00, 0x01,
            0x00, 0x08, 0x02, 0x9C, 0xE1,
        ];
        let mut s = String::new();
        write_vpls_field(&mut s, &d);
        assert_eq!(
            s,
            r#"{ "rd": "192.168.201.1:123", "endpoint": 5, "base": 10702, "offset": 1, "size": 8 }"#
        );
    }
}
