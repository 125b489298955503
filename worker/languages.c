/*
 * languages.c — classify repository files into Linguist languages and sum
 * bytes per language.
 *
 * Design notes
 * - Input is a path and the first bytes of a blob, so the analysis can run on
 *   a bare clone (libgit2 objects) without a checkout.
 * - Exclusion rules are sesami's own data tables (path_rules below), written
 *   after Linguist's vendor.yml, documentation.yml and generated.rb as simple
 *   case-insensitive globs (glob.c: '*' and '?') of four kinds: a directory
 *   (or directory sequence) anywhere in the path, a top-level directory, the
 *   file's base name, or the whole path.  Order in the table does not matter
 *   except that the first match decides the reason.  Facts about each glob
 *   (length, literal or not, last character) are computed once under
 *   pthread_once and let most rules be rejected without matching.
 * - .gitattributes overrides (lang_attrs, filled by languages_git.c) come
 *   first: a set linguist-vendored/generated/documentation excludes, an unset
 *   one cancels the path rules of that kind; linguist-language forces the
 *   language and linguist-detectable decides whether it is counted.
 * - Content rules follow Linguist: a binary media type by extension (images,
 *   PDF, Illustrator, fonts, archives ...), a PDF/Adobe PostScript header or
 *   a NUL byte in the first 8000 bytes means binary; "DO NOT EDIT" banners and minified JavaScript/CSS (average line
 *   over 110 bytes) mean generated.
 * - Language lookup: exact filename, then shebang interpreter, then the
 *   longest known extension ("foo.d.ts" tries ".d.ts" then ".ts"; as in
 *   Linguist a dot-file such as ".jq" has the extension ".jq").  When an
 *   extension maps to several languages (.h, .m, .pl, .ts, .sql ...), the
 *   heuristics table below looks for tell-tale content in the head; failing
 *   that the popularity list decides (".h" without C++/Objective-C evidence is
 *   C; ".pl" without Prolog clauses is Perl; ".ts" without a Qt "<TS" root is
 *   TypeScript; ".m" without MATLAB/Mercury evidence is Objective-C); failing
 *   that the language listed first by Linguist (alphabetically) wins.
 * - Bytes are reported under the language's Linguist group, as GitHub's
 *   language bar does.  Only programming and markup types are counted.
 * - The excluded list is capped (LANG_MAX_EXCLUDED entries) so a repository
 *   with a huge node_modules cannot blow up the result; the count is exact.
 */
#define _GNU_SOURCE
#include "languages.h"
#include "languages_table.h"
#include "glob.h"
#include "jsonutf8.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* At most this many excluded files are listed by name. */
#define LANG_MAX_EXCLUDED 2000

/* Where in the path a rule's glob applies. */
typedef enum path_rule_kind
{
	PR_DIR,						/* a directory (or dir/dir sequence) anywhere */
	PR_TOPDIR,					/* the first directory (or sequence) */
	PR_NAME,					/* the base name */
	PR_PATH						/* the whole path ('*' also spans '/') */
} path_rule_kind;

/* One exclusion rule. */
typedef struct path_rule
{
	path_rule_kind kind;
	const char *glob;
	lang_verdict verdict;
} path_rule;

#define V LANG_VENDORED
#define D LANG_DOCUMENTATION
#define G LANG_GENERATED

