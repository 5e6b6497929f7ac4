#!/usr/bin/env bash
# WebSocket echo on one pinned core (issue 15): Typhoon's examples/ws_echo.rs beside a
# tokio-tungstenite echo server and Tornado's. Server on CPU 0, the closed-loop client
# (benches/peers/src/bin/ws_load.rs) on CPU 1: 64 connections, 32-byte text messages,
# each waiting for its echo; the same with 8 messages in flight per connection (sent in
# one write: the client's cost per message falls, so the server sets the pace); then one
# connection (round-trip latency). Rotated repetitions; prints each server's medians.
#
#   scripts/ws-bench.sh [--reps N] [--secs S]      (default 5 repetitions of 5 s)
#
# Needs 2 CPUs, cargo, taskset; Tornado (pip install tornado) for its row.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5
secs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps=$2; shift 2 ;;
        --secs) secs=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
PY=${PYTHON:-python3}
"$PY" -c 'import tornado' 2>/dev/null || "$PY" -m pip install -q tornado || true

cargo build --release --example ws_echo
cargo build --release --manifest-path benches/peers/Cargo.toml --bin tungstenite_echo --bin ws_load
load=benches/peers/target/release/ws_load

servers=(typhoon tungstenite)
"$PY" -c 'import tornado' 2>/dev/null && servers+=(tornado) || echo "tornado missing: its row is skipped"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() { # name port -> pid
    case "$1" in
        typhoon) RUST_LOG=warn taskset -c 0 target/release/examples/ws_echo --port "$2" --shards 1 >/dev/null 2>&1 & ;;
        tungstenite) taskset -c 0 benches/peers/target/release/tungstenite_echo --port "$2" >/dev/null 2>&1 & ;;
        tornado) taskset -c 0 "$PY" benches/peers/tornado_ws_echo.py --port "$2" >/dev/null 2>&1 & ;;
    esac
    echo $!
}

wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "server on $1 did not come up" >&2; return 1
}

results=$(mktemp)
for rep in $(seq "$reps"); do
    for name in "${servers[@]}"; do
        port=$(free_port)
        pid=$(start "$name" "$port")
        wait_port "$port"
        c64=$(taskset -c 1 "$load" --port "$port" --conns 64 --size 32 --secs "$secs")
        c64d8=$(taskset -c 1 "$load" --port "$port" --conns 64 --depth 8 --size 32 --secs "$secs")
        c1=$(taskset -c 1 "$load" --port "$port" --conns 1 --size 32 --secs 2)
        kill "$pid"; wait "$pid" 2>/dev/null || true
        echo "$name|$c64|$c64d8|$c1" >>"$results"
        echo "run $rep $name: 64 conns: $c64 | 64 x 8: $c64d8 | 1 conn: $c1"
    done
done

"$PY" - "$results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *runs = line.rstrip("\n").split("|")
    r = rows.setdefault(name, {})
    for label, text in zip(("64", "64x8", "1"), runs):
        for key, pattern in (("rate", r"([\d.]+) messages/s"), ("p50", r"p50 ([\d.]+)"), ("p99", r"p99 ([\d.]+)")):
            r.setdefault((label, key), []).append(float(re.search(pattern, text).group(1)))
med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in rows.items()}
base = med.get("tungstenite", {})
print("\n| server | 64 conns: messages/s | vs tokio-tungstenite | p50 | p99 | 64 × 8 in flight: messages/s | vs tokio-tungstenite | 1 conn: messages/s | p50 | p99 |")
print("|---|---|---|---|---|---|---|---|---|---|")
ratio = lambda m, label: f"{m[(label, 'rate')] / base[(label, 'rate')]:.2f}×" if base else "-"
for n, m in med.items():
    print(f"| {n} | {m[('64', 'rate')]:,.0f} | {ratio(m, '64')} | {m[('64', 'p50')]:.0f} µs | {m[('64', 'p99')]:.0f} µs "
          f"| {m[('64x8', 'rate')]:,.0f} | {ratio(m, '64x8')} "
          f"| {m[('1', 'rate')]:,.0f} | {m[('1', 'p50')]:.0f} µs | {m[('1', 'p99')]:.0f} µs |")
PY
rm -f "$results"
