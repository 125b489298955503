/*
 * sqs.c — Amazon SQS JSON-protocol client (see sqs.h for the contract).
 *
 * Every action is `POST /` to the endpoint with
 *   Content-Type: application/x-amz-json-1.0
 *   X-Amz-Target: AmazonSQS.<Action>
 * and a JSON body; the reply is JSON, and errors are a JSON object with
 * `__type` ("com.amazonaws.sqs#QueueDoesNotExist") and `message`.
 *
 * Design notes:
 * - JSON is built and parsed with json-c's object API (proper escaping of
 *   quotes, control characters and UTF-8; no hand-made JSON).
 * - Requests are signed with sigv4.c at build time, with credentials from the
 *   provider (cached there); a request is built just before it is sent so its
 *   X-Amz-Date stays within SigV4's 5-minute window.
 * - The client's CURL handle is reused for every blocking call, so libcurl
 *   keeps the connection alive between requests.
 * - An "ExpiredToken"-style error invalidates the provider's cached
 *   credentials (blocking calls, and sqs_finish_send_message_batch for
 *   requests sent elsewhere), and is reported as retryable.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* strdup */
#endif

#include "sqs.h"
#include "sigv4.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

struct sqs_client
{
	char	   *region;
	char	   *endpoint;
	long		timeout_ms;
	aws_credentials_provider *credentials;
	aws_clock_fn now;
	void	   *now_arg;
	CURL	   *easy;			/* keep-alive handle for blocking calls */
};

