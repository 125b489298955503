// json_assert.mjs — evaluate one JavaScript expression against a JSON file;
// exit 0 when it is truthy, 1 (printing the expression) when it is not.
//
// Usage: node test/json_assert.mjs FILE 'EXPR'
// In EXPR, `j` is the parsed document and these helpers exist (for the
// stack result): tech(name) → technology or undefined; ev(name, file, match)
// → true when that technology has that evidence; dep(ecosystem, name) →
// dependency or undefined; skipped(path) → skipped entry or undefined;
// and (for the languages result) lang(name) → language entry or undefined,
// excluded(path) → excluded entry or undefined.
import { readFileSync } from 'node:fs';

const [file, expr] = process.argv.slice(2);
const j = JSON.parse(readFileSync(file, 'utf8'));
const tech = (n) => (j.technologies ?? []).find((t) => t.name === n);
const ev = (n, f, m) => !!tech(n)?.evidence.some((e) => e.file === f && (m === undefined || e.match === m));
const dep = (e, n) => (j.dependencies ?? []).find((d) => d.ecosystem === e && d.name === n);
const skipped = (p) => (j.skipped ?? []).find((s) => s.path === p);
const lang = (n) => (j.languages ?? []).find((l) => l.name === n);
const excluded = (p) => (j.excluded ?? []).find((x) => x.path === p);
void tech, ev, dep, skipped, lang, excluded;
let ok = false;
try {
	ok = !!eval(expr);
} catch (e) {
	console.error(`json_assert: ${e.message}`);
}
if (!ok) console.error(`json_assert: false: ${expr}`);
process.exit(ok ? 0 : 1);
