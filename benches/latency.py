"""The latency part of the one-core comparison (issue 18): servers under light load.

Saturated throughput hides stalls: a server that sleeps until a timer instead of being woken
by its sockets still looks fine at -c64 if it never sleeps. So each server, after its
saturated runs, is also measured

- with one and with four connections (`wrk -t1 -c1` / `-c4 --latency`): requests/s, p50, p99;
- at fixed rates with benches/peers' `openloop` client: p50/p99/p99.9 taken from when each
  request was *due* (wrk2's correction for coordinated omission), so a stall is charged for
  every request it held up.

Helpers only: harness.py runs the processes and writes the report.
"""

from __future__ import annotations

import json
import os
import statistics

# A rate is skipped for a server whose own keep-alive peak (same session) is below this
# share of it: an overloaded open-loop run measures only its queue.
MAX_SHARE_OF_PEAK = 0.9
CLK_TCK = os.sysconf("SC_CLK_TCK")


def steal_ticks(cpus: tuple[str, ...]) -> int:
    """Time the hypervisor ran something else on these CPUs (/proc/stat `steal`), in ticks.

    On a shared virtual machine a vCPU can be taken away for tens of milliseconds; a run
    during which that happened measures the host, not the server (seen here: ~100 ms
    pauses, 40 ticks of CPU 0 stolen in a 5 s run)."""
    total = 0
    with open("/proc/stat") as f:
        for line in f:
            parts = line.split()
            if parts[0] in {f"cpu{c}" for c in cpus}:
                total += int(parts[8])
    return total


def steal_ms(ticks: int) -> float:
    return ticks * 1000 / CLK_TCK


def openloop_cmd(binary: str, cpu: str, port: int, rate: int, conns: int, duration: float) -> list[str]:
    return ["taskset", "-c", cpu, binary, "--port", str(port), "--rate", str(rate),
            "--conns", str(conns), "--duration", f"{duration:g}", "--warmup", "1"]


def parse_openloop(out: str, rate: int) -> dict:
    """The client's JSON line, checked: every request due was answered, with a 200."""
    line = next((l for l in reversed(out.strip().splitlines()) if l.startswith("{")), None)
    if line is None:
        return {"error": "openloop printed no result: " + out.strip()[-300:]}
    r = json.loads(line)
    r["p50_ms"] = r["p50_us"] / 1000
    r["p99_ms"] = r["p99_us"] / 1000
    r["p999_ms"] = r["p999_us"] / 1000
    r["max_ms"] = r["max_us"] / 1000
    if r["errors"] or r["unfinished"]:
        r["error"] = f"{r['errors']} errors, {r['unfinished']} requests unanswered"
    elif r["completed"] < 0.97 * rate * r["duration_s"]:
        r["error"] = f"only {r['completed']} of {rate * r['duration_s']:.0f} requests in the window"
    return r


