#!/usr/bin/python3
"""Loopback double of GitHub's OAuth token endpoint and the REST API's /user
and /user/emails, for test/auth.test.sh.  GitHub itself is unreachable here.

Faithful to GitHub's documented behaviour where sesami depends on it:
  POST /login/oauth/access_token  form body client_id, client_secret, code,
      [redirect_uri].  Answers JSON only with "Accept: application/json"
      (form-encoded otherwise).  Errors come in a 200 body:
      {"error": "bad_verification_code", "error_description": ..., "error_uri": ...}
      (also incorrect_client_credentials, redirect_uri_mismatch).  A code
      works once.  Success: {"access_token": "gho_...", "token_type": "bearer",
      "scope": "repo,user:email"}.
  GET /user          Bearer/token auth, User-Agent required (403 without),
                     401 {"message": "Bad credentials", ...} for unknown tokens.
  GET /user/emails   [{"email", "primary", "verified", "visibility"}].
  GET /login/oauth/authorize  client_id, redirect_uri, state, scope: the
                     browser page, played as GitHub does for an app the user
                     has already authorised: 302 to redirect_uri with code and
                     state.  The code is $GITHUB_DOUBLE_AUTHORIZE_AS plus a
                     fresh nonce (see below); an unknown client_id gets 404.

Codes drive the scenario (the test picks them):
  user:<id>:<login>:<nonce>[:flag...]  success for that user; flags:
      noemail   every address unverified       scope=<s>  grant only <s>
      userboom  /user answers 500              named=<n>  display name
  boom       the token endpoint answers 502 (an HTML page, like a proxy)
  truncated  the token endpoint answers 200 with cut-off JSON holding a token
  slow:<s>   the token endpoint sleeps <s> seconds before answering
  anything else: bad_verification_code

usage: github_double.py PORT_FILE TOKENS_FILE CLIENT_ID CLIENT_SECRET
Environment: GITHUB_DOUBLE_REDIRECT_PREFIX, the registered callback URL
(redirect_uri must start with it; default https://app.example.com/);
GITHUB_DOUBLE_AUTHORIZE_AS, the user the authorize page signs in
("user:<id>:<login>[:flag...]" without the nonce; default user:1:octocat).
Writes the chosen port to PORT_FILE and "code token" lines to TOKENS_FILE.
It listens on 127.0.0.1 and a free port, or on GITHUB_DOUBLE_LISTEN=HOST:PORT
(the compose suite runs it in a container on the stack's network).
"""
import json
import os
import secrets
import string
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT_FILE, TOKENS_FILE, CLIENT_ID, CLIENT_SECRET = sys.argv[1:5]
DOCS = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
REDIRECT_PREFIX = os.environ.get("GITHUB_DOUBLE_REDIRECT_PREFIX", "https://app.example.com/")
AUTHORIZE_AS = os.environ.get("GITHUB_DOUBLE_AUTHORIZE_AS", "user:1:octocat")

lock = threading.Lock()
used_codes = set()
tokens = {}  # token -> scenario dict


def scenario(code):
    """Parse a user:... code into a scenario, or None."""
    parts = code.split(":")
    if len(parts) < 4 or parts[0] != "user" or not parts[1].isdigit():
        return None
    s = {"id": int(parts[1]), "login": parts[2], "flags": set(), "scope": "repo,user:email",
         "name": "The " + parts[2].capitalize()}
    for flag in parts[4:]:
        if flag.startswith("scope="):
            s["scope"] = flag[6:].replace("+", ",")
        elif flag.startswith("named="):
            s["name"] = flag[6:]
        else:
            s["flags"].add(flag)
    return s


