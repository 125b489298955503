#!/usr/bin/env bash
# profile.test.sh — the README card (api.card) is well-formed SVG whatever
# text reaches it: every card is parsed by libxml2 (xmllint), holds only the
# card's own elements, no script, no event handler and no reference to
# anything outside it, and the hostile texts it shows read back exactly as
# they were stored (escaped once, not twice).  Runs against the cluster
# scripts/test.sh started (PGHOST/PGPORT/PGUSER).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
source test/lib.sh
db=sesami_profile_test
tmp=$(mktemp -d /tmp/sesami-profile.XXXXXX)
failed=0
cleanup() { dropdb --if-exists "$db" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
command -v xmllint >/dev/null || { notok "xmllint is installed (Debian: libxml2-utils)"; exit 1; }

dropdb --if-exists "$db" 2>/dev/null
createdb "$db" && q "CREATE EXTENSION sesami" >/dev/null || { notok "create $db"; exit 1; }

# Hostile text: XML's five specials, markup, an entity, a CDATA end, a comment,
# a processing instruction, control characters XML 1.0 forbids, U+FFFE, a
# right-to-left override (the card drops it), a character outside the BMP,
# and more than fits.
hostile="<script>alert('x')</script> & \"q\" &amp; &#60; ]]> <!-- x --> <?xml x?> "$'\x01\x08\x0b\x0c\x1f'" end"
hostile_lang="<img src=x onerror=alert(1)> javascript:url(http://x/) &lt; ${hostile:0:10}"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v name="$hostile" -v lang="$hostile_lang" >/dev/null <<'SQL' || notok "fixture"
INSERT INTO sesami.accounts (github_id, login, display_name, emails, profile_public)
VALUES (1, 'mallory', :'name' || U&'\FFFE\202E\+01F600', '{m@example.com}', true),
	   (2, 'plain', NULL, '{p@example.com}', true),
	   (3, 'longname', repeat(U&'\00E9', 255), '{l@example.com}', true),
	   (4, 'empty', 'Nobody Yet', '{e@example.com}', true);
-- one completed job with its result per account but the last, loaded as a
-- restore loads them (how jobs get there is pg_regress profile's business)
SET sesami.restoring = on;
WITH doc (account_id, result) AS (VALUES
	(1, jsonb_build_object('user', jsonb_build_object('lines', 1234567, 'share', 0.5, 'commits', 3,
		'by_language', jsonb_build_array(jsonb_build_object('language', :'lang', 'lines', 1000000),
										 jsonb_build_object('language', 'C', 'lines', 234567),
										 jsonb_build_object('language', repeat('Z', 100), 'lines', 1))))),
	(2, '{"user": {"lines": 10, "by_language": [
		{"language": "A", "lines": 1}, {"language": "B", "lines": 1}, {"language": "C", "lines": 1},
		{"language": "D", "lines": 1}, {"language": "E", "lines": 1}, {"language": "F", "lines": 1},
		{"language": "G", "lines": 4}]}}'),
	(3, '{"user": {"lines": 1, "by_language": [{"language": "Go", "lines": 1}]}}')
), job AS (
	INSERT INTO sesami.jobs (account_id, repo_url, repo_host, repo_owner, repo_name, status, attempt, max_attempts)
	SELECT a.id, 'https://github.com/' || a.login || '/x', 'github.com', a.login, 'x', 'completed', 1, 3
	FROM sesami.accounts a WHERE a.id IN (SELECT account_id FROM doc)
	RETURNING id, account_id
)
INSERT INTO sesami.results (job_id, account_id, attempt, result)
SELECT job.id, job.account_id, 1, doc.result FROM job JOIN doc USING (account_id);
SQL

# card LOGIN THEME > FILE, as PostgREST calls it for an anonymous request
card() {
	psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "BEGIN" -c "SET LOCAL ROLE sesami_anon" \
		-c "SELECT api.card('$1', '$2')" -c "COMMIT"
}
xpath() { xmllint --xpath "$2" "$1" 2>/dev/null; }

for login in mallory plain longname empty; do
	for theme in light dark; do
		f="$tmp/$login-$theme.svg"
		card "$login" "$theme" >"$f" || { notok "card $login $theme"; continue; }
		what="card of $login ($theme)"
		check "$what is well-formed XML (xmllint)" xmllint --noout "$f"
		same "$what is an SVG document" "$(xpath "$f" 'name(/*)'):$(xpath "$f" 'namespace-uri(/*)')" \
			"svg:http://www.w3.org/2000/svg"
		same "$what has only the card's elements (svg title g rect circle text)" \
			"$(xpath "$f" 'count(//*[not(local-name()="svg" or local-name()="title" or local-name()="g" or local-name()="rect" or local-name()="circle" or local-name()="text")])')" 0
		same "$what has no link, event handler, style or external reference in any attribute" \
			"$(xpath "$f" 'count(//@*[contains(local-name(), "href") or starts-with(local-name(), "on") or local-name()="style" or contains(., "url(") or contains(., "javascript:")])')" 0
		same "$what has no processing instruction, comment or CDATA" \
			"$(xpath "$f" 'count(//processing-instruction() | //comment())'):$(grep -c 'CDATA' "$f")" "0:0"
		if grep -qiE '<script|<style|<foreignObject|<image|<use|<a[ >]|xlink|url\(' "$f"; then
			notok "$what has no script, style, foreign object, image, use, link or url()"
		else
			ok "$what has no script, style, foreign object, image, use, link or url()"
		fi
	done
done

# What the card shows reads back exactly: escaped once, forbidden characters
# removed, cut with an ellipsis where it does not fit.
f="$tmp/mallory-light.svg"
clean="${hostile//[$'\x01\x08\x0b\x0c\x1f']/}"
want_title=$(printf '%s\U0001F600 (@mallory): 1 repository \u00b7 1,234,567 surviving lines' "$clean")
same "mallory's title reads back as stored (forbidden characters and the bidi override removed)" "$(xpath "$f" 'string(//*[local-name()="title"])')" "$want_title"
same "mallory's language reads back as stored" \
	"$(xpath "$f" 'string((//*[local-name()="text"][@x="38"])[1])')" "${hostile_lang:0:27}"$'\u2026'
same "a long language name is cut to 28 characters" \
	"$(xpath "$f" 'string((//*[local-name()="text"][@x="38"])[3])')" "$(printf 'Z%.0s' $(seq 27))"$'\u2026'
same "shares and thousands separators" \
	"$(xpath "$f" 'string((//*[local-name()="text"][@text-anchor="end"])[1])')" $'81.0% \u00b7 1,000,000 lines'
same "a long display name is cut to 48 characters in the heading" \
	"$(xpath "$tmp/longname-light.svg" 'string((//*[local-name()="text"])[1])')" "$(printf '\u00e9%.0s' $(seq 47))"$'\u2026'
same "the top five of seven languages, largest first" \
	"$(xpath "$tmp/plain-light.svg" '//*[local-name()="text"][@x="38"]/text()' | tr '\n' ' ')" "G A B C D "
same "a profile without results says so" \
	"$(xpath "$tmp/empty-dark.svg" 'string((//*[local-name()="text"])[3])')" "No analysed repositories yet"
same "the dark theme paints a dark background" "$(xpath "$tmp/plain-dark.svg" 'string((//*[local-name()="rect"])[1]/@fill)')" "#0d1117"
same "the light theme paints a light background" "$(xpath "$tmp/plain-light.svg" 'string((//*[local-name()="rect"])[1]/@fill)')" "#ffffff"
exit $failed
