#!/bin/bash
# Entry point of the web image (docker/Dockerfile.web): write the front end's
# runtime configuration, then run the command (nginx).  nginx serves the file
# as /config.json, next to index.html.
set -euo pipefail
jq -n --arg apiUrl "${SESAMI_API_URL:-http://localhost:3000}" --arg githubClientId "${GITHUB_CLIENT_ID:-}" \
	--arg githubUrl "${GITHUB_URL:-https://github.com}" \
	'{apiUrl: $apiUrl, githubClientId: $githubClientId, githubUrl: $githubUrl}' >/run/sesami-web/config.json.tmp
mv /run/sesami-web/config.json.tmp /run/sesami-web/config.json
# The strict Content-Security-Policy the app is built for (no inline script or
# style), with the API's origin allowed for requests and the README card.
api_origin=$(printf '%s' "${SESAMI_API_URL:-http://localhost:3000}" | sed -nE 's#^(https?://[][A-Za-z0-9.:-]+).*#\1#p')
[ -n "$api_origin" ] || { echo "SESAMI_API_URL must be an http(s) URL" >&2; exit 1; }
printf 'add_header Content-Security-Policy "default-src '"'self'"'; script-src '"'self'"'; style-src '"'self'"'; img-src '"'self'"' data: %s; connect-src '"'self'"' %s; frame-ancestors '"'none'"'; base-uri '"'none'"'; form-action '"'self'"'" always;\n' \
	"$api_origin" "$api_origin" >/run/sesami-web/csp.conf
exec "$@"
