//! Routing information bases: the Adj-RIB-Out of each neighbor (what we announce),
//! and the optional Adj-RIB-In (what we received, for `show adj-rib in`).
//!
//! * [`attrs`]: interned attribute sets (attributes + next hop) shared by routes.
//! * [`out`]: the Adj-RIB-Out cache and pending-change queue (ExaBGP semantics).
//! * [`encode`]: turning drained changes into UPDATE messages for one session.
//! * [`routes`]: configured routes of every kind (FlowSpec, VPLS, MUP, MVPN
//!   encoded here) as RIB entries.

pub mod adj_in;
pub mod attrs;
pub mod encode;
mod neighbour_hash;
pub mod out;
pub mod routes;

pub use adj_in::AdjRibIn;
pub use attrs::{AttrId, AttrTable, RouteAttributes};
pub use out::{AdjRibOut, Batch};
