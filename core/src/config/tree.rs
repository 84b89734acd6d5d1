//! Statements grouped into blocks: `head... { body }`.

use super::error::{ConfigError, Pos};
use super::lexer::{End, Statement, Token};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node<'a> {
    /// `tokens ;`
    Stmt {
        tokens: Vec<Token<'a>>,
        end_pos: Pos,
    },
    /// `head { body }`
    Block {
        head: Vec<Token<'a>>,
        open_pos: Pos,
        body: Vec<Node<'a>>,
        close_pos: Pos,
    },
}

impl Node<'_> {
    /// Position of the first token (or of the terminator for empty statements).
    pub fn pos(&self) -> Pos {
        match self {
            Node::Stmt { tokens, end_pos } => tokens.first().map(|t| t.pos).unwrap_or(*end_pos),
            Node::Block { head, open_pos, .. } => head.first().map(|t| t.pos).unwrap_or(*open_pos),
        }
    }
}

/// The deepest nesting the grammar uses is about six levels (neighbor, flow,
/// route, match); anything much deeper is refused so that neither building
/// nor dropping the tree can exhaust the stack.
pub const MAX_DEPTH: usize = 32;

/// Build the block tree (iteratively, with a depth limit).
pub fn build(stmts: Vec<Statement<'_>>, eof: Pos) -> Result<Vec<Node<'_>>, ConfigError> {
    // Each open level: (head, open_pos, body).
    let mut stack: Vec<(Vec<Token<'_>>, Pos, Vec<Node<'_>>)> =
        vec![(Vec::new(), Pos::default(), Vec::new())];
    // ExaBGP stops reading at a `}` that closes nothing, silently dropping the
    // rest of the file; the corpus has a file ending in such a stray `}`. We
    // accept stray closes only when nothing but more closes follows them.
    let mut stray: Option<Pos> = None;
    for s in stmts {
        if let Some(p) = stray {
            if s.end != End::Close || !s.tokens.is_empty() {
                return Err(ConfigError::new(p, "unexpected '}': no section is open"));
            }
        }
        match s.end {
            End::Semicolon => {
                if s.tokens.is_empty() {
                    // A lone `;` is harmless (ExaBGP ignores empty statements).
                    continue;
                }
                if let Some(top) = stack.last_mut() {
                    top.2.push(Node::Stmt {
                        tokens: s.tokens,
                        end_pos: s.end_pos,
                    });
                }
            }
            End::Open => {
                if s.tokens.is_empty() {
                    return Err(ConfigError::new(
                        s.end_pos,
                        "expected a section name before '{'",
                    ));
                }
                if stack.len() > MAX_DEPTH {
                    return Err(ConfigError::new(
                        s.end_pos,
                        format!("sections are nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                stack.push((s.tokens, s.end_pos, Vec::new()));
            }
            End::Close => {
                if let Some(last) = s.tokens.last() {
                    return Err(ConfigError::new(
                        last.end_pos(),
                        format!("expected ';' after '{}', found '}}'", last.text),
                    ));
                }
                if stack.len() == 1 {
                    log::warn!(
                        "line {}: ignoring a '}}' that closes no section",
                        s.end_pos.line
                    );
                    stray.get_or_insert(s.end_pos);
                    continue;
                }
                if let Some((head, open_pos, body)) = stack.pop() {
                    if let Some(top) = stack.last_mut() {
                        top.2.push(Node::Block {
                            head,
                            open_pos,
                            body,
                            close_pos: s.end_pos,
                        });
                    }
                }
            }
        }
    }
    if stack.len() > 1 {
        let (head, open_pos, _) = &stack[stack.len() - 1];
        let name = head
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        return Err(ConfigError::new(
            eof,
            format!(
                "expected '}}' to close '{name}' opened at line {} column {}, found end of file",
                open_pos.line, open_pos.column
            ),
        ));
    }
    Ok(stack.pop().map(|t| t.2).unwrap_or_default())
}
