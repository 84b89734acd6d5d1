//! Parser for the `.cmds` helper-replay format (FORMAT.md §7).

use std::fmt;

/// A `when` condition of a read block (§7.3).
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Contains(String),
    Equals(String),
    Empty,
    Eof,
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub cond: Cond,
    pub body: Vec<Step>,
}

/// One replay step.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Sleep(f64),
    Send(String),
    Batch(Vec<String>),
    WaitAck {
        count: u32,
        timeout: f64,
        or_exit: Option<i32>,
    },
    ExpectNoAck {
        timeout: f64,
        or_exit: Option<i32>,
    },
    WaitShutdown {
        timeout: f64,
        pause: f64,
    },
    ReadOnce(Vec<Rule>),
    ReadLoop(Vec<Rule>),
    RepeatForever(Vec<Step>),
    Exit(i32),
    Next,
    Break,
    RequireJson,
}

/// One `helper <name>` section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Section {
    pub helper: String,
    pub processes: Vec<String>,
    pub encoder: Option<String>,
    pub respawn: bool,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CmdsFile {
    pub sections: Vec<Section>,
}

impl CmdsFile {
    /// The section for helper `name` (exact name or last path component).
    pub fn section(&self, name: &str) -> Option<&Section> {
        let base = name.rsplit('/').next().unwrap_or(name);
        self.sections
            .iter()
            .find(|s| s.helper == name || s.helper == base)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmdsError {
    pub line_no: usize,
    pub reason: String,
}

impl fmt::Display for CmdsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line_no, self.reason)
    }
}

impl std::error::Error for CmdsError {}

struct Parser<'a> {
    /// (1-based line number, line without trailing CR/LF)
    lines: Vec<(usize, &'a str)>,
    pos: usize,
}

/// Where a block ends.
#[derive(PartialEq, Clone, Copy)]
enum Until {
    /// top level: a `helper` line or end of file
    Section,
    /// `end`
    End,
    /// `when` or `end` (rule body)
    WhenOrEnd,
}

fn seconds(s: &str, line_no: usize) -> Result<f64, CmdsError> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or(CmdsError {
            line_no,
            reason: format!("invalid number of seconds {s:?}"),
        })
}

fn int<T: std::str::FromStr>(s: &str, line_no: usize) -> Result<T, CmdsError> {
    s.parse::<T>().map_err(|_| CmdsError {
        line_no,
        reason: format!("invalid integer {s:?}"),
    })
}

/// Text after `keyword ` verbatim (the single space is the separator).
fn payload<'a>(line: &'a str, keyword: &str) -> &'a str {
    line.strip_prefix(keyword)
        .and_then(|r| r.strip_prefix(' '))
        .unwrap_or("")
}

/// Parse `or-exit C` at `words[i..]`.
fn or_exit(words: &[&str], line_no: usize) -> Result<Option<i32>, CmdsError> {
    match words {
        [] => Ok(None),
        ["or-exit", c] => Ok(Some(int(c, line_no)?)),
        _ => Err(CmdsError {
            line_no,
            reason: format!("unexpected {:?}", words.join(" ")),
        }),
    }
}

impl<'a> Parser<'a> {
    /// Next significant line (leading whitespace removed).
    fn peek(&self) -> Option<(usize, &'a str)> {
        self.lines.get(self.pos).copied()
    }

