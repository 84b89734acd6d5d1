//! API commands read from processes (and the control channel): parse with
//! [`crate::api::command::parse`], pick the neighbors the process may address,
//! act on their RIBs and sessions, answer (reference §3).
//!
//! Route commands only change Adj-RIB-Outs; the UPDATEs are built when the
//! runtime next drains [`Speaker::poll_output`], so every command read in one
//! cycle is merged first (FORMAT.md §8.2). Commands that put messages on the
//! wire themselves (EoR, teardown, flush, route refresh, shutdown) first flush
//! what earlier commands queued, so nothing overtakes them.

use super::{canonical, encode_message, Speaker};
use crate::api::command::route_cache::CachedRoute;
use crate::api::command::{self, reactor, Action, Command, Direction, Selector};
use crate::config::NextHop;
use crate::fsm::State;
use crate::io::{Event, Output, ProcId};
use crate::rib::encode::{self, Outbound};
use crate::rib::routes::{self, RibRoute};
use crate::rib::RouteAttributes;
use crate::time::Instant;
use crate::wire::family::Family;
use crate::wire::nlri::Nlri;
use crate::wire::route_refresh::{RefreshSubtype, RouteRefresh};
use crate::wire::Message;
use smallvec::SmallVec;
use std::sync::Arc;

/// A route as every selected peer receives it.
type SharedRoute = (Family, Nlri, Arc<RouteAttributes>);

impl Speaker {
    /// One line from process `from` (None: the control channel, which may
    /// address every neighbor).
    pub(crate) fn api_line(&mut self, from: Option<ProcId>, line: &str, now: Instant) {
        if self.shutting_down {
            return;
        }
        if let Some(hit) = self.route_cache.lookup(line) {
            let CachedRoute {
                action,
                selector,
                family,
                nlri,
                attrs,
            } = hit;
            let announce = action == Action::Announce;
            let ok = self.change_shared(from, &selector, &[(family, nlri, attrs)], announce);
            return self.answer(from, ok);
        }
        let cmd = match command::parse(line) {
            Ok(c) => {
                self.route_cache.learn(line, &c);
                c
            }
            Err(e) => {
                if e.kind == command::ErrorKind::Empty {
                    return;
                }
                log::warn!("command from {}: {e}", self.process_name(from));
                return self.answer(from, false);
            }
        };
        let ok = self.execute(from, cmd, now);
        if let Some(ok) = ok {
            self.answer(from, ok);
        }
    }

    fn process_name(&self, from: Option<ProcId>) -> String {
        match from.and_then(|id| self.procs.get(id)) {
            Some(p) => p.name.clone(),
            None => "the control channel".into(),
        }
    }

    /// `done` / `error` when the process has acknowledgements on.
    pub(crate) fn answer(&mut self, from: Option<ProcId>, ok: bool) {
        let Some(id) = from else { return };
        if self.procs.get(id).is_some_and(|p| p.ack) {
            self.procs.write_ack(id, ok, &mut self.outputs);
        }
    }

    /// A line of command output (before the ack).
    fn reply(&mut self, from: Option<ProcId>, line: &str) {
        match from {
            Some(id) => self.procs.write_line(id, line, &mut self.outputs),
            None => log::info!("{line}"),
        }
    }

    /// Indices of the peers `from` may address that `selector` picks.
    fn selected(&self, from: Option<ProcId>, selector: &Selector) -> SmallVec<[usize; 4]> {
        (0..self.peers.len())
            .filter(|&i| {
                let p = &self.peers[i];
                from.is_none_or(|id| p.permitted.contains(&id)) && selector.matches(&p.config)
            })
            .collect()
    }

    fn established(&self, i: usize) -> bool {
        self.peers[i]
            .session
            .as_ref()
            .is_some_and(|s| s.state() == State::Established)
    }

    /// Announce (or withdraw) RIB entries on the selected peers that carry
    /// their family; `false` when no peer is selected (→ `error`).
    fn change(
        &mut self,
        from: Option<ProcId>,
        selector: &Selector,
        routes: Vec<RibRoute>,
        announce: bool,
    ) -> bool {
        let routes: Vec<SharedRoute> = routes
            .into_iter()
            .map(|r| (r.family, r.nlri, Arc::new(r.attrs)))
            .collect();
        self.change_shared(from, selector, &routes, announce)
    }

