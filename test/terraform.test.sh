#!/usr/bin/env bash
# Offline checks of terraform/: formatting, module layout, typed and described
# variables, exact provider pin matching the local mirror, the database's
# volume and backup bucket protected with prevent_destroy, the PostgreSQL
# host's scripts parse (bash -n), init + validate of the stack and of both
# environment roots, and `terraform test` with the mocked AWS provider (one
# "ok" line per run block).
#
# Nothing is downloaded: the AWS provider comes from the local mirror
# (TF_PLUGIN_DIR, default /opt/tf-plugins).  If terraform or the mirror is
# missing this suite fails loudly; it never passes without running.
# Work happens in a copy under a temp dir, so no .terraform or lock file is
# left in the tree.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

plugin_dir=${TF_PLUGIN_DIR:-/opt/tf-plugins}
fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # check "what" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}

tf=$(command -v terraform || true)
if [ -z "$tf" ]; then
	echo "not ok - terraform not found on PATH: install terraform >= 1.7 (the terraform checks cannot run)"
	exit 1
fi
if [ ! -d "$plugin_dir/registry.terraform.io/hashicorp/aws" ]; then
	echo "not ok - terraform AWS provider mirror not found in $plugin_dir (set TF_PLUGIN_DIR; nothing can be downloaded)"
	exit 1
fi

