/*
 * stack.h — a repository's tech stack from its manifests.
 *
 * The caller walks HEAD's tree (libgit2) and, for every path, asks
 * stack_wants() whether the file matters: STACK_PARSE files are fed with
 * their content, STACK_PRESENCE files (tsconfig.json, Jenkinsfile, ...) only
 * by path.  stack_scan_finish() then matches every dependency and presence
 * file against the rule table (stack_rules.c: ecosystem + name pattern →
 * technology + category) and returns one json-c object:
 *
 *   {"manifests":    [{"path", "kind"}],
 *    "dependencies": [{"ecosystem", "name", "version", "scope", "manifest"}],
 *    "technologies": [{"name", "category", "evidence": [{"file", "match"}]}],
 *    "skipped":      [{"path", "reason"}],
 *    "truncated":    bool}
 *
 * Manifests larger than STACK_MAX_MANIFEST_BYTES are skipped with a reason;
 * malformed ones are skipped with the parser's message and contribute no
 * dependency.  Paths under vendored trees (node_modules/, vendor/, deps/,
 * third_party/, .venv/, fixtures/, ...) are ignored.  A stack_scan is used by one thread at a time.
 */
#ifndef SESAMI_STACK_H
#define SESAMI_STACK_H

#include <stddef.h>

#include <json-c/json.h>

/* Manifests above this size are skipped, not parsed. */
#define STACK_MAX_MANIFEST_BYTES (1024 * 1024)

/* What the scanner needs from a path. */
typedef enum stack_want
{
	STACK_IGNORE = 0,			/* not interesting */
	STACK_PRESENCE,				/* the path alone is evidence; content unused */
	STACK_PARSE					/* a manifest: pass its content */
} stack_want;

typedef struct stack_scan stack_scan;

/* Does the scanner want this repository-relative path, and how? */
extern stack_want stack_wants(const char *path);

/* Create an empty scan; NULL when out of memory. */
extern stack_scan *stack_scan_new(void);

/*
 * Feed one file: its repository-relative path and content (len bytes, need
 * not be NUL-terminated; may be NULL for STACK_PRESENCE paths).  Paths that
 * stack_wants() ignores are ignored here too.
 */
extern void stack_scan_add(stack_scan *scan, const char *path,
						   const char *content, size_t len);

/*
 * Match rules and build the result (a new json-c object owned by the caller).
 * The scan may still be fed and finished again afterwards.
 */
extern json_object *stack_scan_finish(stack_scan *scan);

/* Free a scan (NULL is fine). */
extern void stack_scan_free(stack_scan *scan);

/* Number of distinct technologies the rule table knows. */
extern int	stack_rule_technologies(void);

#endif							/* SESAMI_STACK_H */
