//! One TCP connection's BGP session: OPEN exchange, validation, negotiation,
//! KEEPALIVE / hold / OPEN-wait timers, and message dispatch (RFC 4271 §8,
//! ExaBGP `reactor/peer.py` + `protocol.py` behaviour).
//!
//! A `Session` knows nothing about the RIB or about other connections: it turns
//! bytes and time into [`SessionEvent`]s (bytes to transmit, state changes,
//! decoded UPDATEs, the end of the session) that the owning peer acts on.

use super::negotiated::Negotiated;
use super::notify;
use super::open;
use super::state::State;
use crate::config::AsnSetting;
use crate::io::ConnId;
use crate::time::Instant;
use crate::wire::capability::Capability;
use crate::wire::header::{Framer, MessageType};
use crate::wire::open::{Open, AS_TRANS};
use crate::wire::route_refresh::RouteRefresh;
use crate::wire::update::Update;
use crate::wire::{CodecContext, Message, Notification, MAX_MESSAGE};
use bytes::{Bytes, BytesMut};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

/// A KEEPALIVE (RFC 4271 §4.4): the header alone.
pub const KEEPALIVE: [u8; 19] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0x00, 0x13, 0x04,
];

/// What the session needs from its neighbor's configuration.
#[derive(Clone, Debug)]
pub struct SessionParams {
    pub local_as: AsnSetting,
    pub peer_as: AsnSetting,
    pub router_id: Ipv4Addr,
    /// `bgp.openwait`: how long to wait for the peer's OPEN.
    pub open_wait: Duration,
    /// Our OPEN. With `local_as` auto its ASN fields are filled from the peer's
    /// OPEN before it is sent (ExaBGP mirrors the peer's ASN).
    pub open: Open,
}

/// Why a session ended, for logs, events and the API (`down` reason).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseReason {
    /// ExaBGP's wording: `notification sent (4,0)`, `notification received (6,2)`,
    /// `closing connection`.
    pub text: String,
    pub sent: Option<Notification>,
    pub received: Option<Notification>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// Write these bytes on the connection.
    Transmit(Bytes),
    State {
        from: State,
        to: State,
    },
    /// The session reached Established (after the state event).
    Established,
    /// A decoded UPDATE from the peer.
    Update(Box<Update>),
    RouteRefresh(RouteRefresh),
    /// The session is over; close the connection (after the bytes queued).
    Closed(CloseReason),
    /// A message as received, before it is acted upon (only when
    /// [`Session::report_messages`] is set: API `receive { }` events).
    Received(crate::wire::header::Frame),
}

pub struct Session {
    pub conn: ConnId,
    pub local: SocketAddr,
    pub remote: SocketAddr,
    state: State,
    framer: Framer,
    params: SessionParams,
    sent_open: Option<Open>,
    received_open: Option<Open>,
    negotiated: Option<Negotiated>,
    ctx: CodecContext,
    open_deadline: Instant,
    hold_deadline: Instant,
    keepalive_deadline: Instant,
    zero_hold_keepalive_seen: bool,
    closed: bool,
    /// Report every decoded message with [`SessionEvent::Received`].
    pub report_messages: bool,
    /// Decoded messages received, indexed by type code (1-5), for
    /// `show neighbor extensive`.
    pub received_by_type: [u64; 6],
}

fn encode(msg: &Message, ctx: &CodecContext) -> Bytes {
    let mut out = BytesMut::new();
    msg.encode(ctx, &mut out);
    out.freeze()
}

fn type_name(m: &Message) -> &'static str {
    match m {
        Message::Open(_) => "OPEN",
        Message::Update(_) => "UPDATE",
        Message::Notification(_) => "NOTIFICATION",
        Message::Keepalive => "KEEPALIVE",
        Message::RouteRefresh(_) => "ROUTE_REFRESH",
        Message::Unknown { .. } => "UNKNOWN",
    }
}

impl Session {
    /// A session on a connection that just came up at `now`. Unless our ASN is
    /// `auto`, our OPEN goes out at once (ExaBGP sends it as soon as TCP is up).
    pub fn new(
        conn: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
        params: SessionParams,
        now: Instant,
        ev: &mut Vec<SessionEvent>,
    ) -> Session {
        let open_deadline = now + params.open_wait;
        let mut s = Session {
            conn,
            local,
            remote,
            state: State::Connect,
            framer: Framer::new(MAX_MESSAGE),
            params,
            sent_open: None,
            received_open: None,
            negotiated: None,
            ctx: CodecContext::default(),
            open_deadline,
            hold_deadline: Instant::NEVER,
            keepalive_deadline: Instant::NEVER,
            zero_hold_keepalive_seen: false,
            closed: false,
            report_messages: false,
            received_by_type: [0; 6],
        };
        if s.params.local_as != AsnSetting::Auto {
            s.send_open(s.params.open.clone(), ev);
        }
        s
    }

