//! `announce operational ...` (draft-ietf-idr-operational-message; reference
//! §3.3, ExaBGP `configuration/operational/parser.py`):
//! `asm|adm afi <afi> safi <safi> advisory <text>`,
//! `rpcq|apcq|lpcq afi <afi> safi <safi> sequence <n>`,
//! `rpcp|apcp|lpcp afi <afi> safi <safi> sequence <n> counter <n>`,
//! each optionally with `router-id <ipv4>`.

use super::dispatch::{expect_verb, Verb};
use super::{selector, Command, CommandError};
use crate::config::lexer::command_tokens;
use crate::wire::family::{Afi, Family, Safi};
use std::net::Ipv4Addr;

/// Longest advisory text ExaBGP accepts (bytes, `MAX_ADVISORY`).
pub const MAX_ADVISORY: usize = 2048;

/// ASM (advisory state message) or ADM (advisory demand message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdvisoryKind {
    Asm,
    Adm,
}

/// Which prefix counter a query/response is about: received (RPC),
/// adj-rib-out (APC) or local (LPC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CounterKind {
    Rpc,
    Apc,
    Lpc,
}

/// An OPERATIONAL message to send.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operational {
    Advisory {
        kind: AdvisoryKind,
        family: Family,
        router_id: Option<Ipv4Addr>,
        /// At most [`MAX_ADVISORY`] bytes; one word (ExaBGP splits on spaces)
        /// unless quoted.
        text: String,
    },
    /// `rpcq`, `apcq`, `lpcq`.
    Query {
        kind: CounterKind,
        family: Family,
        router_id: Option<Ipv4Addr>,
        sequence: u32,
    },
    /// `rpcp`, `apcp`, `lpcp`.
    Response {
        kind: CounterKind,
        family: Family,
        router_id: Option<Ipv4Addr>,
        sequence: u32,
        counter: u64,
    },
}

enum Shape {
    Advisory(AdvisoryKind),
    Query(CounterKind),
    Response(CounterKind),
}

fn shape(word: &str) -> Option<Shape> {
    Some(match word.to_ascii_lowercase().as_str() {
        "asm" => Shape::Advisory(AdvisoryKind::Asm),
        "adm" => Shape::Advisory(AdvisoryKind::Adm),
        "rpcq" => Shape::Query(CounterKind::Rpc),
        "apcq" => Shape::Query(CounterKind::Apc),
        "lpcq" => Shape::Query(CounterKind::Lpc),
        "rpcp" => Shape::Response(CounterKind::Rpc),
        "apcp" => Shape::Response(CounterKind::Apc),
        "lpcp" => Shape::Response(CounterKind::Lpc),
        _ => return None,
    })
}

pub(super) fn parse_command(line: &str) -> Result<Command, CommandError> {
    let (selector, rest) = selector::extract(line)?;
    let args = expect_verb(rest, Verb::AnnounceOperational.name())?;
    let (kind_word, args) = args.split_once(' ').unwrap_or((args, ""));
    // ExaBGP answers `done` and does nothing for an unknown type.
    let Some(shape) = shape(kind_word) else {
        return Ok(Command::OperationalIgnored);
    };
    let toks = command_tokens(args)
        .map_err(|e| CommandError::syntax(format!("announce operational: {}", e.message)))?;
    let expected: &[&str] = match shape {
        Shape::Advisory(_) => &["afi", "safi", "advisory"],
        Shape::Query(_) => &["afi", "safi", "sequence"],
        Shape::Response(_) => &["afi", "safi", "sequence", "counter"],
    };
    let mut next = 0usize;
    let mut router_id = None;
    let mut afi = None;
    let mut safi = None;
    let mut advisory = None;
    let mut sequence = None;
    let mut counter = None;
    let mut it = toks.iter();
    while let Some(k) = it.next() {
        let key = k.as_str().to_ascii_lowercase();
        let Some(v) = it.next() else {
            return Err(CommandError::syntax(format!(
                "announce operational: expected a value after '{key}'"
            )));
        };
        let v = v.as_str();
        let bad = || CommandError::syntax(format!("announce operational: invalid {key} '{v}'"));
        if key == "router-id" {
            router_id = Some(v.parse::<Ipv4Addr>().map_err(|_| bad())?);
            continue;
        }
        if expected.get(next) != Some(&key.as_str()) {
            return Err(CommandError::syntax(format!(
                "announce operational: unexpected argument '{key}', expected '{}'",
                expected.get(next).copied().unwrap_or("nothing more")
            )));
        }
        next += 1;
        match key.as_str() {
            "afi" => afi = Some(Afi::from_name(v).ok_or_else(bad)?),
            "safi" => safi = Some(Safi::from_name(v).ok_or_else(bad)?),
            "sequence" => sequence = Some(v.parse::<u32>().map_err(|_| bad())?),
            "counter" => counter = Some(v.parse::<u64>().map_err(|_| bad())?),
            _ => {
                if v.len() > MAX_ADVISORY {
                    return Err(CommandError::syntax(format!(
                        "announce operational: advisory longer than {MAX_ADVISORY} bytes"
                    )));
                }
                advisory = Some(v.to_string());
            }
        }
    }
    if next != expected.len() {
        return Err(CommandError::syntax(format!(
            "announce operational: missing argument(s) {}",
            expected[next..].join(", ")
        )));
    }
    let (Some(afi), Some(safi)) = (afi, safi) else {
        return Err(CommandError::syntax(
            "announce operational: missing afi/safi",
        ));
    };
    let family = Family::new(afi, safi);
    let message = match shape {
        Shape::Advisory(kind) => Operational::Advisory {
            kind,
            family,
            router_id,
            text: advisory.unwrap_or_default(),
        },
        Shape::Query(kind) => Operational::Query {
            kind,
            family,
            router_id,
            sequence: sequence.unwrap_or(0),
        },
        Shape::Response(kind) => Operational::Response {
            kind,
            family,
            router_id,
            sequence: sequence.unwrap_or(0),
            counter: counter.unwrap_or(0),
        },
    };
    Ok(Command::AnnounceOperational { selector, message })
}