tmp=$(mktemp -d /tmp/sesami-tf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
: >"$tmp/terraformrc"
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
unset TF_DATA_DIR TF_PLUGIN_CACHE_DIR
ok "terraform found: $("$tf" version | head -1), AWS provider mirror in $plugin_dir"
mkdir -p "$tmp/tf"
(cd terraform && tar --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate*' -cf - .) |
	(cd "$tmp/tf" && tar -xf -)

# ---- static checks

check "terraform fmt -check -recursive" "$tf" fmt -check -recursive terraform

mirrored=$(ls "$plugin_dir/registry.terraform.io/hashicorp/aws")
for d in terraform terraform/examples/dev terraform/examples/prod; do
	pin=$(sed -nE 's/^\s*version\s*=\s*"=\s*([0-9.]+)".*/\1/p' "$d/versions.tf")
	if [ -n "$pin" ] && printf '%s\n' $mirrored | grep -qx "$pin"; then
		ok "$d pins hashicorp/aws to exactly $pin (present in the mirror)"
	else
		notok "$d pins hashicorp/aws exactly to a mirrored version (pin '${pin}', mirror: $mirrored)"
	fi
done

for m in terraform/modules/*/; do
	m=${m%/}
	missing=""
	for f in main.tf variables.tf outputs.tf versions.tf; do [ -f "$m/$f" ] || missing="$missing $f"; done
	if [ -z "$missing" ]; then ok "$m has main.tf variables.tf outputs.tf versions.tf"; else notok "$m lacks$missing"; fi
done

# Every variable has a type and a description, every output a description.
undocumented=$(python3 - terraform <<'PY'
import re, sys, pathlib
bad = []
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.tf")):
    if ".terraform" in f.parts:
        continue
    text = f.read_text()
    for m in re.finditer(r'^(variable|output)\s+"([^"]+)"\s*\{', text, re.M):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end():i]
        top = re.sub(r'\{[^{}]*\}', '', re.sub(r'\{[^{}]*\}', '', body))
        need = ["description"] + (["type"] if m.group(1) == "variable" else [])
        for k in need:
            if not re.search(r'^\s*%s\s*=' % k, top, re.M):
                bad.append(f"{f}: {m.group(1)} {m.group(2)} has no {k}")
print("\n".join(bad))
PY
)
if [ -z "$undocumented" ]; then
	ok "every variable is typed and described, every output described"
else
	notok "every variable is typed and described, every output described"
	echo "$undocumented" | sed 's/^/#   /'
fi

# An image reference with the tag latest ("repo:latest"); the validations that
# reject it compare against the bare ":latest" suffix and do not match.
if grep -rnE '[A-Za-z0-9_./-]:latest\b' terraform --include='*.tf' --include='*.tftpl' |
	grep -vE '^\S+:[0-9]+:\s*#' >"$tmp/latest.txt"; then
	notok "no :latest image reference in terraform/"
	sed 's/^/#   /' "$tmp/latest.txt"
else
	ok "no :latest image reference in terraform/"
fi

# The data volume and the backup bucket refuse to be destroyed by a plan.
# `terraform test` destroys what its runs created when a file ends, which
# prevent_destroy refuses; so, once this check has seen it in the tree, the copy
# the tests run on has it lifted (the validations run on the copy as well: the
# lifecycle flag changes no other behaviour).
for r in 'aws_ebs_volume" "data' 'aws_s3_bucket" "backups'; do
	if awk -v r="resource \"$r\"" 'index($0, r) == 1 { inres = 1 } inres && /prevent_destroy *= *true/ { found = 1 } inres && /^}/ { inres = 0 } END { exit !found }' \
		terraform/modules/postgres_host/main.tf; then
		ok "resource \"$r\" has prevent_destroy = true"
	else
		notok "resource \"$r\" has prevent_destroy = true"
	fi
done
sed -i 's/prevent_destroy = true/prevent_destroy = false # lifted for terraform test/' "$tmp/tf/modules/postgres_host/main.tf"

for f in terraform/modules/postgres_host/files/*.sh; do
	check "$f parses (bash -n)" bash -n "$f"
done
# The boot script, rendered with stand-in values (its template uses plain
# ${name} references, one replace() and $${ escapes), parses too, and so do
# the scripts it writes through quoted heredocs.
if python3 - terraform/modules/postgres_host "$tmp/render" <<'PY'
import pathlib, re, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
out.mkdir()
t = (src / "user_data.sh.tftpl").read_text()
files = {"pgbackrest_conf": "pgbackrest-conf.sh", "pgbackrest_restore": "pgbackrest-restore.sh", "metrics": "sesami-metrics.sh"}
def sub(m):
    e = m.group(1)
    if e.startswith("replace("):
        return "vol0123456789abcdef0"
    if e in files:
        return (src / "files" / files[e]).read_text().rstrip("\n")
    return {"postgresql_conf": "max_connections = 100", "pgbackrest_args": "--stanza sesami"}.get(e, "x-" + e)
t = re.sub(r'(?<!\$)\$\{([^}]+)\}', sub, t).replace("$${", "${")
(out / "user_data.sh").write_text(t)
# Quoted heredocs that are scripts: cat >PATH <<'SH' ... SH
for i, m in enumerate(re.finditer(r"^cat >(\S+) <<'SH'\n(.*?)^SH$", t, re.S | re.M)):
    (out / f"heredoc{i}.sh").write_text(m.group(2))
PY
then
	for f in "$tmp"/render/*.sh; do
		check "rendered boot script: $(basename "$f") parses (bash -n)" bash -n "$f"
	done
else
	notok "render the PostgreSQL host's boot script"
fi

# ---- init + validate (offline, provider from the mirror), and terraform test
# with the mocked AWS provider running beside the validations (2 cores).

test_pid=
for d in . examples/dev examples/prod; do
	if (cd "$tmp/tf/$d" && "$tf" init -backend=false -plugin-dir="$plugin_dir" -no-color >"$tmp/init.log" 2>&1); then
		ok "terraform init (offline, -plugin-dir) in terraform/$d"
	else
		notok "terraform init (offline, -plugin-dir) in terraform/$d"
		sed 's/^/#   /' "$tmp/init.log"
		continue
	fi
	if [ "$d" = . ]; then
		(cd "$tmp/tf" && "$tf" test -no-color >"$tmp/test.log" 2>&1; echo $? >"$tmp/test.rc") &
		test_pid=$!
	fi
	if (cd "$tmp/tf/$d" && "$tf" validate -no-color >"$tmp/validate.log" 2>&1); then
		ok "terraform validate in terraform/$d"
	else
		notok "terraform validate in terraform/$d"
		sed 's/^/#   /' "$tmp/validate.log"
	fi
done

[ -n "$test_pid" ] && wait "$test_pid"
rc=$(cat "$tmp/test.rc" 2>/dev/null || echo "not run")
touch "$tmp/test.log"
runs=0
while IFS= read -r line; do
	if [[ $line =~ ^tests/([A-Za-z0-9_.-]+)\.tftest\.hcl\.\.\.\ in\ progress ]]; then
		file=${BASH_REMATCH[1]}
	elif [[ $line =~ ^\ +run\ \"([^\"]+)\"\.\.\.\ ([a-z]+) ]]; then
		runs=$((runs + 1))
		if [ "${BASH_REMATCH[2]}" = pass ]; then
			ok "terraform test $file/${BASH_REMATCH[1]}"
		else
			notok "terraform test $file/${BASH_REMATCH[1]} (${BASH_REMATCH[2]})"
		fi
	fi
done <"$tmp/test.log"
if [ "$rc" != 0 ] || [ "$runs" -eq 0 ]; then
	notok "terraform test exits 0 after running at least one run block (exit $rc, $runs runs)"
	sed 's/^/#   /' "$tmp/test.log" | grep -v '^#   $' | head -150
fi

[ "$fails" -eq 0 ]
