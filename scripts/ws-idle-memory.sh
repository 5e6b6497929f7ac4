#!/usr/bin/env bash
# Memory per idle WebSocket: opens N WebSockets (default 10,000) to examples/ws_echo.rs
# on one shard, checks each with an echo, and reports the server's RSS growth per
# connection (VmRSS from /proc, before the first and after the last).
#
#   scripts/ws-idle-memory.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
port=${WS_PORT:-9702}
ulimit -n "$(ulimit -Hn)"

cargo build --release --example ws_echo
RUST_LOG=warn target/release/examples/ws_echo --port "$port" --shards 1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT

python3 - "$server" "$port" "$n" <<'PY'
import os, socket, sys, time

pid, port, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def handshake(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit("closed during the handshake")
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head

def echo(s):
    # A masked text frame "hi" (key 0) and its unmasked echo.
    s.sendall(b"\x81\x82\x00\x00\x00\x00hi")
    got = b""
    while len(got) < 4:
        got += s.recv(4 - len(got))
    assert got == b"\x81\x02hi", got

for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port)).close()
        break
    except OSError:
        time.sleep(0.1)
# One WebSocket first, so the shard's pools and the allocator are warm.
first = socket.create_connection(("127.0.0.1", port))
handshake(first); echo(first)
time.sleep(0.5)
before = rss_kib()
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    handshake(s)
    echo(s)
    socks.append(s)
time.sleep(1)
after = rss_kib()
per = (after - before) * 1024 / n
print(f"{n} idle WebSockets (each echoed once): RSS {before} KiB -> {after} KiB, "
      f"{per:.0f} bytes per connection")
for s in socks:
    s.close()
PY
