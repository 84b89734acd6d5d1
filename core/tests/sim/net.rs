//! The simulated network: N speakers, TCP connections as pairs of in-order
//! byte queues with latency, a virtual clock, and the faults a seeded PRNG
//! injects. No runtime, no sockets, no threads: the loop delivers the earliest
//! pending input, or applies the next fault, or ticks the speakers whose
//! deadline has come, advancing the clock to that instant (quinn-proto's
//! `Pair`, str0m's `progress`).

use super::observer::{self, Receiver};
use super::rng::Rng;
use super::topology::{NodeSpec, Topology};
use oxbgp_core::config::Config;
use oxbgp_core::io::{ConnId, Control, Event, Input, Output, ProcId, ProcessSignal};
use oxbgp_core::wire::CodecContext;
use oxbgp_core::{Instant, Settings, Speaker};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
/// Outputs drained after one input before we call it a runaway.
const MAX_OUTPUTS_PER_INPUT: usize = 100_000;
/// Ticks at one instant without the clock moving before we call it a busy loop.
const MAX_TICKS_AT_ONE_INSTANT: u32 = 1000;

pub struct Node {
    pub ip: IpAddr,
    pub config: Config,
    pub settings: Settings,
    pub sp: Speaker,
    pub deadline: Instant,
    pub listeners: Vec<SocketAddr>,
    pub exit: Option<i32>,
    /// False while the daemon is crashed (between a crash and its respawn).
    pub up: bool,
    /// Bumped at every restart: inputs queued for an older daemon are lost.
    pub incarnation: u32,
    pub events: Vec<(Instant, Event)>,
    /// A Stop fault is under way: its Exit is expected, and the daemon is
    /// started again this many milliseconds after it.
    pub stopping: Option<u64>,
    pub scripts: Vec<(String, super::topology::Script)>,
    /// Simulated API processes of the current daemon, by id.
    pub procs: HashMap<ProcId, Proc>,
}

/// A simulated API process: it replays its script from its start, and
/// checks that every command it wrote is acknowledged `done`.
#[derive(Default)]
pub struct Proc {
    /// Bumped when it dies: lines a dead process would have written are lost.
    pub generation: u32,
    pub running: bool,
    /// Commands written and not acknowledged yet.
    pub unacked: std::collections::VecDeque<String>,
    /// Partial line of what the daemon wrote to its stdin.
    pub stdin: Vec<u8>,
    pub lines_read: usize,
}

/// One TCP connection; index 0 is the connecting end, 1 the accepting end.
pub struct Link {
    pub ends: [(usize, ConnId); 2],
    /// The end's daemon still owns its socket (no Closed queued for it yet).
    pub alive: [bool; 2],
    /// Bytes travelling toward this end are still delivered.
    pub rx_ok: [bool; 2],
    /// Bytes toward this end silently vanish (a one-way black hole).
    pub blackhole: [bool; 2],
    /// Latest scheduled delivery toward this end: TCP keeps order.
    pub last: [Instant; 2],
    /// The receiving side's decoder and route view, per end.
    pub rx: [Receiver; 2],
}

#[derive(Clone, Debug)]
pub enum Fault {
    /// Both ends of a random live connection get `Closed`, bytes in flight lost.
    Reset,
    /// One direction of a random connection drops everything from now on.
    Blackhole,
    /// A daemon dies and is replaced at once by a fresh one from its config.
    Restart,
    /// A daemon dies and comes back after this many milliseconds.
    Crash(u64),
    /// The clock leaps forward (suspend/resume, NTP step on a bad runtime).
    ClockJump(u64),
    /// Someone else connects to the daemon: from an unknown address, or from
    /// a configured peer's address (a second connection), sends a few random
    /// bytes and hangs up after a while.
    Stray { from_peer: bool },
    /// Orderly stop (SIGTERM: Cease to the peers, processes stopped, exit 0),
    /// started again by its supervisor after this many milliseconds.
    Stop(u64),
    /// A random API process of the daemon exits with status 1.
    ProcessCrash,
    /// The daemon's configured routes change and it gets SIGUSR1.
    Reload,
    /// Same with SIGALRM: every session re-established.
    RestartAll,
}

enum Action {
    Fault(usize, Fault),
    Revive(usize),
    /// Probabilistic faults (connect failures, latency spikes) on or off.
    Chaos(bool),
    /// Every black-holed connection is reset (the network heals).
    Heal,
    /// A stray connection's far end hangs up.
    StrayHangup(usize, ConnId),
    /// A SYN reaches the remote address: a listener there accepts it or not.
    Syn {
        node: usize,
        incarnation: u32,
        conn: ConnId,
        remote: SocketAddr,
        local: Option<IpAddr>,
    },
}

