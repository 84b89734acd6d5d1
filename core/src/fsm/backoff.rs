//! Reconnect delay (ExaBGP `reactor/delay.py` behaviour): after every failed or
//! closed attempt the next one waits 0, 1, 2, 3, 4, 5, 7, 9, 11, 14, 17, 21, 26,
//! 32, 39, 47, 57 seconds, then 60 seconds forever; reset once a session is
//! established. Each step is `min(floor(1 + previous * 1.2), 60)`.

use std::time::Duration;

/// Longest wait between two attempts.
pub const MAX_DELAY_SECS: u64 = 60;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    next: u64,
}

impl Backoff {
    pub fn new() -> Self {
        Backoff { next: 0 }
    }

    /// Back to the first step (session established, teardown, reload).
    pub fn reset(&mut self) {
        self.next = 0;
    }

    /// The wait before the next attempt; advances the sequence.
    pub fn increase(&mut self) -> Duration {
        let wait = self.next;
        // floor(1 + n * 1.2) computed in integers: 1 + (6n / 5).
        self.next = (1 + self.next * 6 / 5).min(MAX_DELAY_SECS);
        Duration::from_secs(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exabgp_sequence() {
        let mut b = Backoff::new();
        let got: Vec<u64> = (0..20).map(|_| b.increase().as_secs()).collect();
        assert_eq!(
            got,
            vec![0, 1, 2, 3, 4, 5, 7, 9, 11, 14, 17, 21, 26, 32, 39, 47, 57, 60, 60, 60]
        );
        b.reset();
        assert_eq!(b.increase().as_secs(), 0);
        assert_eq!(b.increase().as_secs(), 1);
    }
}
