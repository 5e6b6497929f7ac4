#!/usr/bin/env bash
# Real-browser test of the WebSocket chat (examples/chat.rs, 2 shards): headless Chromium,
# driven by Selenium (scripts/browser_chat.py), opens the page until one window's
# WebSocket landed on shard 0 and another's on shard 1, types a message in the first and
# waits (up to 10 s) for it in the second's #inbox, and in its own.
#
#   scripts/browser-chat.sh
#
# Installs chromium and chromium-driver with apt-get when missing, and Selenium into the
# venv target/browser-venv; prints "SKIPPED: <reason>" and exits 0 when either cannot be
# had. Exits non-zero if the message does not get across.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium, chromedriver and Selenium, or SKIPPED.
source scripts/browser-setup.sh

cargo build --release --example chat
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('', 0)); print(s.getsockname()[1])")
log=$(mktemp)
RUST_LOG=warn target/release/examples/chat --port "$port" --shards 2 >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

# Ready when it answers GET / (at most 10 s).
ready=0
for _ in $(seq 200); do
    kill -0 "$server" 2>/dev/null || break
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
        "http://127.0.0.1:$port/" >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.05
done
if [ "$ready" != 1 ]; then
    echo "browser chat: FAILED: the chat example did not answer on port $port; its log:"
    cat "$log"
    exit 1
fi

if ! "$venv/bin/python" scripts/browser_chat.py "$port"; then
    echo "the chat example's log:"
    cat "$log"
    exit 1
fi
