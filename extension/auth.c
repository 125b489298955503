/*
 * auth.c — sign-in settings: GitHub OAuth endpoints and client, JWT signing,
 * HTTP timeouts, and the worker's public key for sealing GitHub tokens.
 *
 * Secrets (the OAuth client secret and the JWT secret) are superuser-only,
 * hidden settings: GUC_SUPERUSER_ONLY keeps them out of pg_settings and SHOW
 * for other roles, GUC_NO_SHOW_ALL keeps them out of SHOW ALL.  Each can
 * instead name a file (for example one a container runtime mounted from AWS
 * Secrets Manager); the file is read at the moment the secret is needed, so
 * a rotated file takes effect without a reload.  api.login_github runs for
 * sesami_anon, which cannot read these settings from SQL, so the C code reads
 * the GUC variables directly.  No secret value is ever put into a message.
 *
 * Locking: none.  GUC variables are backend-local.
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "auth.h"
#include "seal.h"

/* GUC variables */
char	   *sesami_github_oauth_url = NULL;
char	   *sesami_github_api_url = NULL;
char	   *sesami_github_client_id = NULL;
char	   *sesami_github_client_secret = NULL;
char	   *sesami_github_client_secret_file = NULL;
char	   *sesami_github_scopes = NULL;
char	   *sesami_jwt_secret = NULL;
char	   *sesami_jwt_secret_file = NULL;
char	   *sesami_jwt_audience = NULL;
int			sesami_jwt_ttl = 3600;
int			sesami_http_timeout = 10000;
int			sesami_http_connect_timeout = 3000;
char	   *sesami_worker_public_key = NULL;
char	   *sesami_worker_key_id = NULL;

/* Longest secret file read. */
#define SECRET_FILE_MAX 16384


/* Check hook for the GitHub base URLs: http(s)://host[:port][/path], no query. */
static bool
check_base_url(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0))
	{
		GUC_check_errdetail("The URL must start with \"https://\" (or \"http://\" for a local test double).");
		return false;
	}
	for (const char *p = v; *p; p++)
	{
		if ((unsigned char) *p <= ' ' || *p == '?' || *p == '#' || *p == '@' ||
			(unsigned char) *p >= 0x7f)
		{
			GUC_check_errdetail("The URL must not contain blanks, credentials, a query or a fragment.");
			return false;
		}
	}
	return true;
}

/* Check hook for sesami.worker_public_key: empty, or an X25519 public key. */
static bool
check_worker_public_key(char **newval, void **extra, GucSource source)
{
	uint8		pub[SESAMI_SEAL_KEY_LEN];
	char		err[256];

	if (*newval == NULL || **newval == '\0')
		return true;
	if (sesami_seal_parse_public_key(*newval, pub, err, sizeof(err)) != 0)
	{
		GUC_check_errdetail("The value is not an X25519 public key (%s).", err);
		GUC_check_errhint("Give the 32-byte key in base64, or a PEM \"PUBLIC KEY\".");
		return false;
	}
	return true;
}

/* Check hook for sesami.worker_key_id: empty, or 1..64 of [A-Za-z0-9._:-]. */
static bool
check_worker_key_id(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || **newval == '\0' || sesami_seal_key_id_valid(*newval))
		return true;
	GUC_check_errdetail("A key id is 1 to 64 letters, digits, \".\", \"_\", \":\" or \"-\".");
	return false;
}

/* Check hook for sesami.github_scopes: a comma-separated list of scope names. */
static bool
check_github_scopes(char **newval, void **extra, GucSource source)
{
	for (const char *p = *newval; p && *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' || *p == ':' || *p == ',' || *p == ' '))
		{
			GUC_check_errdetail("Scope names are lower-case letters, \"_\" and \":\", separated by commas.");
			return false;
		}
	}
	return true;
}

