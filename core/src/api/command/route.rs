//! Route-carrying commands (reference §3.3): `announce|withdraw route`,
//! `attribute(s) ... nlri`, `ipv4|ipv6 <safi>`, `flow route`, `vpls`, and the
//! family-only `announce eor` / `announce route-refresh`. Payloads are parsed
//! with the configuration's route grammar (reference §1.7–§1.10).

use super::dispatch::{expect_verb, Verb};
use super::{selector, Command, CommandError};
use crate::config::announce::{parse_announce_line, Announcement};
use crate::config::error::{ConfigError, Pos};
use crate::config::flow::parse_flow_tokens;
use crate::config::l2vpn::parse_vpls_line;
use crate::config::lexer::{command_tokens, Token};
use crate::config::model::{NextHop, Route};
use crate::config::route::routes_from_tokens;
use crate::wire::family::{Afi, Family};
use crate::wire::nlri::Nlri;

/// A configuration error inside `args`, with its column in the whole line.
fn config_error(line: &str, args: &str, e: ConfigError) -> CommandError {
    let offset = (args.as_ptr() as usize).saturating_sub(line.as_ptr() as usize);
    let column = e.column as usize + offset;
    CommandError::syntax(format!("{} (column {column})", e.message))
}

fn end_of(args: &str) -> Pos {
    let chars = if args.is_ascii() {
        args.len()
    } else {
        args.chars().count()
    };
    Pos::new(1, chars as u32 + 1)
}

fn tokens<'a>(line: &str, args: &'a str) -> Result<Vec<Token<'a>>, CommandError> {
    command_tokens(args).map_err(|e| config_error(line, args, e))
}

fn family_words(verb: Verb, args: &str) -> Result<Option<Family>, CommandError> {
    let words: Vec<&str> = if args.is_empty() {
        Vec::new()
    } else {
        args.split(' ').collect()
    };
    match words.as_slice() {
        [] => Ok(None),
        [afi, safi] => Family::from_names(afi, safi).map(Some).ok_or_else(|| {
            CommandError::syntax(format!(
                "'{}': unknown address family '{afi} {safi}'",
                verb.name()
            ))
        }),
        _ => Err(CommandError::syntax(format!(
            "'{}' expects '<afi> <safi>', found '{args}'",
            verb.name()
        ))),
    }
}

/// ExaBGP refuses to announce a `route` that has neither a next hop nor an
/// MPLS label (checked against 5.0: `route P label L` and `route P rd R label
/// L` are accepted without next hop, `route P` and `route P rd R` are not).
fn lacks_next_hop(r: &Route) -> bool {
    r.next_hop == NextHop::None && !matches!(&r.nlri, Nlri::Labeled(l) if !l.labels.is_empty())
}

fn route_prefix(r: &Route) -> String {
    match r.nlri.ip_prefix() {
        Some(prefix) => prefix.to_string(),
        None => r.family.to_string(),
    }
}