    pub fn state(&self) -> State {
        self.state
    }
    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.negotiated.as_ref()
    }
    pub fn sent_open(&self) -> Option<&Open> {
        self.sent_open.as_ref()
    }
    pub fn received_open(&self) -> Option<&Open> {
        self.received_open.as_ref()
    }
    /// The codec context in force (the default one until OPENs are exchanged).
    pub fn ctx(&self) -> &CodecContext {
        &self.ctx
    }
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The earliest instant at which [`Session::tick`] has something to do.
    pub fn deadline(&self) -> Instant {
        if self.closed {
            return Instant::NEVER;
        }
        let mut d = self.hold_deadline;
        if self.received_open.is_none() {
            d = d.min(self.open_deadline);
        }
        if self.state == State::Established {
            d = d.min(self.keepalive_deadline);
        }
        d
    }

    fn set_state(&mut self, to: State, ev: &mut Vec<SessionEvent>) {
        if self.state != to {
            let from = self.state;
            self.state = to;
            log::debug!("{} {} -> {}", self.remote, from, to);
            ev.push(SessionEvent::State { from, to });
        }
    }

    fn send_open(&mut self, open: Open, ev: &mut Vec<SessionEvent>) {
        ev.push(SessionEvent::Transmit(encode(
            &Message::Open(open.clone()),
            &self.ctx,
        )));
        self.sent_open = Some(open);
        self.set_state(State::OpenSent, ev);
    }

    fn send_keepalive(&mut self, now: Instant, ev: &mut Vec<SessionEvent>) {
        ev.push(SessionEvent::Transmit(Bytes::from_static(&KEEPALIVE)));
        if let Some(n) = &self.negotiated {
            if n.keepalive > 0 {
                // ExaBGP measures the interval from the last KEEPALIVE sent;
                // UPDATEs do not push it back.
                self.keepalive_deadline = now + Duration::from_secs(n.keepalive as u64);
            }
        }
    }

    /// Send a NOTIFICATION and end the session.
    pub fn notify(&mut self, n: Notification, ev: &mut Vec<SessionEvent>) {
        if self.closed {
            return;
        }
        log::info!(
            "{} >> NOTIFICATION ({},{}) {}",
            self.remote,
            n.code,
            n.subcode,
            n
        );
        ev.push(SessionEvent::Transmit(encode(
            &Message::Notification(n.clone()),
            &self.ctx,
        )));
        let text = format!("notification sent ({},{})", n.code, n.subcode);
        self.finish(
            CloseReason {
                text,
                sent: Some(n),
                received: None,
            },
            ev,
        );
    }

    /// End the session without a NOTIFICATION (TCP closed, graceful restart,
    /// shutdown of a session not yet established).
    pub fn close(&mut self, text: &str, ev: &mut Vec<SessionEvent>) {
        if self.closed {
            return;
        }
        self.finish(
            CloseReason {
                text: text.to_string(),
                sent: None,
                received: None,
            },
            ev,
        );
    }

    fn finish(&mut self, reason: CloseReason, ev: &mut Vec<SessionEvent>) {
        self.closed = true;
        self.set_state(State::Idle, ev);
        ev.push(SessionEvent::Closed(reason));
    }

    /// Queue raw message bytes (UPDATEs, End-of-RIB) built by the RIB.
    pub fn transmit(&mut self, data: Bytes, ev: &mut Vec<SessionEvent>) {
        if !self.closed {
            ev.push(SessionEvent::Transmit(data));
        }
    }

    /// Timers: OPEN wait (1/1), hold (4/0), keepalive.
    pub fn tick(&mut self, now: Instant, ev: &mut Vec<SessionEvent>) {
        if self.closed {
            return;
        }
        if self.received_open.is_none() && now >= self.open_deadline {
            self.notify(
                notify::with_text(
                    1,
                    1,
                    Some("waited for open too long, we do not like stuck in active"),
                ),
                ev,
            );
            return;
        }
        if now >= self.hold_deadline {
            // RFC 4271 §6.5: Hold Timer Expired, no data.
            self.notify(notify::with_text(4, 0, Some("")), ev);
            return;
        }
        if self.state == State::Established && now >= self.keepalive_deadline {
            self.send_keepalive(now, ev);
        }
    }

    /// Bytes from the peer.
    pub fn receive(&mut self, now: Instant, data: &[u8], ev: &mut Vec<SessionEvent>) {
        if self.closed {
            return;
        }
        self.framer.push(data);
        while !self.closed {
            let frame = match self.framer.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    self.notify(notify::with_data(e.code, e.subcode, e.data.clone()), ev);
                    break;
                }
            };
            // RFC 4271 §6.1: an unknown type is Bad Message Type whatever the state.
            if let MessageType::Other(kind) = frame.kind {
                self.notify(
                    notify::with_text(
                        1,
                        3,
                        Some(&format!("can not decode message of type \"{kind}\"")),
                    ),
                    ev,
                );
                break;
            }
            // Any message restarts the hold timer (RFC 4271 §8.2.2).
            if let Some(n) = &self.negotiated {
                if n.hold_time > 0 {
                    self.hold_deadline = now + Duration::from_secs(n.hold_time as u64);
                }
            }
            let msg = match Message::decode(&frame, &self.ctx) {
                Ok(m) => m,
                Err(e) => {
                    log::info!("{} could not decode {:?}: {}", self.remote, frame.kind, e);
                    self.notify(notify::with_data(e.code, e.subcode, e.data.clone()), ev);
                    break;
                }
            };
            if let Some(n) = self.received_by_type.get_mut(frame.kind.code() as usize) {
                *n += 1;
            }
            if self.report_messages {
                ev.push(SessionEvent::Received(frame.clone()));
            }
            self.handle(now, msg, ev);
        }
    }

    fn handle(&mut self, now: Instant, msg: Message, ev: &mut Vec<SessionEvent>) {
        if let Message::Notification(n) = msg {
            log::info!(
                "{} << NOTIFICATION ({},{}) {}",
                self.remote,
                n.code,
                n.subcode,
                n
            );
            let text = format!("notification received ({},{})", n.code, n.subcode);
            self.finish(
                CloseReason {
                    text,
                    sent: None,
                    received: Some(n),
                },
                ev,
            );
            return;
        }
        match self.state {
            State::Connect | State::OpenSent | State::Active | State::Idle => match msg {
                Message::Open(o) => self.handle_open(now, o, ev),
                other => {
                    let text = format!(
                        "The first packet received is not an open message ({})",
                        type_name(&other)
                    );
                    self.notify(notify::with_text(5, 1, Some(&text)), ev)
                }
            },
            State::OpenConfirm => match msg {
                Message::Keepalive => {
                    self.set_state(State::Established, ev);
                    ev.push(SessionEvent::Established);
                }
                _ => self.notify(notify::with_text(5, 2, None), ev),
            },
            State::Established => match msg {
                Message::Keepalive => {
                    let zero = self.negotiated.as_ref().is_some_and(|n| n.hold_time == 0);
                    if zero {
                        // ExaBGP tolerates one KEEPALIVE when the negotiated hold
                        // time is zero (RFC 4271 §4.4 says none should be sent).
                        if self.zero_hold_keepalive_seen {
                            self.notify(
                                notify::with_text(
                                    2,
                                    6,
                                    Some("Negotiated holdtime was zero, it was invalid to send us a keepalive messages"),
                                ),
                                ev,
                            );
                        }
                        self.zero_hold_keepalive_seen = true;
                    }
                }
                Message::Update(u) => ev.push(SessionEvent::Update(Box::new(u))),
                Message::RouteRefresh(r) => ev.push(SessionEvent::RouteRefresh(r)),
                other => log::debug!(
                    "{} ignoring {} in ESTABLISHED",
                    self.remote,
                    type_name(&other)
                ),
            },
        }
    }

    fn handle_open(&mut self, now: Instant, received: Open, ev: &mut Vec<SessionEvent>) {
        let peer_asn = open::peer_asn(&received);
        if self.sent_open.is_none() {
            // local-as auto: mirror the peer's ASN, then send our OPEN.
            let mut o = self.params.open.clone();
            o.my_as = u16::try_from(peer_asn).unwrap_or(AS_TRANS);
            for c in o.capabilities.iter_mut() {
                if let Capability::FourOctetAs(a) = c {
                    *a = peer_asn;
                }
            }
            self.params.local_as = AsnSetting::Asn(peer_asn);
            self.send_open(o, ev);
        }
        let local_as = match self.params.local_as {
            AsnSetting::Asn(a) => a,
            AsnSetting::Auto => peer_asn,
        };
        let verdict = open::validate(
            &received,
            self.params.peer_as,
            local_as,
            self.params.router_id,
        );
        let neg = self
            .sent_open
            .as_ref()
            .map(|sent| Negotiated::new(sent, &received));
        self.received_open = Some(received);
        if let Err(n) = verdict {
            self.notify(n, ev);
            return;
        }
        // Our OPEN went out above when it had not yet.
        let Some(neg) = neg else { return };
        self.framer.set_max_message(neg.ctx.max_message);
        self.ctx = neg.ctx.clone();
        if neg.hold_time > 0 {
            self.hold_deadline = now + Duration::from_secs(neg.hold_time as u64);
        }
        self.negotiated = Some(neg);
        self.set_state(State::OpenConfirm, ev);
        self.send_keepalive(now, ev);
    }
}
