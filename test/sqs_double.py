"""sqs_double.py — a loopback stand-in for SQS SendMessageBatch that answers
with per-entry failures, for the dispatcher's Failed[] handling.

  /usr/bin/python3 test/sqs_double.py PORTFILE LOGFILE

Listens on 127.0.0.1 (free port written to PORTFILE).  Every request is
logged to LOGFILE as one JSON line {"ids": [...]}.  Per entry (the entry Id is
the outbox row id):
  - an Id divisible by 5 fails with SenderFault true (the dispatcher must park it);
  - an even Id fails with SenderFault false the first time it is seen
    (InternalError; the dispatcher must retry it) and succeeds afterwards;
  - every other entry succeeds.
HTTP 200 in all cases, as SQS does for partial failures.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()


def main(portfile, logfile):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            entries = body.get("Entries", [])
            ok, failed = [], []
            for e in entries:
                i = int(e["Id"])
                if i % 5 == 0:
                    failed.append({"Id": e["Id"], "SenderFault": True,
                                   "Code": "InvalidParameterValue", "Message": "rejected by the double"})
                elif i % 2 == 0 and i not in seen:
                    failed.append({"Id": e["Id"], "SenderFault": False,
                                   "Code": "InternalError", "Message": "try again"})
                else:
                    ok.append({"Id": e["Id"], "MessageId": "double-%s" % e["Id"], "MD5OfMessageBody": "0"})
                seen.add(i)
            with open(logfile, "a") as f:
                f.write(json.dumps({"ids": [e["Id"] for e in entries]}) + "\n")
            reply = json.dumps({"Successful": ok, "Failed": failed}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
