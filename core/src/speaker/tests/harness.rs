//! Test drivers: one speaker fed by a scripted peer, and helpers to build and
//! read BGP messages.

use crate::config::{AsnSetting, Config, NeighborConfig};
use crate::io::{ConnId, Input, Output};
use crate::settings::Settings;
use crate::time::Instant;
use crate::wire::capability::Capability;
use crate::wire::family::Family;
use crate::wire::header::Framer;
use crate::wire::open::Open;
use crate::wire::{CodecContext, Message, Notification, MAX_EXTENDED_MESSAGE};
use crate::Speaker;
use bytes::{Bytes, BytesMut};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

pub const LOCAL: &str = "127.0.0.1";
pub const REMOTE: &str = "127.0.0.2";

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// An iBGP neighbor 127.0.0.2 (AS 65000) seen from 127.0.0.1, router-id 1.1.1.1.
pub fn neighbor() -> NeighborConfig {
    let mut n = NeighborConfig::new(
        REMOTE.parse().unwrap(),
        AsnSetting::Asn(65000),
        AsnSetting::Asn(65000),
    );
    n.local_address = Some(LOCAL.parse().unwrap());
    n.router_id = Some(Ipv4Addr::new(1, 1, 1, 1));
    n.families = vec![Family::IPV4_UNICAST, Family::IPV6_UNICAST];
    n
}

pub fn config(neighbors: Vec<NeighborConfig>) -> Config {
    Config {
        path: "test.conf".into(),
        processes: vec![],
        neighbors,
    }
}

pub fn encode(m: &Message) -> Bytes {
    let mut b = BytesMut::new();
    m.encode(&CodecContext::default(), &mut b);
    b.freeze()
}

/// The peer's OPEN: AS 65000, given hold time and router-id, IPv4+IPv6 unicast.
pub fn peer_open(asn: u16, hold: u16, id: [u8; 4]) -> Bytes {
    encode(&Message::Open(Open {
        version: 4,
        my_as: asn,
        hold_time: hold,
        bgp_id: Ipv4Addr::from(id),
        capabilities: vec![
            Capability::Multiprotocol(Family::IPV4_UNICAST),
            Capability::Multiprotocol(Family::IPV6_UNICAST),
            Capability::FourOctetAs(asn as u32),
        ],
    }))
}

pub fn keepalive() -> Bytes {
    Bytes::from_static(&crate::fsm::session::KEEPALIVE)
}

/// Split a byte stream into decoded messages (4-octet AS, extended size).
pub fn decode_all(data: &[u8]) -> Vec<Message> {
    let ctx = CodecContext {
        asn4: true,
        max_message: MAX_EXTENDED_MESSAGE,
        ..CodecContext::default()
    };
    let mut f = Framer::new(MAX_EXTENDED_MESSAGE);
    f.push(data);
    let mut v = Vec::new();
    while let Some(frame) = f.next_frame().expect("well framed") {
        v.push(Message::decode(&frame, &ctx).expect("decodable"));
    }
    v
}

pub fn notification_of(outs: &[Output]) -> Option<Notification> {
    outs.iter().find_map(|o| match o {
        Output::Transmit { data, .. } => decode_all(data).into_iter().find_map(|m| match m {
            Message::Notification(n) => Some(n),
            _ => None,
        }),
        _ => None,
    })
}

pub fn transmitted(outs: &[Output]) -> Vec<Bytes> {
    outs.iter()
        .filter_map(|o| match o {
            Output::Transmit { data, .. } => Some(data.clone()),
            _ => None,
        })
        .collect()
}

/// A speaker under test and the virtual clock.
pub struct Driver {
    pub sp: Speaker,
    pub now: Instant,
    pub deadline: Instant,
}

impl Driver {
    pub fn new(neighbors: Vec<NeighborConfig>, settings: Settings) -> (Driver, Vec<Output>) {
        let now = Instant::from_secs(1000);
        let sp = Speaker::new(config(neighbors), settings, now);
        let mut d = Driver {
            sp,
            now,
            deadline: Instant::NEVER,
        };
        let outs = d.drain();
        (d, outs)
    }

    pub fn drain(&mut self) -> Vec<Output> {
        let mut v = Vec::new();
        loop {
            match self.sp.poll_output() {
                Output::Timeout(t) => {
                    self.deadline = t;
                    return v;
                }
                o => v.push(o),
            }
        }
    }

    pub fn input(&mut self, i: Input) -> Vec<Output> {
        self.sp.handle_input(self.now, i);
        self.drain()
    }

    pub fn at(&mut self, t: Instant) -> Vec<Output> {
        self.now = t;
        self.input(Input::Tick)
    }

    pub fn receive(&mut self, conn: ConnId, data: Bytes) -> Vec<Output> {
        self.input(Input::Received { conn, data })
    }

    /// The outgoing connection of the first Connect output comes up.
    pub fn connect(&mut self, outs: &[Output]) -> (ConnId, Vec<Output>) {
        let conn = outs
            .iter()
            .find_map(|o| match o {
                Output::Connect { conn, .. } => Some(*conn),
                _ => None,
            })
            .expect("a Connect output");
        let outs = self.input(Input::Connected {
            conn,
            local: SocketAddr::new(LOCAL.parse::<IpAddr>().unwrap(), 40000),
            remote: SocketAddr::new(REMOTE.parse::<IpAddr>().unwrap(), 179),
        });
        (conn, outs)
    }

    /// Connect, exchange OPENs and KEEPALIVEs: returns the connection and the
    /// outputs of the last step (initial dump, End-of-RIB).
    pub fn establish(&mut self, outs: &[Output], hold: u16) -> (ConnId, Vec<Output>) {
        let (conn, _) = self.connect(outs);
        let o = self.receive(conn, peer_open(65000, hold, [2, 2, 2, 2]));
        assert!(transmitted(&o).iter().any(|b| b[..] == keepalive()[..]));
        let o = self.receive(conn, keepalive());
        (conn, o)
    }
}
