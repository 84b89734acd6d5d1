//! What a BGP peer sees: the byte stream of one connection decoded into
//! messages, and the routes it holds from it (announce/withdraw applied in
//! order). A route view lives and dies with its TCP connection, as a peer's
//! Adj-RIB-In does without graceful restart.

use oxbgp_core::wire::attribute::{code, Attribute, Attributes};
use oxbgp_core::wire::family::Family;
use oxbgp_core::wire::header::Framer;
use oxbgp_core::wire::nlri::Nlri;
use oxbgp_core::wire::update::Update;
use oxbgp_core::wire::{CodecContext, Message, MAX_EXTENDED_MESSAGE};
use oxbgp_core::Instant;
use std::collections::HashMap;
use std::net::IpAddr;

/// A route as it travels: next hop and attributes (NEXT_HOP included).
pub type RouteView = HashMap<(Family, Nlri), (Option<IpAddr>, Attributes)>;

pub struct Receiver {
    framer: Framer,
    pub view: RouteView,
    /// When the last whole message arrived (the peer's hold timer restarts).
    pub last_message_at: Option<Instant>,
    pub messages: usize,
    pub updates: usize,
}

impl Default for Receiver {
    fn default() -> Self {
        Receiver {
            framer: Framer::new(MAX_EXTENDED_MESSAGE),
            view: RouteView::new(),
            last_message_at: None,
            messages: 0,
            updates: 0,
        }
    }
}

impl Receiver {
    /// Feed bytes that arrived; `ctx` is the receiving session's codec
    /// context (None: no session owns the connection, frames are skipped).
    /// Returns the problems found (our own speaker must never send them).
    pub fn receive(
        &mut self,
        now: Instant,
        data: &[u8],
        ctx: Option<&CodecContext>,
    ) -> Vec<String> {
        let mut errors = Vec::new();
        self.framer.push(data);
        loop {
            let frame = match self.framer.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    errors.push(format!("received stream not framed: {e:?}"));
                    self.framer.clear();
                    break;
                }
            };
            self.messages += 1;
            self.last_message_at = Some(now);
            let Some(ctx) = ctx else { continue };
            match Message::decode(&frame, ctx) {
                Ok(Message::Update(u)) => {
                    self.updates += 1;
                    if let Err(e) = apply(&mut self.view, &u) {
                        errors.push(e);
                    }
                }
                Ok(_) => {}
                Err(e) => errors.push(format!("received message does not decode: {e:?}")),
            }
        }
        errors
    }
}

/// Apply one UPDATE to a route view (RFC 4271 §9: withdrawals first).
pub fn apply(view: &mut RouteView, u: &Update) -> Result<(), String> {
    if u.treat_as_withdraw || !u.issues.is_empty() {
        return Err(format!("UPDATE with RFC 7606 issues: {:?}", u.issues));
    }
    for n in &u.withdrawn {
        view.remove(&(Family::IPV4_UNICAST, n.clone()));
    }
    if let Some(mp) = &u.mp_unreach {
        for n in &mp.nlri {
            view.remove(&(mp.family, n.clone()));
        }
    }
    let attrs = u.attributes.clone();
    if !u.announced.is_empty() {
        let nh = match attrs.get(code::NEXT_HOP) {
            Some(Attribute::NextHop(v4)) => Some(IpAddr::V4(*v4)),
            _ => return Err("IPv4 NLRI without NEXT_HOP".into()),
        };
        for n in &u.announced {
            view.insert((Family::IPV4_UNICAST, n.clone()), (nh, attrs.clone()));
        }
    }
    if let Some(mp) = &u.mp_reach {
        for n in &mp.nlri {
            view.insert(
                (mp.family, n.clone()),
                (mp.next_hops.first().copied(), attrs.clone()),
            );
        }
    }
    Ok(())
}

/// Decode a transmit, which the core promises holds whole messages; returns
/// the (code, subcode) of the NOTIFICATIONs in it.
pub fn whole_messages(data: &[u8], ctx: Option<&CodecContext>) -> Result<Vec<(u8, u8)>, String> {
    let mut f = Framer::new(MAX_EXTENDED_MESSAGE);
    f.push(data);
    let mut notes = Vec::new();
    let fallback = CodecContext::default();
    loop {
        match f.next_frame() {
            Ok(Some(frame)) => {
                let is_update = matches!(frame.kind, oxbgp_core::wire::header::MessageType::Update);
                if is_update && ctx.is_none() {
                    continue;
                }
                match Message::decode(&frame, ctx.unwrap_or(&fallback)) {
                    Ok(Message::Notification(n)) => notes.push((n.code, n.subcode)),
                    Ok(_) => {}
                    Err(e) => return Err(format!("sent message does not decode: {e:?}")),
                }
            }
            Ok(None) => break,
            Err(e) => return Err(format!("sent bytes not framed: {e:?}")),
        }
    }
    if f.buffered() != 0 {
        return Err(format!(
            "transmit ends with {} bytes of a partial message",
            f.buffered()
        ));
    }
    Ok(notes)
}

/// Sorted, printable form of a view (HashMap order is not deterministic).
pub fn show(view: &RouteView) -> Vec<String> {
    let mut v: Vec<String> = view
        .iter()
        .map(|(k, v)| format!("{k:?} => {v:?}"))
        .collect();
    v.sort();
    v
}
