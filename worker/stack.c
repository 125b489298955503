/*
 * stack.c — tech-stack scan: which files matter, the scan's state, rule
 * matching and the JSON result.  The manifest parsers are in
 * stack_manifests.c and the rules (data) in stack_rules.c.
 *
 * Design notes
 * - Parsers only report dependencies (ecosystem, name, version spec, scope)
 *   and direct evidence; nothing is matched until stack_scan_finish(), so a
 *   manifest that turns out malformed halfway is rolled back completely
 *   (its dependencies and evidence are truncated away) and listed as skipped.
 * - Matching normalises names per ecosystem (PyPI: lower case, runs of
 *   "-_." become "-"; everything else compares case-insensitively) and tests
 *   every rule of the dependency's ecosystem; a pattern containing '*' or
 *   '?' is a glob (glob.c).  A few hundred rules × a few thousand dependencies is cheap.
 * - Presence rules (ecosystem "file") match a base name, or the last path
 *   segments when the pattern has a '/' (".circleci/config.yml").
 * - Lists are bounded (STACK_MAX_DEPS dependencies, STACK_MAX_EVIDENCE per
 *   technology); "truncated" says when a bound was hit.
 */
#define _GNU_SOURCE
#include "stack_internal.h"
#include "jsonutf8.h"
#include "glob.h"
#include "util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STACK_MAX_DEPS 20000
#define STACK_MAX_EVIDENCE 25
#define STACK_MAX_SKIPPED 2000

/* One dependency reported by a parser. */
typedef struct stack_dep
{
	const char *ecosystem;		/* static */
	char	   *name;
	char	   *version;
	const char *scope;			/* static or NULL */
	char	   *manifest;
} stack_dep;

/* Direct evidence: (ecosystem, key) matched against rules, from a file. */
typedef struct stack_evid
{
	const char *ecosystem;		/* static */
	char	   *key;
	char	   *match;
	char	   *file;
} stack_evid;

/* A path and a reason or kind. */
typedef struct stack_note
{
	char	   *path;
	char	   *text;
} stack_note;

/* Growable array of fixed-size items. */
typedef struct vec
{
	void	   *items;
	size_t		n;
	size_t		cap;
} vec;

struct stack_scan
{
	vec			deps;			/* stack_dep */
	vec			evid;			/* stack_evid */
	vec			manifests;		/* stack_note: path, kind */
	vec			skipped;		/* stack_note: path, reason */
	int			truncated;
};

/* Directories whose manifests belong to someone else's code. */
static const char *const ignored_dirs[] = {
	"node_modules", "bower_components", "jspm_packages", "vendor", "vendored",
	"third_party", "third-party", "thirdparty", "3rdparty", "3rd_party", "deps",
	"extern", "external", "externals", "Godeps", "Pods", "Carthage", ".yarn",
	".venv", "venv", "site-packages", "testdata", "fixtures", "__fixtures__", ".git",
};

