#!/usr/bin/env bash
# Real-browser test of the blog example (examples/blog, 2 shards, a fresh SQLite file):
# headless Chromium, driven by Selenium (scripts/browser_blog.py), signs up, logs out and
# in, writes a post in Markdown, finds it on the home page, sees a form whose XSRF token
# was taken out refused with 403, and logs out.
#
#   scripts/browser-blog.sh
#
# Installs chromium and chromium-driver with apt-get when missing, and Selenium into the
# venv target/browser-venv; prints "SKIPPED: <reason>" and exits 0 when either cannot be
# had. Exits non-zero if a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium, chromedriver and Selenium, or SKIPPED.
source scripts/browser-setup.sh

cargo build --release --example blog
work=$(mktemp -d)
log="$work/blog.log"
RUST_LOG=info "${CARGO_TARGET_DIR:-target}/release/examples/blog" \
    --port 0 --shards 2 --db "$work/blog.db" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

# Ready when both shards log `listening on 0.0.0.0:PORT` (at most 10 s): port 0, so the
# kernel picked the port, read from the log.
port=
for _ in $(seq 200); do
    kill -0 "$server" 2>/dev/null || break
    if [ "$(grep -c 'listening on' "$log")" -ge 2 ]; then
        port=$(grep -o 'listening on [^,]*' "$log" | head -1 | sed 's/.*://')
        break
    fi
    sleep 0.05
done
if [ -z "$port" ]; then
    echo "browser blog: FAILED: the blog example did not start its 2 shards; its log:"
    cat "$log"
    exit 1
fi

if ! "$venv/bin/python" scripts/browser_blog.py "$port"; then
    echo "the blog example's log:"
    cat "$log"
    exit 1
fi
