//! Decode errors, each mapped to the NOTIFICATION the RFCs ask for.

use bytes::Bytes;
use std::fmt;

/// A message could not be decoded. `code`/`subcode`/`data` are the NOTIFICATION
/// to send (RFC 4271 §6.1–§6.3, RFC 7606); `reason` says what was wrong, for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub code: u8,
    pub subcode: u8,
    pub data: Bytes,
    pub reason: String,
}

impl DecodeError {
    pub fn new(code: u8, subcode: u8, data: impl Into<Bytes>, reason: impl Into<String>) -> Self {
        DecodeError {
            code,
            subcode,
            data: data.into(),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (notification {}/{})",
            self.reason, self.code, self.subcode
        )
    }
}

impl std::error::Error for DecodeError {}
