//! The top-level sans-IO object: all neighbors, processes and timers of a daemon.
//!
//! [`Speaker`] owns one [`Peer`] per configured neighbor. Inputs are routed to
//! the peer owning the connection; sessions report [`SessionEvent`]s that the
//! speaker turns into [`Output`]s; after every input the Adj-RIB-Outs of
//! established peers are flushed and the exit condition of `tcp.attempts` is
//! checked. API processes hang off [`Speaker`] as well ([`process`]: spawn,
//! respawn, shutdown; [`api`]: commands; [`events`]: what processes are told).
//!
//! Runtime plumbing: [`Speaker::set_identity`] gives the core the daemon's
//! pid, parent pid, host name and the wall-clock time at `Instant::ZERO` (JSON
//! envelope, text shutdown line, respawn buckets). The API's `reload` /
//! `restart` come out as `Event::ReloadRequested`; the runtime re-reads the
//! configuration and answers with `Control::Reload` / `Control::Restart`.
//! Adj-RIB-Out changes are turned into UPDATEs in [`Speaker::poll_output`],
//! so that all the commands handed over before one drain are merged.

pub mod api;
pub mod events;
pub mod pattern;
pub mod peer;
pub mod process;
mod show;

#[cfg(test)]
mod tests;

pub use peer::Peer;
pub use process::DaemonIdentity;

use crate::config::{AsnSetting, Config, NeighborConfig};
use crate::fsm::{notify, Session, SessionEvent, State};
use crate::io::{ConnId, Control, Event, Input, Output, SocketOptions};
use crate::rib::encode::{self, Outbound};
use crate::rib::routes;
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::family::Family;
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
use crate::wire::{CodecContext, Message, Notification};
use bytes::{Bytes, BytesMut};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// A whole BGP speaker. Feed it [`Input`]s with [`Speaker::handle_input`] and
/// drain [`Speaker::poll_output`] until it yields [`Output::Timeout`].
pub struct Speaker {
    settings: Settings,
    config: Config,
    peers: Vec<Peer>,
    /// Incoming connections refused (NOTIFICATION sent, close requested).
    refused: HashSet<ConnId>,
    /// Addresses we asked to listen on (one listener per address).
    listening: BTreeSet<SocketAddr>,
    next_conn: u64,
    outputs: VecDeque<Output>,
    now: Instant,
    shutting_down: bool,
    exited: bool,
    /// API processes (issue #4).
    pub(crate) procs: process::Processes,
    /// Set while shutting down with processes still running: when to SIGKILL
    /// them and exit with the code.
    exit_after: Option<(Instant, i32)>,
    /// API commands changed RIBs since the last flush: the UPDATEs are built
    /// at the next [`Speaker::poll_output`], so that every command read in one
    /// cycle is merged (FORMAT.md §8.2).
    rib_dirty: bool,
    /// One-route API lines parsed before, by the words around the prefix.
    route_cache: crate::api::command::route_cache::RouteLineCache,
}

fn encode_message(m: &Message) -> Bytes {
    let mut b = BytesMut::new();
    m.encode(&CodecContext::default(), &mut b);
    b.freeze()
}

/// What makes a neighbor the same neighbor across reloads (ExaBGP's neighbor
/// name: peer and local address, ASNs, router-id, families).
type Identity = (
    IpAddr,
    Option<u8>,
    Option<IpAddr>,
    AsnSetting,
    AsnSetting,
    Option<Ipv4Addr>,
    Vec<Family>,
);

fn identity(n: &NeighborConfig) -> Identity {
    (
        n.peer_address,
        n.peer_prefix_len,
        n.local_address,
        n.local_as,
        n.peer_as,
        n.router_id,
        n.families.clone(),
    )
}

/// A neighbor's settings without what a reload applies in place.
fn without_routes(n: &NeighborConfig) -> NeighborConfig {
    let mut n = n.clone();
    n.routes.clear();
    n.description = None;
    n
}

/// Announce configured routes that are new or changed, withdraw those gone.
fn apply_route_diff(p: &mut Peer, new: &NeighborConfig) {
    let old = routes::configured(&p.config);
    let new = routes::configured(new);
    for r in &new {
        if r.withdrawn || old.contains(r) {
            continue;
        }
        p.rib.announce(r.family, r.nlri.clone(), r.attrs.clone());
    }
    for r in &old {
        let still = new
            .iter()
            .any(|n| n.family == r.family && n.nlri == r.nlri && !n.withdrawn);
        if !still && !r.withdrawn {
            p.rib.withdraw(r.family, r.nlri.clone());
        }
    }
    p.watchdogs
        .retain(|w| new.iter().any(|n| n.nlri == w.route.nlri));
}

