//! FSM states (RFC 4271 §8.2.2).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    Idle,
    Active,
    Connect,
    OpenSent,
    OpenConfirm,
    Established,
}

impl State {
    /// ExaBGP's spelling (`bgp/fsm.py`), used in events and logs.
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "IDLE",
            State::Active => "ACTIVE",
            State::Connect => "CONNECT",
            State::OpenSent => "OPENSENT",
            State::OpenConfirm => "OPENCONFIRM",
            State::Established => "ESTABLISHED",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
