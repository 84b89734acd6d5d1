//! Choosing the command of a line by name (reference §3.1, §11.6).
//!
//! ExaBGP keeps its registered command names sorted in reverse-alphabetical
//! order and takes the first one that the line equals, ends with (` name`) or
//! contains (`name `). So `neighbor 1.2.3.4 announce route ...` reaches
//! `announce route`, and an `announce ...` line ending in ` version` is a
//! `version` command. We reproduce the order and the three rules, with one
//! restriction: a name must start at a word boundary (ExaBGP's `contains`
//! would also find `shutdown ` inside `noshutdown `), which lets us scan the
//! words once instead of searching the line for every name.

use super::{operational, rib, route, selector, show, Action, Command, CommandError, Direction};

/// A registered command name. Declaration order = ExaBGP's priority order
/// (reverse-alphabetical), which `Ord` follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    WithdrawWatchdog,
    WithdrawVpls,
    WithdrawRoute,
    WithdrawIpv6,
    WithdrawIpv4,
    WithdrawFlow,
    WithdrawAttributes,
    WithdrawAttribute,
    Version,
    Teardown,
    SilenceAck,
    Shutdown,
    ShowNeighbor,
    /// `show adj-rib-out` (not registered by ExaBGP 5.0; the reference lists
    /// it as an accepted spelling).
    ShowAdjRibOutDash,
    /// `show adj-rib-in` (as above).
    ShowAdjRibInDash,
    ShowAdjRibOut,
    ShowAdjRibIn,
    Restart,
    Reset,
    Reload,
    Help,
    FlushAdjRibOut,
    EnableAck,
    DisableAck,
    Crash,
    /// `clear adj-rib-out` (as `ShowAdjRibOutDash`).
    ClearAdjRibOutDash,
    /// `clear adj-rib-in` (as `ShowAdjRibOutDash`).
    ClearAdjRibInDash,
    ClearAdjRib,
    AnnounceWatchdog,
    AnnounceVpls,
    AnnounceRouteRefresh,
    AnnounceRoute,
    AnnounceOperational,
    AnnounceIpv6,
    AnnounceIpv4,
    AnnounceFlow,
    AnnounceEor,
    AnnounceAttributes,
    AnnounceAttribute,
    Comment,
}

impl Verb {
    /// The registered name (the words the line must contain).
    pub fn name(self) -> &'static str {
        match self {
            Verb::WithdrawWatchdog => "withdraw watchdog",
            Verb::WithdrawVpls => "withdraw vpls",
            Verb::WithdrawRoute => "withdraw route",
            Verb::WithdrawIpv6 => "withdraw ipv6",
            Verb::WithdrawIpv4 => "withdraw ipv4",
            Verb::WithdrawFlow => "withdraw flow",
            Verb::WithdrawAttributes => "withdraw attributes",
            Verb::WithdrawAttribute => "withdraw attribute",
            Verb::Version => "version",
            Verb::Teardown => "teardown",
            Verb::SilenceAck => "silence-ack",
            Verb::Shutdown => "shutdown",
            Verb::ShowNeighbor => "show neighbor",
            Verb::ShowAdjRibOutDash => "show adj-rib-out",
            Verb::ShowAdjRibInDash => "show adj-rib-in",
            Verb::ShowAdjRibOut => "show adj-rib out",
            Verb::ShowAdjRibIn => "show adj-rib in",
            Verb::Restart => "restart",
            Verb::Reset => "reset",
            Verb::Reload => "reload",
            Verb::Help => "help",
            Verb::FlushAdjRibOut => "flush adj-rib out",
            Verb::EnableAck => "enable-ack",
            Verb::DisableAck => "disable-ack",
            Verb::Crash => "crash",
            Verb::ClearAdjRibOutDash => "clear adj-rib-out",
            Verb::ClearAdjRibInDash => "clear adj-rib-in",
            Verb::ClearAdjRib => "clear adj-rib",
            Verb::AnnounceWatchdog => "announce watchdog",
            Verb::AnnounceVpls => "announce vpls",
            Verb::AnnounceRouteRefresh => "announce route-refresh",
            Verb::AnnounceRoute => "announce route",
            Verb::AnnounceOperational => "announce operational",
            Verb::AnnounceIpv6 => "announce ipv6",
            Verb::AnnounceIpv4 => "announce ipv4",
            Verb::AnnounceFlow => "announce flow",
            Verb::AnnounceEor => "announce eor",
            Verb::AnnounceAttributes => "announce attributes",
            Verb::AnnounceAttribute => "announce attribute",
            Verb::Comment => "#",
        }
    }

    /// Only the show commands have a JSON variant in ExaBGP 5.0.
    pub fn supports_json(self) -> bool {
        matches!(
            self,
            Verb::ShowNeighbor
                | Verb::ShowAdjRibIn
                | Verb::ShowAdjRibOut
                | Verb::ShowAdjRibInDash
                | Verb::ShowAdjRibOutDash
        )
    }
}