/// IPv4-mapped IPv6 addresses (dual-stack listeners) compare as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

impl Speaker {
    /// A speaker for `config`, started at `now`. Its first outputs are the
    /// listeners, connections and processes the configuration asks for.
    pub fn new(config: Config, settings: Settings, now: Instant) -> Speaker {
        let peers = config
            .neighbors
            .iter()
            .map(|n| Peer::new(n.clone(), now, &settings))
            .collect();
        let mut s = Speaker {
            settings,
            config,
            peers,
            refused: HashSet::new(),
            listening: BTreeSet::new(),
            next_conn: 1,
            outputs: VecDeque::new(),
            now,
            shutting_down: false,
            exited: false,
            procs: process::Processes::default(),
            exit_after: None,
            rib_dirty: false,
            route_cache: Default::default(),
        };
        s.procs.respawn_limit = s.settings.api_respawn_limit;
        s.procs.respawn_enabled = s.settings.api_respawn;
        s.procs.default_ack = s.settings.api_ack;
        let cfg = s.config.clone();
        s.procs.configure(&cfg, false, &mut s.outputs);
        s.relink();
        for ip in s.settings.tcp_bind.clone() {
            s.listen(
                SocketAddr::new(ip, s.settings.tcp_port),
                SocketOptions::default(),
            );
        }
        for i in 0..s.peers.len() {
            s.listen_for(i);
        }
        s.after_input(now);
        s
    }

    fn listen(&mut self, addr: SocketAddr, options: SocketOptions) {
        if self.listening.insert(addr) {
            self.outputs.push_back(Output::Listen { addr, options });
        }
    }

    /// A neighbor's own listener (`listen PORT`): on its md5-ip or
    /// local-address, with its TCP-MD5 key and GTSM minimum TTL.
    fn listen_for(&mut self, i: usize) {
        let p = &self.peers[i];
        let c = &p.config;
        let Some(port) = c.listen else { return };
        let ip = c
            .md5_ip
            .or(c.local_address)
            .unwrap_or(match c.peer_address {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
            });
        let options = SocketOptions {
            ttl: None,
            min_ttl: c.incoming_ttl,
            md5: p.connect_options().md5,
            interface: None,
        };
        self.listen(SocketAddr::new(ip, port), options);
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn peers(&self) -> &[Peer] {
        &self.peers
    }

    pub fn peers_mut(&mut self) -> &mut [Peer] {
        &mut self.peers
    }

    pub fn handle_input(&mut self, now: Instant, input: Input) {
        self.now = now;
        if self.exited {
            return;
        }
        match input {
            Input::Tick => {}
            Input::Connected {
                conn,
                local,
                remote,
            } => self.on_connected(now, conn, local, remote),
            Input::ConnectFailed { conn, reason } => {
                if let Some(i) = self.peers.iter().position(|p| p.connecting == Some(conn)) {
                    log::info!(
                        "connection to {} failed: {reason}",
                        self.peers[i].remote_socket(&self.settings)
                    );
                    self.peers[i].connecting = None;
                    self.set_state(i, State::Idle);
                    self.schedule_reconnect(i, now);
                }
            }
            Input::Received { conn, data } => {
                if let Some(i) = self.session_peer(conn) {
                    let mut ev = Vec::new();
                    if let Some(s) = self.peers[i].session.as_mut() {
                        s.receive(now, &data, &mut ev);
                    }
                    self.process(i, now, ev);
                }
            }
            Input::Closed { conn, reason } => {
                if self.refused.remove(&conn) {
                    return self.after_input(now);
                }
                if let Some(i) = self.session_peer(conn) {
                    log::info!("connection to {} closed: {reason}", self.peers[i].address());
                    let mut ev = Vec::new();
                    if let Some(s) = self.peers[i].session.as_mut() {
                        s.close("closing connection", &mut ev);
                    }
                    self.process(i, now, ev);
                } else if let Some(i) = self.peers.iter().position(|p| p.connecting == Some(conn)) {
                    self.peers[i].connecting = None;
                    self.schedule_reconnect(i, now);
                }
            }
            Input::ListenFailed { addr, reason } => {
                // ExaBGP exits with status 1 when it cannot listen.
                let message = format!("could not listen on {addr}: {reason}");
                log::error!("{message}");
                self.outputs
                    .push_back(Output::Event(Event::Warning { message }));
                self.exit(1);
            }
            Input::ProcessStarted { process, pid } => self.procs.started(process, pid),
            Input::ProcessSpawnFailed { process, reason } => {
                // ExaBGP marks such a process broken for good (no respawn).
                let name = self.procs.get(process).map(|p| p.name.clone());
                log::error!(
                    "could not start process {}: {reason}",
                    name.unwrap_or_default()
                );
                if let Some(p) = self.procs.get_mut(process) {
                    p.retired = true;
                }
                self.process_gone(process, now);
            }
            Input::ProcessExited { process, .. } => self.process_gone(process, now),
            Input::ProcessLine { process, line } => self.api_line(Some(process), &line, now),
            Input::ProcessLines { process, text } => {
                let mut start = 0;
                for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
                    self.api_line(Some(process), text[start..end].trim_end(), now);
                    start = end + 1;
                }
                if start < text.len() {
                    self.api_line(Some(process), text[start..].trim_end(), now);
                }
            }
            Input::Control(c) => match c {
                Control::Shutdown => {
                    self.signal_event("15", "SIGTERM");
                    self.shutdown(now)
                }
                Control::Reload(c) => {
                    self.signal_event("10", "SIGUSR1");
                    self.reconfigure_all(*c, now, false, false)
                }
                Control::ReloadAll(c) => {
                    self.signal_event("12", "SIGUSR2");
                    self.reconfigure_all(*c, now, false, true)
                }
                Control::Restart(c) => {
                    self.signal_event("14", "SIGALRM");
                    self.reconfigure_all(*c, now, true, true)
                }
                Control::Command(cmd) => self.api_line(None, &cmd, now),
            },
        }
        self.after_input(now);
    }

