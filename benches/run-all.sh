#!/bin/sh
# Every oxbgp figure of benches/README.md in one go (about 3 minutes), one
# JSON line per scenario. `benches/compare.sh` does the ExaBGP comparison.
set -eu
cd "$(dirname "$0")/.."
cargo build --release -q -p oxbgp -p oxbgp-benches
B=${CARGO_TARGET_DIR:-target}/release/oxbgp-benches
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B" micro
for k in 1 10 100; do "$B" rib --per-set "$k"; done
"$B" idle --secs 30 | tail -n 1
"$B" sessions --n 2000 --secs 10 | tail -n 1
"$B" announce-scaling | tail -n 4
"$B" receive --n 1000000 | tail -n 1
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
