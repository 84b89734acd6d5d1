//! The top-level sans-IO object: all neighbors, processes and timers of a daemon.

use crate::config::Config;
use crate::io::{Input, Output};
use crate::settings::Settings;
use crate::time::Instant;

/// A whole BGP speaker. Feed it [`Input`]s with [`Speaker::handle_input`] and
/// drain [`Speaker::poll_output`] until it yields [`Output::Timeout`].
pub struct Speaker {
    _private: (),
}

impl Speaker {
    /// A speaker for `config`, started at `now`. Its first outputs are the
    /// listeners, connections and processes the configuration asks for.
    pub fn new(config: Config, settings: Settings, now: Instant) -> Speaker {
        let _ = (config, settings, now);
        todo!("fsm-speaker helper")
    }

    pub fn handle_input(&mut self, now: Instant, input: Input) {
        let _ = (now, input);
        todo!("fsm-speaker helper")
    }

    pub fn poll_output(&mut self) -> Output {
        todo!("fsm-speaker helper")
    }
}