    pub fn poll_output(&mut self) -> Output {
        if self.rib_dirty && !self.exited {
            self.rib_dirty = false;
            for i in 0..self.peers.len() {
                self.flush(i);
            }
        }
        if let Some(o) = self.outputs.pop_front() {
            return o;
        }
        if self.exited {
            return Output::Timeout(Instant::NEVER);
        }
        let mut d = self
            .peers
            .iter()
            .map(|p| p.deadline())
            .min()
            .unwrap_or(Instant::NEVER);
        if let Some((at, _)) = self.exit_after {
            d = d.min(at);
        }
        Output::Timeout(d)
    }

    /// Tell the core who it is (pid, parent pid, host name) and the wall-clock
    /// time at `Instant::ZERO`, for the JSON envelope and the text shutdown
    /// line. Runtimes call it once, right after [`Speaker::new`].
    pub fn set_identity(&mut self, identity: DaemonIdentity) {
        self.procs.identity = identity;
    }

    /// The API processes (name, state, pid).
    pub fn processes(&self) -> &[process::ApiProcess] {
        &self.procs.list
    }

    /// Recompute which processes hear about and may address each neighbor.
    fn relink(&mut self) {
        for p in &mut self.peers {
            let (subs, permitted) = events::links(&p.config, &self.procs);
            p.sends_events = events::wants_messages(&subs, crate::api::json::Direction::Send);
            p.subs = subs;
            p.permitted = permitted;
        }
    }

    /// Wall-clock seconds now (for the respawn bucket).
    fn wall_secs(&self, now: Instant) -> u64 {
        let t = self.procs.identity.wall_time(now);
        if t > 0.0 {
            t as u64
        } else {
            0
        }
    }

    fn process_gone(&mut self, id: crate::io::ProcId, now: Instant) {
        let secs = self.wall_secs(now);
        let outcome = self
            .procs
            .exited(id, secs, self.shutting_down, &mut self.outputs);
        if outcome == process::ExitOutcome::Storm {
            self.shutdown(now);
            return;
        }
        if outcome == process::ExitOutcome::Gone
            && self.settings.api_terminate
            && !self.shutting_down
        {
            log::error!("a process ended and api.terminate is set: shutting down");
            self.shutdown(now);
            return;
        }
        if self.shutting_down && !self.procs.any_running() {
            if let Some((_, code)) = self.exit_after.take() {
                self.exit(code);
            }
        }
    }