/* Prototype only, so the compiler checks set_err's format strings. */
static aws_status
set_err(sqs_error *err, aws_status st, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

/* Record status, retryability and a formatted message in err; returns st. */
static aws_status
set_err(sqs_error *err, aws_status st, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return st;
	err->status = st;
	err->retryable = aws_status_retryable(st);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return st;
}

/* Clear an sqs_error before a call. */
static void
clear_err(sqs_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

/* True if queue_url names a FIFO queue (ends in ".fifo"). */
int
sqs_queue_is_fifo(const char *queue_url)
{
	size_t		n = queue_url ? strlen(queue_url) : 0;

	return n >= 5 && strcmp(queue_url + n - 5, ".fifo") == 0;
}

/* Create a client; NULL with a message on failure. */
sqs_client *
sqs_client_new(const sqs_client_options *opts, char *errbuf, size_t errlen)
{
	sqs_client *c;

	if (opts == NULL || opts->region == NULL || opts->region[0] == '\0' ||
		opts->credentials == NULL)
	{
		aws_set_error(errbuf, errlen, "sqs: region and credentials provider are required");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
	{
		aws_set_error(errbuf, errlen, "sqs: out of memory");
		return NULL;
	}
	c->region = strdup(opts->region);
	if (opts->endpoint_url && opts->endpoint_url[0])
		c->endpoint = strdup(opts->endpoint_url);
	else
	{
		aws_buf		b = AWS_BUF_INIT;

		aws_buf_printf(&b, "https://sqs.%s.amazonaws.com/", opts->region);
		c->endpoint = aws_buf_steal(&b);
	}
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
	c->credentials = opts->credentials;
	c->now = opts->now;
	c->now_arg = opts->now_arg;
	c->easy = curl_easy_init();
	if (c->region == NULL || c->endpoint == NULL || c->easy == NULL)
	{
		aws_set_error(errbuf, errlen, "sqs: could not allocate the client");
		sqs_client_free(c);
		return NULL;
	}
	return c;
}

/* Free a client (not the credentials provider it borrows). */
void
sqs_client_free(sqs_client *c)
{
	if (c == NULL)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	free(c->region);
	free(c->endpoint);
	free(c);
}

/* Free a built request. */
void
sqs_request_free(sqs_request *req)
{
	if (req == NULL)
		return;
	free(req->url);
	free(req->body);
	/* the list holds the session token header */
	aws_http_free_secret_headers(req->headers);
	memset(req, 0, sizeof(*req));
}

/* Append "Name: value" to the list; NULL (list freed) on failure. */
static struct curl_slist *
add_header(struct curl_slist *list, const char *name, const char *value)
{
	aws_buf		b = AWS_BUF_INIT;
	struct curl_slist *n;

	aws_buf_printf(&b, "%s: %s", name, value);
	if (b.failed)
	{
		curl_slist_free_all(list);
		return NULL;
	}
	n = curl_slist_append(list, b.data);
	aws_buf_free(&b);			/* wipes the copy */
	if (n == NULL)
		curl_slist_free_all(list);
	return n;
}

/* The AWS JSON protocol of one service: SigV4 name, target prefix, content type. */
typedef struct json_protocol
{
	const char *service;		/* "sqs", "secretsmanager" */
	const char *target_prefix;	/* "AmazonSQS", "secretsmanager" */
	const char *content_type;	/* "application/x-amz-json-1.0" or "-1.1" */
} json_protocol;

static const json_protocol sqs_protocol = {"sqs", "AmazonSQS", "application/x-amz-json-1.0"};

/* Serialise body, sign it for proto's action and fill req (owned by the caller). */
static aws_status
build_json_request(sqs_client *c, const json_protocol *proto, const char *action,
				   json_object *body, long extra_timeout_ms, sqs_request *req, sqs_error *err)
{
	aws_credentials cr;
	sigv4_credentials scr;
	sigv4_params sp;
	sigv4_result res;
	sigv4_header hdrs[2];
	char		target[96];
	char		msg[256];
	const char *json;
	size_t		json_len;
	aws_status	st;
	int			rc;

	memset(req, 0, sizeof(*req));
	json = json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN |
											 JSON_C_TO_STRING_NOSLASHESCAPE, &json_len);
	if (json == NULL)
		return set_err(err, AWS_ENOMEM, "%s %s: could not serialise the request", proto->service, action);
	req->body = malloc(json_len + 1);
	req->url = strdup(c->endpoint);
	if (req->body == NULL || req->url == NULL)
	{
		sqs_request_free(req);
		return set_err(err, AWS_ENOMEM, "%s %s: out of memory", proto->service, action);
	}
	memcpy(req->body, json, json_len + 1);
	req->body_len = json_len;
	snprintf(req->target, sizeof(req->target), "%s", action);
	req->timeout_ms = c->timeout_ms + extra_timeout_ms;

	st = aws_credentials_get(c->credentials, &cr, msg, sizeof(msg));
	if (st != AWS_OK)
	{
		sqs_request_free(req);
		st = set_err(err, st, "%s %s: %s", proto->service, action, msg);
		if (err && st == AWS_EHTTP)
			err->retryable = 1;
		return st;
	}
	snprintf(target, sizeof(target), "%s.%s", proto->target_prefix, action);
	hdrs[0].name = "Content-Type";
	hdrs[0].value = proto->content_type;
	hdrs[1].name = "X-Amz-Target";
	hdrs[1].value = target;
	aws_credentials_as_sigv4(&cr, &scr);
	sp.region = c->region;
	sp.service = proto->service;
	sp.creds = &scr;
	sp.when = c->now ? c->now(c->now_arg) : time(NULL);
	sp.flags = 0;
	rc = sigv4_sign_url("POST", req->url, hdrs, 2, req->body, req->body_len,
						&sp, &res, msg, sizeof(msg));
	if (rc != SIGV4_OK)
	{
		aws_credentials_clear(&cr);
		sqs_request_free(req);
		return set_err(err, rc == SIGV4_ENOMEM ? AWS_ENOMEM : AWS_ESIGN,
					   "%s %s: %s", proto->service, action, msg);
	}
	req->headers = add_header(NULL, "Content-Type", hdrs[0].value);
	if (req->headers)
		req->headers = add_header(req->headers, "X-Amz-Target", target);
	if (req->headers)
		req->headers = add_header(req->headers, "X-Amz-Date", res.amz_date);
	if (req->headers && cr.session_token)
		req->headers = add_header(req->headers, "X-Amz-Security-Token", cr.session_token);
	if (req->headers)
		req->headers = add_header(req->headers, "Authorization", res.authorization);
	/* Not signed: no 100-continue round trip, and say who we are. */
	if (req->headers)
		req->headers = add_header(req->headers, "Expect", "");
	if (req->headers)
		req->headers = curl_slist_append(req->headers, "User-Agent: sesami/0.1");
	sigv4_result_free(&res);
	aws_credentials_clear(&cr);
	if (req->headers == NULL)
	{
		sqs_request_free(req);
		return set_err(err, AWS_ENOMEM, "%s %s: out of memory", proto->service, action);
	}
	return AWS_OK;
}

/* Serialise body, sign it for an SQS action and fill req (owned by the caller). */
static aws_status
build_request(sqs_client *c, const char *action, json_object *body,
			  long extra_timeout_ms, sqs_request *req, sqs_error *err)
{
	return build_json_request(c, &sqs_protocol, action, body, extra_timeout_ms, req, err);
}

/* Put a built request on an easy handle (resp must outlive the transfer). */
aws_status
sqs_request_prepare(const sqs_request *req, CURL *easy, aws_http_response *resp,
					sqs_error *err)
{
	char		msg[256];
	aws_status	st;

	clear_err(err);
	st = aws_http_prepare(easy, "POST", req->url, req->headers, req->body,
						  req->body_len, req->timeout_ms, resp, msg, sizeof(msg));
	if (st != AWS_OK)
		return set_err(err, st, "sqs %s: %s", req->target, msg);
	return AWS_OK;
}

/*
 * True if an AWS error type is about the queue, the caller's access or its
 * credentials rather than the request: a queue or an IAM policy created
 * after the sender, a policy still propagating, a queue URL or queue type
 * set wrong, keys refused or rotated, a clock out of step, the queue's KMS
 * key unusable.
 */
static int
is_not_the_request(const char *type)
{
	static const char *const names[] = {
		"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue",
		"AccessDenied", "AccessDeniedException", "InvalidAddress",
		"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation",
		"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
		"IncompleteSignature", "MissingAuthenticationToken", "InvalidSecurity",
		"KmsAccessDenied", "KmsDisabled", "KmsInvalidState", "KmsNotFound", "KmsOptInRequired",
		"KMS.AccessDeniedException", "KMS.DisabledException", "KMS.KMSInvalidStateException",
		"KMS.NotFoundException", "KMS.OptInRequired"
	};
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return 1;
	return 0;
}

/* True if an AWS error type means "slow down". */
static int
is_throttling(const char *type)
{
	static const char *const names[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
		"ProvisionedThroughputExceededException", "RequestLimitExceeded",
		"SlowDown", "KmsThrottled", "KMS.ThrottlingException"
	};
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return 1;
	return 0;
}

/* True if an AWS error type means the credentials went stale. */
static int
is_expired_credentials(const char *type)
{
	return strcmp(type, "ExpiredToken") == 0 ||
		strcmp(type, "ExpiredTokenException") == 0 ||
		strcmp(type, "RequestExpired") == 0;
}

/*
 * Turn a non-2xx response into err: AWS error type and message from the
 * JSON body, AWS_ETHROTTLED for throttling (or HTTP 429), retryable for
 * 5xx and expired credentials.  Returns err->status.
 */
aws_status
sqs_parse_error(long http_status, const char *body, sqs_error *err)
{
	json_object *root = body ? json_tokener_parse(body) : NULL;
	json_object *v;
	const char *type = "";
	const char *message = "";
	const char *hash;
	aws_status	st;

	if (root && json_object_is_type(root, json_type_object))
	{
		if (json_object_object_get_ex(root, "__type", &v) ||
			json_object_object_get_ex(root, "code", &v))
			type = json_object_get_string(v);
		if (json_object_object_get_ex(root, "message", &v) ||
			json_object_object_get_ex(root, "Message", &v))
			message = json_object_get_string(v);
	}
	hash = strrchr(type, '#');
	if (hash)
		type = hash + 1;
	if (err)
	{
		clear_err(err);
		snprintf(err->type, sizeof(err->type), "%s", type);
		err->http_status = http_status;
	}
	if (http_status == 429 || is_throttling(type))
		st = AWS_ETHROTTLED;
	else if (type[0])
		st = AWS_ESERVICE;
	else
		st = AWS_EHTTP;
	if (type[0])
		set_err(err, st, "SQS error %s (HTTP %ld): %s", type, http_status,
				message[0] ? message : "no message");
	else
		set_err(err, st, "SQS returned HTTP %ld without an AWS error body", http_status);
	if (err)
	{
		err->http_status = http_status;
		err->retryable = st == AWS_ETHROTTLED || http_status >= 500 ||
			is_expired_credentials(type);
		err->not_the_request = is_not_the_request(type);
	}
	json_object_put(root);
	return st;
}

/*
 * Send a built request on the client's handle; on HTTP 2xx parse the JSON
 * reply into *out (caller json_object_put()s it).
 */
static aws_status
perform(sqs_client *c, sqs_request *req, json_object **out, sqs_error *err)
{
	aws_http_response resp = {0};
	char		msg[CURL_ERROR_SIZE + 64];
	aws_status	st;

	*out = NULL;
	st = aws_http_perform(c->easy, "POST", req->url, req->headers, req->body,
						  req->body_len, req->timeout_ms, &resp, msg, sizeof(msg));
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
	if (st != AWS_OK)
	{
		set_err(err, st, "sqs %s: could not reach %s: %s", req->target, req->url, msg);
		aws_http_response_free(&resp);
		return st;
	}
	if (resp.status < 200 || resp.status > 299)
	{
		st = sqs_parse_error(resp.status, resp.body.data, err);
		if (err && is_expired_credentials(err->type))
			aws_credentials_invalidate(c->credentials);
		aws_http_response_free(&resp);
		return st;
	}
	*out = json_tokener_parse(resp.body.data);
	if (*out == NULL || !json_object_is_type(*out, json_type_object))
	{
		json_object_put(*out);
		*out = NULL;
		aws_http_response_free(&resp);
		return set_err(err, AWS_EPARSE, "sqs %s: reply is not a JSON object", req->target);
	}
	if (err)
		err->http_status = resp.status;
	aws_http_response_free(&resp);
	return AWS_OK;
}

/* Build, send and parse one action (body is consumed). */
static aws_status
call(sqs_client *c, const char *action, json_object *body, long extra_timeout_ms,
	 json_object **out, sqs_error *err)
{
	sqs_request req;
	aws_status	st;

	*out = NULL;
	st = build_request(c, action, body, extra_timeout_ms, &req, err);
	json_object_put(body);
	if (st != AWS_OK)
		return st;
	st = perform(c, &req, out, err);
	sqs_request_free(&req);
	return st;
}

/*
 * Call another AWS JSON-protocol service with the same signing, credentials
 * and transport (body is consumed).  The client's endpoint must be that
 * service's.  Secrets Manager: service "secretsmanager", target prefix
 * "secretsmanager", content type "application/x-amz-json-1.1".
 */
aws_status
aws_json_call(sqs_client *c, const char *service, const char *target_prefix,
			  const char *content_type, const char *action, json_object *body,
			  json_object **out, sqs_error *err)
{
	json_protocol proto = {service, target_prefix, content_type};
	sqs_request req;
	aws_status	st;

	*out = NULL;
	st = build_json_request(c, &proto, action, body, 0, &req, err);
	json_object_put(body);
	if (st != AWS_OK)
		return st;
	st = perform(c, &req, out, err);
	sqs_request_free(&req);
	return st;
}

/* New JSON object with "QueueUrl" set; NULL on allocation failure. */
static json_object *
new_body(const char *queue_url)
{
	json_object *o = json_object_new_object();

	if (o && queue_url)
		json_object_object_add(o, "QueueUrl", json_object_new_string(queue_url));
	return o;
}

/* True if id is a valid batch entry id. */
static int
valid_entry_id(const char *id)
{
	size_t		n = 0;

	if (id == NULL)
		return 0;
	for (; id[n]; n++)
	{
		char		ch = id[n];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return n >= 1 && n <= SQS_MAX_ID_LEN;
}

/* Build and sign a SendMessageBatch request (see sqs.h). */
aws_status
sqs_build_send_message_batch(sqs_client *c, const char *queue_url,
							 const sqs_send_entry *entries, size_t n,
							 sqs_request *req, sqs_error *err)
{
	json_object *body,
			   *arr;
	size_t		i,
				j;
	int			fifo = sqs_queue_is_fifo(queue_url);
	aws_status	st;

	clear_err(err);
	memset(req, 0, sizeof(*req));
	if (c == NULL || queue_url == NULL || entries == NULL)
		return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: missing client, queue URL or entries");
	if (n < 1 || n > SQS_MAX_BATCH)
		return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: %zu entries; a batch holds 1 to %d",
					   n, SQS_MAX_BATCH);
	for (i = 0; i < n; i++)
	{
		if (!valid_entry_id(entries[i].id))
			return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: entry %zu: id must be 1-%d letters, digits, '-' or '_'",
						   i, SQS_MAX_ID_LEN);
		for (j = 0; j < i; j++)
			if (strcmp(entries[i].id, entries[j].id) == 0)
				return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: entry id \"%s\" used twice",
							   entries[i].id);
		if (entries[i].body == NULL)
			return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: entry \"%s\" has no body",
						   entries[i].id);
		if (fifo && (entries[i].group_id == NULL || entries[i].group_id[0] == '\0'))
			return set_err(err, AWS_EINVAL, "sqs SendMessageBatch: queue is FIFO but entry \"%s\" has no MessageGroupId",
						   entries[i].id);
	}
	body = new_body(queue_url);
	arr = json_object_new_array();
	if (body == NULL || arr == NULL)
	{
		json_object_put(body);
		json_object_put(arr);
		return set_err(err, AWS_ENOMEM, "sqs SendMessageBatch: out of memory");
	}
	for (i = 0; i < n; i++)
	{
		json_object *e = json_object_new_object();

		json_object_object_add(e, "Id", json_object_new_string(entries[i].id));
		json_object_object_add(e, "MessageBody", json_object_new_string(entries[i].body));
		if (entries[i].group_id && entries[i].group_id[0])
			json_object_object_add(e, "MessageGroupId", json_object_new_string(entries[i].group_id));
		if (entries[i].dedup_id && entries[i].dedup_id[0])
			json_object_object_add(e, "MessageDeduplicationId", json_object_new_string(entries[i].dedup_id));
		if (entries[i].delay_seconds > 0)
			json_object_object_add(e, "DelaySeconds", json_object_new_int(entries[i].delay_seconds));
		json_object_array_add(arr, e);
	}
	json_object_object_add(body, "Entries", arr);
	st = build_request(c, "SendMessageBatch", body, 0, req, err);
	json_object_put(body);
	return st;
}

