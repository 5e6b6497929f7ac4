#!/usr/bin/env bash
# Slowloris and slow POST against the deploy example (issue 17's acceptance): the server,
# one shard pinned to CPU 0, must cut every slow connection within its deadline + 1 s,
# while wrk's p99 for normal clients (pinned to CPU 1, with the attackers) stays within
# 3× its baseline. Prints the command lines and the numbers for BENCHMARKS.md.
#
#   scripts/slow-clients.sh                    # 1,000 slowloris + 100 slow POST, 3 × 10 s wrk
#   scripts/slow-clients.sh --quick            # 100 + 10, 1 × 3 s wrk: a smoke run
#   scripts/slow-clients.sh --header-timeout 10 --body-timeout 10 --slowloris 2000
#
# Slowloris connections send one header byte every --interval seconds (10) and never end
# the head; slow POSTs send a whole head with Content-Length, then one body byte every
# --interval seconds. A connection the server cuts is replaced at once, so the attack
# lasts through every wrk run (benches/peers/src/bin/slow_clients.rs, one mio thread; it
# was Python asyncio, whose CPU on the load core showed in wrk's p99). The attackers share
# CPU 1 with wrk (--attack-cpu N moves them, where a machine has a third core); --attack-nice N
# lowers their priority (a diagnostic: starved, they see the server's closes late and
# their timings stop being trustworthy). Installs wrk with apt-get when missing, or
# prints "SKIPPED: <reason>" and exits 0. Exits 1 if a bound is not met.
set -euo pipefail
cd "$(dirname "$0")/.."

header_timeout=5
body_timeout=5
slowloris=1000
slow_posts=100
interval=10
runs=3
duration=10s
attack_nice=0
attack_cpu=1
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) slowloris=100 slow_posts=10 runs=1 duration=3s ;;
        --header-timeout) header_timeout=$2; shift ;;
        --body-timeout) body_timeout=$2; shift ;;
        --slowloris) slowloris=$2; shift ;;
        --slow-posts) slow_posts=$2; shift ;;
        --interval) interval=$2; shift ;;
        --runs) runs=$2; shift ;;
        --duration) duration=$2; shift ;;
        --attack-nice) attack_nice=$2; shift ;;
        --attack-cpu) attack_cpu=$2; shift ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)"; exit 2 ;;
    esac
    shift
done

if ! command -v wrk >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "installing wrk (apt-get)"
    (apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }) >/dev/null 2>&1 || true
fi
command -v wrk >/dev/null || { echo "SKIPPED: wrk is not installed and apt-get could not install it."; exit 0; }
command -v taskset >/dev/null || { echo "SKIPPED: taskset (util-linux) is missing."; exit 0; }
[ "$(nproc)" -ge 2 ] || { echo "SKIPPED: the server and the load need a CPU each; this process may use $(nproc)."; exit 0; }

# The server holds every slow connection: it and the attackers need a descriptor each.
need=$((slowloris + slow_posts + 200))
if [ "$(ulimit -n)" -lt "$need" ]; then
    ulimit -n "$need" 2>/dev/null || {
        echo "FAILED: $need file descriptors are needed, the hard limit is $(ulimit -Hn): lower --slowloris or raise it"
        exit 1
    }
fi

bin=${DEPLOY_BIN:-target/release/examples/deploy} # DEPLOY_BIN measures another build
[ -n "${DEPLOY_BIN:-}" ] || cargo build --release --example deploy
attacker=benches/peers/target/release/slow_clients
cargo build --release --manifest-path benches/peers/Cargo.toml --bin slow_clients