    /// Deliver an event about neighbor `i` to the processes that asked for it.
    fn emit(&mut self, i: usize, ev: events::EventKind<'_>) {
        let p = &mut self.peers[i];
        if p.subs.is_empty() {
            return;
        }
        let (local, peer_as) = match &p.session {
            Some(s) => (
                Some(canonical(s.local.ip())),
                s.received_open().map(|o| o.asn()),
            ),
            None => (None, None),
        };
        let rid = p.router_id(local.unwrap_or(p.config.peer_address));
        let view = events::neighbor_view(&p.config, local, rid, peer_as);
        for k in 0..p.subs.len() {
            let s = p.subs[k];
            if !events::selects(&s, &ev) {
                continue;
            }
            let Some(proc_) = self.procs.get(s.process) else {
                continue;
            };
            if !proc_.running {
                continue;
            }
            let line = events::render(
                proc_.encoder,
                &s,
                &ev,
                &view,
                &self.procs.identity,
                self.now,
                &mut p.api_counter,
                self.settings.api_compact,
            );
            if line.is_empty() {
                continue;
            }
            self.outputs.push_back(Output::WriteProcess {
                process: s.process,
                data: Bytes::from(line.into_bytes()),
            });
        }
    }

    /// Tell processes with api `signal` which signal the daemon handles.
    /// (The runtime maps SIGINT/SIGHUP to the same controls as SIGTERM, so
    /// those are reported as SIGTERM.)
    fn signal_event(&mut self, code: &str, name: &str) {
        for i in 0..self.peers.len() {
            if self.peers[i].subs.iter().any(|s| s.signal) {
                self.emit(i, events::EventKind::Signal(code, name));
            }
        }
    }

    /// The `negotiated` message, once the OPENs are exchanged.
    fn emit_negotiated(&mut self, i: usize) {
        if !self.peers[i].subs.iter().any(|s| s.negotiated) {
            return;
        }
        let Some(n) = self.peers[i].session.as_ref().and_then(|s| s.negotiated()) else {
            return;
        };
        let refresh = if n.enhanced_route_refresh {
            "enhanced"
        } else if n.route_refresh {
            "normal"
        } else {
            "absent"
        };
        let send: Vec<Family> = n.ctx.add_path_send.iter().copied().collect();
        let receive: Vec<Family> = n.ctx.add_path_receive.iter().copied().collect();
        let c = &self.peers[i].config;
        let (multisession, operational) = (c.capability.multi_session, c.capability.operational);
        let families = n.families.clone();
        let nexthop = n.extended_next_hop.clone();
        let view = crate::api::json::NegotiatedView {
            message_size: n.ctx.max_message,
            hold_time: n.hold_time,
            asn4: n.asn4,
            multisession,
            operational,
            refresh,
            families: &families,
            nexthop: &nexthop,
            add_path_send: &send,
            add_path_receive: &receive,
        };
        self.emit(i, events::EventKind::Negotiated(&view));
    }

    /// Message events for bytes sent to (or a frame received from) peer `i`.
    fn emit_messages(&mut self, i: usize, dir: crate::api::json::Direction, data: &[u8]) {
        let Some(s) = self.peers[i].session.as_ref() else {
            return;
        };
        let ctx = s.ctx().clone();
        let mut framer = crate::wire::header::Framer::new(crate::wire::MAX_EXTENDED_MESSAGE);
        framer.push(data);
        while let Ok(Some(frame)) = framer.next_frame() {
            let Ok(msg) = Message::decode(&frame, &ctx) else {
                continue;
            };
            // Received UPDATEs and NOTIFICATIONs have their own events.
            if dir == crate::api::json::Direction::Receive
                && matches!(msg, Message::Update(_) | Message::Notification(_))
            {
                continue;
            }
            let header = frame.header();
            let raw = crate::api::json::Raw {
                header: &header,
                body: &frame.body,
            };
            self.emit(i, events::EventKind::Message(dir, &msg, raw));
        }
    }

    fn session_peer(&self, conn: ConnId) -> Option<usize> {
        self.peers
            .iter()
            .position(|p| p.session.as_ref().is_some_and(|s| s.conn == conn))
    }

    fn set_state(&mut self, i: usize, to: State) {
        let p = &mut self.peers[i];
        if p.state != to {
            let from = p.state;
            p.state = to;
            if p.subs.iter().any(|s| s.fsm) {
                self.emit(i, events::EventKind::Fsm(to.name()));
                if to == State::OpenConfirm {
                    self.emit_negotiated(i);
                }
            } else if to == State::OpenConfirm && self.peers[i].subs.iter().any(|s| s.negotiated) {
                self.emit_negotiated(i);
            }
            let p = &mut self.peers[i];
            self.outputs.push_back(Output::Event(Event::StateChanged {
                peer: p.address(),
                from: from.name().into(),
                to: to.name().into(),
            }));
        }
    }

