//! ROUTE-REFRESH (RFC 2918) with the RFC 7313 subtypes (BoRR / EoRR).
//!
//! Wire body: AFI(2) subtype(1) SAFI(1). RFC 2918 called the third octet
//! "reserved"; RFC 7313 §3 made it the message subtype.

use super::error::DecodeError;
use super::family::{Afi, Family, Safi};
use super::header::{header_bytes, HEADER_LEN};
use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

/// Body length of a ROUTE-REFRESH without ORF entries.
pub const ROUTE_REFRESH_BODY_LEN: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefreshSubtype {
    /// 0: normal route refresh request.
    Request,
    /// 1: Begin of Route Refresh.
    Begin,
    /// 2: End of Route Refresh.
    End,
    /// Anything else (RFC 7313 §5: ignore).
    Other(u8),
}

impl RefreshSubtype {
    pub fn from_code(c: u8) -> RefreshSubtype {
        match c {
            0 => RefreshSubtype::Request,
            1 => RefreshSubtype::Begin,
            2 => RefreshSubtype::End,
            o => RefreshSubtype::Other(o),
        }
    }
    pub fn code(self) -> u8 {
        match self {
            RefreshSubtype::Request => 0,
            RefreshSubtype::Begin => 1,
            RefreshSubtype::End => 2,
            RefreshSubtype::Other(o) => o,
        }
    }
    /// ExaBGP's JSON `subtype`: `query`, `begin`, `end` (`unknown` otherwise).
    pub fn name(self) -> &'static str {
        match self {
            RefreshSubtype::Request => "query",
            RefreshSubtype::Begin => "begin",
            RefreshSubtype::End => "end",
            RefreshSubtype::Other(_) => "unknown",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteRefresh {
    pub family: Family,
    pub subtype: RefreshSubtype,
}

impl RouteRefresh {
    pub fn new(family: Family, subtype: RefreshSubtype) -> RouteRefresh {
        RouteRefresh { family, subtype }
    }

    /// Decode a ROUTE-REFRESH body (header stripped).
    ///
    /// * shorter than 4 octets → 1/2 with the length (RFC 4271 §6.1; the framer
    ///   already refuses such messages);
    /// * subtype 1 or 2 (BoRR/EoRR) with a body other than 4 octets → 7/1
    ///   Invalid Message Length, data the complete message (RFC 7313 §5);
    /// * subtype 0 longer than 4 octets carries ORF entries (RFC 5291), which
    ///   we do not support: they are ignored;
    /// * other subtypes are returned as `Other` for the FSM to ignore (RFC 7313 §5).
    pub fn decode(body: &[u8]) -> Result<RouteRefresh, DecodeError> {
        let Some(b) = body.get(..ROUTE_REFRESH_BODY_LEN) else {
            return Err(super::header::bad_length(
                body.len() + HEADER_LEN,
                "route-refresh",
            ));
        };
        let subtype = RefreshSubtype::from_code(b[2]);
        if body.len() != ROUTE_REFRESH_BODY_LEN
            && matches!(subtype, RefreshSubtype::Begin | RefreshSubtype::End)
        {
            let mut data = BytesMut::with_capacity(HEADER_LEN + body.len());
            data.put_slice(&header_bytes(5, HEADER_LEN + body.len()));
            data.put_slice(body);
            return Err(DecodeError::new(
                7,
                1,
                data.freeze(),
                format!(
                    "invalid route-refresh message length {}",
                    HEADER_LEN + body.len()
                ),
            ));
        }
        Ok(RouteRefresh {
            family: Family::new(Afi(u16::from_be_bytes([b[0], b[1]])), Safi(b[3])),
            subtype,
        })
    }

    /// Append the body (no header).
    pub fn encode_body(&self, out: &mut BytesMut) {
        out.put_u16(self.family.afi.0);
        out.put_u8(self.subtype.code());
        out.put_u8(self.family.safi.0);
    }

    /// The body as bytes.
    pub fn body(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(ROUTE_REFRESH_BODY_LEN);
        self.encode_body(&mut b);
        b.freeze()
    }
}