    /// [`Self::change`] with attribute sets every selected peer shares (and
    /// the parse cache too: each Adj-RIB-Out interns them by pointer).
    fn change_shared(
        &mut self,
        from: Option<ProcId>,
        selector: &Selector,
        routes: &[SharedRoute],
        announce: bool,
    ) -> bool {
        let peers = self.selected(from, selector);
        if peers.is_empty() {
            log::warn!("no neighbor matching the command");
            return false;
        }
        for i in peers {
            for (family, nlri, attrs) in routes {
                apply(&mut self.peers[i], *family, nlri.clone(), attrs, announce);
            }
        }
        self.rib_dirty = true;
        true
    }

    /// Run one command; `Some(ok)` is the ack to give, `None` none.
    fn execute(&mut self, from: Option<ProcId>, cmd: Command, now: Instant) -> Option<bool> {
        use Command as C;
        let ok = match cmd {
            C::Announce { selector, routes } | C::Withdraw { selector, routes }
                if routes.is_empty() =>
            {
                let _ = selector;
                false
            }
            C::Announce { selector, routes } => {
                let r: Vec<RibRoute> = routes.into_iter().map(routes::into_route).collect();
                self.change(from, &selector, r, true)
            }
            C::Withdraw { selector, routes } => {
                let r: Vec<RibRoute> = routes.into_iter().map(routes::into_route).collect();
                self.change(from, &selector, r, false)
            }
            C::AnnounceFlow { selector, flows } => {
                let r: Vec<RibRoute> = flows.iter().map(routes::from_flow).collect();
                self.change(from, &selector, r, true)
            }
            C::WithdrawFlow { selector, flows } => {
                let r: Vec<RibRoute> = flows.iter().map(routes::from_flow).collect();
                self.change(from, &selector, r, false)
            }
            C::AnnounceVpls { selector, vpls } => {
                let r: Vec<RibRoute> = vpls.iter().map(routes::from_vpls).collect();
                self.change(from, &selector, r, true)
            }
            C::WithdrawVpls { selector, vpls } => {
                let r: Vec<RibRoute> = vpls.iter().map(routes::from_vpls).collect();
                self.change(from, &selector, r, false)
            }
            C::AnnounceMcastVpn { selector, routes } => {
                let r: Vec<RibRoute> = routes.iter().map(routes::from_mcast_vpn).collect();
                self.change(from, &selector, r, true)
            }
            C::WithdrawMcastVpn { selector, routes } => {
                let r: Vec<RibRoute> = routes.iter().map(routes::from_mcast_vpn).collect();
                self.change(from, &selector, r, false)
            }
            C::AnnounceMup { selector, routes } => {
                let r: Vec<RibRoute> = routes.iter().map(routes::from_mup).collect();
                self.change(from, &selector, r, true)
            }
            C::WithdrawMup { selector, routes } => {
                let r: Vec<RibRoute> = routes.iter().map(routes::from_mup).collect();
                self.change(from, &selector, r, false)
            }
            C::AnnounceEor { selector, family } => {
                let peers = self.selected(from, &selector);
                if peers.is_empty() {
                    false
                } else {
                    for i in peers {
                        if !self.established(i) {
                            continue;
                        }
                        self.flush(i);
                        let Some(s) = &self.peers[i].session else {
                            continue;
                        };
                        let Some(n) = s.negotiated() else { continue };
                        let data = encode::end_of_rib(family, &n.ctx);
                        let conn = s.conn;
                        self.peers[i].count_sent(conn, &data);
                        self.outputs.push_back(Output::Transmit { conn, data });
                    }
                    true
                }
            }
            C::AnnounceRouteRefresh { selector, family } => {
                let peers = self.selected(from, &selector);
                for &i in &peers {
                    if !self.established(i) || !self.peers[i].config.capability.route_refresh {
                        continue;
                    }
                    self.flush(i);
                    if let Some(s) = &self.peers[i].session {
                        let data = encode_message(&Message::RouteRefresh(RouteRefresh {
                            family,
                            subtype: RefreshSubtype::Request,
                        }));
                        let conn = s.conn;
                        self.peers[i].count_sent(conn, &data);
                        self.outputs.push_back(Output::Transmit { conn, data });
                    }
                }
                !peers.is_empty()
            }
            C::AnnounceOperational { selector, .. } => {
                // Operational messages (draft-ietf-idr-operational-message)
                // are not sent yet; ExaBGP answers done once queued.
                !self.selected(from, &selector).is_empty()
            }
            C::OperationalIgnored => true,
            C::Watchdog { action, name } => {
                let name = name.unwrap_or_else(|| self.process_name(from));
                let announce = action == Action::Announce;
                for p in &mut self.peers {
                    p.watchdog(&name, announce);
                }
                self.rib_dirty = true;
                true
            }
            C::Teardown { neighbors, subcode } => {
                for i in (0..self.peers.len()).rev() {
                    let p = &self.peers[i];
                    let allowed = from.is_none_or(|id| p.permitted.contains(&id));
                    if allowed
                        && self.established(i)
                        && neighbors.iter().any(|m| m.matches(&p.config))
                    {
                        self.flush(i);
                        self.teardown(i, subcode, now);
                    }
                }
                true
            }
            C::FlushAdjRibOut { selector } => {
                let peers = self.selected(from, &selector);
                for &i in &peers {
                    if self.established(i) {
                        self.flush(i);
                        self.resend(i);
                    }
                }
                !peers.is_empty()
            }
            C::ClearAdjRib {
                selector,
                direction,
            } => {
                let peers = self.selected(from, &selector);
                for &i in &peers {
                    let p = &mut self.peers[i];
                    match direction {
                        Direction::In => p.adj_in.clear(),
                        Direction::Out => {
                            let all: Vec<_> = p.rib.routes().map(|(f, n, _)| (f, n)).collect();
                            for (f, n) in all {
                                p.rib.withdraw(f, n);
                            }
                        }
                    }
                }
                self.rib_dirty = true;
                !peers.is_empty()
            }
            C::ShowNeighbor { filter, mode } => {
                for line in self.show_neighbor(filter.as_deref(), mode) {
                    self.reply(from, &line);
                }
                true
            }
            C::ShowAdjRib {
                direction,
                extensive,
                json,
                kind,
                filter,
            } => {
                for line in self.show_adj_rib(direction, extensive, json, kind, filter.as_deref()) {
                    self.reply(from, &line);
                }
                true
            }
            C::Shutdown => {
                self.reply(from, reactor::SHUTDOWN_TEXT);
                self.force_answer(from);
                self.shutdown(now);
                return None;
            }
            C::Reload | C::Restart => {
                let restart = matches!(cmd, C::Restart);
                let text = if restart {
                    reactor::RESTART_TEXT
                } else {
                    reactor::RELOAD_TEXT
                };
                self.reply(from, text);
                self.outputs
                    .push_back(Output::Event(Event::ReloadRequested { restart }));
                true
            }
            C::Version => {
                let v = reactor::version_text(&self.settings.release());
                self.reply(from, &v);
                true
            }
            C::Help => {
                for l in reactor::help_lines() {
                    self.reply(from, l);
                }
                true
            }
            C::Comment(text) => {
                log::debug!(target: "process", "{text}");
                true
            }
            C::Debug(text) => {
                log::warn!(target: "api", "debug info from {} : {text}", self.process_name(from));
                return None;
            }
            C::EnableAck => {
                if let Some(p) = from.and_then(|id| self.procs.get_mut(id)) {
                    p.ack = true;
                }
                true
            }
            C::DisableAck => {
                self.force_answer(from);
                if let Some(p) = from.and_then(|id| self.procs.get_mut(id)) {
                    p.ack = false;
                }
                return None;
            }
            C::SilenceAck => {
                if let Some(p) = from.and_then(|id| self.procs.get_mut(id)) {
                    p.ack = false;
                }
                return None;
            }
            C::Reset => return None,
            C::Crash => false,
        };
        Some(ok)
    }

