//! `l2vpn { vpls ... }` (RFC 4761 VPLS, reference §1.10), also used by
//! `announce { l2vpn { vpls ... } }`.

use super::error::{ConfigError, Pos};
use super::lexer::Token;
use super::model::NextHop;
use super::route::{split_parens, unknown_attribute, Allow, RouteAttrs};
use super::tree::Node;
use super::value::{parse_rd, parse_uint, Cursor};
use crate::wire::attribute::Attributes;
use crate::wire::nlri::RouteDistinguisher;
use serde::{Deserialize, Serialize};

/// A configured VPLS NLRI (RFC 4761 §3.2.2) with its attributes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VplsRoute {
    /// `vpls NAME { }` (not sent).
    pub name: Option<String>,
    pub rd: RouteDistinguisher,
    /// VE ID.
    pub endpoint: u16,
    /// Label base.
    pub base: u32,
    /// VE block offset.
    pub offset: u16,
    /// VE block size.
    pub size: u16,
    pub next_hop: NextHop,
    pub attributes: Attributes,
    pub watchdog: Option<String>,
    pub withdrawn: bool,
}

#[derive(Default)]
struct VplsBuilder {
    rd: Option<RouteDistinguisher>,
    endpoint: Option<u16>,
    base: Option<u32>,
    offset: Option<u16>,
    size: Option<u16>,
    attrs: RouteAttrs,
}

const ALLOW: Allow = Allow {
    label_rd: false,
    path_information: false,
    split: false,
    next_hop: true,
};

impl VplsBuilder {
    fn keyword(&mut self, kw: &Token, cur: &mut Cursor) -> Result<(), ConfigError> {
        let num = |cur: &mut Cursor, what: &str, max: u64| -> Result<u64, ConfigError> {
            let t = cur.expect(what)?;
            parse_uint(t, what, max)
        };
        match kw.as_str() {
            "rd" | "route-distinguisher" if !kw.quoted => {
                self.rd = Some(parse_rd(cur.expect("a route distinguisher")?)?)
            }
            "endpoint" if !kw.quoted => {
                self.endpoint = Some(num(cur, "an endpoint (0..65535)", 0xFFFF)? as u16)
            }
            // The label base is a 20-bit label.
            "base" if !kw.quoted => {
                self.base = Some(num(cur, "a label base (0..1048575)", 0xF_FFFF)? as u32)
            }
            "offset" if !kw.quoted => {
                self.offset = Some(num(cur, "an offset (0..65535)", 0xFFFF)? as u16)
            }
            "size" if !kw.quoted => self.size = Some(num(cur, "a size (0..65535)", 0xFFFF)? as u16),
            _ => {
                if !self.attrs.parse_keyword(kw, cur, ALLOW)? {
                    return Err(unknown_attribute(kw));
                }
            }
        }
        Ok(())
    }

    fn finish(self, name: Option<String>, at: Pos) -> Result<VplsRoute, ConfigError> {
        let missing =
            |what: &str| ConfigError::new(at, format!("incomplete vpls: expected '{what}'"));
        Ok(VplsRoute {
            name,
            rd: self.rd.ok_or_else(|| missing("rd"))?,
            endpoint: self.endpoint.ok_or_else(|| missing("endpoint"))?,
            base: self.base.ok_or_else(|| missing("base"))?,
            offset: self.offset.ok_or_else(|| missing("offset"))?,
            size: self.size.ok_or_else(|| missing("size"))?,
            next_hop: self.attrs.next_hop.unwrap_or(NextHop::None),
            attributes: self.attrs.attributes,
            watchdog: self.attrs.watchdog,
            withdrawn: self.attrs.withdraw,
        })
    }
}

/// Single-line `vpls <words>` (tokens after `vpls`); also for the text API.
pub fn parse_vpls_line(toks: &[Token], end: Pos) -> Result<VplsRoute, ConfigError> {
    let toks = split_parens(toks);
    let mut cur = Cursor::new(&toks, end);
    let mut b = VplsBuilder::default();
    while let Some(kw) = cur.next() {
        b.keyword(kw, &mut cur)?;
    }
    let at = toks.first().map(|t| t.pos).unwrap_or(end);
    b.finish(None, at)
}

/// The body of an `l2vpn { }` section.
pub fn parse_l2vpn_section(body: &[Node], out: &mut Vec<VplsRoute>) -> Result<(), ConfigError> {
    for node in body {
        match node {
            Node::Stmt { tokens, end_pos } => {
                let kw = &tokens[0];
                if !kw.is("vpls") {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!("invalid keyword '{}' in l2vpn: expected 'vpls'", kw.text),
                    ));
                }
                out.push(parse_vpls_line(&tokens[1..], *end_pos)?);
            }
            Node::Block {
                head,
                body,
                open_pos,
                ..
            } => {
                let kw = &head[0];
                if !kw.is("vpls") {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!("invalid keyword '{}' in l2vpn: expected 'vpls'", kw.text),
                    ));
                }
                if let Some(t) = head.get(2) {
                    return Err(ConfigError::expected(t.pos, "'{'", &t.text));
                }
                let mut b = VplsBuilder::default();
                for n in body {
                    match n {
                        Node::Stmt { tokens, end_pos } => {
                            let toks = split_parens(tokens);
                            let mut cur = Cursor::new(&toks, *end_pos);
                            let kw = cur.expect("a keyword")?;
                            b.keyword(kw, &mut cur)?;
                            cur.finish()?;
                        }
                        Node::Block { head, .. } => {
                            return Err(ConfigError::new(
                                head[0].pos,
                                format!("invalid section '{}' inside vpls", head[0].text),
                            ));
                        }
                    }
                }
                out.push(b.finish(head.get(1).map(|t| t.text.to_string()), *open_pos)?);
            }
        }
    }
    Ok(())
}