def _med(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def summarize(ok_runs: list[dict], rates: list[int]) -> dict:
    """Medians over a server's valid runs, keyed like `c1_p50_ms`, `r10000_p99_ms`; the
    `_clean` p99 is the median over the runs during which the host stole no CPU time."""
    lat = [r["latency"] for r in ok_runs if "latency" in r]
    out: dict = {}
    for c in ("c1", "c4"):
        good = [x[c] for x in lat if c in x and "error" not in x[c]]
        for key in ("rps", "p50_ms", "p99_ms"):
            out[f"{c}_{key}"] = _med([g.get(key) for g in good])
        clean = [g for g in good if g.get("steal_ms") == 0]
        out[f"{c}_p99_clean_ms"] = _med([g.get("p99_ms") for g in clean])
        out[f"{c}_clean"] = f"{len(clean)}/{len(good)}"
    for rate in rates:
        k = f"r{rate}"
        got = [x[k] for x in lat if k in x]
        skipped = [g["skipped"] for g in got if "skipped" in g]
        good = [g for g in got if "error" not in g and "skipped" not in g]
        for key in ("p50_ms", "p99_ms", "p999_ms"):
            out[f"{k}_{key}"] = _med([g[key] for g in good])
        clean = [g for g in good if g.get("steal_ms") == 0]
        out[f"{k}_p99_clean_ms"] = _med([g["p99_ms"] for g in clean])
        out[f"{k}_clean"] = f"{len(clean)}/{len(good)}"
        out[f"{k}_skipped"] = skipped[0] if skipped and not good else None
    return out


def fmt_ms(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v * 1000:.0f} µs" if v < 1 else f"{v:.2f} ms"


def table_md(summary: dict, names: list[str], rates: list[int], labels: dict) -> str:
    """Medians of all runs; "clean" columns: the median p99 over the runs during which the
    host stole no CPU time from the server's or the client's CPU (how many: clean/all)."""
    head = "| server | -c1 rps | -c1 p50 | -c1 p99 | -c1 p99 clean (runs) | -c4 rps | -c4 p50 | -c4 p99 |"
    rule = "|---|---|---|---|---|---|---|---|"
    for rate in rates:
        head += f" {rate:,}/s p50 | {rate:,}/s p99 | {rate:,}/s p99.9 | {rate:,}/s p99 clean (runs) |"
        rule += "---|---|---|---|"
    lines = [head, rule]
    for n in names:
        s = summary[n]
        row = (f"| {labels[n]} | {_num(s.get('c1_rps'))} | {fmt_ms(s.get('c1_p50_ms'))} | "
               f"{fmt_ms(s.get('c1_p99_ms'))} | {fmt_ms(s.get('c1_p99_clean_ms'))} ({s.get('c1_clean', '0/0')}) | "
               f"{_num(s.get('c4_rps'))} | {fmt_ms(s.get('c4_p50_ms'))} | {fmt_ms(s.get('c4_p99_ms'))} |")
        for rate in rates:
            k = f"r{rate}"
            if s.get(f"{k}_skipped"):
                row += f" not run: {s[f'{k}_skipped']} | | | |"
                continue
            row += (f" {fmt_ms(s.get(f'{k}_p50_ms'))} | {fmt_ms(s.get(f'{k}_p99_ms'))} | "
                    f"{fmt_ms(s.get(f'{k}_p999_ms'))} | {fmt_ms(s.get(f'{k}_p99_clean_ms'))} ({s.get(f'{k}_clean', '0/0')}) |")
        lines.append(row)
    return "\n".join(lines)


def _num(v) -> str:
    return "–" if v is None else f"{v:,.0f}"


def ratios(summary: dict, ours: str, peers: list[str], rates: list[int], short: dict, peak: float | None):
    """(target, value, formula, target text, met?) rows of issue 18's latency targets."""
    rows = []
    t = summary.get(ours, {})
    h = summary.get("hyper", {})
    if t.get("c1_p50_ms") and h.get("c1_p50_ms"):
        r = t["c1_p50_ms"] / h["c1_p50_ms"]
        rows.append(("-c1 p50 vs hyper", f"{r:.2f}×",
                     f"{short[ours]} {fmt_ms(t['c1_p50_ms'])} / hyper {fmt_ms(h['c1_p50_ms'])}", "≤ 1.1×", r <= 1.1))
    for rate in rates:
        for k, how in ((f"r{rate}_p99_clean_ms", "runs without stolen CPU"), (f"r{rate}_p99_ms", "all runs")):
            cands = [(summary[p][k], p) for p in peers if summary.get(p, {}).get(k) is not None]
            if not t.get(k) or not cands:
                continue
            best, who = min(cands)
            r = t[k] / best
            share = f", {rate / peak:.0%} of the best peer's keep-alive peak" if peak else ""
            rows.append((f"p99 at {rate:,} requests/s ({how}{share}) vs best peer", f"{r:.2f}×",
                         f"{short[ours]} {fmt_ms(t[k])} / {short[who]} {fmt_ms(best)}", "≤ 1.2×", r <= 1.2))
    return rows
