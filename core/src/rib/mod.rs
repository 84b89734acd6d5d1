//! Routing information bases: the Adj-RIB-Out of each neighbor (what we announce),
//! and the optional Adj-RIB-In (what we received, for `show adj-rib in`).
