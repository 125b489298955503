"""secretsmanager_double.py — a minimal loopback stand-in for AWS Secrets
Manager's GetSecretValue (no emulator exists on these machines), strict about
the request: the JSON 1.1 protocol headers, and a SigV4 signature that
botocore, re-signing the same request, must reproduce.

  /usr/bin/python3 test/secretsmanager_double.py PORTFILE SECRET_KEY REGION ARN SECRETFILE

Listens on 127.0.0.1 (free port written to PORTFILE).  Answers
{"ARN", "Name", "SecretString"} (SecretString = SECRETFILE's content) for
SecretId == ARN; ResourceNotFoundException for another id;
InvalidSignatureException (HTTP 400) when the signature or the headers are
wrong.  Run with /usr/bin/python3 (Debian python3-botocore).
"""
import datetime
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main(portfile, secret_key, region, arn, secretfile):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            h = {k.lower(): v for k, v in self.headers.items()}
            sent = h.get("authorization", "")
            if (h.get("x-amz-target") != "secretsmanager.GetSecretValue"
                    or h.get("content-type") != "application/x-amz-json-1.1"
                    or "/%s/secretsmanager/aws4_request" % region not in sent):
                return self.reply(400, {"__type": "InvalidSignatureException",
                                        "message": "wrong protocol headers or credential scope"})
            access_key = sent.split("Credential=")[1].split("/")[0]
            req = AWSRequest(method="POST", url="http://%s%s" % (h["host"], self.path), data=body,
                             headers={"Content-Type": h["content-type"], "X-Amz-Target": h["x-amz-target"]})
            when = datetime.datetime.strptime(h["x-amz-date"], "%Y%m%dT%H%M%SZ")
            with mock.patch("botocore.auth.datetime") as dt:
                dt.datetime.utcnow.return_value = when
                dt.datetime.strptime = datetime.datetime.strptime
                SigV4Auth(Credentials(access_key, secret_key, h.get("x-amz-security-token")),
                          "secretsmanager", region).add_auth(req)
            if req.headers["Authorization"] != sent:
                return self.reply(400, {"__type": "InvalidSignatureException",
                                        "message": "signature does not match botocore's"})
            if json.loads(body).get("SecretId") != arn:
                return self.reply(400, {"__type": "ResourceNotFoundException",
                                        "message": "Secrets Manager can't find the specified secret."})
            with open(secretfile) as f:
                self.reply(200, {"ARN": arn, "Name": arn.rsplit(":", 1)[-1], "SecretString": f.read()})

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:6])
