//! Deterministic simulation of oxbgp daemons over a faulty network.
//!
//! * [`rng`]: the seeded PRNG every random choice comes from;
//! * [`topology`]: random daemons, sessions and routes;
//! * [`net`]: the network, the virtual clock and the faults;
//! * [`observer`]: what a peer decodes from the bytes it receives;
//! * this module: scenarios and the checks the properties assert.
//!
//! A scenario is a pure function of its seed: replay a failure with
//! `OXBGP_SIM_SEED=<seed> OXBGP_SIM_KIND=<kind> cargo test -p oxbgp-core
//! --test simulation replay_seed -- --nocapture`.

#![allow(dead_code)]

pub mod net;
pub mod observer;
pub mod rng;
pub mod topology;

use net::{secs, Net};
use observer::RouteView;
use oxbgp_core::fsm::State;
use oxbgp_core::rib::encode::{finalize, Outbound};
use oxbgp_core::Instant;
use rng::Rng;
use std::fmt;

/// The scenario families, by the name `OXBGP_SIM_KIND` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Healthy,
    Faults,
    Chaos,
    Hold,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Healthy => "healthy",
            Kind::Faults => "faults",
            Kind::Chaos => "chaos",
            Kind::Hold => "hold",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Healthy, Kind::Faults, Kind::Chaos, Kind::Hold]
            .into_iter()
            .find(|k| k.name() == s)
    }
}

pub fn replay_command(kind: Kind, seed: u64) -> String {
    format!(
        "OXBGP_SIM_SEED={seed} OXBGP_SIM_KIND={} cargo test -p oxbgp-core --test simulation replay_seed -- --nocapture",
        kind.name()
    )
}

/// A seed quickcheck draws; its Debug form is the replay command so that a
/// failure report (panics included) says how to reproduce it. Not shrunk: a
/// smaller seed is an unrelated run.
#[derive(Clone, Copy)]
pub struct Seed(pub u64);

pub struct Seeded(pub Kind, pub u64);

impl fmt::Debug for Seeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} — replay: {}",
            self.1,
            replay_command(self.0, self.1)
        )
    }
}

/// What a scenario measured.
#[derive(Debug, Default)]
pub struct Stats {
    /// Virtual time from start (or from the end of the faults) to all
    /// sessions up, in milliseconds.
    pub converge_ms: u64,
    pub steps: u64,
    pub sessions: usize,
    pub routes: usize,
}

pub const START: Instant = Instant(1_000_000_000_000);

/// Run one scenario. Err carries the failure with the replay command.
pub fn run(kind: Kind, seed: u64, trace: bool) -> (Result<Stats, String>, Net) {
    let mut rng = Rng::new(seed);
    let mut topo = topology::generate(&mut rng);
    if kind == Kind::Hold {
        // Nothing but the silence may end the session under test.
        for n in &mut topo.nodes {
            for (_, script) in &mut n.scripts {
                script.retain(|(_, l)| !l.contains("teardown"));
            }
        }
    }
    let mut net = Net::new(&topo, rng.fork(), START, trace);
    let r = match kind {
        Kind::Healthy => healthy(&mut net, &topo),
        Kind::Faults => faults(&mut net, &topo, &mut rng),
        Kind::Chaos => chaos(&mut net, &mut rng),
        Kind::Hold => hold(&mut net, &topo, &mut rng),
    };
    let r = r.and_then(|s| {
        if net.errors.is_empty() {
            Ok(s)
        } else {
            Err(net.errors.join("\n"))
        }
    });
    let r = r.map_err(|e| {
        format!(
            "{e}\n  topology: {} nodes, edges {:?}\n  replay: {}",
            topo.nodes.len(),
            topo.edges,
            replay_command(kind, seed)
        )
    });
    (r, net)
}

/// Run the healthy scenario on a hand-written topology (directed tests).
pub fn run_healthy(
    topo: &topology::Topology,
    seed: u64,
    trace: bool,
) -> (Result<Stats, String>, Net) {
    let mut net = Net::new(topo, Rng::new(seed), START, trace);
    let r = healthy(&mut net, topo).and_then(|s| {
        if net.errors.is_empty() {
            Ok(s)
        } else {
            Err(net.errors.join("\n"))
        }
    });
    (r, net)
}

/// The session of node `me` toward node `peer`: (peer index in the speaker).
fn peer_index(net: &Net, me: usize, peer: usize) -> Option<usize> {
    let ip = net.nodes[peer].ip;
    net.nodes[me]
        .sp
        .peers()
        .iter()
        .position(|p| p.address() == ip)
}

fn established(net: &Net, me: usize, peer: usize) -> bool {
    peer_index(net, me, peer).is_some_and(|i| {
        let p = &net.nodes[me].sp.peers()[i];
        p.state() == State::Established
            && p.session().is_some_and(|s| s.state() == State::Established)
    })
}

pub fn all_established(net: &Net, edges: &[(usize, usize)]) -> bool {
    edges.iter().all(|&(a, b)| {
        net.nodes[a].up && net.nodes[b].up && established(net, a, b) && established(net, b, a)
    })
}

