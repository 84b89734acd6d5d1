//! The text API command parser (reference §3): one line written by an API
//! process (or the CLI) → one typed [`Command`].
//!
//! ExaBGP's pipeline, reproduced here:
//! 1. lines starting with `debug ` are only logged ([`Command::Debug`], no ack);
//! 2. the line is normalised by `formated()` ([`normalise`]): tabs become
//!    spaces, `[ ] ( ) ,` get spaces around them, runs of spaces collapse;
//! 3. the command is chosen by name ([`dispatch`]): registered names are tried
//!    in reverse-alphabetical order and a name matches if the line equals it,
//!    ends with ` name` or contains `name ` (reference §3.1, §11.6) — so
//!    `neighbor ...` selectors can precede the verb;
//! 4. the command's own words are parsed; route payloads reuse the
//!    configuration grammar (`config::route`, `config::announce`,
//!    `config::flow`, `config::l2vpn`).
//!
//! Parsing is pure: which neighbors a [`Selector`] picks, and what to answer,
//! is up to the executor. The texts ExaBGP writes for the reactor commands are
//! in [`reactor`].

pub mod dispatch;
pub mod operational;
pub mod reactor;
mod rib;
mod route;
pub mod route_cache;
pub mod selector;
mod show;

#[cfg(test)]
mod tests;

use crate::config::flow::FlowRoute;
use crate::config::l2vpn::VplsRoute;
use crate::config::model::Route;
use crate::config::mup::MupRoute;
use crate::config::mvpn::McastVpnRoute;
use crate::wire::family::Family;
use std::borrow::Cow;
use std::fmt;

pub use dispatch::Verb;
pub use operational::{AdvisoryKind, CounterKind, Operational};
pub use selector::{FamilyAllowed, NeighborMatch, Selector, Want};

/// Announce or withdraw (watchdogs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Announce,
    Withdraw,
}

/// Which Adj-RIB a `clear adj-rib` / `show adj-rib` addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    In,
    Out,
}

/// What `show neighbor` prints (reference §3.3, §5.3, §4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShowNeighborMode {
    /// Table header + one line per peer; the filter must equal the peer IP.
    Summary,
    /// Multi-line block per peer; the filter is a substring of the peer name.
    Extensive,
    /// The configuration of each neighbor; the filter is a substring of the name.
    Configuration,
    /// One JSON array line of every peer (the filter is ignored, like ExaBGP).
    Json,
    /// No mode given: ExaBGP writes the two lines of [`reactor::SHOW_NEIGHBOR_HELP`]
    /// then `done`.
    Help,
}

/// Which NLRI kinds `show adj-rib` lists (`inet`, `flow`, `l2vpn` words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RibFilter {
    All,
    /// Unicast/multicast IP prefixes (ExaBGP's INET class).
    Inet,
    Flow,
    /// VPLS and EVPN.
    L2vpn,
}

