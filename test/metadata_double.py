"""metadata_double.py — loopback stand-in for the ECS container credentials
endpoint and EC2 IMDSv2, for test/aws_credentials_test.c.

Usage: /usr/bin/python3 test/metadata_double.py PORTFILE
Binds 127.0.0.1 on a free port, writes the port to PORTFILE, serves until
killed.  Every credential it hands out is numbered (ASIA...<n>), so a test can
tell a cached answer from a fresh fetch.

  PUT  /latest/api/token                          IMDSv2 token (needs the TTL header)
  GET  /latest/meta-data/iam/security-credentials/        role name (needs the token)
  GET  /latest/meta-data/iam/security-credentials/<role>  role credentials (needs the token)
  GET  /container/creds                           container credentials; checks
                                                  Authorization == "container-auth-token"
  GET  /container/garbage                         200 with a non-JSON body that
                                                  contains a secret-looking string
  GET  /stats                                     JSON: request counts per path
  POST /control?fail=1|0&ttl=SECONDS&now=EPOCH    make credential fetches fail (500)
                                                  / set lifetime / set the clock the
                                                  Expiration is computed from
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "sesami-role"
CONTAINER_AUTH = "container-auth-token"
state = {"fail": False, "ttl": 3600, "now": None, "serial": 0, "tokens": set()}
counts = {}
lock = threading.Lock()


def expiration():
    now = state["now"] if state["now"] is not None else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + state["ttl"]))


def credentials(kind):
    state["serial"] += 1
    n = state["serial"]
    return {
        "Code": "Success",
        "Type": "AWS-HMAC",
        "AccessKeyId": "ASIA%s%04d" % (kind.upper(), n),
        "SecretAccessKey": "secret-%s-%d" % (kind, n),
        "Token": "token-%s-%d" % (kind, n),
        "Expiration": expiration(),
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def count(self, path):
        counts[path] = counts.get(path, 0) + 1

    def do_PUT(self):
        with lock:
            self.count("PUT " + self.path)
            if self.path != "/latest/api/token":
                return self.reply(404, "not found")
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "missing ttl header")
            tok = "imds-session-%d" % (len(state["tokens"]) + 1)
            state["tokens"].add(tok)
            return self.reply(200, tok, "text/plain")

    def do_POST(self):
        with lock:
            u = urllib.parse.urlparse(self.path)
            if u.path != "/control":
                return self.reply(404, "not found")
            q = urllib.parse.parse_qs(u.query)
            if "fail" in q:
                state["fail"] = q["fail"][0] == "1"
            if "ttl" in q:
                state["ttl"] = int(q["ttl"][0])
            if "now" in q:
                state["now"] = int(q["now"][0])
            return self.reply(200, "{}")

    def do_GET(self):
        with lock:
            self.count("GET " + self.path)
            p = self.path
            if p == "/stats":
                return self.reply(200, json.dumps(counts))
            if p.startswith("/latest/meta-data/iam/security-credentials/"):
                if self.headers.get("X-aws-ec2-metadata-token") not in state["tokens"]:
                    return self.reply(401, "")
                rest = p[len("/latest/meta-data/iam/security-credentials/"):]
                if rest == "":
                    return self.reply(200, ROLE + "\n", "text/plain")
                if rest != ROLE:
                    return self.reply(404, "")
                if state["fail"]:
                    return self.reply(500, "boom")
                return self.reply(200, json.dumps(credentials("imds")))
            if p == "/container/creds":
                if self.headers.get("Authorization") != CONTAINER_AUTH:
                    return self.reply(403, '{"message":"bad token"}')
                if state["fail"]:
                    return self.reply(500, "boom")
                return self.reply(200, json.dumps(credentials("cont")))
            if p == "/container/garbage":
                return self.reply(200, 'not json "SecretAccessKey": "leaky-secret-value"')
            return self.reply(404, "not found")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
