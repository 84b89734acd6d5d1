//! One configured neighbor: its connection attempts and backoff, its current
//! session (at most one, ExaBGP keeps a single connection per neighbor and
//! resolves collisions when a second one arrives), and its Adj-RIB-Out.

use crate::config::{AsnSetting, NeighborConfig};
use crate::fsm::open::{self, OpenParams};
use crate::fsm::{Backoff, Session, SessionParams, State};
use crate::io::{ConnId, SocketOptions};
use crate::rib::routes::{self, RibRoute};
use crate::rib::{AdjRibIn, AdjRibOut};
use crate::settings::Settings;
use crate::time::Instant;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

pub struct Peer {
    pub config: NeighborConfig,
    pub(crate) state: State,
    pub(crate) session: Option<Session>,
    /// An outgoing connection asked for and not yet up or failed.
    pub(crate) connecting: Option<ConnId>,
    /// When to try the next outgoing connection (NEVER: none planned).
    pub(crate) next_connect: Instant,
    pub(crate) backoff: Backoff,
    /// Outgoing connection attempts made (for `tcp.attempts`).
    pub(crate) attempts: u32,
    /// No more connection attempts will be made (attempts used up, shutdown).
    pub(crate) stopped: bool,
    /// Graceful-restart R bit for the next OPEN (first session after a start).
    pub(crate) restarted: bool,
    /// The session is established and its initial dump is not sent yet.
    pub(crate) initial_dump: bool,
    pub rib: AdjRibOut,
    /// Configured routes tied to a watchdog, with their current state.
    pub(crate) watchdogs: Vec<Watchdog>,
    /// Received routes (`adj-rib-in`), for `show adj-rib in`.
    pub adj_in: AdjRibIn,
    /// Processes that receive this neighbor's events, with their flags.
    pub(crate) subs: Vec<super::events::Subscription>,
    /// Processes allowed to address this neighbor with commands.
    pub(crate) permitted: Vec<crate::io::ProcId>,
    /// UPDATEs sent and received (`show neighbor summary`).
    pub updates_sent: u64,
    pub updates_received: u64,
    /// When the current session reached Established.
    pub(crate) up_since: Option<Instant>,
    /// Some process wants events for messages sent to this neighbor.
    pub(crate) sends_events: bool,
    /// Withdrawals may be sent: false from session up until the first batch
    /// of pending changes has been drained (ExaBGP's `include_withdraw`,
    /// which only turns true once its first UPDATE generator has finished, so
    /// the first drain drops withdrawals even when it comes after the EoR).
    pub(crate) include_withdraw: bool,
    /// The JSON `counter`, shared by every JSON process (reference §4.1).
    pub(crate) api_counter: u64,
    /// Messages sent and received on the current session, per type
    /// (`show neighbor extensive`); ExaBGP zeroes its statistics when a
    /// session is reset, so these belong to one connection.
    pub(crate) counters: MessageCounters,
    /// When this neighbor was created and when its last session ended:
    /// ExaBGP's `down for` is the difference (`reset - creation`).
    pub(crate) created: Instant,
    pub(crate) last_reset: Instant,
}

/// Per-type message counts of one connection (ExaBGP `stats` keys
/// `send-<type>` / `receive-<type>`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    pub open: u64,
    pub update: u64,
    pub notification: u64,
    pub keepalive: u64,
    pub refresh: u64,
}

impl MessageCounts {
    /// Count one message of wire type `code` (RFC 4271 §4.1; 5 is ROUTE-REFRESH,
    /// RFC 2918). Other codes are not shown by ExaBGP and are ignored.
    pub fn count(&mut self, code: u8) {
        match code {
            1 => self.open += 1,
            2 => self.update += 1,
            3 => self.notification += 1,
            4 => self.keepalive += 1,
            5 => self.refresh += 1,
            _ => {}
        }
    }

    pub fn total(&self) -> u64 {
        self.open + self.update + self.notification + self.keepalive + self.refresh
    }
}

