//! The envelope every JSON message shares (reference §4.1) and the `neighbor`
//! object. Time, host, pid, ppid and counter are parameters: the core never reads
//! clocks or the environment.

use super::{push_hex_0x, push_ip, push_ipv4, push_py_float, push_str, push_u64};
use std::net::{IpAddr, Ipv4Addr};

/// The per-message envelope values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Envelope<'a> {
    /// Seconds since the epoch (`time.time()` in ExaBGP), printed like a Python float.
    pub time: f64,
    pub host: &'a str,
    pub pid: u32,
    pub ppid: u32,
    /// Per-neighbor message counter (not printed for the shutdown message).
    pub counter: u64,
}

/// Which way the message went. `In` is what `exabgp decode` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Receive,
    Send,
    In,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Receive => "receive",
            Direction::Send => "send",
            Direction::In => "in",
        }
    }
}

/// What the `neighbor` object shows of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Neighbor {
    pub local_address: IpAddr,
    pub peer_address: IpAddr,
    pub local_as: u32,
    /// `None` with `peer-as auto` before the OPEN: ExaBGP prints a bare `None`
    /// (invalid JSON, reference §4.1); we print `null` instead.
    pub peer_as: Option<u32>,
    /// Omitted from the JSON when unknown.
    pub router_id: Option<Ipv4Addr>,
    /// Printed on message types only (not on `state`/`fsm`/...).
    pub direction: Direction,
}

/// Raw header and body of the message, printed as `"header": "0x..", "body": "0x.."`
/// (api `packets`/`consolidate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Raw<'a> {
    pub header: &'a [u8],
    pub body: &'a [u8],
}

/// `{ "exabgp": "5.0.0", "time": T, "host" : "H", "pid" : P, "ppid" : PP, "counter": C, "type": "K", `
/// — up to where the content starts.
pub(crate) fn begin(
    out: &mut String,
    env: &Envelope<'_>,
    kind: &str,
    counter: bool,
    raw: Option<Raw<'_>>,
) {
    out.push_str("{ \"exabgp\": \"");
    out.push_str(crate::API_VERSION);
    out.push_str("\", \"time\": ");
    push_py_float(out, env.time);
    out.push_str(", \"host\" : ");
    push_str(out, env.host);
    out.push_str(", \"pid\" : ");
    push_u64(out, env.pid as u64);
    out.push_str(", \"ppid\" : ");
    push_u64(out, env.ppid as u64);
    out.push_str(", ");
    if counter {
        out.push_str("\"counter\": ");
        push_u64(out, env.counter);
        out.push_str(", ");
    }
    out.push_str("\"type\": \"");
    out.push_str(kind);
    out.push_str("\", ");
    if let Some(raw) = raw {
        // ExaBGP omits each one when empty (a KEEPALIVE has no body).
        if !raw.header.is_empty() {
            out.push_str("\"header\": \"");
            push_hex_0x(out, raw.header);
            out.push_str("\", ");
        }
        if !raw.body.is_empty() {
            out.push_str("\"body\": \"");
            push_hex_0x(out, raw.body);
            out.push_str("\", ");
        }
    }
}

/// Close the document opened by [`begin`].
pub(crate) fn end(out: &mut String) {
    out.push_str(" }");
}

/// `"neighbor": { "address": {..}, "asn": {..}, "router-id": "R" ` then
/// `, "direction": "D"` when `with_direction`. The caller then writes
/// [`neighbor_content`] or [`neighbor_empty`].
pub(crate) fn neighbor_begin(out: &mut String, nb: &Neighbor, with_direction: bool) {
    out.push_str("\"neighbor\": { \"address\": { \"local\": \"");
    push_ip(out, nb.local_address);
    out.push_str("\", \"peer\": \"");
    push_ip(out, nb.peer_address);
    out.push_str("\" }, \"asn\": { \"local\": ");
    push_u64(out, nb.local_as as u64);
    out.push_str(", \"peer\": ");
    match nb.peer_as {
        Some(a) => push_u64(out, a as u64),
        None => out.push_str("null"),
    }
    out.push_str(" }");
    if let Some(rid) = nb.router_id {
        out.push_str(", \"router-id\": \"");
        push_ipv4(out, rid);
        out.push('"');
    }
    // ExaBGP always writes a space here, hence `"router-id": "R" , "direction"`.
    out.push(' ');
    if with_direction {
        out.push_str(", \"direction\": \"");
        out.push_str(nb.direction.as_str());
        out.push('"');
    }
}

/// Separator before the neighbor object's content.
pub(crate) fn neighbor_content(out: &mut String) {
    out.push_str(", ");
}

/// Close the neighbor object.
pub(crate) fn neighbor_end(out: &mut String) {
    out.push_str(" }");
}

/// Close a neighbor object that has no content (keepalive): ExaBGP leaves a
/// double space, `"direction": "receive"  }`.
pub(crate) fn neighbor_end_empty(out: &mut String) {
    out.push_str("  }");
}