class Handler(BaseHTTPRequestHandler):
    server_version = "GitHub.com"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test): nothing to answer

    def send(self, status, body, ctype="application/json; charset=utf-8"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def oauth_answer(self, fields):
        if "application/json" in self.headers.get("Accept", ""):
            self.send(200, json.dumps(fields))
        else:
            self.send(200, urllib.parse.urlencode(fields), "application/x-www-form-urlencoded; charset=utf-8")

    def oauth_error(self, error, description):
        self.oauth_answer({"error": error, "error_description": description,
                           "error_uri": DOCS + "#" + error.replace("_", "-")})

    def do_POST(self):
        if self.path != "/login/oauth/access_token":
            return self.send(404, json.dumps({"message": "Not Found"}))
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        get = lambda k: form.get(k, [""])[0]
        code = get("code")
        if code == "boom":
            return self.send(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        if code == "truncated":
            # a cut-off JSON body that holds a token: its parse error must not quote it
            token = "gho_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
            with lock, open(TOKENS_FILE, "a") as f:
                f.write(code + " " + token + "\n")
            return self.send(200, '{"access_token": "%s", "token_type": "bea' % token)
        if code.startswith("slow:"):
            time.sleep(float(code[5:]))
        if get("client_id") != CLIENT_ID or get("client_secret") != CLIENT_SECRET:
            return self.oauth_error("incorrect_client_credentials",
                                    "The client_id and/or client_secret passed are incorrect.")
        redirect = get("redirect_uri")
        if redirect and not redirect.startswith(REDIRECT_PREFIX):
            return self.oauth_error("redirect_uri_mismatch",
                                    "The redirect_uri MUST match the registered callback URL for this application.")
        s = scenario(code)
        with lock:
            reused = code in used_codes
            used_codes.add(code)
        if s is None or reused:
            return self.oauth_error("bad_verification_code", "The code passed is incorrect or expired.")
        token = "gho_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
        with lock:
            tokens[token] = s
            with open(TOKENS_FILE, "a") as f:
                f.write(code + " " + token + "\n")
        self.oauth_answer({"access_token": token, "token_type": "bearer", "scope": s["scope"]})

    def authorize(self):
        """The authorize page: straight back to the app with a code and the state."""
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        get = lambda k: q.get(k, [""])[0]
        redirect = get("redirect_uri")
        if get("client_id") != CLIENT_ID or not redirect.startswith(REDIRECT_PREFIX):
            return self.send(404, "<html><body><h1>404</h1></body></html>", "text/html")
        parts = AUTHORIZE_AS.split(":")
        code = ":".join(parts[:3] + [secrets.token_hex(8)] + parts[3:])
        sep = "&" if "?" in redirect else "?"
        self.send_response(302)
        self.send_header("Location", redirect + sep + urllib.parse.urlencode({"code": code, "state": get("state")}))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/login/oauth/authorize":
            return self.authorize()
        if not self.headers.get("User-Agent"):
            return self.send(403, "Request forbidden by administrative rules. "
                                  "Please make sure your request has a User-Agent header.", "text/plain")
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if auth.lower().startswith(("bearer ", "token ")) else ""
        with lock:
            s = tokens.get(token)
        if s is None:
            return self.send(401, json.dumps({"message": "Bad credentials",
                                              "documentation_url": "https://docs.github.com/rest"}))
        path = self.path.split("?", 1)[0]
        if path == "/user":
            if "userboom" in s["flags"]:
                return self.send(500, json.dumps({"message": "Server Error"}))
            return self.send(200, json.dumps({
                "login": s["login"], "id": s["id"], "node_id": "MDQ6VXNlcj" + str(s["id"]),
                "avatar_url": "https://avatars.githubusercontent.com/u/%d?v=4" % s["id"],
                "url": "https://api.github.com/users/" + s["login"], "type": "User", "site_admin": False,
                "name": s["name"], "company": None, "blog": "", "location": None,
                "email": None, "hireable": None, "bio": None, "public_repos": 8, "followers": 20,
                "following": 0, "created_at": "2011-01-25T18:44:36Z", "updated_at": "2024-01-22T12:00:00Z"}))
        if path == "/user/emails":
            if "user:email" not in s["scope"].split(",") and "user" not in s["scope"].split(","):
                return self.send(404, json.dumps({"message": "Not Found",
                                                  "documentation_url": "https://docs.github.com/rest"}))
            verified = "noemail" not in s["flags"]
            return self.send(200, json.dumps([
                {"email": "secondary-%s@example.com" % s["login"].lower(), "primary": False,
                 "verified": verified, "visibility": None},
                {"email": "%s@example.com" % s["login"].lower(), "primary": True,
                 "verified": verified, "visibility": "public"},
                {"email": "unverified-%s@example.com" % s["login"].lower(), "primary": False,
                 "verified": False, "visibility": None},
                {"email": "%d+%s@users.noreply.github.com" % (s["id"], s["login"]), "primary": False,
                 "verified": verified, "visibility": None},
            ]))
        self.send(404, json.dumps({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}))


listen_host, _, listen_port = os.environ.get("GITHUB_DOUBLE_LISTEN", "127.0.0.1:0").rpartition(":")
server = ThreadingHTTPServer((listen_host, int(listen_port)), Handler)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