struct Pending {
    node: usize,
    incarnation: u32,
    input: Input,
    /// (link, end) the input belongs to.
    link: Option<(usize, usize)>,
    /// (process, generation) a process input belongs to.
    process: Option<(ProcId, u32)>,
}

/// A NOTIFICATION a daemon transmitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentNotification {
    pub at: Instant,
    pub node: usize,
    pub conn: ConnId,
    pub code: u8,
    pub subcode: u8,
}

pub struct Net {
    pub now: Instant,
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    by_end: HashMap<(usize, ConnId), usize>,
    /// Stray incoming connections (no daemon at the far end): still open?
    strays: HashMap<(usize, ConnId), bool>,
    /// Outgoing connections closed by their daemon before the SYN landed.
    cancelled: std::collections::HashSet<(usize, u32, ConnId)>,
    queue: BTreeMap<(Instant, u64), Pending>,
    actions: BTreeMap<(Instant, u64), Action>,
    seq: u64,
    pub rng: Rng,
    chaos: bool,
    next_incoming: u64,
    next_port: u16,
    /// Every input and output with its time, when tracing.
    pub trace: Option<String>,
    /// Invariant violations seen by the harness (not panics).
    pub errors: Vec<String>,
    pub notifications: Vec<SentNotification>,
    pub steps: u64,
    ticks_here: u32,
    /// Last FSM state each daemon reported per peer.
    fsm: HashMap<(usize, u32, IpAddr), String>,
    /// Whether each daemon reported each session up.
    up_sessions: HashMap<(usize, u32, IpAddr), bool>,
    /// Daemons that exited during the current input: (node, restart after ms).
    exits_pending: Vec<(usize, u64)>,
}

impl Net {
    pub fn new(topo: &Topology, rng: Rng, start: Instant, trace: bool) -> Net {
        let mut net = Net {
            now: start,
            nodes: Vec::new(),
            links: Vec::new(),
            by_end: HashMap::new(),
            cancelled: Default::default(),
            strays: HashMap::new(),
            queue: BTreeMap::new(),
            actions: BTreeMap::new(),
            seq: 0,
            rng,
            chaos: false,
            next_incoming: ConnId::INCOMING_BASE,
            next_port: 40000,
            trace: trace.then(String::new),
            errors: Vec::new(),
            notifications: Vec::new(),
            steps: 0,
            ticks_here: 0,
            exits_pending: Vec::new(),
            fsm: HashMap::new(),
            up_sessions: HashMap::new(),
        };
        for (
            i,
            NodeSpec {
                ip,
                config,
                settings,
                scripts,
            },
        ) in topo.nodes.iter().enumerate()
        {
            let sp = Speaker::new(config.clone(), settings.clone(), start);
            net.nodes.push(Node {
                ip: *ip,
                config: config.clone(),
                settings: settings.clone(),
                sp,
                deadline: Instant::NEVER,
                listeners: Vec::new(),
                exit: None,
                up: true,
                incarnation: 0,
                events: Vec::new(),
                scripts: scripts.clone(),
                procs: HashMap::new(),
                stopping: None,
            });
            net.log(|t| {
                for n in &config.neighbors {
                    let _ = writeln!(
                        t,
                        "config node {i} neighbor {} as {:?}->{:?} passive {} hold {} families {:?}",
                        n.peer_address, n.local_as, n.peer_as, n.passive, n.hold_time, n.families
                    );
                    for r in &n.routes {
                        let _ = writeln!(
                            t,
                            "config node {i}   route {:?} {:?} {:?} {:?}",
                            r.family, r.nlri, r.next_hop, r.attributes
                        );
                    }
                }
            });
            net.drain(i);
        }
        net
    }

    fn seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn log(&mut self, f: impl FnOnce(&mut String)) {
        if let Some(t) = self.trace.as_mut() {
            f(t);
        }
    }

    pub fn error(&mut self, e: String) {
        let now = self.now;
        self.log(|t| {
            let _ = writeln!(t, "{:>16} ERROR {e}", now.as_nanos());
        });
        self.errors.push(format!("at {}ns: {e}", now.as_nanos()));
    }

    // ---- scheduling -------------------------------------------------------

    pub fn schedule_fault(&mut self, at: Instant, node: usize, f: Fault) {
        let s = self.seq();
        self.actions.insert((at, s), Action::Fault(node, f));
    }