/* Path exclusion rules (after Linguist's vendor/documentation/generated data). */
static const path_rule path_rules[] = {
	/* dependency and third-party trees */
	{PR_DIR, "node_modules", V}, {PR_DIR, "bower_components", V},
	{PR_DIR, "vendor", V}, {PR_DIR, "vendors", V}, {PR_DIR, "vvendor", V},
	{PR_DIR, "third_party", V}, {PR_DIR, "third-party", V}, {PR_DIR, "thirdparty", V},
	{PR_DIR, "3rd_party", V}, {PR_DIR, "3rd-party", V}, {PR_DIR, "3rdparty", V},
	{PR_DIR, "extern", V}, {PR_DIR, "external", V}, {PR_DIR, "externals", V},
	{PR_DIR, "dist", V}, {PR_DIR, "cache", V}, {PR_DIR, "testdata", V},
	{PR_DIR, "Godeps/_workspace", V}, {PR_DIR, "Carthage", V}, {PR_DIR, "Sparkle", V},
	{PR_DIR, ".yarn/releases", V}, {PR_DIR, ".yarn/plugins", V}, {PR_DIR, ".yarn/sdks", V},
	{PR_DIR, ".yarn/versions", V}, {PR_DIR, ".yarn/unplugged", V},
	{PR_DIR, "test/fixtures", V}, {PR_DIR, "tests/fixtures", V},
	{PR_DIR, "spec/fixtures", V}, {PR_DIR, "specs/fixtures", V},
	{PR_DIR, ".vscode", V}, {PR_DIR, ".github", V}, {PR_DIR, ".obsidian", V},
	{PR_DIR, ".teamcity", V}, {PR_DIR, ".google_apis", V}, {PR_DIR, "env", V},
	{PR_DIR, "gradle/wrapper", V}, {PR_DIR, ".mvn/wrapper", V},
	{PR_DIR, "flow-typed", V}, {PR_DIR, "ace-builds", V}, {PR_DIR, "MathJax", V},
	{PR_DIR, "admin_media", V}, {PR_DIR, "puphpet", V}, {PR_DIR, "extjs", V},
	{PR_DIR, "bootstrap-datepicker", V}, {PR_DIR, "select2", V},
	{PR_DIR, "font-awesome", V}, {PR_DIR, "fontawesome", V}, {PR_DIR, "xvba_modules", V},
	{PR_DIR, "inst/extdata", V}, {PR_DIR, "*.xctemplate", V}, {PR_DIR, "*.imageset", V},
	{PR_DIR, "*.framework", V}, {PR_DIR, "docs/_build", V}, {PR_DIR, "doc/_build", V},
	{PR_DIR, "docs/_static", V}, {PR_DIR, "docs/_templates", V}, {PR_DIR, "docs/_themes", V},
	{PR_TOPDIR, "deps", V}, {PR_TOPDIR, "dependencies", V}, {PR_TOPDIR, "debian", V},
	{PR_TOPDIR, "sample", V}, {PR_TOPDIR, "samples", V},
	/* vendored files by name */
	{PR_NAME, "*.min.js", V}, {PR_NAME, "*-min.js", V}, {PR_NAME, "*.min.css", V},
	{PR_NAME, "*-min.css", V}, {PR_NAME, "*.d.ts", V}, {PR_NAME, "*.d.mts", V},
	{PR_NAME, "*.d.cts", V}, {PR_NAME, "jquery*.js", V}, {PR_NAME, "jquery-ui*.css", V},
	{PR_NAME, "bootstrap*.js", V}, {PR_NAME, "bootstrap*.css", V},
	{PR_NAME, "bootstrap*.less", V}, {PR_NAME, "bootstrap*.scss", V},
	{PR_NAME, "angular*.js", V}, {PR_NAME, "react.js", V}, {PR_NAME, "react-*.js", V},
	{PR_NAME, "d3.js", V}, {PR_NAME, "d3.v*.js", V}, {PR_NAME, "modernizr*.js", V},
	{PR_NAME, "html5shiv.js", V}, {PR_NAME, "prototype*.js", V}, {PR_NAME, "dojo.js", V},
	{PR_NAME, "mootools*.js", V}, {PR_NAME, "yui*.js", V}, {PR_NAME, "ckeditor.js", V},
	{PR_NAME, "tiny_mce*.js", V}, {PR_NAME, "Chart.js", V}, {PR_NAME, "cordova*.js", V},
	{PR_NAME, "foundation*.js", V}, {PR_NAME, "foundation.css", V},
	{PR_NAME, "normalize.css", V}, {PR_NAME, "animate.css", V}, {PR_NAME, "skeleton.css", V},
	{PR_NAME, "bulma.css", V}, {PR_NAME, "materialize.css", V}, {PR_NAME, "materialize.js", V},
	{PR_NAME, "font-awesome.css", V}, {PR_NAME, "fontawesome.css", V}, {PR_NAME, "octicons.css", V},
	{PR_NAME, "pdf.worker.js", V}, {PR_NAME, "shCore.js", V}, {PR_NAME, "shBrush*.js", V},
	{PR_NAME, "*-vsdoc.js", V}, {PR_NAME, "*.intellisense.js", V},
	{PR_NAME, "*import.css", V}, {PR_NAME, "*import.less", V}, {PR_NAME, "*import.scss", V},
	{PR_NAME, "*import.styl", V}, {PR_NAME, "effects.js", V}, {PR_NAME, "controls.js", V},
	{PR_NAME, "dragdrop.js", V},
	{PR_NAME, "configure", V}, {PR_NAME, "config.guess", V}, {PR_NAME, "config.sub", V},
	{PR_NAME, "aclocal.m4", V}, {PR_NAME, "libtool.m4", V}, {PR_NAME, "ltoptions.m4", V},
	{PR_NAME, "ltsugar.m4", V}, {PR_NAME, "ltversion.m4", V}, {PR_NAME, "lt~obsolete.m4", V},
	{PR_NAME, "dotnet-install.sh", V}, {PR_NAME, "dotnet-install.ps1", V},
	{PR_NAME, "cpplint.py", V}, {PR_NAME, ".indent.pro", V}, {PR_NAME, "fabfile.py", V},
	{PR_NAME, "waf", V}, {PR_NAME, "Vagrantfile", V}, {PR_NAME, "Jenkinsfile", V},
	{PR_NAME, ".gitpod.Dockerfile", V}, {PR_NAME, ".gitattributes", V},
	{PR_NAME, ".gitignore", V}, {PR_NAME, ".gitmodules", V}, {PR_NAME, ".DS_Store", V},
	{PR_NAME, "proguard.pro", V}, {PR_NAME, "proguard-rules.pro", V},
	{PR_NAME, "activator", V}, {PR_NAME, "activator.bat", V}, {PR_NAME, "run.n", V},
	{PR_NAME, "*.sublime-project", V}, {PR_NAME, "*.sublime-workspace", V},
	{PR_NAME, "gradlew", G}, {PR_NAME, "gradlew.bat", G}, {PR_NAME, "mvnw", G},
	{PR_NAME, "mvnw.cmd", G},
	{PR_TOPDIR, "rebar", V},
	/* documentation */
	{PR_TOPDIR, "doc", D}, {PR_TOPDIR, "docs", D}, {PR_TOPDIR, "man", D},
	{PR_TOPDIR, "examples", D}, {PR_TOPDIR, "demo", D}, {PR_TOPDIR, "demos", D},
	{PR_DIR, "documentation", D}, {PR_DIR, "javadoc", D}, {PR_DIR, "groovydoc", D},
	{PR_DIR, "inst/doc", D},
	{PR_NAME, "README", D}, {PR_NAME, "README.*", D},
	{PR_NAME, "CHANGE", D}, {PR_NAME, "CHANGE.*", D}, {PR_NAME, "CHANGES", D},
	{PR_NAME, "CHANGES.*", D}, {PR_NAME, "CHANGELOG", D}, {PR_NAME, "CHANGELOG.*", D},
	{PR_NAME, "CONTRIBUTING", D}, {PR_NAME, "CONTRIBUTING.*", D},
	{PR_NAME, "COPYING", D}, {PR_NAME, "COPYING.*", D},
	{PR_NAME, "INSTALL", D}, {PR_NAME, "INSTALL.*", D},
	{PR_NAME, "LICENSE", D}, {PR_NAME, "LICENSE.*", D},
	{PR_NAME, "LICENCE", D}, {PR_NAME, "LICENCE.*", D},
	{PR_NAME, "CITATION", D}, {PR_NAME, "CITATION.*", D}, {PR_NAME, "CITATIONS.*", D},
	/* generated by path */
	{PR_NAME, "package-lock.json", G}, {PR_NAME, "npm-shrinkwrap.json", G},
	{PR_NAME, "yarn.lock", G}, {PR_NAME, "pnpm-lock.yaml", G}, {PR_NAME, "bun.lock", G},
	{PR_NAME, "bun.lockb", G}, {PR_NAME, "deno.lock", G}, {PR_NAME, "poetry.lock", G},
	{PR_NAME, "pdm.lock", G}, {PR_NAME, "uv.lock", G}, {PR_NAME, "pixi.lock", G},
	{PR_NAME, "Pipfile.lock", G}, {PR_NAME, "composer.lock", G}, {PR_NAME, "Cargo.lock", G},
	{PR_NAME, "Cargo.toml.orig", G}, {PR_NAME, "Gemfile.lock", G}, {PR_NAME, "go.sum", G},
	{PR_NAME, "Gopkg.lock", G}, {PR_NAME, "glide.lock", G}, {PR_NAME, "Package.resolved", G},
	{PR_NAME, "flake.lock", G}, {PR_NAME, "MODULE.bazel.lock", G}, {PR_NAME, "*esy.lock", G},
	{PR_NAME, "mise.lock", G}, {PR_NAME, "mise.*.lock", G}, {PR_NAME, ".secrets.baseline", G},
	{PR_NAME, "Manifest.toml", G}, {PR_NAME, "JuliaManifest.toml", G},
	{PR_NAME, "Manifest-v*.toml", G}, {PR_NAME, ".terraform.lock.hcl", G},
	{PR_NAME, ".pnp.*", G}, {PR_NAME, "*.designer.cs", G}, {PR_NAME, "*.designer.vb", G},
	{PR_NAME, "*.feature.cs", G}, {PR_NAME, "ppport.h", G}, {PR_NAME, "*_tlb.pas", G},
	{PR_NAME, "?*.zep.c", G}, {PR_NAME, "?*.zep.h", G}, {PR_NAME, "?*.zep.php", G},
	{PR_NAME, "*.pb.go", G}, {PR_NAME, "*.pb.cc", G}, {PR_NAME, "*.pb.h", G},
	{PR_NAME, "*_pb2.py", G}, {PR_NAME, "*_pb2_grpc.py", G}, {PR_NAME, "*.pb.swift", G},
	{PR_NAME, "*.js.map", G}, {PR_NAME, "*.css.map", G},
	{PR_DIR, "__generated__", G}, {PR_DIR, "htmlcov", G}, {PR_DIR, ".idea", G},
	{PR_DIR, "Pods", G}, {PR_DIR, "Godeps", G}, {PR_DIR, "Carthage/Build", G},
	{PR_PATH, "*.sqlx/query-*.json", G},
};

