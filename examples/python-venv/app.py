"""A small HTTP server: `/` answers $APP_GREETING, `/health` "ok", `/sign/TEXT` TEXT signed with
$APP_SECRET by itsdangerous (installed from PyPI into the image's virtual environment), on
$APP_PORT."""

import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from itsdangerous import Signer

GREETING = os.environ.get("APP_GREETING", "Hello from python-venv")
SIGNER = Signer(os.environ.get("APP_SECRET", "not-a-secret"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            self.answer(200, GREETING)
        elif self.path == "/health":
            self.answer(200, "ok")
        elif self.path.startswith("/sign/"):
            self.answer(200, SIGNER.sign(self.path[len("/sign/"):]).decode())
        else:
            self.answer(404, "not found")

    def answer(self, status, text):
        body = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = ThreadingHTTPServer(("", int(os.environ.get("APP_PORT", "8000"))), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening on", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