/// Candidate names by first letter, each list in priority order.
fn candidates(first: u8) -> &'static [Verb] {
    use Verb::*;
    match first {
        b'w' => &[
            WithdrawWatchdog,
            WithdrawVpls,
            WithdrawRoute,
            WithdrawIpv6,
            WithdrawIpv4,
            WithdrawFlow,
            WithdrawAttributes,
            WithdrawAttribute,
        ],
        b'v' => &[Version],
        b't' => &[Teardown],
        b's' => &[
            SilenceAck,
            Shutdown,
            ShowNeighbor,
            ShowAdjRibOutDash,
            ShowAdjRibInDash,
            ShowAdjRibOut,
            ShowAdjRibIn,
        ],
        b'r' => &[Restart, Reset, Reload],
        b'h' => &[Help],
        b'f' => &[FlushAdjRibOut],
        b'e' => &[EnableAck],
        b'd' => &[DisableAck],
        b'c' => &[Crash, ClearAdjRibOutDash, ClearAdjRibInDash, ClearAdjRib],
        b'a' => &[
            AnnounceWatchdog,
            AnnounceVpls,
            AnnounceRouteRefresh,
            AnnounceRoute,
            AnnounceOperational,
            AnnounceIpv6,
            AnnounceIpv4,
            AnnounceFlow,
            AnnounceEor,
            AnnounceAttributes,
            AnnounceAttribute,
        ],
        b'#' => &[Comment],
        _ => &[],
    }
}

/// The command a normalised line is dispatched to, if any.
///
/// A line starting with `#` is always a comment: ExaBGP would dispatch
/// `# shutdown now` to `shutdown` (and refuse `#text`), which no operator
/// means.
pub fn dispatch(line: &str) -> Option<Verb> {
    scan(line).0
}

/// [`dispatch`], and whether a word of the line is `json` (ExaBGP's switch
/// to a command's JSON variant), in one pass over the words.
pub(crate) fn scan(line: &str) -> (Option<Verb>, bool) {
    if line.starts_with('#') {
        return (Some(Verb::Comment), false);
    }
    let b = line.as_bytes();
    let mut best: Option<Verb> = None;
    let mut json = false;
    let mut start = 0usize;
    loop {
        if let Some(&first) = b.get(start).filter(|_| may_start_verb(b, start)) {
            let rest = &b[start..];
            if first == b'j' && rest.starts_with(b"json") && rest.get(4).is_none_or(|&c| c == b' ')
            {
                json = true;
            }
            for &v in candidates(first) {
                if best.is_some_and(|bv| bv <= v) {
                    break;
                }
                let n = v.name().as_bytes();
                // equals / ends with ` name` / contains `name `
                if starts_with_word(rest, n) {
                    best = Some(v);
                    break;
                }
            }
        }
        match memchr_space(b, start) {
            Some(i) => start = i + 1,
            None => break,
        }
    }
    (best, json)
}

/// Per first byte, a bit per possible second byte (`second & 31`) of the
/// command names (and of `json`). Most words of a route line (`next-hop`,
/// `as-path`, `community`, numbers) are rejected here with one table load,
/// before the jump on the first byte and the name comparisons.
const SECOND: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut v = 0;
    while v < VERB_NAMES.len() {
        let n = VERB_NAMES[v].as_bytes();
        t[n[0] as usize] |= match n.len() {
            1 => u32::MAX,
            _ => 1 << (n[1] & 31),
        };
        v += 1;
    }
    t[b'j' as usize] |= 1 << (b's' & 31);
    t
};

/// Every command name (kept in sync with [`Verb::name`] by a test).
const VERB_NAMES: &[&str] = &[
    "withdraw watchdog",
    "version",
    "teardown",
    "silence-ack",
    "shutdown",
    "show neighbor",
    "show adj-rib",
    "restart",
    "reset",
    "reload",
    "help",
    "flush adj-rib out",
    "enable-ack",
    "disable-ack",
    "crash",
    "clear adj-rib",
    "announce route",
    "#",
];

/// Whether the word at `start` may begin a command name or be `json`
/// (a filter with false positives only).
#[inline]
fn may_start_verb(b: &[u8], start: usize) -> bool {
    let first = b.get(start).copied().unwrap_or(0);
    let second = b.get(start + 1).copied().unwrap_or(0);
    SECOND[first as usize] >> (second & 31) & 1 != 0
}

