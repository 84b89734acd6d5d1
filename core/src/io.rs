//! The sans-IO door: everything that goes into the core ([`Input`]) and everything
//! that comes out ([`Output`]).
//!
//! Contract (str0m's): after [`crate::Speaker::handle_input`], drain
//! [`crate::Speaker::poll_output`] until it returns [`Output::Timeout`]; that both
//! ends the drain and says when to call again with [`Input::Tick`] if nothing else
//! happens. Spurious ticks are harmless. Several inputs may be handed over before
//! one drain: runtimes pass everything read in one event-loop cycle, then drain.
//! Outputs keep their order; Adj-RIB-Out changes made by API commands are turned
//! into UPDATEs at the drain, so a cycle's commands are merged as ExaBGP merges
//! them (FORMAT.md §8.2).
//!
//! [`Input`] is serialisable: a recorded session is a list of `(Instant, Input)`.

use crate::config::Config;
use crate::time::Instant;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// A TCP connection. The core numbers outgoing connections it asks for
/// (`Output::Connect`) from 1 upward; the runtime numbers connections it accepts
/// from [`ConnId::INCOMING_BASE`] upward, so the two never clash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConnId(pub u64);

impl ConnId {
    pub const INCOMING_BASE: u64 = 1 << 63;
    pub fn is_incoming(self) -> bool {
        self.0 >= Self::INCOMING_BASE
    }
}

/// An API process (a `process { }` section instance). Numbered by the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProcId(pub u32);

/// Signals and operator commands that change the daemon as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Control {
    /// SIGTERM, SIGINT, SIGHUP: orderly stop.
    Shutdown,
    /// SIGUSR1: apply a freshly parsed configuration (the runtime reads and parses
    /// the file(s), the core applies the difference).
    Reload(Box<Config>),
    /// SIGUSR2: like reload, and restart every API process.
    ReloadAll(Box<Config>),
    /// SIGALRM: reload and re-establish every peer.
    Restart(Box<Config>),
    /// A line from the control socket (`oxbgp cli`), handled like an API command
    /// from a process allowed to address every neighbor.
    Command(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Input {
    /// Time passed; nothing else happened.
    Tick,
    /// A TCP connection is up: one we asked for with `Output::Connect`, or one the
    /// runtime accepted on a listener (then `conn.is_incoming()`).
    Connected {
        conn: ConnId,
        local: SocketAddr,
        remote: SocketAddr,
    },
    /// An outgoing connection attempt failed.
    ConnectFailed {
        conn: ConnId,
        reason: String,
    },
    /// Bytes read from a connection, split anywhere.
    Received {
        conn: ConnId,
        data: Bytes,
    },
    /// The connection is gone (EOF, reset, or after our `Output::Close`).
    Closed {
        conn: ConnId,
        reason: String,
    },
    /// A listener could not be opened.
    ListenFailed {
        addr: SocketAddr,
        reason: String,
    },
    /// A process asked for with `Output::Spawn` is running.
    ProcessStarted {
        process: ProcId,
        pid: u32,
    },
    /// A process could not be started.
    ProcessSpawnFailed {
        process: ProcId,
        reason: String,
    },
    /// One line (without its newline) written by a process on its stdout.
    ProcessLine {
        process: ProcId,
        line: String,
    },
    /// Complete lines written by a process on its stdout, each ended by a
    /// newline (the last one may lack it at end of file). The runtimes hand
    /// over what one read returned in one input: one allocation per read
    /// rather than per line, which mattered for API feeds of a million
    /// routes. Each line is handled as [`Input::ProcessLine`] (trailing
    /// blanks removed), in order.
    ProcessLines {
        process: ProcId,
        text: String,
    },
    /// A process exited (`status` is None when killed by a signal).
    ProcessExited {
        process: ProcId,
        status: Option<i32>,
    },
    Control(Control),
}

/// Socket options for a connection or listener.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketOptions {
    /// IP_TTL / IPV6_UNICAST_HOPS on outgoing packets (`outgoing-ttl`).
    pub ttl: Option<u8>,
    /// IP_MINTTL / IPV6_MINHOPCOUNT, GTSM (RFC 5082, `incoming-ttl`).
    pub min_ttl: Option<u8>,
    /// TCP-MD5 signature keys (RFC 2385), per peer address.
    pub md5: Vec<(IpAddr, String)>,
    /// SO_BINDTODEVICE (`source-interface`).
    pub interface: Option<String>,
}

/// Signals the core may ask the runtime to send to a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessSignal {
    Terminate,
    Kill,
}

/// Things worth logging or reporting that are not I/O requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A neighbor's FSM changed state.
    StateChanged {
        peer: IpAddr,
        from: String,
        to: String,
    },
    /// A session reached Established.
    SessionUp { peer: IpAddr },
    /// A session went down.
    SessionDown { peer: IpAddr, reason: String },
    /// The API asked for a reload (`reload`: like SIGUSR1) or a restart
    /// (`restart`: like SIGALRM). The core cannot read files: the runtime
    /// reads and parses the configuration again and answers with
    /// `Input::Control(Control::Reload(..))` / `Control::Restart(..)`, or
    /// keeps the running configuration if that fails. (An event rather than
    /// an `Output` variant so that drivers without reload support can ignore
    /// it.)
    ReloadRequested { restart: bool },
    /// A configuration-level problem noticed at run time (e.g. a socket option the
    /// kernel refused must be reported by the runtime; the core reports its own).
    Warning { message: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Output {
    /// Open a TCP connection to `remote`, bound to `local` when given.
    Connect {
        conn: ConnId,
        remote: SocketAddr,
        local: Option<IpAddr>,
        options: SocketOptions,
    },
    /// Listen for incoming connections.
    Listen {
        addr: SocketAddr,
        options: SocketOptions,
    },
    /// Write bytes to a connection (the runtime buffers partial writes).
    Transmit {
        conn: ConnId,
        data: Bytes,
    },
    /// Close a connection once its pending writes are flushed.
    Close {
        conn: ConnId,
    },
    /// Start an API process: `argv[0]` is the program (already resolved), run in
    /// `cwd`, with the daemon's environment plus `env`.
    Spawn {
        process: ProcId,
        name: String,
        argv: Vec<String>,
        cwd: Option<String>,
        env: Vec<(String, String)>,
    },
    /// Write to a process's stdin.
    WriteProcess {
        process: ProcId,
        data: Bytes,
    },
    /// Signal a process.
    Kill {
        process: ProcId,
        signal: ProcessSignal,
    },
    Event(Event),
    /// Stop the daemon with this exit code once pending writes are flushed.
    Exit {
        code: i32,
    },
    /// Nothing more to do now; call back at this instant at the latest.
    Timeout(Instant),
}
