#!/usr/bin/env bash
# Builds the release binaries scripts/scaling.sh needs and copies them, with wrk, the
# LuaJIT library wrk links against and the tornado package (pylib/, for the `tornado`
# section), into the git-ignored folder .device/ (carried to a borrowed machine that has no
# network and no toolchain).
#
# Usage: scripts/device-prepare.sh [--skip-build]
#   then, on the device, from the repo root: scripts/scaling.sh .device results.txt
#   (and SECTIONS=tornado scripts/scaling.sh .device tornado.txt for the Tornado baseline)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
for a in "$@"; do
    case "$a" in
        --skip-build) build=0 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done

say() { printf '==> %s\n' "$*"; }

if [ "$build" = 1 ]; then
    say "cargo build --release --examples"
    cargo build --release --examples
    say "cargo build --release --manifest-path benches/peers/Cargo.toml"
    cargo build --release --manifest-path benches/peers/Cargo.toml
fi

dest=.device
mkdir -p "$dest"

wrk=$(command -v wrk || true)
[ -n "$wrk" ] || wrk=/usr/bin/wrk
[ -x "$wrk" ] || { echo "wrk not found (apt-get install -y wrk)" >&2; exit 1; }

bins=(
    target/release/examples/hello
    target/release/examples/multiprocess
    benches/peers/target/release/actix
    benches/peers/target/release/hyper
    benches/peers/target/release/may_minihttp
)
for f in "${bins[@]}"; do
    [ -x "$f" ] || { echo "missing $f (build it first)" >&2; exit 1; }
    name=$(basename "$f")
    rm -f "$dest/$name"
    cp -L "$f" "$dest/$name"
    strip "$dest/$name" 2>/dev/null || say "strip $name failed (kept unstripped)"
done
rm -f "$dest/wrk"
cp -L "$wrk" "$dest/wrk"

# The LuaJIT library wrk resolves (copied dereferenced, under its soname); the other
# libraries it links (libc, libssl, libcrypto, libm) are the base system's.
lib=$(ldd "$wrk" | awk '$1 ~ /^libluajit/ && $3 ~ /^\// {print $1, $3; exit}')
if [ -n "$lib" ]; then
    soname=${lib%% *}
    path=${lib#* }
    rm -f "$dest/$soname"
    cp -L "$path" "$dest/$soname"
    say "copied $path (-> $(readlink -f "$path")) as $dest/$soname"
else
    say "wrk links no LuaJIT library (nothing to copy)"
fi

# Tornado for scaling.sh's `tornado` section (the device has no package registry): the
# venv's tornado (scaling.sh installs it in target/tornado-venv), else the system's, as
# .device/pylib/tornado; its C speedups are optional (Tornado falls back to Python).
py=target/tornado-venv/bin/python
[ -x "$py" ] || py=python3
tornado_dir=$("$py" -c 'import os, tornado; print(os.path.dirname(tornado.__file__))' 2>/dev/null || true)
rm -rf "$dest/pylib"
if [ -n "$tornado_dir" ]; then
    mkdir -p "$dest/pylib"
    cp -r "$tornado_dir" "$dest/pylib/tornado"
    find "$dest/pylib" -name __pycache__ -prune -exec rm -rf {} +
    rm -rf "$dest/pylib/tornado/test"
    say "copied tornado from $tornado_dir to $dest/pylib/tornado"
else
    say "tornado not found ($py -m pip install tornado): scaling.sh's tornado section will skip Tornado"
fi

# Check that wrk runs from the copies alone (LD_LIBRARY_PATH as scaling.sh sets it).
if LD_LIBRARY_PATH="$dest" ldd "$dest/wrk" | grep -q 'not found'; then
    echo "wrk from $dest has unresolved libraries:" >&2
    LD_LIBRARY_PATH="$dest" ldd "$dest/wrk" >&2
    exit 1
fi

ls -la "$dest"
bytes=$(du -cb "$dest"/* | awk 'END {print $1}')
say "total: $bytes bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}') MiB)"
if [ "$bytes" -ge $((60 * 1048576)) ]; then
    echo "too big for the device carry (60 MiB)" >&2
    exit 1
fi