/* Reserve room for one more item of size sz; returns it or NULL. */
static void *
vec_push(vec *v, size_t sz)
{
	if (v->n == v->cap)
	{
		size_t		cap = v->cap ? v->cap * 2 : 32;
		void	   *p = realloc(v->items, cap * sz);

		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	return (char *) v->items + sz * v->n++;
}

/* strdup that tolerates NULL. */
static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Is any directory of path one of ignored_dirs? */
static int
in_ignored_dir(const char *path)
{
	const char *seg = path;

	for (const char *slash; (slash = strchr(seg, '/')) != NULL; seg = slash + 1)
	{
		size_t		len = (size_t) (slash - seg);

		for (size_t i = 0; i < sizeof(ignored_dirs) / sizeof(ignored_dirs[0]); i++)
			if (strlen(ignored_dirs[i]) == len && strncasecmp(seg, ignored_dirs[i], len) == 0)
				return 1;
	}
	return 0;
}

/* Does a presence pattern match path (base name, or trailing segments)? */
static int
presence_matches(const char *pattern, const char *path)
{
	int			segs = 1;
	const char *tail = path + strlen(path);

	for (const char *p = pattern; *p; p++)
		if (*p == '/')
			segs++;
	/* step back over segs segments */
	while (tail > path)
	{
		if (tail[-1] == '/' && --segs == 0)
			break;
		tail--;
	}
	if (segs > 1)
		return 0;
	return glob_match(pattern, tail, GLOB_PATHNAME);
}

/* Indices of the presence ("file") rules and their last literal char. */
static int presence_idx[512];
static char presence_last[512];
static int npresence;
static pthread_once_t presence_once = PTHREAD_ONCE_INIT;

/* Collect the presence rules (run once through pthread_once). */
static void
presence_init(void)
{
	for (int i = 0; i < stack_nrules && npresence < 512; i++)
	{
		const char *pat = stack_rules[i].pattern;
		size_t		n = strlen(pat);

		if (strcmp(stack_rules[i].ecosystem, "file") != 0)
			continue;
		presence_idx[npresence] = i;
		presence_last[npresence] = n && pat[n - 1] != '*' && pat[n - 1] != '?' ?
			(char) tolower((unsigned char) pat[n - 1]) : 0;
		npresence++;
	}
}

/* Does any presence ("file") rule match path? */
static int
is_presence_file(const char *path)
{
	size_t		len = strlen(path);
	char		last = len ? (char) tolower((unsigned char) path[len - 1]) : 0;

	pthread_once(&presence_once, presence_init);
	for (int k = 0; k < npresence; k++)
		if ((!presence_last[k] || presence_last[k] == last) &&
			presence_matches(stack_rules[presence_idx[k]].pattern, path))
			return 1;
	return 0;
}

/* See stack.h. */
stack_want
stack_wants(const char *path)
{
	if (in_ignored_dir(path))
		return STACK_IGNORE;
	if (manifest_kind_of(path) != MK_NONE)
		return STACK_PARSE;
	if (is_presence_file(path))
		return STACK_PRESENCE;
	return STACK_IGNORE;
}

/* See stack.h. */
stack_scan *
stack_scan_new(void)
{
	return calloc(1, sizeof(stack_scan));
}

/* Add a note (path + text) to a list, bounded. */
static void
add_note(stack_scan *s, vec *v, const char *path, const char *text)
{
	stack_note *n;

	if (v->n >= STACK_MAX_SKIPPED)
	{
		s->truncated = 1;
		return;
	}
	if ((n = vec_push(v, sizeof(stack_note))) == NULL)
		return;
	n->path = strdup(path);
	n->text = strdup(text);
}

/* See stack_internal.h. */
void
stack_add_depn(stack_parse *p, const char *ecosystem, const char *name, size_t namelen,
			   const char *version, const char *scope)
{
	stack_scan *s = p->scan;
	stack_dep  *d;

	if (namelen == 0)
		return;
	if (s->deps.n >= STACK_MAX_DEPS)
	{
		s->truncated = 1;
		return;
	}
	/* one entry per (ecosystem, name) within a manifest */
	for (size_t i = s->deps.n; i > 0; i--)
	{
		stack_dep  *o = (stack_dep *) s->deps.items + (i - 1);

		if (strcmp(o->manifest, p->path) != 0)
			break;
		if (o->ecosystem == ecosystem && strlen(o->name) == namelen &&
			strncmp(o->name, name, namelen) == 0)
			return;
	}
	if ((d = vec_push(&s->deps, sizeof(stack_dep))) == NULL)
		return;
	d->ecosystem = ecosystem;
	d->name = strndup(name, namelen);
	d->version = dup_or_null(version && *version ? version : NULL);
	d->scope = scope;
	d->manifest = strdup(p->path);
}

/* See stack_internal.h. */
void
stack_add_dep(stack_parse *p, const char *ecosystem, const char *name,
			  const char *version, const char *scope)
{
	stack_add_depn(p, ecosystem, name, strlen(name), version, scope);
}

/* See stack_internal.h. */
void
stack_add_evidence(stack_parse *p, const char *ecosystem, const char *key, const char *match)
{
	stack_evid *e = vec_push(&p->scan->evid, sizeof(stack_evid));

	if (!e)
		return;
	e->ecosystem = ecosystem;
	e->key = strdup(key);
	e->match = strdup(match);
	e->file = strdup(p->path);
}

/* Free dependencies from index from on and forget them. */
static void
truncate_deps(stack_scan *s, size_t from)
{
	for (size_t i = from; i < s->deps.n; i++)
	{
		stack_dep  *d = (stack_dep *) s->deps.items + i;

		free(d->name);
		free(d->version);
		free(d->manifest);
	}
	if (from < s->deps.n)
		s->deps.n = from;
}

/* Free evidence from index from on and forget it. */
static void
truncate_evid(stack_scan *s, size_t from)
{
	for (size_t i = from; i < s->evid.n; i++)
	{
		stack_evid *e = (stack_evid *) s->evid.items + i;

		free(e->key);
		free(e->match);
		free(e->file);
	}
	if (from < s->evid.n)
		s->evid.n = from;
}

/* See stack.h. */
void
stack_scan_add(stack_scan *s, const char *path, const char *content, size_t len)
{
	manifest_kind kind;
	stack_parse p;
	size_t		deps0,
				evid0;

	if (!s || !path || in_ignored_dir(path))
		return;
	memset(&p, 0, sizeof(p));
	p.scan = s;
	p.path = path;
	if (is_presence_file(path))
		stack_add_evidence(&p, "file", path, path_base_name(path));
	kind = manifest_kind_of(path);
	if (kind == MK_NONE)
		return;
	if (len > STACK_MAX_MANIFEST_BYTES)
	{
		if (kind != MK_YAML)
			add_note(s, &s->skipped, path, "larger than 1 MiB");
		return;
	}
	if (!content)
	{
		if (kind != MK_YAML)
			add_note(s, &s->skipped, path, "no content given");
		return;
	}
	deps0 = s->deps.n;
	evid0 = s->evid.n;
	if (stack_parse_manifest(&p, kind, content, len) != 0)
	{
		char		reason[320];

		truncate_deps(s, deps0);
		truncate_evid(s, evid0);
		if (kind == MK_YAML)
			return;				/* any YAML file: not a manifest, not an error */
		snprintf(reason, sizeof(reason), "malformed %s: %s", manifest_kind_name(kind), p.err);
		add_note(s, &s->skipped, path, reason);
		return;
	}
	if (kind == MK_YAML && !p.is_manifest)
	{
		truncate_deps(s, deps0);
		truncate_evid(s, evid0);
		return;
	}
	add_note(s, &s->manifests, path, kind == MK_YAML ? "kubernetes" : manifest_kind_name(kind));
	stack_add_evidence(&p, "manifest", kind == MK_YAML ? "kubernetes" : manifest_kind_name(kind),
					   path_base_name(path));
}

/* Normalise a dependency name for matching into buf. */
static void
normalise(const char *ecosystem, const char *name, char *buf, size_t bufsz)
{
	size_t		o = 0;

	if (strcmp(ecosystem, "pypi") == 0)
	{
		for (const char *c = name; *c && o + 1 < bufsz; c++)
		{
			if (*c == '-' || *c == '_' || *c == '.')
			{
				if (o == 0 || buf[o - 1] != '-')
					buf[o++] = '-';
			}
			else
				buf[o++] = (char) tolower((unsigned char) *c);
		}
	}
	else
	{
		for (const char *c = name; *c && o + 1 < bufsz; c++)
			buf[o++] = (char) tolower((unsigned char) *c);
	}
	buf[o] = '\0';
}

/* Does a rule's pattern match a normalised name? */
static int
rule_matches(const stack_rule *r, const char *norm)
{
	if (glob_is_literal(r->pattern))
		return strcasecmp(r->pattern, norm) == 0;
	return glob_match(r->pattern, norm, 0);
}

/* One technology being assembled for the output. */
typedef struct tech_out
{
	const char *name;
	const char *category;
	json_object *evidence;
	int			nevidence;
} tech_out;

/*
 * Add evidence (file, ecosystem, match) to a technology, deduplicated.  The
 * file and the matched text come from the repository: compared and stored as
 * valid UTF-8.
 */
static void
tech_evidence(stack_scan *s, vec *techs, const stack_rule *r, const char *raw_file,
			  const char *ecosystem, const char *raw_match)
{
	tech_out   *t = NULL;
	json_object *e;
	char	   *file = utf8_text(raw_file);
	char	   *match = utf8_text(raw_match);

	if (!file || !match)
		goto done;

	for (size_t i = 0; i < techs->n; i++)
		if (strcmp(((tech_out *) techs->items)[i].name, r->technology) == 0)
			t = (tech_out *) techs->items + i;
	if (!t)
	{
		if ((t = vec_push(techs, sizeof(tech_out))) == NULL)
			goto done;
		t->name = r->technology;
		t->category = r->category;
		t->evidence = json_object_new_array();
		t->nevidence = 0;
	}
	for (size_t i = 0; i < json_object_array_length(t->evidence); i++)
	{
		json_object *o = json_object_array_get_idx(t->evidence, i);

		if (strcmp(json_object_get_string(json_object_object_get(o, "file")), file) == 0 &&
			strcmp(json_object_get_string(json_object_object_get(o, "ecosystem")), ecosystem) == 0 &&
			strcmp(json_object_get_string(json_object_object_get(o, "match")), match) == 0)
			goto done;
	}
	if (t->nevidence >= STACK_MAX_EVIDENCE)
	{
		s->truncated = 1;
		goto done;
	}
	e = json_object_new_object();
	json_object_object_add(e, "file", json_object_new_string(file));
	json_object_object_add(e, "ecosystem", json_object_new_string(ecosystem));
	json_object_object_add(e, "match", json_object_new_string(match));
	json_object_array_add(t->evidence, e);
	t->nevidence++;
done:
	free(file);
	free(match);
}

/* Match (ecosystem, name) against every rule; add evidence for each hit. */
static void
match_rules(stack_scan *s, vec *techs, const char *ecosystem, const char *name,
			const char *file, const char *shown)
{
	char		norm[512];

	normalise(ecosystem, name, norm, sizeof(norm));
	for (int i = 0; i < stack_nrules; i++)
	{
		const stack_rule *r = &stack_rules[i];

		if (strcmp(r->ecosystem, ecosystem) != 0)
			continue;
		if (strcmp(ecosystem, "file") == 0 ? presence_matches(r->pattern, name)
			: rule_matches(r, norm))
			tech_evidence(s, techs, r, file, ecosystem, shown);
	}
}

/* qsort() comparator: technologies by name, case-insensitively. */
static int
cmp_tech(const void *a, const void *b)
{
	return strcasecmp(((const tech_out *) a)->name, ((const tech_out *) b)->name);
}

/* A {"path": ..., key: ...} array from a note list. */
static json_object *
notes_json(const vec *v, const char *key)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < v->n; i++)
	{
		const stack_note *n = (const stack_note *) v->items + i;
		json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_utf8(n->path, NULL));
		json_object_object_add(o, key, json_utf8(n->text, NULL));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* See stack.h. */