/// One parsed API command.
///
/// Which peers each variant acts on follows ExaBGP (reference §3.1/§3.3):
/// route changes use the peers the process may address (including
/// non-established ones: routes are queued); `AnnounceEor`,
/// `AnnounceRouteRefresh`, `FlushAdjRibOut` and `Teardown` only act on
/// **established** peers; `ClearAdjRib` may address every peer. When a
/// selector (or the default) matches no peer, the answer is `error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `announce route ...` / `announce attribute(s) ... nlri ...` /
    /// `announce ipv4|ipv6 unicast|multicast|nlri-mpls|mpls-vpn ...`.
    /// Never empty. From `route`/`attributes`, every route has a next hop
    /// or an MPLS label (ExaBGP's API rule); from `ipv4|ipv6 <safi>`, the
    /// configuration's rule applies (next hop required).
    Announce {
        selector: Selector,
        routes: Vec<Route>,
    },
    /// `withdraw route ...` etc. The next hop is optional (`NextHop::None`
    /// where absent; ExaBGP fills 0.0.0.0). `done` even when not found.
    Withdraw {
        selector: Selector,
        routes: Vec<Route>,
    },
    /// `announce flow route ...` / `announce ipv4|ipv6 flow|flow-vpn ...`.
    AnnounceFlow {
        selector: Selector,
        flows: Vec<FlowRoute>,
    },
    /// `withdraw flow route ...`: matched on the components only.
    WithdrawFlow {
        selector: Selector,
        flows: Vec<FlowRoute>,
    },
    /// `announce vpls ...`.
    AnnounceVpls {
        selector: Selector,
        vpls: Vec<VplsRoute>,
    },
    WithdrawVpls {
        selector: Selector,
        vpls: Vec<VplsRoute>,
    },
    /// `announce ipv4|ipv6 mcast-vpn ...`.
    AnnounceMcastVpn {
        selector: Selector,
        routes: Vec<McastVpnRoute>,
    },
    WithdrawMcastVpn {
        selector: Selector,
        routes: Vec<McastVpnRoute>,
    },
    /// `announce ipv4|ipv6 mup ...`.
    AnnounceMup {
        selector: Selector,
        routes: Vec<MupRoute>,
    },
    WithdrawMup {
        selector: Selector,
        routes: Vec<MupRoute>,
    },
    /// `announce eor [<afi> <safi>]` (default ipv4 unicast); established peers.
    AnnounceEor { selector: Selector, family: Family },
    /// `announce route-refresh <afi> <safi>`; established peers.
    AnnounceRouteRefresh { selector: Selector, family: Family },
    /// `announce operational asm|adm|rpcq|rpcp|apcq|apcp|lpcq|lpcp ...`.
    AnnounceOperational {
        selector: Selector,
        message: Operational,
    },
    /// `announce operational <other word>`: ExaBGP answers `done` and does
    /// nothing.
    OperationalIgnored,
    /// `announce|withdraw watchdog [name]`: every neighbor's config routes
    /// tagged with the watchdog. `name` None = the calling process's name.
    Watchdog {
        action: Action,
        name: Option<String>,
    },
    /// `neighbor <ip> ... teardown <code>`: Cease/`subcode` to the
    /// **established** peers matching any of `neighbors`. Empty `neighbors`
    /// (no selector given) does nothing but answers `done`, like ExaBGP.
    Teardown {
        neighbors: Vec<NeighborMatch>,
        subcode: u8,
    },
    /// `flush adj-rib out`: resend the Adj-RIB-Out (established peers).
    FlushAdjRibOut { selector: Selector },
    /// `clear adj-rib [in|out]` (default out).
    ClearAdjRib {
        selector: Selector,
        direction: Direction,
    },
    /// `show neighbor [filter] [summary|extensive|configuration|json]`.
    ShowNeighbor {
        filter: Option<String>,
        mode: ShowNeighborMode,
    },
    /// `show adj-rib in|out [extensive] [<filter>|inet|flow|l2vpn] [json]`.
    /// `filter` is the first remaining word (a peer address in practice).
    ShowAdjRib {
        direction: Direction,
        extensive: bool,
        json: bool,
        kind: RibFilter,
        filter: Option<String>,
    },
    /// Writes [`reactor::SHUTDOWN_TEXT`], `done`, then the daemon stops.
    Shutdown,
    /// Writes [`reactor::RELOAD_TEXT`], `done`; as SIGUSR1.
    Reload,
    /// Writes [`reactor::RESTART_TEXT`], `done`; as SIGALRM.
    Restart,
    /// Writes [`reactor::version_text`], `done`.
    Version,
    /// Writes [`reactor::help_lines`], `done`.
    Help,
    /// `# text`: logged (debug, `process` topic), `done`.
    Comment(String),
    /// `debug <text>`: logged as a warning (`api` topic); **no answer**.
    Debug(String),
    /// Re-enable acks; answers `done`.
    EnableAck,
    /// Answers `done` (even if acks are off), then stops acking.
    DisableAck,
    /// Stops acking immediately, no answer.
    SilenceAck,
    /// Drop this process's queued commands; no answer.
    Reset,
    /// Test command: fails inside the command queue → `error`.
    Crash,
}

impl Command {
    /// Whether the executor must write nothing at all (not even an ack).
    pub fn is_silent(&self) -> bool {
        matches!(
            self,
            Command::Debug(_) | Command::SilenceAck | Command::Reset
        )
    }
}

/// Why a line was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Empty line.
    Empty,
    /// No registered command name in the line.
    Unknown,
    /// A `json` word on a command without a JSON variant (ExaBGP 5.0 crashes
    /// with a KeyError there, reference §12; we answer `error`).
    JsonUnsupported,
    /// The selector (`neighbor ... `) is malformed.
    Selector,
    /// The command's arguments are malformed.
    Syntax,
}

/// A refused line: the executor answers `error` and logs `reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError {
    pub kind: ErrorKind,
    /// Human-readable, e.g. `expected 'next-hop' for the route 1.0.0.0/24`.
    pub reason: String,
}

