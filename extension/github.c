/*
 * github.c — api.login_github(code, redirect_uri): sign in with GitHub OAuth.
 *
 * Steps, in this order:
 *   1. check the input and the configuration (client id and secret, JWT
 *      secret, worker public key) so a misconfigured server fails before the
 *      one-time code is spent;
 *   2. HTTP, with no locks taken: POST {oauth}/login/oauth/access_token,
 *      GET {api}/user, GET {api}/user/emails (libcurl through the shared
 *      common/aws_http.c: strict connect and total timeouts, no redirects,
 *      http/https only, a capped and wiped body; cancellable);
 *   3. seal the GitHub token to the worker's public key (common/seal.c) and
 *      wipe the plaintext;
 *   4. only then write: upsert sesami.accounts by GitHub id and
 *      sesami.github_tokens by account, and sign a session token (jwt.c).
 * Every failure in 1-3 raises an error before anything is written, so a
 * failed sign-in changes nothing.  GitHub's JSON is parsed with PostgreSQL's
 * own jsonb_in and read with the jsonb accessors.
 *
 * Secrets: the client secret and the access token are held in memory only as
 * long as needed and overwritten afterwards (best effort: libcurl's and
 * OpenSSL's internal copies are out of reach).  No message quotes a response
 * body, the token or the code; jsonb_in's own errors (which quote their input)
 * are caught and replaced.  The writes use SPI with parameters, which
 * log_statement does not log.
 *
 * Locking: none during HTTP.  The upserts take row locks on the caller's
 * account and token rows until the transaction ends.
 */
#include "postgres.h"

#include <curl/curl.h>

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "auth.h"
#include "aws_http.h"
#include "seal.h"

PG_FUNCTION_INFO_V1(sesami_login_github);

#define RESPONSE_MAX (1024 * 1024)	/* largest response body accepted */
#define MAX_EMAILS 100			/* sesami.accounts.emails holds at most this */
#define USER_AGENT "sesami/0.1.0"
#define GITHUB_API_VERSION "X-GitHub-Api-Version: 2022-11-28"

#define ERRCODE_PT401 MAKE_SQLSTATE('P','T','4','0','1')
#define ERRCODE_PT403 MAKE_SQLSTATE('P','T','4','0','3')
#define ERRCODE_PT502 MAKE_SQLSTATE('P','T','5','0','2')
#define ERRCODE_PT504 MAKE_SQLSTATE('P','T','5','0','4')

/*
 * One HTTP exchange, through the AWS layer's libcurl plumbing
 * (common/aws_http.c): the body is collected in resp (wiped when freed).
 */
typedef struct HttpResult
{
	aws_status	st;				/* of the transfer (aws_http_finish) */
	long		status;
	aws_http_response resp;
} HttpResult;

/* What GitHub told us about the user. */
typedef struct GitHubUser
{
	int64		id;
	char	   *login;
	char	   *name;
	List	   *emails;			/* verified addresses, primary first */
} GitHubUser;

static bool curl_ready = false;

/* Initialise libcurl once per backend (a single-threaded process). */
static void
ensure_curl(void)
{
	if (curl_ready)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		elog(ERROR, "could not initialise libcurl");
	curl_ready = true;
}

/* libcurl progress callback: abort the transfer on query cancel or shutdown. */
static int
http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/*
 * Run one request (POST with post_body, else GET).  No PostgreSQL error can
 * be raised while libcurl holds resources: everything is collected into res
 * and the handle freed before returning.  The common settings (timeouts, no
 * redirects, http/https only, the capped body) come from aws_http_prepare;
 * sign-in adds its connect timeout, user agent and cancellation check.
 */
static void
http_request(const char *url, const char *post_body, struct curl_slist *headers, HttpResult *res)
{
	CURL	   *curl;
	char		errbuf[CURL_ERROR_SIZE + 64];

	memset(res, 0, sizeof(*res));
	res->resp.max_body = RESPONSE_MAX;
	ensure_curl();
	curl = curl_easy_init();
	if (curl == NULL ||
		aws_http_prepare(curl, post_body ? "POST" : "GET", url, headers, post_body,
						 post_body ? strlen(post_body) : 0, sesami_http_timeout, &res->resp,
						 errbuf, sizeof(errbuf)) != AWS_OK)
	{
		res->st = AWS_ETRANSPORT;
		strlcpy(res->resp.curl_error, "could not create a libcurl handle", sizeof(res->resp.curl_error));
		if (curl)
			curl_easy_cleanup(curl);
		return;
	}
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
					 (long) Min(sesami_http_connect_timeout, sesami_http_timeout));
	curl_easy_setopt(curl, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, http_progress);

	res->st = aws_http_finish(curl, curl_easy_perform(curl), &res->resp, errbuf, sizeof(errbuf));
	if (res->st == AWS_OK)
		res->status = res->resp.status;
	else if (res->resp.curl_error[0] == '\0')
		strlcpy(res->resp.curl_error, errbuf, sizeof(res->resp.curl_error));
	curl_easy_cleanup(curl);
}

