/*
 * jsonutf8.h — text from a repository as JSON strings.
 *
 * Paths, author names and manifest contents are bytes, not necessarily
 * UTF-8, and json-c copies invalid bytes through unchanged; PostgreSQL's
 * jsonb then refuses the whole result document.  Every string taken from a
 * repository goes into JSON through these functions: invalid bytes become
 * U+FFFD, and a path that lost bytes keeps them in "path_hex".
 */
#ifndef SESAMI_JSONUTF8_H
#define SESAMI_JSONUTF8_H

#include <stdbool.h>

#include <json-c/json.h>

/* A JSON string of s, invalid UTF-8 replaced by U+FFFD; *lossy (if not NULL) set if any was. */
json_object *json_utf8(const char *s, bool *lossy);

/* s as a valid UTF-8 C string (malloc'd; invalid bytes replaced by U+FFFD), or NULL. */
char	   *utf8_text(const char *s);

/* Add "path" (UTF-8, lossy) and, when bytes were replaced, "path_hex" to obj. */
void		json_add_path(json_object *obj, const char *path);

#endif							/* SESAMI_JSONUTF8_H */