#undef V
#undef D
#undef G

/* A popularity order used when heuristics cannot settle an ambiguity. */
static const char *const preferred[] = {
	"JavaScript", "TypeScript", "Python", "Java", "C", "C++", "C#", "Go", "Rust",
	"Ruby", "PHP", "Shell", "HTML", "CSS", "Markdown", "Objective-C", "Swift",
	"Kotlin", "Scala", "Perl", "R", "Lua", "SQL", "Dart", "Elixir", "Haskell",
	"Makefile", "Dockerfile", "YAML", "JSON", "XML", "TOML", "INI", "Text",
	"Assembly", "Fortran", "F#", "Visual Basic .NET", "Groovy", "Clojure",
	"Erlang", "OCaml", "Julia", "MATLAB", "Verilog", "PowerShell", "Vue",
	"Svelte", "SCSS", "Less", "Puppet", "Prolog", "Pascal", "Common Lisp",
	"GLSL", "Smalltalk", "D", "Lex", "Yacc", "Standard ML", "Raku", "Roff",
	"Motorola 68K Assembly", "Unix Assembly", "Solidity", "Scheme", "Mojo",
	"ReScript", "Odin", "Starlark", "Pkl", "Sway", "Typst", "TypeSpec", "Teal",
};

/* bsearch() comparator: key string against a lang_key row. */
static int
cmp_key(const void *key, const void *row)
{
	return strcmp((const char *) key, ((const lang_key *) row)->key);
}

/*
 * Find every row with the given key in a sorted lang_key array; returns the
 * first row and stores the number of rows in *n (0 when none).
 */
static const lang_key *
lookup(const lang_key *arr, int n, const char *key, int *count)
{
	const lang_key *hit = bsearch(key, arr, (size_t) n, sizeof(lang_key), cmp_key);
	const lang_key *first,
			   *last;

	*count = 0;
	if (!hit)
		return NULL;
	first = last = hit;
	while (first > arr && strcmp(first[-1].key, key) == 0)
		first--;
	while (last + 1 < arr + n && strcmp(last[1].key, key) == 0)
		last++;
	*count = (int) (last - first) + 1;
	return first;
}

/* Most segments a path is split into for rule matching. */
#define LANG_MAX_SEGS 64

/* A path split at '/': segment starts and lengths (the last is the name). */
typedef struct path_segs
{
	const char *start[LANG_MAX_SEGS];
	size_t		len[LANG_MAX_SEGS];
	int			n;
} path_segs;

/* Split path into segments (deeper paths keep their first segments only). */
static void
split_path(const char *path, path_segs *ps)
{
	const char *s = path;

	ps->n = 0;
	while (ps->n < LANG_MAX_SEGS)
	{
		const char *slash = strchr(s, '/');

		ps->start[ps->n] = s;
		ps->len[ps->n] = slash ? (size_t) (slash - s) : strlen(s);
		ps->n++;
		if (!slash)
			break;
		s = slash + 1;
	}
}

#define NPATH_RULES (sizeof(path_rules) / sizeof(path_rules[0]))

/* Facts about each path rule's glob, computed once (see rule_meta_init). */
typedef struct rule_meta
{
	size_t		len;			/* strlen(glob) */
	int			literal;		/* no wildcard: compare, don't match */
	int			nseg;			/* '/'-separated segments in the glob */
	int			last;			/* last glob char, lower case; 0 if a wildcard */
} rule_meta;

static rule_meta rule_metas[NPATH_RULES];
static pthread_once_t rule_metas_once = PTHREAD_ONCE_INIT;

/* Fill rule_metas (run once, thread-safely, through pthread_once). */
static void
rule_meta_init(void)
{
	for (size_t i = 0; i < NPATH_RULES; i++)
	{
		const char *g = path_rules[i].glob;
		rule_meta  *m = &rule_metas[i];
		char		last;

		m->len = strlen(g);
		m->literal = glob_is_literal(g);
		m->nseg = 1;
		for (const char *p = g; *p; p++)
			m->nseg += *p == '/';
		last = m->len ? g[m->len - 1] : 0;
		m->last = last == '*' || last == '?' ? 0 : tolower((unsigned char) last);
	}
}

/* Could a glob with this meta match text of len bytes?  (cheap rejection) */
static inline int
may_match(const rule_meta *m, const char *text, size_t len)
{
	if (m->literal && m->len != len)
		return 0;
	return !m->last || (len > 0 && tolower((unsigned char) text[len - 1]) == m->last);
}

/*
 * Does a directory glob (one or more '/'-separated segments) match the
 * directories of the path, starting at any segment (or only the first when
 * top_only)?  The matched segments must all be directories, not the name.
 */
static int
dir_matches(const path_segs *ps, const char *glob, const rule_meta *m, int top_only)
{
	for (int i = 0; i + m->nseg < ps->n; i++)
	{
		const char *from = ps->start[i];
		size_t		len = (size_t) (ps->start[i + m->nseg - 1] + ps->len[i + m->nseg - 1] - from);

		if (may_match(m, from, len) && glob_match_n(glob, from, len, GLOB_PATHNAME))
			return 1;
		if (top_only)
			break;
	}
	return 0;
}

/* Does a false .gitattributes override cancel rules with this verdict? */
static int
cancelled(const lang_attrs *a, lang_verdict v)
{
	if (!a)
		return 0;
	return (v == LANG_VENDORED && a->vendored == 0) ||
		(v == LANG_GENERATED && a->generated == 0) ||
		(v == LANG_DOCUMENTATION && a->documentation == 0);
}

