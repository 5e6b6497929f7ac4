#!/usr/bin/env bash
# Shard scaling on a many-core machine: start(None) uses every allowed CPU (taskset is
# respected), each shard is pinned and serves, SIGTERM under load exits 0, requests/s for 1,
# 2, 4, 8 shards with wrk pinned to the other half of the CPUs; then, at N = half the CPUs:
# Typhoon against actix-web, hyper and may-minihttp on N cores, one N-shard process against
# N one-shard processes sharing the port (the fork model), and pinned against unpinned
# shards on cores shared with wrk. Every measured run also gives the server's CPU time per
# request (utime+stime of its process(es) across the wrk run / requests completed) and wrk's
# p99 latency. Section `tornado` (not in the default list): at N = 1, 2, 4, 8 (those with N
# server CPUs and as many left for wrk), a real Tornado's fork layout (bind_sockets +
# fork_processes(N), one shared socket) and reuse_port layout (N processes) against Typhoon
# threads (--shards N) and Typhoon fork (--model fork --shards N); median requests/s and p99,
# the data in OUT_FILE.tornado.tsv and a plot in OUT_FILE.tornado.png. Tornado and matplotlib
# come from the venv target/tornado-venv (pip-installed there when missing), else tornado
# from BIN_DIR/pylib (scripts/device-prepare.sh); without matplotlib there is no plot.
#
# Usage: scripts/scaling.sh BIN_DIR OUT_FILE
#   BIN_DIR holds release `hello`, `multiprocess`, `wrk` (plus any libraries wrk needs, found
#   through LD_LIBRARY_PATH=BIN_DIR), and for the new sections `actix`, `hyper`,
#   `may_minihttp` from benches/peers (scripts/device-prepare.sh fills
#   .device/ with all of them). A missing binary skips what needs it.
#   Environment: DUR=5 (seconds per measured wrk run), REPS=3 (runs per configuration),
#   CONNS=256 (wrk connections), MAX_SECS=330 (runs that would end later are skipped),
#   SECTIONS="startnone sigterm scaling peers fork shared" (which sections run; add
#   `tornado`, or SECTIONS=tornado alone: 4 layouts x REPS runs per N).
#   Servers run at RUST_LOG=warn (the access log is INFO) on a port chosen here; ready means
#   their listening sockets in /proc/net/tcp accept, and (Typhoon) every typhoon-shard thread
#   exists, plus 0.2 s. Raw wrk outputs go to OUT_FILE.wrk.
#   Needs 16 CPUs for the full picture; at DUR=5 REPS=3 it takes about 3.5 minutes.
set -uo pipefail
bin=${1:?usage: scripts/scaling.sh BIN_DIR OUT_FILE}
out=${2:?usage: scripts/scaling.sh BIN_DIR OUT_FILE}
DUR=${DUR:-5}
REPS=${REPS:-3}
CONNS=${CONNS:-256}
MAX_SECS=${MAX_SECS:-330}
SECTIONS=${SECTIONS:-startnone sigterm scaling peers fork shared}
export LD_LIBRARY_PATH="$bin${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cpus=$(nproc)
half=$((cpus / 2))
last=$((cpus - 1))
hz=$(getconf CLK_TCK)
raw="$out.wrk"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
mkfifo "$tmp/never"
exec 9<>"$tmp/never"
: >"$out"
: >"$raw"
say() { echo "$*" | tee -a "$out"; }
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

