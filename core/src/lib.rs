//! oxbgp-core: the sans-IO heart of oxbgp, an ExaBGP 5.0 compatible BGP speaker.
//!
//! The core is pure and deterministic. It consumes [`Input`]s (bytes from a peer,
//! a connection opened or closed, a line from an API process, a process exit, a
//! control command) together with the current time, and emits [`Output`]s (bytes to
//! send, connect/listen/close requests, process spawn/kill/write requests, events,
//! and the next deadline). It never touches sockets, pipes, clocks, environment
//! variables, threads or randomness: runtimes (`oxbgp-runtime-mio`,
//! `oxbgp-runtime-std`) do that and feed the results back in.
//!
//! Modules:
//! * [`wire`]: BGP message codec (nom to decode, `bytes` to encode).
//! * [`fsm`]: the RFC 4271 session state machine, one per neighbor.
//! * [`config`]: the ExaBGP configuration grammar, with line/column errors.
//! * [`api`]: the text API and the JSON/text encoders for API processes.
//! * [`rib`]: Adj-RIB-Out (and optional Adj-RIB-In).
//! * [`speaker`]: the top-level sans-IO object that ties everything together.

pub mod api;
pub mod config;
pub mod fsm;
pub mod io;
pub mod record;
pub mod rib;
pub mod settings;
pub mod speaker;
pub mod time;
pub mod wire;

pub use io::{ConnId, Input, Output, ProcId};
pub use settings::Settings;
pub use speaker::Speaker;
pub use time::Instant;

/// The release oxbgp reports (`version` API command, software-version capability
/// unless `exabgp_version` overrides it).
pub const RELEASE: &str = env!("CARGO_PKG_VERSION");
/// The API format version ExaBGP 5.0 writes in every JSON message (`"exabgp": "5.0.0"`).
pub const API_VERSION: &str = "5.0.0";
