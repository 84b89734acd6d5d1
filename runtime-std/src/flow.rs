//! Flow control between the reader threads and the core loop, so this runtime
//! behaves as the mio one does:
//!
//! - **Run-ahead in bytes.** Readers may have at most [`RUN_AHEAD`] bytes read
//!   and not yet handed to the core (the channel alone bounds messages, and
//!   4096 messages of a fast API process are its whole table: the core then
//!   parsed it in one batch, 200+ MB peak). The mio loop reads a bounded slice
//!   per turn ([`oxbgp_runtime_mio::process::READ_BUDGET`]); this is the same
//!   idea for threads.
//! - **Pause for a backlogged process.** While an API process has more than
//!   [`BACKLOG_HIGH`] bytes of output waiting, peer readers stop reading, so
//!   TCP slows the peers down and a slow JSON monitor loses nothing; they go on
//!   below [`BACKLOG_LOW`], or after [`BACKLOG_GRACE`] for one turn
//!   ([`CONN_READ_BUDGET`] bytes each), so a process that never reads can not
//!   make sessions expire. Same thresholds and log lines as mio.
//!
//! [`Backlog`] is the core loop's decision (pure: the time is an argument);
//! [`Gate`] is what the threads wait on.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

pub use oxbgp_runtime_mio::{BACKLOG_GRACE, BACKLOG_HIGH, BACKLOG_LOW, CONN_READ_BUDGET};

/// Bytes the reader threads together may have read ahead of the core. Large
/// enough that a reader rarely waits while the core works on the previous
/// batch (a batch is what the core handles before writing its UPDATEs),
/// small next to the tables it bounds. Each reader may overshoot by one read.
pub const RUN_AHEAD: usize = 1024 * 1024;

// The pause must end before any legal hold time (RFC 4271 §4.2: 3 s at least)
// and begin before output is dropped.
const _: () = assert!(
    BACKLOG_GRACE.as_millis() < 3000
        && BACKLOG_LOW < BACKLOG_HIGH
        && BACKLOG_HIGH < crate::process::MAX_QUEUED
);

/// What [`Backlog::check`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing changes.
    Stay,
    /// Stop reading from peers.
    Pause,
    /// Read from peers again; `behind`: the grace ran out, not the backlog.
    Resume { behind: bool },
}

/// The core loop's pause state: since when peer reads are paused.
#[derive(Debug, Default)]
pub struct Backlog {
    since: Option<Instant>,
}

impl Backlog {
    /// Decide from the largest process backlog (`worst` bytes) at `now`, with
    /// mio's thresholds: pause above [`BACKLOG_HIGH`], resume below
    /// [`BACKLOG_LOW`] or once [`BACKLOG_GRACE`] has passed.
    pub fn check(&mut self, worst: usize, now: Instant) -> Decision {
        match self.since {
            None if worst > BACKLOG_HIGH => {
                self.since = Some(now);
                Decision::Pause
            }
            Some(since)
                if worst < BACKLOG_LOW || now.saturating_duration_since(since) >= BACKLOG_GRACE =>
            {
                self.since = None;
                Decision::Resume {
                    behind: worst >= BACKLOG_LOW,
                }
            }
            _ => Decision::Stay,
        }
    }

    /// When the current pause ends at the latest (the core loop must wake
    /// then even if nothing happens).
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|s| s + BACKLOG_GRACE)
    }

    pub fn paused(&self) -> bool {
        self.since.is_some()
    }
}

/// Shared by the core loop and every reader thread.
#[derive(Debug, Default)]
pub struct Gate {
    /// Bytes read and sent to the core, not yet handed to it.
    in_flight: AtomicUsize,
    paused: AtomicBool,
    /// Bumped at every resume: a peer reader seeing a new value gets a turn
    /// of [`CONN_READ_BUDGET`] bytes even if a new pause began meanwhile.
    turn: AtomicU64,
    /// The runtime is exiting: nobody waits any more.
    stopped: AtomicBool,
    lock: Mutex<()>,
    cond: Condvar,
}

