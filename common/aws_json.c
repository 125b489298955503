/*
 * aws_json.c — typed reading of JSON from outside (see aws_json.h).
 *
 * Parsing uses json-c's tokener with JSON_TOKENER_STRICT (no trailing
 * commas or garbage after the value) and JSON_TOKENER_VALIDATE_UTF8 (text
 * from a reply ends up in the database and in logs); its default depth limit
 * of 32 bounds the recursion on hostile nesting.
 */
#include "aws_json.h"

#include <limits.h>
#include <string.h>

/* See aws_json.h. */
json_object *
aws_json_parse_object(const char *text, size_t len)
{
	json_tokener *tok;
	json_object *obj;

	if (text == NULL || len > INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int) len);
	if (obj != NULL &&
		(json_tokener_get_error(tok) != json_tokener_success ||
		 json_tokener_get_parse_end(tok) != len ||
		 !json_object_is_type(obj, json_type_object)))
	{
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* See aws_json.h. */
aws_json_found
aws_json_member(json_object *obj, const char *key, json_type type,
				json_object **out)
{
	json_object *v = NULL;

	*out = NULL;
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return AWS_JSON_WRONG_TYPE;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return AWS_JSON_ABSENT;	/* json-c stores JSON null as NULL */
	if (!json_object_is_type(v, type))
		return AWS_JSON_WRONG_TYPE;
	*out = v;
	return AWS_JSON_FOUND;
}

/* See aws_json.h. */
aws_json_found
aws_json_string(json_object *obj, const char *key, const char **out)
{
	json_object *v;
	aws_json_found f = aws_json_member(obj, key, json_type_string, &v);
	const char *s;

	*out = NULL;
	if (f != AWS_JSON_FOUND)
		return f;
	s = json_object_get_string(v);
	if (s == NULL || strlen(s) != (size_t) json_object_get_string_len(v))
		return AWS_JSON_WRONG_TYPE;
	*out = s;
	return AWS_JSON_FOUND;
}

/* See aws_json.h. */
aws_json_found
aws_json_boolean(json_object *obj, const char *key, int *out)
{
	json_object *v;
	aws_json_found f = aws_json_member(obj, key, json_type_boolean, &v);

	*out = f == AWS_JSON_FOUND ? json_object_get_boolean(v) != 0 : 0;
	return f;
}

/* See aws_json.h. */
aws_json_found
aws_json_array(json_object *obj, const char *key, json_object **out)
{
	return aws_json_member(obj, key, json_type_array, out);
}

/* See aws_json.h. */
aws_json_found
aws_json_object(json_object *obj, const char *key, json_object **out)
{
	return aws_json_member(obj, key, json_type_object, out);
}
