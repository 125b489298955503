/*
 * stack_manifests.c — one parser per manifest kind for the tech-stack scan.
 *
 * Every parser turns a manifest's text into dependencies (ecosystem, name,
 * version spec, scope) reported through stack_add_dep(), or fails with a
 * one-line message in p->err (stack.c then rolls the file back and lists it
 * as skipped).  Parsers never trust their input: lengths are explicit, the
 * text need not be NUL-terminated, and nothing is fetched from the network.
 *
 *   package.json, composer.json   json-c
 *   pom.xml, *.csproj             libxml2 (no network, no entity expansion)
 *   pubspec.yaml, compose files,  libyaml, loaded into json-c trees (aliases
 *   workflows, Kubernetes YAML    resolved within a node and byte budget)
 *   pyproject.toml, Pipfile,      toml_scan() below: NOT a TOML parser.  It
 *   Cargo.toml, Gradle version    reads table headers and `key = value`
 *   catalogs (libs.versions.toml)
 *                                 entries line by line (values may be
 *                                 multi-line arrays or strings), which is all
 *                                 the dependency sections need; Debian 12
 *                                 packages no C TOML library
 *   requirements*.txt, go.mod,    line scanners (setup.py: the literal lists
 *   setup.py, setup.cfg,          passed as install_requires & co. only)
 *   build.gradle(.kts), Gemfile,
 *   Dockerfile, *.tf
 */
#define _GNU_SOURCE
#include "stack_internal.h"
#include "glob.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaml.h>

/* ------------------------------------------------------------------ */
/* kinds                                                               */
/* ------------------------------------------------------------------ */

/* See stack_internal.h. */
const char *
manifest_kind_name(manifest_kind kind)
{
	switch (kind)
	{
		case MK_NONE:
			return "none";
		case MK_PACKAGE_JSON:
			return "package.json";
		case MK_REQUIREMENTS:
			return "requirements.txt";
		case MK_PYPROJECT:
			return "pyproject.toml";
		case MK_PIPFILE:
			return "Pipfile";
		case MK_SETUP_PY:
			return "setup.py";
		case MK_SETUP_CFG:
			return "setup.cfg";
		case MK_GO_MOD:
			return "go.mod";
		case MK_CARGO:
			return "Cargo.toml";
		case MK_POM:
			return "pom.xml";
		case MK_GRADLE:
			return "build.gradle";
		case MK_GRADLE_CATALOG:
			return "libs.versions.toml";
		case MK_GEMFILE:
			return "Gemfile";
		case MK_COMPOSER:
			return "composer.json";
		case MK_CSPROJ:
			return "csproj";
		case MK_PUBSPEC:
			return "pubspec.yaml";
		case MK_DOCKERFILE:
			return "Dockerfile";
		case MK_COMPOSE:
			return "docker-compose";
		case MK_TERRAFORM:
			return "terraform";
		case MK_WORKFLOW:
			return "github-actions";
		case MK_YAML:
			return "yaml";
	}
	return "?";
}

/* Does the base name match a glob, case-insensitively? */
static int
name_is(const char *name, const char *glob)
{
	return glob_match(glob, name, 0);
}

/* See stack_internal.h. */
manifest_kind
manifest_kind_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int			yaml = name_is(name, "*.yml") || name_is(name, "*.yaml");

	if (yaml && strncmp(path, ".github/workflows/", 18) == 0 && !strchr(path + 18, '/'))
		return MK_WORKFLOW;
	if (strcmp(name, "package.json") == 0)
		return MK_PACKAGE_JSON;
	if (name_is(name, "requirements*.txt") ||
		(name_is(name, "*.txt") && slash && slash - path >= 12 &&
		 strncmp(slash - 12, "requirements", 12) == 0 &&
		 (slash - path == 12 || slash[-13] == '/')))
		return MK_REQUIREMENTS;
	if (strcmp(name, "pyproject.toml") == 0)
		return MK_PYPROJECT;
	if (strcmp(name, "Pipfile") == 0)
		return MK_PIPFILE;
	if (strcmp(name, "setup.py") == 0)
		return MK_SETUP_PY;
	if (strcmp(name, "setup.cfg") == 0)
		return MK_SETUP_CFG;
	if (strcmp(name, "go.mod") == 0)
		return MK_GO_MOD;
	if (strcmp(name, "Cargo.toml") == 0)
		return MK_CARGO;
	if (strcmp(name, "pom.xml") == 0)
		return MK_POM;
	if (strcmp(name, "build.gradle") == 0 || strcmp(name, "build.gradle.kts") == 0)
		return MK_GRADLE;
	if (name_is(name, "*.versions.toml") && slash && slash - path >= 6 &&
		strncmp(slash - 6, "gradle", 6) == 0 && (slash - path == 6 || slash[-7] == '/'))
		return MK_GRADLE_CATALOG;
	if (strcmp(name, "Gemfile") == 0)
		return MK_GEMFILE;
	if (strcmp(name, "composer.json") == 0)
		return MK_COMPOSER;
	if (name_is(name, "*.csproj") || name_is(name, "*.fsproj") || name_is(name, "*.vbproj"))
		return MK_CSPROJ;
	if (strcmp(name, "pubspec.yaml") == 0)
		return MK_PUBSPEC;
	if (name_is(name, "Dockerfile") || name_is(name, "Dockerfile.*") ||
		name_is(name, "*.Dockerfile") || name_is(name, "Containerfile"))
		return MK_DOCKERFILE;
	if (yaml && (name_is(name, "docker-compose*") || name_is(name, "compose.y*ml") ||
				 name_is(name, "compose.*.y*ml")))
		return MK_COMPOSE;
	if (name_is(name, "*.tf"))
		return MK_TERRAFORM;
	if (yaml)
		return MK_YAML;
	return MK_NONE;
}

/* Write a formatted message into p->err and return -1. */
static int
fail(stack_parse *p, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Does the text contain a NUL byte (a binary file posing as a manifest)? */
static int
has_nul(const char *text, size_t len)
{
	return memchr(text, '\0', len) != NULL;
}

/* ------------------------------------------------------------------ */
/* line helpers                                                        */
/* ------------------------------------------------------------------ */

/* A line iterator over (text, len). */
typedef struct line_iter
{
	const char *text;
	size_t		len;
	size_t		pos;
	int			lineno;
} line_iter;

/* Next line (without its "\n" or "\r\n") into buf; 0 at the end. */
static int
next_line(line_iter *it, char *buf, size_t bufsz)
{
	size_t		start,
				end,
				n;

	if (it->pos >= it->len)
		return 0;
	start = it->pos;
	end = start;
	while (end < it->len && it->text[end] != '\n')
		end++;
	it->pos = end < it->len ? end + 1 : end;
	if (end > start && it->text[end - 1] == '\r')
		end--;
	n = end - start < bufsz - 1 ? end - start : bufsz - 1;
	memcpy(buf, it->text + start, n);
	buf[n] = '\0';
	it->lineno++;
	return 1;
}

/* Strip leading and trailing blanks in place; returns the new start. */
static char *
trim(char *s)
{
	char	   *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char) e[-1]))
		*--e = '\0';
	return s;
}

/* Copy the first quoted ('...' or "...") string at or after s into out. */
static const char *
quoted(const char *s, char *out, size_t outsz)
{
	const char *q = s;
	char		quote;
	size_t		o = 0;

	while (*q && *q != '"' && *q != '\'')
		q++;
	if (!*q)
		return NULL;
	quote = *q++;
	while (*q && *q != quote)
	{
		if (*q == '\\' && q[1])
			q++;
		if (o + 1 < outsz)
			out[o++] = *q;
		q++;
	}
	if (*q != quote)
		return NULL;
	out[o] = '\0';
	return q + 1;
}

static int	split_coordinate(const char *s, char *ga, size_t gasz, char *ver, size_t versz);

/* ------------------------------------------------------------------ */
/* PEP 508 requirement strings (requirements.txt and pyproject.toml)    */
/* ------------------------------------------------------------------ */

/* Is c allowed in a Python distribution name? */
static int
pyname_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

/*
 * Report the dependency in a PEP 508 string ("flask[async]>=2 ; python_version
 * > '3.8'"); returns 0, or -1 when it does not start with a name.
 */