/* The first path rule matching path (and not cancelled by attrs), or NULL. */
static const path_rule *
match_path_rules(const char *path, const lang_attrs *attrs)
{
	const char *name = path_base_name(path);
	size_t		namelen = strlen(name),
				pathlen = strlen(path);
	path_segs	ps;

	pthread_once(&rule_metas_once, rule_meta_init);
	split_path(path, &ps);
	for (size_t i = 0; i < NPATH_RULES; i++)
	{
		const path_rule *r = &path_rules[i];
		const rule_meta *m = &rule_metas[i];
		int			hit = 0;

		if (cancelled(attrs, r->verdict))
			continue;
		switch (r->kind)
		{
			case PR_DIR:
			case PR_TOPDIR:
				hit = dir_matches(&ps, r->glob, m, r->kind == PR_TOPDIR);
				break;
			case PR_NAME:
				hit = may_match(m, name, namelen) && glob_match_n(r->glob, name, namelen, 0);
				break;
			case PR_PATH:
				hit = may_match(m, path, pathlen) && glob_match_n(r->glob, path, pathlen, 0);
				break;
		}
		if (hit)
			return r;
	}
	return NULL;
}

/* Does the head contain the needle anywhere? */
static int
has(const unsigned char *head, size_t len, const char *needle)
{
	size_t		n = strlen(needle);

	if (n == 0 || n > len)
		return n == 0;
	return memmem(head, len, needle, n) != NULL;
}

/* Does some line of the head start (after blanks) with prefix? */
static int
line_starts(const unsigned char *head, size_t len, const char *prefix)
{
	size_t		n = strlen(prefix);
	size_t		i = 0;

	while (i < len)
	{
		size_t		j = i;

		while (j < len && (head[j] == ' ' || head[j] == '\t'))
			j++;
		if (len - j >= n && memcmp(head + j, prefix, n) == 0)
			return 1;
		while (i < len && head[i] != '\n')
			i++;
		i++;
	}
	return 0;
}

/* .h: Objective-C or C++ on evidence, else C. */
static const char *
guess_h(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "@interface") || line_starts(h, n, "@protocol") ||
		line_starts(h, n, "@end") || line_starts(h, n, "#import ") ||
		line_starts(h, n, "@property"))
		return "Objective-C";
	if (has(h, n, "namespace ") || has(h, n, "template<") || has(h, n, "template <") ||
		has(h, n, "std::") || line_starts(h, n, "class ") || has(h, n, "public:") ||
		has(h, n, "private:") || has(h, n, "#include <string>") ||
		has(h, n, "#include <vector>") || has(h, n, "#include <iostream>") ||
		has(h, n, "#include <memory>") || has(h, n, "constexpr ") ||
		has(h, n, "virtual "))
		return "C++";
	return "C";
}

/* .m: Objective-C, MATLAB or Mercury. */
static const char *
guess_m(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "@interface") || line_starts(h, n, "@implementation") ||
		line_starts(h, n, "#import") || line_starts(h, n, "@end") ||
		line_starts(h, n, "#include"))
		return "Objective-C";
	if (line_starts(h, n, ":- module") || line_starts(h, n, ":- interface"))
		return "Mercury";
	if (line_starts(h, n, "function ") || line_starts(h, n, "%") ||
		line_starts(h, n, "end\n") || line_starts(h, n, "classdef "))
		return "MATLAB";
	return "Objective-C";
}

/* .pl/.pro: Prolog clauses, Perl or Raku. */
static const char *
guess_pl(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "use v6") || line_starts(h, n, "unit module") ||
		line_starts(h, n, "my class "))
		return "Raku";
	if (line_starts(h, n, "use strict") || line_starts(h, n, "use warnings") ||
		line_starts(h, n, "my $") || line_starts(h, n, "sub ") ||
		line_starts(h, n, "package ") || has(h, n, "#!/usr/bin/perl") ||
		has(h, n, "#!/usr/bin/env perl"))
		return "Perl";
	if (line_starts(h, n, ":-") || has(h, n, ") :-") || has(h, n, "] :-"))
		return "Prolog";
	return "Perl";
}

/* .ts: Qt Linguist translation (XML: a <TS> root element) or TypeScript. */
static const char *
guess_ts(const unsigned char *h, size_t n)
{
	const unsigned char *p = h;
	size_t		left = n;

	if (line_starts(h, n, "<?xml") || line_starts(h, n, "<!DOCTYPE TS"))
		return "XML";
	/* "<TS" as a whole tag name ("<TSConfig>" in a type is not one) */
	while (left >= 4 && (p = memmem(p, left, "<TS", 3)) != NULL)
	{
		size_t		off = (size_t) (p - h);

		if (off + 3 < n && !isalnum(h[off + 3]) && h[off + 3] != '_')
			return "XML";
		p += 3;
		left = n - off - 3;
	}
	return "TypeScript";
}

/* .tsx: XML when it starts like XML, else TSX. */
static const char *
guess_tsx(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "<?xml"))
		return "XML";
	return "TSX";
}

/* .md: GCC machine description or Markdown. */
static const char *
guess_md(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "(define_") || line_starts(h, n, ";;"))
		return "GCC Machine Description";
	return "Markdown";
}

/* .rs: RenderScript or Rust. */
static const char *
guess_rs(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "#pragma version") || line_starts(h, n, "#pragma rs "))
		return "RenderScript";
	return "Rust";
}

/* .v: Verilog, Coq (Rocq) or V. */
static const char *
guess_v(const unsigned char *h, size_t n)
{
	if (has(h, n, "endmodule"))
		return "Verilog";
	if (line_starts(h, n, "Require ") || line_starts(h, n, "Theorem ") ||
		line_starts(h, n, "Lemma ") || line_starts(h, n, "Proof."))
		return "Rocq Prover";
	if (line_starts(h, n, "fn ") || line_starts(h, n, "module main"))
		return "V";
	return "Verilog";
}

/* .sql: PL/pgSQL, T-SQL, PL/SQL or plain SQL. */
static const char *
guess_sql(const unsigned char *h, size_t n)
{
	if (has(h, n, "plpgsql") || has(h, n, "PLPGSQL") || has(h, n, "$$"))
		return "PLpgSQL";
	if (line_starts(h, n, "GO\n") || line_starts(h, n, "GO\r") || has(h, n, "BEGIN TRY"))
		return "TSQL";
	if (has(h, n, "CREATE OR REPLACE PACKAGE") || has(h, n, "create or replace package"))
		return "PLSQL";
	return "SQL";
}

/* .inc: PHP when it opens a PHP tag, else Assembly-ish/unknown preference. */
static const char *
guess_inc(const unsigned char *h, size_t n)
{
	if (has(h, n, "<?php") || has(h, n, "<?="))
		return "PHP";
	if (line_starts(h, n, "#include") || line_starts(h, n, "#define"))
		return "C++";
	return NULL;
}

/* .cs: Smalltalk fileouts or C#. */
static const char *
guess_cs(const unsigned char *h, size_t n)
{
	if (has(h, n, "![") && has(h, n, "methodsFor:"))
		return "Smalltalk";
	return "C#";
}

