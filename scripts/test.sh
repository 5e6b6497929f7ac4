#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/doc tests, and the load smoke
# test of the hello example, its idle memory per connection and its metrics check. What
# CI runs (.ci/run) and the README's second command.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

msrv=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
step "cargo +$msrv check (the declared minimum Rust version)"
if command -v rustup >/dev/null 2>&1 && rustup toolchain install "$msrv" --profile minimal >/dev/null 2>&1; then
    cargo "+$msrv" check --workspace --all-targets
else
    echo "SKIPPED: rustup cannot install Rust $msrv here, so the minimum version is not checked"
fi

# Each test in its own process: many glommio executors in one process would share the
# 8 MiB locked-memory limit.
if cargo nextest --version >/dev/null 2>&1; then
    step "cargo nextest run"
    cargo nextest run --workspace --no-fail-fast
else
    echo "cargo-nextest is not installed: using cargo test with one test thread"
    step "cargo test"
    cargo test --workspace --no-fail-fast -- --test-threads=1
fi

step "doc tests"
cargo test --workspace --doc

step "Autobahn's WebSocket cases 1–7 against examples/ws_echo.rs (scripts/autobahn.sh --quick)"
if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    scripts/autobahn.sh --quick
else
    echo "SKIPPED: python3 with venv/ensurepip is missing, so kosoku (Autobahn's cases) cannot be installed"
fi

step "the WebSocket chat in headless Chromium: two pages on two shards (scripts/browser-chat.sh)"
scripts/browser-chat.sh

step "the blog in headless Chromium: sign up, log in, post, read, XSRF refusal, log out (scripts/browser-blog.sh)"
scripts/browser-blog.sh

step "nginx in front of the deploy example's shards: xheaders and load (scripts/nginx-proxy.sh)"
scripts/nginx-proxy.sh

step "load smoke test (wrk against the hello example)"
scripts/smoke.sh

step "memory per idle keep-alive connection, bound 1 KiB (scripts/idle-memory.sh)"
scripts/idle-memory.sh

step "per-shard metrics under load: scraped counters vs wrk's count (scripts/metrics-check.sh --quick)"
scripts/metrics-check.sh --quick

step "zero-downtime restart: 5 handovers during a wrk run (scripts/hot-restart.sh --quick)"
scripts/hot-restart.sh --quick