static int
add_pep508(stack_parse *p, const char *req, const char *scope)
{
	const char *s = req,
			   *name,
			   *e;
	char		version[128];
	size_t		o = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	name = s;
	while (pyname_char((unsigned char) *s))
		s++;
	if (s == name)
		return -1;
	e = s;
	while (*s == ' ')
		s++;
	if (*s == '[')
	{
		while (*s && *s != ']')
			s++;
		if (*s == ']')
			s++;
	}
	/* version spec up to a marker or comment, blanks removed */
	for (; *s && *s != ';' && *s != '#' && o + 1 < sizeof(version); s++)
		if (!isspace((unsigned char) *s) && *s != '(' && *s != ')' && *s != '\\')
			version[o++] = *s;
	version[o] = '\0';
	if (version[0] == '@')
		version[0] = '\0';		/* direct URL reference */
	stack_add_depn(p, "pypi", name, (size_t) (e - name), version, scope);
	return 0;
}

/* requirements*.txt: one PEP 508 requirement per line, pip options skipped. */
static int
parse_requirements(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[4096];

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		char	   *l = trim(buf);
		char	   *hash;

		if (*l == '\0' || *l == '#' || *l == '-')
			continue;			/* blank, comment, or pip option (-r, -e, --hash) */
		if ((hash = strstr(l, " #")) != NULL)
			*hash = '\0';
		if (strstr(l, "://"))
		{
			/* a URL requirement: only "#egg=name" names a package */
			char	   *egg = strstr(l, "#egg=");

			if (egg)
			{
				char	   *e = egg + 5;

				while (pyname_char((unsigned char) *e))
					e++;
				stack_add_depn(p, "pypi", egg + 5, (size_t) (e - egg - 5), NULL, "runtime");
			}
			continue;
		}
		if (add_pep508(p, l, "runtime") != 0)
			return fail(p, "line %d: cannot read a requirement from \"%.40s\"", it.lineno, l);
	}
	return 0;
}

/* Scope of a setuptools requirement keyword, or NULL when it is not one. */
static const char *
setup_keyword_scope(const char *key, size_t len)
{
	if (len == 16 && strncmp(key, "install_requires", len) == 0)
		return "runtime";
	if (len == 14 && strncmp(key, "extras_require", len) == 0)
		return "optional";
	if ((len == 13 && strncmp(key, "tests_require", len) == 0) ||
		(len == 14 && strncmp(key, "setup_requires", len) == 0))
		return "dev";
	return NULL;
}

/*
 * setup.py: the string literals of the list (or dict of lists) given to
 * install_requires=, extras_require=, tests_require= and setup_requires=.
 * Requirements built at run time (variables, file reads) are not seen.
 */
static int
parse_setup_py(stack_parse *p, const char *text, size_t len)
{
	size_t		i = 0;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (i < len)
	{
		size_t		start,
					depth = 0;
		const char *scope;
		char		str[512];
		size_t		o;

		/* find the next identifier followed by '=' */
		if (!(isalpha((unsigned char) text[i]) || text[i] == '_'))
		{
			i++;
			continue;
		}
		start = i;
		while (i < len && (isalnum((unsigned char) text[i]) || text[i] == '_'))
			i++;
		scope = setup_keyword_scope(text + start, i - start);
		if (!scope)
			continue;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i >= len || text[i] != '=' || (i + 1 < len && text[i + 1] == '='))
			continue;
		i++;
		while (i < len && isspace((unsigned char) text[i]))
			i++;
		if (i >= len || (text[i] != '[' && text[i] != '{' && text[i] != '('))
			continue;			/* a variable: not followed */
		/* walk the literal, reporting list strings (not dict keys) */
		do
		{
			char		c = text[i];

			if (c == '[' || c == '{' || c == '(')
				depth++;
			else if (c == ']' || c == '}' || c == ')')
				depth--;
			else if (c == '#')
				while (i < len && text[i] != '\n')
					i++;
			else if (c == '"' || c == '\'')
			{
				size_t		j = i + 1;
				int			is_key;

				o = 0;
				while (j < len && text[j] != c && text[j] != '\n')
				{
					if (o + 1 < sizeof(str))
						str[o++] = text[j];
					j++;
				}
				if (j >= len || text[j] != c)
					return fail(p, "unterminated string in %.*s", (int) (i - start), text + start);
				str[o] = '\0';
				i = j;
				/* a dict key is followed by ':' */
				while (j + 1 < len && (text[j + 1] == ' ' || text[j + 1] == '\t'))
					j++;
				is_key = j + 1 < len && text[j + 1] == ':';
				if (!is_key)
					add_pep508(p, str, scope);
			}
			i++;
		} while (i < len && depth > 0);
		if (depth > 0)
			return fail(p, "unterminated %.*s list", (int) strcspn(text + start, " \t="),
						text + start);
	}
	return 0;
}

