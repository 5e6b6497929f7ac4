#!/usr/bin/env bash
# Zero-downtime restart under load (issue 17): the release hello example is restarted 20
# times during one `wrk -t2 -c64` run, each new generation taking the listening sockets
# over from the running one (`--handover PATH`, SCM_RIGHTS) while the old one drains and
# exits 0. wrk must see no socket error and no non-2xx answer. Generations alternate
# between 1 and 2 shards, so a handover between different shard counts is covered.
#
#   scripts/hot-restart.sh            # 20 restarts during a 30 s run
#   scripts/hot-restart.sh --quick    # 5 restarts during a 10 s run (scripts/test.sh)
#
# Installs wrk with apt-get when missing, or skips with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

restarts=20
duration=30
if [ "${1:-}" = "--quick" ]; then
    restarts=5
    duration=10
fi

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing wrk (apt-get)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1 || true
    fi
fi
if ! command -v wrk >/dev/null; then
    echo "SKIPPED hot restart test: wrk is not installed and could not be installed with apt-get"
    exit 0
fi

cargo build --release --example hello
bin=target/release/examples/hello
dir=$(mktemp -d)
sock=$dir/hello.handover
pid=
wrk_pid=
cleanup() {
    [ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null || true
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

# Starts generation $1 with the shared handover path; its log is $dir/gen$1.log. The first
# one logs at INFO (to find the port it bound); the others log warnings only, since the
# access log writes a line per request.
start_generation() {
    local gen=$1 level=warn
    [ "$gen" = 0 ] && level=info
    RUST_LOG=$level "$bin" --port 0 --handover "$sock" --shards $(( gen % 2 + 1 )) \
        2>"$dir/gen$gen.log" &
    pid=$!
}

# What a stuck handover is doing: both generations' threads and logs.
diagnose() {
    local stuck=$1 gen=$2
    for p in "$stuck" "$pid"; do
        echo "threads of pid $p (name, state, kernel wait):"
        for task in /proc/"$p"/task/*; do
            echo "  $(cat "$task/comm" 2>/dev/null) $(awk '{print $3}' "$task/stat" 2>/dev/null) $(cat "$task/wchan" 2>/dev/null)"
        done
    done
    ls -la "$dir"
    for g in $(( gen - 1 )) "$gen"; do
        echo "--- generation $g's log (last 20 lines):"
        tail -20 "$dir/gen$g.log"
    done
}

start_generation 0
port=$(logged_port "$dir/gen0.log" "$pid")
for _ in $(seq 1 200); do
    [ -S "$sock" ] && break
    sleep 0.05
done
[ -S "$sock" ] || { cat "$dir/gen0.log"; echo "FAIL: hello never served handovers at $sock"; exit 1; }

url="http://127.0.0.1:$port/"
echo "wrk -t2 -c64 -d${duration}s $url, with $restarts restarts (server and wrk share the $(nproc) CPUs)"
wrk -t2 -c64 -d"${duration}s" --latency "$url" >"$dir/wrk.txt" 2>&1 &
wrk_pid=$!
# Spread the restarts over the run, leaving a few seconds of load before and after them.
interval_ms=$(( (duration - 5) * 1000 / restarts ))
sleep 1

for gen in $(seq 1 "$restarts"); do
    old=$pid
    start_generation "$gen"
    # The old generation exits by itself once the new one accepts and it has drained.
    waited=0
    while kill -0 "$old" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$dir/gen$gen.log"; echo "FAIL: generation $gen exited during the takeover"; exit 1
        fi
        waited=$(( waited + 10 ))
        if [ "$waited" -ge 15000 ]; then
            diagnose "$old" "$gen"; echo "FAIL: generation $(( gen - 1 )) did not exit within 15 s"; exit 1
        fi
        sleep 0.01
    done
    status=0
    wait "$old" || status=$?
    if [ "$status" != 0 ]; then
        cat "$dir/gen$(( gen - 1 )).log"; echo "FAIL: generation $(( gen - 1 )) exited with status $status"; exit 1
    fi
    echo "restart $gen: generation $gen ($(( gen % 2 + 1 )) shard(s), pid $pid) took over; the old one drained and exited 0 in ${waited} ms"
    pause=$(( interval_ms > waited ? interval_ms - waited : 0 ))
    sleep "$(( pause / 1000 )).$(printf '%03d' $(( pause % 1000 )))"
done

kill -0 "$wrk_pid" 2>/dev/null || { echo "FAIL: the restarts outlasted the wrk run (make it longer)"; exit 1; }
wait "$wrk_pid" || { cat "$dir/wrk.txt"; echo "FAIL: wrk failed"; exit 1; }
wrk_pid=
cat "$dir/wrk.txt"

body=$(curl -s "$url" || true)
[ "$body" = "good boy" ] || { echo "FAIL: after the restarts GET / answered '$body'"; exit 1; }
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 0 ] || { echo "FAIL: the last generation exited with status $status on SIGTERM"; exit 1; }
[ ! -e "$sock" ] || { echo "FAIL: the last generation left $sock behind"; exit 1; }

requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$dir/wrk.txt")
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$dir/wrk.txt")
socket_errors=$(sed -n 's/^ *Socket errors: *\(.*\)/\1/p' "$dir/wrk.txt")
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$dir/wrk.txt")
warnings=$(cat "$dir"/gen*.log | grep -c '^\[[WE] ' || true)
echo "hot restart: $restarts restarts, $requests requests, $rps requests/s," \
    "socket errors: ${socket_errors:-none}, non-2xx: ${non2xx:-0}, warnings logged: $warnings"
if [ -n "$socket_errors" ] || [ -n "$non2xx" ] || [ -z "$requests" ]; then
    echo "FAIL: wrk saw errors during the restarts"; exit 1
fi
if [ "$warnings" != 0 ]; then
    cat "$dir"/gen*.log | grep '^\[[WE] ' | head -20
    echo "FAIL: the servers logged warnings or errors"; exit 1
fi
echo "hot-restart: passed"
