//! `capability { }` (reference §1.4). Absent and bare keywords have different
//! defaults; the draft keeps "not written" apart so templates can merge.

use super::error::ConfigError;
use super::model::CapabilityConfig;
use super::tree::Node;
use super::value::{bool_from_str, parse_uint, Cursor};
use crate::wire::capability::AddPathMode;

/// `graceful-restart` as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GracefulRestart {
    Disabled,
    /// Bare keyword: the restart time is the hold time.
    HoldTime,
    Seconds(u16),
}

/// Capability keywords as written (None = not written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CapabilityDraft {
    pub asn4: Option<bool>,
    pub route_refresh: Option<bool>,
    pub graceful_restart: Option<GracefulRestart>,
    pub add_path: Option<Option<AddPathMode>>,
    pub multi_session: Option<bool>,
    pub operational: Option<bool>,
    pub extended_message: Option<bool>,
    pub software_version: Option<bool>,
    pub nexthop: Option<bool>,
    pub aigp: Option<bool>,
}

macro_rules! over {
    ($dst:ident, $src:ident, $($f:ident),*) => { $( if $src.$f.is_some() { $dst.$f = $src.$f; } )* };
}

impl CapabilityDraft {
    /// Template merge: values written in `tpl` win (reference §1.11).
    pub fn merge_from(&mut self, tpl: &CapabilityDraft) {
        let s = self;
        over!(
            s,
            tpl,
            asn4,
            route_refresh,
            graceful_restart,
            add_path,
            multi_session,
            operational,
            extended_message,
            software_version,
            nexthop,
            aigp
        );
    }

    pub fn resolve(&self, hold_time: u16) -> CapabilityConfig {
        let d = CapabilityConfig::default();
        CapabilityConfig {
            asn4: self.asn4.unwrap_or(d.asn4),
            route_refresh: self.route_refresh.unwrap_or(d.route_refresh),
            graceful_restart: match self.graceful_restart {
                None | Some(GracefulRestart::Disabled) => None,
                Some(GracefulRestart::HoldTime) => Some(hold_time),
                Some(GracefulRestart::Seconds(s)) => Some(s),
            },
            add_path: self.add_path.flatten(),
            multi_session: self.multi_session.unwrap_or(d.multi_session),
            operational: self.operational.unwrap_or(d.operational),
            extended_message: self.extended_message.unwrap_or(d.extended_message),
            software_version: self.software_version.unwrap_or(d.software_version),
            nexthop: self.nexthop,
            aigp: self.aigp.unwrap_or(d.aigp),
        }
    }
}

/// Parse `capability { }` into `draft`.
pub fn parse_capability_block(
    body: &[Node],
    draft: &mut CapabilityDraft,
) -> Result<(), ConfigError> {
    for node in body {
        let (tokens, end_pos) = match node {
            Node::Stmt { tokens, end_pos } => (tokens, *end_pos),
            Node::Block { head, .. } => {
                return Err(ConfigError::new(
                    head[0].pos,
                    format!("invalid section '{}' inside capability", head[0].text),
                ))
            }
        };
        let mut cur = Cursor::new(tokens, end_pos);
        let kw = cur.expect("a capability")?;
        let value = cur.next();
        // bool with the given bare default
        let boolean = |bare: bool| -> Result<bool, ConfigError> {
            match value {
                None => Ok(bare),
                Some(t) => bool_from_str(&t.text).ok_or_else(|| {
                    ConfigError::expected(
                        t.pos,
                        "a boolean (true, false, enable, disable)",
                        &t.text,
                    )
                }),
            }
        };
        match kw.as_str() {
            "asn4" => draft.asn4 = Some(boolean(true)?),
            "route-refresh" => draft.route_refresh = Some(boolean(true)?),
            "multi-session" => draft.multi_session = Some(boolean(true)?),
            "operational" => draft.operational = Some(boolean(true)?),
            "extended-message" => draft.extended_message = Some(boolean(true)?),
            // Bare `software-version;` means false in ExaBGP 5.0 (reference §1.4).
            "software-version" => draft.software_version = Some(boolean(false)?),
            "nexthop" => draft.nexthop = Some(boolean(true)?),
            "aigp" => draft.aigp = Some(boolean(true)?),
            "graceful-restart" => {
                draft.graceful_restart = Some(match value {
                    None => GracefulRestart::HoldTime,
                    Some(t) => match bool_from_str(&t.text) {
                        Some(false) => GracefulRestart::Disabled,
                        Some(true) => GracefulRestart::HoldTime,
                        None => GracefulRestart::Seconds(parse_uint(
                            t,
                            "a restart time in seconds (0..65535) or 'disable'",
                            0xFFFF,
                        )? as u16),
                    },
                })
            }
            "add-path" => {
                let t = value.ok_or_else(|| ConfigError::new(cur.end_pos(), "expected an add-path mode (disable, receive, send, send/receive), found end of statement"))?;
                draft.add_path = Some(match t.as_str() {
                    "disable" | "disabled" | "false" => None,
                    "receive" => Some(AddPathMode::Receive),
                    "send" => Some(AddPathMode::Send),
                    "send/receive" => Some(AddPathMode::Both),
                    _ => {
                        return Err(ConfigError::expected(
                            t.pos,
                            "an add-path mode (disable, receive, send, send/receive)",
                            &t.text,
                        ))
                    }
                })
            }
            _ => {
                return Err(ConfigError::new(
                    kw.pos,
                    format!("invalid keyword '{}' in capability", kw.text),
                ))
            }
        }
        cur.finish()?;
    }
    Ok(())
}