    fn schedule_reconnect(&mut self, i: usize, now: Instant) {
        let settings = &self.settings;
        let p = &mut self.peers[i];
        let wait = p.backoff.increase();
        if self.shutting_down {
            p.stopped = true;
        } else if !p.is_active(settings) {
            p.next_connect = Instant::NEVER;
        } else if p.can_reconnect(settings) {
            p.next_connect = now + wait;
        } else {
            log::info!(
                "maximum connection attempts reached for {}, stopping the peer",
                p.address()
            );
            p.stopped = true;
            p.next_connect = Instant::NEVER;
        }
    }

    fn refuse(&mut self, conn: ConnId, code: u8, subcode: u8, text: &str) {
        let n = notify::with_text(code, subcode, Some(text));
        self.outputs.push_back(Output::Transmit {
            conn,
            data: encode_message(&Message::Notification(n)),
        });
        self.outputs.push_back(Output::Close { conn });
        self.refused.insert(conn);
    }

    fn on_connected(&mut self, now: Instant, conn: ConnId, local: SocketAddr, remote: SocketAddr) {
        if !conn.is_incoming() {
            let Some(i) = self.peers.iter().position(|p| p.connecting == Some(conn)) else {
                // Not (or no longer) wanted, e.g. replaced by an incoming one.
                self.outputs.push_back(Output::Close { conn });
                return;
            };
            self.peers[i].connecting = None;
            if self.peers[i].session.is_some() || self.shutting_down {
                self.outputs.push_back(Output::Close { conn });
                return;
            }
            self.start_session(i, now, conn, local, remote);
            return;
        }
        let (rip, lip) = (canonical(remote.ip()), canonical(local.ip()));
        let Some(i) = self.peers.iter().position(|p| p.accepts(rip, lip)) else {
            log::info!("refusing connection from {remote}: no neighbor configured");
            return self.refuse(conn, 6, 3, "no session configured for the peer");
        };
        if self.peers[i].stopped || self.shutting_down {
            return self.refuse(conn, 6, 3, "no session configured for the peer");
        }
        // Collision handling (RFC 4271 §6.8 as ExaBGP applies it).
        if let Some(s) = &self.peers[i].session {
            match s.state() {
                State::Established => {
                    return self.refuse(
                        conn,
                        6,
                        7,
                        "could not accept the connection, already established",
                    );
                }
                State::OpenConfirm => {
                    let local_id = self.peers[i].router_id(lip);
                    let remote_id = s.received_open().map(|o| o.bgp_id);
                    if remote_id.is_some_and(|r| r < local_id) {
                        return self.refuse(
                            conn,
                            6,
                            7,
                            "could not accept the connection, as another connection is already in open-confirm and will go through",
                        );
                    }
                }
                _ => {}
            }
        }
        // The incoming connection replaces whatever we had.
        if let Some(c) = self.peers[i].connecting.take() {
            self.outputs.push_back(Output::Close { conn: c });
        }
        if self.peers[i].session.is_some() {
            let mut ev = Vec::new();
            if let Some(s) = self.peers[i].session.as_mut() {
                s.close(
                    "closing outgoing connection as we have another incoming on with higher router-id",
                    &mut ev,
                );
            }
            self.process(i, now, ev);
        }
        self.peers[i].backoff.reset();
        self.start_session(i, now, conn, local, remote);
    }

    fn start_session(
        &mut self,
        i: usize,
        now: Instant,
        conn: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    ) {
        let params = self.peers[i].session_params(canonical(local.ip()), &self.settings);
        let mut ev = Vec::new();
        self.set_state(i, State::Connect);
        let mut s = Session::new(conn, local, remote, params, now, &mut ev);
        s.report_messages =
            events::wants_messages(&self.peers[i].subs, crate::api::json::Direction::Receive);
        self.peers[i].session = Some(s);
        self.emit(i, events::EventKind::Connected);
        self.process(i, now, ev);
    }