    /// `done` whatever the process's ack state (disable-ack, shutdown).
    fn force_answer(&mut self, from: Option<ProcId>) {
        if let Some(id) = from {
            self.procs.write_line(id, "done", &mut self.outputs);
        }
    }

    /// `flush adj-rib out`: every held route again, inside BoRR/EoRR
    /// (RFC 7313 §4) per family when `route-refresh` is configured.
    fn resend(&mut self, i: usize) {
        let p = &self.peers[i];
        let Some(s) = &p.session else { return };
        let Some(n) = s.negotiated() else { return };
        let conn = s.conn;
        let local = canonical(s.local.ip());
        let out = Outbound {
            negotiated: n,
            local_address: local,
            router_id: p.router_id(local),
        };
        let enhanced = p.config.capability.route_refresh;
        let marker = |family, subtype| {
            encode_message(&Message::RouteRefresh(RouteRefresh { family, subtype }))
        };
        let mut msgs = Vec::new();
        if enhanced {
            msgs.extend(n.families.iter().map(|f| marker(*f, RefreshSubtype::Begin)));
        }
        for f in &n.families {
            let batches = p.rib.resend_batches(*f, p.config.group_updates);
            msgs.extend(encode::messages(batches, &p.rib, &out));
        }
        if enhanced {
            msgs.extend(n.families.iter().map(|f| marker(*f, RefreshSubtype::End)));
        }
        for data in msgs {
            self.peers[i].count_sent(conn, &data);
            self.outputs.push_back(Output::Transmit { conn, data });
        }
    }

