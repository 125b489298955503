/*
 * aws_json.h — typed reading of JSON from outside: AWS replies (SQS, Secrets
 * Manager) and the credential endpoints (ECS container endpoint, IMDS).
 *
 * Every member of such a reply is read through these accessors, never with
 * json_object_get_string() and friends directly: a reply may carry null, a
 * number or an array where a string belongs (json_object_get_string() of a
 * JSON null is NULL, and a NULL passed on to strcmp crashed the dispatcher and
 * with it the whole PostgreSQL cluster).  Each accessor says whether the
 * member is absent (missing or JSON null: AWS leaves optional members out,
 * and null means the same), present with the wanted type, or present with
 * another type; the caller turns the last into a "malformed reply" error.
 *
 * Strings with an embedded NUL ("\u0000") count as the wrong type: nothing
 * here can use them as C strings without silently truncating them.
 *
 * Plain C11 + json-c, shared by the extension and sesami-worker; no globals,
 * no allocation beyond json-c's own, no printing.
 */
#ifndef SESAMI_AWS_JSON_H
#define SESAMI_AWS_JSON_H

#include <stddef.h>

#include <json-c/json.h>

/* What an accessor found. */
typedef enum aws_json_found
{
	AWS_JSON_WRONG_TYPE = -1,	/* present, but not of the wanted type */
	AWS_JSON_ABSENT = 0,		/* missing, or JSON null */
	AWS_JSON_FOUND = 1			/* present with the wanted type; *out is set */
} aws_json_found;

/*
 * Parse text[0..len) as one JSON object: strict JSON, valid UTF-8, nesting
 * at most 32 deep, nothing but white space after it.  NULL for anything
 * else (text may be NULL).  The caller json_object_put()s the result.
 */
extern json_object *aws_json_parse_object(const char *text, size_t len);

/*
 * Member key of obj if it has type type.  obj that is not an object gives
 * AWS_JSON_WRONG_TYPE.  *out is NULL unless AWS_JSON_FOUND; it is borrowed
 * from obj.
 */
extern aws_json_found aws_json_member(json_object *obj, const char *key,
									  json_type type, json_object **out);

/* A string member (no embedded NUL); *out borrowed from obj, else NULL. */
extern aws_json_found aws_json_string(json_object *obj, const char *key,
									  const char **out);

/* A boolean member; *out is 0 unless AWS_JSON_FOUND. */
extern aws_json_found aws_json_boolean(json_object *obj, const char *key, int *out);

/* An array member; *out borrowed from obj, else NULL. */
extern aws_json_found aws_json_array(json_object *obj, const char *key,
									 json_object **out);

/* An object member; *out borrowed from obj, else NULL. */
extern aws_json_found aws_json_object(json_object *obj, const char *key,
									  json_object **out);

#endif							/* SESAMI_AWS_JSON_H */
