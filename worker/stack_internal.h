/*
 * stack_internal.h — shared between stack.c (scan state, rule matching,
 * output), stack_manifests.c (one parser per manifest kind) and
 * stack_rules.c (the rule table).  Not part of the worker's public API.
 */
#ifndef SESAMI_STACK_INTERNAL_H
#define SESAMI_STACK_INTERNAL_H

#include <stddef.h>

#include "stack.h"

/* One rule: a dependency (or presence file) pattern that means a technology. */
typedef struct stack_rule
{
	const char *ecosystem;		/* "npm", "pypi", ..., "file" for presence */
	const char *pattern;		/* normalised name; a glob if it has '*' or '?' */
	const char *technology;
	const char *category;
} stack_rule;

extern const stack_rule stack_rules[];
extern const int stack_nrules;

/* Manifest kinds the parsers understand. */
typedef enum manifest_kind
{
	MK_NONE = 0,
	MK_PACKAGE_JSON,
	MK_REQUIREMENTS,
	MK_PYPROJECT,
	MK_PIPFILE,
	MK_SETUP_PY,
	MK_SETUP_CFG,
	MK_GO_MOD,
	MK_CARGO,
	MK_POM,
	MK_GRADLE,
	MK_GRADLE_CATALOG,
	MK_GEMFILE,
	MK_COMPOSER,
	MK_CSPROJ,
	MK_PUBSPEC,
	MK_DOCKERFILE,
	MK_COMPOSE,
	MK_TERRAFORM,
	MK_WORKFLOW,
	MK_YAML						/* any other YAML: Kubernetes objects */
} manifest_kind;

/* Name of a manifest kind as it appears in the output ("package.json"). */
extern const char *manifest_kind_name(manifest_kind kind);

/* The kind of manifest at path (MK_NONE when not a manifest). */
extern manifest_kind manifest_kind_of(const char *path);

/*
 * Parser context: parsers report dependencies and evidence through it and
 * return 0, or return -1 after writing a message into err.
 */
typedef struct stack_parse
{
	stack_scan *scan;
	const char *path;
	char		err[256];
	int			is_manifest;	/* MK_YAML sets this when it recognised a document */
} stack_parse;

/* Record a dependency (strings are copied; version and scope may be NULL). */
extern void stack_add_dep(stack_parse *p, const char *ecosystem, const char *name,
						  const char *version, const char *scope);

/* Same, with a name of known length (not NUL-terminated). */
extern void stack_add_depn(stack_parse *p, const char *ecosystem, const char *name,
						   size_t namelen, const char *version, const char *scope);

/* Record direct evidence for a technology (not through a dependency). */
extern void stack_add_evidence(stack_parse *p, const char *ecosystem, const char *key,
							   const char *match);

/* Parse one manifest of the given kind; 0 on success, -1 with p->err set. */
extern int	stack_parse_manifest(stack_parse *p, manifest_kind kind,
								 const char *text, size_t len);

#endif							/* SESAMI_STACK_INTERNAL_H */
