//! ROUTE-REFRESH (RFC 2918) with the RFC 7313 subtypes (BoRR / EoRR).

use super::family::Family;
use serde::{Deserialize, Serialize};

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RouteRefresh {
    pub family: Family,
    pub subtype: RefreshSubtype,
}
