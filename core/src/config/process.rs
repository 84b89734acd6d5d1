//! `process NAME { run ...; encoder text|json; respawn bool; }` (reference §2)
//! and program resolution for `oxbgp validate` / the runtimes.

use super::error::{ConfigError, Pos};
use super::model::{Config, Encoder, ProcessConfig};
use super::tree::Node;
use super::value::{parse_bool, Cursor};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Parse a `process` block body.
pub fn parse_process(name: String, at: Pos, body: &[Node]) -> Result<ProcessConfig, ConfigError> {
    let mut run: Option<(Vec<String>, Pos)> = None;
    let mut encoder = None;
    let mut respawn = true;
    for node in body {
        let (tokens, end_pos) = match node {
            Node::Stmt { tokens, end_pos } => (tokens, *end_pos),
            Node::Block { head, .. } => {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!("invalid section '{}' in process", head[0].text),
                ))
            }
        };
        let mut cur = Cursor::new(tokens, end_pos);
        let kw = cur.expect("run, encoder or respawn")?;
        match kw.as_str() {
            "run" => {
                let first = cur.expect("a program to run")?;
                let mut argv = vec![first.text.to_string()];
                while let Some(t) = cur.next() {
                    argv.push(t.text.to_string());
                }
                run = Some((argv, first.pos));
            }
            "encoder" => {
                let t = cur.expect("an encoder (text or json)")?;
                encoder = Some(match t.as_str() {
                    "text" => Encoder::Text,
                    "json" => Encoder::Json,
                    _ => {
                        return Err(ConfigError::expected(
                            t.pos,
                            "an encoder (text or json)",
                            &t.text,
                        ))
                    }
                });
                cur.finish()?;
            }
            "respawn" => {
                respawn = match cur.next() {
                    None => true,
                    Some(t) => parse_bool(t)?,
                };
                cur.finish()?;
            }
            _ => {
                return Err(ConfigError::new(
                    kw.pos,
                    format!(
                        "invalid keyword '{}' in process: expected run, encoder or respawn",
                        kw.text
                    ),
                ))
            }
        }
    }
    // ExaBGP refuses a process without encoder ("unset process sections:
    // encoder"); api.encoder is not a fallback (reference §2, §11.17).
    let encoder = encoder.ok_or_else(|| {
        ConfigError::new(
            at,
            format!("incomplete process '{name}': expected 'encoder text;' or 'encoder json;'"),
        )
    })?;
    let (run, run_pos) = run.ok_or_else(|| {
        ConfigError::new(
            at,
            format!("incomplete process '{name}': expected 'run <program>;'"),
        )
    })?;
    Ok(ProcessConfig {
        name,
        run,
        encoder,
        respawn,
        run_line: run_pos.line,
        run_column: run_pos.column,
    })
}

/// Where a `run` program lives: absolute paths as written; relative ones
/// against the configuration file's directory, then each `PATH` entry.
/// `path_var` is the value of `$PATH` (core never reads the environment).
pub fn resolve_program(
    program: &str,
    base_dir: &Path,
    path_var: Option<&OsStr>,
) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.is_absolute() {
        return p.is_file().then(|| p.to_path_buf());
    }
    let candidate = base_dir.join(p);
    if candidate.is_file() {
        return Some(candidate);
    }
    // A name with a directory part is only looked up relative to the config.
    if p.components().count() > 1 {
        return None;
    }
    std::env::split_paths(path_var?)
        .map(|d| d.join(p))
        .find(|c| c.is_file())
}

/// Check every process's program: it must exist, be a regular file, be
/// executable and be neither setuid nor setgid. Returns the resolved paths
/// in the order of `cfg.processes`. Performs filesystem reads (no other I/O).
pub fn validate_processes(
    cfg: &Config,
    base_dir: &Path,
    path_var: Option<&OsStr>,
) -> Result<Vec<PathBuf>, ConfigError> {
    let mut out = Vec::with_capacity(cfg.processes.len());
    for p in &cfg.processes {
        let at = Pos::new(p.run_line, p.run_column);
        let err = |m: String| ConfigError::new(at, m).in_file(&cfg.path);
        let prog = p
            .run
            .first()
            .ok_or_else(|| err(format!("process '{}' has no program", p.name)))?;
        let path = resolve_program(prog, base_dir, path_var)
            .ok_or_else(|| err(format!("expected an existing program for process '{}', found '{prog}' (looked in {} and PATH)", p.name, base_dir.display())))?;
        let meta = std::fs::metadata(&path)
            .map_err(|e| err(format!("cannot inspect '{}': {e}", path.display())))?;
        if !meta.is_file() {
            return Err(err(format!("'{}' is not a regular file", path.display())));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode();
            if mode & 0o111 == 0 {
                return Err(err(format!("'{}' is not executable", path.display())));
            }
            if mode & 0o6000 != 0 {
                return Err(err(format!(
                    "'{}' is setuid or setgid, refusing to run it",
                    path.display()
                )));
            }
        }
        out.push(path);
    }
    Ok(out)
}
