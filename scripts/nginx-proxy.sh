#!/usr/bin/env bash
# A real nginx in front of the deploy example (issue 17, item 7): the example runs with two
# shards, each on a port of its own, and nginx from examples/deploy/nginx.conf (rewritten
# to a temporary prefix, listening on 127.0.0.2) proxies to them. Checks, through nginx:
# 200 `good boy`; both shards reached; a client on 127.0.0.3 is seen as 127.0.0.3 (nginx's
# X-Real-IP through xheaders) while the shards' TCP peer is nginx; a forged X-Real-IP sent
# through nginx is replaced. Straight to a shard, a forged X-Real-IP is believed, as with
# Tornado's xheaders. Then wrk through nginx: 0 socket errors, 0 non-2xx.
#
#   scripts/nginx-proxy.sh
#
# Installs nginx (and wrk) with apt-get when missing; prints "SKIPPED: <reason>" and exits 0
# when nginx cannot be had. Exits non-zero, saying which check failed, otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "nginx proxy: FAILED: $*"
    for f in "${tmp:-/nonexistent}"/{app.log,error.log}; do
        [ -s "$f" ] && { echo "--- $f (last lines)"; tail -20 "$f"; }
    done
    exit 1
}

# apt-get install "$@", updating the package lists once if the first try fails.
apt_install() {
    command -v apt-get >/dev/null || return 1
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo -n)
    local install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@")
    "${install[@]}" >/dev/null 2>&1 ||
        { "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 && "${install[@]}" >/dev/null 2>&1; }
}

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx (apt-get)"
    apt_install nginx-light || apt_install nginx || true
fi
PATH="$PATH:/usr/sbin"
if ! command -v nginx >/dev/null; then
    echo "SKIPPED: nginx is not installed and apt-get could not install it."
    exit 0
fi
if ! command -v wrk >/dev/null; then
    echo "installing wrk (apt-get)"
    apt_install wrk || true
fi
if ! command -v ss >/dev/null; then
    echo "installing iproute2 for ss (apt-get)"
    apt_install iproute2 || true
fi

cargo build --release --example deploy

tmp=$(mktemp -d)
app_pid=""
nginx_pid=""
cleanup() {
    for pid in $nginx_pid $app_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $nginx_pid $app_pid; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# Two shards; the shared port and each shard's own port chosen by the kernel (port 0).
RUST_LOG=info,typhoon::access=warn target/release/examples/deploy \
    --port 0 --port-per-shard --shards 2 >"$tmp/app.log" 2>&1 &
app_pid=$!

# Shard k logs "shard k … listening on <shared>, <its own>": wait for both lines (10 s).
shard_ports=()
for _ in $(seq 200); do
    kill -0 "$app_pid" 2>/dev/null || fail "the deploy example exited at start"
    mapfile -t shard_ports < <(
        sed -n 's/.*shard \([0-9]*\) .*listening on .*:[0-9]*, .*:\([0-9]*\)$/\1 \2/p' "$tmp/app.log" |
            sort -n | cut -d' ' -f2
    )
    [ "${#shard_ports[@]}" = 2 ] && break
    sleep 0.05
done
[ "${#shard_ports[@]}" = 2 ] || fail "the deploy example did not log two shard ports in 10 s"
echo "deploy example: shard 0 on 127.0.0.1:${shard_ports[0]}, shard 1 on 127.0.0.1:${shard_ports[1]}"

nginx_port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.2', 0)); print(s.getsockname()[1])")

# examples/deploy/nginx.conf with the paths in $tmp, the listener on 127.0.0.2:$2 and the
# upstream servers $3…; each rewrite must apply exactly once, so a changed file fails here.
rewrite_conf() {
    python3 - "$@" <<'PY'
import re, sys
tmp, port, shards = sys.argv[1], sys.argv[2], sys.argv[3:]
conf = open("examples/deploy/nginx.conf").read()
upstream = "".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in shards)
temp = "".join(f"    {kind}_temp_path {tmp}/{kind};\n" for kind in ("client_body", "proxy"))
rewrites = [
    (r"^worker_processes .*;$", "worker_processes 1;"),
    (r"^pid .*;$", f"pid {tmp}/nginx.pid;"),
    (r"^error_log .*;$", f"error_log {tmp}/error.log warn;"),
    (r"^(\s*)access_log .*;$", rf"\1access_log {tmp}/access.log;"),
    (r"^http \{\n", "http {\n" + temp),
    (r"^(\s*server 127\.0\.0\.1:\d+.*;\n)+", upstream),
    (r"^(\s*)listen 80;$", rf"\1listen 127.0.0.2:{port};"),
]
for pattern, replacement in rewrites:
    conf, n = re.subn(pattern, replacement, conf, flags=re.M)
    if n != 1:
        sys.exit(f"examples/deploy/nginx.conf: expected one match of {pattern!r}, found {n}")
print(conf, end="")
PY
}
rewrite_conf "$tmp" "$nginx_port" "${shard_ports[@]}" >"$tmp/nginx.conf" ||
    fail "could not rewrite examples/deploy/nginx.conf for this run"
