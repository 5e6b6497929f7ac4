#!/usr/bin/env bash
# Memory per idle keep-alive connection, against issue 5's bound of 1 KiB: the release
# hello example on one shard, N connections (default 10,000) that each get one answered
# GET and then stay open, and the server's RSS growth per connection (VmRSS from /proc,
# after one warm-up connection and one second after the last). Fails above the bound.
#
#   scripts/idle-memory.sh [N]        BOUND=bytes changes the bound (default 1024);
#                                     HELLO_BIN=path measures another build of hello
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
n=${1:-10000}
bound=${BOUND:-1024}

# The server and the client each hold N descriptors.
ulimit -n "$(ulimit -Hn)"
room=$(($(ulimit -n) - 100))
if [ "$room" -lt "$n" ]; then
    echo "only $(ulimit -n) descriptors may be open here: measuring $room connections, not $n"
    n=$room
fi

bin=${HELLO_BIN:-target/release/examples/hello}
[ -n "${HELLO_BIN:-}" ] || cargo build --release --example hello
log=$(mktemp)
# Only the line with the port: the access log would add its own buffers to the RSS.
RUST_LOG="warn,typhoon_server::shard=info" "$bin" --port 0 --shards 1 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
port=$(logged_port "$log" "$server")

python3 - "$server" "$port" "$n" "$bound" <<'PY'
import socket, sys, time

pid, port, n, bound = (int(a) for a in sys.argv[1:])
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
ANSWER_END = b"good boy"

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def get(s):
    s.sendall(REQUEST)
    got = b""
    while not got.endswith(ANSWER_END):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit(f"the server closed a connection before answering: {got!r}")
        got += chunk
    if not got.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected answer: {got!r}")

# One connection first, so the shard's buffer pool and the allocator are warm.
first = socket.create_connection(("127.0.0.1", port))
get(first)
time.sleep(0.5)
before = rss_kib()
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    get(s)
    socks.append(s)
time.sleep(1.0)
after = rss_kib()
if after is None:
    raise SystemExit("the server is gone")
per_conn = (after - before) * 1024 / n
print(f"{n} idle keep-alive connections: RSS {before} -> {after} KiB, "
      f"{per_conn:.0f} bytes per connection (bound {bound})")
if per_conn > bound:
    raise SystemExit(f"FAILED: {per_conn:.0f} bytes per idle connection is above {bound}")
PY
