/*
 * aws_http.h — status codes and the libcurl plumbing shared by sesami's AWS
 * client layer (aws_credentials.c, sqs.c).
 *
 * Plain C11 + libcurl, shared by the extension and sesami-worker: no
 * PostgreSQL headers, no printing, no exit().  A request is split in two
 * halves so callers can drive it either way:
 *   aws_http_prepare()  configure an easy handle (method, URL, headers, body,
 *                       timeouts, response capture) — add it to a curl multi
 *                       handle yourself, or
 *   aws_http_perform()  prepare + curl_easy_perform + aws_http_finish();
 *   aws_http_finish()   turn the transfer's CURLcode into an aws_status and
 *                       fill in the HTTP status.
 * The easy handle is the caller's (reuse it: libcurl keeps the connection
 * alive between requests on one handle).  The response body is collected in
 * an aws_http_response owned by the caller; it must outlive the transfer.
 *
 * Global state: libcurl needs curl_global_init() once per process before any
 * thread uses it; callers do that (the worker in main, the extension in its
 * background worker start-up).  This layer never calls it.
 */
#ifndef SESAMI_AWS_HTTP_H
#define SESAMI_AWS_HTTP_H

#include <stddef.h>

#include <curl/curl.h>

#include "aws_buf.h"

/* Status codes used by every part of the AWS client layer above sigv4. */
typedef enum aws_status
{
	AWS_OK = 0,
	AWS_EINVAL,					/* bad argument (caller bug); permanent */
	AWS_ENOMEM,					/* allocation failed */
	AWS_ETRANSPORT,				/* connect/DNS/reset: retry later */
	AWS_EHTTP,					/* unexpected HTTP status without AWS error body */
	AWS_EPARSE,					/* response was not the expected JSON */
	AWS_ENOCREDS,				/* no credential source configured or usable */
	AWS_ESIGN,					/* signing failed */
	AWS_ETHROTTLED,				/* AWS throttling error: back off and retry */
	AWS_ESERVICE,				/* AWS returned an error (__type/message) */
	AWS_ETIMEDOUT,				/* no answer within the timeout: retry later */
	AWS_ECANCELLED				/* the caller's progress callback stopped it */
} aws_status;

/* The captured response of one request. */
typedef struct aws_http_response
{
	long		status;			/* HTTP status, 0 if none was received */
	aws_buf		body;			/* response body (owned; aws_http_response_free) */
	size_t		max_body;		/* abort the transfer past this many bytes; 0 = no limit */
	int			too_large;		/* set when max_body stopped the transfer */
	char		curl_error[CURL_ERROR_SIZE];	/* libcurl's detail text */
} aws_http_response;

extern const char *aws_status_name(aws_status st);
extern int	aws_status_retryable(aws_status st);

extern aws_status aws_http_prepare(CURL *easy, const char *method,
								   const char *url, struct curl_slist *headers,
								   const char *body, size_t body_len,
								   long timeout_ms, aws_http_response *resp,
								   char *errbuf, size_t errlen);
extern aws_status aws_http_finish(CURL *easy, CURLcode code,
								  aws_http_response *resp,
								  char *errbuf, size_t errlen);
extern aws_status aws_http_perform(CURL *easy, const char *method,
								   const char *url, struct curl_slist *headers,
								   const char *body, size_t body_len,
								   long timeout_ms, aws_http_response *resp,
								   char *errbuf, size_t errlen);
extern void aws_http_response_reset(aws_http_response *resp);
extern void aws_http_response_free(aws_http_response *resp);
/* Wipe every line of a header list (they may carry a token), then free it. */
extern void aws_http_free_secret_headers(struct curl_slist *headers);
/*
 * Format an error message into errbuf (if any), on one line: see
 * aws_text_one_line.  Every error text of the AWS layer goes through here
 * or through aws_text_one_line, since callers put them in log lines.
 */
extern void aws_set_error(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
/*
 * Make s one line in place: each run of control characters (newlines,
 * tabs, ESC, DEL, ...) becomes one space, and trailing spaces go.  Texts
 * from libcurl and from replies can carry them; a log line must not.
 */
extern void aws_text_one_line(char *s);

#endif							/* SESAMI_AWS_HTTP_H */
