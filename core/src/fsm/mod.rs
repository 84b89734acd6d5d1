//! The RFC 4271 §8 session state machine, one per neighbor connection.
//!
//! * [`state`]: the six FSM states, named as ExaBGP names them.
//! * [`backoff`]: ExaBGP's reconnect delay sequence.
//! * [`open`]: our OPEN built from the configuration, and the checks on the peer's.
//! * [`negotiated`]: what both OPENs agree on, and the codec context derived from it.
//! * [`notify`]: the NOTIFICATIONs the FSM sends, with ExaBGP's data texts.
//! * [`session`]: one TCP connection's BGP session (OPEN exchange, timers,
//!   message dispatch), independent of the RIB and of other connections.

pub mod backoff;
pub mod negotiated;
pub mod notify;
pub mod open;
pub mod session;
pub mod state;

pub use backoff::Backoff;
pub use negotiated::Negotiated;
pub use session::{CloseReason, Session, SessionEvent, SessionParams};
pub use state::State;
