//! NOTIFICATION (RFC 4271 §4.5) with every code/subcode of RFC 4271, 4486, 8203,
//! 9003 and friends, and the shutdown communication of RFC 8203/9003.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub code: u8,
    pub subcode: u8,
    pub data: Bytes,
}
