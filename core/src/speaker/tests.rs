//! Speaker tests: FSM rules through the sans-IO door, and a two-speaker pair
//! wired through an in-memory network. No sockets, no clock: virtual time only.

mod api;
mod corpus;
mod fsm;
mod harness;
mod pair;
mod props;
mod show;