    pub(super) fn show_neighbor(
        &self,
        filter: Option<&str>,
        mode: command::ShowNeighborMode,
    ) -> Vec<String> {
        use command::ShowNeighborMode as M;
        let mut out = Vec::new();
        match mode {
            M::Help => out.extend(reactor::SHOW_NEIGHBOR_HELP.iter().map(|s| s.to_string())),
            M::Summary => {
                out.push(
                    "Peer            AS        up/down state       |     #sent     #recvd".into(),
                );
                for p in &self.peers {
                    let ip = p.address().to_string();
                    if filter.is_some_and(|f| f != ip) {
                        continue;
                    }
                    let asn = match p.config.peer_as {
                        crate::config::AsnSetting::Asn(a) => a.to_string(),
                        crate::config::AsnSetting::Auto => "auto".into(),
                    };
                    let up = match p.up_since {
                        Some(t) => {
                            super::show::py_timedelta(self.now.saturating_since(t).as_secs())
                        }
                        None => "down".into(),
                    };
                    out.push(format!(
                        "{:<15} {:<7} {:>9} {:<12} {:>10} {:>10}",
                        ip,
                        asn,
                        up,
                        p.state.name().to_lowercase(),
                        p.updates_sent,
                        p.updates_received
                    ));
                }
            }
            M::Json => {
                let all: Vec<serde_json::Value> =
                    self.peers.iter().map(|p| self.neighbor_json(p)).collect();
                out.push(py_json(&serde_json::Value::Array(all)));
            }
            M::Extensive | M::Configuration => {
                // ExaBGP filters both on a substring of the neighbor's name
                // (`neighbor <ip> local-ip ... family-allowed ...`).
                for p in &self.peers {
                    let name = neighbor_name(&p.config);
                    if filter.is_some_and(|f| !name.contains(f)) {
                        continue;
                    }
                    if mode == M::Extensive {
                        out.extend(super::show::extensive(p, self.now));
                    } else {
                        out.extend(super::show::configuration(&p.config));
                    }
                }
            }
        }
        out
    }

