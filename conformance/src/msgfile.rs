//! Parser for the `<test>.msg` files of the corpus (FORMAT.md §2.2): peer
//! options plus grouped expectations.

use std::collections::BTreeMap;
use std::fmt;

/// Options given by `option:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerOptions {
    /// `option:bind:ipv6`: listen on `[::1]` instead of `127.0.0.1`.
    pub bind_ipv6: bool,
    /// `option:asn:N`: rewrite the AS in the echoed OPEN.
    pub asn: Option<u16>,
    /// `option:open:send-unknown-capability`.
    pub send_unknown_capability: bool,
    /// `option:open:inspect-open-message`.
    pub inspect_open_message: bool,
    /// `option:open:send-unknown-message`.
    pub send_unknown_message: bool,
    /// `option:update:send-default-route`.
    pub send_default_route: bool,
    /// `option:tcp_connections:N` (read by the runner, default 1).
    pub tcp_connections: u32,
}

impl Default for PeerOptions {
    fn default() -> Self {
        PeerOptions {
            bind_ipv6: false,
            asn: None,
            send_unknown_capability: false,
            inspect_open_message: false,
            send_unknown_message: false,
            send_default_route: false,
            tcp_connections: 1,
        }
    }
}

/// What one expectation line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectKind {
    /// A message the SUT must send. `hex` is upper case without decoration;
    /// `with_marker` tells whether it includes the 16-byte marker.
    Raw { hex: String, with_marker: bool },
    /// Action: send NOTIFICATION Cease/0 with this (lower-cased) text.
    Notification(String),
    /// Action: deliver this signal to the SUT.
    Signal(String),
}

/// One expectation line, keeping its source text for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    pub kind: ExpectKind,
    /// The stripped source line.
    pub line: String,
}

impl Expectation {
    pub fn is_action(&self) -> bool {
        !matches!(self.kind, ExpectKind::Raw { .. })
    }

    /// Does this raw expectation match the received message `msg` (full
    /// message, marker included)? Actions never match a message.
    pub fn matches(&self, msg: &[u8]) -> bool {
        match &self.kind {
            ExpectKind::Raw { hex, with_marker } => {
                let body = if *with_marker {
                    msg
                } else {
                    msg.get(16..).unwrap_or(&[])
                };
                *hex == to_hex(body)
            }
            _ => false,
        }
    }
}

/// A group: all expectations sharing (letter, number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub letter: char,
    pub number: u64,
    pub entries: Vec<Expectation>,
}

/// A parsed `.msg` file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MsgFile {
    pub options: PeerOptions,
    /// Groups sorted by letter then number.
    pub groups: Vec<Group>,
}

/// Why a `.msg` file was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgError {
    pub line_no: usize,
    pub line: String,
    pub reason: String,
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} ({:?})",
            self.line_no, self.reason, self.line
        )
    }
}

impl std::error::Error for MsgError {}

