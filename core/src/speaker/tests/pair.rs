//! Two speakers wired through an in-memory network: A connects to B, their
//! `Transmit` outputs become the other's `Received` inputs, `Connect` becomes
//! `Connected` on both ends (loopback addresses), and a virtual clock jumps to
//! the earliest deadline when nothing else is in flight.

use super::harness::*;
use crate::config::{AsnSetting, NeighborConfig, NextHop, Route};
use crate::fsm::State;
use crate::io::{ConnId, Control, Event, Input, Output};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::attribute::{code, Attribute, Attributes, Community, Origin};
use crate::wire::family::Family;
use crate::wire::nlri::{Nlri, Prefix};
use crate::wire::update::Update;
use crate::wire::Message;
use crate::Speaker;
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};

const A_IP: &str = "127.0.0.1";
const B_IP: &str = "127.0.0.2";

struct Net {
    sp: [Speaker; 2],
    now: Instant,
    deadline: [Instant; 2],
    /// (side, conn) -> (other side, other conn)
    links: HashMap<(usize, ConnId), (usize, ConnId)>,
    inflight: VecDeque<(usize, Input)>,
    /// Bytes each side transmitted, per connection.
    wire: HashMap<(usize, ConnId), Vec<u8>>,
    events: [Vec<Event>; 2],
    exits: [Option<i32>; 2],
    next_incoming: u64,
}

impl Net {
    fn new(a: NeighborConfig, b: NeighborConfig) -> Net {
        let now = Instant::from_secs(10);
        let sp = [
            Speaker::new(config(vec![a]), Settings::default(), now),
            Speaker::new(config(vec![b]), Settings::default(), now),
        ];
        let mut net = Net {
            sp,
            now,
            deadline: [Instant::NEVER; 2],
            links: HashMap::new(),
            inflight: VecDeque::new(),
            wire: HashMap::new(),
            events: [Vec::new(), Vec::new()],
            exits: [None, None],
            next_incoming: ConnId::INCOMING_BASE,
        };
        net.drain(0);
        net.drain(1);
        net
    }

    fn ip(side: usize) -> IpAddr {
        if side == 0 { A_IP } else { B_IP }.parse().unwrap()
    }

    fn drain(&mut self, side: usize) {
        loop {
            match self.sp[side].poll_output() {
                Output::Timeout(t) => {
                    self.deadline[side] = t;
                    return;
                }
                Output::Connect { conn, remote, .. } => {
                    let other = 1 - side;
                    assert_eq!(remote.ip(), Self::ip(other));
                    let theirs = ConnId(self.next_incoming);
                    self.next_incoming += 1;
                    self.links.insert((side, conn), (other, theirs));
                    self.links.insert((other, theirs), (side, conn));
                    let mine = SocketAddr::new(Self::ip(side), 40000);
                    let far = SocketAddr::new(Self::ip(other), 179);
                    self.inflight.push_back((
                        side,
                        Input::Connected {
                            conn,
                            local: mine,
                            remote: far,
                        },
                    ));
                    self.inflight.push_back((
                        other,
                        Input::Connected {
                            conn: theirs,
                            local: far,
                            remote: mine,
                        },
                    ));
                }
                Output::Transmit { conn, data } => {
                    self.wire
                        .entry((side, conn))
                        .or_default()
                        .extend_from_slice(&data);
                    if let Some(&(other, theirs)) = self.links.get(&(side, conn)) {
                        self.inflight
                            .push_back((other, Input::Received { conn: theirs, data }));
                    }
                }
                Output::Close { conn } => {
                    if let Some((other, theirs)) = self.links.remove(&(side, conn)) {
                        self.links.remove(&(other, theirs));
                        let reason = "closed by peer".to_string();
                        self.inflight.push_back((
                            other,
                            Input::Closed {
                                conn: theirs,
                                reason,
                            },
                        ));
                    }
                }
                Output::Event(e) => self.events[side].push(e),
                Output::Exit { code } => self.exits[side] = Some(code),
                Output::Listen { .. } | Output::Spawn { .. } => {}
                Output::WriteProcess { .. } | Output::Kill { .. } => {}
            }
        }
    }

    fn input(&mut self, side: usize, i: Input) {
        self.sp[side].handle_input(self.now, i);
        self.drain(side);
    }

