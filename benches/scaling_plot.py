"""Plots scripts/scaling.sh's `tornado` section: requests/s against N, one line per layout.

    python3 benches/scaling_plot.py RESULTS.tornado.tsv OUT.png

The TSV has one row per layout and N: layout, N, median requests/s, median p99 (ms).
"""

import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(tsv: str, png: str) -> None:
    lines = defaultdict(list)
    for row in open(tsv, encoding="utf-8"):
        cols = row.rstrip("\n").split("\t")
        if len(cols) < 3 or not cols[2].replace(".", "", 1).isdigit():
            continue  # a layout that did not run
        lines[cols[0]].append((int(cols[1]), float(cols[2])))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (layout, points) in enumerate(lines.items()):
        points.sort()
        ax.plot([n for n, _ in points], [r for _, r in points], marker="o", label=layout)
        for n, r in points:
            # Layouts of one server lie close together: label them on alternate sides.
            side = (8, -3) if i % 2 == 0 else (-8, -3)
            ax.annotate(f"{r:,.0f}", (n, r), textcoords="offset points", xytext=side,
                        ha="left" if i % 2 == 0 else "right", fontsize=8)
    ns = sorted({n for points in lines.values() for n, _ in points})
    ax.set_xscale("log", base=2)
    ax.set_xticks(ns or [1])
    ax.set_xticklabels([str(n) for n in ns] or ["1"])
    ax.set_xlabel("N (server CPUs: processes or shards)")
    ax.set_ylabel("requests/s (median, log scale)")
    ax.set_yscale("log")  # Tornado serves about 1/20 of Typhoon's rate
    ax.set_title("hello: Tornado fork / reuse_port vs Typhoon threads / fork")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: scaling_plot.py RESULTS.tornado.tsv OUT.png")
    main(sys.argv[1], sys.argv[2])
