#!/usr/bin/env bash
# Light-load latency on a machine with more cores than the 2-core development VM (issue 18),
# where the server and the load each get a core to themselves and the host steals less:
# Typhoon's hello and hello_service beside hyper, actix-web and may-minihttp, each pinned to
# one CPU with the load on another; per server and repetition (servers rotated):
#   wrk -t1 -c64 -d3s (its peak), wrk -t1 -c1 and -c4 -d4s --latency, and the open-loop
#   client (benches/peers/src/bin/openloop.rs) at 10,000 and 60,000 requests/s for 4 s;
# with the CPU time the host stole from both CPUs during each run (/proc/stat).
#
# Usage:
#   scripts/device-latency.sh --prepare        # here: copy the release binaries, wrk and
#                                              # its libluajit into .device/bin (git-ignored)
#   scripts/device-latency.sh [--reps N] [--server-cpu S] [--client-cpu C] [--bin DIR]
#                                              # there: run; results in $OUT (or ./device-out)
# Needs nothing installed on the target: every binary comes from --bin (default .device/bin).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=.device/bin
reps=3
server_cpu=2
client_cpu=6
prepare=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prepare) prepare=1 ;;
        --reps) reps=$2; shift ;;
        --server-cpu) server_cpu=$2; shift ;;
        --client-cpu) client_cpu=$2; shift ;;
        --bin) bin=$2; shift ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

if [ "$prepare" = 1 ]; then
    cargo build --release --example hello --example hello_service
    cargo build --release --manifest-path benches/peers/Cargo.toml
    mkdir -p "$bin"
    cp target/release/examples/hello target/release/examples/hello_service "$bin/"
    for b in hyper actix may_minihttp openloop; do cp "benches/peers/target/release/$b" "$bin/"; done
    cp "$(command -v wrk)" "$bin/"
    lib=$(ldd "$(command -v wrk)" | awk '/libluajit/ {print $3}')
    cp "$lib" "$bin/"
    echo "prepared $bin: $(ls "$bin" | tr '\n' ' ')"
    exit 0
fi

out=${OUT:-device-out}
mkdir -p "$out"
results="$out/device-latency.txt"
: >"$results"
export LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

steal() {  # stolen ticks of the two CPUs
    awk -v a="cpu$server_cpu" -v b="cpu$client_cpu" '$1 == a || $1 == b {s += $9} END {print s}' /proc/stat
}
free_port() {  # below the usual ephemeral range; start() retries if it is taken anyway
    local p
    while :; do
        p=$((10000 + RANDOM % 20000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
}
start() {  # name log: starts the server on a free port; sets pid and port
    local tries
    for tries in 1 2 3 4 5; do
        port=$(free_port)
        RUST_LOG=warn taskset -c "$server_cpu" "${cmd[@]}" --port "$port" >"$2" 2>&1 &
        pid=$!
        for _ in $(seq 1 200); do
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    echo "$1 did not start: $(tail -1 "$2")" >&2
    return 1
}
record() {  # rep server kind steal_ms text...
    echo "$*" | tr '\n' ' ' >>"$results"
    echo >>"$results"
}

{
    echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "server CPU $server_cpu, load CPU $client_cpu, $reps repetitions"
} | tee "$out/machine.txt"

servers=(typhoon typhoon_service hyper actix may_minihttp)
for rep in $(seq 1 "$reps"); do
    n=${#servers[@]}
    for i in $(seq 0 $((n - 1))); do
        name=${servers[$(( (i + rep - 1) % n ))]}
        case $name in
            typhoon) cmd=("$bin/hello") ;;
            typhoon_service) cmd=("$bin/hello_service") ;;
            *) cmd=("$bin/$name") ;;
        esac
        start "$name" "$out/$name-$rep.log"
        url="http://127.0.0.1:$port/"
        echo "[rep $rep] $name on port $port"
        s0=$(steal)
        peak=$(taskset -c "$client_cpu" "$bin/wrk" -t1 -c64 -d3s "$url" | awk '/Requests\/sec/ {print $2}')
        record "$rep $name peak $(( ($(steal) - s0) * 10 )) rps=$peak"
        for c in 1 4; do
            s0=$(steal)
            w=$(taskset -c "$client_cpu" "$bin/wrk" -t1 -c"$c" -d4s --latency "$url")
            rps=$(echo "$w" | awk '/Requests\/sec/ {print $2}')
            p50=$(echo "$w" | awk '$1 == "50%" {print $2}')
            p99=$(echo "$w" | awk '$1 == "99%" {print $2}')
            record "$rep $name c$c $(( ($(steal) - s0) * 10 )) rps=$rps p50=$p50 p99=$p99"
        done
        for rate in 10000 60000; do
            s0=$(steal)
            j=$(taskset -c "$client_cpu" "$bin/openloop" --port "$port" --rate "$rate" --duration 4 --warmup 1 || echo '{}')
            record "$rep $name r$rate $(( ($(steal) - s0) * 10 )) $j"
        done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
done
echo "done: $results"