json_object *
stack_scan_finish(stack_scan *s)
{
	json_object *root = json_object_new_object();
	json_object *deps = json_object_new_array();
	json_object *techs_json = json_object_new_array();
	vec			techs = {0};

	for (size_t i = 0; i < s->deps.n; i++)
	{
		const stack_dep *d = (const stack_dep *) s->deps.items + i;
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ecosystem", json_object_new_string(d->ecosystem));
		json_object_object_add(o, "name", json_utf8(d->name, NULL));
		json_object_object_add(o, "version", d->version ? json_utf8(d->version, NULL) : NULL);
		json_object_object_add(o, "scope", d->scope ? json_utf8(d->scope, NULL) : NULL);
		json_object_object_add(o, "manifest", json_utf8(d->manifest, NULL));
		json_object_array_add(deps, o);
		/* indirect (transitive) requirements are listed but are not evidence */
		if (!d->scope || strcmp(d->scope, "indirect") != 0)
			match_rules(s, &techs, d->ecosystem, d->name, d->manifest, d->name);
	}
	for (size_t i = 0; i < s->evid.n; i++)
	{
		const stack_evid *e = (const stack_evid *) s->evid.items + i;

		match_rules(s, &techs, e->ecosystem, e->key, e->file, e->match);
	}
	if (techs.n > 1)
		qsort(techs.items, techs.n, sizeof(tech_out), cmp_tech);
	for (size_t i = 0; i < techs.n; i++)
	{
		tech_out   *t = (tech_out *) techs.items + i;
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(t->name));
		json_object_object_add(o, "category", json_object_new_string(t->category));
		json_object_object_add(o, "evidence", t->evidence);
		json_object_array_add(techs_json, o);
	}
	free(techs.items);
	json_object_object_add(root, "manifests", notes_json(&s->manifests, "kind"));
	json_object_object_add(root, "dependencies", deps);
	json_object_object_add(root, "technologies", techs_json);
	json_object_object_add(root, "skipped", notes_json(&s->skipped, "reason"));
	json_object_object_add(root, "truncated", json_object_new_boolean(s->truncated));
	return root;
}

/* Free a note list. */
static void
free_notes(vec *v)
{
	for (size_t i = 0; i < v->n; i++)
	{
		free(((stack_note *) v->items)[i].path);
		free(((stack_note *) v->items)[i].text);
	}
	free(v->items);
}

/* See stack.h. */
void
stack_scan_free(stack_scan *s)
{
	if (!s)
		return;
	truncate_deps(s, 0);
	truncate_evid(s, 0);
	free(s->deps.items);
	free(s->evid.items);
	free_notes(&s->manifests);
	free_notes(&s->skipped);
	free(s);
}

/* See stack.h. */
int
stack_rule_technologies(void)
{
	int			n = 0;

	for (int i = 0; i < stack_nrules; i++)
	{
		int			seen = 0;

		for (int j = 0; j < i && !seen; j++)
			seen = strcmp(stack_rules[j].technology, stack_rules[i].technology) == 0;
		n += !seen;
	}
	return n;
}
