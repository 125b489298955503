"""botocore_sign.py — sign one request with botocore's SigV4Auth; print Authorization.

Used by test/aws.test.sh to cross-check sesami's C signer (common/sigv4.c):
the same options are given to `sigv4_vectors sign`, and the two Authorization
values must be identical.  Run with /usr/bin/python3 (Debian python3-botocore).

Options mirror the C driver: --method --url --region --service --time EPOCH
--access-key --secret-key [--token] [--header "Name: value"]... [--body-file].
"""
import argparse
import datetime
import sys
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", default="POST")
    ap.add_argument("--url", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--service", required=True)
    ap.add_argument("--time", type=int, required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--token")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--body-file")
    a = ap.parse_args()

    body = b""
    if a.body_file:
        with open(a.body_file, "rb") as f:
            body = f.read()
    headers = {}
    for h in a.header:
        name, _, value = h.partition(":")
        headers[name] = value.strip()
    req = AWSRequest(method=a.method, url=a.url, data=body, headers=headers)
    creds = Credentials(a.access_key, a.secret_key, a.token)
    fixed = datetime.datetime.fromtimestamp(a.time, datetime.timezone.utc).replace(tzinfo=None)
    # SigV4Auth reads the clock through datetime.datetime.utcnow(); pin it.
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = fixed
        dt.datetime.strptime = datetime.datetime.strptime
        SigV4Auth(creds, a.service, a.region).add_auth(req)
    print(req.headers["Authorization"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