/* Copy a JSON string member into a fixed buffer ("" if absent). */
static void
copy_member(json_object *obj, const char *key, char *dst, size_t dstlen)
{
	json_object *v;

	dst[0] = '\0';
	if (json_object_object_get_ex(obj, key, &v) && v)
		snprintf(dst, dstlen, "%s", json_object_get_string(v));
}

/*
 * Parse a SendMessageBatch reply into results[] (same order as entries).
 * Non-2xx replies become an error (sqs_parse_error).  Every entry must be
 * accounted for in Successful[] or Failed[]; one that is missing is
 * reported as failed with code "MissingFromResponse".
 */
aws_status
sqs_parse_send_message_batch(long http_status, const char *body,
							 const sqs_send_entry *entries, size_t n,
							 sqs_send_result *results, size_t *nfailed,
							 sqs_error *err)
{
	json_object *root,
			   *arr;
	size_t		i,
				k,
				failed = 0;
	int		   *seen;

	clear_err(err);
	if (nfailed)
		*nfailed = 0;
	if (http_status < 200 || http_status > 299)
		return sqs_parse_error(http_status, body, err);
	root = body ? json_tokener_parse(body) : NULL;
	if (root == NULL || !json_object_is_type(root, json_type_object))
	{
		json_object_put(root);
		return set_err(err, AWS_EPARSE, "sqs SendMessageBatch: reply is not a JSON object");
	}
	seen = calloc(n ? n : 1, sizeof(int));
	if (seen == NULL)
	{
		json_object_put(root);
		return set_err(err, AWS_ENOMEM, "sqs SendMessageBatch: out of memory");
	}
	memset(results, 0, n * sizeof(*results));
	for (int pass = 0; pass < 2; pass++)
	{
		const char *key = pass == 0 ? "Successful" : "Failed";

		if (!json_object_object_get_ex(root, key, &arr) ||
			!json_object_is_type(arr, json_type_array))
			continue;
		for (k = 0; k < json_object_array_length(arr); k++)
		{
			json_object *e = json_object_array_get_idx(arr, k);
			json_object *v;
			const char *id;

			if (!json_object_object_get_ex(e, "Id", &v))
				continue;
			id = json_object_get_string(v);
			for (i = 0; i < n; i++)
				if (!seen[i] && strcmp(entries[i].id, id) == 0)
					break;
			if (i == n)
				continue;		/* unknown or repeated id: ignore */
			seen[i] = 1;
			if (pass == 0)
			{
				results[i].ok = 1;
				copy_member(e, "MessageId", results[i].message_id, sizeof(results[i].message_id));
			}
			else
			{
				results[i].ok = 0;
				results[i].sender_fault = json_object_object_get_ex(e, "SenderFault", &v) &&
					json_object_get_boolean(v);
				copy_member(e, "Code", results[i].code, sizeof(results[i].code));
				copy_member(e, "Message", results[i].message, sizeof(results[i].message));
			}
		}
	}
	for (i = 0; i < n; i++)
	{
		if (!seen[i])
		{
			results[i].ok = 0;
			snprintf(results[i].code, sizeof(results[i].code), "MissingFromResponse");
			snprintf(results[i].message, sizeof(results[i].message),
					 "SQS did not report this entry as sent or failed");
		}
		if (!results[i].ok)
			failed++;
	}
	free(seen);
	json_object_put(root);
	if (nfailed)
		*nfailed = failed;
	if (err)
		err->http_status = http_status;
	return AWS_OK;
}

