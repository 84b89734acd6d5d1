//! ORIGIN (RFC 4271 §5.1.1). Well-known mandatory, one octet.

use super::{Malformed, Origin};
use bytes::{BufMut, BytesMut};

impl Origin {
    pub fn from_code(c: u8) -> Option<Origin> {
        match c {
            0 => Some(Origin::Igp),
            1 => Some(Origin::Egp),
            2 => Some(Origin::Incomplete),
            _ => None,
        }
    }
}

/// RFC 7606 §7.1: wrong length or undefined value is malformed.
pub fn decode(value: &[u8]) -> Result<Origin, Malformed> {
    match value {
        [c] => Origin::from_code(*c).ok_or_else(|| Malformed::new(format!("invalid ORIGIN {c}"))),
        _ => Err(Malformed::new(format!(
            "ORIGIN length {} is not 1",
            value.len()
        ))),
    }
}

pub fn encode(origin: Origin, out: &mut BytesMut) {
    out.put_u8(origin as u8);
}