/* Define the sign-in GUCs. */
void
sesami_define_auth_gucs(void)
{
	DefineCustomStringVariable("sesami.github_oauth_url",
							   "Sets the base URL of GitHub's OAuth endpoints.",
							   "The code is exchanged at this URL plus \"/login/oauth/access_token\". "
							   "Change it for GitHub Enterprise Server.",
							   &sesami_github_oauth_url,
							   "https://github.com",
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);

	DefineCustomStringVariable("sesami.github_api_url",
							   "Sets the base URL of the GitHub REST API.",
							   "The user and their e-mail addresses are read from this URL plus "
							   "\"/user\" and \"/user/emails\".",
							   &sesami_github_api_url,
							   "https://api.github.com",
							   PGC_SUSET, 0,
							   check_base_url, NULL, NULL);

	DefineCustomStringVariable("sesami.github_client_id",
							   "Sets the client ID of sesami's GitHub OAuth app.",
							   NULL,
							   &sesami_github_client_id,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.github_client_secret",
							   "Sets the client secret of sesami's GitHub OAuth app.",
							   "Visible to superusers only. When empty, the secret is read from "
							   "sesami.github_client_secret_file.",
							   &sesami_github_client_secret,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.github_client_secret_file",
							   "Names a file that holds the GitHub OAuth client secret.",
							   "Used when sesami.github_client_secret is empty. The file is read at "
							   "each sign-in; trailing white space is ignored.",
							   &sesami_github_client_secret_file,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.github_scopes",
							   "Lists the OAuth scopes a GitHub sign-in must grant.",
							   "A comma-separated list. A sign-in whose token lacks one of them is "
							   "refused. An empty list accepts any grant.",
							   &sesami_github_scopes,
							   "repo,user:email",
							   PGC_SUSET, GUC_LIST_INPUT,
							   check_github_scopes, NULL, NULL);

	DefineCustomStringVariable("sesami.jwt_secret",
							   "Sets the secret that signs sesami's JSON Web Tokens (HS256).",
							   "It must be the same as PostgREST's jwt-secret and at least 32 characters "
							   "long. Visible to superusers only. When empty, the secret is read from "
							   "sesami.jwt_secret_file.",
							   &sesami_jwt_secret,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.jwt_secret_file",
							   "Names a file that holds the JWT signing secret.",
							   "Used when sesami.jwt_secret is empty. The file is read each time a token "
							   "is signed; trailing white space is ignored.",
							   &sesami_jwt_secret_file,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.jwt_audience",
							   "Sets the \"aud\" claim of the tokens sesami signs.",
							   "Leave empty for no \"aud\" claim; otherwise match PostgREST's jwt-aud.",
							   &sesami_jwt_audience,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.jwt_ttl",
							"Sets how long a token signed by sesami stays valid.",
							"Tokens carry \"exp\" = \"iat\" + this; api.refresh_token() issues a new one.",
							&sesami_jwt_ttl,
							3600, 1, 7 * 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.http_timeout",
							"Sets the longest time one outgoing HTTP request may take.",
							"Applies to the GitHub sign-in requests and to each SQS request of the "
							"dispatcher; a request that takes longer is abandoned.",
							&sesami_http_timeout,
							10000, 100, 300000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("sesami.http_connect_timeout",
							"Sets the longest time connecting to GitHub may take.",
							"It is also capped by sesami.http_timeout.",
							&sesami_http_connect_timeout,
							3000, 100, 300000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("sesami.worker_public_key",
							   "Sets the worker's X25519 public key that GitHub tokens are sealed to.",
							   "Base64 of the 32-byte key, or a PEM \"PUBLIC KEY\". The database never "
							   "holds the private key.",
							   &sesami_worker_public_key,
							   "",
							   PGC_SUSET, 0,
							   check_worker_public_key, NULL, NULL);

	DefineCustomStringVariable("sesami.worker_key_id",
							   "Names the worker key that sesami.worker_public_key belongs to.",
							   "Stored with every sealed token so the worker can pick the private key, "
							   "and so tokens sealed to an older key can be found and sealed again.",
							   &sesami_worker_key_id,
							   "",
							   PGC_SUSET, 0,
							   check_worker_key_id, NULL, NULL);
}

/* Refuse a sign-in because a setting is missing or wrong (details only in the log). */
void
sesami_auth_not_configured(const char *log_detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_CONFIG_FILE_ERROR),
			 errmsg("sign-in is not configured on this server"),
			 errdetail_log("%s", log_detail),
			 errhint("The server log says which setting is missing.")));
}

