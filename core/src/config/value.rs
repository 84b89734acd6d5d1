//! Scalar value parsers shared by every section, and the token cursor.

use super::error::{ConfigError, Pos};
use super::lexer::Token;
use crate::wire::nlri::{Prefix, RouteDistinguisher};
use std::net::{IpAddr, Ipv4Addr};

/// A read position over the tokens of one statement.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    toks: &'a [Token<'a>],
    i: usize,
    /// Where "end of statement" errors point (the terminator).
    end: Pos,
}

impl<'a> Cursor<'a> {
    pub fn new(toks: &'a [Token<'a>], end: Pos) -> Cursor<'a> {
        Cursor { toks, i: 0, end }
    }
    pub fn peek(&self) -> Option<&'a Token<'a>> {
        self.toks.get(self.i)
    }
    pub fn peek_is(&self, s: &str) -> bool {
        self.peek().is_some_and(|t| t.is(s))
    }
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<&'a Token<'a>> {
        let t = self.toks.get(self.i)?;
        self.i += 1;
        Some(t)
    }
    pub fn is_done(&self) -> bool {
        self.i >= self.toks.len()
    }
    pub fn end_pos(&self) -> Pos {
        self.end
    }
    /// Position of the next token, or of the end of the statement.
    pub fn here(&self) -> Pos {
        self.peek().map(|t| t.pos).unwrap_or(self.end)
    }
    /// The next token, or "expected WHAT, found end of statement".
    pub fn expect(&mut self, what: &str) -> Result<&'a Token<'a>, ConfigError> {
        self.expect_with(|| what.to_string())
    }
    /// `expect` whose WHAT is only built on the error path: the API parses
    /// millions of lines a second and they nearly all succeed, so formatting
    /// the message eagerly cost ~13% of parse time.
    pub fn expect_with(
        &mut self,
        what: impl FnOnce() -> String,
    ) -> Result<&'a Token<'a>, ConfigError> {
        match self.next() {
            Some(t) => Ok(t),
            None => Err(ConfigError::new(
                self.end,
                format!("expected {}, found end of statement", what()),
            )),
        }
    }
    /// Consume `s` if it is next.
    pub fn eat(&mut self, s: &str) -> bool {
        if self.peek_is(s) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// Require `s` next.
    pub fn expect_word(&mut self, s: &str) -> Result<(), ConfigError> {
        let t = self.expect_with(|| format!("'{s}'"))?;
        if t.is(s) {
            Ok(())
        } else {
            Err(ConfigError::expected(t.pos, &format!("'{s}'"), &t.text))
        }
    }
    /// Error unless every token was consumed.
    pub fn finish(&self) -> Result<(), ConfigError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(ConfigError::expected(t.pos, "';'", &t.text)),
        }
    }
    /// The tokens of a `[ a b c ]` list (commas skipped) or a single token.
    pub fn list(&mut self, what: &str) -> Result<Vec<&'a Token<'a>>, ConfigError> {
        let first = self.expect(what)?;
        if !first.is("[") {
            return Ok(vec![first]);
        }
        let mut out = Vec::new();
        loop {
            let t = self.expect_with(|| format!("{what} or ']'"))?;
            if t.is("]") {
                return Ok(out);
            }
            if t.is(",") {
                continue;
            }
            if t.is("[") {
                return Err(ConfigError::expected(t.pos, what, "["));
            }
            out.push(t);
        }
    }
}

pub fn parse_ip(t: &Token) -> Result<IpAddr, ConfigError> {
    t.text
        .parse::<IpAddr>()
        .map_err(|_| ConfigError::expected(t.pos, "an IP address", &t.text))
}

pub fn parse_ipv4(t: &Token) -> Result<Ipv4Addr, ConfigError> {
    t.text
        .parse::<Ipv4Addr>()
        .map_err(|_| ConfigError::expected(t.pos, "an IPv4 address", &t.text))
}

/// Decimal (or `0x` hexadecimal when `hex`) integer up to `max`.
pub fn parse_uint(t: &Token, what: &str, max: u64) -> Result<u64, ConfigError> {
    let s = t.as_str();
    let v = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<u64>().ok()
    } else {
        None
    };
    match v {
        Some(v) if v <= max => Ok(v),
        Some(v) => Err(ConfigError::new(
            t.pos,
            format!("expected {what} (at most {max}), found {v}"),
        )),
        None => Err(ConfigError::expected(t.pos, what, &t.text)),
    }
}

/// Decimal-only unsigned integer within `lo..=hi`.
pub fn parse_dec(t: &Token, what: &str, lo: u64, hi: u64) -> Result<u64, ConfigError> {
    let s = t.as_str();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ConfigError::expected(t.pos, what, s));
    }
    match s.parse::<u64>() {
        Ok(v) if (lo..=hi).contains(&v) => Ok(v),
        _ => Err(ConfigError::new(
            t.pos,
            format!("expected {what} in {lo}..{hi}, found {s}"),
        )),
    }
}

/// ASN text: plain `0..=4294967295` or asdot `H.L` (reference §1.3).
pub fn asn_from_str(s: &str) -> Option<u32> {
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if let Some((h, l)) = s.split_once('.') {
        if !digits(h) || !digits(l) {
            return None;
        }
        let h: u32 = h.parse().ok().filter(|v| *v <= 65535)?;
        let l: u32 = l.parse().ok().filter(|v| *v <= 65535)?;
        return Some((h << 16) | l);
    }
    if !digits(s) {
        return None;
    }
    s.parse::<u32>().ok()
}