nginx -t -q -p "$tmp" -c "$tmp/nginx.conf" 2>"$tmp/nginx-t.log" ||
    fail "nginx -t rejected the config: $(cat "$tmp/nginx-t.log")"
nginx -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' 2>>"$tmp/error.log" &
nginx_pid=$!

proxy="http://127.0.0.2:$nginx_port"
ready=0
for _ in $(seq 200); do
    kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited at start"
    if curl -s -o /dev/null --max-time 1 "$proxy/"; then
        ready=1
        break
    fi
    sleep 0.05
done
[ "$ready" = 1 ] || fail "nginx did not answer on 127.0.0.2:$nginx_port in 10 s"
echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.2:$nginx_port"

passed=0
pass() {
    echo "ok: $*"
    passed=$((passed + 1))
}

# 1. The tutorial's answer through nginx.
answer=$(curl -s --max-time 5 -w ' %{http_code}' "$proxy/") || fail "GET / through nginx: curl failed"
[ "$answer" = "good boy 200" ] || fail "GET / through nginx answered '$answer', expected 'good boy 200'"
pass "GET / through nginx: 200 good boy"

# 2. Round robin over the upstream reaches both shards.
seen=""
for _ in $(seq 20); do
    seen+="$(curl -s --max-time 5 "$proxy/whoami" | sed -n 's/.*shard=\([0-9]*\).*/\1/p')"$'\n'
done
shards_seen=$(printf '%s' "$seen" | sort -un | tr '\n' ' ')
[ "$shards_seen" = "0 1 " ] || fail "20 requests through nginx reached shards '$shards_seen', expected both 0 and 1"
pass "20 requests through nginx reached shards 0 and 1"

# 3. A client on 127.0.0.3 is seen as 127.0.0.3, even when it forges the headers itself:
#    nginx replaces X-Real-IP, and X-Real-IP wins over X-Forwarded-For.
for forged in "" "X-Real-IP: 203.0.113.9" "X-Forwarded-For: 203.0.113.9"; do
    header=()
    [ -n "$forged" ] && header=(-H "$forged")
    answer=$(curl -s --max-time 5 --interface 127.0.0.3 "${header[@]}" "$proxy/whoami") ||
        fail "GET /whoami from 127.0.0.3 through nginx: curl failed"
    case "$answer" in
        "remote_ip=127.0.0.3 shard="*) ;;
        *) fail "GET /whoami from 127.0.0.3 through nginx${forged:+ with '$forged'} answered '$answer'" ;;
    esac
done
pass "a client on 127.0.0.3 is seen as 127.0.0.3 through nginx (also when it forges X-Real-IP or X-Forwarded-For)"

# 4. ... while the shards' TCP peer is nginx: every connection to a shard port belongs to
#    an nginx process (keep-alive holds them open), none comes from 127.0.0.3.
if command -v ss >/dev/null; then
    filter="( dport = :${shard_ports[0]} or dport = :${shard_ports[1]} )"
    conns=$(ss -Htnp state established "$filter")
    [ -n "$conns" ] || fail "no connection from nginx to the shards is open (upstream keepalive)"
    strangers=$(printf '%s\n' "$conns" | grep -v 'users:(("nginx"' || true)
    [ -z "$strangers" ] || fail "connections to the shards that nginx does not own: $strangers"
    from_client=$(printf '%s\n' "$conns" | awk '{print $3}' | grep '^127\.0\.0\.3:' || true)
    [ -z "$from_client" ] || fail "the client (127.0.0.3) reached a shard directly: $from_client"
    pass "the shards' TCP peer is nginx: $(printf '%s\n' "$conns" | wc -l) kept-alive connection(s), all nginx's"
else
    echo "skipped: the TCP-peer check needs ss (iproute2), which could not be installed"
fi

# 5. Straight to a shard, a forged X-Real-IP is believed, as Tornado's xheaders do: the
#    reason the shards listen on 127.0.0.1 only.
answer=$(curl -s --max-time 5 -H "X-Real-IP: 203.0.113.9" "http://127.0.0.1:${shard_ports[0]}/whoami")
[ "$answer" = "remote_ip=203.0.113.9 shard=0" ] ||
    fail "GET /whoami straight to shard 0 with a forged X-Real-IP answered '$answer', expected what Tornado's xheaders give: remote_ip=203.0.113.9 shard=0"
pass "straight to shard 0, a forged X-Real-IP is believed as with Tornado's xheaders (keep the shards private)"

# 6. Load through nginx.
if command -v wrk >/dev/null; then
    echo "wrk -t1 -c16 -d3s $proxy/"
    wrk -t1 -c16 -d3s "$proxy/" | tee "$tmp/wrk.txt"
    if grep -Eq 'Socket errors|Non-2xx' "$tmp/wrk.txt"; then
        fail "wrk through nginx saw errors (above)"
    fi
    grep -q 'Requests/sec' "$tmp/wrk.txt" || fail "wrk through nginx printed no rate"
    pass "wrk through nginx: 0 socket errors, 0 non-2xx"
else
    echo "skipped: the wrk run needs wrk, which could not be installed"
fi

echo "nginx proxy: $passed passed, 0 failed"