/* setup.cfg: [options] install_requires etc. and [options.extras_require]. */
static int
parse_setup_cfg(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[2048];
	char		section[128] = "";
	const char *scope = NULL;	/* set while reading a requirement list */

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		int			indented = buf[0] == ' ' || buf[0] == '\t';
		char	   *l = trim(buf);
		char	   *eq;

		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (indented && scope)
		{
			add_pep508(p, l, scope);
			continue;
		}
		scope = NULL;
		if (*l == '[')
		{
			char	   *e = strchr(l, ']');

			if (!e)
				return fail(p, "line %d: unterminated section header", it.lineno);
			*e = '\0';
			snprintf(section, sizeof(section), "%s", l + 1);
			continue;
		}
		if ((eq = strpbrk(l, "=:")) == NULL)
			continue;
		*eq = '\0';
		{
			char	   *key = trim(l),
					   *val = trim(eq + 1);

			if (strcmp(section, "options.extras_require") == 0)
				scope = "optional";
			else if (strcmp(section, "options") == 0)
				scope = setup_keyword_scope(key, strlen(key));
			if (scope && *val)
				add_pep508(p, val, scope);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* toml_scan: line-oriented reader for TOML dependency tables          */
/* ------------------------------------------------------------------ */

/* Called for every header (key == NULL) and every key = value entry. */
typedef int (*toml_visit) (stack_parse *p, const char *table, const char *key,
						   const char *value, int lineno, void *arg);

/*
 * Scan TOML text: table headers ("[a.b]", "[[a]]", quoted parts kept) and
 * key = value entries.  Values that open an array or inline table continue
 * until the brackets balance (outside strings and comments); multi-line
 * strings are skipped.  Not a general TOML parser: dotted keys, dates and
 * escapes beyond \" and \\ are passed through as raw text.
 */
static int
toml_scan(stack_parse *p, const char *text, size_t len, toml_visit visit, void *arg)
{
	line_iter	it = {text, len, 0, 0};
	char		line[4096];
	char		table[512] = "";
	char	   *value = NULL;
	size_t		vlen = 0,
				vcap = 0;
	int			rc = 0;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (rc == 0 && next_line(&it, line, sizeof(line)))
	{
		char	   *l = trim(line);
		char	   *eq,
				   *v;
		char		key[256];
		int			depth = 0,
					start = it.lineno;
		char		inq = 0;

		if (*l == '\0' || *l == '#')
			continue;
		if (*l == '[')
		{
			/* table header; a closing bracket outside quotes ends it */
			int			dbl = l[1] == '[';
			char	   *s = l + (dbl ? 2 : 1),
					   *e;
			char		q = 0;

			for (e = s; *e && (q || *e != ']'); e++)
				if (q ? *e == q : (*e == '"' || *e == '\''))
					q = q ? 0 : *e;
			if (*e != ']' || (dbl && e[1] != ']'))
			{
				rc = fail(p, "line %d: unterminated table header", it.lineno);
				break;
			}
			*e = '\0';
			snprintf(table, sizeof(table), "%s", trim(s));
			/* drop blanks around dots: [ tool . poetry ] */
			rc = visit(p, table, NULL, NULL, it.lineno, arg);
			continue;
		}
		/* key = value */
		eq = NULL;
		for (char *c = l; *c; c++)
		{
			if (inq)
			{
				if (*c == inq)
					inq = 0;
			}
			else if (*c == '"' || *c == '\'')
				inq = *c;
			else if (*c == '=')
			{
				eq = c;
				break;
			}
		}
		if (!eq)
		{
			rc = fail(p, "line %d: expected \"key = value\"", it.lineno);
			break;
		}
		*eq = '\0';
		{
			char	   *k = trim(l);
			size_t		kl = strlen(k);

			if (kl >= 2 && (k[0] == '"' || k[0] == '\'') && k[kl - 1] == k[0])
			{
				k[kl - 1] = '\0';
				k++;
			}
			snprintf(key, sizeof(key), "%s", k);
		}
		v = trim(eq + 1);
		vlen = 0;
		/* gather the value, continuing lines while brackets are open */
		for (;;)
		{
			size_t		add = strlen(v);
			char	   *c;

			if (vlen + add + 2 > vcap)
			{
				size_t		cap = (vlen + add + 2) * 2;
				char	   *nv = realloc(value, cap);

				if (!nv)
				{
					rc = fail(p, "out of memory");
					break;
				}
				value = nv;
				vcap = cap;
			}
			if (strncmp(v, "\"\"\"", 3) == 0 || strncmp(v, "'''", 3) == 0)
			{
				/* multi-line string: skip to its closing delimiter */
				char		delim[4];
				int			closed;

				memcpy(delim, v, 3);
				delim[3] = '\0';
				closed = strstr(v + 3, delim) != NULL;

				while (!closed && next_line(&it, line, sizeof(line)))
					closed = strstr(line, delim) != NULL;
				if (!closed)
					rc = fail(p, "line %d: unterminated multi-line string", start);
				memcpy(value, "\"\"", 3);
				vlen = 2;
				break;
			}
			memcpy(value + vlen, v, add);
			value[vlen + add] = ' ';
			vlen += add + 1;
			value[vlen] = '\0';
			inq = 0;
			for (c = v; *c; c++)
			{
				if (inq)
				{
					if (*c == '\\' && inq == '"' && c[1])
						c++;
					else if (*c == inq)
						inq = 0;
				}
				else if (*c == '"' || *c == '\'')
					inq = *c;
				else if (*c == '#')
				{
					/* comment: cut it from the gathered value */
					vlen -= strlen(c) + 1;
					value[vlen++] = ' ';
					value[vlen] = '\0';
					break;
				}
				else if (*c == '[' || *c == '{')
					depth++;
				else if (*c == ']' || *c == '}')
					depth--;
			}
			if (inq)
			{
				rc = fail(p, "line %d: unterminated string", it.lineno);
				break;
			}
			if (depth <= 0)
				break;
			if (!next_line(&it, line, sizeof(line)))
			{
				rc = fail(p, "line %d: unterminated array or inline table", start);
				break;
			}
			v = trim(line);
		}
		if (rc == 0)
			rc = visit(p, table, key, trim(value), start, arg);
	}
	free(value);
	return rc;
}

/* The string a TOML value starts with ("1.0" or '1.0'), into out; 0 if none. */
static int
toml_string(const char *value, char *out, size_t outsz)
{
	while (*value == ' ')
		value++;
	if (*value != '"' && *value != '\'')
		return 0;
	return quoted(value, out, outsz) != NULL;
}

/* In an inline table "{ version = "1", ... }", the string value of key. */
static int
toml_inline_get(const char *value, const char *key, char *out, size_t outsz)
{
	size_t		kl = strlen(key);
	char		inq = 0;

	if (*value != '{')
		return 0;
	for (const char *c = value + 1; *c; c++)
	{
		if (inq)
		{
			if (*c == inq)
				inq = 0;
			continue;
		}
		if (*c == '"' || *c == '\'')
		{
			inq = *c;
			continue;
		}
		if ((c[-1] == '{' || c[-1] == ',' || c[-1] == ' ') && strncmp(c, key, kl) == 0)
		{
			const char *e = c + kl;

			while (*e == ' ')
				e++;
			if (*e == '=')
				return toml_string(e + 1, out, outsz);
		}
	}
	return 0;
}

/* Call fn for every string in a TOML array value. */
static int
toml_array_strings(stack_parse *p, const char *value, const char *scope,
				   int (*fn) (stack_parse *, const char *, const char *))
{
	const char *c = value;
	char		s[1024];

	if (*c != '[')
		return 0;
	c++;
	while (*c)
	{
		if (*c == '"' || *c == '\'')
		{
			const char *next = quoted(c, s, sizeof(s));

			if (!next)
				return -1;
			if (fn(p, s, scope) != 0)
				return -1;
			c = next;
		}
		else if (*c == '{')
		{
			/* inline table inside the array (PEP 735 include-group): skip */
			while (*c && *c != '}')
				c++;
		}
		else
			c++;
	}
	return 0;
}

/* Report a name = "spec" | { version = "spec" } entry. */
static void
toml_name_entry(stack_parse *p, const char *ecosystem, const char *key,
				const char *value, const char *scope)
{
	char		version[256] = "";
	char		pkg[256];

	if (!toml_string(value, version, sizeof(version)))
		toml_inline_get(value, "version", version, sizeof(version));
	if (toml_inline_get(value, "package", pkg, sizeof(pkg)))
		key = pkg;				/* Cargo renamed dependency */
	stack_add_dep(p, ecosystem, key, version, scope);
}

/* pyproject.toml visitor. */
static int
visit_pyproject(stack_parse *p, const char *table, const char *key,
				const char *value, int lineno, void *arg)
{
	(void) arg;
	if (!key)
	{
		/* [tool.X...] names a tool configured here */
		if (strncmp(table, "tool.", 5) == 0)
		{
			char		tool[128];
			size_t		n = strcspn(table + 5, ".");

			snprintf(tool, sizeof(tool), "%.*s", (int) n, table + 5);
			stack_add_evidence(p, "pyproject-tool", tool, table);
		}
		return 0;
	}
	if (strcmp(table, "project") == 0 && strcmp(key, "dependencies") == 0)
	{
		if (toml_array_strings(p, value, "runtime", add_pep508) != 0)
			return fail(p, "line %d: bad [project] dependencies", lineno);
	}
	else if (strcmp(table, "project.optional-dependencies") == 0 ||
			 strcmp(table, "dependency-groups") == 0)
	{
		if (toml_array_strings(p, value, "optional", add_pep508) != 0)
			return fail(p, "line %d: bad dependency list \"%s\"", lineno, key);
	}
	else if (strcmp(table, "build-system") == 0 && strcmp(key, "requires") == 0)
	{
		if (toml_array_strings(p, value, "build", add_pep508) != 0)
			return fail(p, "line %d: bad [build-system] requires", lineno);
	}
	else if (strcmp(table, "tool.poetry.dependencies") == 0)
	{
		if (strcmp(key, "python") != 0)
			toml_name_entry(p, "pypi", key, value, "runtime");
	}
	else if (strcmp(table, "tool.poetry.dev-dependencies") == 0 ||
			 (strncmp(table, "tool.poetry.group.", 18) == 0 &&
			  strlen(table) > 13 && strcmp(table + strlen(table) - 13, ".dependencies") == 0))
		toml_name_entry(p, "pypi", key, value, "dev");
	return 0;
}

/* Pipfile visitor: [packages] and [dev-packages]. */
static int
visit_pipfile(stack_parse *p, const char *table, const char *key,
			  const char *value, int lineno, void *arg)
{
	(void) lineno;
	(void) arg;
	if (!key)
		return 0;
	if (strcmp(table, "packages") == 0)
		toml_name_entry(p, "pypi", key, value, "runtime");
	else if (strcmp(table, "dev-packages") == 0)
		toml_name_entry(p, "pypi", key, value, "dev");
	return 0;
}

/* Pending [dependencies.NAME] sub-table of a Cargo.toml. */
typedef struct cargo_state
{
	char		name[256];
	char		version[256];
	const char *scope;
} cargo_state;

/* Scope of a Cargo dependency table name, or NULL when it is not one. */
static const char *
cargo_scope(const char *table, const char **rest)
{
	static const struct
	{
		const char *suffix;
		const char *scope;
	}			kinds[] = {
		{"dependencies", "runtime"}, {"dev-dependencies", "dev"}, {"build-dependencies", "build"},
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
	{
		const char *k = kinds[i].suffix;
		size_t		kl = strlen(k);
		const char *hit = NULL;

		/* table is "<k>", "<...>.<k>", "<k>.<name>" or "<...>.<k>.<name>" */
		for (const char *c = table; (c = strstr(c, k)) != NULL; c += kl)
			if ((c == table || c[-1] == '.') && (c[kl] == '\0' || c[kl] == '.'))
				hit = c;
		if (hit)
		{
			*rest = hit[kl] == '.' ? hit + kl + 1 : NULL;
			return kinds[i].scope;
		}
	}
	return NULL;
}

/* Cargo.toml visitor. */
static int
visit_cargo(stack_parse *p, const char *table, const char *key,
			const char *value, int lineno, void *arg)
{
	cargo_state *st = arg;
	const char *sub = NULL;
	const char *scope = cargo_scope(table, &sub);

	(void) lineno;
	if (!key)
	{
		/* a new table: flush a pending [dependencies.NAME] */
		if (st->name[0])
			stack_add_dep(p, "cargo", st->name, st->version, st->scope);
		st->name[0] = st->version[0] = '\0';
		if (scope && sub && *sub)
		{
			snprintf(st->name, sizeof(st->name), "%s", sub);
			st->scope = scope;
		}
		return 0;
	}
	if (st->name[0])
	{
		if (strcmp(key, "version") == 0)
			toml_string(value, st->version, sizeof(st->version));
		else if (strcmp(key, "package") == 0)
			toml_string(value, st->name, sizeof(st->name));
		return 0;
	}
	if (scope && !sub)
		toml_name_entry(p, "cargo", key, value, scope);
	return 0;
}

/* [versions] of a Gradle version catalog, for version.ref lookups. */
typedef struct catalog_state
{
	char		name[64][64];
	char		value[64][64];
	int			n;
} catalog_state;

/* The version an inline table gives directly or through version.ref. */
static void
catalog_version(const catalog_state *st, const char *value, char *out, size_t outsz)
{
	char		ref[64];

	out[0] = '\0';
	if (toml_inline_get(value, "version", out, outsz))
		return;
	if (toml_inline_get(value, "version.ref", ref, sizeof(ref)))
		for (int i = 0; i < st->n; i++)
			if (strcmp(st->name[i], ref) == 0)
				snprintf(out, outsz, "%s", st->value[i]);
}

/* gradle/libs.versions.toml visitor: [versions], [libraries], [plugins]. */
static int
visit_catalog(stack_parse *p, const char *table, const char *key,
			  const char *value, int lineno, void *arg)
{
	catalog_state *st = arg;
	char		coord[512],
				ver[128],
				g[256],
				a[256];

	(void) lineno;
	if (!key)
		return 0;
	if (strcmp(table, "versions") == 0)
	{
		if (st->n < 64 && toml_string(value, st->value[st->n], sizeof(st->value[0])))
			snprintf(st->name[st->n++], sizeof(st->name[0]), "%s", key);
	}
	else if (strcmp(table, "libraries") == 0)
	{
		if (toml_string(value, coord, sizeof(coord)))
		{
			/* "group:artifact:version" */
			char		ga[512];

			if (split_coordinate(coord, ga, sizeof(ga), ver, sizeof(ver)))
				stack_add_dep(p, "maven", ga, ver, "runtime");
			return 0;
		}
		catalog_version(st, value, ver, sizeof(ver));
		if (toml_inline_get(value, "module", coord, sizeof(coord)))
			stack_add_dep(p, "maven", coord, ver, "runtime");
		else if (toml_inline_get(value, "group", g, sizeof(g)) &&
				 toml_inline_get(value, "name", a, sizeof(a)))
		{
			snprintf(coord, sizeof(coord), "%s:%s", g, a);
			stack_add_dep(p, "maven", coord, ver, "runtime");
		}
	}
	else if (strcmp(table, "plugins") == 0)
	{
		if (toml_string(value, coord, sizeof(coord)))
		{
			/* "plugin.id:version" */
			char	   *colon = strchr(coord, ':');

			if (colon)
				*colon = '\0';
			stack_add_dep(p, "gradle-plugin", coord, colon ? colon + 1 : NULL, "build");
		}
		else if (toml_inline_get(value, "id", coord, sizeof(coord)))
		{
			catalog_version(st, value, ver, sizeof(ver));
			stack_add_dep(p, "gradle-plugin", coord, ver, "build");
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* JSON manifests                                                      */
/* ------------------------------------------------------------------ */

/* Parse JSON text into *out (an object); -1 with p->err on error. */
static int
parse_json_object(stack_parse *p, const char *text, size_t len, json_object **out)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;
	size_t		end;

	if (len > 0x7fffffff)
		return fail(p, "too large");
	tok = json_tokener_new();
	if (!tok)
		return fail(p, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int) len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success)
	{
		json_object_put(obj);
		return fail(p, "JSON error at byte %zu: %s", end,
					jerr == json_tokener_continue || jerr == json_tokener_success ?
					"unexpected end of data" : json_tokener_error_desc(jerr));
	}
	for (; end < len; end++)
		if (!isspace((unsigned char) text[end]))
		{
			json_object_put(obj);
			return fail(p, "JSON error at byte %zu: trailing data", end);
		}
	if (!json_object_is_type(obj, json_type_object))
	{
		json_object_put(obj);
		return fail(p, "top level is not a JSON object");
	}
	*out = obj;
	return 0;
}

/* Report every "name": "version" member of obj[section]. */
static void
json_deps_section(stack_parse *p, json_object *obj, const char *section,
				  const char *ecosystem, const char *scope)
{
	json_object *sec;

	if (!json_object_object_get_ex(obj, section, &sec) ||
		!json_object_is_type(sec, json_type_object))
		return;
	json_object_object_foreach(sec, name, val)
	{
		const char *v = json_object_is_type(val, json_type_string) ?
			json_object_get_string(val) : NULL;

		if (strcmp(ecosystem, "packagist") == 0 && strncmp(name, "ext-", 4) == 0)
			continue;			/* PHP extensions are not packages */
		stack_add_dep(p, ecosystem, name, v, scope);
	}
}

/* package.json: (dev|peer|optional)Dependencies and packageManager. */
static int
parse_package_json(stack_parse *p, const char *text, size_t len)
{
	json_object *obj,
			   *pm;

	if (parse_json_object(p, text, len, &obj) != 0)
		return -1;
	json_deps_section(p, obj, "dependencies", "npm", "runtime");
	json_deps_section(p, obj, "devDependencies", "npm", "dev");
	json_deps_section(p, obj, "peerDependencies", "npm", "peer");
	json_deps_section(p, obj, "optionalDependencies", "npm", "optional");
	if (json_object_object_get_ex(obj, "packageManager", &pm) &&
		json_object_is_type(pm, json_type_string))
	{
		char		tool[64];
		const char *s = json_object_get_string(pm);

		snprintf(tool, sizeof(tool), "%.*s", (int) strcspn(s, "@"), s);
		stack_add_evidence(p, "package-manager", tool, s);
	}
	json_object_put(obj);
	return 0;
}

/* composer.json: require and require-dev. */
static int
parse_composer(stack_parse *p, const char *text, size_t len)
{
	json_object *obj;

	if (parse_json_object(p, text, len, &obj) != 0)
		return -1;
	json_deps_section(p, obj, "require", "packagist", "runtime");
	json_deps_section(p, obj, "require-dev", "packagist", "dev");
	json_object_put(obj);
	return 0;
}

/* ------------------------------------------------------------------ */
/* go.mod                                                              */
/* ------------------------------------------------------------------ */

/* Report one "path version [// indirect]" requirement. */
static int
gomod_require(stack_parse *p, char *spec, int lineno)
{
	char	   *save = NULL;
	char	   *indirect = strstr(spec, "// indirect");
	char	   *comment = strstr(spec, "//");
	char	   *mod,
			   *ver;

	if (comment)
		*comment = '\0';
	mod = strtok_r(spec, " \t", &save);
	ver = mod ? strtok_r(NULL, " \t", &save) : NULL;
	if (!mod || !ver)
		return fail(p, "line %d: malformed require", lineno);
	stack_add_dep(p, "go", mod, ver, indirect ? "indirect" : "runtime");
	return 0;
}

/* go.mod: require lines and blocks; replace/exclude/retract blocks skipped. */
static int
parse_go_mod(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[2048];
	int			block = 0;		/* 0 none, 1 require, 2 other */
	int			block_line = 0,
				saw_module = 0;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		char	   *l = trim(buf);

		if (*l == '\0' || strncmp(l, "//", 2) == 0)
			continue;
		if (block)
		{
			if (*l == ')')
				block = 0;
			else if (block == 1 && gomod_require(p, l, it.lineno) != 0)
				return -1;
			continue;
		}
		if (strncmp(l, "module ", 7) == 0 || strncmp(l, "module\t", 7) == 0)
			saw_module = 1;
		else if (strncmp(l, "require", 7) == 0 && (l[7] == ' ' || l[7] == '\t' || l[7] == '('))
		{
			char	   *r = trim(l + 7);

			if (*r == '(')
			{
				block = 1;
				block_line = it.lineno;
			}
			else if (gomod_require(p, r, it.lineno) != 0)
				return -1;
		}
		else if (strchr(l, '(') && !strchr(l, ')'))
		{
			block = 2;
			block_line = it.lineno;
		}
	}
	if (block)
		return fail(p, "line %d: block not closed with \")\"", block_line);
	if (!saw_module)
		return fail(p, "no module directive");
	return 0;
}

/* ------------------------------------------------------------------ */
/* XML: pom.xml and *.csproj                                           */
/* ------------------------------------------------------------------ */

/* Parse XML text without network access or entity expansion. */
static xmlDocPtr
parse_xml(stack_parse *p, const char *text, size_t len)
{
	xmlDocPtr	doc;

	if (len > 0x7fffffff)
	{
		fail(p, "too large");
		return NULL;
	}
	xmlResetLastError();
	doc = xmlReadMemory(text, (int) len, p->path, NULL,
						XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
	{
		const xmlError *e = xmlGetLastError();
		char		msg[200];

		snprintf(msg, sizeof(msg), "%s", e && e->message ? e->message : "parse error");
		msg[strcspn(msg, "\n")] = '\0';
		fail(p, "XML error at line %d: %s", e ? e->line : 0, msg);
	}
	return doc;
}

/* Text of the first child element named name, or NULL (free with xmlFree). */
static xmlChar *
child_text(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr c = node->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
			return xmlNodeGetContent(c);
	return NULL;
}

/* Walk a POM: every dependency, parent, plugin and extension element. */
static void
pom_walk(stack_parse *p, xmlNodePtr node)
{
	for (xmlNodePtr n = node; n; n = n->next)
	{
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "dependency") == 0 ||
			xmlStrcmp(n->name, BAD_CAST "parent") == 0 ||
			xmlStrcmp(n->name, BAD_CAST "plugin") == 0 ||
			xmlStrcmp(n->name, BAD_CAST "extension") == 0)
		{
			xmlChar    *g = child_text(n, "groupId");
			xmlChar    *a = child_text(n, "artifactId");
			xmlChar    *v = child_text(n, "version");
			xmlChar    *sc = child_text(n, "scope");

			if (a)
			{
				char		coord[512];
				const char *scope = "runtime";

				if (xmlStrcmp(n->name, BAD_CAST "parent") == 0)
					scope = "parent";
				else if (xmlStrcmp(n->name, BAD_CAST "dependency") != 0)
					scope = "build";
				else if (sc && xmlStrcmp(sc, BAD_CAST "test") == 0)
					scope = "test";
				snprintf(coord, sizeof(coord), "%s:%s",
						 g ? (const char *) g : "org.apache.maven.plugins", (const char *) a);
				stack_add_dep(p, "maven", trim(coord), v ? (const char *) v : NULL, scope);
			}
			xmlFree(g);
			xmlFree(a);
			xmlFree(v);
			xmlFree(sc);
			continue;
		}
		pom_walk(p, n->children);
	}
}

/* pom.xml. */
static int
parse_pom(stack_parse *p, const char *text, size_t len)
{
	xmlDocPtr	doc = parse_xml(p, text, len);
	xmlNodePtr	root;

	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "project") != 0)
	{
		xmlFreeDoc(doc);
		return fail(p, "root element is not <project>");
	}
	pom_walk(p, root->children);
	xmlFreeDoc(doc);
	return 0;
}