fn states(net: &Net, edges: &[(usize, usize)]) -> String {
    let mut s = String::new();
    for &(a, b) in edges {
        for (x, y) in [(a, b), (b, a)] {
            let st = peer_index(net, x, y).map(|i| {
                let p = &net.nodes[x].sp.peers()[i];
                (p.state(), p.session().map(|s| s.conn), p.is_stopped())
            });
            s += &format!("\n    node {x} -> node {y}: {st:?}");
        }
    }
    s
}

/// What node `from` should have made node `to` hold: its Adj-RIB-Out for
/// that peer, in the negotiated families, with the attributes ExaBGP sends.
pub fn expected_view(net: &Net, from: usize, to: usize) -> Result<RouteView, String> {
    let i = peer_index(net, from, to).ok_or("no such neighbor")?;
    let p = &net.nodes[from].sp.peers()[i];
    let s = p.session().ok_or("no session")?;
    let n = s.negotiated().ok_or("not negotiated")?;
    let local = s.local.ip();
    let out = Outbound {
        negotiated: n,
        local_address: local,
        router_id: p.router_id(local),
    };
    let mut v = RouteView::new();
    for (family, nlri, attrs) in p.rib.routes() {
        if !n.families.contains(&family) {
            continue;
        }
        if let Ok((a, nh)) = finalize(attrs, family, &out) {
            v.insert((family, nlri), (nh, a));
        }
    }
    Ok(v)
}

/// What node `to` decoded from node `from` on their current connection,
/// after checking both ends are the same TCP connection.
pub fn received_view(net: &Net, from: usize, to: usize) -> Result<&RouteView, String> {
    let conn_of = |me: usize, peer: usize| {
        peer_index(net, me, peer)
            .and_then(|i| net.nodes[me].sp.peers()[i].session().map(|s| s.conn))
    };
    let mine = conn_of(to, from).ok_or("receiver has no session")?;
    let theirs = conn_of(from, to).ok_or("sender has no session")?;
    let link = net
        .link_of(to, mine)
        .map(|l| &net.links[l])
        .ok_or("receiver's connection unknown to the network")?;
    let e = if link.ends[0] == (to, mine) { 0 } else { 1 };
    if link.ends[1 - e] != (from, theirs) {
        return Err(format!(
            "both established but on different connections: node {to} on {mine:?} \
             (linked to {:?}), node {from} on {theirs:?}",
            link.ends[1 - e]
        ));
    }
    if !link.alive[0] || !link.alive[1] {
        return Err("established over a closed connection".into());
    }
    Ok(&link.rx[e].view)
}

/// Every session: the receiver holds exactly the sender's Adj-RIB-Out.
pub fn check_views(net: &Net, edges: &[(usize, usize)]) -> Result<usize, String> {
    let mut total = 0;
    for &(a, b) in edges {
        for (from, to) in [(a, b), (b, a)] {
            let want = expected_view(net, from, to).map_err(|e| format!("{from}->{to}: {e}"))?;
            let got = received_view(net, from, to).map_err(|e| format!("{from}->{to}: {e}"))?;
            if &want != got {
                let (w, g) = (observer::show(&want), observer::show(got));
                let missing: Vec<_> = w.iter().filter(|x| !g.contains(x)).collect();
                let extra: Vec<_> = g.iter().filter(|x| !w.contains(x)).collect();
                return Err(format!(
                    "routes node {from} -> node {to} differ:\n  missing (in Adj-RIB-Out, not received): {missing:#?}\n  \
                     stale (received, not in Adj-RIB-Out): {extra:#?}"
                ));
            }
            // The receiver's own Adj-RIB-In agrees.
            let i = peer_index(net, to, from).expect("established");
            let adj_in: RouteView = net.nodes[to].sp.peers()[i]
                .adj_in
                .routes()
                .map(|(f, n, r)| ((*f, n.clone()), (r.next_hop, (*r.attributes).clone())))
                .collect();
            if net.nodes[to].sp.peers()[i].config.adj_rib_in && adj_in != want {
                let (w, g) = (observer::show(&want), observer::show(&adj_in));
                let missing: Vec<_> = w.iter().filter(|x| !g.contains(x)).collect();
                let extra: Vec<_> = g.iter().filter(|x| !w.contains(x)).collect();
                return Err(format!(
                    "Adj-RIB-In of node {to} for node {from} differs from what was sent:\n  \
                     missing: {missing:#?}\n  extra: {extra:#?}"
                ));
            }
            total += want.len();
        }
    }
    Ok(total)
}

/// Healthy network: every session up within two minutes of virtual time,
/// and the routes arrive intact.
pub fn healthy(net: &mut Net, topo: &topology::Topology) -> Result<Stats, String> {
    let bound = START + secs(120);
    net.run_while(bound, |n| !(n.quiet() && all_established(n, &topo.edges)));
    if !all_established(net, &topo.edges) {
        return Err(format!(
            "healthy network: not every session established after 120 s{}",
            states(net, &topo.edges)
        ));
    }
    let converge_ms = (net.now - START).as_millis() as u64;
    net.flush_wire(100_000);
    let routes = check_views(net, &topo.edges)?;
    Ok(Stats {
        converge_ms,
        steps: net.steps,
        sessions: topo.edges.len(),
        routes,
    })
}

