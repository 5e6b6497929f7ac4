#!/usr/bin/env bash
# What the access log costs: the hello example with it off (RUST_LOG=warn) and on
# (RUST_LOG=info, a line per request to stderr redirected to a file, as under systemd or
# `2>server.log`), on one pinned core: server on CPU 0, wrk -t1 -c64 -d5s on CPU 1, the two
# settings alternated, REPS runs each, medians and their ratio (issue 17 asks for >= 0.9).
# Every run checks the answer first and, with the log on, that the lines reached the file.
#
# Usage: scripts/access-log-cost.sh [REPS]   (default 3; needs wrk and 2 CPUs)
#        SINK=pipe scripts/access-log-cost.sh   (stderr into a pipe that `cat` on CPU 1
#        copies to the file, as journald or `| tee` read it, instead of the file itself)
#        HELLO_BIN=path/to/hello scripts/access-log-cost.sh   (measure another build)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
bin=${HELLO_BIN:-target/release/examples/hello}
[ -n "${HELLO_BIN:-}" ] || cargo build --release --example hello
log=$(mktemp)
pid=""
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT

run() { # RUST_LOG -> "rps requests lines"
    : >"$log"
    if [ "${SINK:-file}" = pipe ]; then
        RUST_LOG=$1 taskset -c 0 "$bin" --port 0 2> >(taskset -c 1 cat >"$log") &
    else
        RUST_LOG=$1 taskset -c 0 "$bin" --port 0 2>"$log" &
    fi
    pid=$!
    local port=""
    for _ in $(seq 1 200); do
        port=$(ss -ltnpH "( sport > :0 )" 2>/dev/null | awk -v p="pid=$pid," '$0 ~ p {split($4,a,":"); print a[length(a)]; exit}')
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "hello did not start" >&2; exit 1; }
    [ "$(curl -s "http://127.0.0.1:$port/")" = "good boy" ] || { echo "hello answered wrong" >&2; exit 1; }
    local out; out=$(taskset -c 1 wrk -t1 -c64 -d5s "http://127.0.0.1:$port/")
    if grep -qE "Socket errors|Non-2xx" <<<"$out"; then echo "wrk saw errors: $out" >&2; exit 1; fi
    kill -TERM $pid; wait $pid || true
    sleep 0.2 # the pipe's reader copies the last lines
    local rps requests lines
    rps=$(awk '/Requests\/sec/{print int($2)}' <<<"$out")
    requests=$(awk '/requests in/{print $1}' <<<"$out")
    lines=$(grep -c ' 200 GET / ' "$log" || true)
    echo "$rps $requests $lines"
}

off=(); on=()
for rep in $(seq 1 "$reps"); do
    read -r r _ _ < <(run warn); off+=("$r")
    read -r r n l < <(run info); on+=("$r")
    echo "run $rep: log off ${off[-1]} rps, log on $r rps ($l access lines for $n wrk requests + 1 check)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
o=$(median "${off[@]}"); n=$(median "${on[@]}")
echo "median: log off $o rps, log on $n rps, ratio $(awk -v n="$n" -v o="$o" 'BEGIN{printf "%.3f", n/o}')"