pub fn parse_asn(t: &Token) -> Result<u32, ConfigError> {
    asn_from_str(&t.text).ok_or_else(|| {
        ConfigError::expected(t.pos, "an AS number (0..4294967295 or asdot H.L)", &t.text)
    })
}

/// ExaBGP booleans: `true/enable/enabled` and `false/disable/disabled`
/// (case-insensitive).
pub fn bool_from_str(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "enable" | "enabled" => Some(true),
        "false" | "disable" | "disabled" => Some(false),
        _ => None,
    }
}

pub fn parse_bool(t: &Token) -> Result<bool, ConfigError> {
    bool_from_str(&t.text).ok_or_else(|| {
        ConfigError::expected(t.pos, "a boolean (true, false, enable, disable)", &t.text)
    })
}

/// An IPv4 address in the exact form `Ipv4Addr::from_str` accepts (four
/// decimal octets of at most 255, no leading zeros), parsed in one pass; None
/// for anything else, which then goes to the standard parser. API feeds parse
/// a prefix per line, and the standard parser was a visible share of that.
pub fn dotted_quad(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.as_bytes().split(|b| *b == b'.');
    for o in octets.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
            return None;
        }
        let mut v = 0u16;
        for &d in p {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u16::from(d - b'0');
        }
        *o = u8::try_from(v).ok()?;
    }
    match parts.next() {
        None => Some(Ipv4Addr::from(octets)),
        Some(_) => None,
    }
}

/// `addr/len`, or a bare address meaning a host route. Host bits must be zero.
pub fn parse_prefix(t: &Token) -> Result<Prefix, ConfigError> {
    let (a, l) = match t.text.bytes().position(|b| b == b'/') {
        Some(i) => (&t.text[..i], Some(&t.text[i + 1..])),
        None => (t.as_str(), None),
    };
    let addr: IpAddr = match dotted_quad(a) {
        Some(v4) => IpAddr::V4(v4),
        None => a
            .parse()
            .map_err(|_| ConfigError::expected(t.pos, "an IP prefix (address/length)", &t.text))?,
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match l {
        None => max,
        Some(l) => l.parse::<u8>().ok().filter(|v| *v <= max).ok_or_else(|| {
            ConfigError::new(
                t.pos,
                format!(
                    "expected a prefix length of at most {max}, found '{l}' in '{}'",
                    t.text
                ),
            )
        })?,
    };
    Prefix::new(addr, len)
        .map_err(|e| ConfigError::new(t.pos, format!("invalid prefix '{}': {e}", t.text)))
}

/// Route distinguisher (RFC 4364 §4.2): `a.b.c.d:n16` (type 1), `asn16:n32`
/// (type 0) or `asn32:n16` (type 2).
pub fn parse_rd(t: &Token) -> Result<RouteDistinguisher, ConfigError> {
    let bad = || {
        ConfigError::expected(
            t.pos,
            "a route distinguisher (ipv4:n, asn16:n32 or asn32:n16)",
            &t.text,
        )
    };
    let (a, n) = t.text.rsplit_once(':').ok_or_else(bad)?;
    let mut b = [0u8; 8];
    if let Ok(ip) = a.parse::<Ipv4Addr>() {
        let n: u16 = n.parse().map_err(|_| bad())?;
        b[1] = 1;
        b[2..6].copy_from_slice(&ip.octets());
        b[6..8].copy_from_slice(&n.to_be_bytes());
    } else {
        let asn: u32 = asn_from_str(a).ok_or_else(bad)?;
        if asn <= 0xFFFF {
            let n: u32 = n.parse().map_err(|_| bad())?;
            b[2..4].copy_from_slice(&(asn as u16).to_be_bytes());
            b[4..8].copy_from_slice(&n.to_be_bytes());
        } else {
            let n: u16 = n.parse().map_err(|_| bad())?;
            b[1] = 2;
            b[2..6].copy_from_slice(&asn.to_be_bytes());
            b[6..8].copy_from_slice(&n.to_be_bytes());
        }
    }
    Ok(RouteDistinguisher(b))
}

/// Hex string (after `0x`) to bytes.
pub fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if s.len() & 1 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::dotted_quad;
    use quickcheck::QuickCheck;
    use std::net::Ipv4Addr;

    /// Whenever the fast parser answers, it agrees with the standard one, and
    /// it answers for every address the standard one formats.
    #[test]
    fn dotted_quad_agrees_with_the_standard_parser() {
        fn formatted(a: u32) -> bool {
            let ip = Ipv4Addr::from(a);
            dotted_quad(&ip.to_string()) == Some(ip)
        }
        fn any_text(s: String) -> bool {
            dotted_quad(&s).is_none_or(|ip| s.parse::<Ipv4Addr>() == Ok(ip))
        }
        fn digits_and_dots(v: Vec<u8>) -> bool {
            let s: String = v
                .iter()
                .map(|b| b"0123456789.x"[*b as usize % 12] as char)
                .collect();
            dotted_quad(&s) == s.parse::<Ipv4Addr>().ok()
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(formatted as fn(u32) -> bool);
        QuickCheck::new()
            .tests(2000)
            .quickcheck(any_text as fn(String) -> bool);
        QuickCheck::new()
            .tests(5000)
            .quickcheck(digits_and_dots as fn(Vec<u8>) -> bool);
        for s in [
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1..2.3",
            "",
            "1.2.3.4 ",
            "0.0.0.0",
        ] {
            assert_eq!(dotted_quad(s), s.parse::<Ipv4Addr>().ok(), "{s:?}");
        }
    }
}
