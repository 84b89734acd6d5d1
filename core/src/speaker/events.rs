//! Which processes hear about a neighbor, and what they are told (reference
//! §1.6, §4, §5).
//!
//! A neighbor's `api { }` blocks are merged per process: a process listed in
//! `processes [ ... ]` gets the events its flags select *and* may address the
//! neighbor; a process matched by `processes-match [ ... ]` may only address it
//! (ExaBGP 5.0 records no event flags for those).

use super::pattern::Pattern;
use super::process::{DaemonIdentity, Processes};
use crate::api::json::{self, Direction, Envelope, Neighbor, Raw};
use crate::api::text;
use crate::config::{AsnSetting, Encoder, MessageFlags, NeighborConfig};
use crate::io::ProcId;
use crate::time::Instant;
use crate::wire::notification::Notification;
use crate::wire::update::Update;
use crate::wire::Message;
use std::net::IpAddr;

/// The merged event flags of one process for one neighbor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub process: ProcId,
    pub neighbor_changes: bool,
    pub fsm: bool,
    pub negotiated: bool,
    pub signal: bool,
    pub receive: MessageFlags,
    pub send: MessageFlags,
}

fn or_flags(a: &mut MessageFlags, b: &MessageFlags) {
    a.parsed |= b.parsed;
    a.packets |= b.packets;
    a.consolidate |= b.consolidate;
    a.open |= b.open;
    a.update |= b.update;
    a.notification |= b.notification;
    a.keepalive |= b.keepalive;
    a.refresh |= b.refresh;
    a.operational |= b.operational;
}

/// Subscriptions and command rights of neighbor `n` given the running processes.
pub fn links(n: &NeighborConfig, procs: &Processes) -> (Vec<Subscription>, Vec<ProcId>) {
    let mut subs: Vec<Subscription> = Vec::new();
    let mut permitted: Vec<ProcId> = Vec::new();
    for api in &n.api {
        for name in &api.processes {
            let Some(id) = procs.id_of(name) else {
                continue;
            };
            if !permitted.contains(&id) {
                permitted.push(id);
            }
            let s = match subs.iter_mut().position(|s| s.process == id) {
                Some(i) => &mut subs[i],
                None => {
                    subs.push(Subscription {
                        process: id,
                        neighbor_changes: false,
                        fsm: false,
                        negotiated: false,
                        signal: false,
                        receive: MessageFlags::default(),
                        send: MessageFlags::default(),
                    });
                    let last = subs.len() - 1;
                    &mut subs[last]
                }
            };
            s.neighbor_changes |= api.neighbor_changes;
            s.fsm |= api.fsm;
            s.negotiated |= api.negotiated;
            s.signal |= api.signal;
            or_flags(&mut s.receive, &api.receive);
            or_flags(&mut s.send, &api.send);
        }
        for re in &api.processes_match {
            let pattern = match Pattern::compile(re) {
                Ok(p) => p,
                Err(e) => {
                    log::warn!("neighbor {}: processes-match: {}", n.peer_address, e.0);
                    continue;
                }
            };
            for id in procs.ids() {
                let Some(p) = procs.get(id) else { continue };
                if !p.retired && pattern.matches(&p.name) && !permitted.contains(&id) {
                    permitted.push(id);
                }
            }
        }
    }
    (subs, permitted)
}