pub(super) fn parse(verb: Verb, line: &str) -> Result<Command, CommandError> {
    use Verb::*;
    let (selector, rest) = selector::extract(line)?;
    let args = expect_verb(rest, verb.name())?;
    let announce = matches!(
        verb,
        AnnounceVpls
            | AnnounceRouteRefresh
            | AnnounceRoute
            | AnnounceIpv6
            | AnnounceIpv4
            | AnnounceFlow
            | AnnounceEor
            | AnnounceAttributes
            | AnnounceAttribute
    );
    match verb {
        AnnounceRoute | WithdrawRoute | AnnounceAttributes | AnnounceAttribute
        | WithdrawAttributes | WithdrawAttribute => {
            // `routes_from_tokens` wants the prefix first, or `attribute(s)`
            // first for the shared-attributes form.
            let payload = if matches!(verb, AnnounceRoute | WithdrawRoute) {
                args
            } else {
                rest.split_once(' ').map(|(_, p)| p).unwrap_or("")
            };
            let toks = tokens(line, payload)?;
            // The next-hop rule is ExaBGP's API one, checked below.
            let routes = routes_from_tokens(&toks, end_of(payload), false)
                .map_err(|e| config_error(line, payload, e))?;
            if routes.is_empty() {
                return Err(CommandError::syntax("no route in the command"));
            }
            if announce {
                if let Some(r) = routes.iter().find(|r| lacks_next_hop(r)) {
                    return Err(CommandError::syntax(format!(
                        "invalid route {} (missing next-hop, label or rd ?)",
                        route_prefix(r)
                    )));
                }
            }
            Ok(if announce {
                Command::Announce { selector, routes }
            } else {
                Command::Withdraw { selector, routes }
            })
        }
        AnnounceIpv4 | AnnounceIpv6 | WithdrawIpv4 | WithdrawIpv6 => {
            let afi = if matches!(verb, AnnounceIpv4 | WithdrawIpv4) {
                Afi::IPV4
            } else {
                Afi::IPV6
            };
            let toks = tokens(line, args)?;
            let Some((kw, more)) = toks.split_first() else {
                return Err(CommandError::syntax(format!(
                    "'{}' expects a SAFI (unicast, multicast, nlri-mpls, mpls-vpn, flow, flow-vpn, mcast-vpn, mup)",
                    verb.name()
                )));
            };
            let ann = parse_announce_line(afi, kw, more, end_of(args), announce)
                .map_err(|e| config_error(line, args, e))?;
            Ok(match (ann, announce) {
                (Announcement::Routes { routes, .. }, true) => {
                    Command::Announce { selector, routes }
                }
                (Announcement::Routes { routes, .. }, false) => {
                    Command::Withdraw { selector, routes }
                }
                (Announcement::Flow(f), true) => Command::AnnounceFlow {
                    selector,
                    flows: vec![f],
                },
                (Announcement::Flow(f), false) => Command::WithdrawFlow {
                    selector,
                    flows: vec![f],
                },
                (Announcement::Vpls(v), true) => Command::AnnounceVpls {
                    selector,
                    vpls: vec![v],
                },
                (Announcement::Vpls(v), false) => Command::WithdrawVpls {
                    selector,
                    vpls: vec![v],
                },
                (Announcement::McastVpn(r), true) => Command::AnnounceMcastVpn {
                    selector,
                    routes: vec![r],
                },
                (Announcement::McastVpn(r), false) => Command::WithdrawMcastVpn {
                    selector,
                    routes: vec![r],
                },
                (Announcement::Mup(r), true) => Command::AnnounceMup {
                    selector,
                    routes: vec![r],
                },
                (Announcement::Mup(r), false) => Command::WithdrawMup {
                    selector,
                    routes: vec![r],
                },
            })
        }
        AnnounceFlow | WithdrawFlow => {
            // `announce flow route <words>` or `announce flow route { match
            // { ... } then { ... } }` (ExaBGP hands `route ...` to its flow
            // section parser).
            let body = super::dispatch::after(args, "route").ok_or_else(|| {
                CommandError::syntax(format!(
                    "expected 'route' after '{}', found '{args}'",
                    verb.name()
                ))
            })?;
            let toks = tokens(line, body)?;
            // The block form's outer braces would otherwise be taken for a
            // flow name by the single-line parser.
            let inner: &[Token] = match toks.as_slice() {
                [first, mid @ .., last] if first.is("{") && last.is("}") => mid,
                all => all,
            };
            let flow =
                parse_flow_tokens(inner, end_of(body)).map_err(|e| config_error(line, body, e))?;
            let flows = vec![flow];
            Ok(if announce {
                Command::AnnounceFlow { selector, flows }
            } else {
                Command::WithdrawFlow { selector, flows }
            })
        }
        AnnounceVpls | WithdrawVpls => {
            let toks = tokens(line, args)?;
            let v =
                parse_vpls_line(&toks, end_of(args)).map_err(|e| config_error(line, args, e))?;
            let vpls = vec![v];
            Ok(if announce {
                Command::AnnounceVpls { selector, vpls }
            } else {
                Command::WithdrawVpls { selector, vpls }
            })
        }
        AnnounceEor => {
            // ExaBGP's `api_eor`: no words = IPv4 unicast, else exactly two.
            let family = family_words(verb, args)?.unwrap_or(Family::IPV4_UNICAST);
            Ok(Command::AnnounceEor { selector, family })
        }
        AnnounceRouteRefresh => match family_words(verb, args)? {
            Some(family) => Ok(Command::AnnounceRouteRefresh { selector, family }),
            None => Err(CommandError::syntax(
                "'announce route-refresh' expects '<afi> <safi>'",
            )),
        },
        _ => Err(CommandError::syntax(format!(
            "'{}' is not a route command",
            verb.name()
        ))),
    }
}