    /// Faults drawn by probability (connect failures, latency spikes, tiny
    /// segments) run between `from` and `to`; black holes are healed at `to`.
    pub fn chaos_window(&mut self, from: Instant, to: Instant) {
        let s = self.seq();
        self.actions.insert((from, s), Action::Chaos(true));
        let s = self.seq();
        self.actions.insert((to, s), Action::Chaos(false));
        let s = self.seq();
        self.actions.insert((to, s), Action::Heal);
    }

    fn push(&mut self, at: Instant, node: usize, input: Input, link: Option<(usize, usize)>) {
        let s = self.seq();
        let incarnation = self.nodes[node].incarnation;
        self.queue.insert(
            (at, s),
            Pending {
                node,
                incarnation,
                input,
                link,
                process: None,
            },
        );
    }

    fn push_process(&mut self, at: Instant, node: usize, process: ProcId, input: Input) {
        let s = self.seq();
        let incarnation = self.nodes[node].incarnation;
        let generation = self.nodes[node]
            .procs
            .get(&process)
            .map_or(0, |p| p.generation);
        self.queue.insert(
            (at, s),
            Pending {
                node,
                incarnation,
                input,
                link: None,
                process: Some((process, generation)),
            },
        );
    }

    /// One-way latency of a segment.
    fn latency(&mut self) -> Duration {
        if self.chaos && self.rng.chance(1, 40) {
            Duration::from_millis(self.rng.range(100, 3000))
        } else {
            Duration::from_micros(self.rng.range(50, 5000))
        }
    }

    /// Queue `input` toward end `e` of link `l`, after everything already
    /// travelling that way.
    fn push_on_link(&mut self, l: usize, e: usize, input: Input) {
        let lat = self.latency();
        let at = (self.now + lat).max(self.links[l].last[e]);
        self.links[l].last[e] = at;
        let node = self.links[l].ends[e].0;
        self.push(at, node, input, Some((l, e)));
    }

    // ---- the loop ---------------------------------------------------------

    /// Run until nothing is left to do before `horizon` (the clock then stays
    /// at the last event, at most `horizon`).
    pub fn run_until(&mut self, horizon: Instant) {
        self.run_while(horizon, |_| true);
    }

    /// Run while `go` holds, until `horizon`.
    pub fn run_while(&mut self, horizon: Instant, go: impl Fn(&Net) -> bool) {
        while go(self) && self.errors.is_empty() {
            if !self.step(horizon) {
                return;
            }
        }
    }

