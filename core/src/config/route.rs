//! Route attribute keywords (reference §1.7), shared by `static { }`,
//! `announce { }`, `l2vpn { }`, `flow { }` and (later) the text API's
//! `announce route ...` command, which can call [`parse_route`] on the tokens
//! of a command line (see [`super::lexer::command_tokens`]).

use super::community::{parse_communities, parse_extended_communities, parse_large_communities};
use super::error::{ConfigError, Pos};
use super::lexer::Token;
use super::model::{NextHop, Route};
use super::value::{
    asn_from_str, hex_bytes, parse_asn, parse_dec, parse_ip, parse_ipv4, parse_prefix, parse_rd,
    parse_uint, Cursor,
};
use crate::wire::attribute::{
    flag, Aggregator, AsPath, AsPathSegment, Attribute, Attributes, Origin, RawAttribute,
    SegmentKind,
};
use crate::wire::family::{Afi, Family, Safi};
use crate::wire::nlri::{Label, Nlri, Prefix, RouteDistinguisher};
use smallvec::SmallVec;
use std::net::{IpAddr, Ipv6Addr};

/// The largest number of routes one `split` may produce (guards against a
/// typo such as `split /32` on a /0 allocating billions of routes).
pub const MAX_SPLIT_ROUTES: u64 = 1 << 20;

