//! Daemon settings from the `exabgp.*` environment (reference §7).
//!
//! The core never reads the environment itself: the runtime hands a lookup
//! function to [`Settings::from_lookup`]. Precedence per option, as ExaBGP:
//! `exabgp.<section>.<option>` > `exabgp_<section>_<option>` > default.
//! (The ini-file layer is the runtime's: it can chain it into the lookup.)

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Settings the core and the runtimes act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `tcp.port`: default destination port and listen port (179).
    pub tcp_port: u16,
    /// `tcp.bind`: addresses to listen on for every peer; empty = no listener.
    pub tcp_bind: Vec<IpAddr>,
    /// `tcp.attempts` (alias `tcp.connections`; `tcp.once` = 1): connection
    /// attempts per neighbor, 0 = unlimited. When >0 the daemon exits once no
    /// neighbor is left.
    pub tcp_attempts: u32,
    /// `bgp.passive`: every neighbor passive.
    pub bgp_passive: bool,
    /// `bgp.openwait`: seconds to wait for the peer's OPEN (60).
    pub bgp_openwait: u16,
    /// `api.ack`: acknowledge API commands with `done` / `error` (true).
    pub api_ack: bool,
    /// `api.respawn`: restart API processes that exit (true).
    pub api_respawn: bool,
    /// `api.respawn-limit` (oxbgp extension, default 5 as ExaBGP's fixed
    /// value): respawns tolerated per process inside one 64-second window
    /// before the daemon gives up and exits.
    pub api_respawn_limit: u32,
    /// `api.terminate`: stop the daemon when a process is broken (false).
    pub api_terminate: bool,
    /// `api.cli`: offer the control channel for `oxbgp cli` (true).
    pub api_cli: bool,
    /// `api.compact`: bare prefix strings in unicast JSON NLRI (false).
    pub api_compact: bool,
    /// `api.show-routes-format`: `v1` or `v2`.
    pub api_show_routes_format: String,
    /// `version`: release reported in the software-version capability and the
    /// `version` command (default: oxbgp's own release).
    pub version: Option<String>,
    /// `debug.rotate`: several configuration files rotate on reload.
    pub debug_rotate: bool,
    /// `debug.configuration`: configuration problems are fatal.
    pub debug_configuration: bool,
    /// `log.level`.
    pub log_level: String,
    /// `log.destination`.
    pub log_destination: String,
    /// `log.routes`: log every received route (false).
    pub log_routes: bool,
    /// `daemon.pid`.
    pub daemon_pid: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tcp_port: 179,
            tcp_bind: Vec::new(),
            tcp_attempts: 0,
            bgp_passive: false,
            bgp_openwait: 60,
            api_ack: true,
            api_respawn: true,
            api_respawn_limit: 5,
            api_terminate: false,
            api_cli: true,
            api_compact: false,
            api_show_routes_format: "v1".into(),
            version: None,
            debug_rotate: false,
            debug_configuration: false,
            log_level: "INFO".into(),
            log_destination: "stdout".into(),
            log_routes: false,
            daemon_pid: None,
        }
    }
}

/// A setting had a value it cannot take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    pub name: String,
    pub value: String,
    pub expected: &'static str,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "setting exabgp.{} = {:?}: expected {}",
            self.name, self.value, self.expected
        )
    }
}

impl std::error::Error for SettingError {}

/// ExaBGP booleans: `1 yes on enable true` are true (case-insensitive);
/// `0 no off disable false` are false.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "on" | "enable" | "enabled" | "true" => Some(true),
        "0" | "no" | "off" | "disable" | "disabled" | "false" | "" => Some(false),
        _ => None,
    }
}

