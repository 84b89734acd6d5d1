//! What ExaBGP writes back for the reactor commands (reference §3.3, ExaBGP
//! `command/reactor.py`, `command/neighbor.py`), before the `done` ack.

/// Release the oracle (ExaBGP 5.0.15, reference §0) reports for `version`.
pub const EXABGP_RELEASE: &str = "5.0.15";

/// Written for `shutdown`, then `done`.
pub const SHUTDOWN_TEXT: &str = "shutdown in progress";
/// Written for `reload`, then `done`.
pub const RELOAD_TEXT: &str = "reload in progress";
/// Written for `restart`, then `done`.
pub const RESTART_TEXT: &str = "restart in progress";

/// Written for `show neighbor` without a mode, then `done`.
pub const SHOW_NEIGHBOR_HELP: [&str; 2] = [
    "please specify summary, extensive or configuration",
    "you can filter by peer ip address adding it after the word neighbor",
];

/// `version` answer line: `exabgp <release>`.
pub fn version_text(release: &str) -> String {
    format!("exabgp {release}")
}

/// The command list of `help`, as ExaBGP prints it (sorted; the trailing
/// spaces are ExaBGP's).
const HELP_COMMANDS: [&str; 36] = [
    "# ",
    "[neighbor <ip> [filters]] announce attribute",
    "[neighbor <ip> [filters]] announce attributes",
    "[neighbor <ip> [filters]] announce eor",
    "[neighbor <ip> [filters]] announce flow",
    "[neighbor <ip> [filters]] announce ipv4",
    "[neighbor <ip> [filters]] announce ipv6",
    "[neighbor <ip> [filters]] announce operational",
    "[neighbor <ip> [filters]] announce route",
    "[neighbor <ip> [filters]] announce route-refresh",
    "[neighbor <ip> [filters]] announce vpls",
    "[neighbor <ip> [filters]] announce watchdog",
    "[neighbor <ip> [filters]] clear adj-rib",
    "[neighbor <ip> [filters]] crash",
    "[neighbor <ip> [filters]] flush adj-rib out",
    "[neighbor <ip> [filters]] teardown",
    "[neighbor <ip> [filters]] withdraw attribute",
    "[neighbor <ip> [filters]] withdraw attributes",
    "[neighbor <ip> [filters]] withdraw flow",
    "[neighbor <ip> [filters]] withdraw ipv4",
    "[neighbor <ip> [filters]] withdraw ipv6",
    "[neighbor <ip> [filters]] withdraw route",
    "[neighbor <ip> [filters]] withdraw vpls",
    "[neighbor <ip> [filters]] withdraw watchdog",
    "disable-ack ",
    "enable-ack ",
    "help ",
    "reload ",
    "reset ",
    "restart ",
    "show adj-rib in [ extensive ] ",
    "show adj-rib out [ extensive ] ",
    "show neighbor [ summary | extensive | configuration ] ",
    "shutdown ",
    "silence-ack ",
    "version ",
];

/// Every line `help` writes (each followed by a line feed), then `done`.
pub fn help_lines() -> impl Iterator<Item = &'static str> {
    const HEAD: [&str; 9] = [
        "",
        "available API commands are listed here:",
        "=======================================",
        "",
        "filter can be: [local-ip <ip>][local-as <asn>][peer-as <asn>][router-id <router-id>]",
        "",
        "command are:",
        "------------",
        "",
    ];
    HEAD.into_iter()
        .chain(HELP_COMMANDS)
        .chain(std::iter::once(""))
}
