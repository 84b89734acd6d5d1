//! Time as the core sees it: a monotonic instant handed in by the runtime.
//!
//! The core never reads a clock. Runtimes pass the current [`Instant`] with every
//! input; deadlines the core keeps are plain `Instant` fields, so re-arming a timer
//! is a field write (no timer objects, no allocation).

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A monotonic point in time, in nanoseconds since an origin chosen by the runtime
/// (typically the daemon's start). Serialisable so recorded sessions replay exactly.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Instant(pub u64);

impl Instant {
    pub const ZERO: Instant = Instant(0);
    /// Far future: used as "no deadline".
    pub const NEVER: Instant = Instant(u64::MAX);

    pub fn from_nanos(n: u64) -> Self {
        Instant(n)
    }
    pub fn from_secs(s: u64) -> Self {
        Instant(s.saturating_mul(1_000_000_000))
    }
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        let n = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Instant(self.0.saturating_add(n))
    }
}

impl std::ops::Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.saturating_since(other)
    }
}