/* SendMessageBatch on the client's handle (see sqs.h). */
aws_status
sqs_send_message_batch(sqs_client *c, const char *queue_url,
					   const sqs_send_entry *entries, size_t n,
					   sqs_send_result *results, size_t *nfailed, sqs_error *err)
{
	sqs_request req;
	aws_http_response resp = {0};
	char		msg[CURL_ERROR_SIZE + 64];
	aws_status	st;

	if (nfailed)
		*nfailed = 0;
	st = sqs_build_send_message_batch(c, queue_url, entries, n, &req, err);
	if (st != AWS_OK)
		return st;
	st = aws_http_perform(c->easy, "POST", req.url, req.headers, req.body,
						  req.body_len, req.timeout_ms, &resp, msg, sizeof(msg));
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
	if (st != AWS_OK)
		set_err(err, st, "sqs SendMessageBatch: could not reach %s: %s", req.url, msg);
	else
		st = sqs_finish_send_message_batch(c, resp.status, resp.body.data, entries, n,
										   results, nfailed, err);
	aws_http_response_free(&resp);
	sqs_request_free(&req);
	return st;
}

/* See sqs.h. */
aws_status
sqs_finish_send_message_batch(sqs_client *c, long http_status, const char *body,
							  const sqs_send_entry *entries, size_t n,
							  sqs_send_result *results, size_t *nfailed, sqs_error *err)
{
	aws_status	st = sqs_parse_send_message_batch(http_status, body, entries, n,
												  results, nfailed, err);

	if (st != AWS_OK && err && is_expired_credentials(err->type))
		aws_credentials_invalidate(c->credentials);
	return st;
}