/// `rest` starts with the words `name`, followed by a space or the end.
/// A byte loop: most candidates fail on their first bytes, where a `memcmp`
/// call would cost more than the comparison.
#[inline]
fn starts_with_word(rest: &[u8], name: &[u8]) -> bool {
    if rest.len() < name.len() {
        return false;
    }
    for (a, b) in name.iter().zip(rest) {
        if a != b {
            return false;
        }
    }
    rest.get(name.len()).is_none_or(|&c| c == b' ')
}

fn memchr_space(b: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .iter()
        .position(|&c| c == b' ')
        .map(|i| i + from)
}

/// The words of `s` after the words of `name`, if `s` starts with them.
pub(crate) fn after<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(name)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix(' ')
    }
}

/// After the selector, the line must go on with the command's words.
pub(crate) fn expect_verb<'a>(rest: &'a str, name: &str) -> Result<&'a str, CommandError> {
    after(rest, name).ok_or_else(|| {
        CommandError::syntax(format!(
            "expected '{name}' after the neighbor selector, found '{}'",
            rest
        ))
    })
}

/// Parse the line as `verb`.
pub(crate) fn run(verb: Verb, line: &str) -> Result<Command, CommandError> {
    use Verb::*;
    Ok(match verb {
        // Reactor commands ignore the rest of the line (ExaBGP never looks at it).
        Version => Command::Version,
        SilenceAck => Command::SilenceAck,
        Shutdown => Command::Shutdown,
        Restart => Command::Restart,
        Reset => Command::Reset,
        Reload => Command::Reload,
        Help => Command::Help,
        EnableAck => Command::EnableAck,
        DisableAck => Command::DisableAck,
        Crash => Command::Crash,
        Comment => Command::Comment(line.trim_start_matches('#').trim().to_string()),
        WithdrawWatchdog | AnnounceWatchdog => {
            let action = if verb == AnnounceWatchdog {
                Action::Announce
            } else {
                Action::Withdraw
            };
            // The word after `announce|withdraw watchdog`. (ExaBGP takes the
            // line's third word, which is wrong after a `neighbor` prefix.)
            let words: Vec<&str> = line.split(' ').collect();
            let second = if verb == AnnounceWatchdog {
                "announce"
            } else {
                "withdraw"
            };
            let name = words
                .windows(2)
                .position(|w| w[0] == second && w[1] == "watchdog")
                .and_then(|i| words.get(i + 2))
                .map(|w| w.to_string());
            Command::Watchdog { action, name }
        }
        Teardown => {
            let (sel, rest) = selector::extract(line)?;
            let args = expect_verb(rest, verb.name())?;
            // ExaBGP: everything after `teardown` must be digits.
            let code = args;
            if code.is_empty() || !code.bytes().all(|c| c.is_ascii_digit()) {
                return Err(CommandError::syntax(format!(
                    "expected a Cease subcode after 'teardown', found '{args}'"
                )));
            }
            let subcode: u8 = code.parse().map_err(|_| {
                CommandError::syntax(format!("Cease subcode {code} is not between 0 and 255"))
            })?;
            let neighbors = match sel {
                super::Selector::All => Vec::new(),
                super::Selector::Neighbors(v) => v,
            };
            Command::Teardown { neighbors, subcode }
        }
        ShowNeighbor => show::show_neighbor(line),
        ShowAdjRibOut | ShowAdjRibOutDash => show::show_adj_rib(line, Direction::Out),
        ShowAdjRibIn | ShowAdjRibInDash => show::show_adj_rib(line, Direction::In),
        FlushAdjRibOut => rib::flush(line)?,
        ClearAdjRib | ClearAdjRibInDash | ClearAdjRibOutDash => rib::clear(line, verb)?,
        AnnounceOperational => operational::parse_command(line)?,
        WithdrawVpls | WithdrawRoute | WithdrawIpv6 | WithdrawIpv4 | WithdrawFlow
        | WithdrawAttributes | WithdrawAttribute | AnnounceVpls | AnnounceRouteRefresh
        | AnnounceRoute | AnnounceIpv6 | AnnounceIpv4 | AnnounceFlow | AnnounceEor
        | AnnounceAttributes | AnnounceAttribute => route::parse(verb, line)?,
    })
}

#[cfg(test)]
mod second_byte_tests {
    use super::*;

    #[test]
    fn second_byte_filter_admits_every_verb() {
        for first in 0..=255u8 {
            for &v in candidates(first) {
                let n = v.name().as_bytes();
                assert!(may_start_verb(n, 0), "{:?} filtered out", v.name());
            }
        }
        assert!(may_start_verb(b"json", 0));
        assert!(!may_start_verb(b"next-hop", 0));
        assert!(!may_start_verb(b"as-path", 0));
    }
}
