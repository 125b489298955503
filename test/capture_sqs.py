"""capture_sqs.py — capture the exact HTTP request sesami's SQS client sends, and
check its signature with botocore.

  /usr/bin/python3 test/capture_sqs.py serve PORTFILE CAPTUREFILE
      listen on 127.0.0.1 (free port written to PORTFILE); for every POST,
      append {method, path, headers, body} as one JSON line to CAPTUREFILE and
      answer like SQS would for SendMessageBatch (every entry successful)
  /usr/bin/python3 test/capture_sqs.py verify CAPTUREFILE SECRET_KEY REGION
      re-sign each captured request with botocore's SigV4Auth (same method,
      URL, Content-Type, X-Amz-Target, body, X-Amz-Date and session token)
      and print "match <authorization>" or "mismatch <sent> <botocore>"

Run with /usr/bin/python3 (Debian python3-botocore).
"""
import base64
import datetime
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def serve(portfile, capfile):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            rec = {
                "method": "POST",
                "path": self.path,
                "peer_port": self.client_address[1],
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": base64.b64encode(body).decode(),
            }
            with open(capfile, "a") as f:
                f.write(json.dumps(rec) + "\n")
            try:
                entries = json.loads(body).get("Entries", [])
            except ValueError:
                entries = []
            reply = json.dumps({
                "Successful": [{"Id": e.get("Id"), "MessageId": "captured-%d" % i,
                                "MD5OfMessageBody": "0"} for i, e in enumerate(entries)],
                "Failed": [],
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def verify(capfile, secret, region):
    from unittest import mock

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    bad = 0
    with open(capfile) as f:
        records = [json.loads(line) for line in f if line.strip()]
    if not records:
        print("mismatch nothing-captured")
        return 1
    for rec in records:
        h = {k.lower(): v for k, v in rec["headers"]}
        sent = h.get("authorization", "")
        access_key = sent.split("Credential=")[1].split("/")[0] if "Credential=" in sent else ""
        url = "http://%s%s" % (h["host"], rec["path"])
        req = AWSRequest(method=rec["method"], url=url, data=base64.b64decode(rec["body"]),
                         headers={"Content-Type": h.get("content-type"),
                                  "X-Amz-Target": h.get("x-amz-target")})
        when = datetime.datetime.strptime(h["x-amz-date"], "%Y%m%dT%H%M%SZ")
        creds = Credentials(access_key, secret, h.get("x-amz-security-token"))
        with mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.strptime = datetime.datetime.strptime
            SigV4Auth(creds, "sqs", region).add_auth(req)
        expected = req.headers["Authorization"]
        if expected == sent:
            print("match %s" % sent)
        else:
            bad += 1
            print("mismatch sent=%s botocore=%s" % (sent, expected))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4]))