# --- processes this script started: all killed on exit ---------------------------------
live=()
cleanup() {
    local p
    for p in "${live[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM
forget() { # pid...: no longer ours to kill
    local p q keep=()
    for p in "${live[@]}"; do
        for q in "$@"; do [ "$p" = "$q" ] && continue 2; done
        keep+=("$p")
    done
    live=("${keep[@]}")
}
running() { # pid: alive and not a zombie (builtins only: no fork)
    local s
    { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
    s=${s##*) }
    [ "${s:0:1}" != Z ]
}
nap() { read -r -t "$1" -u 9 || true; } # sleeps $1 s without a fork (fd 9: a FIFO nobody writes)
now_us() { # microseconds since the epoch
    if [ -n "${EPOCHREALTIME:-}" ]; then echo "${EPOCHREALTIME//[.,]/}"; else date +%s%6N; fi
}
stop() { # pid... : SIGTERM, then SIGKILL whatever still runs after 12 s (shutdown_timeout is
    # 10 s); returns the exit status of the first. Polls /proc every millisecond: no watchdog
    # process (killing a freshly forked bash subshell can run this script's traps in it).
    local p st=0 first=1 rc alive end
    kill -TERM "$@" 2>/dev/null
    end=$(($(now_us) + 12000000))
    while :; do
        alive=0
        for p in "$@"; do running "$p" && { alive=1; break; }; done
        [ "$alive" = 0 ] && break
        [ "$(now_us)" -lt "$end" ] || { say "  server(s) $* ignored SIGTERM for 12 s: SIGKILL"; kill -KILL "$@" 2>/dev/null; break; }
        nap 0.001
    done
    for p in "$@"; do
        wait "$p" 2>/dev/null
        rc=$?
        [ "$first" = 1 ] && st=$rc && first=0
    done
    forget "$@"
    return "$st"
}

# --- /proc helpers ---------------------------------------------------------------------
ticks() { # pid... -> utime+stime (fields 14, 15 of /proc/PID/stat) summed over them
    local p s total=0 f
    for p in "$@"; do
        { read -r s <"/proc/$p/stat"; } 2>/dev/null || { echo NA; return; }
        s=${s##*) }
        read -r -a f <<<"$s"
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
mem_kb() { # field pid... -> that field (VmRSS from status, Pss from smaps_rollup) summed, kB
    local field=$1 p file sum=0 v
    shift
    for p in "$@"; do
        file=/proc/$p/status
        [ "$field" = Pss ] && file=/proc/$p/smaps_rollup
        v=$(awk -v f="$field:" '$1 == f {print $2; exit}' "$file" 2>/dev/null)
        [ -n "$v" ] || { echo NA; return; }
        sum=$((sum + v))
    done
    echo "$sum"
}
threads_of() { # pid... -> threads summed
    local p n=0 v
    for p in "$@"; do
        v=$(awk '$1 == "Threads:" {print $2}' "/proc/$p/status" 2>/dev/null)
        n=$((n + ${v:-0}))
    done
    echo "$n"
}
listeners() { # port -> IPv4 sockets listening on it (one per Typhoon shard)
    awk -v h="$(printf ':%04X' "$1")" '$4 == "0A" && substr($2, length($2) - 4) == h {n++} END {print n + 0}' /proc/net/tcp
}
next_port=$((20000 + RANDOM % 8000))
pick_port() { # sets port: one nothing uses (below the ephemeral range wrk connects from)
    local hex
    for _ in $(seq 1 200); do
        port=$next_port
        next_port=$((next_port + 1))
        [ "$next_port" -lt 32000 ] || next_port=20000
        hex=$(printf ':%04X ' "$port")
        grep -qi "$hex" /proc/net/tcp /proc/net/tcp6 2>/dev/null || return 0
    done
    say "  no free port"
    return 1
}
connectable() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
answer() { # port -> "HTTP/1.1 200 OK, body ok" (or what came back); bash only, 1 s at most
    local resp status
    resp=$(exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
        timeout 1 cat <&3) 2>/dev/null
    status=$(head -1 <<<"$resp" | tr -d '\r')
    if [[ "$resp" == *$'\r\n\r\ngood boy' ]]; then
        echo "${status:-no answer}, body ok"
    else
        echo "${status:-no answer}, body NOT 'good boy': $(tail -c 60 <<<"$resp" | tr -d '\r' | tr '\n' ' ')"
    fi
}
median() { # format value... -> median of the numeric ones (NA when none)
    local fmt=$1
    shift
    printf '%s\n' "$@" | grep -E '^[0-9]+(\.[0-9]+)?$' | sort -g |
        awk -v f="$fmt" '{a[NR] = $1} END {
            if (NR == 0) { print "NA"; exit }
            m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf f "\n", m }'
}
budget() { # seconds a run needs -> false (and says so) when it would pass MAX_SECS
    if [ $((SECONDS + $1)) -gt "$MAX_SECS" ]; then
        say "  skipped: ${SECONDS}s elapsed, a ${1}s run would pass MAX_SECS=$MAX_SECS"
        return 1
    fi
}

# --- servers: each sets pids (all its processes) and port --------------------------------
pids=()
port=""
log_tail() { say "  server log ($1):"; tail -n 8 "$1" | sed 's/^/    /' | tee -a "$out"; }
shard_threads() { # pid... -> typhoon-shard-* threads summed
    local p t n=0
    for p in "$@"; do
        for t in /proc/$p/task/*/comm; do
            [[ $(cat "$t" 2>/dev/null) == typhoon-shard-* ]] && n=$((n + 1))
        done
    done
    echo "$n"
}
wait_listening() { # port count log [shards]: count IPv4 sockets listen on port and accept,
    # and (Typhoon) `shards` typhoon-shard threads exist; then 0.2 s for their rings to start
    local i p shards=${4:-0}
    for i in $(seq 1 300); do # 15 s at most
        for p in "${pids[@]}"; do
            running "$p" || { say "  server pid $p exited before listening"; log_tail "$3"; return 1; }
        done
        if [ "$(listeners "$1")" -ge "$2" ] && connectable "$1" &&
            { [ "$shards" = 0 ] || [ "$(shard_threads "${pids[@]}")" -ge "$shards" ]; }; then
            sleep 0.2
            return 0
        fi
        sleep 0.05
    done
    say "  not ready after 15 s: $(listeners "$1") of $2 listeners on port $1, $(shard_threads "${pids[@]}") of $shards shard threads"
    log_tail "$3"
    return 1
}
start_typhoon() { # taskset-list shards expected-listeners [args...]: multiprocess, RUST_LOG=warn
    local cpus_=$1 shards=$2 expect=$3 log=$tmp/typhoon.log
    shift 3
    pick_port || return 1
    RUST_LOG=warn taskset -c "$cpus_" "$bin/multiprocess" --port "$port" --shards "$shards" "$@" 2>"$log" &
    pids=($!)
    live+=("${pids[@]}")
    wait_listening "$port" "$expect" "$log" "$expect" || { stop "${pids[@]}"; return 1; }
}
start_fork() { # n: n one-shard processes on one port (SO_REUSEPORT), process k on CPU k
    local n=$1 k log=$tmp/fork.log
    pick_port || return 1
    : >"$log"
    pids=()
    for ((k = 0; k < n; k++)); do
        RUST_LOG=warn taskset -c "$k" "$bin/multiprocess" --port "$port" --shards 1 --reuse-port 2>>"$log" &
        pids+=($!)
        live+=($!)
    done
    wait_listening "$port" "$n" "$log" "$n" || { stop "${pids[@]}"; return 1; }
}
start_peer() { # name taskset-list workers: a benches/peers server, port from its stdout
    local name=$1 cpus_=$2 workers=$3 log=$tmp/peer.log so=$tmp/peer.out i
    : >"$so"
    taskset -c "$cpus_" "$bin/$name" --port 0 --workers "$workers" >"$so" 2>"$log" &
    pids=($!)
    live+=("${pids[@]}")
    port=""
    for i in $(seq 1 300); do
        port=$(awk '/^listening on/ {print $3; exit}' "$so")
        [ -n "$port" ] && break
        running "${pids[0]}" || break
        sleep 0.05
    done
    if [ -z "$port" ]; then
        say "  $name did not announce a port"
        log_tail "$log"
        stop "${pids[@]}"
        return 1
    fi
    wait_listening "$port" 1 "$log" || { stop "${pids[@]}"; return 1; }
}

# --- one measured wrk run against pids/port ----------------------------------------------
declare -A RPS CPU RSS PSS P99
errors=()
summary=()
failed() { errors+=("$1: server did not start"); }
measure() { # key label wrk-taskset-list wrk-threads [rss]: appends to RPS[key], CPU[key], P99[key]
    local key=$1 label=$2 wcpus=$3 thr=$4 memo=${5:-} t0 t1 w rc rps reqs us rss="" pss="" th p99
    t0=$(ticks "${pids[@]}")
    w=$(timeout -k 5 $((DUR + 30)) taskset -c "$wcpus" "$bin/wrk" --latency -t"$thr" -c"$CONNS" -d"${DUR}s" \
        "http://127.0.0.1:$port/" 2>&1)
    rc=$?
    t1=$(ticks "${pids[@]}")
    th=$(threads_of "${pids[@]}")
    if [ -n "$memo" ]; then
        rss=$(mem_kb VmRSS "${pids[@]}")
        pss=$(mem_kb Pss "${pids[@]}")
        RSS[$key]+=" $rss"
        PSS[$key]+=" $pss"
    fi
    { echo "### $label (wrk on CPUs $wcpus, -t$thr -c$CONNS -d${DUR}s, rc $rc)"; echo "$w"; } >>"$raw"
    rps=$(awk '/^Requests\/sec/ {print int($2)}' <<<"$w")
    reqs=$(awk '/requests in/ {print $1}' <<<"$w")
    us=NA
    if [ -n "$reqs" ] && [ "$reqs" -gt 0 ] 2>/dev/null && [ "$t0" != NA ] && [ "$t1" != NA ]; then
        us=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.2f", d * 1e6 / hz / n}')
    fi
    # wrk --latency: "     99%    5.12ms" (us, ms or s) -> milliseconds
    p99=$(awk '$1 == "99%" {v = $2; u = 1
        if (v ~ /us$/) u = 0.001; else if (v ~ /ms$/) u = 1; else if (v ~ /s$/) u = 1000
        sub(/[a-z]+$/, "", v); printf "%.2f", v * u; exit}' <<<"$w")
    RPS[$key]+=" ${rps:-NA}"
    CPU[$key]+=" $us"
    P99[$key]+=" ${p99:-NA}"
    local line="  $label: ${rps:-NA} rps, p99 ${p99:-NA} ms, $us us/req (${t0}->${t1} ticks, ${reqs:-NA} req), $th threads"
    [ -n "$memo" ] && line+=", RSS $(mib "$rss") MiB, PSS $(mib "$pss") MiB"
    [ "$rc" = 0 ] || line+=", wrk rc $rc"
    say "$line"
    local e
    while IFS= read -r e; do
        [ -n "$e" ] || continue
        say "  ! $label: $e"
        errors+=("$label: $e")
    done < <(grep -E 'Socket errors|Non-2xx' <<<"$w" | sed 's/^ *//')
    [ -n "$rps" ] || { say "  ! $label: no Requests/sec from wrk:"; tail -n 5 <<<"$w" | sed 's/^/    /' | tee -a "$out"; errors+=("$label: wrk gave no rate"); }
    local p
    for p in "${pids[@]}"; do
        running "$p" || { say "  ! $label: server pid $p died during the run"; errors+=("$label: server died"); }
    done
}
report_line() { # key label -> the summary line of one configuration
    local key=$1 label=$2 line
    line=$(printf '%-34s rps %9s  p99_ms %7s  us/req %7s' "$label" "$(median %d ${RPS[$key]:-})" "$(median %.2f ${P99[$key]:-})" "$(median %.2f ${CPU[$key]:-})")
    line+="  | rps:$(tr ' ' '/' <<<"${RPS[$key]:-}" | sed 's#^/##') p99:$(tr ' ' '/' <<<"${P99[$key]:-}" | sed 's#^/##') us:$(tr ' ' '/' <<<"${CPU[$key]:-}" | sed 's#^/##')"
    if [ -n "${RSS[$key]:-}" ]; then
        local r p
        r=$(median %d ${RSS[$key]})
        p=$(median %d ${PSS[$key]:-})
        line+=" rss_MiB:$(mib "$r") pss_MiB:$(mib "$p")"
    fi
    echo "$line"
}
report() { # key label: prints the summary line and keeps it for the final summary
    local line
    line=$(report_line "$1" "$2")
    say "$line"
    summary+=("$line")
}
mib() { [[ "$1" =~ ^[0-9]+$ ]] && echo $(($1 / 1024)) || echo NA; }
rotate() { # k item... -> the items rotated left by k
    local k=$1
    shift
    local n=$# a=("$@") i
    for ((i = 0; i < n; i++)); do echo "${a[$(((i + k) % n))]}"; done
}

# --- preflight -------------------------------------------------------------------------
ulimit -n 65536 2>/dev/null || true
ulimit -l unlimited 2>/dev/null || true
say "machine: $cpus CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
say "settings: DUR=${DUR}s REPS=$REPS CONNS=$CONNS MAX_SECS=$MAX_SECS half=$half CLK_TCK=$hz" \
    "ulimit -l $(ulimit -l) -n $(ulimit -n); sections: $SECTIONS"
have() { [ -x "$bin/$1" ] || { say "  missing $bin/$1: skipping what needs it"; return 1; }; }
if ! have wrk; then say "wrk is required"; exit 1; fi
if command -v ldd >/dev/null && ldd "$bin/wrk" 2>&1 | grep -q 'not found'; then
    say "wrk has unresolved libraries:"; ldd "$bin/wrk" 2>&1 | tee -a "$out"; exit 1
fi
if [ "$half" -lt 1 ]; then say "needs at least 2 CPUs"; exit 1; fi
have multiprocess || exit 1

# --- 1. start(None) under taskset ---------------------------------------------------------
shard_report() { # pid -> "name cpus ticks" per shard thread
    local t name ticks_ allowed
    for t in /proc/$1/task/*; do
        name=$(cat "$t/comm" 2>/dev/null)
        case $name in typhoon-shard-*) ;; *) continue ;; esac
        ticks_=$(awk '{print $14+$15}' "$t/stat" 2>/dev/null)
        allowed=$(awk '/Cpus_allowed_list/{print $2}' "$t/status" 2>/dev/null)
        echo "$name cpu=$allowed ticks=$ticks_"
    done | sort -V
}

if want startnone; then
    d3=$((DUR < 3 ? DUR : 3))
    say ""
    say "== start(None) under taskset -c 0-$((half - 1)): expect $half shards, one per CPU"
    if budget $((d3 + 15)) && { start_typhoon "0-$((half - 1))" 0 "$half" || ! failed "start(None) on $half CPUs"; }; then
        say "shards started: $(shard_threads "${pids[0]}") typhoon-shard threads, $(listeners "$port") IPv4 listeners on port $port"
        t0=$(ticks "${pids[0]}")
        timeout -k 5 $((d3 + 30)) taskset -c "$half-$last" "$bin/wrk" -t"$half" -c"$CONNS" -d"${d3}s" "http://127.0.0.1:$port/" 2>&1 | tee -a "$out" >"$tmp/wrk.out"
        cat "$tmp/wrk.out"
        t1=$(ticks "${pids[0]}")
        reqs=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
        [ -n "$reqs" ] && say "server CPU: $(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN {printf "%.2f", d * 1e6 / hz / n}') us/req"
        shard_report "${pids[0]}" | tee -a "$out"
        stop "${pids[@]}"
        say "exit status after SIGTERM: $?"
    fi
fi

# --- 2. all CPUs, SIGTERM under load ------------------------------------------------------
if want sigterm; then
    say ""
    say "== all $cpus CPUs: start(None), SIGTERM during wrk"
    if budget 20 && { start_typhoon "0-$last" 0 "$cpus" || ! failed "start(None) on $cpus CPUs"; }; then
        say "shards started: $(shard_threads "${pids[0]}") typhoon-shard threads, $(listeners "$port") IPv4 listeners on port $port"
        timeout -k 5 30 "$bin/wrk" -t4 -c"$CONNS" -d4s "http://127.0.0.1:$port/" >"$tmp/wrk.out" 2>&1 &
        wrk_pid=$!
        sleep 1.5
        t0=$(now_us)
        stop "${pids[@]}"
        st=$?
        say "exit status $st after $((($(now_us) - t0) / 1000)) ms"
        wait $wrk_pid
    fi
fi

# --- 3. scaling 1, 2, 4, 8 shards -----------------------------------------------------------
if want scaling; then
    say ""
    say "== scaling: server on CPUs 0..n-1 (start(n)), wrk -t$half -c$CONNS -d${DUR}s on CPUs $half-$last, $REPS runs each, rotated"
    ns=()
    for n in 1 2 4 8; do
        if [ "$n" -le "$half" ]; then ns+=("$n"); else say "shards=$n skipped: needs $n server CPUs, half of this machine is $half"; fi
    done
    for ((rep = 0; rep < REPS; rep++)); do
        for n in $(rotate "$rep" "${ns[@]}"); do
            budget $((DUR + 5)) || continue
            start_typhoon "0-$((half - 1))" "$n" "$n" || { failed "shards=$n #$((rep + 1))"; continue; }
            measure "scale$n" "shards=$n #$((rep + 1))" "$half-$last" "$half"
            stop "${pids[@]}"
        done
    done
    for n in "${ns[@]}"; do
        say "shards=$n rps:${RPS[scale$n]:-} median=$(median %d ${RPS[scale$n]:-}) cpu_us/req:${CPU[scale$n]:-} median=$(median %.2f ${CPU[scale$n]:-})"
        summary+=("$(report_line "scale$n" "scaling shards=$n")")
    done
fi

N=$half
srv="0-$((N - 1))"
load="$half-$last"

# --- 4. peers at N cores --------------------------------------------------------------------
if want peers; then
    say ""
    say "== peers at $N cores: server taskset -c $srv, wrk -t$half -c$CONNS -d${DUR}s on CPUs $load, $REPS rotated runs"
    servers=(typhoon)
    for s in actix hyper may_minihttp; do have "$s" && servers+=("$s"); done
    checked=" "
    for ((rep = 0; rep < REPS; rep++)); do
        for s in $(rotate "$rep" "${servers[@]}"); do
            budget $((DUR + 5)) || continue
            case $s in
                typhoon) start_typhoon "$srv" "$N" "$N" || { failed "$s #$((rep + 1))"; continue; } ;;
                *) start_peer "$s" "$srv" "$N" || { failed "$s #$((rep + 1))"; continue; } ;;
            esac
            if [[ "$checked" != *" $s "* ]]; then
                a=$(answer "$port")
                say "  $s answers: $a"
                [[ "$a" == *" 200 "*", body ok" ]] || errors+=("$s: wrong answer: $a")
                checked+="$s "
            fi
            measure "peer_$s" "$s #$((rep + 1))" "$load" "$half"
            stop "${pids[@]}"
        done
    done
    for s in "${servers[@]}"; do
        case $s in
            typhoon) label="peers@$N typhoon --shards $N" ;;
            *) label="peers@$N $s --workers $N" ;;
        esac
        report "peer_$s" "$label"
    done
fi

# --- 5. thread-per-core vs fork model ---------------------------------------------------------
if want fork; then
    say ""
    say "== thread-per-core vs fork model at N=$N: multiprocess --shards $N on CPUs $srv vs $N x multiprocess --shards 1 --reuse-port (SO_REUSEPORT, process k on CPU k); wrk -t$half -c$CONNS -d${DUR}s on CPUs $load, $REPS rotated runs; memory after the load"
    modes=(one fork)
    for ((rep = 0; rep < REPS; rep++)); do
        for m in $(rotate "$rep" "${modes[@]}"); do
            budget $((DUR + 5)) || continue
            if [ "$m" = one ]; then
                start_typhoon "$srv" "$N" "$N" || { failed "1 process #$((rep + 1))"; continue; }
                measure "fork_one" "1 process x $N shards #$((rep + 1))" "$load" "$half" mem
            else
                start_fork "$N" || { failed "$N processes #$((rep + 1))"; continue; }
                measure "fork_many" "$N processes x 1 shard #$((rep + 1))" "$load" "$half" mem
            fi
            stop "${pids[@]}"
        done
    done
    report fork_one "fork@$N 1 process, $N shards"
    report fork_many "fork@$N $N processes"
fi

# --- 6. pinned vs unpinned on cores shared with wrk ------------------------------------------
if want shared; then
    say ""
    say "== pinned vs unpinned on shared cores: multiprocess --shards $N [--no-pin] on CPUs $srv, wrk -t$N -c$CONNS -d${DUR}s on the same CPUs $srv, $REPS rotated runs"
    modes=(pin nopin)
    for ((rep = 0; rep < REPS; rep++)); do
        for m in $(rotate "$rep" "${modes[@]}"); do
            budget $((DUR + 5)) || continue
            if [ "$m" = pin ]; then
                start_typhoon "$srv" "$N" "$N" || { failed "pin #$((rep + 1))"; continue; }
            else
                start_typhoon "$srv" "$N" "$N" --no-pin || { failed "nopin #$((rep + 1))"; continue; }
            fi
            measure "shared_$m" "$m #$((rep + 1))" "$srv" "$N"
            stop "${pids[@]}"
        done
    done
    report shared_pin "shared@$N pinned (default)"
    report shared_nopin "shared@$N --no-pin"
fi

# --- 7. a real Tornado: its fork and reuse_port layouts beside Typhoon's two models ----------
python_for_tornado() { # sets PY (and maybe PYTHONPATH) to a Python that imports tornado; false if none
    local venv=$root/target/tornado-venv
    if ! "$venv/bin/python" -c 'import tornado, matplotlib' 2>/dev/null; then
        say "  installing tornado and matplotlib into $venv (pip)"
        { [ -x "$venv/bin/python" ] || python3 -m venv "$venv"; } >/dev/null 2>&1 &&
            "$venv/bin/pip" install -q --retries 0 --timeout 10 tornado matplotlib >"$tmp/pip.log" 2>&1 ||
            say "  pip install failed: $(tail -n 1 "$tmp/pip.log" 2>/dev/null)"
    fi
    PY=$venv/bin/python
    "$PY" -c 'import tornado' 2>/dev/null && return 0
    # The device machine has no registry: scripts/device-prepare.sh copies tornado to BIN_DIR/pylib.
    PY=python3
    export PYTHONPATH="$bin/pylib${PYTHONPATH:+:$PYTHONPATH}"
    "$PY" -c 'import tornado' 2>/dev/null
}
start_tornado() { # model n: tornado_hello.py --procs n --model model --pin on CPUs 0..n-1;
    # pids = the parent, then every serving child (read from their "listening on" lines)
    local model=$1 n=$2 log=$tmp/tornado.log so=$tmp/tornado.out kids expect=1
    [ "$model" = reuseport ] && expect=$n
    pick_port || return 1
    : >"$so"
    taskset -c "0-$((n - 1))" "$PY" "$root/benches/peers/tornado_hello.py" --port "$port" \
        --procs "$n" --model "$model" --pin >"$so" 2>"$log" &
    pids=($!)
    live+=("${pids[@]}")
    for _ in $(seq 1 300); do
        [ "$(grep -c '^listening on' "$so")" -ge "$n" ] && break
        running "${pids[0]}" || break
        sleep 0.05
    done
    kids=$(awk '/^listening on/ && NF > 3 {print $NF}' "$so")
    pids+=($kids)
    live+=($kids)
    if [ "$(wc -w <<<"$kids")" -lt "$n" ]; then
        say "  tornado --model $model --procs $n: $(wc -w <<<"$kids") of $n processes serve after 15 s"
        log_tail "$log"
        stop "${pids[@]}"
        return 1
    fi
    # The parent first: Tornado's fork_processes would restart children killed before it.
    wait_listening "$port" "$expect" "$log" || { stop "${pids[@]}"; return 1; }
}
start_typhoon_fork() { # n: multiprocess --model fork --shards n on CPUs 0..n-1; pids = parent, children
    local n=$1 log=$tmp/typhoon-fork.log kids
    pick_port || return 1
    RUST_LOG=warn,typhoon_server::process=info taskset -c "0-$((n - 1))" "$bin/multiprocess" \
        --port "$port" --model fork --shards "$n" 2>"$log" &
    pids=($!)
    live+=("${pids[@]}")
    for _ in $(seq 1 300); do
        [ "$(grep -c 'started child' "$log")" -ge "$n" ] && break
        running "${pids[0]}" || break
        sleep 0.05
    done
    kids=$(grep -o 'started child [0-9]* (pid [0-9]*' "$log" | awk '{print $NF}')
    pids+=($kids)
    live+=($kids)
    wait_listening "$port" 1 "$log" "$n" || { stop_parent; return 1; }
}
stop_parent() { # the fork model's parent passes SIGTERM on to its children, pids[1..]: a
    # second one sent to them directly would make them exit at once; then wait for them all
    local st p end
    stop "${pids[0]}"
    st=$?
    end=$(($(now_us) + 12000000))
    for p in "${pids[@]:1}"; do
        while running "$p" && [ "$(now_us)" -lt "$end" ]; do nap 0.001; done
        running "$p" && { say "  child $p outlived its parent by 12 s: SIGKILL"; kill -KILL "$p" 2>/dev/null; }
    done
    forget "${pids[@]}"
    return "$st"
}

if want tornado; then
    say ""
    say "== a real Tornado ($root/benches/peers/tornado_hello.py) against Typhoon, N server CPUs (0..N-1, process or shard k pinned to CPU k), wrk --latency -t$half -c$CONNS -d${DUR}s on CPUs $load, $REPS rotated runs per layout"
    say "   tornado-fork: bind_sockets + fork_processes(N), one shared socket (Tornado's start(N)); tornado-reuseport: N processes, each bind_sockets(reuse_port=True);"
    say "   typhoon-threads: multiprocess --shards N (one process, N shards, SO_REUSEPORT per shard); typhoon-fork: multiprocess --model fork --shards N (start_processes(N): one shared socket)"
    layouts=(typhoon-threads typhoon-fork)
    if python_for_tornado; then
        say "  python: $PY, tornado $("$PY" -c 'import tornado; print(tornado.version)')"
        layouts+=(tornado-fork tornado-reuseport)
    else
        say "  tornado cannot be imported (no venv, no $bin/pylib): its layouts are skipped"
        errors+=("tornado: not installed")
    fi
    ns=()
    for n in 1 2 4 8; do
        if [ "$n" -le "$half" ]; then ns+=("$n"); else say "  N=$n skipped: needs $n server CPUs and as many for wrk; this machine has $cpus CPUs"; fi
    done
    checked=" "
    for n in "${ns[@]}"; do
        for ((rep = 0; rep < REPS; rep++)); do
            for l in $(rotate "$rep" "${layouts[@]}"); do
                budget $((DUR + 5)) || continue
                case $l in
                    typhoon-threads) start_typhoon "0-$((n - 1))" "$n" "$n" ;;
                    typhoon-fork) start_typhoon_fork "$n" ;;
                    tornado-fork) start_tornado fork "$n" ;;
                    tornado-reuseport) start_tornado reuseport "$n" ;;
                esac || { failed "$l N=$n #$((rep + 1))"; continue; }
                if [[ "$checked" != *" $l@$n "* ]]; then
                    a=$(answer "$port")
                    say "  $l N=$n answers: $a (${#pids[@]} process(es): ${pids[*]})"
                    [[ "$a" == *" 200 "*", body ok" ]] || errors+=("$l N=$n: wrong answer: $a")
                    checked+="$l@$n "
                fi
                measure "tn_${l}_$n" "$l N=$n #$((rep + 1))" "$load" "$half"
                case $l in
                    typhoon-fork) stop_parent ;;
                    *) stop "${pids[@]}" ;;
                esac
            done
        done
    done
    tsv="$out.tornado.tsv"
    : >"$tsv"
    for l in "${layouts[@]}"; do
        for n in "${ns[@]}"; do
            report "tn_${l}_$n" "tornado@$n $l"
            printf '%s\t%s\t%s\t%s\n' "$l" "$n" "$(median %d ${RPS[tn_${l}_$n]:-})" "$(median %.2f ${P99[tn_${l}_$n]:-})" >>"$tsv"
        done
    done
    png="$out.tornado.png"
    if "$PY" "$root/benches/scaling_plot.py" "$tsv" "$png" 2>"$tmp/plot.log"; then
        say "  plot: $png (data: $tsv)"
    else
        say "  no plot ($(tail -n 1 "$tmp/plot.log")): run python3 benches/scaling_plot.py $tsv $png where matplotlib is installed"
    fi
fi

# --- summary ----------------------------------------------------------------------------------
say ""
say "== summary: $cpus CPUs, N=$N, DUR=${DUR}s REPS=$REPS CONNS=$CONNS; median requests/s, median server CPU us/request | runs; ${SECONDS}s in all"
for l in "${summary[@]}"; do say "$l"; done
if [ ${#errors[@]} -eq 0 ]; then
    say "errors: none (no socket errors, no non-2xx answers, no server deaths)"
else
    say "errors (${#errors[@]}):"
    for e in "${errors[@]}"; do say "  $e"; done
fi
