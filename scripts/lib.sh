# Helpers the scripts share. Source it: . "$(dirname "$0")/lib.sh"

# logged_port LOG PID [SHARDS]: waits up to 10 s until the server PID has logged
# "listening on ADDR:PORT" in LOG for SHARDS shards (default 1), then prints the first
# PORT. If the server exits first or never says so, prints LOG and why, and fails.
logged_port() {
    local log=$1 pid=$2 shards=${3:-1} port=""
    for _ in $(seq 1 200); do
        if [ "$(grep -c 'listening on' "$log")" -ge "$shards" ]; then
            port=$(sed -n 's/.*listening on [^,]*:\([0-9]*\).*/\1/p' "$log" | head -1)
            [ -n "$port" ] && { echo "$port"; return 0; }
        fi
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "FAIL: the server exited early" >&2; return 1; }
        sleep 0.05
    done
    cat "$log" >&2
    echo "FAIL: the server never logged that its $shards shard(s) listen" >&2
    return 1
}