/// Faults for a while, then a healthy period: every session comes back and
/// every receiver holds exactly the sender's Adj-RIB-Out.
fn faults(net: &mut Net, topo: &topology::Topology, rng: &mut Rng) -> Result<Stats, String> {
    let end = START + secs(rng.range(5, 300));
    net.random_faults(START, end, 12);
    net.run_until(end);
    // Clock jumps may have carried the clock past `end`.
    let end = end.max(net.now);
    // Long enough for crashed daemons to come back (20 s), the backoff to
    // reach its 60 s ceiling twice, and an OPEN wait (60 s) on the way.
    let settle = end + secs(600);
    // Up and quiet, and still so 10 s later (a segment delayed by a latency
    // spike of the fault period may still expire a short hold timer).
    loop {
        net.run_while(settle, |n| !(n.quiet() && all_established(n, &topo.edges)));
        if net.now >= settle || !net.errors.is_empty() || !all_established(net, &topo.edges) {
            break;
        }
        net.run_until(net.now + secs(10));
        if net.quiet() && all_established(net, &topo.edges) {
            break;
        }
    }
    if !net.errors.is_empty() {
        return Err(net.errors.join("\n"));
    }
    if !all_established(net, &topo.edges) {
        return Err(format!(
            "sessions not re-established 600 s after the faults ended{}",
            states(net, &topo.edges)
        ));
    }
    let converge_ms = (net.now - end).as_millis() as u64;
    net.flush_wire(100_000);
    let routes = check_views(net, &topo.edges)?;
    Ok(Stats {
        converge_ms,
        steps: net.steps,
        sessions: topo.edges.len(),
        routes,
    })
}

/// Faults all along: nothing to converge to, only "no panic, no broken
/// invariant" (framing, decodable messages, no busy loop).
fn chaos(net: &mut Net, rng: &mut Rng) -> Result<Stats, String> {
    let end = START + secs(rng.range(10, 900));
    net.random_faults(START, end, 40);
    net.run_until(end);
    Ok(Stats {
        steps: net.steps,
        ..Stats::default()
    })
}

/// Hold timer: once established, one direction of the first session goes
/// silent; the side that hears nothing sends NOTIFICATION 4/0 exactly one
/// hold time after the last message it received (RFC 4271 §6.5).
fn hold(net: &mut Net, topo: &topology::Topology, rng: &mut Rng) -> Result<Stats, String> {
    let (a, b) = topo.edges[0];
    let bound = START + secs(120);
    net.run_while(bound, |n| !(established(n, a, b) && established(n, b, a)));
    if !(established(net, a, b) && established(net, b, a)) {
        return Err(format!(
            "session {a}-{b} not established{}",
            states(net, &topo.edges)
        ));
    }
    // Let it run a little so keepalives flow, then cut b -> a.
    let until = net.now + net::millis(rng.range(0, 20_000));
    net.run_until(until);
    if !(established(net, a, b) && established(net, b, a)) {
        return Err(format!(
            "session {a}-{b} went down on a healthy network{}",
            states(net, &topo.edges)
        ));
    }
    let i = peer_index(net, a, b).expect("configured");
    let p = &net.nodes[a].sp.peers()[i];
    let s = p.session().expect("established");
    let conn = s.conn;
    let hold = s.negotiated().expect("established").hold_time;
    let l = net.link_of(a, conn).ok_or("session link unknown")?;
    let e = if net.links[l].ends[0] == (a, conn) {
        0
    } else {
        1
    };
    net.links[l].blackhole[e] = true;
    let silent_from = net.now;
    let sent_before = net.notifications.len();
    let bound = silent_from + secs(hold as u64 + 60);
    let mine = |n: &net::SentNotification| n.node == a && n.conn == conn;
    net.run_while(bound, |n| !n.notifications[sent_before..].iter().any(mine));
    let sent: Vec<_> = net.notifications[sent_before..]
        .iter()
        .filter(|n| mine(n))
        .cloned()
        .collect();
    if hold == 0 {
        // No hold timer negotiated: nothing may expire.
        if !sent.is_empty() {
            return Err(format!("hold time 0, yet NOTIFICATIONs sent: {sent:?}"));
        }
        return Ok(Stats::default());
    }
    let last = net.links[l].rx[e]
        .last_message_at
        .ok_or("no message ever received")?;
    let want = last + secs(hold as u64);
    match sent.first() {
        Some(n)
            if n.node == a && n.conn == conn && (n.code, n.subcode) == (4, 0) && n.at == want =>
        {
            Ok(Stats {
                converge_ms: (n.at - silent_from).as_millis() as u64,
                steps: net.steps,
                sessions: 1,
                routes: 0,
            })
        }
        other => Err(format!(
            "hold time {hold}: expected NOTIFICATION 4/0 from node {a} on {conn:?} at {} ns \
             (last message received at {} ns), got {other:?}",
            want.as_nanos(),
            last.as_nanos()
        )),
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seed({}) (OXBGP_SIM_SEED={})", self.0, self.0)
    }
}
