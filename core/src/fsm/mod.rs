//! The RFC 4271 §8 session state machine, one per neighbor.