impl Settings {
    /// Build settings from a variable lookup (e.g. `|k| std::env::var(k).ok()`).
    /// `name` is `section.option`; both spellings are tried, dotted first.
    pub fn from_lookup<F>(lookup: F) -> Result<Settings, SettingError>
    where
        F: Fn(&str) -> Option<String>,
    {
        let get = |name: &str| -> Option<String> {
            lookup(&format!("exabgp.{name}"))
                .or_else(|| lookup(&format!("exabgp_{}", name.replace('.', "_"))))
        };
        let err = |name: &str, value: &str, expected: &'static str| SettingError {
            name: name.into(),
            value: value.into(),
            expected,
        };
        let boolean = |name: &str, default: bool| -> Result<bool, SettingError> {
            match get(name) {
                None => Ok(default),
                Some(v) => parse_bool(&v).ok_or_else(|| err(name, &v, "a boolean")),
            }
        };
        let mut s = Settings::default();
        if let Some(v) = get("tcp.port") {
            s.tcp_port = v
                .trim()
                .parse()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| err("tcp.port", &v, "a port number 1-65535"))?;
        }
        if let Some(v) = get("tcp.bind") {
            s.tcp_bind = v
                .split_whitespace()
                .map(|a| {
                    a.parse::<IpAddr>()
                        .map_err(|_| err("tcp.bind", &v, "IP addresses"))
                })
                .collect::<Result<_, _>>()?;
        }
        if boolean("tcp.once", false)? {
            s.tcp_attempts = 1;
        }
        for name in ["tcp.attempts", "tcp.connections"] {
            if let Some(v) = get(name) {
                s.tcp_attempts = v
                    .trim()
                    .parse()
                    .map_err(|_| err(name, &v, "a number of attempts"))?;
            }
        }
        s.bgp_passive = boolean("bgp.passive", s.bgp_passive)?;
        if let Some(v) = get("bgp.openwait") {
            s.bgp_openwait = v
                .trim()
                .parse()
                .map_err(|_| err("bgp.openwait", &v, "seconds"))?;
        }
        s.api_ack = boolean("api.ack", s.api_ack)?;
        s.api_respawn = boolean("api.respawn", s.api_respawn)?;
        if let Some(v) = get("api.respawn-limit") {
            s.api_respawn_limit = v
                .trim()
                .parse()
                .map_err(|_| err("api.respawn-limit", &v, "a number"))?;
        }
        s.api_terminate = boolean("api.terminate", s.api_terminate)?;
        s.api_cli = boolean("api.cli", s.api_cli)?;
        s.api_compact = boolean("api.compact", s.api_compact)?;
        if let Some(v) = get("api.show-routes-format") {
            match v.trim() {
                "v1" | "v2" => s.api_show_routes_format = v.trim().into(),
                _ => return Err(err("api.show-routes-format", &v, "v1 or v2")),
            }
        }
        s.version = lookup("exabgp.version")
            .or_else(|| lookup("exabgp_version"))
            .filter(|v| !v.is_empty());
        s.debug_rotate = boolean("debug.rotate", s.debug_rotate)?;
        s.debug_configuration = boolean("debug.configuration", s.debug_configuration)?;
        if let Some(v) = get("log.level") {
            s.log_level = v;
        }
        if let Some(v) = get("log.destination") {
            s.log_destination = v;
        }
        s.log_routes = boolean("log.routes", s.log_routes)? || boolean("log.all", false)?;
        s.daemon_pid = get("daemon.pid").filter(|v| !v.is_empty());
        Ok(s)
    }

    /// The release string to report: `exabgp_version` if set, else oxbgp's.
    pub fn release(&self) -> String {
        self.version
            .clone()
            .unwrap_or_else(|| crate::RELEASE.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn defaults_without_environment() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.tcp_port, 179);
        assert!(s.api_ack);
    }

    #[test]
    fn dotted_spelling_beats_underscore() {
        let s = Settings::from_lookup(lookup(&[
            ("exabgp.tcp.port", "1790"),
            ("exabgp_tcp_port", "1791"),
        ]))
        .unwrap();
        assert_eq!(s.tcp_port, 1790);
    }

    #[test]
    fn runner_settings_of_the_corpus() {
        let s = Settings::from_lookup(lookup(&[
            ("exabgp_tcp_port", "1800"),
            ("exabgp_tcp_bind", ""),
            ("exabgp_tcp_connections", "3"),
            ("exabgp_api_cli", "false"),
            ("exabgp_debug_rotate", "true"),
            ("exabgp_version", "5.0.0-0+test"),
        ]))
        .unwrap();
        assert_eq!(s.tcp_port, 1800);
        assert!(s.tcp_bind.is_empty());
        assert_eq!(s.tcp_attempts, 3);
        assert!(!s.api_cli);
        assert!(s.debug_rotate);
        assert_eq!(s.release(), "5.0.0-0+test");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Settings::from_lookup(lookup(&[("exabgp.api.ack", "maybe")])).unwrap_err();
        assert_eq!(e.name, "api.ack");
        let e = Settings::from_lookup(lookup(&[("exabgp_tcp_port", "http")])).unwrap_err();
        assert!(e.to_string().contains("tcp.port"));
        let s = Settings::from_lookup(lookup(&[("exabgp.tcp.bind", "127.0.0.1 ::1")])).unwrap();
        assert_eq!(s.tcp_bind.len(), 2);
    }
}
