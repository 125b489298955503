"""reply_double.py — loopback HTTP server that answers every request with the
reply a test set, for hostile-reply tests of common/ (test/sqs_test.c's
"hostile" mode): null members, wrong types, line breaks in messages.

  /usr/bin/python3 test/reply_double.py PORTFILE

Binds 127.0.0.1 on a free port and writes it to PORTFILE.
  PUT /_reply?status=N   the request body becomes the reply to every later
                         request (any method, any other path), with status N
Anything else gets that reply (initially 200 "{}").
"""
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"status": 200, "body": b"{}"}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        u = urllib.parse.urlparse(self.path)
        with lock:
            if self.command == "PUT" and u.path == "/_reply":
                q = urllib.parse.parse_qs(u.query)
                state["status"] = int(q.get("status", ["200"])[0])
                state["body"] = data
                status, body = 200, b"{}"
            else:
                status, body = state["status"], state["body"]
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = answer


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
