/*
 * identity.c — who is calling: the "sub" claim PostgREST passes.
 *
 * PostgREST sets request.jwt.claims (a JSON object) per request with
 * set_config(..., true).  sesami.current_account_id() returns its "sub" as the
 * account id (a positive integer, given as a JSON string or number), or NULL
 * when there is no usable claim; sesami.require_account() raises 42501
 * instead of returning NULL.  They are in C because every API call and every
 * row-level-security check evaluates them: a SQL-language function would be
 * parsed and planned again for each query.
 */
#include "postgres.h"

#include <ctype.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"

#include "sesami.h"

PG_FUNCTION_INFO_V1(sesami_current_account_id);
PG_FUNCTION_INFO_V1(sesami_require_account);

/* Parse s[0..len) as a positive bigint; false if it is not exactly one. */
static bool
parse_id(const char *s, int len, int64 *out)
{
	int64		v = 0;

	if (len < 1 || len > 18 || s[0] == '0')
		return false;
	for (int i = 0; i < len; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* The account id in request.jwt.claims -> 'sub', or false if there is none. */
bool
sesami_claimed_account(int64 *id)
{
	const char *claims = GetConfigOption("request.jwt.claims", true, false);
	Jsonb	   *jb;
	JsonbValue *sub;
	char		buf[32];

	if (claims == NULL || claims[0] == '\0')
		return false;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(claims)));
	if (!JB_ROOT_IS_OBJECT(jb))
		return false;
	sub = getKeyJsonValueFromContainer(&jb->root, "sub", 3, NULL);
	if (sub == NULL)
		return false;
	if (sub->type == jbvString)
		return parse_id(sub->val.string.val, sub->val.string.len, id);
	if (sub->type == jbvNumeric)
	{
		char	   *num = DatumGetCString(DirectFunctionCall1(numeric_out,
															  NumericGetDatum(sub->val.numeric)));

		strlcpy(buf, num, sizeof(buf));
		return parse_id(buf, strlen(buf), id);
	}
	return false;
}

/* The caller's account, or 42501 (PostgREST: 401/403) for an anonymous call. */
int64
sesami_require_account_id(void)
{
	int64		id;

	if (!sesami_claimed_account(&id))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("authentication required"),
				 errhint("Send a JWT whose \"sub\" claim is your sesami account id.")));
	return id;
}

/* sesami.current_account_id() → bigint: the caller's account, or NULL. */
Datum
sesami_current_account_id(PG_FUNCTION_ARGS)
{
	int64		id;

	if (!sesami_claimed_account(&id))
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}

/* sesami.require_account() → bigint: the caller's account, or 42501. */
Datum
sesami_require_account(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(sesami_require_account_id());
}