/* .pp: Pascal or Puppet. */
static const char *
guess_pp(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "unit ") || line_starts(h, n, "program ") ||
		line_starts(h, n, "uses ") || line_starts(h, n, "begin"))
		return "Pascal";
	return "Puppet";
}

/* .r: Rebol or R. */
static const char *
guess_r(const unsigned char *h, size_t n)
{
	if (has(h, n, "REBOL ["))
		return "Rebol";
	return "R";
}

/* .s/.asm: Motorola 68K if it says so, else Unix or generic Assembly. */
static const char *
guess_asm(const unsigned char *h, size_t n)
{
	if (has(h, n, "move.l") || has(h, n, "MOVE.L") || has(h, n, "move.w"))
		return "Motorola 68K Assembly";
	if (line_starts(h, n, ".text") || line_starts(h, n, ".globl") ||
		line_starts(h, n, ".section"))
		return "Unix Assembly";
	return "Assembly";
}

/* .asc: armoured keys, AsciiDoc, or AGS Script. */
static const char *
guess_asc(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "-----BEGIN") || line_starts(h, n, "ssh-rsa ") ||
		line_starts(h, n, "ssh-dss "))
		return "Public Key";
	if (line_starts(h, n, "= ") || line_starts(h, n, "== ") || has(h, n, "{{"))
		return "AsciiDoc";
	if (line_starts(h, n, "//") || line_starts(h, n, "function ") || line_starts(h, n, "import "))
		return "AGS Script";
	return NULL;
}

/* .l: Lex, Common Lisp, PicoLisp or Roff. */
static const char *
guess_l(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "%%") || line_starts(h, n, "%{") || line_starts(h, n, "%option"))
		return "Lex";
	if (has(h, n, "(defun ") || has(h, n, "(defmacro "))
		return "Common Lisp";
	if (line_starts(h, n, "(de ") || line_starts(h, n, "(class "))
		return "PicoLisp";
	if (line_starts(h, n, ".TH ") || line_starts(h, n, ".SH "))
		return "Roff";
	return NULL;
}

/* .spec: RPM spec files (data), PyInstaller specs (Python), gemspecs (Ruby). */
static const char *
guess_spec(const unsigned char *h, size_t n)
{
	if (has(h, n, "Gem::Specification"))
		return "Ruby";
	if (has(h, n, "PyInstaller") || has(h, n, "Analysis("))
		return "Python";
	if (line_starts(h, n, "Name:") || line_starts(h, n, "Version:") ||
		line_starts(h, n, "%description") || line_starts(h, n, "BuildRequires:") ||
		line_starts(h, n, "%define") || line_starts(h, n, "%global"))
		return "RPM Spec";
	return NULL;
}

/* .pro: QMake project, ProGuard rules, Prolog, IDL or INI. */
static const char *
guess_pro(const unsigned char *h, size_t n)
{
	if (has(h, n, "SOURCES") || has(h, n, "TEMPLATE") || has(h, n, "QT +=") ||
		has(h, n, "CONFIG +="))
		return "QMake";
	if (line_starts(h, n, "-keep") || line_starts(h, n, "-dontwarn"))
		return "Proguard";
	if (line_starts(h, n, ":-") || has(h, n, ") :-"))
		return "Prolog";
	if (line_starts(h, n, "pro ") || line_starts(h, n, "function ") ||
		line_starts(h, n, "PRO "))
		return "IDL";
	if (line_starts(h, n, "["))
		return "INI";
	return NULL;
}

/* .cls: LaTeX class, Apex, VBA/VB6 class or ObjectScript. */
static const char *
guess_cls(const unsigned char *h, size_t n)
{
	if (has(h, n, "\\documentclass") || has(h, n, "\\ProvidesClass") ||
		has(h, n, "\\NeedsTeXFormat"))
		return "TeX";
	if (has(h, n, "Attribute VB_") || has(h, n, "VERSION 1.0 CLASS"))
		return "VBA";
	if (has(h, n, "with sharing") || has(h, n, "public class") || has(h, n, "global class"))
		return "Apex";
	if (line_starts(h, n, "Class ") || line_starts(h, n, "Include "))
		return "ObjectScript";
	return NULL;
}

/* .d: make dependency files, DTrace or D. */
static const char *
guess_d(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "#pragma D") || line_starts(h, n, "provider "))
		return "DTrace";
	if (line_starts(h, n, "module ") || line_starts(h, n, "import ") ||
		has(h, n, "void main("))
		return "D";
	if (has(h, n, ".o: ") || has(h, n, ".o : ") || has(h, n, ": \\"))
		return "Makefile";
	return "D";
}

/* .fs: F#, GLSL, Forth or Filterscript. */
static const char *
guess_fs(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "#version") || has(h, n, "gl_FragColor") || has(h, n, "uniform "))
		return "GLSL";
	if (line_starts(h, n, "#pragma rs"))
		return "Filterscript";
	if (line_starts(h, n, ": ") && has(h, n, " ;"))
		return "Forth";
	return "F#";
}

/* .cl: OpenCL kernels, Common Lisp or Cool. */
static const char *
guess_cl(const unsigned char *h, size_t n)
{
	if (has(h, n, "__kernel") || has(h, n, "kernel void"))
		return "OpenCL";
	if (has(h, n, "(def") || has(h, n, "(in-package"))
		return "Common Lisp";
	if (line_starts(h, n, "class ") && has(h, n, "inherits"))
		return "Cool";
	return NULL;
}

/* .php/.hh: Hack when it opens with <?hh. */
static const char *
guess_hack(const unsigned char *h, size_t n)
{
	if (has(h, n, "<?hh"))
		return "Hack";
	return NULL;
}

/* .pm: Raku modules, X PixMap images, else Perl. */
static const char *
guess_pm(const unsigned char *h, size_t n)
{
	if (has(h, n, "/* XPM */"))
		return "X PixMap";
	if (line_starts(h, n, "use v6") || line_starts(h, n, "unit "))
		return "Raku";
	return "Perl";
}

/* .es: Erlang modules or JavaScript. */
static const char *
guess_es(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "-module(") || line_starts(h, n, "-export("))
		return "Erlang";
	return "JavaScript";
}

/* .nu: Nushell when a line starts with one of its keywords, else Nu. */
static const char *
guess_nu(const unsigned char *h, size_t n)
{
	static const char *const kw[] = {"import ", "export ", "module ", "def ", "let ", "let-env "};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (line_starts(h, n, kw[i]))
			return "Nushell";
	return "Nu";
}

/* .html: Ecmarkup or HTML. */
static const char *
guess_html(const unsigned char *h, size_t n)
{
	if (has(h, n, "<emu-"))
		return "Ecmarkup";
	return "HTML";
}

/* .pc: Pro*C sources or pkg-config files. */
static const char *
guess_pc(const unsigned char *h, size_t n)
{
	if (has(h, n, "EXEC SQL"))
		return "Pro*C";
	return "pkg-config";
}

