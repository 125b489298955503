#!/bin/bash
# Entry point of the web image (docker/Dockerfile.web): write the front end's
# runtime configuration, then run the command (nginx).  nginx serves the file
# as /config.json, next to index.html.
set -euo pipefail
jq -n --arg apiUrl "${SESAMI_API_URL:-http://localhost:3000}" --arg githubClientId "${GITHUB_CLIENT_ID:-}" \
	--arg githubUrl "${GITHUB_URL:-https://github.com}" \
	'{apiUrl: $apiUrl, githubClientId: $githubClientId, githubUrl: $githubUrl}' >/run/sesami-web/config.json.tmp
mv /run/sesami-web/config.json.tmp /run/sesami-web/config.json
exec "$@"