/* Free (and wipe) a result's body. */
static void
http_free(HttpResult *res)
{
	aws_http_response_free(&res->resp);
}

/*
 * Turn a failed transfer into an error: PT504 for a timeout, PT502 for every
 * other failure to get an answer.  Returns if the transfer succeeded.
 */
static void
http_check_transfer(HttpResult *res, const char *what)
{
	aws_status	st = res->st;
	bool		too_large;
	char		errbuf[CURL_ERROR_SIZE];

	if (st == AWS_OK)
		return;
	too_large = res->resp.too_large;
	strlcpy(errbuf, res->resp.curl_error, sizeof(errbuf));
	http_free(res);
	if (st == AWS_ECANCELLED)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling sign-in")));
	}
	if (st == AWS_ETIMEDOUT)
		ereport(ERROR,
				(errcode(ERRCODE_PT504),
				 errmsg("GitHub did not answer in time"),
				 errdetail("The request to %s took longer than the limit (sesami.http_timeout = %d ms).",
						   what, sesami_http_timeout),
				 errhint("Try signing in again later.")));
	if (too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from %s is larger than %d bytes.", what, RESPONSE_MAX)));
	ereport(ERROR,
			(errcode(ERRCODE_PT502),
			 errmsg("could not reach GitHub"),
			 errdetail("The request to %s failed: %s.", what, errbuf),
			 errhint("Try signing in again later.")));
}

/* Refuse a non-2xx answer from GitHub with PT502. */
static void
http_check_status(HttpResult *res, const char *what)
{
	long		status = res->status;

	if (status >= 200 && status < 300)
		return;
	http_free(res);
	ereport(ERROR,
			(errcode(ERRCODE_PT502),
			 errmsg("GitHub could not complete the sign-in"),
			 errdetail("GitHub answered HTTP %ld to %s.", status, what),
			 status >= 500 ? errhint("Try signing in again later.") : 0));
}

/*
 * Parse a response body as jsonb and free the body.  A body that is not
 * JSON gives PT502; jsonb_in's own message (which quotes the input, and may
 * so quote a token) is discarded.
 */
static Jsonb *
parse_json(HttpResult *res, const char *what)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	Jsonb	   *volatile jb = NULL;
	char	   *volatile copy;

	copy = pnstrdup(res->resp.body.data ? res->resp.body.data : "", res->resp.body.len);
	http_free(res);
	PG_TRY();
	{
		jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(copy)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			sqlerrcode;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		sqlerrcode = edata->sqlerrcode;
		FreeErrorData(edata);
		if (ERRCODE_TO_CATEGORY(sqlerrcode) != ERRCODE_DATA_EXCEPTION &&
			sqlerrcode != ERRCODE_PROGRAM_LIMIT_EXCEEDED)
			PG_RE_THROW();
		FlushErrorState();
		jb = NULL;
	}
	PG_END_TRY();
	sesami_seal_wipe(copy, strlen(copy));
	pfree(copy);
	if (jb == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from %s is not JSON.", what)));
	return jb;
}

/* Wipe and free a jsonb that may hold a secret. */
static void
free_json(Jsonb *jb)
{
	sesami_seal_wipe(jb, VARSIZE(jb));
	pfree(jb);
}

/* The value of key in an object container, or NULL if absent or JSON null. */
static JsonbValue *
json_get(JsonbContainer *obj, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);

	if (v == NULL || v->type == jbvNull)
		return NULL;
	return v;
}

