//! A minimal timing harness (criterion is not an allowed dependency).
//!
//! Each benchmark closure performs one "op" and returns how many items it
//! processed (prefixes, lines, messages) so that the result can be given both
//! as ns/op and items/s. The harness warms up, calibrates an iteration count
//! so one run takes about `RUN_TARGET`, then takes several runs and reports
//! the median and the minimum (the minimum is the least disturbed by the
//! other jobs sharing the machine, the median the typical figure).

use std::hint::black_box;
use std::time::{Duration, Instant};

const WARMUP: Duration = Duration::from_millis(200);
const RUN_TARGET: Duration = Duration::from_millis(200);
const RUNS: usize = 7;

/// Result of one benchmark.
#[derive(Clone, Debug)]
pub struct Measure {
    pub name: String,
    pub iterations: u64,
    pub median_ns_per_op: f64,
    pub min_ns_per_op: f64,
    pub items_per_op: u64,
}

impl Measure {
    pub fn items_per_s(&self, ns_per_op: f64) -> f64 {
        if ns_per_op <= 0.0 {
            return 0.0;
        }
        self.items_per_op as f64 * 1e9 / ns_per_op
    }

    pub fn print(&self, unit: &str) {
        println!(
            "{:<28} {:>12.1} ns/op (min {:>12.1})  {:>14.0} {unit}/s (best {:>14.0})  [{} items/op, {} iters/run]",
            self.name,
            self.median_ns_per_op,
            self.min_ns_per_op,
            self.items_per_s(self.median_ns_per_op),
            self.items_per_s(self.min_ns_per_op),
            self.items_per_op,
            self.iterations,
        );
    }
}

/// Time `f`. `quick` runs it once (for tests) instead of measuring.
pub fn bench<F: FnMut() -> u64>(name: &str, quick: bool, mut f: F) -> Measure {
    let items = black_box(f());
    if quick {
        return Measure {
            name: name.to_string(),
            iterations: 1,
            median_ns_per_op: 0.0,
            min_ns_per_op: 0.0,
            items_per_op: items,
        };
    }
    // Warm-up, which also calibrates the iteration count.
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < WARMUP {
        black_box(f());
        n += 1;
    }
    let per_op = start.elapsed().as_nanos() as f64 / n.max(1) as f64;
    let iters = ((RUN_TARGET.as_nanos() as f64 / per_op.max(1.0)) as u64).max(1);
    let mut runs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        for _ in 0..iters {
            black_box(f());
        }
        runs.push(t.elapsed().as_nanos() as f64 / iters as f64);
    }
    runs.sort_by(|a, b| a.total_cmp(b));
    Measure {
        name: name.to_string(),
        iterations: iters,
        median_ns_per_op: runs[RUNS / 2],
        min_ns_per_op: runs[0],
        items_per_op: items,
    }
}