    /// One neighbor of `show neighbor json` (reference §4.7), with what the
    /// core knows: state, duration, addresses, ASNs, ids, hold times,
    /// families, UPDATE counters.
    fn neighbor_json(&self, p: &super::Peer) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let session = p.session.as_ref();
        let neg = session.and_then(|s| s.negotiated());
        let local_ip = session.map(|s| canonical(s.local.ip()));
        let asn = |a: crate::config::AsnSetting| match a {
            crate::config::AsnSetting::Asn(n) => json!(n),
            crate::config::AsnSetting::Auto => Value::Null,
        };
        let mut local_fams = Map::new();
        let mut peer_fams = Map::new();
        let mut families = Vec::new();
        for f in &p.config.families {
            let k = f.to_string();
            local_fams.insert(k.clone(), json!(true));
            let theirs = neg.map(|n| n.families.contains(f));
            peer_fams.insert(k.clone(), theirs.map_or(Value::Null, Value::Bool));
            if theirs == Some(true) {
                families.push(json!(k));
            }
        }
        let duration = p
            .up_since
            .map(|t| self.now.saturating_since(t).as_secs())
            .unwrap_or(0);
        json!({
            "state": if p.up_since.is_some() { "up" } else { "down" },
            "duration": duration,
            "fsm": p.state.name(),
            "local": {
                "capabilities": {},
                "families": local_fams,
                "add-path": {},
                "address": local_ip.or(p.config.local_address).map(|a| a.to_string()),
                "as": asn(p.config.local_as),
                "id": local_ip.map(|l| p.router_id(l).to_string())
                    .or(p.config.router_id.map(|r| r.to_string())),
                "hold": p.config.hold_time,
            },
            "peer": {
                "capabilities": {},
                "families": peer_fams,
                "add-path": {},
                "address": p.address().to_string(),
                "as": neg.map(|n| json!(n.peer_as)).unwrap_or_else(|| asn(p.config.peer_as)),
                "id": neg.map(|n| json!(n.peer_id.to_string())).unwrap_or(Value::Null),
                "hold": session.and_then(|s| s.received_open()).map(|o| json!(o.hold_time)).unwrap_or(Value::Null),
            },
            "messages": {
                "sent": { "update": p.updates_sent },
                "received": { "update": p.updates_received },
            },
            "capabilities": [],
            "families": families,
            "add-path": {},
        })
    }

    /// `show adj-rib in|out` as ExaBGP writes it (reference §5.2, §4.7):
    /// text `<peer-ip> <afi> <safi> <nlri> next-hop <nh>` (extensive: the
    /// neighbor name and the attributes); JSON v1 one line per route with
    /// the routes listed so far for that neighbor (ExaBGP writes the growing
    /// document after every route), prefixes only.
    fn show_adj_rib(
        &self,
        direction: Direction,
        extensive: bool,
        json: bool,
        kind: command::RibFilter,
        filter: Option<&str>,
    ) -> Vec<String> {
        use crate::wire::family::{Afi, Safi};
        let wanted = |f: Family| match kind {
            command::RibFilter::All => true,
            command::RibFilter::Inet => {
                !matches!(
                    f.safi,
                    Safi::FLOW
                        | Safi::FLOW_VPN
                        | Safi::VPLS
                        | Safi::EVPN
                        | Safi::MUP
                        | Safi::MCAST_VPN
                ) && f.afi != Afi::BGP_LS
            }
            command::RibFilter::Flow => matches!(f.safi, Safi::FLOW | Safi::FLOW_VPN),
            command::RibFilter::L2vpn => f.afi == Afi::L2VPN,
        };
        let mut out = Vec::new();
        for p in &self.peers {
            let ip = p.address();
            let name = neighbor_name(&p.config);
            if filter.is_some_and(|f| !name.contains(&format!("neighbor {f}"))) {
                continue;
            }
            // (family, nlri, next hop, attributes)
            let routes: Vec<(Family, Nlri, Option<String>, Option<String>)> = match direction {
                Direction::Out => p
                    .rib
                    .routes()
                    .filter(|(f, _, _)| wanted(*f))
                    .map(|(f, n, a)| {
                        let nh = match a.next_hop {
                            NextHop::Ip(ip) => Some(ip.to_string()),
                            NextHop::SelfAddress => Some("self".to_string()),
                            NextHop::None => None,
                        };
                        let attrs = extensive.then(|| {
                            let mut t = String::new();
                            crate::api::text::push_attributes(
                                &mut t,
                                &a.attributes,
                                p.config.capability.aigp,
                            );
                            t
                        });
                        (f, n, nh, attrs)
                    })
                    .collect(),
                Direction::In => p
                    .adj_in
                    .routes()
                    .filter(|(f, _, _)| wanted(**f))
                    .map(|(f, n, r)| {
                        let attrs = extensive.then(|| {
                            let mut t = String::new();
                            crate::api::text::push_attributes(
                                &mut t,
                                &r.attributes,
                                p.config.capability.aigp,
                            );
                            t
                        });
                        (*f, n, r.next_hop.map(|i| i.to_string()), attrs)
                    })
                    .collect(),
            };
            if json {
                let mut listed = String::new();
                for (f, n, _, _) in &routes {
                    let Nlri::Prefix { prefix, .. } = n else {
                        continue;
                    };
                    if !listed.is_empty() {
                        listed.push_str(", ");
                    }
                    listed.push_str(&format!(
                        "{{\"prefix\": \"{prefix}\", \"family\": \"{f}\"}}"
                    ));
                    out.push(format!("{{\"{ip}\": {{\"routes\": [{listed}]}}}}"));
                }
                continue;
            }
            let who = if extensive {
                name.clone()
            } else {
                ip.to_string()
            };
            for (f, n, nh, attrs) in routes {
                let mut line = format!("{who} {f} {}", nlri_text(&n));
                if let Some(nh) = nh {
                    line.push_str(" next-hop ");
                    line.push_str(&nh);
                }
                if let Some(a) = attrs {
                    if !a.is_empty() {
                        if !a.starts_with(' ') {
                            line.push(' ');
                        }
                        line.push_str(&a);
                    }
                }
                out.push(line);
            }
        }
        out
    }
}

