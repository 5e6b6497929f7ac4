"""Tornado 6 hello for the load comparison: GET / -> 200 "good boy".

    python3 benches/peers/tornado_hello.py --port N     (0: the kernel picks)

Prints "listening on PORT" once bound (127.0.0.1 only). One process, one IOLoop.
"""

import argparse
import asyncio
import sys

import tornado.httpserver
import tornado.netutil
import tornado.web


class IndexHandler(tornado.web.RequestHandler):
    def get(self):
        self.write("good boy")


async def main(port: int) -> None:
    app = tornado.web.Application([(r"/", IndexHandler)])
    sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1", backlog=4096)
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets(sockets)
    print(f"listening on {sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(main(args.port))
    except KeyboardInterrupt:
        sys.exit(0)
