#!/usr/bin/env bash
# The routed JSON handler (web_tour's /json) against the plain hello (/) on one pinned
# core: server on CPU 0, wrk -t1 -c64 -d5s on CPU 1, servers rotated, REPS runs each,
# medians and their ratio. Every answer is checked first, so a broken server cannot win.
#
# Usage: scripts/json-vs-hello.sh [REPS]   (default 3; needs wrk and 2 CPUs)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build --release --example hello --example web_tour
log=$(mktemp)
pid=""
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

run() { # example path expected -> rps
    : >"$log"
    RUST_LOG=warn taskset -c 0 "target/release/examples/$1" --port 0 2>"$log" &
    pid=$!
    local port=""
    for _ in $(seq 1 200); do
        port=$(ss -ltnpH "( sport > :0 )" 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4,a,":"); print a[length(a)]; exit}')
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "no port for $1" >&2; exit 1; }
    local body; body=$(curl -s "http://127.0.0.1:$port$2")
    [ "$body" = "$3" ] || { echo "$1 $2 answered '$body'" >&2; exit 1; }
    taskset -c 1 wrk -t1 -c64 -d5s "http://127.0.0.1:$port$2" | awk '/Requests\/sec/{print int($2)} /Socket errors|Non-2xx/{print "ERR " $0 > "/dev/stderr"}'
    kill -TERM $pid; wait $pid || true
}

hello=(); json=()
for rep in $(seq 1 "$reps"); do
    hello+=("$(run hello / 'good boy')")
    json+=("$(run web_tour /json '{"message": "Hello, World!"}')")
    echo "run $rep: hello ${hello[-1]} rps, json ${json[-1]} rps"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
h=$(median "${hello[@]}"); j=$(median "${json[@]}")
echo "median: hello $h rps, /json $j rps, ratio $(awk -v j="$j" -v h="$h" 'BEGIN{printf "%.3f", j/h}')"