/* Walk a project file: PackageReference and Sdk elements. */
static void
csproj_walk(stack_parse *p, xmlNodePtr node)
{
	for (xmlNodePtr n = node; n; n = n->next)
	{
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrcmp(n->name, BAD_CAST "PackageReference") == 0)
		{
			xmlChar    *inc = xmlGetProp(n, BAD_CAST "Include");
			xmlChar    *ver = xmlGetProp(n, BAD_CAST "Version");

			if (!inc)
				inc = xmlGetProp(n, BAD_CAST "Update");
			if (!ver)
				ver = child_text(n, "Version");
			if (inc)
				stack_add_dep(p, "nuget", (const char *) inc, (const char *) ver, "runtime");
			xmlFree(inc);
			xmlFree(ver);
		}
		else if (xmlStrcmp(n->name, BAD_CAST "Sdk") == 0)
		{
			xmlChar    *name = xmlGetProp(n, BAD_CAST "Name");

			if (name)
				stack_add_dep(p, "dotnet-sdk", (const char *) name, NULL, "build");
			xmlFree(name);
		}
		csproj_walk(p, n->children);
	}
}

/* *.csproj / *.fsproj / *.vbproj. */
static int
parse_csproj(stack_parse *p, const char *text, size_t len)
{
	xmlDocPtr	doc = parse_xml(p, text, len);
	xmlNodePtr	root;
	xmlChar    *sdk;

	if (!doc)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (!root || xmlStrcmp(root->name, BAD_CAST "Project") != 0)
	{
		xmlFreeDoc(doc);
		return fail(p, "root element is not <Project>");
	}
	if ((sdk = xmlGetProp(root, BAD_CAST "Sdk")) != NULL)
	{
		char		name[256];

		/* "Microsoft.NET.Sdk.Web" or "Name/version" */
		snprintf(name, sizeof(name), "%.*s", (int) strcspn((char *) sdk, "/"), (char *) sdk);
		stack_add_dep(p, "dotnet-sdk", name, strchr((char *) sdk, '/') ?
					  strchr((char *) sdk, '/') + 1 : NULL, "build");
		xmlFree(sdk);
	}
	csproj_walk(p, root->children);
	xmlFreeDoc(doc);
	return 0;
}