    /// Act on what a session reported.
    fn process(&mut self, i: usize, now: Instant, ev: Vec<SessionEvent>) {
        for e in ev {
            let Some(conn) = self.peers[i].session.as_ref().map(|s| s.conn) else {
                break;
            };
            match e {
                SessionEvent::Transmit(data) => {
                    if self.peers[i].sends_events {
                        self.emit_messages(i, crate::api::json::Direction::Send, &data);
                    }
                    self.peers[i].count_sent(conn, &data);
                    self.outputs.push_back(Output::Transmit { conn, data })
                }
                SessionEvent::Received(frame) => {
                    let mut b = Vec::with_capacity(frame.wire_len());
                    b.extend_from_slice(&frame.header());
                    b.extend_from_slice(&frame.body);
                    self.emit_messages(i, crate::api::json::Direction::Receive, &b);
                }
                SessionEvent::State { to, .. } => {
                    if to != State::Idle {
                        self.set_state(i, to);
                    }
                }
                SessionEvent::Established => {
                    let p = &mut self.peers[i];
                    log::info!("connected to peer {}", p.address());
                    p.backoff.reset();
                    p.restarted = false;
                    p.initial_dump = true;
                    p.include_withdraw = false;
                    p.up_since = Some(now);
                    p.rib.session_up();
                    p.adj_in.clear();
                    let peer = p.address();
                    self.outputs
                        .push_back(Output::Event(Event::SessionUp { peer }));
                    self.emit(i, events::EventKind::Up);
                    self.rib_dirty = true;
                }
                SessionEvent::Update(u) => {
                    self.peers[i].updates_received += 1;
                    if self.peers[i].config.adj_rib_in {
                        self.peers[i].adj_in.apply(&u);
                    }
                    self.emit(
                        i,
                        events::EventKind::Update(crate::api::json::Direction::Receive, &u),
                    );
                    // Received routes
                    // are logged in ExaBGP's text form under the `routes` target
                    // (exabgp.log.routes), rendered only when that target is on.
                    if log::log_enabled!(target: "routes", log::Level::Info) {
                        let peer = self.peers[i].address();
                        let text = crate::api::text::update(
                            peer,
                            crate::api::json::Direction::Receive,
                            &u,
                            false,
                            None,
                        );
                        for line in text.lines() {
                            if !line.ends_with(" update start") && !line.ends_with(" update end") {
                                log::info!(target: "routes", "{line}");
                            }
                        }
                    }
                }
                SessionEvent::RouteRefresh(r) => self.on_route_refresh(i, r),
                SessionEvent::Closed(reason) => {
                    let p = &mut self.peers[i];
                    let was_established = p.state == State::Established;
                    let peer = p.address();
                    log::info!("peer {peer} down: {}", reason.text);
                    if let Some(n) = &reason.received {
                        self.emit(
                            i,
                            events::EventKind::Notification(
                                crate::api::json::Direction::Receive,
                                n,
                            ),
                        );
                    }
                    self.emit(i, events::EventKind::Down(&reason.text));
                    let p = &mut self.peers[i];
                    p.session = None;
                    p.up_since = None;
                    p.last_reset = now;
                    p.initial_dump = false;
                    p.rib.session_down();
                    self.outputs.push_back(Output::Close { conn });
                    self.set_state(i, State::Idle);
                    if was_established {
                        self.outputs.push_back(Output::Event(Event::SessionDown {
                            peer,
                            reason: reason.text,
                        }));
                    }
                    self.schedule_reconnect(i, now);
                }
            }
        }
    }

    fn on_route_refresh(&mut self, i: usize, r: RouteRefresh) {
        if r.subtype != RefreshSubtype::Request {
            return;
        }
        let p = &mut self.peers[i];
        let Some(s) = &p.session else { return };
        let Some(n) = s.negotiated() else { return };
        if !n.families.contains(&r.family) {
            return;
        }
        let enhanced = n.enhanced_route_refresh;
        let conn = s.conn;
        let ctx = n.ctx.clone();
        let out = Outbound {
            negotiated: n,
            local_address: canonical(s.local.ip()),
            router_id: p.router_id(canonical(s.local.ip())),
        };
        // RFC 7313 §4: Begin-of-RIB-refresh, the routes, End-of-RIB-refresh.
        let mut msgs = Vec::new();
        let refresh = |subtype| {
            let mut b = BytesMut::new();
            Message::RouteRefresh(RouteRefresh {
                family: r.family,
                subtype,
            })
            .encode(&ctx, &mut b);
            b.freeze()
        };
        if enhanced {
            msgs.push(refresh(RefreshSubtype::Begin));
        }
        let batches = p.rib.resend_batches(r.family, p.config.group_updates);
        msgs.extend(encode::messages(batches, &p.rib, &out));
        if enhanced {
            msgs.push(refresh(RefreshSubtype::End));
        }
        for data in msgs {
            self.peers[i].count_sent(conn, &data);
            self.outputs.push_back(Output::Transmit { conn, data });
        }
    }

