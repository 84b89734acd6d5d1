//! The subset of Python `re.match` that `processes-match [ ... ]` needs
//! (reference §1.6): anchored at the start like `re.match`, with `^`, `$`, `.`,
//! character classes (`[a-z]`, `[^...]`), `\` escapes (`\d`, `\w`, `\s`, literal
//! characters) and the quantifiers `*`, `+`, `?`. Groups and alternation are not
//! supported: such a pattern never matches (and is reported by the caller).
//!
//! A hand-written backtracking matcher keeps the dependency list short; process
//! names are short, so the worst case (exponential in nested quantifiers, which
//! this subset cannot express) is not a concern: matching is O(pattern × name²).

#[derive(Clone, Debug, PartialEq, Eq)]
enum Atom {
    Any,
    Char(char),
    /// Ranges, negated.
    Class(Vec<(char, char)>, bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Repeat {
    One,
    ZeroOrMore,
    OneOrMore,
    ZeroOrOne,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Piece {
    atom: Atom,
    repeat: Repeat,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
    /// `$` at the end: the whole name must be consumed.
    anchored_end: bool,
}

/// Why a pattern is outside the supported subset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

fn escape_class(c: char) -> Option<(Vec<(char, char)>, bool)> {
    let digits = vec![('0', '9')];
    let word = vec![('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];
    let space = vec![(' ', ' '), ('\t', '\r')];
    Some(match c {
        'd' => (digits, false),
        'D' => (digits, true),
        'w' => (word, false),
        'W' => (word, true),
        's' => (space, false),
        'S' => (space, true),
        _ => return None,
    })
}

impl Pattern {
    pub fn compile(src: &str) -> Result<Pattern, PatternError> {
        let mut chars = src.chars().peekable();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut anchored_end = false;
        if chars.peek() == Some(&'^') {
            chars.next();
        }
        while let Some(c) = chars.next() {
            if anchored_end {
                return Err(PatternError(format!("'$' must end the pattern '{src}'")));
            }
            let atom = match c {
                '.' => Atom::Any,
                '$' => {
                    anchored_end = true;
                    continue;
                }
                '\\' => {
                    let e = chars
                        .next()
                        .ok_or_else(|| PatternError(format!("trailing '\\' in '{src}'")))?;
                    match escape_class(e) {
                        Some((r, neg)) => Atom::Class(r, neg),
                        None => Atom::Char(e),
                    }
                }
                '[' => {
                    let mut ranges = Vec::new();
                    let negated = chars.peek() == Some(&'^');
                    if negated {
                        chars.next();
                    }
                    let mut first = true;
                    loop {
                        let c = chars
                            .next()
                            .ok_or_else(|| PatternError(format!("unterminated '[' in '{src}'")))?;
                        if c == ']' && !first {
                            break;
                        }
                        first = false;
                        let lo = if c == '\\' {
                            let e = chars
                                .next()
                                .ok_or_else(|| PatternError(format!("trailing '\\' in '{src}'")))?;
                            if let Some((r, false)) = escape_class(e) {
                                ranges.extend(r);
                                continue;
                            }
                            e
                        } else {
                            c
                        };
                        let mut look = chars.clone();
                        if look.next() == Some('-') && look.peek().is_some_and(|n| *n != ']') {
                            chars.next();
                            let hi = chars.next().unwrap_or(lo);
                            ranges.push((lo, hi));
                        } else {
                            ranges.push((lo, lo));
                        }
                    }
                    Atom::Class(ranges, negated)
                }
                '(' | ')' | '|' | '{' | '}' => {
                    return Err(PatternError(format!(
                        "'{c}' is not supported in processes-match pattern '{src}'"
                    )))
                }
                '*' | '+' | '?' => {
                    return Err(PatternError(format!("nothing to repeat in '{src}'")));
                }
                c => Atom::Char(c),
            };
            let repeat = match chars.peek() {
                Some('*') => Repeat::ZeroOrMore,
                Some('+') => Repeat::OneOrMore,
                Some('?') => Repeat::ZeroOrOne,
                _ => Repeat::One,
            };
            if repeat != Repeat::One {
                chars.next();
            }
            pieces.push(Piece { atom, repeat });
        }
        Ok(Pattern {
            pieces,
            anchored_end,
        })
    }

    /// `re.match(pattern, name)`: does a prefix of `name` match?
    pub fn matches(&self, name: &str) -> bool {
        let text: Vec<char> = name.chars().collect();
        self.at(0, &text, 0)
    }

    fn at(&self, p: usize, text: &[char], t: usize) -> bool {
        let Some(piece) = self.pieces.get(p) else {
            return !self.anchored_end || t == text.len();
        };
        let one = |i: usize| text.get(i).is_some_and(|c| piece.atom.accepts(*c));
        match piece.repeat {
            Repeat::One => one(t) && self.at(p + 1, text, t + 1),
            Repeat::ZeroOrOne => (one(t) && self.at(p + 1, text, t + 1)) || self.at(p + 1, text, t),
            Repeat::ZeroOrMore | Repeat::OneOrMore => {
                let min = usize::from(piece.repeat == Repeat::OneOrMore);
                let mut n = 0;
                while one(t + n) {
                    n += 1;
                }
                // Greedy, backing off one character at a time.
                (min..=n).rev().any(|k| self.at(p + 1, text, t + k))
            }
        }
    }
}

impl Atom {
    fn accepts(&self, c: char) -> bool {
        match self {
            Atom::Any => c != '\n',
            Atom::Char(x) => *x == c,
            Atom::Class(ranges, negated) => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::compile(p).unwrap().matches(s)
    }

    #[test]
    fn anchored_at_start_like_re_match() {
        assert!(m("^add", "add-remove"));
        assert!(m("add", "add-remove"));
        assert!(!m("remove", "add-remove"));
        assert!(m(".*remove", "add-remove"));
        assert!(!m("^add$", "add-remove"));
        assert!(m("^add-remove$", "add-remove"));
    }

    #[test]
    fn classes_and_quantifiers() {
        assert!(m("[a-c]+-r", "abc-r"));
        assert!(!m("[^a-c]+", "abc"));
        assert!(m("p\\d?x", "p1x"));
        assert!(m("p\\d?x", "px"));
        assert!(!m("p\\d+x", "px"));
        assert!(m("a\\.b", "a.b"));
        assert!(!m("a\\.b", "acb"));
    }

    #[test]
    fn unsupported_syntax_is_an_error() {
        assert!(Pattern::compile("(a|b)").is_err());
        assert!(Pattern::compile("*a").is_err());
        assert!(Pattern::compile("[ab").is_err());
    }
}