/* ------------------------------------------------------------------ */
/* YAML (libyaml → json-c)                                             */
/* ------------------------------------------------------------------ */

/*
 * Aliases make a YAML file's tree far larger than the file: the budget counts
 * what the conversion creates, both nodes and bytes (every copy of a scalar
 * and of a key, plus about what json-c allocates for each string, array and
 * object), and allows 8 MiB plus 32 bytes per byte of the file, so a few
 * kilobytes of nested aliases cannot take more than a few megabytes, and a
 * 1 MiB manifest without aliases stays well inside it.
 */
#define YAML_NODE_BUDGET 200000
#define YAML_BYTE_BUDGET(len) ((8L << 20) + 32L * (long) (len))
#define YAML_SCALAR_COST 64
#define YAML_SEQUENCE_COST 384
#define YAML_MAPPING_COST 1024
#define YAML_MAX_DEPTH 64

/* What a YAML conversion may still create. */
typedef struct yaml_budget
{
	long		nodes;
	long		bytes;
} yaml_budget;

/* Take one node costing cost + len bytes from the budget; false once it is exhausted. */
static bool
yaml_spend(yaml_budget *b, long cost, size_t len)
{
	b->nodes--;
	b->bytes -= cost + (long) (len > (size_t) LONG_MAX / 4 ? LONG_MAX / 4 : len);
	return b->nodes >= 0 && b->bytes >= 0;
}

/* True once a conversion ran out of budget. */
static bool
yaml_exhausted(const yaml_budget *b)
{
	return b->nodes < 0 || b->bytes < 0;
}

/* Convert a YAML node to json-c (scalars become strings); NULL on error. */
static json_object *
yaml_node_json(yaml_document_t *doc, yaml_node_t *node, int depth, yaml_budget *budget)
{
	json_object *o;

	if (!node || depth > YAML_MAX_DEPTH ||
		!yaml_spend(budget, node->type == YAML_MAPPING_NODE ? YAML_MAPPING_COST :
					node->type == YAML_SEQUENCE_NODE ? YAML_SEQUENCE_COST : YAML_SCALAR_COST,
					node->type == YAML_SCALAR_NODE ? node->data.scalar.length : 0))
		return NULL;
	switch (node->type)
	{
		case YAML_SCALAR_NODE:
			return json_object_new_string_len((const char *) node->data.scalar.value,
											  (int) node->data.scalar.length);
		case YAML_SEQUENCE_NODE:
			o = json_object_new_array();
			for (yaml_node_item_t *i = node->data.sequence.items.start;
				 i < node->data.sequence.items.top; i++)
			{
				json_object *v = yaml_node_json(doc, yaml_document_get_node(doc, *i), depth + 1, budget);

				if (!v && yaml_exhausted(budget))
				{
					json_object_put(o);
					return NULL;
				}
				json_object_array_add(o, v);
			}
			return o;
		case YAML_MAPPING_NODE:
			o = json_object_new_object();
			for (yaml_node_pair_t *pr = node->data.mapping.pairs.start;
				 pr < node->data.mapping.pairs.top; pr++)
			{
				yaml_node_t *k = yaml_document_get_node(doc, pr->key);
				json_object *v;

				if (!k || k->type != YAML_SCALAR_NODE)
					continue;	/* complex keys: not used by any manifest */
				if (!yaml_spend(budget, YAML_SCALAR_COST, k->data.scalar.length))
				{
					json_object_put(o);
					return NULL;
				}
				v = yaml_node_json(doc, yaml_document_get_node(doc, pr->value), depth + 1, budget);
				if (!v && yaml_exhausted(budget))
				{
					json_object_put(o);
					return NULL;
				}
				{
					char	   *key = strndup((const char *) k->data.scalar.value, k->data.scalar.length);

					if (key)
						json_object_object_add(o, key, v);
					else
						json_object_put(v);
					free(key);
				}
			}
			return o;
		case YAML_NO_NODE:
			break;
	}
	return NULL;
}