    /// One event: a delivery, an action or the ticks due. False when the
    /// next event is after `horizon`.
    pub fn step(&mut self, horizon: Instant) -> bool {
        self.steps += 1;
        let next_delivery = self.queue.keys().next().map(|k| k.0);
        let next_action = self.actions.keys().next().map(|k| k.0);
        let next_tick = self
            .nodes
            .iter()
            .filter(|n| n.up && n.exit.is_none())
            .map(|n| n.deadline)
            .min()
            .unwrap_or(Instant::NEVER);
        let next = [next_delivery, next_action, Some(next_tick)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Instant::NEVER);
        if next > horizon {
            return false;
        }
        if next > self.now {
            self.now = next;
            self.ticks_here = 0;
        }
        if next_delivery == Some(next) {
            let (_, p) = self.queue.pop_first().expect("a delivery");
            self.deliver(p);
        } else if next_action == Some(next) {
            let (_, a) = self.actions.pop_first().expect("an action");
            self.act(a);
        } else {
            self.ticks_here += 1;
            if self.ticks_here > MAX_TICKS_AT_ONE_INSTANT {
                let stuck: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].up && self.nodes[i].deadline <= self.now)
                    .collect();
                self.error(format!(
                    "busy loop: nodes {stuck:?} keep asking for a tick at {} after being ticked",
                    self.now.as_nanos()
                ));
                return false;
            }
            for i in 0..self.nodes.len() {
                let n = &self.nodes[i];
                if n.up && n.exit.is_none() && n.deadline <= self.now {
                    self.input(i, Input::Tick);
                }
            }
        }
        true
    }

    /// Deliver everything in flight without ticking (the clock follows the
    /// deliveries), so that a check sees no byte on the wire.
    pub fn flush_wire(&mut self, max_steps: u32) {
        for _ in 0..max_steps {
            let Some((k, p)) = self.queue.pop_first() else {
                return;
            };
            self.now = self.now.max(k.0);
            self.deliver(p);
        }
    }

    fn deliver(&mut self, p: Pending) {
        let n = &self.nodes[p.node];
        if !n.up || n.incarnation != p.incarnation || n.exit.is_some() {
            return;
        }
        if let Some((id, generation)) = p.process {
            let Some(proc) = self.nodes[p.node].procs.get_mut(&id) else {
                return;
            };
            if proc.generation != generation {
                return;
            }
            match &p.input {
                Input::ProcessLine { line, .. } => {
                    if !proc.running {
                        return;
                    }
                    proc.unacked.push_back(line.clone());
                }
                Input::ProcessExited { .. } => proc.running = false,
                _ => {}
            }
        }
        if let Some((l, e)) = p.link {
            match &p.input {
                Input::Closed { .. } => self.links[l].rx_ok[e] = false,
                _ if !self.links[l].rx_ok[e] => return,
                Input::Received { data, .. } => {
                    let ctx = self.session_ctx(p.node, self.links[l].ends[e].1);
                    let now = self.now;
                    let errs = self.links[l].rx[e].receive(now, data, ctx.as_ref());
                    for err in errs {
                        self.error(format!(
                            "node {} conn {:?}: {err}",
                            p.node, self.links[l].ends[e].1
                        ));
                    }
                }
                _ => {}
            }
        }
        self.input(p.node, p.input);
    }

    /// The codec context of the session `conn` belongs to, if any.
    fn session_ctx(&self, node: usize, conn: ConnId) -> Option<CodecContext> {
        self.nodes[node]
            .sp
            .peers()
            .iter()
            .filter_map(|p| p.session())
            .find(|s| s.conn == conn)
            .map(|s| s.ctx().clone())
    }

    pub fn input(&mut self, i: usize, input: Input) {
        let now = self.now;
        self.log(|t| {
            let _ = writeln!(t, "{:>16} {i} <- {input:?}", now.as_nanos());
        });
        self.nodes[i].sp.handle_input(now, input);
        self.drain(i);
    }

    fn drain(&mut self, i: usize) {
        for _ in 0..MAX_OUTPUTS_PER_INPUT {
            let o = self.nodes[i].sp.poll_output();
            let now = self.now;
            self.log(|t| {
                let _ = writeln!(t, "{:>16} {i} -> {o:?}", now.as_nanos());
            });
            match o {
                Output::Timeout(t) => {
                    self.nodes[i].deadline = t;
                    // A daemon that exited is gone once its writes are out.
                    for (n, ms) in std::mem::take(&mut self.exits_pending) {
                        self.kill(n);
                        let s = self.seq();
                        self.actions
                            .insert((self.now + Duration::from_millis(ms), s), Action::Revive(n));
                    }
                    return;
                }
                o => self.output(i, o),
            }
        }
        self.error(format!(
            "node {i}: more than {MAX_OUTPUTS_PER_INPUT} outputs for one input"
        ));
    }

    fn output(&mut self, i: usize, o: Output) {
        match o {
            Output::Timeout(_) => unreachable!("handled by drain"),
            Output::Listen { addr, .. } => {
                if !self.nodes[i].listeners.contains(&addr) {
                    self.nodes[i].listeners.push(addr);
                }
            }
            Output::Connect {
                conn,
                remote,
                local,
                ..
            } => self.connect(i, conn, remote, local),
            Output::Transmit { conn, data } => self.transmit(i, conn, data),
            Output::Close { conn } => self.close(i, conn),
            Output::Event(e) => {
                self.check_event(i, &e);
                self.nodes[i].events.push((self.now, e));
            }
            Output::Exit { code } => {
                if let Some(ms) = self.nodes[i].stopping.take() {
                    if code != 0 {
                        self.error(format!("node {i}: orderly stop exited with {code}"));
                    }
                    self.exits_pending.push((i, ms));
                } else {
                    self.nodes[i].exit = Some(code);
                    self.error(format!("node {i} exited with {code}"));
                }
            }
            Output::Spawn { process, name, .. } => self.spawn(i, process, &name),
            Output::WriteProcess { process, data } => self.write_process(i, process, &data),
            Output::Kill { process, signal } => {
                // The process dies (SIGTERM is not ignored by our scripts).
                let lat = self.latency();
                self.push_process(
                    self.now + lat,
                    i,
                    process,
                    Input::ProcessExited {
                        process,
                        status: match signal {
                            ProcessSignal::Terminate => Some(0),
                            ProcessSignal::Kill => None,
                        },
                    },
                );
                if let Some(p) = self.nodes[i].procs.get_mut(&process) {
                    // It writes nothing more (lines of its script still to
                    // come are dropped at delivery); its exit is reported.
                    p.running = false;
                    p.unacked.clear();
                }
            }
        }
    }

    /// Events tell a consistent story: state changes chain (`from` is the
    /// last `to`), sessions go up and down alternately.
    fn check_event(&mut self, i: usize, e: &Event) {
        let inc = self.nodes[i].incarnation;
        match e {
            Event::StateChanged { peer, from, to } => {
                let last = self
                    .fsm
                    .insert((i, inc, *peer), to.clone())
                    .unwrap_or_else(|| "IDLE".into());
                if &last != from {
                    self.error(format!(
                        "node {i} peer {peer}: state change from {from} to {to}, but the last state reported was {last}"
                    ));
                }
            }
            Event::SessionUp { peer } => self.session_edge(i, inc, *peer, true),
            Event::SessionDown { peer, .. } => self.session_edge(i, inc, *peer, false),
            _ => {}
        }
    }

    /// SessionUp and SessionDown alternate per daemon and peer.
    fn session_edge(&mut self, i: usize, inc: u32, peer: IpAddr, up: bool) {
        let was_up = self.up_sessions.insert((i, inc, peer), up) == Some(true);
        if was_up == up {
            let what = if up { "SessionUp" } else { "SessionDown" };
            self.error(format!("node {i}: {what} for {peer} twice in a row"));
        }
    }

    /// Start a simulated process: it reports started, then writes its script.
    fn spawn(&mut self, i: usize, id: ProcId, name: &str) {
        let script = self.nodes[i]
            .scripts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.clone());
        let Some(script) = script else {
            let lat = self.latency();
            self.push(
                self.now + lat,
                i,
                Input::ProcessSpawnFailed {
                    process: id,
                    reason: format!("no such program: {name}"),
                },
                None,
            );
            return;
        };
        let p = self.nodes[i].procs.entry(id).or_default();
        p.generation += 1;
        p.running = true;
        p.unacked.clear();
        p.stdin.clear();
        let pid = 1000 + id.0 * 100 + p.generation;
        let start = self.now + Duration::from_millis(self.rng.range(1, 50));
        self.push_process(start, i, id, Input::ProcessStarted { process: id, pid });
        for (ms, line) in script {
            self.push_process(
                start + Duration::from_millis(ms),
                i,
                id,
                Input::ProcessLine { process: id, line },
            );
        }
    }

    /// What the daemon writes to a process: acknowledgements are matched
    /// with the commands (every generated command is valid: `error` is a bug
    /// of the generator or of the command parser).
    fn write_process(&mut self, i: usize, id: ProcId, data: &[u8]) {
        let Some(p) = self.nodes[i].procs.get_mut(&id) else {
            self.error(format!("node {i}: write to unknown process {id:?}"));
            return;
        };
        p.stdin.extend_from_slice(data);
        let mut errors = Vec::new();
        while let Some(nl) = p.stdin.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = p.stdin.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
            p.lines_read += 1;
            match line.as_str() {
                "done" => {
                    p.unacked.pop_front();
                }
                "error" => {
                    let cmd = p.unacked.pop_front();
                    errors.push(format!(
                        "node {i} process {id:?}: command {cmd:?} answered error"
                    ));
                }
                _ => {}
            }
        }
        for e in errors {
            self.error(e);
        }
    }

    fn listening(&self, j: usize, addr: SocketAddr) -> bool {
        let n = &self.nodes[j];
        n.up && n.exit.is_none()
            && n.listeners.iter().any(|l| {
                l.port() == addr.port() && (l.ip() == addr.ip() || l.ip().is_unspecified())
            })
    }

    fn connect(&mut self, i: usize, conn: ConnId, remote: SocketAddr, local: Option<IpAddr>) {
        let lat = self.latency();
        let s = self.seq();
        let incarnation = self.nodes[i].incarnation;
        self.actions.insert(
            (self.now + lat, s),
            Action::Syn {
                node: i,
                incarnation,
                conn,
                remote,
                local,
            },
        );
    }

    fn syn(&mut self, i: usize, conn: ConnId, remote: SocketAddr, local: Option<IpAddr>) {
        let target = (0..self.nodes.len()).find(|&j| self.nodes[j].ip == remote.ip());
        let refused = self.chaos && self.rng.chance(1, 6);
        let Some(j) = target.filter(|&j| !refused && self.listening(j, remote)) else {
            let lat = self.latency();
            let reason = if refused {
                "timed out"
            } else {
                "connection refused"
            };
            self.push(
                self.now + lat,
                i,
                Input::ConnectFailed {
                    conn,
                    reason: reason.into(),
                },
                None,
            );
            return;
        };
        let theirs = ConnId(self.next_incoming);
        self.next_incoming += 1;
        self.next_port = self.next_port.checked_add(1).unwrap_or(40000);
        let mine = SocketAddr::new(local.unwrap_or(self.nodes[i].ip), self.next_port);
        let l = self.links.len();
        self.links.push(Link {
            ends: [(i, conn), (j, theirs)],
            alive: [true; 2],
            rx_ok: [true; 2],
            blackhole: [false; 2],
            last: [self.now; 2],
            rx: [Receiver::default(), Receiver::default()],
        });
        self.by_end.insert((i, conn), l);
        self.by_end.insert((j, theirs), l);
        // The SYN reaches the listener, the SYN-ACK the connecting side.
        self.push_on_link(
            l,
            1,
            Input::Connected {
                conn: theirs,
                local: remote,
                remote: mine,
            },
        );
        self.push_on_link(
            l,
            0,
            Input::Connected {
                conn,
                local: mine,
                remote,
            },
        );
    }

    fn transmit(&mut self, i: usize, conn: ConnId, data: bytes::Bytes) {
        // The core writes whole messages: decode them as a peer would.
        let ctx = self.session_ctx(i, conn);
        match observer::whole_messages(&data, ctx.as_ref()) {
            Err(e) => self.error(format!("node {i} conn {conn:?} transmit: {e}")),
            Ok(notes) => {
                for (code, subcode) in notes {
                    self.notifications.push(SentNotification {
                        at: self.now,
                        node: i,
                        conn,
                        code,
                        subcode,
                    });
                }
            }
        }
        if self.strays.contains_key(&(i, conn)) {
            return;
        }
        let Some(&l) = self.by_end.get(&(i, conn)) else {
            self.error(format!("node {i}: transmit on unknown connection {conn:?}"));
            return;
        };
        let e = if self.links[l].ends[0] == (i, conn) {
            0
        } else {
            1
        };
        let o = 1 - e;
        let link = &self.links[l];
        if !link.alive[e] || !link.rx_ok[o] || link.blackhole[o] {
            return;
        }
        // TCP segments the stream anywhere.
        let far = link.ends[o].1;
        let mut rest = data;
        while !rest.is_empty() {
            let cut = if self.rng.chance(1, 3) {
                self.rng.range(1, rest.len() as u64) as usize
            } else {
                rest.len()
            };
            let piece = rest.split_to(cut);
            self.push_on_link(
                l,
                o,
                Input::Received {
                    conn: far,
                    data: piece,
                },
            );
        }
    }

    fn close(&mut self, i: usize, conn: ConnId) {
        if let Some(open) = self.strays.get_mut(&(i, conn)) {
            if std::mem::replace(open, false) {
                self.push(
                    self.now,
                    i,
                    Input::Closed {
                        conn,
                        reason: "closed".into(),
                    },
                    None,
                );
            }
            return;
        }
        let Some(&l) = self
            .by_end
            .get(&(i, conn))
            .filter(|&&l| self.links[l].alive.iter().any(|a| *a) || conn.is_incoming())
        else {
            // Not connected (yet): a pending attempt is abandoned.
            self.cancelled.insert((i, self.nodes[i].incarnation, conn));
            return;
        };
        let e = if self.links[l].ends[0] == (i, conn) {
            0
        } else {
            1
        };
        let o = 1 - e;
        if !self.links[l].alive[e] {
            return;
        }
        self.links[l].alive[e] = false;
        self.links[l].rx_ok[e] = false;
        let now = self.now;
        self.push(
            now,
            i,
            Input::Closed {
                conn,
                reason: "closed".into(),
            },
            Some((l, e)),
        );
        // The FIN follows the bytes already sent.
        if self.links[l].alive[o] {
            self.links[l].alive[o] = false;
            let far = self.links[l].ends[o].1;
            self.push_on_link(
                l,
                o,
                Input::Closed {
                    conn: far,
                    reason: "closed by peer".into(),
                },
            );
        }
    }

    /// Both ends get `Closed` now, bytes in flight are lost (RST).
    fn reset(&mut self, l: usize) {
        for e in 0..2 {
            self.links[l].rx_ok[e] = false;
            if self.links[l].alive[e] {
                self.links[l].alive[e] = false;
                let (node, conn) = self.links[l].ends[e];
                let lat = self.latency();
                // The RST carries no data: mark the end closed at delivery only.
                self.push(
                    self.now + lat,
                    node,
                    Input::Closed {
                        conn,
                        reason: "connection reset by peer".into(),
                    },
                    None,
                );
            }
        }
    }

    /// The daemon `i` dies: its sockets close (the kernel sends FIN after
    /// what was written), it forgets everything.
    fn kill(&mut self, i: usize) {
        for l in 0..self.links.len() {
            for e in 0..2 {
                if self.links[l].ends[e].0 != i {
                    continue;
                }
                self.links[l].rx_ok[e] = false;
                if self.links[l].alive[e] {
                    self.links[l].alive[e] = false;
                    let o = 1 - e;
                    if self.links[l].alive[o] {
                        self.links[l].alive[o] = false;
                        let far = self.links[l].ends[o].1;
                        self.push_on_link(
                            l,
                            o,
                            Input::Closed {
                                conn: far,
                                reason: "closed by peer".into(),
                            },
                        );
                    }
                }
            }
        }
        let n = &mut self.nodes[i];
        n.up = false;
        n.incarnation += 1;
        n.listeners.clear();
        n.procs.clear();
    }

    fn revive(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        n.up = true;
        n.sp = Speaker::new(n.config.clone(), n.settings.clone(), self.now);
        n.deadline = Instant::NEVER;
        let now = self.now;
        let inc = n.incarnation;
        self.log(|t| {
            let _ = writeln!(
                t,
                "{:>16} {i} respawned (incarnation {inc})",
                now.as_nanos()
            );
        });
        self.drain(i);
    }

    fn live_links(&self) -> Vec<usize> {
        (0..self.links.len())
            .filter(|&l| self.links[l].alive.iter().any(|a| *a))
            .collect()
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::Chaos(on) => self.chaos = on,
            Action::Heal => {
                for l in 0..self.links.len() {
                    if self.links[l].blackhole.iter().any(|b| *b) {
                        self.reset(l);
                    }
                }
            }
            Action::Revive(i) => self.revive(i),
            Action::StrayHangup(i, conn) => {
                if self.strays.get(&(i, conn)) == Some(&true) {
                    self.strays.insert((i, conn), false);
                    let now = self.now;
                    self.push(
                        now,
                        i,
                        Input::Closed {
                            conn,
                            reason: "closed by peer".into(),
                        },
                        None,
                    );
                }
            }
            Action::Syn {
                node,
                incarnation,
                conn,
                remote,
                local,
            } => {
                if self.nodes[node].up
                    && self.nodes[node].incarnation == incarnation
                    && !self.cancelled.contains(&(node, incarnation, conn))
                {
                    self.syn(node, conn, remote, local);
                }
            }
            Action::Fault(i, f) => {
                let now = self.now;
                self.log(|t| {
                    let _ = writeln!(t, "{:>16} FAULT {f:?} (node {i})", now.as_nanos());
                });
                self.fault(i, f);
            }
        }
    }

    fn fault(&mut self, i: usize, f: Fault) {
        match f {
            Fault::Reset => {
                let live = self.live_links();
                if !live.is_empty() {
                    let l = *self.rng.pick(&live);
                    self.reset(l);
                }
            }
            Fault::Blackhole => {
                let live = self.live_links();
                if !live.is_empty() {
                    let l = *self.rng.pick(&live);
                    let e = self.rng.below(2) as usize;
                    self.links[l].blackhole[e] = true;
                }
            }
            Fault::Restart => {
                if self.nodes[i].up {
                    self.kill(i);
                    self.revive(i);
                }
            }
            Fault::Crash(ms) => {
                if self.nodes[i].up {
                    self.kill(i);
                    let s = self.seq();
                    self.actions
                        .insert((self.now + Duration::from_millis(ms), s), Action::Revive(i));
                }
            }
            Fault::ClockJump(ms) => {
                self.now = self.now + Duration::from_millis(ms);
                self.ticks_here = 0;
            }
            Fault::Stray { from_peer } => {
                if !self.nodes[i].up {
                    return;
                }
                let peers: Vec<IpAddr> = self.nodes[i]
                    .config
                    .neighbors
                    .iter()
                    .map(|n| n.peer_address)
                    .collect();
                let ip = if from_peer && !peers.is_empty() {
                    *self.rng.pick(&peers)
                } else {
                    IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 200))
                };
                let conn = ConnId(self.next_incoming);
                self.next_incoming += 1;
                self.strays.insert((i, conn), true);
                let remote = SocketAddr::new(ip, 50000 + self.rng.below(1000) as u16);
                let local = SocketAddr::new(self.nodes[i].ip, 179);
                let mut at = self.now + self.latency();
                self.push(
                    at,
                    i,
                    Input::Connected {
                        conn,
                        local,
                        remote,
                    },
                    None,
                );
                for _ in 0..self.rng.below(3) {
                    at = at + self.latency();
                    let mut data: Vec<u8> = Vec::new();
                    if self.rng.chance(1, 2) {
                        data.extend_from_slice(&[0xff; 16]);
                    }
                    for _ in 0..self.rng.below(40) {
                        data.push(self.rng.below(256) as u8);
                    }
                    self.push(
                        at,
                        i,
                        Input::Received {
                            conn,
                            data: data.into(),
                        },
                        None,
                    );
                }
                at = at + Duration::from_millis(self.rng.below(5000));
                // Its hang-up, unless the daemon closes first (checked at
                // delivery through `strays`).
                let s = self.seq();
                self.actions.insert((at, s), Action::StrayHangup(i, conn));
            }
            Fault::Stop(ms) => {
                if self.nodes[i].up && self.nodes[i].stopping.is_none() {
                    self.nodes[i].stopping = Some(ms);
                    self.input(i, Input::Control(Control::Shutdown));
                }
            }
            Fault::ProcessCrash => {
                let mut running: Vec<ProcId> = self.nodes[i]
                    .procs
                    .iter()
                    .filter(|(_, p)| p.running)
                    .map(|(id, _)| *id)
                    .collect();
                running.sort();
                if running.is_empty() || !self.nodes[i].up {
                    return;
                }
                let id = *self.rng.pick(&running);
                let p = self.nodes[i].procs.get_mut(&id).expect("running");
                p.generation += 1;
                p.running = false;
                p.unacked.clear();
                let lat = self.latency();
                self.push_process(
                    self.now + lat,
                    i,
                    id,
                    Input::ProcessExited {
                        process: id,
                        status: Some(1),
                    },
                );
            }
            Fault::Reload | Fault::RestartAll => {
                if !self.nodes[i].up {
                    return;
                }
                let mut c = self.nodes[i].config.clone();
                super::topology::mutate_routes(&mut self.rng, &mut c);
                self.nodes[i].config = c.clone();
                let control = if matches!(f, Fault::Reload) {
                    Control::Reload(Box::new(c))
                } else {
                    Control::Restart(Box::new(c))
                };
                self.input(i, Input::Control(control));
            }
        }
    }

    /// A random fault schedule between `from` and `to`.
    pub fn random_faults(&mut self, from: Instant, to: Instant, max: u64) {
        self.chaos_window(from, to);
        let span = to.as_nanos().saturating_sub(from.as_nanos()).max(1);
        let count = self.rng.range(0, max);
        for _ in 0..count {
            let at = Instant::from_nanos(from.as_nanos() + self.rng.below(span));
            let node = self.rng.below(self.nodes.len() as u64) as usize;
            let f = match self.rng.below(14) {
                10 => Fault::ProcessCrash,
                11 => Fault::Stray { from_peer: false },
                12 => Fault::Stray { from_peer: true },
                13 => Fault::Stop(self.rng.range(10, 20_000)),
                0..=2 => Fault::Reset,
                3 => Fault::Blackhole,
                4 => Fault::Restart,
                5 => Fault::Crash(self.rng.range(10, 20_000)),
                6 => Fault::ClockJump(self.rng.range(1_000, 400_000)),
                7 | 8 => Fault::Reload,
                _ => Fault::RestartAll,
            };
            self.schedule_fault(at, node, f);
        }
    }

    /// Nothing but bytes in flight: no fault, SYN, respawn or close pending.
    pub fn quiet(&self) -> bool {
        self.actions.is_empty()
            && self
                .queue
                .values()
                .all(|p| matches!(p.input, Input::Received { .. } | Input::Tick))
    }

    /// The connection a daemon's `conn` currently designates (a restarted
    /// daemon numbers its connections from 1 again: the latest wins).
    pub fn link_of(&self, node: usize, conn: ConnId) -> Option<usize> {
        self.by_end.get(&(node, conn)).copied()
    }
}

pub fn secs(s: u64) -> Duration {
    Duration::from_nanos(s * SEC)
}

pub fn millis(ms: u64) -> Duration {
    Duration::from_nanos(ms * MS)
}