/// Upper-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parse hex text (no decoration) into bytes.
pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    let h = hex.as_bytes();
    if h.len() & 1 == 1 {
        return None;
    }
    h.chunks(2)
        .map(|c| {
            let hi = (c[0] as char).to_digit(16)?;
            let lo = (c[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

const MARKER_HEX: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

fn parse_option(rest: &str, opts: &mut PeerOptions) -> Result<(), String> {
    match rest {
        "bind:ipv6" => opts.bind_ipv6 = true,
        "open:send-unknown-capability" => opts.send_unknown_capability = true,
        "open:inspect-open-message" => opts.inspect_open_message = true,
        "open:send-unknown-message" => opts.send_unknown_message = true,
        "update:send-default-route" => opts.send_default_route = true,
        _ => {
            if let Some(n) = rest.strip_prefix("asn:") {
                opts.asn = Some(n.parse().map_err(|_| format!("invalid ASN {n:?}"))?);
            } else if let Some(n) = rest.strip_prefix("tcp_connections:") {
                opts.tcp_connections = n
                    .parse()
                    .map_err(|_| format!("invalid connection count {n:?}"))?;
            } else {
                return Err(format!("unknown option {rest:?}"));
            }
        }
    }
    Ok(())
}

/// Split a prefix like `A12` / `3` into (letter, number).
fn parse_prefix(prefix: &str) -> Option<(char, u64)> {
    let mut chars = prefix.chars();
    let first = chars.clone().next()?;
    let (letter, digits) = if first.is_ascii_alphabetic() {
        chars.next();
        (first.to_ascii_uppercase(), chars.as_str())
    } else {
        ('A', prefix)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((letter, digits.parse().ok()?))
}

/// Parse the text of a `.msg` file.
pub fn parse_msg(text: &str) -> Result<MsgFile, MsgError> {
    let mut options = PeerOptions::default();
    let mut groups: BTreeMap<(char, u64), Vec<Expectation>> = BTreeMap::new();
    for (idx, raw_line) in text.lines().enumerate() {
        let line = raw_line.trim();
        // §2.2: a '#' anywhere disables the whole line.
        if line.is_empty() || line.contains('#') {
            continue;
        }
        let err = |reason: String| MsgError {
            line_no: idx + 1,
            line: line.to_string(),
            reason,
        };
        if let Some(rest) = line.strip_prefix("option:") {
            parse_option(rest, &mut options).map_err(err)?;
            continue;
        }
        let mut parts = line.splitn(3, ':');
        let (prefix, kind, content) = match (parts.next(), parts.next(), parts.next()) {
            (Some(p), Some(k), Some(c)) => (p, k, c),
            _ => return Err(err("expected PREFIX:KIND:CONTENT".into())),
        };
        let (letter, number) =
            parse_prefix(prefix).ok_or_else(|| err(format!("invalid prefix {prefix:?}")))?;
        let kind = match kind.to_ascii_lowercase().as_str() {
            "raw" => {
                let hex: String = content
                    .chars()
                    .filter(|c| *c != ':' && !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_uppercase();
                if hex.is_empty() || from_hex(&hex).is_none() {
                    return Err(err("invalid hexadecimal message".into()));
                }
                let with_marker = hex.starts_with(MARKER_HEX);
                ExpectKind::Raw { hex, with_marker }
            }
            // Upstream lower-cases the text (spaces kept).
            "notification" => ExpectKind::Notification(content.to_lowercase()),
            "signal" => ExpectKind::Signal(content.trim().to_string()),
            other => return Err(err(format!("unknown kind {other:?}"))),
        };
        groups
            .entry((letter, number))
            .or_default()
            .push(Expectation {
                kind,
                line: line.to_string(),
            });
    }
    Ok(MsgFile {
        options,
        groups: groups
            .into_iter()
            .map(|((letter, number), entries)| Group {
                letter,
                number,
                entries,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sorted_numerically_and_by_letter() {
        let m = parse_msg(
            "B1:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n\
             10:raw:01\n\
             2:raw:02\n\
             a0:raw:03\n",
        )
        .unwrap();
        let keys: Vec<(char, u64)> = m.groups.iter().map(|g| (g.letter, g.number)).collect();
        assert_eq!(keys, vec![('A', 0), ('A', 2), ('A', 10), ('B', 1)]);
    }

    #[test]
    fn duplicates_kept_and_comments_skipped() {
        let m =
            parse_msg("1:raw:FF FF:0001\n1:raw:ffff:0001\n# 1:raw:00\n 1:raw:AB # trailing\n\n")
                .unwrap();
        assert_eq!(m.groups.len(), 1);
        assert_eq!(m.groups[0].entries.len(), 2);
        assert_eq!(
            m.groups[0].entries[0].kind,
            ExpectKind::Raw {
                hex: "FFFF0001".into(),
                with_marker: false
            }
        );
        assert_eq!(m.groups[0].entries[0], {
            let mut e = m.groups[0].entries[1].clone();
            e.line = "1:raw:FF FF:0001".into();
            e
        });
    }

    #[test]
    fn options_parsed() {
        let m = parse_msg(
            "option:bind:ipv6\noption:asn:65000\noption:open:send-unknown-capability\n\
             option:open:inspect-open-message\noption:open:send-unknown-message\n\
             option:update:send-default-route\noption:tcp_connections:3\n",
        )
        .unwrap();
        assert_eq!(
            m.options,
            PeerOptions {
                bind_ipv6: true,
                asn: Some(65000),
                send_unknown_capability: true,
                inspect_open_message: true,
                send_unknown_message: true,
                send_default_route: true,
                tcp_connections: 3,
            }
        );
        assert!(m.groups.is_empty());
    }

    #[test]
    fn invalid_lines_rejected() {
        assert!(parse_msg("option:SIGUSR1:5\n").is_err());
        assert!(parse_msg("option:asn:70000\n").is_err());
        assert!(parse_msg("1:raw:XYZ\n").is_err());
        assert!(parse_msg("Z:raw:00\n").is_err());
        assert!(parse_msg("1:bogus:00\n").is_err());
        assert!(parse_msg("1raw00\n").is_err());
    }

    #[test]
    fn actions_parsed() {
        let m = parse_msg("A1:notification:Closing Session\nA2:signal:SIGUSR1\n").unwrap();
        assert_eq!(
            m.groups[0].entries[0].kind,
            ExpectKind::Notification("closing session".into())
        );
        assert_eq!(
            m.groups[1].entries[0].kind,
            ExpectKind::Signal("SIGUSR1".into())
        );
    }

    #[test]
    fn raw_without_marker_compares_after_marker() {
        let m = parse_msg(
            "1:raw:0017:02:00000000\n2:raw:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0017:02:00000000\n",
        )
        .unwrap();
        let mut eor = vec![0xFF; 16];
        eor.extend_from_slice(&[0, 0x17, 2, 0, 0, 0, 0]);
        assert!(m.groups[0].entries[0].matches(&eor));
        assert!(m.groups[1].entries[0].matches(&eor));
        eor[18] = 4;
        assert!(!m.groups[0].entries[0].matches(&eor));
        assert!(!m.groups[0].entries[0].matches(&[1, 2]));
    }
}
