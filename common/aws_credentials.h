/*
 * aws_credentials.h — AWS credential provider chain with caching and refresh.
 *
 * Sources, in order (the first one that is configured is used; if it is
 * configured but fails, that failure is reported rather than silently
 * falling through to the next, as the AWS SDKs do):
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *      (+ AWS_SESSION_TOKEN); never expire;
 *   2. ECS / AWS Batch container endpoint:
 *      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to
 *      http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (plain
 *      http only to loopback or the ECS/EKS link-local hosts, compared
 *      exactly after libcurl's URL parser took the URL apart), with the
 *      Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
 *      (re-read on every refresh) or AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *   3. EC2 instance metadata, IMDSv2 only: PUT /latest/api/token, then GET
 *      the role name and its credentials; base URL from
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT (default http://169.254.169.254);
 *      skipped when AWS_EC2_METADATA_DISABLED=true.
 * Temporary credentials are cached and refreshed refresh_margin_s seconds
 * before they expire; if a refresh fails while the cached ones are still
 * valid, the cached ones are returned (the error is kept for the caller's
 * logs via aws_credentials_last_error()).
 *
 * JSON: this file and sqs.c link json-c (Debian libjson-c5) in BOTH the worker
 * and the extension (SHLIB_LINK += -ljson-c).  That is the "one
 * implementation" choice: no second parser behind a callback, and no
 * hand-written JSON.  json-c exports only json_object_* / json_tokener_* /
 * json_c_* names, none of which clash with symbols the postgres binary
 * exports (checked with nm on PostgreSQL 15).
 *
 * Secrets: the secret key and session token never appear in error messages;
 * response buffers that held them are wiped (OPENSSL_cleanse) before they
 * are freed, and so are the provider's cached copies.  (json-c's own parse
 * tree is freed without wiping; that memory is not reachable afterwards.)
 *
 * Threads and globals: no global state; a provider is NOT thread-safe (give
 * each thread its own, or lock around aws_credentials_get).  The process must
 * have called curl_global_init() (see aws_http.h).
 *
 * Ownership: aws_credentials_provider_new() returns a provider owned by the
 * caller (aws_credentials_provider_free).  aws_credentials_get() fills a
 * caller-owned aws_credentials with malloc'd copies; release them with
 * aws_credentials_clear().  The provider keeps its own CURL handle.
 */
#ifndef SESAMI_AWS_CREDENTIALS_H
#define SESAMI_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

#include "aws_http.h"
#include "sigv4.h"

/* One set of credentials (all strings malloc'd; aws_credentials_clear). */
typedef struct aws_credentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;	/* NULL for long-term keys */
	time_t		expiration;		/* 0 = does not expire */
	const char *source;			/* static: "environment", "container", "imds" */
} aws_credentials;

/* Clock and environment hooks, so tests can move time and inject settings. */
typedef time_t (*aws_clock_fn) (void *arg);
typedef const char *(*aws_getenv_fn) (const char *name, void *arg);

/* Options for a provider; a zeroed struct gives the defaults. */
typedef struct aws_credentials_options
{
	long		http_timeout_ms;	/* per metadata request; 0 = 2000 */
	int			refresh_margin_s;	/* refresh this early; 0 = 300 */
	const char *container_base_url; /* NULL = "http://169.254.170.2" */
	aws_clock_fn now;			/* NULL = time() */
	void	   *now_arg;
	aws_getenv_fn getenv_fn;	/* NULL = getenv() */
	void	   *getenv_arg;
} aws_credentials_options;

typedef struct aws_credentials_provider aws_credentials_provider;

extern aws_credentials_provider *aws_credentials_provider_new(const aws_credentials_options *opts,
															  char *errbuf, size_t errlen);
extern void aws_credentials_provider_free(aws_credentials_provider *p);
extern aws_status aws_credentials_get(aws_credentials_provider *p,
									  aws_credentials *out,
									  char *errbuf, size_t errlen);
extern void aws_credentials_invalidate(aws_credentials_provider *p);
extern const char *aws_credentials_last_error(const aws_credentials_provider *p);
extern void aws_credentials_clear(aws_credentials *c);
extern void aws_credentials_as_sigv4(const aws_credentials *c, sigv4_credentials *out);
extern int	aws_parse_iso8601(const char *s, time_t *out);

/*
 * The parsers of what the credential endpoints send, exported for the tests
 * and the fuzz targets.  aws_credentials_parse_json reads the JSON of the
 * container endpoint or IMDS (AccessKeyId, SecretAccessKey, Token,
 * Expiration, and IMDS's Code) from body[0..len) into out (cleared on
 * failure); a member of the wrong type is AWS_EPARSE, a Code other than
 * "Success" AWS_ENOCREDS.  source names the endpoint in messages.
 */
extern aws_status aws_credentials_parse_json(const char *body, size_t len, const char *source,
											 aws_credentials *out, char *errbuf, size_t errlen);
/* The IAM role name on the first line of IMDS's listing (malloc'd), or NULL. */
extern char *aws_imds_role_name(const char *body, size_t len);
/* True if value is non-empty and has no control character (no CR, no LF). */
extern int	aws_header_value_ok(const char *value);
/*
 * True if AWS_CONTAINER_CREDENTIALS_FULL_URI may be used: any https URL, or
 * plain http whose host, as libcurl parses the URL, is exactly loopback
 * (127.0.0.0/8, [::1], localhost) or the ECS/EKS link-local address
 * (169.254.170.2, 169.254.170.23, [fd00:ec2::23]).
 */
extern int	aws_container_url_allowed(const char *url);

#endif							/* SESAMI_AWS_CREDENTIALS_H */
