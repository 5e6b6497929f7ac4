"""Tornado 6 hello for the load comparisons: GET / -> 200 "good boy".

    python3 benches/peers/tornado_hello.py --port N     (0: the kernel picks)
    python3 benches/peers/tornado_hello.py --port N --procs 4 --model fork [--pin]
    python3 benches/peers/tornado_hello.py --port N --procs 4 --model reuseport [--pin]

One process (the default): prints "listening on PORT" once bound (127.0.0.1 only).

--procs N --model fork: Tornado's `HTTPServer.start(N)` layout, written the way Tornado 6
recommends: `bind_sockets` in the parent, `tornado.process.fork_processes(N)` (the parent
supervises and restarts), then in each child `add_sockets` on the one shared socket.
--procs N --model reuseport: N processes, each with its own
`bind_sockets(..., reuse_port=True)` on the same port (the kernel spreads connections);
the parent only forks them and waits. The port must be given (not 0) in this mode.
Each serving process prints "listening on PORT task K pid P" once it serves; --pin pins
process K to the K-th CPU of the allowed set (as Typhoon pins its shards).
"""

import argparse
import asyncio
import os
import sys

import tornado.httpserver
import tornado.netutil
import tornado.process
import tornado.web


class IndexHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("good boy")


async def serve(sockets, task) -> None:
    app = tornado.web.Application([(r"/", IndexHandler)])
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    if task is None:
        print(f"listening on {port}", flush=True)
    else:
        print(f"listening on {port} task {task} pid {os.getpid()}", flush=True)
    await asyncio.Event().wait()


def pin(task: int) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[task % len(cpus)]})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--procs", type=int, default=1)
    parser.add_argument("--model", choices=["fork", "reuseport"], default="fork")
    parser.add_argument("--pin", action="store_true")
    args = parser.parse_args()
    backlog = 4096
    if args.procs == 1 and args.model == "fork" and not args.pin:
        sockets = tornado.netutil.bind_sockets(args.port, address="127.0.0.1", backlog=backlog)
        asyncio.run(serve(sockets, None))
    elif args.model == "fork":
        sockets = tornado.netutil.bind_sockets(args.port, address="127.0.0.1", backlog=backlog)
        task = tornado.process.fork_processes(args.procs)  # only the children return
        if args.pin:
            pin(task)
        asyncio.run(serve(sockets, task))
    else:
        if args.port == 0:
            parser.error("--model reuseport needs a --port: each process binds it on its own")
        children = []
        for task in range(args.procs):
            pid = os.fork()
            if pid == 0:
                if args.pin:
                    pin(task)
                sockets = tornado.netutil.bind_sockets(
                    args.port, address="127.0.0.1", backlog=backlog, reuse_port=True
                )
                asyncio.run(serve(sockets, task))
                return
            children.append(pid)
        for _ in children:
            os.wait()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
