#!/usr/bin/env bash
# Make the secrets of the compose stack (docker/compose.yaml), once:
#
#   bash docker/make-secrets.sh [DIR]     (DIR: docker/secrets by default)
#
#   DIR/jwt_secret             a random 48-character JWT secret (PostgREST and
#                              sesami.jwt_secret_file share it)
#   DIR/github_client_secret   your GitHub OAuth app's client secret, from
#                              GITHUB_CLIENT_SECRET; a placeholder otherwise
#                              (replace it before signing in)
#   stdout                     SESAMI_WORKER_PRIVATE_KEY= and SESAMI_WORKER_PUBLIC_KEY=
#                              lines, a new X25519 key pair for docker/.env
#
# DIR is made mode 700 (only you can reach the files); the files are mode 644
# so the containers' unprivileged users can read them where compose mounts
# them (the postgres container copies them to files only "postgres" reads).
# Existing files are kept; delete them to make new ones.
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")" && pwd)/secrets}
mkdir -p "$dir"
chmod 700 "$dir"
if [ ! -s "$dir/jwt_secret" ]; then
	openssl rand -base64 36 | tr -d '\n=' >"$dir/jwt_secret"
	echo >>"$dir/jwt_secret"
fi
if [ ! -s "$dir/github_client_secret" ]; then
	printf '%s\n' "${GITHUB_CLIENT_SECRET:-replace-with-the-oauth-app-client-secret}" >"$dir/github_client_secret"
fi
chmod 644 "$dir/jwt_secret" "$dir/github_client_secret"
key=$(openssl genpkey -algorithm X25519 -outform DER | base64 -w0)
pub=$(base64 -d <<<"$key" | openssl pkey -inform DER -pubout -outform DER | base64 -w0)
echo "SESAMI_WORKER_PRIVATE_KEY=$key"
echo "SESAMI_WORKER_PUBLIC_KEY=$pub"
