//! The configuration lexer (reference §1.1).
//!
//! A *statement* ends at `;`, `{` or `}`; it must end on the physical line it
//! started on (ExaBGP raises on leftover tokens at the end of a line), unless
//! the line ends with a `\` continuation. `#` starts a comment, `"..."` and
//! `'...'` make one token, and `[`, `]` and `,` are tokens of their own even
//! without surrounding spaces. Scanning is a single linear pass.

use super::error::{ConfigError, Pos};
use std::borrow::Cow;

/// One word of the configuration, with the position of its first character.
///
/// The text borrows from the configuration (no allocation per word) unless
/// it had to be rebuilt (quotes with escapes, split parentheses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub text: Cow<'a, str>,
    pub pos: Pos,
    /// Written between quotes (never a keyword or punctuation then).
    pub quoted: bool,
}

impl<'a> Token<'a> {
    pub fn new(text: impl Into<Cow<'a, str>>, pos: Pos) -> Token<'a> {
        Token {
            text: text.into(),
            pos,
            quoted: false,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
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
pub struct Statement<'a> {
    pub tokens: Vec<Token<'a>>,
    pub end: End,
    /// Position of the terminator.
    pub end_pos: Pos,
}

/// What the scanner hands back for each lexical item.
enum Item<'a> {
    Word(Token<'a>),
    Term(End, Pos),
    /// A physical end of line (not escaped by `\`).
    Newline,
}

/// `command` mode (API lines): `{`, `}`, `;`, `(` and `)` are plain tokens.
///
/// Works on bytes: every delimiter is ASCII, so word boundaries are always
/// char boundaries, and a word is copied once, at its final size.
fn scan<'a>(
    text: &'a str,
    command: bool,
    mut emit: impl FnMut(Item<'a>) -> Result<(), ConfigError>,
) -> Result<(), ConfigError> {
    let b = text.as_bytes();
    let mut i = 0usize;
    let mut line = 1u32;
    let mut col = 1u32;
    // Start offset and position of the word being read.
    let mut word: Option<(usize, Pos)> = None;
    macro_rules! flush {
        ($end:expr) => {
            if let Some((start, p)) = word.take() {
                emit(Item::Word(Token::new(&text[start..$end], p)))?;
            }
        };
    }
    while i < b.len() {
        let c = b[i];
        let pos = Pos::new(line, col);
        match c {
            b'\n' => {
                flush!(i);
                emit(Item::Newline)?;
                line += 1;
                col = 1;
                i += 1;
                continue;
            }
            b'#' => {
                flush!(i);
                while i < b.len() && b[i] != b'\n' {
                    if b[i] & 0xC0 != 0x80 {
                        col += 1;
                    }
                    i += 1;
                }
                continue;
            }
            b'\\' => {
                // A backslash followed only by blanks up to the end of the line
                // joins the next line to this one.
                let mut j = i + 1;
                while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
                    j += 1;
                }
                if j < b.len() && b[j] == b'\n' {
                    flush!(i);
                    i = j + 1;
                    line += 1;
                    col = 1;
                    continue;
                }
                if word.is_none() {
                    word = Some((i, pos));
                }
            }
            b'"' | b'\'' => {
                // Like ExaBGP, characters just before the quote belong to the
                // same token (`ab"c d"e` gives `abc d` and `e`).
                let (mut q, start) = match word.take() {
                    Some((s, p)) => (text[s..i].to_string(), p),
                    None => (String::new(), pos),
                };
                i += 1;
                col += 1;
                let mut closed = false;
                let mut seg = i;
                while i < b.len() {
                    let n = b[i];
                    if n == c {
                        q.push_str(&text[seg..i]);
                        closed = true;
                        i += 1;
                        col += 1;
                        break;
                    }
                    if n == b'\n' {
                        break;
                    }
                    if n == b'\\' && i + 1 < b.len() && b[i + 1] != b'\n' && b[i + 1].is_ascii() {
                        q.push_str(&text[seg..i]);
                        q.push(match b[i + 1] {
                            b'n' => '\n',
                            b't' => '\t',
                            b'r' => '\r',
                            x => x as char,
                        });
                        i += 2;
                        col += 2;
                        seg = i;
                        continue;
                    }
                    if n & 0xC0 != 0x80 {
                        col += 1;
                    }
                    i += 1;
                }
                if !closed {
                    return Err(ConfigError::new(
                        pos,
                        format!(
                            "unterminated quoted string: expected a closing {} on the same line",
                            c as char
                        ),
                    ));
                }
                emit(Item::Word(Token {
                    text: q.into(),
                    pos: start,
                    quoted: true,
                }))?;
                continue;
            }
            b';' | b'{' | b'}' if !command => {
                flush!(i);
                let end = match c {
                    b';' => End::Semicolon,
                    b'{' => End::Open,
                    _ => End::Close,
                };
                emit(Item::Term(end, pos))?;
            }
            b'[' | b']' | b',' => {
                flush!(i);
                emit(Item::Word(Token::new(&text[i..i + 1], pos)))?;
            }
            b'(' | b')' | b';' | b'{' | b'}' if command => {
                flush!(i);
                emit(Item::Word(Token::new(&text[i..i + 1], pos)))?;
            }
            b' ' | b'\t' | b'\r' | 0x0B | 0x0C => flush!(i),
            _ => {
                if word.is_none() {
                    word = Some((i, pos));
                }
            }
        }
        if c & 0xC0 != 0x80 {
            col += 1;
        }
        i += 1;
    }
    flush!(b.len());
    Ok(())
}

/// Split a configuration text into statements.
pub fn statements(text: &str) -> Result<Vec<Statement<'_>>, ConfigError> {
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
pub fn command_tokens(line: &str) -> Result<Vec<Token<'_>>, ConfigError> {
    // A route command has a token every ~5 bytes; reserving up front avoids
    // the repeated regrowth that showed in the API parse profile.
    let mut out = Vec::with_capacity(line.len() / 5 + 4);
    if command_tokens_plain(line, &mut out) {
        return Ok(out);
    }
    out.clear();
    scanned_tokens(line, &mut out)?;
    Ok(out)
}

/// The full scanner's words of `line` (quotes, escapes, comments).
fn scanned_tokens<'a>(line: &'a str, out: &mut Vec<Token<'a>>) -> Result<(), ConfigError> {
    scan(line, true, |item| {
        if let Item::Word(t) = item {
            out.push(t);
        }
        Ok(())
    })
}

