//! Recording (`--record FILE`) as both runtimes do it: every input the core
//! receives is written as one JSON line (formatted by the core's pure
//! [`Recorder`]); the first write error stops the recording, loudly, and never
//! the daemon.

use oxbgp_core::record::Recorder;
use oxbgp_core::{Input, Instant};
use std::io::Write;

/// The recorder and where its lines go.
pub type RecordSink = (Recorder, Box<dyn Write>);

/// Record one input; `more` says another input follows before outputs are
/// drained (replay needs it to batch inputs the same way).
pub fn input(record: &mut Option<RecordSink>, now: Instant, input: &Input, more: bool) {
    if let Some((rec, sink)) = record.as_mut() {
        if let Err(e) = sink.write_all(rec.input(now, input, more).as_bytes()) {
            log::error!("recording stopped: {e}");
            *record = None;
        }
    }
}

/// Flush at the end of a loop turn, so a crash loses at most one turn.
pub fn flush(record: &mut Option<RecordSink>) {
    if let Some((_, sink)) = record.as_mut() {
        let _ = sink.flush();
    }
}
