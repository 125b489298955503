#!/usr/bin/env python3
"""auth401_double.py PORTFILE LOGFILE — a loopback git HTTP server that asks
every request for credentials (401, WWW-Authenticate: Basic) and appends each
request's Authorization header (or "-") to LOGFILE.  It writes its port to
PORTFILE once listening.  Used to check that sesami-worker offers a user's
GitHub token to no host but the token's own."""
import http.server
import os
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as log:
            log.write("%s %s\n" % (self.path, self.headers.get("Authorization", "-")))
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
