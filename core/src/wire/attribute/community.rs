//! COMMUNITIES (RFC 1997): optional transitive list of 4-octet values.

use super::{Community, Malformed};
use bytes::{BufMut, BytesMut};
use std::fmt;

/// RFC 7606 §7.8: a length that is not a non-zero multiple of 4 is malformed.
pub fn decode(value: &[u8]) -> Result<Vec<Community>, Malformed> {
    if value.is_empty() || !value.chunks_exact(4).remainder().is_empty() {
        return Err(Malformed::new(format!(
            "COMMUNITIES length {} is not a multiple of 4",
            value.len()
        )));
    }
    Ok(value
        .chunks_exact(4)
        .map(|c| Community(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
        .collect())
}

pub fn encode(list: &[Community], out: &mut BytesMut) {
    for c in list {
        out.put_u32(c.0);
    }
}

impl Community {
    pub fn new(high: u16, low: u16) -> Community {
        Community(((high as u32) << 16) | low as u32)
    }

    pub fn high(self) -> u16 {
        (self.0 >> 16) as u16
    }

    pub fn low(self) -> u16 {
        self.0 as u16
    }

    /// ExaBGP's name for a well-known community (RFC 1997, RFC 3765, RFC 7999).
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Community::NO_EXPORT => "no-export",
            Community::NO_ADVERTISE => "no-advertise",
            Community::NO_EXPORT_SUBCONFED => "no-export-subconfed",
            Community::NO_PEER => "no-peer",
            Community::BLACKHOLE => "blackhole",
            _ => return None,
        })
    }

    /// Parse a well-known name or `high:low`.
    pub fn from_name(s: &str) -> Option<Community> {
        Some(match s {
            "no-export" => Community::NO_EXPORT,
            "no-advertise" => Community::NO_ADVERTISE,
            "no-export-subconfed" => Community::NO_EXPORT_SUBCONFED,
            "no-peer" | "nopeer" => Community::NO_PEER,
            "blackhole" => Community::BLACKHOLE,
            _ => {
                let (h, l) = s.split_once(':')?;
                Community::new(h.parse().ok()?, l.parse().ok()?)
            }
        })
    }
}

impl fmt::Display for Community {
    /// Text rendering: the well-known name, else `high:low`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "{}:{}", self.high(), self.low()),
        }
    }
}