/// Python's `json.dumps` layout: `{"k": v, "k2": [1, 2]}`.
fn py_json(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(py_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), py_json(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// ExaBGP's neighbor name, which selectors and `show` filters search.
fn neighbor_name(c: &crate::config::NeighborConfig) -> String {
    use crate::config::AsnSetting;
    let asn = |a: AsnSetting| match a {
        AsnSetting::Asn(n) => n.to_string(),
        AsnSetting::Auto => "auto".into(),
    };
    let local = c
        .local_address
        .map(|a| a.to_string())
        .unwrap_or_else(|| "auto".into());
    let rid = c
        .router_id
        .map(|r| r.to_string())
        .unwrap_or_else(|| "auto".into());
    let families = if c.capability.multi_session {
        c.families
            .iter()
            .map(|f| f.to_string().replace(' ', "-"))
            .collect::<Vec<_>>()
            .join("/")
    } else {
        "in-open".into()
    };
    format!(
        "neighbor {} local-ip {local} local-as {} peer-as {} router-id {rid} family-allowed {families}",
        c.peer_address,
        asn(c.local_as),
        asn(c.peer_as)
    )
}

/// One route change on one peer's Adj-RIB-Out.
fn apply(
    p: &mut super::Peer,
    family: Family,
    nlri: Nlri,
    attrs: &Arc<RouteAttributes>,
    announce: bool,
) {
    if !p.config.families.contains(&family) {
        log::error!(
            "the route family ({family}) is not configured on neighbor {}",
            p.address()
        );
        return;
    }
    if announce {
        p.rib.announce_shared(family, nlri, attrs);
    } else if attrs.attributes.is_empty() {
        p.rib.withdraw(family, nlri);
    } else {
        // ExaBGP sends the attributes given with the withdrawal (visible
        // on MP_UNREACH UPDATEs, api-ipv4).
        p.rib.withdraw_shared(family, nlri, attrs);
    }
}

/// The NLRI part of a `show adj-rib` line (the JSON NLRI text without quotes;
/// the text encoder's own renderer is private to it).
fn nlri_text(n: &crate::wire::nlri::Nlri) -> String {
    let mut s = String::new();
    crate::api::json::write_nlri(&mut s, n, true);
    s.trim_matches('"').to_string()
}