/* Free an array from sqs_receive_message(). */
void
sqs_messages_free(sqs_message *msgs, size_t n)
{
	size_t		i;

	if (msgs == NULL)
		return;
	for (i = 0; i < n; i++)
	{
		free(msgs[i].message_id);
		free(msgs[i].receipt_handle);
		free(msgs[i].body);
		free(msgs[i].group_id);
	}
	free(msgs);
}

/* strdup of a JSON string member, or NULL if absent. */
static char *
dup_member(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return NULL;
	return strdup(json_object_get_string(v));
}

/* ReceiveMessage (see sqs.h); *msgs is malloc'd (sqs_messages_free). */
aws_status
sqs_receive_message(sqs_client *c, const char *queue_url,
					const sqs_receive_options *opts, sqs_message **msgs,
					size_t *nmsgs, sqs_error *err)
{
	json_object *body,
			   *reply,
			   *arr,
			   *names;
	aws_status	st;
	size_t		i,
				n;
	long		wait_ms = 0;

	clear_err(err);
	*msgs = NULL;
	*nmsgs = 0;
	if (c == NULL || queue_url == NULL)
		return set_err(err, AWS_EINVAL, "sqs ReceiveMessage: missing client or queue URL");
	body = new_body(queue_url);
	names = json_object_new_array();
	if (body == NULL || names == NULL)
	{
		json_object_put(body);
		json_object_put(names);
		return set_err(err, AWS_ENOMEM, "sqs ReceiveMessage: out of memory");
	}
	json_object_array_add(names, json_object_new_string("All"));
	json_object_object_add(body, "AttributeNames", names);
	if (opts && opts->max_messages >= 0)
		json_object_object_add(body, "MaxNumberOfMessages", json_object_new_int(opts->max_messages));
	if (opts && opts->wait_time_s >= 0)
	{
		json_object_object_add(body, "WaitTimeSeconds", json_object_new_int(opts->wait_time_s));
		wait_ms = opts->wait_time_s * 1000L;
	}
	if (opts && opts->visibility_timeout_s >= 0)
		json_object_object_add(body, "VisibilityTimeout", json_object_new_int(opts->visibility_timeout_s));
	st = call(c, "ReceiveMessage", body, wait_ms, &reply, err);
	if (st != AWS_OK)
		return st;
	if (!json_object_object_get_ex(reply, "Messages", &arr) ||
		!json_object_is_type(arr, json_type_array) ||
		(n = json_object_array_length(arr)) == 0)
	{
		json_object_put(reply);
		return AWS_OK;			/* empty receive: no "Messages" member */
	}
	*msgs = calloc(n, sizeof(sqs_message));
	if (*msgs == NULL)
	{
		json_object_put(reply);
		return set_err(err, AWS_ENOMEM, "sqs ReceiveMessage: out of memory");
	}
	for (i = 0; i < n; i++)
	{
		json_object *m = json_object_array_get_idx(arr, i);
		json_object *attrs,
				   *v;
		sqs_message *out = &(*msgs)[i];

		out->message_id = dup_member(m, "MessageId");
		out->receipt_handle = dup_member(m, "ReceiptHandle");
		out->body = dup_member(m, "Body");
		if (json_object_object_get_ex(m, "Attributes", &attrs))
		{
			out->group_id = dup_member(attrs, "MessageGroupId");
			if (json_object_object_get_ex(attrs, "ApproximateReceiveCount", &v))
				out->receive_count = atoi(json_object_get_string(v));
		}
		if (out->message_id == NULL || out->receipt_handle == NULL || out->body == NULL)
		{
			sqs_messages_free(*msgs, i + 1);
			*msgs = NULL;
			json_object_put(reply);
			return set_err(err, AWS_EPARSE, "sqs ReceiveMessage: message %zu lacks MessageId, ReceiptHandle or Body", i);
		}
	}
	*nmsgs = n;
	json_object_put(reply);
	return AWS_OK;
}