    fn steps(&mut self, until: Until, in_rule: bool) -> Result<Vec<Step>, CmdsError> {
        let mut steps = Vec::new();
        while let Some((line_no, line)) = self.peek() {
            let keyword = line.split_whitespace().next().unwrap_or("");
            match (keyword, until) {
                ("helper", Until::Section) => return Ok(steps),
                ("end", Until::End | Until::WhenOrEnd) => return Ok(steps),
                ("when", Until::WhenOrEnd) => return Ok(steps),
                _ => {}
            }
            self.pos += 1;
            let err = |reason: String| CmdsError { line_no, reason };
            let words: Vec<&str> = line.split_whitespace().collect();
            let step = match keyword {
                "sleep" => match words.as_slice() {
                    [_, s] => Step::Sleep(seconds(s, line_no)?),
                    _ => return Err(err("usage: sleep S".into())),
                },
                "send" => Step::Send(payload(line, "send").to_string()),
                "batch" => {
                    let mut sends = Vec::new();
                    loop {
                        let Some((n, l)) = self.peek() else {
                            return Err(err("batch without end".into()));
                        };
                        self.pos += 1;
                        match l.split_whitespace().next().unwrap_or("") {
                            "end" => break,
                            "send" => sends.push(payload(l, "send").to_string()),
                            other => {
                                return Err(CmdsError {
                                    line_no: n,
                                    reason: format!(
                                        "only send may appear in a batch, not {other:?}"
                                    ),
                                })
                            }
                        }
                    }
                    Step::Batch(sends)
                }
                "wait-ack" => match words.as_slice() {
                    [_, n] => Step::WaitAck {
                        count: int(n, line_no)?,
                        timeout: 2.0,
                        or_exit: None,
                    },
                    [_, n, t, rest @ ..] => Step::WaitAck {
                        count: int(n, line_no)?,
                        timeout: seconds(t, line_no)?,
                        or_exit: or_exit(rest, line_no)?,
                    },
                    _ => return Err(err("usage: wait-ack N [T] [or-exit C]".into())),
                },
                "expect-no-ack" => match words.as_slice() {
                    [_, t, rest @ ..] => Step::ExpectNoAck {
                        timeout: seconds(t, line_no)?,
                        or_exit: or_exit(rest, line_no)?,
                    },
                    _ => return Err(err("usage: expect-no-ack T [or-exit C]".into())),
                },
                "wait-shutdown" => match words.as_slice() {
                    [_, t] => Step::WaitShutdown {
                        timeout: seconds(t, line_no)?,
                        pause: 1.0,
                    },
                    [_, t, p] => Step::WaitShutdown {
                        timeout: seconds(t, line_no)?,
                        pause: seconds(p, line_no)?,
                    },
                    _ => return Err(err("usage: wait-shutdown T [P]".into())),
                },
                "read-once" | "read-loop" => {
                    let rules = self.rules(line_no)?;
                    if keyword == "read-once" {
                        Step::ReadOnce(rules)
                    } else {
                        Step::ReadLoop(rules)
                    }
                }
                "repeat-forever" => {
                    let body = self.steps(Until::End, in_rule)?;
                    self.expect_end(line_no)?;
                    Step::RepeatForever(body)
                }
                "exit" => match words.as_slice() {
                    [_, c] => Step::Exit(int(c, line_no)?),
                    _ => return Err(err("usage: exit C".into())),
                },
                "next" | "break" | "require-json" if in_rule => match keyword {
                    "next" => Step::Next,
                    "break" => Step::Break,
                    _ => Step::RequireJson,
                },
                "next" | "break" | "require-json" => {
                    return Err(err(format!("{keyword} outside a when rule")))
                }
                "when" => return Err(err("when outside read-once/read-loop".into())),
                "end" => return Err(err("end without a block".into())),
                "process" | "encoder" | "respawn" => {
                    return Err(err(format!("{keyword} outside a section header")))
                }
                other => return Err(err(format!("unknown directive {other:?}"))),
            };
            steps.push(step);
        }
        if until == Until::Section {
            Ok(steps)
        } else {
            Err(CmdsError {
                line_no: self.lines.last().map_or(0, |l| l.0),
                reason: "block without end".into(),
            })
        }
    }

    fn expect_end(&mut self, opened_at: usize) -> Result<(), CmdsError> {
        match self.peek() {
            Some((_, l)) if l.split_whitespace().next() == Some("end") => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(CmdsError {
                line_no: opened_at,
                reason: "block without end".into(),
            }),
        }
    }