    /// Deliver everything in flight; then advance the clock to the earliest
    /// deadline, until `until` says stop or `horizon` is reached.
    fn run(&mut self, horizon: Instant, until: impl Fn(&Net) -> bool) {
        loop {
            while let Some((side, i)) = self.inflight.pop_front() {
                self.input(side, i);
                if until(self) {
                    return;
                }
            }
            if until(self) {
                return;
            }
            let next = self.deadline[0].min(self.deadline[1]);
            if next > horizon {
                return;
            }
            self.now = self.now.max(next);
            self.input(0, Input::Tick);
            self.input(1, Input::Tick);
        }
    }

    fn state(&self, side: usize) -> State {
        self.sp[side].peers()[0].state()
    }
}

fn route(prefix: &str, next_hop: &str, attrs: Vec<Attribute>) -> Route {
    let (a, l) = prefix.split_once('/').unwrap();
    let addr: IpAddr = a.parse().unwrap();
    let mut attributes = Attributes::new();
    for x in attrs {
        attributes.set(x);
    }
    Route {
        family: if addr.is_ipv4() {
            Family::IPV4_UNICAST
        } else {
            Family::IPV6_UNICAST
        },
        nlri: Nlri::prefix(Prefix::new(addr, l.parse().unwrap()).unwrap()),
        next_hop: NextHop::Ip(next_hop.parse().unwrap()),
        attributes,
        watchdog: None,
        withdrawn: false,
    }
}

fn side_config(me: &str, peer: &str, id: &str) -> NeighborConfig {
    let mut n = NeighborConfig::new(
        peer.parse().unwrap(),
        AsnSetting::Asn(65000),
        AsnSetting::Asn(65000),
    );
    n.local_address = Some(me.parse().unwrap());
    n.router_id = Some(id.parse().unwrap());
    n.hold_time = 30;
    n.families = vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST];
    n
}

fn pair() -> (Net, Vec<Route>) {
    let mut a = side_config(A_IP, B_IP, "1.1.1.1");
    a.routes = vec![
        route(
            "10.0.0.0/24",
            "192.0.2.1",
            vec![
                Attribute::Med(10),
                Attribute::Communities(vec![Community(0xFDE8_0001)]),
            ],
        ),
        route(
            "10.0.1.0/24",
            "192.0.2.1",
            vec![
                Attribute::Med(10),
                Attribute::Communities(vec![Community(0xFDE8_0001)]),
            ],
        ),
        route(
            "10.1.0.0/16",
            "192.0.2.2",
            vec![Attribute::LocalPref(300), Attribute::Origin(Origin::Egp)],
        ),
        route("2001:db8::/32", "2001:db8::1", vec![Attribute::Med(20)]),
        route("2001:db8:1::/48", "2001:db8::1", vec![]),
    ];
    let routes = a.routes.clone();
    let mut b = side_config(B_IP, A_IP, "2.2.2.2");
    b.passive = true;
    (Net::new(a, b), routes)
}

/// Every UPDATE A sent to B, decoded with the session's context.
fn updates_from_a(net: &Net) -> Vec<Update> {
    let (_, bytes) = net
        .wire
        .iter()
        .find(|((side, _), _)| *side == 0)
        .expect("A transmitted");
    decode_all(bytes)
        .into_iter()
        .filter_map(|m| match m {
            Message::Update(u) => Some(u),
            _ => None,
        })
        .collect()
}