/* DeleteMessage. */
aws_status
sqs_delete_message(sqs_client *c, const char *queue_url,
				   const char *receipt_handle, sqs_error *err)
{
	json_object *body,
			   *reply;
	aws_status	st;

	clear_err(err);
	if (c == NULL || queue_url == NULL || receipt_handle == NULL)
		return set_err(err, AWS_EINVAL, "sqs DeleteMessage: missing client, queue URL or receipt handle");
	body = new_body(queue_url);
	if (body == NULL)
		return set_err(err, AWS_ENOMEM, "sqs DeleteMessage: out of memory");
	json_object_object_add(body, "ReceiptHandle", json_object_new_string(receipt_handle));
	st = call(c, "DeleteMessage", body, 0, &reply, err);
	json_object_put(reply);
	return st;
}

/* ChangeMessageVisibility. */
aws_status
sqs_change_message_visibility(sqs_client *c, const char *queue_url,
							  const char *receipt_handle,
							  int visibility_timeout_s, sqs_error *err)
{
	json_object *body,
			   *reply;
	aws_status	st;

	clear_err(err);
	if (c == NULL || queue_url == NULL || receipt_handle == NULL || visibility_timeout_s < 0)
		return set_err(err, AWS_EINVAL, "sqs ChangeMessageVisibility: missing client, queue URL or receipt handle, or negative timeout");
	body = new_body(queue_url);
	if (body == NULL)
		return set_err(err, AWS_ENOMEM, "sqs ChangeMessageVisibility: out of memory");
	json_object_object_add(body, "ReceiptHandle", json_object_new_string(receipt_handle));
	json_object_object_add(body, "VisibilityTimeout", json_object_new_int(visibility_timeout_s));
	st = call(c, "ChangeMessageVisibility", body, 0, &reply, err);
	json_object_put(reply);
	return st;
}