/* A string member as a palloc'd C string, or NULL if absent or not a string. */
static char *
json_string(JsonbContainer *obj, const char *key)
{
	JsonbValue *v = json_get(obj, key);

	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A boolean member; false if absent or not a boolean. */
static bool
json_bool(JsonbContainer *obj, const char *key)
{
	JsonbValue *v = json_get(obj, key);

	return v != NULL && v->type == jbvBool && v->val.boolean;
}

/* A positive integer member below 10^18, or -1. */
static int64
json_id(JsonbContainer *obj, const char *key)
{
	JsonbValue *v = json_get(obj, key);
	char	   *s;
	int64		id = -1;

	if (v == NULL || v->type != jbvNumeric)
		return -1;
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) >= 1 && strlen(s) <= 18 && s[0] != '0')
		id = strtoi64(s, NULL, 10);
	pfree(s);
	return id;
}

/* Is s a short identifier of [a-z0-9_:] (safe to quote in a message)? */
static bool
is_identifier(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= 64 &&
		strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_:") == strlen(s);
}

/* Is scope granted by the comma-separated list "granted" (a parent scope grants its children)? */
static bool
scope_granted(const char *scope, const char *granted)
{
	char	   *copy = pstrdup(granted);
	char	   *save = NULL;
	bool		found = false;
	size_t		colon = strcspn(scope, ":");

	for (char *g = strtok_r(copy, ", ", &save); g != NULL && !found; g = strtok_r(NULL, ", ", &save))
	{
		if (strcmp(g, scope) == 0)
			found = true;
		/* "user" grants "user:email", "repo" grants "repo:status" */
		else if (scope[colon] == ':' && strlen(g) == colon && strncmp(g, scope, colon) == 0)
			found = true;
		/* "repo" grants "public_repo"; "user" grants "read:user" */
		else if (strcmp(scope, "public_repo") == 0 && strcmp(g, "repo") == 0)
			found = true;
		else if (strcmp(scope, "read:user") == 0 && strcmp(g, "user") == 0)
			found = true;
	}
	pfree(copy);
	return found;
}

/* PT403 unless every scope in sesami.github_scopes is in "granted". */
static void
check_scopes(const char *granted)
{
	char	   *required = pstrdup(sesami_github_scopes ? sesami_github_scopes : "");
	List	   *names;
	ListCell   *lc;
	StringInfoData missing;

	initStringInfo(&missing);
	if (!SplitIdentifierString(required, ',', &names))
		elog(ERROR, "invalid sesami.github_scopes");
	foreach(lc, names)
	{
		const char *scope = lfirst(lc);

		if (!scope_granted(scope, granted ? granted : ""))
			appendStringInfo(&missing, "%s\"%s\"", missing.len ? ", " : "", scope);
	}
	if (missing.len > 0)
		ereport(ERROR,
				(errcode(ERRCODE_PT403),
				 errmsg("GitHub sign-in did not grant the required permissions"),
				 errdetail("Missing scopes: %s.", missing.data),
				 errhint("Sign in again and grant every permission sesami asks for.")));
}

/* Append key=value (form-encoded) to a request body. */
static void
form_add(StringInfo body, CURL *curl, const char *key, const char *value)
{
	char	   *escaped = curl_easy_escape(curl, value, 0);

	if (escaped == NULL)
		elog(ERROR, "could not encode a form field");
	appendStringInfo(body, "%s%s=%s", body->len ? "&" : "", key, escaped);
	sesami_seal_wipe(escaped, strlen(escaped));
	curl_free(escaped);
}

/* base + path, without a doubled slash. */
static char *
make_url(const char *base, const char *path)
{
	size_t		n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	return psprintf("%.*s%s", (int) n, base, path);
}

/*
 * Exchange the code for an access token (palloc'd; wipe it after use).
 * Errors for every answer that is not a usable bearer token.
 */