/// How [`command_tokens_plain`] treats each byte.
const PLAIN_WORD: u8 = 0;
const PLAIN_BLANK: u8 = 1;
const PLAIN_PUNCT: u8 = 2;
/// Quotes, comments, backslashes, line feeds and non-ASCII bytes: the full
/// scanner handles those (escapes, line/column bookkeeping).
const PLAIN_SLOW: u8 = 3;

const PLAIN_CLASS: [u8; 256] = {
    let mut t = [PLAIN_WORD; 256];
    let mut i = 0x80;
    while i < 256 {
        t[i] = PLAIN_SLOW;
        i += 1;
    }
    t[b'"' as usize] = PLAIN_SLOW;
    t[b'\'' as usize] = PLAIN_SLOW;
    t[b'#' as usize] = PLAIN_SLOW;
    t[b'\\' as usize] = PLAIN_SLOW;
    t[b'\n' as usize] = PLAIN_SLOW;
    t[b' ' as usize] = PLAIN_BLANK;
    t[b'\t' as usize] = PLAIN_BLANK;
    t[b'\r' as usize] = PLAIN_BLANK;
    t[0x0B] = PLAIN_BLANK;
    t[0x0C] = PLAIN_BLANK;
    let punct = b"[],(){};";
    let mut j = 0;
    while j < punct.len() {
        t[punct[j] as usize] = PLAIN_PUNCT;
        j += 1;
    }
    t
};

/// [`command_tokens`] for the common line: ASCII words separated by
/// spaces, punctuation standing alone (the API normaliser's output), where a
/// column is the byte offset + 1. Gives the same tokens as [`scan`] in
/// command mode without its per-byte state machine: one loop splits on
/// spaces while OR-ing the byte classes of the word (`str::split(' ')` was
/// slower: a substring search per short word). False (with `out` partly
/// filled) when the line needs the full scanner (quotes, comments,
/// backslashes, other blanks, glued punctuation, non-ASCII).
fn command_tokens_plain<'a>(line: &'a str, out: &mut Vec<Token<'a>>) -> bool {
    let b = line.as_bytes();
    let mut start = 0usize;
    let mut class = PLAIN_WORD;
    for i in 0..=b.len() {
        let c = b.get(i).copied().unwrap_or(b' ');
        if c != b' ' {
            class |= PLAIN_CLASS[c as usize];
            continue;
        }
        let len = i - start;
        // One byte: its class alone decides; longer: only word bytes.
        let keep = match (len, class) {
            (0, _) | (1, PLAIN_BLANK) => false,
            (1, PLAIN_WORD | PLAIN_PUNCT) | (_, PLAIN_WORD) => true,
            _ => return false,
        };
        if keep {
            if let Some(w) = line.get(start..i) {
                out.push(Token::new(w, Pos::new(1, start as u32 + 1)));
            }
        }
        start = i + 1;
        class = PLAIN_WORD;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow(line: &str) -> Result<Vec<Token<'_>>, ConfigError> {
        let mut out = Vec::new();
        scanned_tokens(line, &mut out)?;
        Ok(out)
    }

    #[test]
    fn plain_path_matches_scanner() {
        for line in [
            "announce route 10.0.0.0/24 next-hop 192.0.2.1 as-path [ 65001 3356 ]",
            "  a\tb\r[c],(d)e;{f}  ",
            "x[y]z,,",
            "",
            "a\\b",
            "a \"b c\" d",
            "é x",
            "a # comment",
        ] {
            let mut plain = Vec::new();
            if command_tokens_plain(line, &mut plain) {
                assert_eq!(plain, slow(line).unwrap(), "{line:?}");
            }
            assert_eq!(command_tokens(line).ok(), slow(line).ok(), "{line:?}");
        }
    }

    quickcheck::quickcheck! {
        fn prop_command_tokens_same_as_scanner(s: String) -> bool {
            command_tokens(&s).ok() == slow(&s).ok()
        }
        // Arbitrary strings are mostly non-ASCII: this one stays on the
        // plain path most of the time.
        fn prop_plain_alphabet_same_as_scanner(b: Vec<u8>) -> bool {
            const ABC: &[u8] = b"ab1. \t\r[](),;{}\"#";
            let s: String = b.iter().map(|&x| ABC[x as usize % ABC.len()] as char).collect();
            command_tokens(&s).ok() == slow(&s).ok()
        }
    }
}
