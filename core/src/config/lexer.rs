//! The configuration lexer (reference §1.1).
//!
//! A *statement* ends at `;`, `{` or `}`; it must end on the physical line it
//! started on (ExaBGP raises on leftover tokens at the end of a line), unless
//! the line ends with a `\` continuation. `#` starts a comment, `"..."` and
//! `'...'` make one token, and `[`, `]` and `,` are tokens of their own even
//! without surrounding spaces. Scanning is a single linear pass.

use super::error::{ConfigError, Pos};

/// One word of the configuration, with the position of its first character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub pos: Pos,
    /// Written between quotes (never a keyword or punctuation then).
    pub quoted: bool,
}

impl Token {
    pub fn new(text: impl Into<String>, pos: Pos) -> Token {
        Token {
            text: text.into(),
            pos,
            quoted: false,
        }
    }

    /// True for an unquoted token with exactly this text.
    pub fn is(&self, s: &str) -> bool {
        !self.quoted && self.text == s
    }

    /// Position just after the token (for "expected ';'" after it).
    pub fn end_pos(&self) -> Pos {
        let extra = if self.quoted { 2 } else { 0 };
        Pos::new(
            self.pos.line,
            self.pos.column + self.text.chars().count() as u32 + extra,
        )
    }
}

/// How a statement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `;`
    Semicolon,
    /// `{`: a block follows.
    Open,
    /// `}`: closes the enclosing block (the statement itself is then empty).
    Close,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub tokens: Vec<Token>,
    pub end: End,
    /// Position of the terminator.
    pub end_pos: Pos,
}

struct Scanner<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    col: u32,
}

impl Scanner<'_> {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }
}

/// What the scanner hands back for each lexical item.
enum Item {
    Word(Token),
    Term(End, Pos),
    /// A physical end of line (not escaped by `\`).
    Newline,
}

/// `command` mode (API lines): `{`, `}`, `;`, `(` and `)` are plain tokens.
fn scan(
    text: &str,
    command: bool,
    mut emit: impl FnMut(Item) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let mut s = Scanner {
        chars: text.chars().peekable(),
        line: 1,
        col: 1,
    };
    let mut word = String::new();
    let mut word_pos = Pos::new(1, 1);
    macro_rules! flush {
        () => {
            if !word.is_empty() {
                emit(Item::Word(Token::new(std::mem::take(&mut word), word_pos)))?;
            }
        };
    }
    loop {
        let pos = s.pos();
        let c = match s.next() {
            Some(c) => c,
            None => break,
        };
        match c {
            '\n' => {
                flush!();
                emit(Item::Newline)?;
            }
            '#' => {
                flush!();
                while let Some(&n) = s.chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    s.next();
                }
            }
            '\\' => {
                // A backslash followed only by blanks up to the end of the line
                // joins the next line to this one.
                let mut look = s.chars.clone();
                let mut is_cont = false;
                for n in look.by_ref() {
                    match n {
                        ' ' | '\t' | '\r' => continue,
                        '\n' => {
                            is_cont = true;
                            break;
                        }
                        _ => break,
                    }
                }
                if is_cont {
                    flush!();
                    while let Some(n) = s.next() {
                        if n == '\n' {
                            break;
                        }
                    }
                } else {
                    if word.is_empty() {
                        word_pos = pos;
                    }
                    word.push('\\');
                }
            }
            '"' | '\'' => {
                // Like ExaBGP, characters just before the quote belong to the
                // same token (`ab"c d"e` gives `abc d` and `e`).
                let (mut q, start) = if word.is_empty() {
                    (String::new(), pos)
                } else {
                    (std::mem::take(&mut word), word_pos)
                };
                let mut closed = false;
                while let Some(n) = s.next() {
                    if n == c {
                        closed = true;
                        break;
                    }
                    if n == '\n' {
                        break;
                    }
                    if n == '\\' {
                        match s.chars.peek().copied() {
                            Some('n') => {
                                s.next();
                                q.push('\n')
                            }
                            Some('t') => {
                                s.next();
                                q.push('\t')
                            }
                            Some('r') => {
                                s.next();
                                q.push('\r')
                            }
                            Some(x) if x != '\n' => {
                                s.next();
                                q.push(x)
                            }
                            _ => q.push('\\'),
                        }
                        continue;
                    }
                    q.push(n);
                }
                if !closed {
                    return Err(ConfigError::new(
                        pos,
                        format!(
                            "unterminated quoted string: expected a closing {c} on the same line"
                        ),
                    ));
                }
                emit(Item::Word(Token {
                    text: q,
                    pos: start,
                    quoted: true,
                }))?;
            }
            ';' | '{' | '}' if !command => {
                flush!();
                let end = match c {
                    ';' => End::Semicolon,
                    '{' => End::Open,
                    _ => End::Close,
                };
                emit(Item::Term(end, pos))?;
            }
            '[' | ']' | ',' => {
                flush!();
                emit(Item::Word(Token::new(c.to_string(), pos)))?;
            }
            '(' | ')' | ';' | '{' | '}' if command => {
                flush!();
                emit(Item::Word(Token::new(c.to_string(), pos)))?;
            }
            c if c.is_whitespace() => flush!(),
            c => {
                if word.is_empty() {
                    word_pos = pos;
                }
                word.push(c);
            }
        }
    }
    flush!();
    Ok(())
}

/// Split a configuration text into statements.
pub fn statements(text: &str) -> Result<Vec<Statement>, ConfigError> {
    let mut out = Vec::new();
    let mut cur: Vec<Token> = Vec::new();
    scan(text, false, |item| {
        match item {
            Item::Word(t) => cur.push(t),
            Item::Term(end, pos) => {
                out.push(Statement {
                    tokens: std::mem::take(&mut cur),
                    end,
                    end_pos: pos,
                });
            }
            Item::Newline => {
                if let Some(last) = cur.last() {
                    // ExaBGP reads a statement per physical line: `neighbor x`
                    // with `{` on the next line is a syntax error (§1.1, §11.17).
                    return Err(ConfigError::new(
                        last.end_pos(),
                        format!(
                            "expected ';' or '{{' at the end of the line after '{}'",
                            last.text
                        ),
                    ));
                }
            }
        }
        Ok(())
    })?;
    if let Some(last) = cur.last() {
        return Err(ConfigError::new(
            last.end_pos(),
            format!(
                "expected ';' or '{{' after '{}', found end of file",
                last.text
            ),
        ));
    }
    Ok(out)
}

/// Split one API command line into tokens: like the configuration lexer, but
/// `{ } ; ( )` are ordinary tokens (the API pre-formatter spaces them out).
pub fn command_tokens(line: &str) -> Result<Vec<Token>, ConfigError> {
    let mut out = Vec::new();
    scan(line, true, |item| {
        if let Item::Word(t) = item {
            out.push(t);
        }
        Ok(())
    })?;
    Ok(out)
}