static char *
exchange_code(const char *code, const char *redirect_uri, const char *client_id,
			  const char *client_secret)
{
	const char *what = "the token endpoint";
	StringInfoData body;
	struct curl_slist *headers = NULL;
	HttpResult	res;
	Jsonb	   *jb;
	char	   *error,
			   *token,
			   *type,
			   *scope;
	CURL	   *escaper;

	ensure_curl();
	escaper = curl_easy_init();
	if (escaper == NULL)
		elog(ERROR, "could not create a libcurl handle");
	initStringInfo(&body);
	PG_TRY();
	{
		form_add(&body, escaper, "client_id", client_id);
		form_add(&body, escaper, "client_secret", client_secret);
		form_add(&body, escaper, "code", code);
		if (redirect_uri != NULL)
			form_add(&body, escaper, "redirect_uri", redirect_uri);
	}
	PG_CATCH();
	{
		curl_easy_cleanup(escaper);
		PG_RE_THROW();
	}
	PG_END_TRY();
	curl_easy_cleanup(escaper);

	headers = curl_slist_append(headers, "Accept: application/json");
	headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
	if (headers == NULL)
		elog(ERROR, "out of memory");
	http_request(make_url(sesami_github_oauth_url, "/login/oauth/access_token"),
				 body.data, headers, &res);
	aws_http_free_secret_headers(headers);
	sesami_seal_wipe(body.data, body.len);
	pfree(body.data);

	http_check_transfer(&res, what);
	http_check_status(&res, what);
	jb = parse_json(&res, what);
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from %s is not a JSON object.", what)));

	error = json_string(&jb->root, "error");
	token = json_string(&jb->root, "access_token");
	type = json_string(&jb->root, "token_type");
	scope = json_string(&jb->root, "scope");
	free_json(jb);

	if (error != NULL)
	{
		if (token != NULL)
			sesami_seal_wipe(token, strlen(token));
		if (strcmp(error, "bad_verification_code") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_PT401),
					 errmsg("GitHub did not accept the sign-in code"),
					 errdetail("The code is wrong, has expired, or was already used."),
					 errhint("Start the sign-in again.")));
		if (strcmp(error, "redirect_uri_mismatch") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("GitHub did not accept the redirect URI"),
					 errdetail("The redirect_uri must match the callback URL of sesami's GitHub OAuth app.")));
		if (strcmp(error, "incorrect_client_credentials") == 0)
			sesami_auth_not_configured("GitHub refused sesami.github_client_id or the client secret "
									   "(incorrect_client_credentials).");
		if (strcmp(error, "unverified_user_email") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_PT403),
					 errmsg("GitHub account has no verified e-mail address"),
					 errhint("Verify an e-mail address on GitHub, then sign in again.")));
		if (strcmp(error, "access_denied") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_PT403),
					 errmsg("GitHub sign-in was denied"),
					 errhint("Sign in again and allow sesami access.")));
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub could not complete the sign-in"),
				 errdetail("GitHub answered with error \"%s\".",
						   is_identifier(error) ? error : "(unrecognised)")));
	}
	if (token == NULL || token[0] == '\0' || strlen(token) > 1024 ||
		strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") != strlen(token))
	{
		if (token != NULL)
			sesami_seal_wipe(token, strlen(token));
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from %s has no usable access token.", what)));
	}
	if (type != NULL && pg_strcasecmp(type, "bearer") != 0)
	{
		sesami_seal_wipe(token, strlen(token));
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The token type is not \"bearer\".")));
	}
	PG_TRY();
	{
		check_scopes(scope);
	}
	PG_CATCH();
	{
		sesami_seal_wipe(token, strlen(token));
		PG_RE_THROW();
	}
	PG_END_TRY();
	return token;
}

/* GET an API path with the user's token; returns the parsed body. */
static Jsonb *
api_get(const char *path, const char *token)
{
	struct curl_slist *headers = NULL;
	char	   *auth = psprintf("Authorization: Bearer %s", token);
	HttpResult	res;

	headers = curl_slist_append(headers, "Accept: application/vnd.github+json");
	headers = curl_slist_append(headers, GITHUB_API_VERSION);
	headers = curl_slist_append(headers, auth);
	sesami_seal_wipe(auth, strlen(auth));
	pfree(auth);
	if (headers == NULL)
		elog(ERROR, "out of memory");
	http_request(make_url(sesami_github_api_url, path), NULL, headers, &res);
	aws_http_free_secret_headers(headers);

	http_check_transfer(&res, path);
	if ((res.status == 403 || res.status == 404) && strncmp(path, "/user/emails", 12) == 0)
	{
		http_free(&res);
		ereport(ERROR,
				(errcode(ERRCODE_PT403),
				 errmsg("GitHub sign-in did not grant the required permissions"),
				 errdetail("GitHub refused to list the account's e-mail addresses (HTTP %ld).", res.status),
				 errhint("Sign in again and grant every permission sesami asks for.")));
	}
	http_check_status(&res, path);
	return parse_json(&res, path);
}

