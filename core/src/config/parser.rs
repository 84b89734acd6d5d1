//! Top-level sections (reference §1.2): `process`, `template`, `neighbor`.

use super::error::{ConfigError, Pos};
use super::lexer::statements;
use super::model::{Config, NeighborConfig};
use super::neighbor::{finish_neighbor, parse_neighbor_body, parse_peer, NeighborDraft};
use super::process::parse_process;
use super::tree::{build, Node};
use std::collections::HashMap;

fn eof_pos(text: &str) -> Pos {
    let mut line = 1u32;
    let mut col = 1u32;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    Pos::new(line, col)
}

fn valid_template_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Apply `inherit` lists (templates in the order listed, reference §1.11).
fn apply_inherit(
    d: &mut NeighborDraft,
    templates: &HashMap<String, NeighborDraft>,
) -> Result<(), ConfigError> {
    let inherit = std::mem::take(&mut d.inherit);
    for (name, pos) in &inherit {
        let tpl = templates.get(name).ok_or_else(|| {
            ConfigError::new(
                *pos,
                format!("unknown template '{name}': expected the name of a template neighbor"),
            )
        })?;
        d.merge_from(tpl);
    }
    Ok(())
}

/// Parse a configuration text. Pure: no I/O. `path` is used in messages and
/// stored in [`Config::path`].
pub fn parse_str(text: &str, path: &str) -> Result<Config, ConfigError> {
    parse_inner(text, path).map_err(|e| e.in_file(path))
}

fn parse_inner(text: &str, path: &str) -> Result<Config, ConfigError> {
    let nodes = build(statements(text)?, eof_pos(text))?;
    let mut cfg = Config {
        path: path.to_string(),
        ..Config::default()
    };

    // Templates first, so `inherit` may name one defined later in the file.
    let mut templates: HashMap<String, NeighborDraft> = HashMap::new();
    for node in &nodes {
        let Node::Block { head, body, .. } = node else {
            continue;
        };
        if !head[0].is("template") {
            continue;
        }
        if let Some(t) = head.get(1) {
            return Err(ConfigError::expected(t.pos, "'{'", &t.text));
        }
        for n in body {
            let Node::Block { head, body, .. } = n else {
                return Err(ConfigError::new(
                    n.pos(),
                    "expected 'neighbor NAME {' in template",
                ));
            };
            if !head[0].is("neighbor") {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!(
                        "invalid section '{}' in template: expected 'neighbor'",
                        head[0].text
                    ),
                ));
            }
            let name = head.get(1).ok_or_else(|| {
                ConfigError::new(head[0].end_pos(), "expected a template name, found '{'")
            })?;
            if let Some(t) = head.get(2) {
                return Err(ConfigError::expected(t.pos, "'{'", &t.text));
            }
            if !valid_template_name(&name.text) {
                return Err(ConfigError::expected(
                    name.pos,
                    "a template name ([A-Za-z0-9._-])",
                    &name.text,
                ));
            }
            if templates.contains_key(name.as_str()) {
                return Err(ConfigError::new(
                    name.pos,
                    format!("duplicate template '{}'", name.text),
                ));
            }
            let mut d = NeighborDraft {
                pos: head[0].pos,
                ..NeighborDraft::default()
            };
            parse_neighbor_body(body, &mut d)?;
            apply_inherit(&mut d, &templates)?;
            templates.insert(name.text.to_string(), d);
        }
    }

    let mut api_refs: Vec<(String, Pos)> = Vec::new();
    let mut seen: HashMap<String, Pos> = HashMap::new();
    let mut process_pos: HashMap<String, Pos> = HashMap::new();
    for node in &nodes {
        let (head, body) = match node {
            Node::Block { head, body, .. } => (head, body),
            Node::Stmt { tokens, .. } => {
                let t = &tokens[0];
                return Err(ConfigError::new(
                    t.pos,
                    format!("section {} is invalid in root: expected process, template or neighbor followed by '{{'", t.text),
                ));
            }
        };
        let kw = &head[0];
        match kw.as_str() {
            "template" => {}
            "process" => {
                let name = head.get(1).ok_or_else(|| {
                    ConfigError::new(kw.end_pos(), "expected a process name, found '{'")
                })?;
                if let Some(t) = head.get(2) {
                    return Err(ConfigError::expected(t.pos, "'{'", &t.text));
                }
                if process_pos.contains_key(name.as_str()) {
                    return Err(ConfigError::new(
                        name.pos,
                        format!("duplicate process '{}'", name.text),
                    ));
                }
                process_pos.insert(name.text.to_string(), name.pos);
                cfg.processes
                    .push(parse_process(name.text.to_string(), kw.pos, body)?);
            }
            "neighbor" => {
                let ip = head.get(1).ok_or_else(|| {
                    ConfigError::new(kw.end_pos(), "expected a peer address, found '{'")
                })?;
                if let Some(t) = head.get(2) {
                    return Err(ConfigError::expected(t.pos, "'{'", &t.text));
                }
                let mut d = NeighborDraft {
                    pos: kw.pos,
                    peer: Some(parse_peer(ip)?),
                    ..NeighborDraft::default()
                };
                parse_neighbor_body(body, &mut d)?;
                apply_inherit(&mut d, &templates)?;
                for (api, positions) in &d.api {
                    for (name, pos) in api.processes.iter().zip(positions.iter()) {
                        api_refs.push((name.clone(), *pos));
                    }
                }
                let n = finish_neighbor(d)?;
                let key = neighbor_key(&n);
                if let Some(first) = seen.get(&key) {
                    return Err(ConfigError::new(
                        kw.pos,
                        format!(
                            "duplicate neighbor {} (already defined at line {} column {})",
                            n.peer_address, first.line, first.column
                        ),
                    ));
                }
                seen.insert(key, kw.pos);
                cfg.neighbors.push(n);
            }
            other => {
                return Err(ConfigError::new(
                    kw.pos,
                    format!(
                    "section {other} is invalid in root: expected process, template or neighbor"
                ),
                ))
            }
        }
    }
    for (name, pos) in api_refs {
        if !process_pos.contains_key(&name) {
            return Err(ConfigError::new(pos, format!("an api called '{name}' is used by a neighbor but not defined: expected a process name")));
        }
    }
    Ok(cfg)
}

/// What makes two neighbors the same (reference §1.12).
fn neighbor_key(n: &NeighborConfig) -> String {
    if let Some(port) = n.listen {
        return format!("peer-ip {} listen {port}", n.peer_address);
    }
    format!(
        "{}/{:?} {:?} {:?} {:?} {:?} {:?}",
        n.peer_address,
        n.peer_prefix_len,
        n.local_address,
        n.local_as,
        n.peer_as,
        n.router_id,
        n.families
    )
}