/* .yy: GameMaker JSON or Yacc. */
static const char *
guess_yy(const unsigned char *h, size_t n)
{
	size_t		i = 0;

	while (i < n && isspace(h[i]))
		i++;
	if (i < n && h[i] == '{')
		return "JSON";
	return "Yacc";
}

/* .ms/.n/.man-like: Roff when it starts with a request line. */
static const char *
guess_roff(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, ".TH ") || line_starts(h, n, ".SH ") || line_starts(h, n, ".PP") ||
		line_starts(h, n, ".\\\""))
		return "Roff";
	if (line_starts(h, n, ".text") || line_starts(h, n, ".globl"))
		return "Unix Assembly";
	return NULL;
}

/* .mm: XML or Objective-C++. */
static const char *
guess_mm(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "<?xml"))
		return "XML";
	return "Objective-C++";
}

/* .i: SWIG interfaces or Assembly. */
static const char *
guess_i(const unsigned char *h, size_t n)
{
	if (line_starts(h, n, "%module"))
		return "SWIG";
	return NULL;
}

/* One content heuristic for an ambiguous extension. */
typedef struct ext_heuristic
{
	const char *ext;
	const char *(*guess) (const unsigned char *head, size_t len);
} ext_heuristic;

/* Heuristics table; extensions absent here use the popularity list. */
static const ext_heuristic heuristics[] = {
	{".h", guess_h}, {".m", guess_m}, {".pl", guess_pl}, {".pro", guess_pro},
	{".ts", guess_ts}, {".tsx", guess_tsx}, {".md", guess_md}, {".rs", guess_rs},
	{".v", guess_v}, {".sql", guess_sql}, {".inc", guess_inc}, {".cs", guess_cs},
	{".pp", guess_pp}, {".r", guess_r}, {".s", guess_asm}, {".asm", guess_asm},
	{".asc", guess_asc}, {".l", guess_l}, {".spec", guess_spec}, {".cls", guess_cls},
	{".d", guess_d}, {".fs", guess_fs}, {".cl", guess_cl}, {".php", guess_hack},
	{".hh", guess_hack}, {".pm", guess_pm}, {".es", guess_es}, {".html", guess_html},
	{".pc", guess_pc}, {".yy", guess_yy}, {".ms", guess_roff}, {".n", guess_roff},
	{".mm", guess_mm}, {".i", guess_i}, {".nu", guess_nu},
};

/* Index of a language name among rows (or -1). */
static int
row_with_name(const lang_key *rows, int n, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(lang_defs[rows[i].lang].name, name) == 0)
			return i;
	return -1;
}

/* Pick one language among candidate rows: popularity list, then first row. */
static int
pick_preferred(const lang_key *rows, int n)
{
	for (size_t p = 0; p < sizeof(preferred) / sizeof(preferred[0]); p++)
	{
		int			i = row_with_name(rows, n, preferred[p]);

		if (i >= 0)
			return rows[i].lang;
	}
	return rows[0].lang;
}

/*
 * The interpreter named by a "#!" first line, copied into buf ("python3",
 * "bash", "node"); returns 0 when there is none.
 */
static int
shebang_interpreter(const unsigned char *head, size_t len, char *buf, size_t bufsz)
{
	size_t		i = 2,
				end;
	char		line[256];
	char	   *tok,
			   *save = NULL;
	size_t		n;

	if (len < 3 || head[0] != '#' || head[1] != '!')
		return 0;
	for (end = i; end < len && head[end] != '\n' && head[end] != '\r'; end++)
		;
	n = end - i < sizeof(line) - 1 ? end - i : sizeof(line) - 1;
	memcpy(line, head + i, n);
	line[n] = '\0';
	tok = strtok_r(line, " \t", &save);
	if (!tok)
		return 0;
	tok = (char *) path_base_name(tok);
	if (strcmp(tok, "env") == 0)
	{
		/* skip env's options and VAR=value assignments */
		while ((tok = strtok_r(NULL, " \t", &save)) != NULL)
			if (tok[0] != '-' && !strchr(tok, '='))
				break;
		if (!tok)
			return 0;
	}
	if (strlen(tok) >= bufsz)
		return 0;
	strcpy(buf, tok);
	return buf[0] != '\0';
}

/* Languages for an interpreter, trying "python3.11" → "python3" → "python". */
static const lang_key *
lookup_interpreter(char *interp, int *count)
{
	const lang_key *rows = lookup(lang_interpreters, lang_ninterpreters, interp, count);
	char	   *p;

	if (rows)
		return rows;
	if ((p = strchr(interp, '.')) != NULL)
	{
		*p = '\0';
		if ((rows = lookup(lang_interpreters, lang_ninterpreters, interp, count)) != NULL)
			return rows;
	}
	p = interp + strlen(interp);
	while (p > interp && isdigit((unsigned char) p[-1]))
		*--p = '\0';
	return lookup(lang_interpreters, lang_ninterpreters, interp, count);
}

/* Content checks for generated files; returns the rule text or NULL. */
static const char *
generated_by_content(const char *name, const unsigned char *h, size_t n)
{
	size_t		top = n < 1024 ? n : 1024;
	const char *dot = strrchr(name, '.');

	if (has(h, top, "DO NOT EDIT") &&
		(has(h, top, "Code generated") || has(h, top, "Generated by the protocol buffer compiler")))
		return "generated: DO NOT EDIT banner";
	if (has(h, top, "<auto-generated"))
		return "generated: <auto-generated> banner";
	if (dot && (strcasecmp(dot, ".js") == 0 || strcasecmp(dot, ".css") == 0 ||
				strcasecmp(dot, ".mjs") == 0 || strcasecmp(dot, ".cjs") == 0))
	{
		size_t		lines = 1;

		for (size_t i = 0; i < n; i++)
			if (h[i] == '\n')
				lines++;
		/* minified: long average line over a full head window */
		if (n >= 1000 && n / lines > 110)
			return "generated: minified (average line > 110 bytes)";
	}
	return NULL;
}

/*
 * Extensions of media types that are binary (Linguist asks its MIME database
 * whether a file's type is binary before looking at the content): images,
 * Illustrator/Photoshop files, PDF, office documents, fonts, archives, audio,
 * video, compiled objects and databases.
 */
static const char *const binary_extensions[] = {
	".7z", ".a", ".ai", ".avi", ".bin", ".bmp", ".bz2", ".class", ".dll", ".doc",
	".docx", ".dylib", ".eot", ".exe", ".flac", ".gif", ".gz", ".ico", ".icns",
	".jar", ".jpeg", ".jpg", ".m4a", ".mov", ".mp3", ".mp4", ".o", ".odp", ".ods",
	".odt", ".ogg", ".otf", ".pdf", ".png", ".ppt", ".pptx", ".psd", ".pyc",
	".rar", ".so", ".sqlite", ".swf", ".tar", ".tgz", ".tif", ".tiff", ".ttf",
	".wav", ".wasm", ".webm", ".webp", ".woff", ".woff2", ".xls", ".xlsx", ".xz",
	".zip",
};

