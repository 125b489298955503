/*
 * sigv4.h — AWS Signature Version 4 request signer (header signing).
 *
 * Shared by the extension (linked into sesami.so) and sesami-worker, so it is
 * plain C11 + OpenSSL: no PostgreSQL headers, no printing, no exit(), and no
 * global state.  Every function is re-entrant; errors are returned as a
 * SIGV4_E* code with a message written into a caller-provided buffer.  Error
 * messages never contain the secret key or the session token.
 *
 * Scope: SigV4 for non-S3 services (SQS, STS, ...): the URI path is
 * normalised (RFC 3986 dot segments removed, empty segments dropped) and then
 * URI-encoded once more, which is AWS's "encode twice" rule for paths already
 * encoded on the wire.  SIGV4_NO_NORMALIZE_PATH skips normalisation only; S3's
 * single-encoding rule and query-string (presigned URL) signing are not
 * implemented.
 *
 * The caller supplies the time (time_t) so tests can pin it.  The signer does
 * not modify the request: it returns the values of the headers the caller must
 * add (X-Amz-Date, Authorization, and X-Amz-Security-Token = the session token
 * when there is one; x-amz-content-sha256 with SIGV4_CONTENT_SHA256).
 *
 * Ownership: the strings in sigv4_result are malloc'd by sigv4_sign() and owned
 * by the caller, who releases them with sigv4_result_free().
 */
#ifndef SESAMI_SIGV4_H
#define SESAMI_SIGV4_H

#include <stddef.h>
#include <time.h>

/* Return codes. */
#define SIGV4_OK		0
#define SIGV4_EINVAL	1		/* bad argument or malformed request */
#define SIGV4_ENOMEM	2		/* malloc failed */
#define SIGV4_ECRYPTO	3		/* OpenSSL reported an error */

/* Flags for sigv4_params.flags. */
#define SIGV4_NO_NORMALIZE_PATH	0x01	/* keep "." ".." "//" in the path */
#define SIGV4_UNSIGNED_TOKEN	0x02	/* session token sent but not signed */
#define SIGV4_CONTENT_SHA256	0x04	/* sign an x-amz-content-sha256 header */

/* One request header; names are case-insensitive, values raw. */
typedef struct sigv4_header
{
	const char *name;
	const char *value;
} sigv4_header;

/* Credentials used for one signature (borrowed; not copied). */
typedef struct sigv4_credentials
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;	/* NULL or "" for long-term keys */
} sigv4_credentials;

/*
 * The request to sign.  host is the Host header value (host[:port]); path is
 * the path exactly as it goes on the request line (NULL or "" = "/"); query is
 * the query string without '?' (NULL = none).  headers must not contain Host,
 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 or Authorization:
 * the signer owns those.  Every header given is signed.
 */
typedef struct sigv4_request
{
	const char *method;
	const char *host;
	const char *path;
	const char *query;
	const sigv4_header *headers;
	size_t		nheaders;
	const void *body;
	size_t		body_len;
} sigv4_request;

/* Where, as whom and when to sign. */
typedef struct sigv4_params
{
	const char *region;
	const char *service;
	const sigv4_credentials *creds;
	time_t		when;
	unsigned	flags;
} sigv4_params;

/* What sigv4_sign() produces; free with sigv4_result_free(). */
typedef struct sigv4_result
{
	char		amz_date[17];	/* X-Amz-Date value, "YYYYMMDDTHHMMSSZ" */
	char		payload_hash[65];	/* hex SHA-256 of the body */
	char		signature[65];	/* hex signature */
	char	   *authorization;	/* Authorization header value */
	char	   *signed_headers; /* "host;x-amz-date;..." */
	char	   *canonical_request;	/* for tests; holds the session token */
	char	   *string_to_sign; /* for tests and debugging */
} sigv4_result;

extern int	sigv4_sign(const sigv4_request *req, const sigv4_params *params,
					   sigv4_result *out, char *errbuf, size_t errlen);

extern int	sigv4_sign_url(const char *method, const char *url,
						   const sigv4_header *headers, size_t nheaders,
						   const void *body, size_t body_len,
						   const sigv4_params *params, sigv4_result *out,
						   char *errbuf, size_t errlen);

extern void sigv4_result_free(sigv4_result *res);

extern int	sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

#endif							/* SESAMI_SIGV4_H */