    fn rules(&mut self, opened_at: usize) -> Result<Vec<Rule>, CmdsError> {
        let mut rules = Vec::new();
        loop {
            let Some((line_no, line)) = self.peek() else {
                return Err(CmdsError {
                    line_no: opened_at,
                    reason: "read block without end".into(),
                });
            };
            self.pos += 1;
            let words: Vec<&str> = line.split_whitespace().collect();
            let cond = match words.as_slice() {
                ["end", ..] => return Ok(rules),
                ["when", "contains", ..] => Cond::Contains(payload(line, "when contains").into()),
                ["when", "equals", ..] => Cond::Equals(payload(line, "when equals").into()),
                ["when", "empty"] => Cond::Empty,
                ["when", "eof"] => Cond::Eof,
                ["when", "other"] => Cond::Other,
                _ => {
                    return Err(CmdsError {
                        line_no,
                        reason: format!("expected a when rule, got {line:?}"),
                    })
                }
            };
            let body = self.steps(Until::WhenOrEnd, true)?;
            rules.push(Rule { cond, body });
        }
    }
}

/// Parse a whole `.cmds` file.
pub fn parse_cmds(text: &str) -> Result<CmdsFile, CmdsError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l).trim_start()))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let mut p = Parser { lines, pos: 0 };
    let mut file = CmdsFile::default();
    while let Some((line_no, line)) = p.peek() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let ["helper", name] = words.as_slice() else {
            return Err(CmdsError {
                line_no,
                reason: format!("expected `helper <name>`, got {line:?}"),
            });
        };
        p.pos += 1;
        let mut section = Section {
            helper: name.to_string(),
            respawn: true,
            ..Section::default()
        };
        // Informational header lines.
        while let Some((n, l)) = p.peek() {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["process", name] => section.processes.push(name.to_string()),
                ["encoder", e] => section.encoder = Some(e.to_string()),
                ["respawn", "false"] => section.respawn = false,
                ["process" | "encoder" | "respawn", ..] => {
                    return Err(CmdsError {
                        line_no: n,
                        reason: format!("invalid header line {l:?}"),
                    })
                }
                _ => break,
            }
            p.pos += 1;
        }
        section.steps = p.steps(Until::Section, false)?;
        file.sections.push(section);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Option<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/encoding")
            .join(name);
        std::fs::read_to_string(dir).ok()
    }

    #[test]
    fn every_construct() {
        let text = "# c\nhelper a.run\nprocess p1\nprocess p2\nencoder text\nrespawn false\n\
            sleep 0.2\nsend announce  route {line}\r\nbatch\n  send one\n  send two  \nend\n\
            wait-ack 1\nwait-ack 2 3\nwait-ack 1 2 or-exit 1\nexpect-no-ack 1 or-exit 4\n\
            wait-shutdown 5\nwait-shutdown 1 0.5\nread-loop\nwhen contains \"a\": 1\n  next\n\
            when equals x y\n  break\nwhen empty\n  require-json\nwhen eof\n  exit 1\nwhen other\n\
            read-once\n  when other\n    send {line}\n  end\nend\nrepeat-forever\nsend z\nend\nexit 0\n\
            helper b.run\n";
        let f = parse_cmds(text).unwrap();
        assert_eq!(f.sections.len(), 2);
        let s = &f.sections[0];
        assert_eq!(s.processes, vec!["p1", "p2"]);
        assert_eq!(s.encoder.as_deref(), Some("text"));
        assert!(!s.respawn);
        assert!(f.sections[1].respawn && f.sections[1].steps.is_empty());
        use Step::*;
        assert_eq!(
            s.steps,
            vec![
                Sleep(0.2),
                Send("announce  route {line}".into()),
                Batch(vec!["one".into(), "two  ".into()]),
                WaitAck {
                    count: 1,
                    timeout: 2.0,
                    or_exit: None
                },
                WaitAck {
                    count: 2,
                    timeout: 3.0,
                    or_exit: None
                },
                WaitAck {
                    count: 1,
                    timeout: 2.0,
                    or_exit: Some(1)
                },
                ExpectNoAck {
                    timeout: 1.0,
                    or_exit: Some(4)
                },
                WaitShutdown {
                    timeout: 5.0,
                    pause: 1.0
                },
                WaitShutdown {
                    timeout: 1.0,
                    pause: 0.5
                },
                ReadLoop(vec![
                    Rule {
                        cond: Cond::Contains("\"a\": 1".into()),
                        body: vec![Next]
                    },
                    Rule {
                        cond: Cond::Equals("x y".into()),
                        body: vec![Break]
                    },
                    Rule {
                        cond: Cond::Empty,
                        body: vec![RequireJson]
                    },
                    Rule {
                        cond: Cond::Eof,
                        body: vec![Exit(1)]
                    },
                    Rule {
                        cond: Cond::Other,
                        body: vec![ReadOnce(vec![Rule {
                            cond: Cond::Other,
                            body: vec![Send("{line}".into())]
                        }])]
                    },
                ]),
                RepeatForever(vec![Send("z".into())]),
                Exit(0),
            ]
        );
    }

    #[test]
    fn errors() {
        assert!(parse_cmds("sleep 1\n").is_err());
        assert!(parse_cmds("helper a\nnext\n").is_err());
        assert!(parse_cmds("helper a\nbatch\nsleep 1\nend\n").is_err());
        assert!(parse_cmds("helper a\nread-loop\nwhen other\nnext\n").is_err());
        assert!(parse_cmds("helper a\nsleep x\n").is_err());
        assert!(parse_cmds("helper a\nfrobnicate\n").is_err());
        assert!(parse_cmds("helper a\nwait-ack 1 2 or-die 3\n").is_err());
    }

    #[test]
    fn corpus_api_api() {
        let Some(text) = corpus("api-api.cmds") else {
            eprintln!("SKIP: corpus absent");
            return;
        };
        let f = parse_cmds(&text).unwrap();
        assert_eq!(f.sections.len(), 2);
        let s = f.section("./run/api-api.receive.run").unwrap();
        assert_eq!(s.processes, vec!["expecting-a-keepalive"]);
        let Step::ReadLoop(rules) = &s.steps[0] else {
            panic!("read-loop expected")
        };
        assert_eq!(rules.len(), 7);
        assert_eq!(rules[4].cond, Cond::Contains("0.0.0.0/32".into()));
        assert_eq!(
            rules[4].body,
            vec![
                Step::Sleep(2.0),
                Step::Send("announce route 6.6.6.0/24 next-hop 1.1.1.1".into()),
                Step::WaitAck {
                    count: 1,
                    timeout: 2.0,
                    or_exit: None
                },
                Step::Next
            ]
        );
        assert_eq!(rules[5].cond, Cond::Eof);
        let n = f.section("api-api.nothing.run").unwrap();
        assert!(matches!(&n.steps[0], Step::ReadOnce(r) if r.len() == 2));
    }

    #[test]
    fn corpus_api_fast_keeps_spaces() {
        let Some(text) = corpus("api-fast.cmds") else {
            eprintln!("SKIP: corpus absent");
            return;
        };
        let f = parse_cmds(&text).unwrap();
        let s = &f.sections[0];
        assert!(s.steps.contains(&Step::Send(
            "announce route 0.0.0.0/0  next-hop 1.101.1.101".into()
        )));
        assert!(matches!(&s.steps[1], Step::Batch(b) if b.len() == 4));
    }

    #[test]
    fn whole_corpus_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/encoding");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("SKIP: corpus absent");
            return;
        };
        let mut n = 0;
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("cmds") {
                let text = std::fs::read_to_string(&p).unwrap();
                parse_cmds(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                n += 1;
            }
        }
        assert!(n > 0);
    }
}