/* Extensions of PostScript source, which Linguist counts as a language. */
static const char *const postscript_extensions[] = {".ps", ".eps", ".epsi", ".pfa"};

/* True if the (lower-cased compare) extension ext is in list. */
static bool
ext_in(const char *ext, const char *const *list, size_t n)
{
	for (size_t i = 0; ext && i < n; i++)
		if (strcasecmp(ext, list[i]) == 0)
			return true;
	return false;
}

/*
 * Linguist's binary test, or NULL for text: a binary media type by
 * extension, a PDF or (outside PostScript sources) Adobe PostScript header
 * — Illustrator and PDF files are often free of NUL bytes — or a NUL byte
 * in the first 8000 bytes.
 */
static const char *
binary_reason(const char *name, const unsigned char *h, size_t n)
{
	const char *dot = strrchr(name, '.');

	if (ext_in(dot, binary_extensions, sizeof(binary_extensions) / sizeof(binary_extensions[0])))
		return "binary: media type of the extension";
	if (n >= 5 && memcmp(h, "%PDF-", 5) == 0)
		return "binary: PDF header";
	if (n >= 10 && memcmp(h, "%!PS-Adobe", 10) == 0 &&
		!ext_in(dot, postscript_extensions, sizeof(postscript_extensions) / sizeof(postscript_extensions[0])))
		return "binary: Adobe PostScript header outside a PostScript source";
	if (n > 0 && memchr(h, '\0', n) != NULL)
		return "NUL byte in the first 8000 bytes";
	return NULL;
}

/* Fill *out and return its verdict. */
static lang_verdict
verdict(lang_info *out, lang_verdict v, int lang, const char *rule)
{
	if (out)
	{
		out->verdict = v;
		out->language = lang >= 0 ? &lang_defs[lang] : NULL;
		out->group = lang >= 0 ? &lang_defs[lang_defs[lang].group] : NULL;
		out->rule = rule;
	}
	return v;
}

/*
 * Verdict for a recognised language: counted or not, by its type, unless
 * linguist-detectable says otherwise.
 */
static lang_verdict
language_verdict(lang_info *out, int lang, const char *rule, const lang_attrs *attrs)
{
	lang_type	t = lang_defs[lang].type;
	int			counted = t == LANG_TYPE_PROGRAMMING || t == LANG_TYPE_MARKUP;

	if (attrs && attrs->detectable >= 0)
		counted = attrs->detectable;
	return verdict(out, counted ? LANG_COUNTED : LANG_NOT_COUNTED, lang, rule);
}

/* See languages.h. */
void
lang_attrs_clear(lang_attrs *a)
{
	a->vendored = a->generated = a->documentation = a->detectable = -1;
	a->language[0] = '\0';
}

/* See languages.h. */
lang_verdict
lang_classify(const char *path, const unsigned char *head, size_t headlen, lang_info *out)
{
	return lang_classify_ex(path, head, headlen, NULL, out);
}

/* See languages.h. */
lang_verdict
lang_classify_ex(const char *path, const unsigned char *head, size_t headlen,
				 const lang_attrs *attrs, lang_info *out)
{
	const path_rule *r;
	const char *name = path_base_name(path);
	const char *why;
	const lang_key *rows;
	int			n;
	char		interp[64];
	char		ext[256];
	const char *guess_ext = NULL;
	size_t		content_len;

	if (!head)
		headlen = 0;
	/* the heuristics see up to LANG_CONTENT_BYTES, everything else the head */
	content_len = headlen < LANG_CONTENT_BYTES ? headlen : LANG_CONTENT_BYTES;
	if (headlen > LANG_HEAD_BYTES)
		headlen = LANG_HEAD_BYTES;

	if (attrs && attrs->vendored == 1)
		return verdict(out, LANG_VENDORED, -1, "gitattributes linguist-vendored");
	if (attrs && attrs->generated == 1)
		return verdict(out, LANG_GENERATED, -1, "gitattributes linguist-generated");
	if (attrs && attrs->documentation == 1)
		return verdict(out, LANG_DOCUMENTATION, -1, "gitattributes linguist-documentation");
	if ((r = match_path_rules(path, attrs)) != NULL)
		return verdict(out, r->verdict, -1, r->glob);
	if ((why = binary_reason(name, head, headlen)) != NULL)
		return verdict(out, LANG_BINARY, -1, why);
	if (!cancelled(attrs, LANG_GENERATED) &&
		(why = generated_by_content(name, head, headlen)) != NULL)
		return verdict(out, LANG_GENERATED, -1, why);
	if (attrs && attrs->language[0])
	{
		const lang_def *forced = lang_by_alias(attrs->language);

		if (forced)
			return language_verdict(out, (int) (forced - lang_defs),
									"gitattributes linguist-language", attrs);
	}

	/* 1. exact filename */
	if ((rows = lookup(lang_filenames, lang_nfilenames, name, &n)) != NULL)
		return language_verdict(out, n == 1 ? rows[0].lang : pick_preferred(rows, n), "filename", attrs);

	/* 2. shebang */
	if (shebang_interpreter(head, headlen, interp, sizeof(interp)) &&
		(rows = lookup_interpreter(interp, &n)) != NULL)
		return language_verdict(out, n == 1 ? rows[0].lang : pick_preferred(rows, n), "shebang", attrs);

	/* 3. longest known extension */
	rows = NULL;
	for (const char *d = strchr(name, '.'); d; d = strchr(d + 1, '.'))
	{
		size_t		k = strlen(d);

		if (k >= sizeof(ext))
			continue;
		for (size_t i = 0; i <= k; i++)
			ext[i] = (char) tolower((unsigned char) d[i]);
		if ((rows = lookup(lang_extensions, lang_nextensions, ext, &n)) != NULL)
		{
			guess_ext = ext;
			break;
		}
	}
	if (!rows)
		return verdict(out, LANG_UNKNOWN, -1, "no filename, shebang or extension match");
	if (n == 1)
		return language_verdict(out, rows[0].lang, "extension", attrs);

	/* 4. ambiguous extension: content heuristics, then preference */
	for (size_t i = 0; i < sizeof(heuristics) / sizeof(heuristics[0]); i++)
	{
		if (strcmp(heuristics[i].ext, guess_ext) == 0)
		{
			int			k = row_with_name(rows, n, heuristics[i].guess(head, content_len));

			if (k >= 0)
				return language_verdict(out, rows[k].lang, "extension + heuristics", attrs);
			break;
		}
	}
	return language_verdict(out, pick_preferred(rows, n), "extension (preferred)", attrs);
}

