"""Tornado's WebSocket echo: the Tornado peer of scripts/ws-bench.sh (one process)."""
import sys

import tornado.ioloop
import tornado.web
import tornado.websocket


class Echo(tornado.websocket.WebSocketHandler):
    def check_origin(self, origin):
        return True

    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


if __name__ == "__main__":
    port = int(sys.argv[sys.argv.index("--port") + 1])
    tornado.web.Application([(r"/", Echo)]).listen(port, "127.0.0.1")
    print(f"listening on {port}", flush=True)
    tornado.ioloop.IOLoop.current().start()
