#!/usr/bin/env bash
# Load smoke test of the release hello example: wrk -t1 -c64 -d5s must see no socket
# errors and no non-2xx answers; then SIGTERM during a wrk run must exit 0 within the
# shutdown deadline. Installs wrk with apt-get when missing, or skips with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing wrk (apt-get)"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null 2>&1 || true
    fi
fi
if ! command -v wrk >/dev/null; then
    echo "SKIPPED load smoke test: wrk is not installed and could not be installed with apt-get"
    exit 0
fi

cargo build --release --example hello
bin=target/release/examples/hello
log=$(mktemp)
trap 'kill $pid 2>/dev/null || true; rm -f "$log" "$log.wrk"' EXIT

start_hello() {
    : >"$log"
    RUST_LOG=info "$bin" --port 0 2>"$log" &
    pid=$!
    port=$(logged_port "$log" "$pid") || exit 1
}

start_hello
body=$(curl -s "http://127.0.0.1:$port/")
[ "$body" = "good boy" ] || { echo "GET / answered '$body'"; exit 1; }

echo "wrk -t1 -c64 -d5s http://127.0.0.1:$port/"
wrk -t1 -c64 -d5s "http://127.0.0.1:$port/" | tee "$log.wrk"
if grep -Eq 'Socket errors|Non-2xx' "$log.wrk"; then
    echo "FAIL: wrk saw errors"; exit 1
fi
grep -q 'Requests/sec' "$log.wrk" || { echo "FAIL: wrk printed no rate"; exit 1; }

echo "SIGTERM during a wrk run"
wrk -t1 -c64 -d5s "http://127.0.0.1:$port/" >/dev/null 2>&1 &
wrk_pid=$!
sleep 1 # let the load build up; the check below is on the exit, not on timing luck
start=$(date +%s%N)
kill -TERM $pid
status=0
wait $pid || status=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
wait $wrk_pid || true
echo "hello exited with status $status after ${elapsed_ms} ms"
[ "$status" = 0 ] || { cat "$log"; echo "FAIL: exit status $status"; exit 1; }
[ "$elapsed_ms" -lt 10000 ] || { echo "FAIL: took ${elapsed_ms} ms (deadline 10 s)"; exit 1; }
echo "smoke: 2 passed, 0 failed"