/// The sent counts of the connection `conn` (the session counts what it
/// receives); a message on another connection starts again from zero.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MessageCounters {
    pub conn: Option<ConnId>,
    pub sent: MessageCounts,
}

impl MessageCounters {
    fn on(&mut self, conn: ConnId) -> &mut MessageCounters {
        if self.conn != Some(conn) {
            *self = MessageCounters {
                conn: Some(conn),
                ..MessageCounters::default()
            };
        }
        self
    }

    /// The counts for `conn` (zero when they belong to another connection).
    pub fn of(&self, conn: Option<ConnId>) -> MessageCounts {
        match conn {
            Some(c) if self.conn == Some(c) => self.sent,
            _ => MessageCounts::default(),
        }
    }
}

/// The type code of every whole BGP message in `data` (RFC 4271 §4.1:
/// 16-byte marker, 2-byte length, 1-byte type). A short or inconsistent
/// buffer stops the walk rather than panicking.
fn message_types(data: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut rest = data;
    std::iter::from_fn(move || {
        let len = u16::from_be_bytes([*rest.get(16)?, *rest.get(17)?]) as usize;
        let code = *rest.get(18)?;
        rest = rest.get(len.max(19)..).unwrap_or(&[]);
        Some(code)
    })
}

/// A configured route under `watchdog NAME` control (ExaBGP +/- sets).
#[derive(Clone, Debug)]
pub(crate) struct Watchdog {
    pub name: String,
    pub route: RibRoute,
    pub announced: bool,
}

impl Peer {
    pub fn new(config: NeighborConfig, now: Instant, settings: &Settings) -> Peer {
        let mut rib = AdjRibOut::new(config.adj_rib_out);
        let mut watchdogs = Vec::new();
        for r in routes::configured(&config) {
            if let Some(w) = &r.watchdog {
                watchdogs.push(Watchdog {
                    name: w.clone(),
                    announced: !r.withdrawn,
                    route: r.clone(),
                });
            }
            // Routes starting withdrawn wait for their watchdog.
            if !r.withdrawn {
                rib.announce(r.family, r.nlri, r.attrs);
            }
        }
        let active = !config.passive && !settings.bgp_passive && config.peer_prefix_len.is_none();
        Peer {
            config,
            state: State::Idle,
            session: None,
            connecting: None,
            next_connect: if active { now } else { Instant::NEVER },
            backoff: Backoff::new(),
            attempts: 0,
            stopped: false,
            restarted: true,
            initial_dump: false,
            rib,
            watchdogs,
            adj_in: AdjRibIn::default(),
            subs: Vec::new(),
            permitted: Vec::new(),
            include_withdraw: false,
            sends_events: false,
            updates_sent: 0,
            updates_received: 0,
            up_since: None,
            api_counter: 0,
            counters: MessageCounters::default(),
            created: now,
            last_reset: now,
        }
    }

    /// Count the messages in `data`, about to be written on `conn`.
    pub(crate) fn count_sent(&mut self, conn: ConnId, data: &[u8]) {
        let c = self.counters.on(conn);
        for code in message_types(data) {
            c.sent.count(code);
        }
    }

    /// (sent, received) counts of the current session (zero without one).
    pub fn message_counts(&self) -> (MessageCounts, MessageCounts) {
        let Some(s) = self.session.as_ref() else {
            return Default::default();
        };
        let sent = self.counters.of(Some(s.conn));
        let r = &s.received_by_type;
        let received = MessageCounts {
            open: r[1],
            update: r[2],
            notification: r[3],
            keepalive: r[4],
            refresh: r[5],
        };
        (sent, received)
    }

    pub fn address(&self) -> IpAddr {
        self.config.peer_address
    }

