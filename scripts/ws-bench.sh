#!/usr/bin/env bash
# WebSocket echo on one pinned core (issue 15): Typhoon's examples/ws_echo.rs beside a
# tokio-tungstenite echo server and Tornado's. Server on CPU 0, the closed-loop client
# (benches/peers/src/bin/ws_load.rs) on CPU 1: 64 connections, 32-byte text messages,
# each waiting for its echo; then one connection (round-trip latency). Rotated
# repetitions; prints the median of each server's runs.
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
        c1=$(taskset -c 1 "$load" --port "$port" --conns 1 --size 32 --secs 2)
        kill "$pid"; wait "$pid" 2>/dev/null || true
        echo "$name|$c64|$c1" >>"$results"
        echo "run $rep $name: 64 conns: $c64 | 1 conn: $c1"
    done
done

"$PY" - "$results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, c64, c1 = line.rstrip("\n").split("|")
    num = lambda s, k: float(re.search(k, s).group(1))
    r = rows.setdefault(name, {"rate": [], "p50": [], "p99": [], "rate1": [], "p50_1": [], "p99_1": []})
    r["rate"].append(num(c64, r"([\d.]+) messages/s")); r["p50"].append(num(c64, r"p50 ([\d.]+)")); r["p99"].append(num(c64, r"p99 ([\d.]+)"))
    r["rate1"].append(num(c1, r"([\d.]+) messages/s")); r["p50_1"].append(num(c1, r"p50 ([\d.]+)")); r["p99_1"].append(num(c1, r"p99 ([\d.]+)"))
med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in rows.items()}
base = med.get("tungstenite", {}).get("rate")
print("\n| server | 64 conns: messages/s | vs tokio-tungstenite | p50 | p99 | 1 conn: messages/s | p50 | p99 |")
print("|---|---|---|---|---|---|---|---|")
for n, m in med.items():
    ratio = f"{m['rate'] / base:.2f}x" if base else "-"
    print(f"| {n} | {m['rate']:,.0f} | {ratio} | {m['p50']:.0f} µs | {m['p99']:.0f} µs | {m['rate1']:,.0f} | {m['p50_1']:.0f} µs | {m['p99_1']:.0f} µs |")
PY
rm -f "$results"