    /// Timers, RIB flushes, connection attempts and the exit check.
    fn after_input(&mut self, now: Instant) {
        // RIB changes are turned into UPDATEs at the next poll_output.
        self.rib_dirty = true;
        if let Some((at, code)) = self.exit_after {
            if now >= at {
                self.exit_after = None;
                self.procs.kill_remaining(&mut self.outputs);
                self.exit(code);
            }
        }
        for i in 0..self.peers.len() {
            // Session timers.
            let mut ev = Vec::new();
            if let Some(s) = self.peers[i].session.as_mut() {
                s.tick(now, &mut ev);
            }
            self.process(i, now, ev);
            // Outgoing connection attempts.
            let p = &self.peers[i];
            if !self.shutting_down
                && !p.stopped
                && p.session.is_none()
                && p.connecting.is_none()
                && p.next_connect <= now
            {
                self.connect(i);
            }
        }
        if self.settings.tcp_attempts > 0
            && !self.exited
            && !self.shutting_down
            && self.peers.iter().all(|p| p.stopped && p.session.is_none())
        {
            log::info!("no neighbor left to connect to, exiting");
            // Processes are told and stopped as on any shutdown.
            self.shutdown(now);
        }
    }

    fn connect(&mut self, i: usize) {
        let conn = ConnId(self.next_conn);
        self.next_conn += 1;
        let settings = &self.settings;
        let p = &mut self.peers[i];
        p.attempts += 1;
        p.connecting = Some(conn);
        p.next_connect = Instant::NEVER;
        let remote = p.remote_socket(settings);
        log::info!("connecting to {remote} (attempt {})", p.attempts);
        self.outputs.push_back(Output::Connect {
            conn,
            remote,
            local: p.config.local_address.or(p.config.md5_ip),
            options: p.connect_options(),
        });
        self.set_state(i, State::Connect);
    }

    /// Send what the Adj-RIB-Out of an established peer has pending, and the
    /// End-of-RIB markers after the initial dump.
    fn flush(&mut self, i: usize) {
        let p = &mut self.peers[i];
        let Some(s) = &p.session else { return };
        if s.state() != State::Established {
            return;
        }
        let Some(n) = s.negotiated() else { return };
        let conn = s.conn;
        let local = canonical(s.local.ip());
        let mut msgs = Vec::new();
        if p.rib.pending() {
            let batches = p.rib.drain(p.include_withdraw, p.config.group_updates);
            p.include_withdraw = true;
            let out = Outbound {
                negotiated: n,
                local_address: local,
                router_id: p.router_id(local),
            };
            msgs = encode::messages(batches, &p.rib, &out);
        }
        if p.initial_dump {
            p.initial_dump = false;
            if !p.config.manual_eor {
                if n.implied_ipv4 {
                    // ExaBGP: no multiprotocol family, a KEEPALIVE instead.
                    msgs.push(Bytes::from_static(&crate::fsm::session::KEEPALIVE));
                } else {
                    msgs.extend(n.families.iter().map(|f| encode::end_of_rib(*f, &n.ctx)));
                }
            }
        }
        self.peers[i].updates_sent += msgs.iter().filter(|m| m.get(18) == Some(&2)).count() as u64;
        for data in msgs {
            if self.peers[i].sends_events {
                self.emit_messages(i, crate::api::json::Direction::Send, &data);
            }
            self.peers[i].count_sent(conn, &data);
            self.outputs.push_back(Output::Transmit { conn, data });
        }
    }

    /// End the current session of peer `i` (Cease `subcode` if established,
    /// a plain close otherwise) and plan an immediate reconnection.
    pub fn teardown(&mut self, i: usize, subcode: u8, now: Instant) {
        if let Some(c) = self.peers[i].connecting.take() {
            self.outputs.push_back(Output::Close { conn: c });
        }
        let mut ev = Vec::new();
        if let Some(s) = self.peers[i].session.as_mut() {
            // ExaBGP closes a session that negotiated graceful restart without
            // a NOTIFICATION, so that the peer keeps the routes (RFC 4724 §4).
            let graceful = s.negotiated().is_some_and(|n| n.graceful_restart);
            if s.state() == State::Established && !graceful {
                s.notify(notify::with_text(6, subcode, None), &mut ev);
            } else {
                s.close(
                    "graceful restarted negotiated, closing without sending any notification",
                    &mut ev,
                );
            }
        }
        self.process(i, now, ev);
        let settings = &self.settings;
        let p = &mut self.peers[i];
        p.backoff.reset();
        if p.is_active(settings) && !p.stopped {
            p.next_connect = now;
        }
    }

