#!/usr/bin/env bash
# The Autobahn fuzzing client's cases (1–13: framing, pings, reserved bits, opcodes,
# fragmentation, UTF-8, closing, limits, permessage-deflate) against examples/ws_echo.rs,
# through kosoku (PyPI), which packages Autobahn's case files. About 3 minutes on two
# cores; not part of scripts/test.sh.
#
#   scripts/autobahn.sh [--quick]     # --quick: cases 1–7 only (no 9.x volume, no deflate)
#
# Exits non-zero if any case FAILED or was NON-STRICT; prints every INFORMATIONAL one.
# Reports (HTML and JSON) go to target/autobahn/.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/autobahn-venv
out=target/autobahn
port=${AUTOBAHN_PORT:-9701}
cases=()
if [[ "${1:-}" == "--quick" ]]; then
    for c in 1 2 3 4 5 6 7; do cases+=(-i "$c.*"); done
fi

if [[ ! -x "$venv/bin/kosoku" ]]; then
    echo "installing kosoku (Autobahn's cases) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet kosoku
fi

cargo build --release --example ws_echo
RUST_LOG=warn target/release/examples/ws_echo --port "$port" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

rm -rf "$out"
"$venv/bin/kosoku" -m fuzzingclient -p 2 -o "$out" "${cases[@]}" "127.0.0.1:$port"

python3 - "$out/index.json" <<'PY'
import json, sys
from collections import Counter
index = json.load(open(sys.argv[1]))
counts, bad, info = Counter(), [], []
for cases in index.values():
    for case, r in cases.items():
        for kind in (r["behavior"], r["behaviorClose"]):
            counts[kind] += 1
        worst = {r["behavior"], r["behaviorClose"]}
        if worst & {"FAILED", "NON-STRICT", "WRONG CODE", "UNCLEAN"}:
            bad.append((case, r["behavior"], r["behaviorClose"]))
        elif "INFORMATIONAL" in worst:
            info.append(case)
key = lambda c: [int(p) for p in c.split(".")]
print(f"{sum(len(c) for c in index.values())} cases; behaviours: {dict(counts)}")
print("INFORMATIONAL:", ", ".join(sorted(info, key=key)) or "none")
if bad:
    for case, b, c in sorted(bad, key=lambda x: key(x[0])):
        print(f"  {case}: {b} / close {c}")
    sys.exit(1)
print("0 FAILED, 0 NON-STRICT")
PY