/* See languages.h. */
const char *
lang_verdict_name(lang_verdict v)
{
	switch (v)
	{
		case LANG_COUNTED:
			return "counted";
		case LANG_NOT_COUNTED:
			return "not-counted";
		case LANG_UNKNOWN:
			return "unknown";
		case LANG_VENDORED:
			return "vendored";
		case LANG_GENERATED:
			return "generated";
		case LANG_DOCUMENTATION:
			return "documentation";
		case LANG_BINARY:
			return "binary";
	}
	return "?";
}

/* See languages.h. */
const char *
lang_type_name(lang_type t)
{
	switch (t)
	{
		case LANG_TYPE_DATA:
			return "data";
		case LANG_TYPE_MARKUP:
			return "markup";
		case LANG_TYPE_PROGRAMMING:
			return "programming";
		case LANG_TYPE_PROSE:
			return "prose";
	}
	return "?";
}

/* See languages.h. */
const lang_def *
lang_by_alias(const char *name)
{
	char		lower[128];
	size_t		i;
	const lang_key *rows;
	int			n;

	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char) tolower((unsigned char) name[i]);
	lower[i] = '\0';
	if ((rows = lookup(lang_aliases, lang_naliases, lower, &n)) != NULL)
		return &lang_defs[rows[0].lang];
	return NULL;
}

/* One excluded file. */
typedef struct lang_excluded
{
	char	   *path;
	const char *reason;
	const lang_def *language;
} lang_excluded;

struct lang_stats
{
	uint64_t   *bytes;			/* per language index */
	uint64_t   *files;
	lang_excluded *excluded;
	size_t		nexcluded;
	size_t		capexcluded;
	uint64_t	excluded_count;
};

/* See languages.h. */
lang_stats *
lang_stats_new(void)
{
	lang_stats *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->bytes = calloc((size_t) lang_ndefs, sizeof(uint64_t));
	s->files = calloc((size_t) lang_ndefs, sizeof(uint64_t));
	if (!s->bytes || !s->files)
	{
		lang_stats_free(s);
		return NULL;
	}
	return s;
}

/* Append to the excluded list (bounded; the count is always exact). */
static void
add_excluded(lang_stats *s, const char *path, const char *reason, const lang_def *lang)
{
	s->excluded_count++;
	if (s->nexcluded >= LANG_MAX_EXCLUDED)
		return;
	if (s->nexcluded == s->capexcluded)
	{
		size_t		cap = s->capexcluded ? s->capexcluded * 2 : 64;
		lang_excluded *e = realloc(s->excluded, cap * sizeof(*e));

		if (!e)
			return;
		s->excluded = e;
		s->capexcluded = cap;
	}
	s->excluded[s->nexcluded].path = strdup(path);
	if (!s->excluded[s->nexcluded].path)
		return;
	s->excluded[s->nexcluded].reason = reason;
	s->excluded[s->nexcluded].language = lang;
	s->nexcluded++;
}

/* See languages.h. */
lang_verdict
lang_stats_add_ex(lang_stats *s, const char *path, const unsigned char *head,
				  size_t headlen, uint64_t size, const lang_attrs *attrs)
{
	lang_info	info;
	lang_verdict v = lang_classify_ex(path, head, headlen, attrs, &info);

	if (v == LANG_COUNTED)
	{
		int			g = (int) (info.group - lang_defs);

		s->bytes[g] += size;
		s->files[g]++;
	}
	else
		add_excluded(s, path, lang_verdict_name(v), info.language);
	return v;
}

/* See languages.h. */
void
lang_stats_skip(lang_stats *s, const char *path, const char *reason)
{
	add_excluded(s, path, reason, NULL);
}

/* A language's total, for sorting the output. */
typedef struct lang_total
{
	int			lang;
	uint64_t	bytes;
} lang_total;

/* qsort() comparator: totals by bytes descending, then table order. */
static int
cmp_bytes_desc(const void *a, const void *b)
{
	const lang_total *x = a,
			   *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->lang - y->lang;
}

/* See languages.h. */
json_object *
lang_stats_json(const lang_stats *s)
{
	json_object *root = json_object_new_object();
	json_object *langs = json_object_new_array();
	json_object *excl = json_object_new_array();
	uint64_t	total = 0;
	lang_total *order = malloc(sizeof(lang_total) * (size_t) lang_ndefs);
	int			n = 0;

	for (int i = 0; i < lang_ndefs; i++)
		if (s->files[i] > 0)
		{
			total += s->bytes[i];
			if (order)
			{
				order[n].lang = i;
				order[n++].bytes = s->bytes[i];
			}
		}
	if (order)
		qsort(order, (size_t) n, sizeof(lang_total), cmp_bytes_desc);
	for (int k = 0; k < n; k++)
	{
		int			i = order[k].lang;
		json_object *o = json_object_new_object();
		double		pct = total ? (double) s->bytes[i] * 100.0 / (double) total : 0.0;

		json_object_object_add(o, "name", json_object_new_string(lang_defs[i].name));
		json_object_object_add(o, "type", json_object_new_string(lang_type_name(lang_defs[i].type)));
		json_object_object_add(o, "color", lang_defs[i].color ?
							   json_object_new_string(lang_defs[i].color) : NULL);
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t) s->bytes[i]));
		json_object_object_add(o, "files", json_object_new_int64((int64_t) s->files[i]));
		char		pcts[32];

		snprintf(pcts, sizeof(pcts), "%.2f", pct);
		json_object_object_add(o, "percent", json_object_new_double_s(pct, pcts));
		json_object_array_add(langs, o);
	}
	free(order);
	for (size_t k = 0; k < s->nexcluded; k++)
	{
		json_object *o = json_object_new_object();

		json_add_path(o, s->excluded[k].path);
		json_object_object_add(o, "reason", json_object_new_string(s->excluded[k].reason));
		if (s->excluded[k].language)
			json_object_object_add(o, "language", json_object_new_string(s->excluded[k].language->name));
		json_object_array_add(excl, o);
	}
	json_object_object_add(root, "source", json_object_new_string(lang_table_source));
	json_object_object_add(root, "total_bytes", json_object_new_int64((int64_t) total));
	json_object_object_add(root, "languages", langs);
	json_object_object_add(root, "excluded", excl);
	json_object_object_add(root, "excluded_count", json_object_new_int64((int64_t) s->excluded_count));
	json_object_object_add(root, "excluded_truncated",
						   json_object_new_boolean(s->excluded_count > s->nexcluded));
	return root;
}

/* See languages.h. */
void
lang_stats_free(lang_stats *s)
{
	if (!s)
		return;
	for (size_t k = 0; k < s->nexcluded; k++)
		free(s->excluded[k].path);
	free(s->excluded);
	free(s->bytes);
	free(s->files);
	free(s);
}