/* Is s an acceptable e-mail address to store (printable, an "@", <= 320 bytes)? */
static bool
email_ok(const char *s)
{
	if (s == NULL || strlen(s) < 3 || strlen(s) > 320 || strchr(s, '@') == NULL)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char) *p <= ' ' || *p == 0x7f)
			return false;
	return pg_verifymbstr(s, strlen(s), true);
}

/* Read the user and their verified e-mail addresses with the token. */
static void
read_user(const char *token, GitHubUser *user)
{
	Jsonb	   *jb;
	List	   *others = NIL;
	int			n;

	jb = api_get("/user", token);
	if (!JB_ROOT_IS_OBJECT(jb))
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from /user is not a JSON object.")));
	user->id = json_id(&jb->root, "id");
	user->login = json_string(&jb->root, "login");
	user->name = json_string(&jb->root, "name");
	pfree(jb);
	if (user->id <= 0 || user->login == NULL ||
		!DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID, CStringGetTextDatum(user->login),
										  CStringGetTextDatum("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$"))))
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from /user has no valid \"id\" and \"login\".")));
	if (user->name != NULL)
	{
		if (!pg_verifymbstr(user->name, strlen(user->name), true) || user->name[0] == '\0')
			user->name = NULL;
		else
			user->name[pg_mbcliplen(user->name, strlen(user->name), 255)] = '\0';
	}

	jb = api_get("/user/emails?per_page=100", token);
	if (!JB_ROOT_IS_ARRAY(jb))
		ereport(ERROR,
				(errcode(ERRCODE_PT502),
				 errmsg("GitHub sent an invalid response"),
				 errdetail("The response from /user/emails is not a JSON array.")));
	user->emails = NIL;
	n = JsonContainerSize(&jb->root);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(&jb->root, i);
		char	   *email;

		if (v == NULL || v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			continue;
		if (!json_bool(v->val.binary.data, "verified"))
			continue;
		email = json_string(v->val.binary.data, "email");
		if (!email_ok(email))
			continue;
		if (json_bool(v->val.binary.data, "primary"))
			user->emails = lappend(user->emails, email);
		else
			others = lappend(others, email);
	}
	pfree(jb);
	user->emails = list_concat(user->emails, others);
	if (user->emails == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_PT403),
				 errmsg("GitHub account has no verified e-mail address"),
				 errhint("Verify an e-mail address on GitHub, then sign in again.")));
	if (list_length(user->emails) > MAX_EMAILS)
		user->emails = list_truncate(user->emails, MAX_EMAILS);
}

/* Seal the token to the worker's public key; returns a palloc'd bytea. */
static bytea *
seal_token(const char *token, const char **key_id)
{
	uint8		pub[SESAMI_SEAL_KEY_LEN];
	char		err[256];
	bytea	   *sealed;
	size_t		len;

	sesami_worker_key(pub, key_id);
	len = sesami_sealed_len(strlen(*key_id), strlen(token));
	sealed = palloc(VARHDRSZ + len);
	if (sesami_seal(pub, *key_id, (const uint8 *) token, strlen(token),
					(uint8 *) VARDATA(sealed), len, &len, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not seal the GitHub token"),
				 errdetail("%s", err)));
	SET_VARSIZE(sealed, VARHDRSZ + len);
	return sealed;
}