/// A peer reader's own view of the pause.
#[derive(Debug, Default)]
pub struct Turn {
    seen: u64,
    /// Bytes this reader may still read while paused.
    left: usize,
}

impl Gate {
    /// The pause state of a reader starting now: like mio, a connection
    /// accepted during a pause is read once it ends, not before.
    pub fn reader_turn(&self) -> Turn {
        Turn {
            seen: self.turn.load(Ordering::Acquire),
            left: 0,
        }
    }

    /// May a peer reader read now? (`turn`: its own state, updated.)
    pub fn peer_may_read(&self, turn: &mut Turn) -> bool {
        let current = self.turn.load(Ordering::Acquire);
        if current != turn.seen {
            turn.seen = current;
            turn.left = CONN_READ_BUDGET;
        }
        self.room() && (!self.paused.load(Ordering::Acquire) || turn.left > 0)
    }

    /// Below the run-ahead budget?
    pub fn room(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) < RUN_AHEAD
    }

    /// Block a peer reader until it may read, its connection is `closed`, or
    /// the runtime stops.
    pub fn wait_peer(&self, turn: &mut Turn, closed: &AtomicBool) {
        self.wait_until(|| closed.load(Ordering::Acquire) || self.peer_may_read(turn));
    }

    /// Block a process reader until there is room (processes are not paused:
    /// mio does not pause them either; their lines are what the core sends).
    pub fn wait_room(&self) {
        self.wait_until(|| self.room());
    }

    fn wait_until(&self, mut ready: impl FnMut() -> bool) {
        // Checked without the lock first: the common case costs two loads.
        if ready() || self.stopped.load(Ordering::Acquire) {
            return;
        }
        let mut g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        // Every change that can make `ready` true is followed by a notify under
        // this lock, so checking under it loses no wake-up.
        while !ready() && !self.stopped.load(Ordering::Acquire) {
            g = self.cond.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A reader read `n` bytes (a peer reader: with its `turn`).
    pub fn charge(&self, n: usize, turn: Option<&mut Turn>) {
        self.in_flight.fetch_add(n, Ordering::AcqRel);
        if let Some(t) = turn {
            t.left = t.left.saturating_sub(n);
        }
    }

    /// The core took `n` charged bytes in hand.
    pub fn release(&self, n: usize) {
        let before = self.in_flight.fetch_sub(n, Ordering::AcqRel);
        if before >= RUN_AHEAD && before - n < RUN_AHEAD {
            self.wake();
        }
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Release);
        if !paused {
            self.turn.fetch_add(1, Ordering::AcqRel);
            self.wake();
        }
    }

    /// Release every waiter for good (the runtime exits).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.wake();
    }

    /// Wake every waiter to re-check (e.g. a connection was closed).
    pub fn wake(&self) {
        drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
        self.cond.notify_all();
    }

    /// Bytes read ahead of the core right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Arc;
    use std::time::Duration;

    const MIB: usize = 1024 * 1024;

    #[test]
    fn a_pause_starts_above_the_high_mark_only() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        assert_eq!(b.check(BACKLOG_HIGH, t0), Decision::Stay);
        assert!(!b.paused());
        assert_eq!(b.deadline(), None);
        assert_eq!(b.check(BACKLOG_HIGH + 1, t0), Decision::Pause);
        assert!(b.paused());
        assert_eq!(b.deadline(), Some(t0 + BACKLOG_GRACE));
    }

    #[test]
    fn a_pause_holds_between_the_marks_and_ends_below_the_low_one() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        assert_eq!(b.check(20 * MIB, t0), Decision::Pause);
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(b.check(BACKLOG_HIGH + 1, t1), Decision::Stay);
        assert_eq!(b.check(BACKLOG_LOW, t1), Decision::Stay);
        assert_eq!(
            b.check(BACKLOG_LOW - 1, t1),
            Decision::Resume { behind: false }
        );
        assert!(!b.paused());
        // Between the marks while not paused: no new pause.
        assert_eq!(b.check(8 * MIB, t1), Decision::Stay);
    }

    #[test]
    fn a_pause_ends_after_the_grace_even_when_the_process_is_behind() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        assert_eq!(b.check(40 * MIB, t0), Decision::Pause);
        let almost = t0 + BACKLOG_GRACE - Duration::from_millis(1);
        assert_eq!(b.check(40 * MIB, almost), Decision::Stay);
        let t1 = t0 + BACKLOG_GRACE;
        assert_eq!(b.check(40 * MIB, t1), Decision::Resume { behind: true });
        // Still behind at the next check: a new pause, with a new grace.
        let t2 = t1 + Duration::from_millis(10);
        assert_eq!(b.check(40 * MIB, t2), Decision::Pause);
        assert_eq!(b.deadline(), Some(t2 + BACKLOG_GRACE));
    }

    #[test]
    fn the_run_ahead_budget_stops_readers_until_the_core_releases() {
        let g = Gate::default();
        let mut t = Turn::default();
        assert!(g.room() && g.peer_may_read(&mut t));
        g.charge(RUN_AHEAD - 1, Some(&mut t));
        assert!(g.room());
        g.charge(1, Some(&mut t));
        assert!(!g.room());
        assert!(!g.peer_may_read(&mut t));
        g.release(1);
        assert!(g.peer_may_read(&mut t));
        g.release(RUN_AHEAD - 1);
        assert_eq!(g.in_flight(), 0);
    }

    #[test]
    fn a_paused_reader_gets_one_turn_per_resume() {
        let g = Gate::default();
        let mut t = Turn::default();
        assert!(g.peer_may_read(&mut t));
        // No resume happened since the reader started: no turn.
        g.set_paused(true);
        assert!(!g.peer_may_read(&mut t));
        g.set_paused(false);
        g.set_paused(true);
        assert!(g.peer_may_read(&mut t));
        g.charge(CONN_READ_BUDGET - 1, Some(&mut t));
        g.release(CONN_READ_BUDGET - 1);
        assert!(g.peer_may_read(&mut t));
        g.charge(1, Some(&mut t));
        g.release(1);
        assert!(!g.peer_may_read(&mut t), "the turn is used up");
        g.set_paused(false);
        assert!(g.peer_may_read(&mut t));
    }

    /// Runs `f` in a thread; the closure returned tells whether it returned
    /// (a generous limit only detects a hang, it asserts nothing on timing).
    fn returns(f: impl FnOnce() + Send + 'static) -> impl FnOnce() -> bool {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            f();
            let _ = tx.send(());
        });
        move || rx.recv_timeout(Duration::from_secs(30)).is_ok()
    }

    #[test]
    fn a_reader_waiting_on_a_pause_leaves_when_its_connection_closes() {
        let g = Arc::new(Gate::default());
        g.set_paused(true);
        let closed = Arc::new(AtomicBool::new(false));
        let (g2, c2) = (g.clone(), closed.clone());
        let done = returns(move || {
            // No resume since it started: no turn either.
            let mut t = Turn::default();
            assert!(!g2.peer_may_read(&mut t));
            g2.wait_peer(&mut t, &c2);
            assert!(c2.load(Ordering::Acquire), "left while still paused");
        });
        closed.store(true, Ordering::Release);
        g.wake();
        assert!(done(), "the reader never left");
    }

    #[test]
    fn readers_waiting_on_the_budget_go_on_after_a_release_or_a_stop() {
        let g = Arc::new(Gate::default());
        g.charge(RUN_AHEAD, None);
        let g2 = g.clone();
        let released = returns(move || g2.wait_room());
        g.release(RUN_AHEAD);
        assert!(released());
        g.charge(RUN_AHEAD, None);
        let g3 = g.clone();
        let stopped = returns(move || {
            let mut t = Turn::default();
            g3.wait_peer(&mut t, &AtomicBool::new(false))
        });
        g.stop();
        assert!(stopped());
    }
}
