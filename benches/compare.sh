#!/bin/sh
# Side by side: oxbgp and ExaBGP 5.0.15 on the same `announce` and `receive`
# scenarios (same generated configuration, same peers, same API processes,
# both with their default settings, e.g. exabgp.api.ack=true), then the ratios.
#
#   benches/compare.sh [N] [RECEIVE_N]   (default N = 100000: ExaBGP needs minutes
#                                         to announce; RECEIVE_N defaults to N; ExaBGP
#                                         receives 1,000,000 prefixes in ~15 s)
#
# Environment: CARGO_TARGET_DIR (default: target), EXABGP (default
# /opt/exabgp-venv/bin/exabgp), TIMEOUT seconds per run (default 1800).
set -eu
N=${1:-100000}
RECEIVE_N=${2:-$N}
TIMEOUT=${TIMEOUT:-1800}
EXABGP=${EXABGP:-/opt/exabgp-venv/bin/exabgp}
cd "$(dirname "$0")/.."
cargo build --release -q -p oxbgp -p oxbgp-benches
BENCH=${CARGO_TARGET_DIR:-target}/release/oxbgp-benches

run() { # scenario sut binary n -> last line (the JSON figures)
    "$BENCH" "$1" --n "$4" --sut "$2" --sut-bin "$3" --timeout "$TIMEOUT" | tail -n 1
}
field() { # json key -> value
    printf '%s\n' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  N=$N RECEIVE_N=$RECEIVE_N"
OX=${CARGO_TARGET_DIR:-target}/release/oxbgp
A_OX=$(run announce oxbgp "$OX" "$N"); echo "$A_OX"
A_EX=$(run announce exabgp "$EXABGP" "$N"); echo "$A_EX"
R_OX=$(run receive oxbgp "$OX" "$RECEIVE_N"); echo "$R_OX"
R_EX=$(run receive exabgp "$EXABGP" "$RECEIVE_N"); echo "$R_EX"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
# The machine is shared: CPU seconds are steadier than wall-clock rates, so
# the CPU ratio is printed too.
printf '\n%-10s %16s %16s %8s %12s %12s %8s %10s %10s %8s\n' scenario oxbgp/s exabgp/s speedup "ox rss KB" "exa rss KB" "rss x" "ox cpu s" "exa cpu s" "cpu x"
for s in announce receive; do
    if [ "$s" = announce ]; then o=$A_OX; e=$A_EX; k=routes_per_s; else o=$R_OX; e=$R_EX; k=prefixes_per_s; fi
    printf '%-10s %16s %16s %8s %12s %12s %8s %10s %10s %8s\n' "$s" \
        "$(field "$o" $k)" "$(field "$e" $k)" "$(ratio "$(field "$o" $k)" "$(field "$e" $k)")" \
        "$(field "$o" peak_rss_kb)" "$(field "$e" peak_rss_kb)" \
        "$(ratio "$(field "$e" peak_rss_kb)" "$(field "$o" peak_rss_kb)")" \
        "$(field "$o" cpu_s)" "$(field "$e" cpu_s)" \
        "$(ratio "$(field "$e" cpu_s)" "$(field "$o" cpu_s)")"
done
printf '{"scenario":"compare","n":%s,"receive_n":%s,"announce_speedup":%s,"receive_speedup":%s}\n' "$N" "$RECEIVE_N" \
    "$(ratio "$(field "$A_OX" routes_per_s)" "$(field "$A_EX" routes_per_s)")" \
    "$(ratio "$(field "$R_OX" prefixes_per_s)" "$(field "$R_EX" prefixes_per_s)")"