tmp=$(mktemp -d)
server=""
attack=""
cleanup() {
    for pid in $attack $server; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $attack $server; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
server_cmd=(taskset -c 0 "$bin" --port "$port" --shards 1
    --header-timeout "$header_timeout" --body-timeout "$body_timeout")
# Timeouts are logged at INFO (the server-side count below); the access log is off.
RUST_LOG=info,typhoon::access=warn "${server_cmd[@]}" 2>"$tmp/server.log" &
server=$!
ready=0
for _ in $(seq 200); do
    kill -0 "$server" 2>/dev/null || { cat "$tmp/server.log"; echo "FAILED: the deploy example exited at start"; exit 1; }
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
        ready=1
        break
    fi
    sleep 0.05
done
[ "$ready" = 1 ] || { cat "$tmp/server.log"; echo "FAILED: the deploy example did not answer in 10 s"; exit 1; }

wrk_cmd=(taskset -c 1 wrk -t1 -c16 -d"$duration" --latency "http://127.0.0.1:$port/")

# p99 of a wrk --latency report, in microseconds.
p99_us() {
    awk '$1 == "99%" { v = $2; m = 1
        if (v ~ /ms$/) m = 1000; else if (v ~ /us$/) m = 1; else if (v ~ /s$/) m = 1000000
        sub(/[a-z]+$/, "", v); printf "%.0f\n", v * m }' "$1"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Runs wrk $runs times into $tmp/$1.N; fails on socket errors or non-2xx answers.
measure() {
    for n in $(seq "$runs"); do
        "${wrk_cmd[@]}" >"$tmp/$1.$n"
        if grep -Eq 'Socket errors|Non-2xx' "$tmp/$1.$n"; then
            cat "$tmp/$1.$n"
            echo "FAILED: normal clients saw errors ($1 run $n, above)"
            exit 1
        fi
        printf '  %s run %s: p99 %s us, %s requests/s\n' "$1" "$n" "$(p99_us "$tmp/$1.$n")" \
            "$(awk '/Requests\/sec/ { print $2 }' "$tmp/$1.$n")"
    done
}

echo "server: ${server_cmd[*]}"
echo "load:   ${wrk_cmd[*]}   (median of $runs)"
taskset -c 1 wrk -t1 -c16 -d2s "http://127.0.0.1:$port/" >/dev/null # warm-up, not counted
echo "baseline"
measure baseline

attack_cmd=(nice -n "$attack_nice" taskset -c "$attack_cpu" "$attacker" --port "$port"
    --slowloris "$slowloris" --slow-posts "$slow_posts" --interval "$interval"
    --header-timeout "$header_timeout" --body-timeout "$body_timeout")
echo "attack: ${attack_cmd[*]}"
"${attack_cmd[@]}" >"$tmp/attack.txt" 2>&1 &
attack=$!
for _ in $(seq 800); do
    grep -q '^ramped' "$tmp/attack.txt" && break
    kill -0 "$attack" 2>/dev/null || { cat "$tmp/attack.txt"; echo "FAILED: the attackers exited early"; exit 1; }
    sleep 0.05
done
grep '^ramped' "$tmp/attack.txt" || { cat "$tmp/attack.txt"; echo "FAILED: the attackers did not open their connections in 40 s"; exit 1; }
echo "under attack"
measure attack

kill -TERM "$attack"
attack_status=0
wait "$attack" || attack_status=$?
attack=""
grep -v '^ramped' "$tmp/attack.txt"
echo "server log: $(grep -c 'timeout reading request head' "$tmp/server.log" || true) head timeouts," \
    "$(grep -c 'timeout reading request body' "$tmp/server.log" || true) body timeouts"

base_p99=$(for n in $(seq "$runs"); do p99_us "$tmp/baseline.$n"; done | median)
attack_p99=$(for n in $(seq "$runs"); do p99_us "$tmp/attack.$n"; done | median)
base_rps=$(for n in $(seq "$runs"); do awk '/Requests\/sec/ { print $2 }' "$tmp/baseline.$n"; done | median)
attack_rps=$(for n in $(seq "$runs"); do awk '/Requests\/sec/ { print $2 }' "$tmp/attack.$n"; done | median)
ratio=$(awk -v a="$attack_p99" -v b="$base_p99" 'BEGIN { printf "%.2f", a / b }')
echo "wrk p99: baseline $base_p99 us, under attack $attack_p99 us: ${ratio}x (bound 3x);" \
    "requests/s: baseline $base_rps, under attack $attack_rps"

failed=0
if [ "$attack_status" != 0 ]; then
    echo "FAILED: a slow connection was not cut within its deadline + 1 s (above)"
    failed=1
fi
if awk -v r="$ratio" 'BEGIN { exit !(r > 3) }'; then
    echo "FAILED: p99 under attack is ${ratio}x the baseline (bound 3x)"
    failed=1
fi
[ "$failed" = 0 ] && echo "slow clients: every bound met"
exit "$failed"
