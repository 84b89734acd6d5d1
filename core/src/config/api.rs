//! A neighbor's `api [name] { }` block (reference §1.6).

use super::error::{ConfigError, Pos};
use super::model::{ApiConfig, MessageFlags};
use super::tree::Node;
use super::value::{bool_from_str, Cursor};

fn flag_value(cur: &mut Cursor) -> Result<bool, ConfigError> {
    // Every api flag is `true` when written bare.
    match cur.next() {
        None => Ok(true),
        Some(t) => bool_from_str(&t.text).ok_or_else(|| {
            ConfigError::expected(t.pos, "a boolean (true, false, enable, disable)", &t.text)
        }),
    }
}

fn parse_direction(body: &[Node], which: &str) -> Result<MessageFlags, ConfigError> {
    let mut f = MessageFlags::default();
    for node in body {
        let (tokens, end_pos) = match node {
            Node::Stmt { tokens, end_pos } => (tokens, *end_pos),
            Node::Block { head, .. } => {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!("invalid section '{}' inside {which}", head[0].text),
                ))
            }
        };
        let mut cur = Cursor::new(tokens, end_pos);
        let kw = cur.expect("a message selector")?;
        let slot = match kw.as_str() {
            "parsed" => &mut f.parsed,
            "packets" => &mut f.packets,
            "consolidate" => &mut f.consolidate,
            "open" => &mut f.open,
            "update" => &mut f.update,
            "notification" => &mut f.notification,
            "keepalive" => &mut f.keepalive,
            "refresh" => &mut f.refresh,
            "operational" => &mut f.operational,
            _ => {
                return Err(ConfigError::new(
                    kw.pos,
                    format!("invalid keyword '{}' in api {which}", kw.text),
                ))
            }
        };
        *slot = flag_value(&mut cur)?;
        cur.finish()?;
    }
    Ok(f)
}

/// Parse `api [name] { }`; returns the block and the positions of the process
/// names it references (checked against the `process` sections later).
pub fn parse_api_block(
    name: Option<String>,
    body: &[Node],
) -> Result<(ApiConfig, Vec<Pos>), ConfigError> {
    let mut api = ApiConfig {
        name,
        ..ApiConfig::default()
    };
    let mut positions = Vec::new();
    let mut match_pos: Option<Pos> = None;
    for node in body {
        match node {
            Node::Block { head, body, .. } => {
                let kw = &head[0];
                if let Some(t) = head.get(1) {
                    return Err(ConfigError::expected(t.pos, "'{'", &t.text));
                }
                match kw.as_str() {
                    "send" => api.send = parse_direction(body, "send")?,
                    "receive" => api.receive = parse_direction(body, "receive")?,
                    _ => {
                        return Err(ConfigError::new(
                            kw.pos,
                            format!(
                                "invalid section '{}' in api: expected send or receive",
                                kw.text
                            ),
                        ))
                    }
                }
            }
            Node::Stmt { tokens, end_pos } => {
                let mut cur = Cursor::new(tokens, *end_pos);
                let kw = cur.expect("an api keyword")?;
                match kw.as_str() {
                    "processes" => {
                        for t in cur.list("a process name")? {
                            api.processes.push(t.text.to_string());
                            positions.push(t.pos);
                        }
                    }
                    "processes-match" => {
                        if match_pos.is_none() {
                            match_pos = Some(kw.pos);
                        }
                        for t in cur.list("a regular expression")? {
                            api.processes_match.push(t.text.to_string());
                        }
                    }
                    "neighbor-changes" => api.neighbor_changes = flag_value(&mut cur)?,
                    "negotiated" => api.negotiated = flag_value(&mut cur)?,
                    "fsm" => api.fsm = flag_value(&mut cur)?,
                    "signal" => api.signal = flag_value(&mut cur)?,
                    _ => {
                        return Err(ConfigError::new(
                            kw.pos,
                            format!("invalid keyword '{}' in api", kw.text),
                        ))
                    }
                }
                cur.finish()?;
            }
        }
    }
    if let Some(p) = match_pos {
        if !api.processes.is_empty() {
            return Err(ConfigError::new(
                p,
                "'processes' and 'processes-match' cannot be used together",
            ));
        }
    }
    Ok((api, positions))
}
