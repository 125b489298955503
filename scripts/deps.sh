#!/usr/bin/env bash
# Install the Debian 12 packages sesami needs (scripts/debian-packages.txt).
# As root it runs apt-get; as another user it lists what is missing and stops.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t pkgs < <(grep -v '^\s*#' "$here/debian-packages.txt" | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "sesami: missing Debian packages: ${missing[*]}" >&2
	echo "hint: run 'sudo bash scripts/deps.sh' once" >&2
	exit 1
fi
echo "sesami: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