/// What to tell processes about.
#[derive(Clone, Copy, Debug)]
pub enum EventKind<'a> {
    Connected,
    Up,
    Down(&'a str),
    Update(Direction, &'a Update),
    Notification(Direction, &'a Notification),
    /// Another message as sent or received (api `send { }` / `receive { }`
    /// with `open`, `keepalive`, `update`, `notification`, `refresh`), with
    /// its raw header and body for `packets` / `consolidate`.
    Message(Direction, &'a Message, Raw<'a>),
    /// An FSM transition (api `fsm`; JSON only, like ExaBGP).
    Fsm(&'a str),
    /// The negotiated session parameters (api `negotiated`; JSON only).
    Negotiated(&'a json::NegotiatedView<'a>),
    /// A signal the daemon handled (api `signal`; JSON only): code, name.
    Signal(&'a str, &'a str),
}

/// The session facts the JSON `neighbor` object shows.
pub struct NeighborView {
    pub nb: Neighbor,
    pub aigp: bool,
}

pub fn neighbor_view(
    c: &NeighborConfig,
    local: Option<IpAddr>,
    router_id: std::net::Ipv4Addr,
    peer_as: Option<u32>,
) -> NeighborView {
    let asn = |a: AsnSetting| match a {
        AsnSetting::Asn(n) => Some(n),
        AsnSetting::Auto => None,
    };
    let local_address = local.or(c.local_address).unwrap_or(match c.peer_address {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
    });
    NeighborView {
        nb: Neighbor {
            local_address,
            peer_address: c.peer_address,
            local_as: asn(c.local_as).unwrap_or(0),
            peer_as: peer_as.or(asn(c.peer_as)),
            router_id: Some(router_id),
            direction: Direction::Receive,
        },
        aigp: c.capability.aigp,
    }
}

/// Does `s` select this event?
pub fn selects(s: &Subscription, ev: &EventKind<'_>) -> bool {
    let wants = |f: &MessageFlags, kind: bool| kind && (f.parsed || f.consolidate);
    match ev {
        EventKind::Connected | EventKind::Up | EventKind::Down(_) => s.neighbor_changes,
        EventKind::Update(Direction::Send, _) => wants(&s.send, s.send.update),
        EventKind::Update(_, _) => wants(&s.receive, s.receive.update),
        // ExaBGP's neighbor-changes also delivers the NOTIFICATION events.
        EventKind::Notification(Direction::Send, _) => {
            wants(&s.send, s.send.notification) || s.neighbor_changes
        }
        EventKind::Notification(_, _) => {
            wants(&s.receive, s.receive.notification) || s.neighbor_changes
        }
        EventKind::Fsm(_) => s.fsm,
        EventKind::Negotiated(_) => s.negotiated,
        EventKind::Signal(..) => s.signal,
        EventKind::Message(d, m, _) => {
            let f = if *d == Direction::Send {
                &s.send
            } else {
                &s.receive
            };
            let kind = match m {
                Message::Open(_) => f.open,
                Message::Keepalive => f.keepalive,
                Message::Update(_) => f.update,
                Message::Notification(_) => f.notification,
                Message::RouteRefresh(_) => f.refresh,
                _ => f.operational,
            };
            kind && (f.parsed || f.consolidate || f.packets)
        }
    }
}

/// Whether any subscription wants message events in direction `d`.
pub fn wants_messages(subs: &[Subscription], d: Direction) -> bool {
    subs.iter().any(|s| {
        let f = if d == Direction::Send {
            &s.send
        } else {
            &s.receive
        };
        (f.parsed || f.consolidate || f.packets)
            && (f.open || f.keepalive || f.update || f.notification || f.refresh)
    })
}

/// The raw part to show: with `packets` (alone or with `consolidate`).
fn raw_for<'a>(s: &Subscription, d: Direction, raw: Raw<'a>) -> Option<Raw<'a>> {
    let f = if d == Direction::Send {
        &s.send
    } else {
        &s.receive
    };
    f.packets.then_some(raw)
}

/// Render `ev` for a process using `encoder`. `counter` is the neighbor's
/// shared JSON counter (incremented here for JSON renderings).
#[allow(clippy::too_many_arguments)]
pub fn render(
    encoder: Encoder,
    sub: &Subscription,
    ev: &EventKind<'_>,
    view: &NeighborView,
    id: &DaemonIdentity,
    now: Instant,
    counter: &mut u64,
    compact: bool,
) -> String {
    let peer = view.nb.peer_address;
    match encoder {
        Encoder::Text => {
            // Text events end with a newline and the writer adds one more
            // (reference §5: an empty line follows every event).
            let mut s = match ev {
                EventKind::Connected => text::connected(peer),
                EventKind::Up => text::up(peer),
                EventKind::Down(r) => text::down(peer, r),
                EventKind::Update(d, u) => text::update(peer, *d, u, view.aigp, None),
                EventKind::Notification(d, n) => {
                    let data = notification_shown(*d, n);
                    text::notification(peer, *d, n, &data, None)
                }
                EventKind::Message(d, m, raw) => {
                    let raw = raw_for(sub, *d, *raw);
                    match m {
                        Message::Open(o) => text::open(peer, *d, o, raw),
                        Message::Keepalive => text::keepalive(peer, *d, raw),
                        Message::Update(u) => text::update(peer, *d, u, view.aigp, raw),
                        Message::Notification(n) => {
                            let data = notification_shown(*d, n);
                            text::notification(peer, *d, n, &data, raw)
                        }
                        Message::RouteRefresh(r) => text::refresh(peer, *d, r, raw),
                        _ => return String::new(),
                    }
                }
                // Not emitted by ExaBGP's text encoder (reference §5.1).
                EventKind::Fsm(_) | EventKind::Negotiated(_) | EventKind::Signal(..) => {
                    return String::new()
                }
            };
            s.push('\n');
            s
        }
        Encoder::Json => {
            *counter += 1;
            let env = Envelope {
                time: id.wall_time(now),
                host: &id.host,
                pid: id.pid,
                ppid: id.ppid,
                counter: *counter,
            };
            let mut nb = view.nb;
            let mut s = match ev {
                EventKind::Connected => json::state(&env, &nb, json::State::Connected),
                EventKind::Up => json::state(&env, &nb, json::State::Up),
                EventKind::Down(r) => json::state(&env, &nb, json::State::Down(r)),
                EventKind::Update(d, u) => {
                    nb.direction = *d;
                    let opts = json::UpdateOptions {
                        compact,
                        aigp: view.aigp,
                        ..json::UpdateOptions::default()
                    };
                    json::update(&env, &nb, u, &opts)
                }
                EventKind::Notification(d, n) => {
                    nb.direction = *d;
                    let data = notification_shown(*d, n);
                    json::notification(&env, &nb, n, &data, None)
                }
                EventKind::Message(d, m, raw) => {
                    nb.direction = *d;
                    let raw = raw_for(sub, *d, *raw);
                    match m {
                        Message::Open(o) => {
                            let style = if *d == Direction::Send {
                                json::OpenStyle::Sent
                            } else {
                                json::OpenStyle::Received
                            };
                            json::open(&env, &nb, o, style, raw)
                        }
                        Message::Keepalive => json::keepalive(&env, &nb, raw),
                        Message::Update(u) => {
                            let opts = json::UpdateOptions {
                                compact,
                                aigp: view.aigp,
                                raw,
                                ..json::UpdateOptions::default()
                            };
                            json::update(&env, &nb, u, &opts)
                        }
                        Message::Notification(n) => {
                            let data = notification_shown(*d, n);
                            json::notification(&env, &nb, n, &data, raw)
                        }
                        Message::RouteRefresh(r) => json::refresh(&env, &nb, r, raw),
                        _ => return String::new(),
                    }
                }
                EventKind::Fsm(name) => json::state(&env, &nb, json::State::Fsm(name)),
                EventKind::Negotiated(n) => json::negotiated(&env, &nb, n),
                EventKind::Signal(code, name) => json::signal(&env, &nb, code, name),
            };
            while s.ends_with('\n') {
                s.pop();
            }
            s.push('\n');
            s
        }
    }
}

fn notification_shown(d: Direction, n: &Notification) -> Vec<u8> {
    match d {
        Direction::Send => n.data.to_vec(),
        _ => json::notification_data(n),
    }
}
