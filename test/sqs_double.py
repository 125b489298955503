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

If the file PORTFILE.mode exists, its first line picks another behaviour for
every request from then on (the test rewrites it to switch):
  partial       the per-entry failures above (the default);
  ok            every entry succeeds;
  500           HTTP 500 InternalError (a server error);
  throttle      HTTP 400 ThrottlingException;
  creds         HTTP 403 InvalidClientTokenId (refused credentials);
  malformed     HTTP 400 InvalidParameterValue (the request's own fault);
  slow SECONDS  every entry succeeds, after SECONDS.
Error messages hold a newline, as server text may.
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen = set()


def main(portfile, logfile):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, doc):
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            entries = body.get("Entries", [])
            try:
                with open(portfile + ".mode") as f:
                    mode = (f.readline().split() or ["partial"])
            except FileNotFoundError:
                mode = ["partial"]
            with open(logfile, "a") as f:
                f.write(json.dumps({"ids": [e["Id"] for e in entries], "mode": mode[0]}) + "\n")
            errors = {"500": (500, "InternalError"), "throttle": (400, "ThrottlingException"),
                      "creds": (403, "InvalidClientTokenId"), "malformed": (400, "InvalidParameterValue")}
            if mode[0] in errors:
                status, code = errors[mode[0]]
                return self.reply(status, {"__type": "com.amazonaws.sqs#" + code,
                                           "message": "the double says no\nsecond line of the error"})
            if mode[0] in ("ok", "slow"):
                if mode[0] == "slow":
                    time.sleep(float(mode[1]))
                return self.reply(200, {"Successful": [{"Id": e["Id"], "MessageId": "double-%s" % e["Id"],
                                                        "MD5OfMessageBody": "0"} for e in entries]})
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
            self.reply(200, {"Successful": ok, "Failed": failed})

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
