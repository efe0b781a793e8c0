"""A tiny web app using only the Python standard library.

GET /        -> the greeting from $APP_GREETING, as text/plain
GET /health  -> "ok"
Listens on 0.0.0.0:$APP_PORT (default 8000). Stops cleanly on SIGTERM.
"""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    server_version = "imgc-python-web/1.0"

    def do_GET(self):
        if self.path == "/":
            self.reply(200, os.environ.get("APP_GREETING", "Hello") + "\n")
        elif self.path == "/health":
            self.reply(200, "ok\n")
        else:
            self.reply(404, "not found\n")

    def reply(self, status, text):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    port = int(os.environ.get("APP_PORT", "8000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    # As PID 1 in a container, SIGTERM is ignored unless handled.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(f"listening on 0.0.0.0:{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
