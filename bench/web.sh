#!/usr/bin/env bash
# The web app's weight and Lighthouse scores: builds web/, measures the
# JavaScript the first page loads (gzip -9, the entry and every module it
# imports statically) against the 200 KB budget and every other chunk, then
# runs Lighthouse (bench/web/, pinned) driving Debian's chromium on the
# first page served under the strict Content-Security-Policy, mobile and
# desktop presets, and prints the performance and accessibility scores.
# Not a test: it prints figures.
#
#   bash bench/web.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for d in web test/postgrest bench/web; do (cd "$d" && npm ci --no-audit --no-fund >/dev/null 2>&1); done
(cd web && npm run -s build >/dev/null)

gz() { gzip -9c "$1" | wc -c; }
# The first page's JavaScript: the entry script and its static imports.
first=$(node -e '
const fs = require("fs"), path = require("path");
const dist = process.argv[1];
const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
const seen = new Set();
const visit = (rel) => {
  const file = path.join(dist, rel.replace(/^\.\//, ""));
  if (seen.has(file)) return;
  seen.add(file);
  const js = fs.readFileSync(file, "utf8");
  for (const m of js.matchAll(/(?:^|[;}\n])\s*import\s*(?:[^"\x27()]*?from\s*)?["\x27](\.\/[^"\x27]+\.js)["\x27]/g))
    visit(path.join(path.dirname(rel), m[1]));
};
for (const m of html.matchAll(/<script[^>]*src="([^"]+)"/g)) visit(m[1]);
console.log([...seen].join("\n"));
' web/dist)
total=0
echo "first page JavaScript (gzip -9):"
while read -r f; do
	n=$(gz "$f"); total=$((total + n))
	printf '  %-40s %6.1f KB\n' "${f#web/dist/}" "$(echo "$n / 1024" | bc -l)"
done <<<"$first"
printf '  total %.1f KB of the 200 KB budget\n' "$(echo "$total / 1024" | bc -l)"
echo "loaded later (code-split):"
for f in web/dist/assets/*.js; do
	grep -qxF "$f" <<<"$first" && continue
	printf '  %-40s %6.1f KB\n' "${f#web/dist/}" "$(echo "$(gz "$f") / 1024" | bc -l)"
done

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
node test/postgrest/static.mjs web/dist "$port" http://127.0.0.1:9 Iv1.bench https://github.com >/dev/null &
srv=$!
out=$(mktemp -d /tmp/sesami-lh.XXXXXX)
trap 'kill $srv 2>/dev/null; rm -rf "$out"' EXIT
sleep 0.5
for preset in mobile desktop; do
	extra=()
	[ "$preset" = desktop ] && extra=(--preset=desktop)
	CHROME_PATH=/usr/bin/chromium bench/web/node_modules/.bin/lighthouse "http://127.0.0.1:$port/" \
		--quiet --only-categories=performance,accessibility --output=json --output-path="$out/$preset.json" \
		--chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
		"${extra[@]}" >/dev/null 2>"$out/$preset.log" || { cat "$out/$preset.log"; exit 1; }
	node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const s = (k) => Math.round(r.categories[k].score * 100);
const a = (k) => r.audits[k] ? r.audits[k].displayValue : "?";
console.log(`lighthouse ${process.argv[2]}: performance ${s("performance")}, accessibility ${s("accessibility")}` +
  ` (FCP ${a("first-contentful-paint")}, LCP ${a("largest-contentful-paint")}, TBT ${a("total-blocking-time")}, CLS ${a("cumulative-layout-shift")})`);
' "$out/$preset.json" "$preset"
done