impl CommandError {
    pub fn new(kind: ErrorKind, reason: impl Into<String>) -> CommandError {
        CommandError {
            kind,
            reason: reason.into(),
        }
    }

    pub(crate) fn syntax(reason: impl Into<String>) -> CommandError {
        CommandError::new(ErrorKind::Syntax, reason)
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for CommandError {}

/// ExaBGP's `formated()`: strip, tabs → space, `[`→`[ `, `]`→` ]`, `(`→`( `,
/// `)`→` )`, `,`→` , `, then collapse runs of spaces. Borrows when the line is
/// already in that form (the common case for machine-written commands).
pub fn normalise(line: &str) -> Cow<'_, str> {
    let t = line.trim_matches(|c: char| c.is_ascii_whitespace());
    if is_normal(t) {
        return Cow::Borrowed(t);
    }
    Cow::Owned(rebuild(t))
}

/// The normalised form of an already trimmed line, always rebuilt.
fn rebuild(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 8);
    let mut space = false;
    let push_space = |out: &mut String, space: &mut bool| {
        if !out.is_empty() && !*space {
            out.push(' ');
            *space = true;
        }
    };
    for c in t.chars() {
        match c {
            ' ' | '\t' => push_space(&mut out, &mut space),
            '[' | '(' => {
                out.push(c);
                space = false;
                push_space(&mut out, &mut space);
            }
            ']' | ')' => {
                push_space(&mut out, &mut space);
                out.push(c);
                space = false;
            }
            ',' => {
                push_space(&mut out, &mut space);
                out.push(',');
                space = false;
                push_space(&mut out, &mut space);
            }
            _ => {
                out.push(c);
                space = false;
            }
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Punctuation `formated()` pads with spaces, and tabs.
const RARE: [bool; 256] = {
    let mut t = [false; 256];
    t[b'\t' as usize] = true;
    t[b'[' as usize] = true;
    t[b']' as usize] = true;
    t[b'(' as usize] = true;
    t[b')' as usize] = true;
    t[b',' as usize] = true;
    t
};

/// Already normalised: single spaces, punctuation isolated, no tabs.
/// Double spaces are found by `str::contains` (SIMD substring search); then
/// only the few punctuation bytes are checked against their neighbours, the
/// line being framed by virtual spaces. The search for them is a tight loop
/// whose branch is almost never taken.
fn is_normal(t: &str) -> bool {
    if t.contains("  ") {
        return false;
    }
    let b = t.as_bytes();
    let mut i = 0usize;
    while let Some(off) = b
        .get(i..)
        .and_then(|r| r.iter().position(|&c| RARE[c as usize]))
    {
        let k = i + off;
        let c = b.get(k).copied().unwrap_or(b' ');
        let prev = if k == 0 {
            b' '
        } else {
            b.get(k - 1).copied().unwrap_or(b' ')
        };
        let next = b.get(k + 1).copied().unwrap_or(b' ');
        let bad = match c {
            b'[' | b'(' => next != b' ',
            b']' | b')' => prev != b' ',
            b',' => prev != b' ' || next != b' ',
            _ => true, // tab
        };
        if bad {
            return false;
        }
        i = k + 1;
    }
    true
}

/// Parse one line read from an API process (without its line feed).
pub fn parse(line: &str) -> Result<Command, CommandError> {
    // ExaBGP checks `debug ` on the right-stripped raw line, before
    // normalising, and never answers it (processes.py `received`).
    let raw = line.trim_end_matches(|c: char| c.is_ascii_whitespace());
    if let Some(text) = raw.strip_prefix("debug ") {
        return Ok(Command::Debug(text.to_string()));
    }
    let norm = normalise(raw);
    parse_normalised(&norm)
}

/// [`parse`] for a line already in [`normalise`]d form.
pub fn parse_normalised(line: &str) -> Result<Command, CommandError> {
    if line.is_empty() {
        return Err(CommandError::new(ErrorKind::Empty, "empty command"));
    }
    let (verb, json) = dispatch::scan(line);
    let verb = verb.ok_or_else(|| {
        CommandError::new(
            ErrorKind::Unknown,
            format!("command not understood: {line}"),
        )
    })?;
    // ExaBGP switches to the JSON callback when any word is `json`; only the
    // show commands have one (reference §3.1, §12).
    if json && !verb.supports_json() {
        return Err(CommandError::new(
            ErrorKind::JsonUnsupported,
            format!("'{}' has no json output", verb.name()),
        ));
    }
    dispatch::run(verb, line)
}
