#!/usr/bin/env bash
# Re-seal GitHub tokens from an old worker key to a new one (key rotation).
#
#   SESAMI_WORKER_PRIVATE_KEY=<old private key> \
#     bash scripts/reseal-tokens.sh OLD_KEY_ID NEW_KEY_ID NEW_PUBLIC_KEY [psql options]
#
# Runs where the old PRIVATE key is available (the worker's environment),
# never inside the database.  Reads batches from sesami.tokens_to_reseal(),
# unseals each token with the old key and seals it to the new public key
# (test/seal_driver, built by `make test/seal_driver`, links the same
# common/seal.c as sesami-worker), and writes it back with
# sesami.reseal_token(), which only replaces a token that nobody changed in
# between.  The connecting role needs EXECUTE on both functions (superuser,
# or a rotation role they were granted to).  Prints "resealed N".  See
# docs/security.md for the whole rotation procedure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 3 ] || { echo "usage: $0 OLD_KEY_ID NEW_KEY_ID NEW_PUBLIC_KEY [psql options]" >&2; exit 2; }
old=$1 new=$2 pub=$3
shift 3
driver=${SEAL_DRIVER:-$root/test/seal_driver}
[ -x "$driver" ] || make -s -C "$root" test/seal_driver
[ -n "${SESAMI_WORKER_PRIVATE_KEY:-}" ] || { echo "$0: SESAMI_WORKER_PRIVATE_KEY is not set" >&2; exit 2; }

total=0
while :; do
	# psql interpolates :'var' only in script input, not in -c
	batch=$(printf '%s\n' "SELECT account_id, sealed FROM sesami.tokens_to_reseal(:'old', 100);" |
		psql -X -At -F ' ' -v ON_ERROR_STOP=1 "$@" -v old="$old")
	[ -n "$batch" ] || break
	done_now=0
	while read -r acct oldhex newhex; do
		r=$(printf '%s\n' "SELECT sesami.reseal_token(:acct, :'oldhex'::bytea, :'newhex'::bytea);" |
			psql -X -At -v ON_ERROR_STOP=1 "$@" -v acct="$acct" -v oldhex="$oldhex" -v newhex="$newhex")
		[ "$r" = t ] && done_now=$((done_now + 1))
	done < <(printf '%s\n' "$batch" | "$driver" reseal "$new" "$pub")
	total=$((total + done_now))
	[ "$done_now" -gt 0 ] || break
done
echo "resealed $total"