/// ExaBGP's config lexer leaves `(`/`)` glued to words (`(18144:1.2.3.4)`);
/// route keywords treat them as separate tokens.
/// Borrows the input when no token needs splitting (the common case).
pub fn split_parens<'a>(toks: &'a [Token<'a>]) -> std::borrow::Cow<'a, [Token<'a>]> {
    // A branch-free byte fold (vectorised): `str::contains(char)` twice per
    // token, then an early-exit scan, showed in the API parse profile.
    let glued = |t: &Token| {
        t.text
            .bytes()
            .fold(false, |a, c| a | (c == b'(') | (c == b')'))
    };
    let needs = |t: &Token| !t.quoted && t.text.len() > 1 && glued(t);
    if !toks.iter().any(needs) {
        return std::borrow::Cow::Borrowed(toks);
    }
    let mut out = Vec::with_capacity(toks.len());
    for t in toks {
        if t.quoted || !(t.text.contains('(') || t.text.contains(')')) || t.text.len() == 1 {
            out.push(t.clone());
            continue;
        }
        let mut word = String::new();
        let mut start = t.pos;
        for (i, c) in t.text.chars().enumerate() {
            let p = Pos::new(t.pos.line, t.pos.column + i as u32);
            if c == '(' || c == ')' {
                if !word.is_empty() {
                    out.push(Token::new(std::mem::take(&mut word), start));
                }
                out.push(Token::new(c.to_string(), p));
            } else {
                if word.is_empty() {
                    start = p;
                }
                word.push(c);
            }
        }
        if !word.is_empty() {
            out.push(Token::new(word, start));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Everything the route keywords can set, before it is turned into routes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteAttrs {
    pub next_hop: Option<NextHop>,
    /// Where `next-hop` was written (for errors found later).
    pub next_hop_pos: Option<Pos>,
    pub attributes: Attributes,
    pub labels: Option<SmallVec<[Label; 1]>>,
    pub rd: Option<RouteDistinguisher>,
    pub path_id: Option<u32>,
    /// `split /len` and where it was written.
    pub split: Option<(u8, Pos)>,
    pub watchdog: Option<String>,
    pub withdraw: bool,
    /// `name <label>`: internal tag, never sent.
    pub name: Option<String>,
}

/// Which keywords a context accepts besides the common attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allow {
    pub label_rd: bool,
    pub path_information: bool,
    pub split: bool,
    pub next_hop: bool,
}

impl Allow {
    pub const ALL: Allow = Allow {
        label_rd: true,
        path_information: true,
        split: true,
        next_hop: true,
    };
}

fn parse_origin(t: &Token) -> Result<Origin, ConfigError> {
    match t.text.to_ascii_lowercase().as_str() {
        "igp" => Ok(Origin::Igp),
        "egp" => Ok(Origin::Egp),
        "incomplete" => Ok(Origin::Incomplete),
        _ => Err(ConfigError::expected(
            t.pos,
            "an origin (igp, egp, incomplete)",
            &t.text,
        )),
    }
}

/// `as-path ASN`, or groups `[ .. ]` (AS_SEQUENCE), `( .. )` (AS_SET),
/// `[ { .. } ]` / `( { .. } )` (confederation), one after the other.
pub fn parse_as_path(cur: &mut Cursor) -> Result<AsPath, ConfigError> {
    let first = cur.expect("an AS path")?;
    let mut path = AsPath::default();
    if !(first.is("[") || first.is("(")) {
        let asn = parse_asn(first)?;
        path.segments.push(AsPathSegment {
            kind: SegmentKind::Sequence,
            asns: SmallVec::from_slice(&[asn]),
        });
        return Ok(path);
    }
    let mut open = first;
    loop {
        let close = if open.is("[") { "]" } else { ")" };
        let confed = cur.eat("{");
        let kind = match (open.is("["), confed) {
            (true, false) => SegmentKind::Sequence,
            (false, false) => SegmentKind::Set,
            (true, true) => SegmentKind::ConfedSequence,
            (false, true) => SegmentKind::ConfedSet,
        };
        let mut asns: SmallVec<[u32; 6]> = SmallVec::new();
        loop {
            let t = cur.expect_with(|| format!("an AS number or '{close}'"))?;
            if t.is(",") {
                continue;
            }
            if confed && t.is("}") {
                let c = cur.expect_with(|| format!("'{close}'"))?;
                if !c.is(close) {
                    return Err(ConfigError::expected(c.pos, &format!("'{close}'"), &c.text));
                }
                break;
            }
            if !confed && t.is(close) {
                break;
            }
            if t.is("[") || t.is("(") || t.is("]") || t.is(")") || t.is("{") {
                return Err(ConfigError::expected(
                    t.pos,
                    &format!("an AS number or '{close}' (AS path groups do not nest)"),
                    &t.text,
                ));
            }
            asns.push(parse_asn(t)?);
        }
        // `as-path [ ]` is an empty path, not an empty segment.
        if !asns.is_empty() {
            path.segments.push(AsPathSegment { kind, asns });
        }
        match cur.peek() {
            Some(t) if t.is("[") || t.is("(") => {
                open = t;
                cur.next();
            }
            _ => break,
        }
    }
    Ok(path)
}

fn parse_label(t: &Token) -> Result<Label, ConfigError> {
    Ok(parse_uint(t, "an MPLS label (0..1048575)", 0xF_FFFF)? as Label)
}

fn parse_path_id(t: &Token) -> Result<u32, ConfigError> {
    if t.text.contains('.') {
        return parse_ipv4(t).map(u32::from);
    }
    Ok(parse_uint(t, "a path identifier (number or a.b.c.d)", u32::MAX as u64)? as u32)
}

/// `bgp-prefix-sid [ index, [ ( base,range ) ... ] ]` → BGP Prefix-SID
/// attribute (RFC 8669 §3.1 label-index TLV, §3.2 originator SRGB TLV).
fn parse_prefix_sid(cur: &mut Cursor) -> Result<RawAttribute, ConfigError> {
    let first = cur.expect("'[' or a label index")?;
    let (index, bracket) = if first.is("[") {
        (
            parse_uint(
                cur.expect("a label index")?,
                "a label index",
                u32::MAX as u64,
            )? as u32,
            true,
        )
    } else {
        (
            parse_uint(first, "a label index", u32::MAX as u64)? as u32,
            false,
        )
    };
    let mut srgb: Vec<(u32, u32)> = Vec::new();
    if bracket {
        loop {
            let t = cur.expect("',', '[' or ']'")?;
            if t.is(",") {
                continue;
            }
            if t.is("]") {
                break;
            }
            if !t.is("[") {
                return Err(ConfigError::expected(
                    t.pos,
                    "'[' (SRGB list) or ']'",
                    &t.text,
                ));
            }
            loop {
                let t = cur.expect("'(' or ']'")?;
                if t.is(",") {
                    continue;
                }
                if t.is("]") {
                    break;
                }
                if !t.is("(") {
                    return Err(ConfigError::expected(t.pos, "'( base, range )'", &t.text));
                }
                let base =
                    parse_uint(cur.expect("an SRGB base")?, "an SRGB base", 0xFF_FFFF)? as u32;
                cur.eat(",");
                let range =
                    parse_uint(cur.expect("an SRGB range")?, "an SRGB range", 0xFF_FFFF)? as u32;
                cur.expect_word(")")?;
                srgb.push((base, range));
            }
        }
    }
    let mut d = Vec::with_capacity(10 + 6 * srgb.len());
    d.extend_from_slice(&[1, 0, 7, 0, 0, 0]);
    d.extend_from_slice(&index.to_be_bytes());
    if !srgb.is_empty() {
        d.push(3);
        d.extend_from_slice(&((2 + 6 * srgb.len()) as u16).to_be_bytes());
        d.extend_from_slice(&[0, 0]);
        for (b, r) in srgb {
            d.extend_from_slice(&b.to_be_bytes()[1..]);
            d.extend_from_slice(&r.to_be_bytes()[1..]);
        }
    }
    Ok(RawAttribute {
        flags: flag::OPTIONAL | flag::TRANSITIVE,
        code: 40,
        data: d.into(),
    })
}

/// `bgp-prefix-sid-srv6 ( l3-service|l2-service SID [behavior] [ [lbl,lnl,fl,al,tl,to] ] )`
/// → Prefix-SID attribute with an SRv6 L3 (type 5) or L2 (type 6) service TLV
/// (RFC 9252 §2, §3.1 SID information sub-TLV, §3.2.1 SID structure).
fn parse_prefix_sid_srv6(cur: &mut Cursor) -> Result<RawAttribute, ConfigError> {
    let paren = cur.eat("(");
    let svc = cur.expect("'l3-service' or 'l2-service'")?;
    let tlv_type = match svc.as_str() {
        "l3-service" => 5u8,
        "l2-service" => 6u8,
        _ => {
            return Err(ConfigError::expected(
                svc.pos,
                "'l3-service' or 'l2-service'",
                &svc.text,
            ))
        }
    };
    let sid_t = cur.expect("an SRv6 SID (IPv6 address)")?;
    let sid: Ipv6Addr = sid_t
        .text
        .parse()
        .map_err(|_| ConfigError::expected(sid_t.pos, "an SRv6 SID (IPv6 address)", &sid_t.text))?;
    // ExaBGP's default endpoint behavior is 0xFFFF (opaque).
    let mut behavior: u16 = 0xFFFF;
    let mut structure: Option<[u8; 6]> = None;
    loop {
        match cur.peek() {
            Some(t) if t.is(")") && paren => {
                cur.next();
                break;
            }
            None if !paren => break,
            Some(t) if t.is("[") => {
                cur.next();
                let mut v = [0u8; 6];
                let mut n = 0;
                loop {
                    let t = cur.expect("a SID structure value or ']'")?;
                    if t.is(",") {
                        continue;
                    }
                    if t.is("]") {
                        break;
                    }
                    if n >= 6 {
                        return Err(ConfigError::expected(
                            t.pos,
                            "']' after six SID structure values",
                            &t.text,
                        ));
                    }
                    v[n] = parse_uint(t, "a SID structure length (0..255)", 255)? as u8;
                    n += 1;
                }
                if n != 6 {
                    return Err(ConfigError::new(
                        cur.here(),
                        "expected six SID structure values [lbl,lnl,fl,al,tlen,toff]",
                    ));
                }
                structure = Some(v);
            }
            Some(t) if structure.is_none() && !t.is(")") => {
                cur.next();
                behavior = parse_uint(t, "an endpoint behavior", 0xFFFF)? as u16;
            }
            Some(t) => return Err(ConfigError::expected(t.pos, "')'", &t.text)),
            None => {
                return Err(ConfigError::new(
                    cur.end_pos(),
                    "expected ')', found end of statement",
                ))
            }
        }
    }
    let mut sub = Vec::with_capacity(30);
    sub.push(0); // reserved
    sub.extend_from_slice(&sid.octets());
    sub.push(0); // SID flags
    sub.extend_from_slice(&behavior.to_be_bytes());
    sub.push(0); // reserved
    if let Some(s) = structure {
        sub.push(1);
        sub.extend_from_slice(&6u16.to_be_bytes());
        sub.extend_from_slice(&s);
    }
    let mut d = Vec::with_capacity(sub.len() + 7);
    d.push(tlv_type);
    d.extend_from_slice(&((sub.len() + 4) as u16).to_be_bytes());
    d.push(0); // reserved
    d.push(1); // SRv6 SID information sub-TLV
    d.extend_from_slice(&(sub.len() as u16).to_be_bytes());
    d.extend_from_slice(&sub);
    Ok(RawAttribute {
        flags: flag::OPTIONAL | flag::TRANSITIVE,
        code: 40,
        data: d.into(),
    })
}

/// `attribute [ 0xCODE 0xFLAGS 0xDATA ]`.
fn parse_generic_attribute(cur: &mut Cursor) -> Result<RawAttribute, ConfigError> {
    cur.expect_word("[")?;
    let c = cur.expect("an attribute code (0x..)")?;
    let code = parse_uint(c, "an attribute code", 255)? as u8;
    let f = cur.expect("attribute flags (0x..)")?;
    let flags = parse_uint(f, "attribute flags", 255)? as u8;
    let d = cur.expect("attribute data (0x..) or ']'")?;
    let data = if d.is("]") {
        return Ok(RawAttribute {
            flags,
            code,
            data: Box::default(),
        });
    } else {
        let h = d
            .text
            .strip_prefix("0x")
            .or_else(|| d.text.strip_prefix("0X"))
            .and_then(hex_bytes)
            .ok_or_else(|| {
                ConfigError::expected(
                    d.pos,
                    "attribute data as 0x followed by hex digits",
                    &d.text,
                )
            })?;
        h.into_boxed_slice()
    };
    cur.expect_word("]")?;
    Ok(RawAttribute { flags, code, data })
}

impl RouteAttrs {
    /// Apply one keyword (already read as `kw`) with its arguments from `cur`.
    /// Returns `Ok(false)` if `kw` is not a route attribute keyword.
    pub fn parse_keyword(
        &mut self,
        kw: &Token,
        cur: &mut Cursor,
        allow: Allow,
    ) -> Result<bool, ConfigError> {
        if kw.quoted {
            return Ok(false);
        }
        let a = &mut self.attributes;
        match kw.as_str() {
            "next-hop" if allow.next_hop => {
                let t = cur.expect("a next-hop (IP address or 'self')")?;
                self.next_hop = Some(if t.is("self") {
                    NextHop::SelfAddress
                } else {
                    NextHop::Ip(parse_ip(t).map_err(|_| {
                        ConfigError::expected(t.pos, "a next-hop (IP address or 'self')", &t.text)
                    })?)
                });
                self.next_hop_pos = Some(t.pos);
            }
            "origin" => a.set(Attribute::Origin(parse_origin(cur.expect("an origin")?)?)),
            "as-path" => a.set(Attribute::AsPath(parse_as_path(cur)?)),
            "med" => {
                let t = cur.expect("a MED value")?;
                a.set(Attribute::Med(
                    parse_dec(t, "a MED value", 0, u32::MAX as u64)? as u32,
                ))
            }
            "local-preference" => {
                let t = cur.expect("a local-preference value")?;
                a.set(Attribute::LocalPref(parse_dec(
                    t,
                    "a local-preference value",
                    0,
                    u32::MAX as u64,
                )? as u32))
            }
            "community" => {
                // An empty list (`community [ ]`) sets nothing: an empty
                // attribute would not survive a decode/encode round trip.
                let v = parse_communities(cur)?;
                a.remove(crate::wire::attribute::code::COMMUNITIES);
                if !v.is_empty() {
                    a.set(Attribute::Communities(v))
                }
            }
            "large-community" => {
                let v = parse_large_communities(cur)?;
                a.remove(crate::wire::attribute::code::LARGE_COMMUNITIES);
                if !v.is_empty() {
                    a.set(Attribute::LargeCommunities(v))
                }
            }
            "extended-community" => {
                let v = parse_extended_communities(cur)?;
                a.remove(crate::wire::attribute::code::EXTENDED_COMMUNITIES);
                if !v.is_empty() {
                    a.set(Attribute::ExtendedCommunities(v))
                }
            }
            "atomic-aggregate" => a.set(Attribute::AtomicAggregate),
            "aggregator" => {
                let paren = cur.eat("(");
                let t = cur.expect("an aggregator (asn:ipv4)")?;
                let bad = || ConfigError::expected(t.pos, "an aggregator (asn:ipv4)", &t.text);
                let (asn, ip) = t.text.split_once(':').ok_or_else(bad)?;
                let asn = asn_from_str(asn).ok_or_else(bad)?;
                let address = ip.parse().map_err(|_| bad())?;
                if paren {
                    cur.expect_word(")")?;
                }
                a.set(Attribute::Aggregator(Aggregator { asn, address }))
            }
            "originator-id" => a.set(Attribute::OriginatorId(parse_ipv4(
                cur.expect("an originator-id (IPv4)")?,
            )?)),
            "cluster-list" => {
                let ids = cur
                    .list("a cluster id (IPv4)")?
                    .into_iter()
                    .map(parse_ipv4)
                    .collect::<Result<Vec<_>, _>>()?;
                a.set(Attribute::ClusterList(ids))
            }
            "aigp" => {
                let t = cur.expect("an AIGP value")?;
                a.set(Attribute::Aigp(parse_uint(t, "an AIGP value", u64::MAX)?))
            }
            "attribute" => a.set(Attribute::Raw(parse_generic_attribute(cur)?)),
            "bgp-prefix-sid" => a.set(Attribute::Raw(parse_prefix_sid(cur)?)),
            "bgp-prefix-sid-srv6" => a.set(Attribute::Raw(parse_prefix_sid_srv6(cur)?)),
            "label" if allow.label_rd => {
                let labels = cur
                    .list("an MPLS label")?
                    .into_iter()
                    .map(parse_label)
                    .collect::<Result<SmallVec<_>, _>>()?;
                self.labels = Some(labels);
            }
            "rd" | "route-distinguisher" if allow.label_rd => {
                self.rd = Some(parse_rd(cur.expect("a route distinguisher")?)?);
            }
            "path-information" if allow.path_information => {
                let id = parse_path_id(cur.expect("a path identifier")?)?;
                // 0 means "no path identifier" (reference §1.7).
                self.path_id = if id == 0 { None } else { Some(id) };
            }
            "split" if allow.split => {
                let t = cur.expect("a split length (/len)")?;
                let len = t
                    .text
                    .strip_prefix('/')
                    .and_then(|l| l.parse::<u8>().ok())
                    .filter(|l| *l <= 128)
                    .ok_or_else(|| {
                        ConfigError::expected(t.pos, "a split length (/len)", &t.text)
                    })?;
                self.split = Some((len, t.pos));
            }
            "watchdog" => {
                let t = cur.expect("a watchdog name")?;
                if t.is("announce") || t.is("withdraw") {
                    return Err(ConfigError::expected(
                        t.pos,
                        "a watchdog name (not announce/withdraw)",
                        &t.text,
                    ));
                }
                self.watchdog = Some(t.text.to_string());
            }
            "withdraw" => self.withdraw = true,
            "name" => self.name = Some(cur.expect("a route name")?.text.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Parse keywords until the cursor is exhausted.
    pub fn parse_all(&mut self, cur: &mut Cursor, allow: Allow) -> Result<(), ConfigError> {
        while let Some(kw) = cur.next() {
            if !self.parse_keyword(kw, cur, allow)? {
                return Err(unknown_attribute(kw));
            }
        }
        Ok(())
    }

    /// The family a `route` statement selects (reference §1.7): `rd` →
    /// mpls-vpn, `label` → nlri-mpls, IPv4 multicast address → multicast.
    pub fn route_family(&self, prefix: &Prefix) -> Family {
        if self.rd.is_some() {
            Family::new(plain_route_family(prefix).afi, Safi::MPLS_VPN)
        } else if self.labels.is_some() {
            Family::new(plain_route_family(prefix).afi, Safi::MPLS)
        } else {
            plain_route_family(prefix)
        }
    }

    /// Turn the attributes and one prefix into routes (several with `split`).
    /// `family` None = chosen by [`Self::route_family`].
    pub fn build(
        &self,
        prefix: Prefix,
        prefix_pos: Pos,
        family: Option<Family>,
        out: &mut Vec<Route>,
    ) -> Result<(), ConfigError> {
        let family = family.unwrap_or_else(|| self.route_family(&prefix));
        let _ = prefix_pos;
        match self.split {
            None => out.push(self.route(
                family,
                prefix,
                self.attributes.clone(),
                self.watchdog.clone(),
            )),
            Some((len, pos)) => {
                for p in split_prefix(prefix, len, pos)? {
                    out.push(self.route(family, p, self.attributes.clone(), self.watchdog.clone()));
                }
            }
        }
        Ok(())
    }

    /// [`Self::build`] for the last use of these attributes: the attribute
    /// set moves into the route instead of being cloned (the API parses one
    /// prefix per line, and the clone was a visible share of its cost).
    pub fn build_owned(
        mut self,
        prefix: Prefix,
        prefix_pos: Pos,
        family: Option<Family>,
        out: &mut Vec<Route>,
    ) -> Result<(), ConfigError> {
        if self.split.is_some() {
            return self.build(prefix, prefix_pos, family, out);
        }
        let family = family.unwrap_or_else(|| self.route_family(&prefix));
        let attributes = std::mem::take(&mut self.attributes);
        let watchdog = self.watchdog.take();
        out.push(self.route(family, prefix, attributes, watchdog));
        Ok(())
    }

    fn route(
        &self,
        family: Family,
        p: Prefix,
        attributes: Attributes,
        watchdog: Option<String>,
    ) -> Route {
        let nlri = if self.rd.is_some()
            || self.labels.is_some()
            || family.safi == Safi::MPLS
            || family.safi == Safi::MPLS_VPN
        {
            Nlri::labeled(
                p,
                self.labels.clone().unwrap_or_default(),
                self.rd,
                self.path_id,
            )
        } else {
            Nlri::Prefix {
                prefix: p,
                path_id: self.path_id,
            }
        };
        Route {
            family,
            nlri,
            next_hop: self.next_hop.unwrap_or(NextHop::None),
            attributes,
            watchdog,
            withdrawn: self.withdraw,
        }
    }
}

/// The family of a `route` without route distinguisher or label: the
/// prefix's AFI, multicast SAFI for IPv4 class D prefixes (ExaBGP's rule),
/// unicast otherwise.
pub fn plain_route_family(prefix: &Prefix) -> Family {
    match *prefix {
        Prefix::V4 { addr, .. } if (0xE000_0000..=0xEFFF_FFFF).contains(&addr) => {
            Family::new(Afi::IPV4, Safi::MULTICAST)
        }
        Prefix::V4 { .. } => Family::new(Afi::IPV4, Safi::UNICAST),
        Prefix::V6 { .. } => Family::new(Afi::IPV6, Safi::UNICAST),
    }
}

pub fn unknown_attribute(kw: &Token) -> ConfigError {
    ConfigError::new(
        kw.pos,
        format!("invalid keyword '{}': expected a route attribute", kw.text),
    )
}

/// All more-specifics of `p` with length `len` (`split /len`).
pub fn split_prefix(
    p: Prefix,
    len: u8,
    pos: Pos,
) -> Result<impl Iterator<Item = Prefix>, ConfigError> {
    let max = if p.is_ipv4() { 32 } else { 128 };
    if len < p.len() || len > max {
        return Err(ConfigError::new(
            pos,
            format!(
                "expected a split length between /{} and /{max}, found /{len}",
                p.len()
            ),
        ));
    }
    let bits = (len - p.len()) as u32;
    if bits >= 64 || (1u64 << bits) > MAX_SPLIT_ROUTES {
        return Err(ConfigError::new(
            pos,
            format!("split /{len} of {p} would create more than {MAX_SPLIT_ROUTES} routes"),
        ));
    }
    let count = 1u128 << bits;
    let step: u128 = 1u128 << (max as u32 - len as u32);
    Ok((0..count).filter_map(move |i| {
        let addr = match p {
            Prefix::V4 { addr, .. } => IpAddr::V4(((addr as u128 + i * step) as u32).into()),
            Prefix::V6 { addr, .. } => IpAddr::V6(addr.wrapping_add(i * step).into()),
        };
        Prefix::new(addr, len).ok()
    }))
}

/// Whether a configured announcement lacks its next hop. ExaBGP refuses
/// every `route` without one ("invalid route (missing next-hop, label or rd
/// ?)"), whatever the family and even with `withdraw` (checked against 5.0).
pub fn needs_next_hop(route: &Route) -> bool {
    route.next_hop == NextHop::None
}

/// `PREFIX <attributes...>` (the tokens after `route`), or the text API's
/// route arguments. `prefix_tokens` may also be `attributes ... nlri P P`.
pub fn parse_route(
    toks: &[Token],
    end: Pos,
) -> Result<(RouteAttrs, Vec<(Prefix, Pos)>), ConfigError> {
    let toks = split_parens(toks);
    let mut cur = Cursor::new(&toks, end);
    let p = cur.expect("a prefix")?;
    let prefix = parse_prefix(p)?;
    let mut attrs = RouteAttrs::default();
    attrs.parse_all(&mut cur, Allow::ALL)?;
    Ok((attrs, vec![(prefix, p.pos)]))
}

/// `attributes <attrs> nlri P1 P2 ...` (the tokens after `attributes`).
pub fn parse_attributes_nlri(
    toks: &[Token],
    end: Pos,
) -> Result<(RouteAttrs, Vec<(Prefix, Pos)>), ConfigError> {
    let toks = split_parens(toks);
    let mut cur = Cursor::new(&toks, end);
    let mut attrs = RouteAttrs::default();
    loop {
        let kw = cur.expect("a route attribute or 'nlri'")?;
        if kw.is("nlri") {
            break;
        }
        if !attrs.parse_keyword(kw, &mut cur, Allow::ALL)? {
            return Err(unknown_attribute(kw));
        }
    }
    let mut prefixes = Vec::new();
    while let Some(t) = cur.next() {
        prefixes.push((parse_prefix(t)?, t.pos));
    }
    if prefixes.is_empty() {
        return Err(ConfigError::new(
            end,
            "expected at least one prefix after 'nlri'",
        ));
    }
    Ok((attrs, prefixes))
}

/// Text API entry point: the arguments of `announce|withdraw route ...`
/// (`PREFIX <attributes>`, i.e. the tokens after `route`) or of
/// `announce|withdraw attributes ... nlri P ...` (tokens starting with
/// `attributes`), turned into routes with the configuration's rules.
/// `announce` requires a next hop, as configured routes do.
pub fn routes_from_tokens(
    toks: &[Token],
    end: Pos,
    announce: bool,
) -> Result<Vec<Route>, ConfigError> {
    let (attrs, prefixes) = match toks.first() {
        Some(t) if t.is("attributes") || t.is("attribute") => {
            parse_attributes_nlri(&toks[1..], end)?
        }
        _ => {
            // `route PREFIX ...`, the API's common line: [`parse_route`]
            // inlined, without its one-element prefix vector or moving the
            // (large, inline) attribute set through a returned tuple.
            let toks = split_parens(toks);
            let mut cur = Cursor::new(&toks, end);
            let t = cur.expect("a prefix")?;
            let (p, pos) = (parse_prefix(t)?, t.pos);
            let mut attrs = RouteAttrs::default();
            attrs.parse_all(&mut cur, Allow::ALL)?;
            let mut out = Vec::with_capacity(1);
            attrs.build_owned(p, pos, None, &mut out)?;
            if announce && out.first().is_some_and(needs_next_hop) {
                return Err(ConfigError::new(
                    pos,
                    format!("expected 'next-hop' for the route {p}"),
                ));
            }
            return Ok(out);
        }
    };
    let mut out = Vec::with_capacity(prefixes.len());
    let check = |out: &Vec<Route>, start: usize, p: Prefix, pos: Pos| {
        if announce && out.get(start).is_some_and(needs_next_hop) {
            return Err(ConfigError::new(
                pos,
                format!("expected 'next-hop' for the route {p}"),
            ));
        }
        Ok(())
    };
    let Some((&(last, last_pos), rest)) = prefixes.split_last() else {
        return Ok(out);
    };
    for &(p, pos) in rest {
        let start = out.len();
        attrs.build(p, pos, None, &mut out)?;
        check(&out, start, p, pos)?;
    }
    let start = out.len();
    attrs.build_owned(last, last_pos, None, &mut out)?;
    check(&out, start, last, last_pos)?;
    Ok(out)
}