    pub fn state(&self) -> State {
        self.state
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Whether this neighbor initiates connections.
    pub fn is_active(&self, settings: &Settings) -> bool {
        !self.config.passive && !settings.bgp_passive && self.config.peer_prefix_len.is_none()
    }

    /// `tcp.attempts`: may another outgoing connection be tried?
    pub fn can_reconnect(&self, settings: &Settings) -> bool {
        settings.tcp_attempts == 0 || self.attempts < settings.tcp_attempts
    }

    /// Does an incoming connection from `remote` to `local` belong to us?
    pub fn accepts(&self, remote: IpAddr, local: IpAddr) -> bool {
        let c = &self.config;
        let peer_ok = match c.peer_prefix_len {
            None => c.peer_address == remote,
            Some(len) => in_prefix(remote, c.peer_address, len),
        };
        let local_ok = match c.local_address {
            None => true,
            Some(l) => l == local,
        };
        peer_ok && local_ok
    }

    /// The socket options of an outgoing connection.
    pub fn connect_options(&self) -> SocketOptions {
        let c = &self.config;
        SocketOptions {
            ttl: c.outgoing_ttl,
            min_ttl: c.incoming_ttl,
            md5: c
                .md5_password
                .iter()
                .map(|k| (c.peer_address, k.clone()))
                .collect(),
            interface: c.source_interface.clone(),
        }
    }

    /// Where to connect to.
    pub fn remote_socket(&self, settings: &Settings) -> SocketAddr {
        SocketAddr::new(
            self.config.peer_address,
            self.config.connect.unwrap_or(settings.tcp_port),
        )
    }

    /// The router-id of a session whose local end is `local`: configured, else
    /// the local IPv4 address (ExaBGP requires one for IPv6 sessions).
    pub fn router_id(&self, local: IpAddr) -> Ipv4Addr {
        if let Some(r) = self.config.router_id {
            return r;
        }
        match self.config.local_address.unwrap_or(local) {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(v6) => v6.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED),
        }
    }

    /// Session parameters for a connection whose local end is `local`.
    pub fn session_params(&self, local: IpAddr, settings: &Settings) -> SessionParams {
        let router_id = self.router_id(local);
        let local_as = match self.config.local_as {
            AsnSetting::Asn(a) => a,
            AsnSetting::Auto => 0,
        };
        let open = open::build(
            &self.config,
            settings,
            &OpenParams {
                local_as,
                router_id,
                restarted: self.restarted,
            },
        );
        SessionParams {
            local_as: self.config.local_as,
            peer_as: self.config.peer_as,
            router_id,
            open_wait: Duration::from_secs(settings.bgp_openwait as u64),
            open,
        }
    }

    /// `announce watchdog NAME` (true) / `withdraw watchdog NAME` (false):
    /// move the configured routes of that watchdog. Returns how many changed.
    pub fn watchdog(&mut self, name: &str, announce: bool) -> usize {
        let mut n = 0;
        for w in self.watchdogs.iter_mut().filter(|w| w.name == name) {
            if w.announced == announce {
                continue;
            }
            w.announced = announce;
            n += 1;
            let r = &w.route;
            if announce {
                self.rib.announce(r.family, r.nlri.clone(), r.attrs.clone());
            } else {
                self.rib.withdraw(r.family, r.nlri.clone());
            }
        }
        n
    }

    /// Earliest instant this peer needs a tick.
    pub fn deadline(&self) -> Instant {
        let mut d = Instant::NEVER;
        if let Some(s) = &self.session {
            d = d.min(s.deadline());
        } else if self.connecting.is_none() && !self.stopped {
            d = d.min(self.next_connect);
        }
        d
    }
}

fn in_prefix(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let len = len.min(32) as u32;
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let len = len.min(128) as u32;
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_matching() {
        assert!(in_prefix(
            "10.0.0.7".parse().unwrap(),
            "10.0.0.0".parse().unwrap(),
            24
        ));
        assert!(!in_prefix(
            "10.0.1.7".parse().unwrap(),
            "10.0.0.0".parse().unwrap(),
            24
        ));
        assert!(!in_prefix(
            "::1".parse().unwrap(),
            "10.0.0.0".parse().unwrap(),
            0
        ));
    }
}
