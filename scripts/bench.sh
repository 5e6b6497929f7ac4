#!/usr/bin/env bash
# Side-by-side load comparison on one core (issues 5 and 18): Typhoon's hello against
# actix-web, hyper, may-minihttp, nginx and Tornado. Server pinned to CPU 0, load to CPU 1;
# saturated (wrk -c64, pipelined x16), then light load (wrk -c1 and -c4, and fixed rates
# with the open-loop client benches/peers/src/bin/openloop.rs: p50/p99 from when each request
# was due); medians of rotated repetitions; writes the section of BENCHMARKS.md between
# <!-- bench:start --> and <!-- bench:end --> and benches/chart.png (see benches/harness.py).
#
# Usage: scripts/bench.sh [--quick] [--skip-install] [--skip-build] [harness options...]
#        scripts/bench.sh --websocket [--reps N] [--secs S]   (WebSocket echo: scripts/ws-bench.sh)
#   --quick         1 repetition, wrk -d3s, 2,000 idle connections (under 5 minutes once built)
#   (default)       3 repetitions, wrk -d5s, 10,000 idle connections
#   --skip-install  install nothing; only say what is missing
#   --skip-build    use the binaries already built
#   harness options: --reps N --duration S --servers typhoon,hyper,... --no-write
#                    --rates 10000,60000 --lat-duration S --no-latency  (benches/harness.py -h)
#
# Needs 2 CPUs, wrk, nginx (nginx-light), Python 3 with tornado and matplotlib, cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--websocket" ]; then
    shift
    exec scripts/ws-bench.sh "$@"
fi
install=1
build=1
args=()
for a in "$@"; do
    case "$a" in
        --skip-install) install=0 ;;
        --skip-build) build=0 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) args+=("$a") ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
PY=${PYTHON:-python3}

# --- what is needed --------------------------------------------------------------------
missing_apt=()
command -v wrk >/dev/null || missing_apt+=(wrk)
{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } || missing_apt+=(nginx-light)
command -v taskset >/dev/null || missing_apt+=(util-linux)
if [ ${#missing_apt[@]} -gt 0 ]; then
    if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "apt-get install -y ${missing_apt[*]}"
        # Never let the package start a system nginx on port 80.
        policy_added=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            policy_added=1
        fi
        rc=0
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}"; } || rc=$?
        [ "$policy_added" = 1 ] && rm -f /usr/sbin/policy-rc.d
        [ "$rc" = 0 ] || say "apt-get failed ($rc)"
    else
        say "missing: ${missing_apt[*]}  (as root: apt-get update && apt-get install -y ${missing_apt[*]})"
    fi
fi
command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is required: apt-get install -y util-linux" >&2; exit 1; }
{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } ||
    say "nginx missing (apt-get install -y nginx-light): the run goes on without it"

missing_pip=()
"$PY" -c 'import tornado' 2>/dev/null || missing_pip+=(tornado)
"$PY" -c 'import matplotlib' 2>/dev/null || missing_pip+=(matplotlib)
if [ ${#missing_pip[@]} -gt 0 ]; then
    if [ "$install" = 1 ]; then
        say "$PY -m pip install ${missing_pip[*]}"
        "$PY" -m pip install -q "${missing_pip[@]}" || say "pip install failed"
    else
        say "missing: ${missing_pip[*]}  ($PY -m pip install ${missing_pip[*]})"
    fi
fi
"$PY" -c 'import tornado' 2>/dev/null || say "tornado missing ($PY -m pip install tornado): the run goes on without it"
"$PY" -c 'import matplotlib' 2>/dev/null || say "matplotlib missing ($PY -m pip install matplotlib): no chart"

# --- builds ----------------------------------------------------------------------------
if [ "$build" = 1 ]; then
    say "cargo build --release --example hello --example hello_service"
    cargo build --release --example hello --example hello_service
    say "cargo build --release --manifest-path benches/peers/Cargo.toml"
    cargo build --release --manifest-path benches/peers/Cargo.toml
fi

# --- run -------------------------------------------------------------------------------
# 10,000 idle connections need more open files than the usual 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "$PY benches/harness.py ${args[*]:-}"
exec "$PY" benches/harness.py "${args[@]}"