/*
 * Load every document of a YAML stream as json-c into an array *out;
 * -1 with p->err on a syntax error or an exhausted budget.
 */
static int
parse_yaml_docs(stack_parse *p, const char *text, size_t len, json_object **out)
{
	yaml_parser_t parser;
	json_object *docs = json_object_new_array();
	yaml_budget budget = {YAML_NODE_BUDGET, YAML_BYTE_BUDGET(len)};
	int			rc = 0;

	if (has_nul(text, len))
	{
		json_object_put(docs);
		return fail(p, "binary content");
	}
	if (!yaml_parser_initialize(&parser))
	{
		json_object_put(docs);
		return fail(p, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
	for (;;)
	{
		yaml_document_t doc;
		yaml_node_t *root;

		if (!yaml_parser_load(&parser, &doc))
		{
			rc = fail(p, "YAML error at line %zu: %s", parser.problem_mark.line + 1,
					  parser.problem ? parser.problem : "syntax error");
			break;
		}
		root = yaml_document_get_root_node(&doc);
		if (!root)
		{
			yaml_document_delete(&doc);
			break;				/* end of stream */
		}
		{
			json_object *j = yaml_node_json(&doc, root, 0, &budget);

			yaml_document_delete(&doc);
			if (yaml_exhausted(&budget))
			{
				json_object_put(j);
				rc = fail(p, "YAML too large after alias expansion");
				break;
			}
			json_object_array_add(docs, j);
		}
	}
	yaml_parser_delete(&parser);
	if (rc != 0)
	{
		json_object_put(docs);
		return -1;
	}
	*out = docs;
	return 0;
}

/* Load a single-document YAML mapping (first document) into *docs and *root. */
static int
parse_yaml_mapping(stack_parse *p, const char *text, size_t len,
				   json_object **docs, json_object **root)
{
	if (parse_yaml_docs(p, text, len, docs) != 0)
		return -1;
	*root = json_object_array_length(*docs) > 0 ? json_object_array_get_idx(*docs, 0) : NULL;
	if (!*root || !json_object_is_type(*root, json_type_object))
	{
		json_object_put(*docs);
		return fail(p, "top level is not a mapping");
	}
	return 0;
}

/*
 * Normalise a container image reference into name and tag: drop a digest,
 * a registry host ("ghcr.io/", "localhost:5000/") and "library/".
 */
static void
image_parts(const char *ref, char *name, size_t namesz, char *tag, size_t tagsz)
{
	char		buf[512];
	char	   *s,
			   *slash,
			   *colon,
			   *at;

	snprintf(buf, sizeof(buf), "%s", ref);
	s = trim(buf);
	if ((at = strchr(s, '@')) != NULL)
		*at = '\0';
	slash = strchr(s, '/');
	if (slash && (memchr(s, '.', (size_t) (slash - s)) || memchr(s, ':', (size_t) (slash - s)) ||
				  strncmp(s, "localhost/", 10) == 0))
		s = slash + 1;
	if (strncmp(s, "library/", 8) == 0)
		s += 8;
	tag[0] = '\0';
	slash = strrchr(s, '/');
	colon = strrchr(slash ? slash : s, ':');
	if (colon)
	{
		snprintf(tag, tagsz, "%s", colon + 1);
		*colon = '\0';
	}
	for (char *c = s; *c; c++)
		*c = (char) tolower((unsigned char) *c);
	snprintf(name, namesz, "%s", s);
}

/* Report a container image dependency. */
static void
add_image(stack_parse *p, const char *ref)
{
	char		name[512],
				tag[128];

	if (strchr(ref, '$'))
		return;					/* ${VAR}: not knowable without the build args */
	image_parts(ref, name, sizeof(name), tag, sizeof(tag));
	if (name[0] && strcmp(name, "scratch") != 0)
		stack_add_dep(p, "docker", name, tag, "runtime");
}

/* pubspec.yaml: dependencies, dev_dependencies, dependency_overrides. */
static int
parse_pubspec(stack_parse *p, const char *text, size_t len)
{
	static const char *const sections[][2] = {
		{"dependencies", "runtime"}, {"dev_dependencies", "dev"},
		{"dependency_overrides", "override"},
	};
	json_object *docs,
			   *root;

	if (parse_yaml_mapping(p, text, len, &docs, &root) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
	{
		json_object *sec;

		if (!json_object_object_get_ex(root, sections[i][0], &sec) ||
			!json_object_is_type(sec, json_type_object))
			continue;
		json_object_object_foreach(sec, name, val)
		{
			const char *ver = NULL;
			json_object *x;

			if (val && json_object_is_type(val, json_type_string))
				ver = json_object_get_string(val);
			else if (val && json_object_is_type(val, json_type_object))
			{
				if (json_object_object_get_ex(val, "version", &x))
					ver = json_object_get_string(x);
				else if (json_object_object_get_ex(val, "sdk", &x))
					ver = "sdk";
			}
			stack_add_dep(p, "pub", name, ver, sections[i][1]);
		}
	}
	json_object_put(docs);
	return 0;
}

/* docker-compose files: services' images. */
static int
parse_compose(stack_parse *p, const char *text, size_t len)
{
	json_object *docs,
			   *root,
			   *services;

	if (parse_yaml_mapping(p, text, len, &docs, &root) != 0)
		return -1;
	if (!json_object_object_get_ex(root, "services", &services) ||
		!json_object_is_type(services, json_type_object))
	{
		json_object_put(docs);
		return fail(p, "no \"services\" mapping");
	}
	json_object_object_foreach(services, name, svc)
	{
		json_object *img;

		(void) name;
		if (svc && json_object_object_get_ex(svc, "image", &img) &&
			json_object_is_type(img, json_type_string))
			add_image(p, json_object_get_string(img));
	}
	json_object_put(docs);
	return 0;
}

/* Recursively report "uses:" actions and "image:" containers under node. */
static void
workflow_walk(stack_parse *p, json_object *node, int depth)
{
	if (!node || depth > YAML_MAX_DEPTH)
		return;
	if (json_object_is_type(node, json_type_array))
	{
		for (size_t i = 0; i < json_object_array_length(node); i++)
			workflow_walk(p, json_object_array_get_idx(node, i), depth + 1);
		return;
	}
	if (!json_object_is_type(node, json_type_object))
		return;
	json_object_object_foreach(node, key, val)
	{
		if (val && json_object_is_type(val, json_type_string) &&
			(strcmp(key, "uses") == 0 || strcmp(key, "image") == 0))
		{
			const char *s = json_object_get_string(val);

			if (strcmp(key, "image") == 0)
				add_image(p, s);
			else if (strncmp(s, "docker://", 9) == 0)
				add_image(p, s + 9);
			else if (s[0] != '.' && s[0] != '\0')
			{
				const char *at = strchr(s, '@');

				stack_add_depn(p, "github-actions", s, at ? (size_t) (at - s) : strlen(s),
							   at ? at + 1 : NULL, "ci");
			}
		}
		else
			workflow_walk(p, val, depth + 1);
	}
}

/* GitHub Actions workflow. */
static int
parse_workflow(stack_parse *p, const char *text, size_t len)
{
	json_object *docs,
			   *root,
			   *jobs;

	if (parse_yaml_mapping(p, text, len, &docs, &root) != 0)
		return -1;
	if (!json_object_object_get_ex(root, "jobs", &jobs) ||
		!json_object_is_type(jobs, json_type_object))
	{
		json_object_put(docs);
		return fail(p, "no \"jobs\" mapping");
	}
	workflow_walk(p, jobs, 0);
	json_object_put(docs);
	return 0;
}

/* Any other YAML: Kubernetes objects (apiVersion + kind) and their images. */
static int
parse_k8s_yaml(stack_parse *p, const char *text, size_t len)
{
	json_object *docs;

	if (parse_yaml_docs(p, text, len, &docs) != 0)
		return -1;
	for (size_t i = 0; i < json_object_array_length(docs); i++)
	{
		json_object *d = json_object_array_get_idx(docs, i),
				   *api,
				   *kind;

		if (d && json_object_is_type(d, json_type_object) &&
			json_object_object_get_ex(d, "apiVersion", &api) &&
			json_object_object_get_ex(d, "kind", &kind) &&
			json_object_is_type(api, json_type_string) &&
			json_object_is_type(kind, json_type_string))
		{
			p->is_manifest = 1;
			workflow_walk(p, d, 0);		/* picks up image: fields */
		}
	}
	json_object_put(docs);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Gradle, Gemfile, Dockerfile, Terraform (line scanners)              */
/* ------------------------------------------------------------------ */

/* Is s a Maven coordinate "group:artifact[:version[:classifier]][@ext]"? */
static int
split_coordinate(const char *s, char *ga, size_t gasz, char *ver, size_t versz)
{
	const char *c1 = strchr(s, ':'),
			   *c2;

	if (!c1 || c1 == s)
		return 0;
	for (const char *c = s; c < c1; c++)
		if (!(isalnum((unsigned char) *c) || *c == '.' || *c == '-' || *c == '_'))
			return 0;
	c2 = strchr(c1 + 1, ':');
	if ((c2 ? c2 : c1 + strlen(c1)) == c1 + 1)
		return 0;
	for (const char *c = c1 + 1; c < (c2 ? c2 : c1 + strlen(c1)); c++)
		if (!(isalnum((unsigned char) *c) || *c == '.' || *c == '-' || *c == '_'))
			return 0;
	snprintf(ga, gasz, "%.*s", (int) ((c2 ? c2 : c1 + strlen(c1)) - s), s);
	snprintf(ver, versz, "%s", c2 ? c2 + 1 : "");
	ver[strcspn(ver, ":@")] = '\0';
	return 1;
}

/* Count braces outside strings and comments; updates *in_comment. */
static int
brace_delta(const char *l, int *in_comment, int hash_comments)
{
	int			d = 0;
	char		q = 0;

	for (const char *c = l; *c; c++)
	{
		if (*in_comment)
		{
			if (c[0] == '*' && c[1] == '/')
			{
				*in_comment = 0;
				c++;
			}
			continue;
		}
		if (q)
		{
			if (*c == '\\' && c[1])
				c++;
			else if (*c == q)
				q = 0;
			continue;
		}
		if (*c == '"' || *c == '\'')
			q = *c;
		else if (c[0] == '/' && c[1] == '*')
		{
			*in_comment = 1;
			c++;
		}
		else if ((c[0] == '/' && c[1] == '/') || (hash_comments && c[0] == '#'))
			break;
		else if (*c == '{')
			d++;
		else if (*c == '}')
			d--;
	}
	return d;
}

/* build.gradle / build.gradle.kts: plugins and configuration "g:a:v" lines. */
static int
parse_gradle(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[4096];
	int			depth = 0,
				in_comment = 0;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		int			was_comment = in_comment;
		char	   *l = trim(buf);
		char	   *id = l;
		char		s[512],
					ga[512],
					ver[128];

		depth += brace_delta(l, &in_comment, 0);
		if (depth < 0)
			return fail(p, "line %d: unbalanced \"}\"", it.lineno);
		if (was_comment || *l == '\0' || strncmp(l, "//", 2) == 0)
			continue;
		/* plugins { id 'x' version 'y' } / id("x") / kotlin("jvm") */
		if ((strncmp(l, "id ", 3) == 0 || strncmp(l, "id(", 3) == 0) && quoted(l, s, sizeof(s)))
		{
			const char *v = strstr(l, "version");

			if (!v || !quoted(v, ver, sizeof(ver)))
				ver[0] = '\0';
			stack_add_dep(p, "gradle-plugin", s, ver, "build");
			continue;
		}
		if (strncmp(l, "kotlin(", 7) == 0 && quoted(l, s, sizeof(s)))
		{
			char		full[600];

			snprintf(full, sizeof(full), "org.jetbrains.kotlin.%s", s);
			stack_add_dep(p, "gradle-plugin", full, NULL, "build");
			continue;
		}
		if (strncmp(l, "apply plugin:", 13) == 0 && quoted(l, s, sizeof(s)))
		{
			stack_add_dep(p, "gradle-plugin", s, NULL, "build");
			continue;
		}
		/* configuration name, then '(' or blank, then a quoted coordinate */
		while (isalnum((unsigned char) *id))
			id++;
		if (id == l || !(*id == '(' || *id == ' ' || *id == '\t'))
			continue;
		{
			const char *scope = strncasecmp(l, "test", 4) == 0 ||
				strncasecmp(l, "androidTest", 11) == 0 ? "test" : "runtime";
			const char *g = strstr(l, "group:");

			if (strncmp(l, "classpath", 9) == 0)
				scope = "build";
			if (g)
			{
				/* map notation: group: 'g', name: 'a', version: 'v' */
				const char *n = strstr(l, "name:");
				const char *v = strstr(l, "version:");
				char		gs[256],
							ns[256];

				if (n && quoted(g, gs, sizeof(gs)) && quoted(n, ns, sizeof(ns)))
				{
					snprintf(ga, sizeof(ga), "%s:%s", gs, ns);
					if (!v || !quoted(v, ver, sizeof(ver)))
						ver[0] = '\0';
					stack_add_dep(p, "maven", ga, ver, scope);
				}
				continue;
			}
			if (quoted(id, s, sizeof(s)) && split_coordinate(s, ga, sizeof(ga), ver, sizeof(ver)))
				stack_add_dep(p, "maven", ga, ver, scope);
		}
	}
	if (depth != 0)
		return fail(p, "unbalanced braces at end of file (%d open)", depth);
	return 0;
}

/* Gemfile: gem lines, scoped by group blocks. */
static int
parse_gemfile(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[4096];
	int			depth = 0,
				group_depth = -1;
	const char *group_scope = NULL;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		char	   *l = trim(buf);
		char		name[256],
					ver[256] = "",
					v[128];
		const char *rest;
		size_t		ll;

		if (*l == '\0' || *l == '#')
			continue;
		ll = strlen(l);
		if (strncmp(l, "gem ", 4) == 0 || strncmp(l, "gem(", 4) == 0)
		{
			rest = quoted(l + 3, name, sizeof(name));
			if (!rest)
				return fail(p, "line %d: gem without a quoted name", it.lineno);
			/* following quoted version constraints: "~> 7.0", ">= 1" */
			while (rest && (rest = strpbrk(rest, "\"',")) != NULL)
			{
				const char *after;

				if (*rest == ',')
				{
					rest++;
					while (*rest == ' ')
						rest++;
					if (*rest != '"' && *rest != '\'')
						break;	/* an option such as require: false */
					continue;
				}
				after = quoted(rest, v, sizeof(v));
				if (!after)
					break;
				if (strlen(ver) + strlen(v) + 3 < sizeof(ver))
				{
					if (ver[0])
						strcat(ver, ", ");
					strcat(ver, v);
				}
				rest = after;
			}
			stack_add_dep(p, "rubygems", name, ver,
						  group_scope ? group_scope : "runtime");
		}
		else if (strncmp(l, "group ", 6) == 0 || strncmp(l, "group(", 6) == 0)
		{
			if (group_depth < 0)
			{
				group_depth = depth;
				group_scope = strstr(l, ":development") || strstr(l, ":test") ? "dev" : "group";
			}
		}
		/* block structure: "... do" and leading if/unless/case/begin... open, "end" closes */
		if ((ll >= 3 && strcmp(l + ll - 3, " do") == 0) || strstr(l, " do |") ||
			strncmp(l, "if ", 3) == 0 || strncmp(l, "unless ", 7) == 0 ||
			strncmp(l, "case ", 5) == 0 || strcmp(l, "begin") == 0 ||
			strncmp(l, "while ", 6) == 0 || strncmp(l, "until ", 6) == 0 ||
			strncmp(l, "def ", 4) == 0)
			depth++;
		else if (strcmp(l, "end") == 0)
		{
			if (--depth < 0)
				return fail(p, "line %d: \"end\" without a block", it.lineno);
			if (depth == group_depth)
			{
				group_depth = -1;
				group_scope = NULL;
			}
		}
	}
	if (depth != 0)
		return fail(p, "unterminated block at end of file (%d open)", depth);
	return 0;
}

/* Dockerfile: FROM images, skipping references to earlier build stages. */
static int
parse_dockerfile(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[4096];
	char		stages[32][128];
	int			nstages = 0,
				nfrom = 0;

	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		char	   *l = trim(buf),
				   *save = NULL,
				   *tok;
		int			lineno = it.lineno;

		if (strncasecmp(l, "FROM", 4) != 0 || !(l[4] == ' ' || l[4] == '\t' || l[4] == '\0'))
			continue;
		tok = strtok_r(l + 4, " \t", &save);
		while (tok && strncmp(tok, "--", 2) == 0)
			tok = strtok_r(NULL, " \t", &save);		/* --platform=... */
		if (!tok || strcmp(tok, "\\") == 0)
			return fail(p, "line %d: FROM without an image", lineno);
		nfrom++;
		{
			char	   *as = strtok_r(NULL, " \t", &save);
			char	   *stage = as && strcasecmp(as, "AS") == 0 ? strtok_r(NULL, " \t", &save) : NULL;
			int			earlier = 0;

			for (int i = 0; i < nstages; i++)
				if (strcasecmp(stages[i], tok) == 0)
					earlier = 1;
			if (!earlier)
				add_image(p, tok);
			if (stage && nstages < 32)
				snprintf(stages[nstages++], sizeof(stages[0]), "%s", stage);
		}
	}
	if (nfrom == 0)
		return fail(p, "no FROM instruction");
	return 0;
}

/* Terraform state across lines. */
typedef struct tf_state
{
	int			depth;
	int			req_depth;		/* depth inside required_providers, or -1 */
	char		entry[128];		/* provider being described in required_providers */
	int			entry_depth;
	char		version[128];
	char		module_source[256];
	char		module_version[128];
	int			module_depth;	/* depth of an open module block, or -1 */
} tf_state;

/* Report a provider from a resource or data type ("aws_s3_bucket" → aws). */
static void
tf_type_provider(stack_parse *p, const char *type)
{
	size_t		n = strcspn(type, "_");

	/* "terraform_remote_state" & co. belong to the built-in provider */
	if (n > 0 && n < 64 && strncmp(type, "terraform", n) != 0)
		stack_add_depn(p, "terraform", type, n, NULL, "runtime");
}

/* *.tf: provider blocks, required_providers, resource/data prefixes, modules. */
static int
parse_terraform(stack_parse *p, const char *text, size_t len)
{
	line_iter	it = {text, len, 0, 0};
	char		buf[4096];
	tf_state	st = {0};
	int			in_comment = 0;

	st.req_depth = st.module_depth = -1;
	if (has_nul(text, len))
		return fail(p, "binary content");
	while (next_line(&it, buf, sizeof(buf)))
	{
		int			was_comment = in_comment;
		char	   *l = trim(buf);
		int			d = brace_delta(l, &in_comment, 1);
		char		s1[256];
		const char *r;

		if (was_comment || *l == '#' || strncmp(l, "//", 2) == 0)
		{
			st.depth += d;
			continue;
		}
		if (st.depth == 0)
		{
			if (strncmp(l, "provider ", 9) == 0 && quoted(l + 8, s1, sizeof(s1)))
				stack_add_dep(p, "terraform", s1, NULL, "runtime");
			else if ((strncmp(l, "resource ", 9) == 0 || strncmp(l, "data ", 5) == 0) &&
					 quoted(l + 4, s1, sizeof(s1)))
				tf_type_provider(p, s1);
			else if (strncmp(l, "module ", 7) == 0 && d > 0)
			{
				st.module_depth = st.depth + 1;
				st.module_source[0] = st.module_version[0] = '\0';
			}
		}
		if (strncmp(l, "required_providers", 18) == 0 && d > 0)
			st.req_depth = st.depth + 1;
		else if (st.req_depth >= 0 && st.depth == st.req_depth)
		{
			/* NAME = { ... } (maybe one line) or NAME = "version" */
			char		name[128];
			size_t		n = strcspn(l, " \t=");

			snprintf(name, sizeof(name), "%.*s", (int) n, l);
			if (strchr(l, '=') && n > 0)
			{
				const char *v = strstr(l, "version");

				st.version[0] = '\0';
				if (v)
					quoted(v, st.version, sizeof(st.version));
				else if (!strchr(l, '{'))
					quoted(l, st.version, sizeof(st.version));
				if (d > 0)
				{
					snprintf(st.entry, sizeof(st.entry), "%s", name);
					st.entry_depth = st.depth + 1;
				}
				else
					stack_add_dep(p, "terraform", name, st.version, "runtime");
			}
		}
		else if (st.req_depth >= 0 && st.entry[0] && st.depth == st.entry_depth &&
				 strncmp(l, "version", 7) == 0)
			quoted(l + 7, st.version, sizeof(st.version));
		if (st.module_depth >= 0 && st.depth == st.module_depth)
		{
			if (strncmp(l, "source", 6) == 0 && (r = strchr(l, '=')) != NULL)
				quoted(r, st.module_source, sizeof(st.module_source));
			else if (strncmp(l, "version", 7) == 0 && (r = strchr(l, '=')) != NULL)
				quoted(r, st.module_version, sizeof(st.module_version));
		}
		st.depth += d;
		if (st.depth < 0)
			return fail(p, "line %d: unbalanced \"}\"", it.lineno);
		if (st.entry[0] && st.depth < st.entry_depth)
		{
			stack_add_dep(p, "terraform", st.entry, st.version, "runtime");
			st.entry[0] = '\0';
		}
		if (st.req_depth >= 0 && st.depth < st.req_depth)
			st.req_depth = -1;
		if (st.module_depth >= 0 && st.depth < st.module_depth)
		{
			/* local modules ("./x", "../x") are the repository's own code */
			if (st.module_source[0] && st.module_source[0] != '.')
				stack_add_dep(p, "terraform-module", st.module_source, st.module_version, "runtime");
			st.module_depth = -1;
		}
	}
	if (st.depth != 0 || in_comment)
		return fail(p, "unbalanced braces at end of file (%d open)", st.depth);
	return 0;
}

/* ------------------------------------------------------------------ */
/* dispatch                                                            */
/* ------------------------------------------------------------------ */

/* See stack_internal.h. */
int
stack_parse_manifest(stack_parse *p, manifest_kind kind, const char *text, size_t len)
{
	cargo_state cs = {{0}, {0}, NULL};
	int			rc;

	/* a UTF-8 byte order mark is not part of any manifest syntax */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
	{
		text += 3;
		len -= 3;
	}
	switch (kind)
	{
		case MK_PACKAGE_JSON:
			return parse_package_json(p, text, len);
		case MK_REQUIREMENTS:
			return parse_requirements(p, text, len);
		case MK_PYPROJECT:
			return toml_scan(p, text, len, visit_pyproject, NULL);
		case MK_PIPFILE:
			return toml_scan(p, text, len, visit_pipfile, NULL);
		case MK_SETUP_PY:
			return parse_setup_py(p, text, len);
		case MK_SETUP_CFG:
			return parse_setup_cfg(p, text, len);
		case MK_GO_MOD:
			return parse_go_mod(p, text, len);
		case MK_CARGO:
			rc = toml_scan(p, text, len, visit_cargo, &cs);
			if (rc == 0 && cs.name[0])
				stack_add_dep(p, "cargo", cs.name, cs.version, cs.scope);
			return rc;
		case MK_POM:
			return parse_pom(p, text, len);
		case MK_GRADLE:
			return parse_gradle(p, text, len);
		case MK_GRADLE_CATALOG:
			{
				catalog_state *cat = calloc(1, sizeof(catalog_state));

				if (!cat)
					return fail(p, "out of memory");
				rc = toml_scan(p, text, len, visit_catalog, cat);
				free(cat);
				return rc;
			}
		case MK_GEMFILE:
			return parse_gemfile(p, text, len);
		case MK_COMPOSER:
			return parse_composer(p, text, len);
		case MK_CSPROJ:
			return parse_csproj(p, text, len);
		case MK_PUBSPEC:
			return parse_pubspec(p, text, len);
		case MK_DOCKERFILE:
			return parse_dockerfile(p, text, len);
		case MK_COMPOSE:
			return parse_compose(p, text, len);
		case MK_TERRAFORM:
			return parse_terraform(p, text, len);
		case MK_WORKFLOW:
			return parse_workflow(p, text, len);
		case MK_YAML:
			return parse_k8s_yaml(p, text, len);
		case MK_NONE:
			break;
	}
	return fail(p, "not a manifest");
}
