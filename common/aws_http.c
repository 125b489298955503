/*
 * aws_http.c — libcurl plumbing for sesami's AWS client layer (see aws_http.h).
 *
 * Design notes:
 * - Only libcurl options that matter for correctness are set: the method, the
 *   body (CURLOPT_POSTFIELDS with an explicit size; the caller's buffer must
 *   live until the transfer ends), a total timeout and a connect timeout (the
 *   smaller of 5 s and the total), CURLOPT_NOSIGNAL (safe in threads and in a
 *   PostgreSQL backend, whose signal handlers must not be disturbed), and no
 *   redirect following.  Proxies follow libcurl's environment rules
 *   (https_proxy, no_proxy); aws_credentials.c turns them off for the
 *   metadata endpoints.  An empty "Expect:" header is the caller's job
 *   if it sends large bodies; sqs.c does that.
 * - Error texts name the URL's host part only indirectly (libcurl's message);
 *   request headers and bodies never appear in them, so secrets cannot leak
 *   through this file.
 */
#include "aws_http.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

/* Format a message into errbuf, if there is one. */
void
aws_set_error(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	aws_text_one_line(errbuf);
}

/* See aws_http.h. */
void
aws_text_one_line(char *s)
{
	char	   *out = s;

	if (s == NULL)
		return;
	for (const unsigned char *c = (const unsigned char *) s; *c; c++)
	{
		if (*c < 0x20 || *c == 0x7f)
		{
			if (out > s && out[-1] != ' ')
				*out++ = ' ';
		}
		else
			*out++ = (char) *c;
	}
	while (out > s && out[-1] == ' ')
		out--;
	*out = '\0';
}

/* Short name of a status code, for logs and tests. */
const char *
aws_status_name(aws_status st)
{
	switch (st)
	{
		case AWS_OK:
			return "ok";
		case AWS_EINVAL:
			return "invalid argument";
		case AWS_ENOMEM:
			return "out of memory";
		case AWS_ETRANSPORT:
			return "transport error";
		case AWS_EHTTP:
			return "HTTP error";
		case AWS_EPARSE:
			return "malformed response";
		case AWS_ENOCREDS:
			return "no credentials";
		case AWS_ESIGN:
			return "signing failed";
		case AWS_ETHROTTLED:
			return "throttled";
		case AWS_ESERVICE:
			return "service error";
		case AWS_ETIMEDOUT:
			return "timed out";
		case AWS_ECANCELLED:
			return "cancelled";
	}
	return "unknown";
}

/* True if a request that failed with st may succeed when simply retried. */
int
aws_status_retryable(aws_status st)
{
	return st == AWS_ETRANSPORT || st == AWS_ETIMEDOUT || st == AWS_ETHROTTLED ||
		st == AWS_EHTTP;
}

/* libcurl write callback: append to the body, within max_body. */
static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	aws_http_response *resp = userdata;
	size_t		n = size * nmemb;

	if (resp->max_body && resp->body.len + n > resp->max_body)
	{
		resp->too_large = 1;
		return 0;
	}
	aws_buf_append(&resp->body, ptr, n);
	return resp->body.failed ? 0 : n;
}

/* Configure easy for one request; see aws_http.h. */
aws_status
aws_http_prepare(CURL *easy, const char *method, const char *url,
				 struct curl_slist *headers, const char *body, size_t body_len,
				 long timeout_ms, aws_http_response *resp,
				 char *errbuf, size_t errlen)
{
	long		connect_ms;

	if (easy == NULL || method == NULL || url == NULL || resp == NULL)
	{
		aws_set_error(errbuf, errlen, "aws_http: missing handle, method, URL or response");
		return AWS_EINVAL;
	}
	aws_http_response_reset(resp);
	if (timeout_ms <= 0)
		timeout_ms = 10000;
	connect_ms = timeout_ms < 5000 ? timeout_ms : 5000;

	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, resp->curl_error);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	if (strcasecmp(method, "GET") == 0)
	{
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, NULL);
	}
	else
	{
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_len);
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
						 strcasecmp(method, "POST") == 0 ? NULL : method);
	}
	return AWS_OK;
}

/* Map a finished transfer's CURLcode to a status; fills resp->status. */
aws_status
aws_http_finish(CURL *easy, CURLcode code, aws_http_response *resp,
				char *errbuf, size_t errlen)
{
	long		status = 0;

	/* The error buffer points into resp; detach it before resp can go away. */
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	if (resp->body.failed)
	{
		aws_set_error(errbuf, errlen, "aws_http: out of memory reading the response");
		return AWS_ENOMEM;
	}
	if (resp->too_large)
	{
		aws_set_error(errbuf, errlen, "aws_http: the response is larger than %zu bytes",
					  resp->max_body);
		return AWS_EHTTP;
	}
	if (code != CURLE_OK)
	{
		aws_set_error(errbuf, errlen, "%s: %s", curl_easy_strerror(code),
					  resp->curl_error[0] ? resp->curl_error : "no detail");
		if (code == CURLE_OUT_OF_MEMORY)
			return AWS_ENOMEM;
		if (code == CURLE_OPERATION_TIMEDOUT)
			return AWS_ETIMEDOUT;
		if (code == CURLE_ABORTED_BY_CALLBACK)
			return AWS_ECANCELLED;
		return AWS_ETRANSPORT;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	if (resp->body.data == NULL)
		aws_buf_append(&resp->body, "", 0);
	return AWS_OK;
}

/* Prepare, perform and finish one request on easy (blocking). */
aws_status
aws_http_perform(CURL *easy, const char *method, const char *url,
				 struct curl_slist *headers, const char *body, size_t body_len,
				 long timeout_ms, aws_http_response *resp,
				 char *errbuf, size_t errlen)
{
	aws_status	st;
	CURLcode	code;

	st = aws_http_prepare(easy, method, url, headers, body, body_len,
						  timeout_ms, resp, errbuf, errlen);
	if (st != AWS_OK)
		return st;
	code = curl_easy_perform(easy);
	return aws_http_finish(easy, code, resp, errbuf, errlen);
}

/* Empty a response for reuse (keeps the body's memory). */
void
aws_http_response_reset(aws_http_response *resp)
{
	resp->status = 0;
	resp->too_large = 0;
	resp->curl_error[0] = '\0';
	aws_buf_reset(&resp->body);
}

/* See aws_http.h. */
void
aws_http_free_secret_headers(struct curl_slist *headers)
{
	for (struct curl_slist *h = headers; h; h = h->next)
		OPENSSL_cleanse(h->data, strlen(h->data));
	curl_slist_free_all(headers);
}

/* Free a response's body. */
void
aws_http_response_free(aws_http_response *resp)
{
	aws_buf_free(&resp->body);
	resp->status = 0;
}
