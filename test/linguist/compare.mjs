// compare.mjs — run linguist-js (the reference) on a checked-out directory and
// compare its percentages with sesami's languages_driver JSON.
//
// Usage: node compare.mjs DIR SESAMI.json
// Prints one line per language ("name sesami% linguist-js% diff") and a last
// line "max-diff N" (percentage points).  linguist-js runs offline with its
// packaged Linguist data, counting programming + markup languages as sesami
// does.  linguist-js reads .gitignore files whatever checkIgnored says, so the
// caller deletes them from the export first (every exported file is committed,
// and GitHub counts committed files).
import linguist from 'linguist-js';
import { readFileSync } from 'node:fs';

const [dir, ours] = process.argv.slice(2);
const res = await linguist.analyseFolders([dir], {
	offline: true,
	categories: ['programming', 'markup'],
	checkIgnored: false,
	calculateLines: false,
});
const theirs = {};
let total = 0;
for (const [name, r] of Object.entries(res.languages.results)) {
	theirs[name] = r.bytes;
	total += r.bytes;
}
const mine = JSON.parse(readFileSync(ours, 'utf8'));
const names = new Set([...Object.keys(theirs), ...mine.languages.map((l) => l.name)]);
let max = 0;
for (const name of [...names].sort()) {
	const a = mine.languages.find((l) => l.name === name);
	const pa = a ? (a.bytes * 100) / (mine.total_bytes || 1) : 0;
	const pb = theirs[name] ? (theirs[name] * 100) / (total || 1) : 0;
	const d = Math.abs(pa - pb);
	if (d > max) max = d;
	console.log(`${name.replace(/ /g, '_')} ${pa.toFixed(2)} ${pb.toFixed(2)} ${d.toFixed(2)}`);
}
console.log(`max-diff ${max.toFixed(2)}`);
