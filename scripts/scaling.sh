#!/usr/bin/env bash
# Shard scaling on a many-core machine: start(None) uses every allowed CPU (taskset is
# respected), each shard is pinned and serves, requests/s for 1, 2, 4, 8 shards with wrk
# pinned to the other half of the CPUs, and SIGTERM under load exits 0.
#
# Usage: scripts/scaling.sh BIN_DIR OUT_FILE
#   BIN_DIR holds release `hello`, `multiprocess` and `wrk` (plus any libraries wrk needs,
#   found through LD_LIBRARY_PATH=BIN_DIR). Needs at least 16 CPUs; bounded: ~2 minutes.
set -uo pipefail
bin=$1
out=$2
export LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cpus=$(nproc)
say() { echo "$*" | tee -a "$out"; }
: >"$out"
say "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
half=$((cpus / 2))
last=$((cpus - 1))

start_server() { # taskset-list shards -> sets pid, port
    local log; log=$(mktemp)
    RUST_LOG=info taskset -c "$1" "$bin/multiprocess" --port 0 --shards "$2" 2>"$log" &
    pid=$!
    for _ in $(seq 1 400); do
        local n; n=$(grep -c 'listening on' "$log")
        if [ "$n" -ge "$3" ]; then
            port=$(sed -n 's/.*listening on [^,]*:\([0-9]*\).*/\1/p' "$log" | head -1)
            cp "$log" /tmp/last-server.log
            return 0
        fi
        kill -0 $pid 2>/dev/null || { cat "$log" | tee -a "$out"; return 1; }
        sleep 0.05
    done
    cat "$log" | tee -a "$out"; return 1
}

shard_report() { # pid -> "name cpus ticks" per shard thread
    for t in /proc/$1/task/*; do
        name=$(cat "$t/comm")
        case $name in typhoon-shard-*) ;; *) continue ;; esac
        ticks=$(awk '{print $14+$15}' "$t/stat")
        allowed=$(awk '/Cpus_allowed_list/{print $2}' "$t/status")
        echo "$name cpu=$allowed ticks=$ticks"
    done | sort -V
}

say ""
say "== start(None) under taskset -c 0-$((half - 1)): expect $half shards, one per CPU"
if start_server "0-$((half - 1))" 0 "$half"; then
    say "shards logged: $(grep -c 'listening on' /tmp/last-server.log)"
    taskset -c "$half-$last" "$bin/wrk" -t"$half" -c256 -d3s "http://127.0.0.1:$port/" | tee -a "$out"
    shard_report $pid | tee -a "$out"
    kill -TERM $pid; wait $pid; say "exit status after SIGTERM: $?"
fi

say ""
say "== all $cpus CPUs: start(None), SIGTERM during wrk"
if start_server "0-$last" 0 "$cpus"; then
    say "shards logged: $(grep -c 'listening on' /tmp/last-server.log)"
    "$bin/wrk" -t4 -c256 -d4s "http://127.0.0.1:$port/" >/tmp/wrk.out 2>&1 &
    wrk_pid=$!
    sleep 1.5
    t0=$(date +%s%N); kill -TERM $pid; wait $pid; st=$?
    say "exit status $st after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    wait $wrk_pid
fi

say ""
say "== scaling: server on CPUs 0..n-1 (start(n)), wrk -t$half -c256 -d5s on CPUs $half-$last, 3 runs each"
for n in 1 2 4 8; do
    [ "$n" -le "$half" ] || continue
    rates=""
    for rep in 1 2 3; do
        start_server "0-$((half - 1))" "$n" "$n" || continue
        r=$(taskset -c "$half-$last" "$bin/wrk" -t"$half" -c256 -d5s "http://127.0.0.1:$port/" | tee /tmp/wrk.out | awk '/Requests\/sec/{print int($2)}')
        grep -E 'Socket errors|Non-2xx' /tmp/wrk.out | tee -a "$out"
        rates="$rates $r"
        kill -TERM $pid; wait $pid
    done
    median=$(echo $rates | tr ' ' '\n' | sort -n | sed -n 2p)
    say "shards=$n rps:$rates median=$median"
done
