#!/bin/bash
# Entry point of the web image (docker/Dockerfile.web): write the front end's
# runtime configuration, then run the command (nginx).  nginx serves the file
# as /config.json, next to index.html.
set -euo pipefail
jq -n --arg apiUrl "${SESAMI_API_URL:-http://localhost:3000}" --arg githubClientId "${GITHUB_CLIENT_ID:-}" \
	'{apiUrl: $apiUrl, githubClientId: $githubClientId}' >/run/sesami-web/config.json.tmp
mv /run/sesami-web/config.json.tmp /run/sesami-web/config.json
exec "$@"