/*
 * A secret: the GUC value if set, else the contents of the named file
 * (trailing white space removed).  Errors if neither gives a value.
 * The result is palloc'd; wipe it with sesami_wipe_secret after use.
 */
char *
sesami_read_secret(const char *value, const char *file, const char *what)
{
	char	   *buf;
	ssize_t		n,
				total = 0;
	int			fd;

	if (value != NULL && value[0] != '\0')
		return pstrdup(value);
	if (file == NULL || file[0] == '\0')
		sesami_auth_not_configured(psprintf("Neither %s nor %s_file is set.", what, what));

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sesami_auth_not_configured(psprintf("could not open %s_file \"%s\": %m", what, file));
	buf = palloc(SECRET_FILE_MAX + 1);
	while (total < SECRET_FILE_MAX &&
		   (n = read(fd, buf + total, SECRET_FILE_MAX - total)) != 0)
	{
		if (n < 0)
		{
			int			save_errno = errno;

			if (save_errno == EINTR)
				continue;
			close(fd);
			errno = save_errno;
			sesami_auth_not_configured(psprintf("could not read %s_file \"%s\": %m", what, file));
		}
		total += n;
	}
	close(fd);
	while (total > 0 && (buf[total - 1] == '\n' || buf[total - 1] == '\r' ||
						 buf[total - 1] == ' ' || buf[total - 1] == '\t'))
		total--;
	buf[total] = '\0';
	if (total == 0)
		sesami_auth_not_configured(psprintf("%s_file \"%s\" is empty.", what, file));
	return buf;
}

/* Overwrite and free a secret returned by sesami_read_secret. */
void
sesami_wipe_secret(char *secret)
{
	if (secret == NULL)
		return;
	sesami_seal_wipe(secret, strlen(secret));
	pfree(secret);
}

/* The worker's public key and key id, or a configuration error. */
void
sesami_worker_key(uint8 pub[SESAMI_SEAL_KEY_LEN], const char **key_id)
{
	char		err[256];

	if (sesami_worker_public_key == NULL || sesami_worker_public_key[0] == '\0')
		sesami_auth_not_configured("sesami.worker_public_key is not set.");
	if (sesami_worker_key_id == NULL || !sesami_seal_key_id_valid(sesami_worker_key_id))
		sesami_auth_not_configured("sesami.worker_key_id is not set.");
	if (sesami_seal_parse_public_key(sesami_worker_public_key, pub, err, sizeof(err)) != 0)
		sesami_auth_not_configured(psprintf("sesami.worker_public_key is invalid: %s", err));
	*key_id = sesami_worker_key_id;
}

PG_FUNCTION_INFO_V1(sesami_sealed_key_id);

/* sesami.sealed_key_id(sealed bytea) RETURNS text: the key id a sealed token names. */
Datum
sesami_sealed_key_id(PG_FUNCTION_ARGS)
{
	bytea	   *sealed = PG_GETARG_BYTEA_PP(0);
	char		key_id[SESAMI_SEAL_KEY_ID_MAX + 1];
	char		err[256];

	if (sesami_seal_key_id((const uint8 *) VARDATA_ANY(sealed), VARSIZE_ANY_EXHDR(sealed),
						   key_id, err, sizeof(err)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid sealed token"),
				 errdetail("The value is %s.", err)));
	PG_RETURN_TEXT_P(cstring_to_text(key_id));
}
