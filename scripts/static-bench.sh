#!/usr/bin/env bash
# Static file throughput (issue 16): examples/static_server (StaticFileHandler) beside nginx
# serving the same 1 KB and 1 MB files, each server on one pinned core (CPU 0), wrk on
# CPU 1: wrk -t1 -c64 -d${SECS}s per file, the servers alternated, REPS runs each, medians;
# then wrk -c1 --latency on the 1 KB file for the latency with nothing queued (p50/p99).
# Both answer with the file's bytes checked first, and no logging (RUST_LOG=warn;
# nginx access_log off). Prints the table for BENCHMARKS.md.
#
#   scripts/static-bench.sh [REPS]      # default 3; SECS=5
#   BASE_BIN=path/to/static_server scripts/static-bench.sh   # also that build, as "base"
#
# Needs wrk and nginx (apt-get install wrk nginx-light); prints "SKIPPED: <reason>" and
# exits 0 without them.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-3}
secs=${SECS:-5}
PATH="$PATH:/usr/sbin"
for tool in wrk nginx curl; do
    command -v $tool >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 0; }
done
cargo build --release --example static_server
bin=target/release/examples/static_server
tmp=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/static" "$tmp/nginx/logs"
chmod 755 "$tmp" "$tmp/root" "$tmp/root/static"   # nginx workers run as an unprivileged user
head -c 1024 /dev/urandom >"$tmp/root/static/1k.bin"
head -c $((1024 * 1024)) /dev/urandom >"$tmp/root/static/1m.bin"
chmod 644 "$tmp"/root/static/*

port_of() { # pid -> its listening port
    local port=""
    for _ in $(seq 1 200); do
        port=$(ss -ltnpH 2>/dev/null | awk -v p="pid=$1," '$0 ~ p {split($4,a,":"); print a[length(a)]; exit}')
        [ -n "$port" ] && { echo "$port"; return; }
        sleep 0.05
    done
    echo "server $1 did not start" >&2
    exit 1
}

RUST_LOG=warn taskset -c 0 "$bin" --root "$tmp/root/static" --port 0 &
pids+=($!)
typhoon_port=$(port_of "${pids[0]}")
names=(typhoon nginx)
declare -A port_of_name=([typhoon]=$typhoon_port)
if [ -n "${BASE_BIN:-}" ]; then
    RUST_LOG=warn taskset -c 0 "$BASE_BIN" --root "$tmp/root/static" --port 0 &
    pids+=($!)
    port_of_name[base]=$(port_of "$!")
    names=(typhoon base nginx)
fi

nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/root;
    }
}
CONF
taskset -c 0 nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/static/1k.bin" && break; sleep 0.05; done
port_of_name[nginx]=$nginx_port

for f in 1k.bin 1m.bin; do
    for port in "${port_of_name[@]}"; do
        curl -sf "http://127.0.0.1:$port/static/$f" | cmp -s - "$tmp/root/static/$f" ||
            { echo "the server on port $port answered /static/$f wrong" >&2; exit 1; }
    done
done

declare -A rps
for f in 1k.bin 1m.bin; do
    for r in $(seq 1 "$reps"); do
        for name in "${names[@]}"; do
            port=${port_of_name[$name]}
            out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$port/static/$f")
            if grep -qE "Socket errors|Non-2xx" <<<"$out"; then echo "wrk saw errors against $name: $out" >&2; exit 1; fi
            req=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
            echo "$f run $r: $name $req requests/s"
            rps[$name,$f]="${rps[$name,$f]:-} $req"
        done
    done
done
# One connection: latency with nothing queued, 1 KiB file (wrk --latency, in µs).
declare -A p50 p99
to_us() { awk '{v=$1; u=1; if (v ~ /us$/) u=1; else if (v ~ /ms$/) u=1000; else if (v ~ /s$/) u=1000000; sub(/[a-z]+$/, "", v); printf "%.0f", v*u}'; }
for r in $(seq 1 "$reps"); do
    for name in "${names[@]}"; do
        out=$(taskset -c 1 wrk -t1 -c1 -d"${secs}s" --latency "http://127.0.0.1:${port_of_name[$name]}/static/1k.bin")
        p50[$name]="${p50[$name]:-} $(awk '$1 == "50%" {print $2}' <<<"$out" | to_us)"
        p99[$name]="${p99[$name]:-} $(awk '$1 == "99%" {print $2}' <<<"$out" | to_us)"
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo
echo "| file | Typhoon requests/s | nginx requests/s | Typhoon / nginx | Typhoon MB/s | nginx MB/s |"
echo "|---|---|---|---|---|---|"
for f in 1k.bin 1m.bin; do
    t=$(median <<<"${rps[typhoon,$f]}"); n=$(median <<<"${rps[nginx,$f]}")
    size=1024; [ $f = 1m.bin ] && size=$((1024 * 1024))
    awk -v f="$f" -v t="$t" -v n="$n" -v s="$size" 'BEGIN {printf "| %s | %.0f | %.0f | %.2f× | %.1f | %.1f |\n", f, t, n, t/n, t*s/1e6, n*s/1e6}'
done
echo
echo "One connection (\`wrk -t1 -c1 --latency\`, 1 KiB file), medians:"
echo
echo "| server | p50 | p99 |"
echo "|---|---|---|"
for name in "${names[@]}"; do
    echo "| $name | $(median <<<"${p50[$name]}") µs | $(median <<<"${p99[$name]}") µs |"
done
if [ -n "${BASE_BIN:-}" ]; then
    echo
    echo "| file | base requests/s | Typhoon / base |"
    echo "|---|---|---|"
    for f in 1k.bin 1m.bin; do
        t=$(median <<<"${rps[typhoon,$f]}"); b=$(median <<<"${rps[base,$f]}")
        awk -v f="$f" -v t="$t" -v b="$b" 'BEGIN {printf "| %s | %.0f | %.2f× |\n", f, b, t/b}'
    done
fi