/* Take the "QueueUrl" member of a reply as a malloc'd string. */
static aws_status
reply_queue_url(json_object *reply, const char *action, char **queue_url, sqs_error *err)
{
	*queue_url = dup_member(reply, "QueueUrl");
	if (*queue_url == NULL)
		return set_err(err, AWS_EPARSE, "sqs %s: reply has no QueueUrl", action);
	return AWS_OK;
}

/* GetQueueUrl: *queue_url is malloc'd for the caller. */
aws_status
sqs_get_queue_url(sqs_client *c, const char *queue_name, char **queue_url,
				  sqs_error *err)
{
	json_object *body,
			   *reply;
	aws_status	st;

	clear_err(err);
	*queue_url = NULL;
	if (c == NULL || queue_name == NULL)
		return set_err(err, AWS_EINVAL, "sqs GetQueueUrl: missing client or queue name");
	body = json_object_new_object();
	if (body == NULL)
		return set_err(err, AWS_ENOMEM, "sqs GetQueueUrl: out of memory");
	json_object_object_add(body, "QueueName", json_object_new_string(queue_name));
	st = call(c, "GetQueueUrl", body, 0, &reply, err);
	if (st == AWS_OK)
		st = reply_queue_url(reply, "GetQueueUrl", queue_url, err);
	json_object_put(reply);
	return st;
}

/* CreateQueue with optional attributes; *queue_url malloc'd for the caller. */
aws_status
sqs_create_queue(sqs_client *c, const char *queue_name,
				 const sqs_attribute *attrs, size_t nattrs,
				 char **queue_url, sqs_error *err)
{
	json_object *body,
			   *reply,
			   *a;
	aws_status	st;
	size_t		i;

	clear_err(err);
	*queue_url = NULL;
	if (c == NULL || queue_name == NULL)
		return set_err(err, AWS_EINVAL, "sqs CreateQueue: missing client or queue name");
	body = json_object_new_object();
	if (body == NULL)
		return set_err(err, AWS_ENOMEM, "sqs CreateQueue: out of memory");
	json_object_object_add(body, "QueueName", json_object_new_string(queue_name));
	if (nattrs > 0)
	{
		a = json_object_new_object();
		for (i = 0; i < nattrs; i++)
			json_object_object_add(a, attrs[i].name, json_object_new_string(attrs[i].value));
		json_object_object_add(body, "Attributes", a);
	}
	st = call(c, "CreateQueue", body, 0, &reply, err);
	if (st == AWS_OK)
		st = reply_queue_url(reply, "CreateQueue", queue_url, err);
	json_object_put(reply);
	return st;
}
