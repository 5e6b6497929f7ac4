#!/usr/bin/env bash
# Hunts rare hangs: runs the tests round after round with more jobs than cores, while a
# watchdog takes a gdb backtrace (all threads) of any test process older than --limit
# seconds. Found glommio's park-with-runnable-tasks bug (vendor/glommio/TYPHOON-PATCH.md).
#
#   scripts/hang-hunt.sh                          # 20 rounds of the typhoon and examples tests
#   scripts/hang-hunt.sh --rounds 50 --jobs 8 --limit 20
#   scripts/hang-hunt.sh -- -p typhoon-server     # other nextest arguments after --
#
# A stalled process resumes when gdb attaches (the attach interrupts its sleep), so a
# stall shows as a slow round and a dump, not as a failure. Dumps and the rounds' logs go
# to --out (a new temporary folder by default). Exits 1 if any test stalled or failed.
# Not part of scripts/test.sh: it takes minutes and loads every core.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=20
jobs=6
limit=25
out=""
nextest_args=(-p typhoon -p typhoon-examples)
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --jobs) jobs=$2; shift ;;
        --limit) limit=$2; shift ;;
        --out) out=$2; shift ;;
        --) shift; nextest_args=("$@"); break ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1 (see --help)"; exit 2 ;;
    esac
    shift
done

cargo nextest --version >/dev/null 2>&1 || { echo "SKIPPED: cargo-nextest is not installed."; exit 0; }
command -v gdb >/dev/null || echo "note: gdb is missing: stalls are listed without backtraces"
out=${out:-$(mktemp -d)}
mkdir -p "$out"
echo "logs and dumps: $out"

cargo nextest run --no-run "${nextest_args[@]}" >/dev/null

# The watchdog: any test binary (or example a test started) running past the limit.
watchdog() {
    declare -A seen
    while true; do
        for pid in $(pgrep -f "$PWD/target/debug/(deps|examples)/" || true); do
            [ -n "${seen[$pid]:-}" ] && continue
            # A pid pgrep listed may be gone already: no age, not a stall.
            age=$(ps -o etimes= -p "$pid" 2>/dev/null | tr -d ' ' || true)
            [ -n "$age" ] && [ "$age" -gt "$limit" ] || continue
            seen[$pid]=1
            dump="$out/stall-$pid.txt"
            {
                ps -o pid,etimes,args -p "$pid"
                command -v gdb >/dev/null && gdb -p "$pid" -batch -ex "thread apply all bt 40" 2>&1
            } >"$dump" 2>&1 || true
            echo "stall: $(ps -o args= -p "$pid" 2>/dev/null || echo "pid $pid") (backtrace in $dump)"
        done
        sleep 1
    done
}
watchdog >"$out/watchdog.log" 2>&1 &
dog=$!
trap 'kill "$dog" 2>/dev/null || true' EXIT

failed_rounds=0
for round in $(seq "$rounds"); do
    start=$(date +%s)
    status=0
    cargo nextest run "${nextest_args[@]}" --retries 0 --no-fail-fast -j "$jobs" \
        >"$out/round-$round.log" 2>&1 || status=$?
    summary=$(grep -E '^ +Summary' "$out/round-$round.log" | tail -1 | sed 's/^ *//')
    echo "round $round: $(( $(date +%s) - start )) s, ${summary:-no summary}"
    if [ "$status" != 0 ]; then
        failed_rounds=$((failed_rounds + 1))
        grep -E '^ +(FAIL|TIMEOUT|SIGSEGV|SIGABRT)' "$out/round-$round.log" | sort -u || true
    fi
done
sleep 2 # the last dump
kill "$dog" 2>/dev/null || true
stalls=$(grep -c '^stall:' "$out/watchdog.log" || true)
echo "$rounds rounds: $failed_rounds with failures, $stalls stalled test processes (over $limit s)"
grep '^stall:' "$out/watchdog.log" || true
[ "$failed_rounds" = 0 ] && [ "$stalls" = 0 ]