    /// Apply a freshly parsed configuration (SIGUSR1/SIGUSR2; `restart` for
    /// SIGALRM), as ExaBGP does (reference §8.4, §9 "Reload"):
    /// * a neighbor whose identity (addresses, ASNs, router-id, families) is
    ///   new is added, one no longer configured is removed (Cease 6/3);
    /// * a neighbor whose other settings changed is torn down (6/3) and
    ///   reconnected, keeping its Adj-RIB-Out (API routes survive);
    /// * configured routes are diffed: new or changed ones announced, removed
    ///   ones withdrawn;
    /// * with `restart` every remaining session is re-established.
    pub fn reconfigure(&mut self, config: Config, now: Instant, restart: bool) {
        self.now = now;
        if self.shutting_down {
            return;
        }
        let mut keep = vec![false; self.peers.len()];
        let mut added = Vec::new();
        for n in &config.neighbors {
            let Some(i) = self
                .peers
                .iter()
                .position(|p| identity(&p.config) == identity(n))
            else {
                added.push(n.clone());
                continue;
            };
            keep[i] = true;
            let changed = without_routes(&self.peers[i].config) != without_routes(n);
            apply_route_diff(&mut self.peers[i], n);
            self.peers[i].config = n.clone();
            if changed || restart {
                log::info!("neighbor {} changed: re-establishing", n.peer_address);
                self.peers[i].restarted = true;
                self.teardown(i, 3, now);
            }
        }
        for i in (0..self.peers.len()).rev() {
            if !keep[i] {
                log::info!("neighbor {} removed", self.peers[i].address());
                self.peers[i].stopped = true;
                self.teardown(i, 3, now);
                self.peers.remove(i);
            }
        }
        for n in added {
            log::info!("neighbor {} added", n.peer_address);
            let p = Peer::new(n, now, &self.settings);
            self.peers.push(p);
            self.listen_for(self.peers.len() - 1);
        }
        self.config = config;
    }

    /// `announce watchdog NAME` / `withdraw watchdog NAME` for every peer
    /// (the API selects peers before calling [`Peer::watchdog`] directly).
    pub fn watchdog(&mut self, name: &str, announce: bool) -> usize {
        self.peers
            .iter_mut()
            .map(|p| p.watchdog(name, announce))
            .sum()
    }

    /// Orderly stop: Cease / Administrative Shutdown (RFC 8203) to established
    /// peers, every connection closed, then exit 0.
    fn shutdown(&mut self, now: Instant) {
        if self.shutting_down {
            return;
        }
        // What earlier commands queued goes out before the NOTIFICATIONs.
        self.flush_all();
        self.shutting_down = true;
        for i in 0..self.peers.len() {
            self.peers[i].stopped = true;
            if let Some(c) = self.peers[i].connecting.take() {
                self.outputs.push_back(Output::Close { conn: c });
            }
            let mut ev = Vec::new();
            if let Some(s) = self.peers[i].session.as_mut() {
                if s.state() == State::Established {
                    let n: Notification = notify::with_text(6, 2, None);
                    s.notify(n, &mut ev);
                } else {
                    s.close("shutting down", &mut ev);
                }
            }
            self.process(i, now, ev);
        }
        // Processes: shutdown message, SIGTERM, SIGKILL after the grace period.
        if self.procs.begin_shutdown(now, &mut self.outputs) {
            self.exit_after = Some((now + process::KILL_GRACE, 0));
        } else {
            self.exit(0);
        }
    }

    /// Build the UPDATEs of every pending RIB change now.
    fn flush_all(&mut self) {
        self.rib_dirty = false;
        for i in 0..self.peers.len() {
            self.flush(i);
        }
    }

    /// Reload (SIGUSR1, `reload`), reload with process restart (SIGUSR2) or
    /// restart (SIGALRM, `restart`): neighbors as [`Speaker::reconfigure`],
    /// then processes (new ones started, removed ones stopped).
    pub fn reconfigure_all(
        &mut self,
        config: Config,
        now: Instant,
        restart: bool,
        restart_processes: bool,
    ) {
        if self.shutting_down {
            return;
        }
        self.flush_all();
        self.procs
            .configure(&config, restart_processes, &mut self.outputs);
        self.reconfigure(config, now, restart);
        self.relink();
    }

    fn exit(&mut self, code: i32) {
        if !self.exited {
            self.exited = true;
            self.outputs.push_back(Output::Exit { code });
        }
    }
}