#[test]
fn pair_establishes_and_routes_arrive_intact() {
    let (mut net, routes) = pair();
    let horizon = net.now + secs(600);
    net.run(horizon, |n| {
        n.state(0) == State::Established
            && n.state(1) == State::Established
            && n.inflight.is_empty()
    });
    assert_eq!(net.state(0), State::Established);
    assert_eq!(net.state(1), State::Established);
    assert!(net.events[1].iter().any(
        |e| matches!(e, Event::SessionUp { peer } if *peer == A_IP.parse::<IpAddr>().unwrap())
    ));

    let updates = updates_from_a(&net);
    // What B received, as (family, nlri, next hop, attributes without NEXT_HOP).
    let mut got = Vec::new();
    let mut eors = Vec::new();
    for u in &updates {
        if u.announced.is_empty()
            && u.withdrawn.is_empty()
            && u.mp_reach.is_none()
            && u.mp_unreach.as_ref().is_none_or(|m| m.nlri.is_empty())
        {
            eors.push(
                u.mp_unreach
                    .as_ref()
                    .map_or(Family::IPV4_UNICAST, |m| m.family),
            );
            continue;
        }
        let mut attrs = u.attributes.clone();
        let nh = match attrs.remove(code::NEXT_HOP) {
            Some(Attribute::NextHop(v4)) => Some(IpAddr::V4(v4)),
            _ => None,
        };
        for n in &u.announced {
            got.push((Family::IPV4_UNICAST, n.clone(), nh.unwrap(), attrs.clone()));
        }
        if let Some(mp) = &u.mp_reach {
            for n in &mp.nlri {
                got.push((mp.family, n.clone(), mp.next_hops[0], attrs.clone()));
            }
        }
    }
    // A's configured routes plus the iBGP defaults ExaBGP adds.
    let mut want: Vec<_> = routes
        .iter()
        .map(|r| {
            let mut a = r.attributes.clone();
            if a.get(code::ORIGIN).is_none() {
                a.set(Attribute::Origin(Origin::Igp));
            }
            if a.get(code::AS_PATH).is_none() {
                a.set(Attribute::AsPath(Default::default()));
            }
            if a.get(code::LOCAL_PREF).is_none() {
                a.set(Attribute::LocalPref(100));
            }
            let NextHop::Ip(nh) = r.next_hop else {
                unreachable!()
            };
            (r.family, r.nlri.clone(), nh, a)
        })
        .collect();
    let key = |x: &(Family, Nlri, IpAddr, Attributes)| format!("{:?}", x);
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(got, want);
    // The two IPv4 routes sharing attributes travelled in one UPDATE.
    assert_eq!(updates.iter().filter(|u| u.announced.len() == 2).count(), 1);
    // End-of-RIB for each negotiated family, after the routes.
    assert_eq!(eors, vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST]);
    let last_route = updates
        .iter()
        .rposition(|u| !u.announced.is_empty() || u.mp_reach.is_some())
        .unwrap();
    assert!(last_route < updates.len() - 2);
}

#[test]
fn pair_keeps_session_with_keepalives_then_shutdown_brings_b_down() {
    let (mut net, _) = pair();
    let start = net.now;
    // Ten minutes of virtual time with hold time 30: keepalives keep it up.
    net.run(start + secs(600), |_| false);
    assert_eq!(net.state(0), State::Established);
    assert_eq!(net.state(1), State::Established);
    assert!(
        net.now >= start + secs(590),
        "clock advanced: {:?}",
        net.now
    );
    assert!(!net.events[1]
        .iter()
        .any(|e| matches!(e, Event::SessionDown { .. })));

    net.input(0, Input::Control(Control::Shutdown));
    assert_eq!(net.exits[0], Some(0));
    net.run(net.now + secs(1), |n| n.inflight.is_empty());
    let down = net.events[1].iter().find_map(|e| match e {
        Event::SessionDown { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert_eq!(down.as_deref(), Some("notification received (6,2)"));
    assert_ne!(net.state(1), State::Established);
    // B is passive: it waits for A again, no Connect of its own.
    assert!(net.sp[1].peers()[0].session().is_none());
}

#[test]
fn pair_reconnect_replays_the_adj_rib_out() {
    let (mut net, routes) = pair();
    net.run(net.now + secs(60), |n| {
        n.state(0) == State::Established
            && n.state(1) == State::Established
            && n.inflight.is_empty()
    });
    let first = updates_from_a(&net).len();
    // B drops the TCP connection: A reconnects at once (backoff reset) and
    // re-sends every route, then End-of-RIB again.
    let b_conn = net
        .links
        .keys()
        .find(|(s, _)| *s == 1)
        .map(|(_, c)| *c)
        .unwrap();
    net.input(
        1,
        Input::Closed {
            conn: b_conn,
            reason: "reset".into(),
        },
    );
    net.run(net.now + secs(60), |n| {
        n.state(0) == State::Established
            && n.state(1) == State::Established
            && n.inflight.is_empty()
            && n.wire.len() >= 4
    });
    let total: usize = net
        .wire
        .iter()
        .filter(|((s, _), _)| *s == 0)
        .map(|(_, b)| {
            decode_all(b)
                .iter()
                .filter(|m| matches!(m, Message::Update(_)))
                .count()
        })
        .sum();
    assert_eq!(
        total,
        first * 2,
        "same UPDATEs after reconnect ({} routes)",
        routes.len()
    );
}