/* Upsert the account and its sealed token; returns the account id. */
static int64
store_account(GitHubUser *user, bytea *sealed, const char *key_id)
{
	Oid			acct_types[4] = {INT8OID, TEXTOID, TEXTOID, TEXTARRAYOID};
	Datum		acct_values[4];
	char		acct_nulls[4] = {' ', ' ', ' ', ' '};
	Oid			tok_types[3] = {INT8OID, TEXTOID, BYTEAOID};
	Datum		tok_values[3];
	Datum	   *emails;
	ListCell   *lc;
	int			i = 0;
	int			rc;
	bool		isnull;
	int64		account_id;

	emails = palloc(sizeof(Datum) * list_length(user->emails));
	foreach(lc, user->emails)
		emails[i++] = CStringGetTextDatum(lfirst(lc));

	acct_values[0] = Int64GetDatum(user->id);
	acct_values[1] = CStringGetTextDatum(user->login);
	if (user->name != NULL)
		acct_values[2] = CStringGetTextDatum(user->name);
	else
	{
		acct_values[2] = (Datum) 0;
		acct_nulls[2] = 'n';
	}
	acct_values[3] = PointerGetDatum(construct_array(emails, i, TEXTOID, -1, false, TYPALIGN_INT));

	rc = SPI_execute_with_args(
							   "INSERT INTO sesami.accounts AS a (github_id, login, display_name, emails) "
							   "VALUES ($1, $2, $3, $4) "
							   "ON CONFLICT (github_id) DO UPDATE "
							   "SET login = excluded.login, display_name = excluded.display_name, "
							   "    emails = excluded.emails, updated_at = now() "
							   "RETURNING a.id",
							   4, acct_types, acct_values, acct_nulls, false, 1);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not store the account: %s", SPI_result_code_string(rc));
	account_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	tok_values[0] = Int64GetDatum(account_id);
	tok_values[1] = CStringGetTextDatum(key_id);
	tok_values[2] = PointerGetDatum(sealed);
	rc = SPI_execute_with_args(
							   "INSERT INTO sesami.github_tokens (account_id, key_id, sealed) "
							   "VALUES ($1, $2, $3) "
							   "ON CONFLICT (account_id) DO UPDATE "
							   "SET key_id = excluded.key_id, sealed = excluded.sealed, updated_at = now()",
							   3, tok_types, tok_values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not store the sealed token: %s", SPI_result_code_string(rc));
	return account_id;
}

/* Check the code and the redirect URI; 22023 with no echo of the value. */
static void
check_input(text *code_t, text *redirect_t)
{
	if (code_t == NULL || VARSIZE_ANY_EXHDR(code_t) < 1 || VARSIZE_ANY_EXHDR(code_t) > 512 ||
		!DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID, PointerGetDatum(code_t),
										  CStringGetTextDatum("^[[:graph:]]+$"))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sign-in code"),
				 errdetail("A code is 1 to 512 printable characters without spaces, as GitHub "
						   "passed it to the redirect URI.")));
	if (redirect_t != NULL &&
		(VARSIZE_ANY_EXHDR(redirect_t) > 2048 ||
		 !DatumGetBool(DirectFunctionCall2Coll(textregexeq, C_COLLATION_OID, PointerGetDatum(redirect_t),
										   CStringGetTextDatum("^https?://[[:graph:]]+$")))))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid redirect URI"),
				 errdetail("A redirect URI is an http or https URL of at most 2048 characters.")));
}

/*
 * api.login_github(code text, redirect_uri text) RETURNS sesami.session:
 * sign in with a GitHub OAuth code (see the file header for the steps).
 */
Datum
sesami_login_github(PG_FUNCTION_ARGS)
{
	text	   *code_t = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	text	   *redirect_t = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	char	   *code,
			   *redirect_uri,
			   *client_secret;
	char	   *volatile token = NULL;
	const char *key_id;
	uint8		pub[SESAMI_SEAL_KEY_LEN];
	TupleDesc	tupdesc;
	GitHubUser	user;
	bytea	   *volatile sealed = NULL;
	int64		account_id;
	Datum		result;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	/* 1. input and configuration, before the one-time code is spent */
	check_input(code_t, redirect_t);
	code = text_to_cstring(code_t);
	redirect_uri = redirect_t ? text_to_cstring(redirect_t) : NULL;
	if (sesami_github_client_id == NULL || sesami_github_client_id[0] == '\0')
		sesami_auth_not_configured("sesami.github_client_id is not set.");
	sesami_worker_key(pub, &key_id);
	sesami_jwt_check_secret();
	client_secret = sesami_read_secret(sesami_github_client_secret,
									   sesami_github_client_secret_file,
									   "sesami.github_client_secret");

	/* 2. HTTP, no locks held */
	PG_TRY();
	{
		token = exchange_code(code, redirect_uri, sesami_github_client_id, client_secret);
	}
	PG_CATCH();
	{
		sesami_wipe_secret(client_secret);
		sesami_seal_wipe(code, strlen(code));
		PG_RE_THROW();
	}
	PG_END_TRY();
	sesami_wipe_secret(client_secret);
	sesami_seal_wipe(code, strlen(code));

	PG_TRY();
	{
		read_user(token, &user);
		/* 3. seal */
		sealed = seal_token(token, &key_id);
	}
	PG_CATCH();
	{
		sesami_wipe_secret(token);
		PG_RE_THROW();
	}
	PG_END_TRY();
	sesami_wipe_secret(token);

	/* 4. writes, then the session token */
	SPI_connect();
	account_id = store_account(&user, sealed, key_id);
	result = sesami_make_session(account_id, tupdesc);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
