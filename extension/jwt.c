/*
 * jwt.c — PostgREST session tokens: HS256 JSON Web Tokens signed with OpenSSL.
 *
 * A token carries the claims PostgREST reads: "role" = sesami_user (PostgREST
 * runs SET LOCAL ROLE to it), "sub" = the sesami account id as a string (what
 * sesami.current_account_id() reads back from request.jwt.claims), "iat",
 * "exp" = iat + sesami.jwt_ttl, and "aud" when sesami.jwt_audience is set.
 * PostgREST verifies the signature with the same secret (PGRST_JWT_SECRET).
 *
 * Encoding: base64url without padding of the header and the claims, joined by
 * ".", then base64url of HMAC-SHA256(secret, that string).  Base64 is
 * OpenSSL's EVP_EncodeBlock (common/seal.c) with the url-safe translation.
 *
 * sesami.issue_session(account_id) (not granted to any API role) returns a
 * sesami.session row: a fresh token plus the account.  api.login_github and
 * api.refresh_token are its only callers.  Locking: it reads the account row
 * with a plain snapshot read and locks nothing.
 */
#include "postgres.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "auth.h"
#include "seal.h"

PG_FUNCTION_INFO_V1(sesami_issue_session);

/* Append the base64url encoding of data to buf. */
static void
append_b64url(StringInfo buf, const uint8 *data, size_t len)
{
	size_t		cap = 4 * ((len + 2) / 3) + 1;
	char	   *tmp = palloc(cap);

	if (sesami_b64_encode(data, len, tmp, cap, 1) < 0)
		elog(ERROR, "base64url encoding failed");
	appendStringInfoString(buf, tmp);
	pfree(tmp);
}

/*
 * The JWT secret (palloc'd; wipe with sesami_wipe_secret).  F0000 if it is
 * missing or shorter than SESAMI_JWT_SECRET_MIN.
 */
static char *
jwt_secret(void)
{
	char	   *secret;

	secret = sesami_read_secret(sesami_jwt_secret, sesami_jwt_secret_file, "sesami.jwt_secret");
	if (strlen(secret) < SESAMI_JWT_SECRET_MIN)
	{
		sesami_wipe_secret(secret);
		sesami_auth_not_configured(psprintf("sesami.jwt_secret is shorter than %d characters.",
											SESAMI_JWT_SECRET_MIN));
	}
	return secret;
}

/* Error (F0000) unless a usable JWT secret is configured. */
void
sesami_jwt_check_secret(void)
{
	sesami_wipe_secret(jwt_secret());
}

/* Sign a token for account_id; set *expires_at to its "exp". */
char *
sesami_jwt_sign(int64 account_id, TimestampTz *expires_at)
{
	StringInfoData claims,
				token;
	char	   *secret;
	uint8		mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	pg_time_t	iat,
				exp;
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

	secret = jwt_secret();

	iat = timestamptz_to_time_t(GetCurrentTimestamp());
	exp = iat + sesami_jwt_ttl;

	initStringInfo(&claims);
	appendStringInfo(&claims, "{\"role\":\"sesami_user\",\"sub\":\"" INT64_FORMAT "\","
					 "\"iat\":" INT64_FORMAT ",\"exp\":" INT64_FORMAT,
					 account_id, (int64) iat, (int64) exp);
	if (sesami_jwt_audience != NULL && sesami_jwt_audience[0] != '\0')
	{
		appendStringInfoString(&claims, ",\"aud\":");
		escape_json(&claims, sesami_jwt_audience);
	}
	appendStringInfoChar(&claims, '}');

	initStringInfo(&token);
	append_b64url(&token, (const uint8 *) header, strlen(header));
	appendStringInfoChar(&token, '.');
	append_b64url(&token, (const uint8 *) claims.data, claims.len);

	if (HMAC(EVP_sha256(), secret, (int) strlen(secret),
			 (const unsigned char *) token.data, token.len, mac, &mac_len) == NULL)
	{
		sesami_wipe_secret(secret);
		elog(ERROR, "HMAC-SHA256 failed");
	}
	sesami_wipe_secret(secret);

	appendStringInfoChar(&token, '.');
	append_b64url(&token, mac, mac_len);
	sesami_seal_wipe(mac, sizeof(mac));
	pfree(claims.data);

	*expires_at = time_t_to_timestamptz(exp);
	return token.data;
}

/*
 * A sesami.session tuple (token, expires_at, account_id, github_id, login,
 * display_name, emails) for account_id as a Datum in the caller's memory
 * context.  The caller must be connected to SPI.  42501 if there is no such
 * account.
 */
Datum
sesami_make_session(int64 account_id, TupleDesc tupdesc)
{
	Datum		values[7];
	bool		nulls[7] = {false};
	Datum		arg = Int64GetDatum(account_id);
	Oid			argtype = INT8OID;
	TimestampTz expires_at;
	char	   *token;
	HeapTuple	tuple;
	int			rc;

	rc = SPI_execute_with_args("SELECT id, github_id, login, display_name, emails "
							   "FROM sesami.accounts WHERE id = $1",
							   1, &argtype, &arg, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the account: %s", SPI_result_code_string(rc));
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("authentication required"),
				 errdetail("The token names an account that does not exist."),
				 errhint("Sign in again.")));

	for (int i = 0; i < 5; i++)
		values[2 + i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1,
									  &nulls[2 + i]);

	token = sesami_jwt_sign(account_id, &expires_at);
	values[0] = CStringGetTextDatum(token);
	values[1] = TimestampTzGetDatum(expires_at);

	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	return SPI_datumTransfer(HeapTupleGetDatum(tuple), false, -1);
}

/*
 * sesami.issue_session(account_id bigint) RETURNS sesami.session: a fresh
 * token for an existing account.  Not granted to API roles; api.refresh_token
 * calls it after checking the caller's claims.
 */
Datum
sesami_issue_session(PG_FUNCTION_ARGS)
{
	int64		account_id = PG_GETARG_INT64(0);
	TupleDesc	tupdesc;
	Datum		result;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	SPI_connect();
	result = sesami_make_session(account_id, tupdesc);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
