#!/usr/bin/env bash
# Two oxbgp speakers peer over loopback: A (127.0.0.1) announces three routes,
# B (127.0.0.2) receives them and logs them. Prints what B received, then stops
# both (SIGTERM: A sends a Cease, both exit 0). Needs no router, no root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
port="${PORT:-17179}"
cargo build --release -q -p oxbgp --manifest-path "$root/Cargo.toml"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/oxbgp"
work="$(mktemp -d)"
cleanup() {
    for p in ${pid_a:-} ${pid_b:-}; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

env exabgp_tcp_port="$port" exabgp_tcp_bind=127.0.0.2 exabgp_log_routes=true "$bin" "$here/b.conf" >"$work/b.log" 2>&1 &
pid_b=$!
sleep 0.3
env exabgp_tcp_port="$port" exabgp_tcp_bind= exabgp_log_routes=true "$bin" "$here/a.conf" >"$work/a.log" 2>&1 &
pid_a=$!

for _ in $(seq 1 100); do
    if [ "$(grep -c 'receive update announced' "$work/b.log" || true)" -ge 3 ]; then break; fi
    sleep 0.1
done
echo "== B received from A:"
grep -o 'neighbor .* receive update .*' "$work/b.log" || { echo "no route received"; cat "$work/a.log" "$work/b.log"; exit 1; }
kill -TERM "$pid_a"; status_a=0; wait "$pid_a" || status_a=$?
sleep 0.3
echo "== B saw the session end:"
grep -oE '(<< NOTIFICATION|peer .* down).*' "$work/b.log" || true
kill -TERM "$pid_b"; status_b=0; wait "$pid_b" || status_b=$?
pid_a= pid_b=
echo "== exit status: A=$status_a B=$status_b"
