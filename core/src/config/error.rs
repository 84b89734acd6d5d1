//! Configuration errors: every one names the file, the line and column (1-based)
//! of the offending token, and what was expected there.

use std::fmt;

/// A position in the configuration text (1-based line and column, in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const fn new(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }
}

/// A configuration error. `file` is filled in by [`super::parse_str`]; parsers
/// below it only know positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// What was wrong, phrased as "expected X, found Y" where that makes sense.
    pub message: String,
}

impl ConfigError {
    pub fn new(pos: Pos, message: impl Into<String>) -> ConfigError {
        ConfigError {
            file: String::new(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// `expected <what>, found '<found>'`.
    pub fn expected(pos: Pos, what: &str, found: &str) -> ConfigError {
        ConfigError::new(pos, format!("expected {what}, found '{found}'"))
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }

    /// Attach the file name (only if none was set yet).
    pub fn in_file(mut self, file: &str) -> ConfigError {
        if self.file.is_empty() {
            self.file = file.to_string();
        }
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ConfigError {}
