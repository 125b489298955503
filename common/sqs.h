/*
 * sqs.h — small Amazon SQS client (JSON protocol) on libcurl, SigV4 and json-c.
 *
 * Shared by the extension's dispatcher and sesami-worker: plain C11, no
 * PostgreSQL headers, no printing, no exit().  Each call reports an
 * aws_status plus an sqs_error (caller-provided) that carries the message,
 * the HTTP status, the AWS error type from the JSON error body (`__type`
 * with the "com.amazonaws.sqs#" prefix removed) and whether a retry may
 * succeed (transport errors, throttling, HTTP 5xx, expired credentials).
 * Throttling is its own status, AWS_ETHROTTLED, so callers can back off.
 *
 * Two ways to use it:
 *  - blocking calls on the client's own keep-alive CURL handle:
 *    sqs_send_message_batch(), sqs_receive_message(), sqs_delete_message(),
 *    sqs_change_message_visibility(), sqs_get_queue_url(), sqs_create_queue();
 *  - for curl multi (the dispatcher): sqs_build_send_message_batch() makes a
 *    signed sqs_request, sqs_request_prepare() puts it on any easy handle,
 *    and after the transfer sqs_parse_send_message_batch() reads the reply
 *    (call aws_http_finish() first for the status).  Several sqs_requests may
 *    be in flight at once; each owns its URL, body and header list.
 *
 * The endpoint (where requests are POSTed) and the queue URL (which goes in
 * the JSON body, exactly as SQS returned it) are separate: emulators return
 * queue URLs whose host is not the endpoint.
 *
 * SendMessageBatch: at most 10 entries; entry ids must be 1..80 of
 * [A-Za-z0-9_-] and distinct (checked locally, AWS_EINVAL).  For a queue
 * URL ending in ".fifo" every entry needs a MessageGroupId (checked
 * locally); MessageDeduplicationId is optional (content-based deduplication
 * on the queue, or the caller's id).  Per-entry failures come back in the
 * results array even when the HTTP status is 200: the call returns AWS_OK
 * and *nfailed counts them.
 *
 * Threads and globals: no globals; a client (and its CURL handle) is used by
 * one thread at a time.  curl_global_init() is the process's job.
 *
 * Ownership: the client is the caller's (sqs_client_free); it borrows the
 * credentials provider, which must outlive it.  sqs_request and the arrays
 * from sqs_receive_message() are owned by the caller and freed with
 * sqs_request_free() / sqs_messages_free(); strings from sqs_get_queue_url()
 * and sqs_create_queue() are malloc'd for the caller to free().
 */
#ifndef SESAMI_SQS_H
#define SESAMI_SQS_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "aws_credentials.h"
#include "aws_http.h"

#define SQS_MAX_BATCH 10
#define SQS_MAX_ID_LEN 80

/* Options for sqs_client_new(); zero fields take the defaults. */
typedef struct sqs_client_options
{
	const char *region;			/* required, e.g. "eu-west-1" */
	const char *endpoint_url;	/* NULL = https://sqs.<region>.amazonaws.com/ */
	long		timeout_ms;		/* per request; 0 = 10000 (+ WaitTimeSeconds) */
	aws_credentials_provider *credentials;	/* borrowed; required */
	aws_clock_fn now;			/* NULL = time(); tests pin the signing time */
	void	   *now_arg;
} sqs_client_options;

/* What went wrong in one call (caller-provided; filled on every call). */
typedef struct sqs_error
{
	aws_status	status;
	long		http_status;	/* 0 if no response */
	int			retryable;		/* a later retry may succeed */
	int			not_the_request;	/* the queue is missing, access denied or
									 * the credentials refused: an operator's
									 * fix, not a different request, makes a
									 * resend succeed */
	char		type[128];		/* AWS error type, e.g. "QueueDoesNotExist" */
	char		message[512];	/* human-readable; never holds secrets */
} sqs_error;

/* One message to send. */
typedef struct sqs_send_entry
{
	const char *id;				/* batch entry id, unique in the batch */
	const char *body;			/* message body (UTF-8 text) */
	const char *group_id;		/* MessageGroupId (FIFO); NULL = none */
	const char *dedup_id;		/* MessageDeduplicationId; NULL = none */
	int			delay_seconds;	/* DelaySeconds; <= 0 = omit */
} sqs_send_entry;

/* Outcome of one entry, in the same order as the entries sent. */
typedef struct sqs_send_result
{
	int			ok;				/* 1 = in Successful[], 0 = in Failed[] */
	int			sender_fault;	/* Failed[].SenderFault */
	char		message_id[128];	/* Successful[].MessageId */
	char		code[128];		/* Failed[].Code */
	char		message[512];	/* Failed[].Message */
} sqs_send_result;

/* One received message (strings malloc'd; sqs_messages_free). */
typedef struct sqs_message
{
	char	   *message_id;
	char	   *receipt_handle;
	char	   *body;
	char	   *group_id;		/* MessageGroupId attribute (FIFO) or NULL */
	int			receive_count;	/* ApproximateReceiveCount, 0 if absent */
} sqs_message;

/* ReceiveMessage parameters; a value < 0 leaves the parameter out. */
typedef struct sqs_receive_options
{
	int			max_messages;	/* MaxNumberOfMessages 1..10 */
	int			wait_time_s;	/* WaitTimeSeconds 0..20 (long poll) */
	int			visibility_timeout_s;	/* VisibilityTimeout */
} sqs_receive_options;

/* One name/value pair, for CreateQueue attributes. */
typedef struct sqs_attribute
{
	const char *name;
	const char *value;
} sqs_attribute;

/* A built, signed request that is not yet sent (for curl multi). */
typedef struct sqs_request
{
	char	   *url;			/* endpoint URL */
	char	   *body;			/* JSON request body */
	size_t		body_len;
	struct curl_slist *headers; /* signed headers, incl. Authorization */
	char		target[64];		/* X-Amz-Target action, e.g. "SendMessageBatch" */
	long		timeout_ms;
} sqs_request;

typedef struct sqs_client sqs_client;

extern sqs_client *sqs_client_new(const sqs_client_options *opts, char *errbuf, size_t errlen);
extern void sqs_client_free(sqs_client *c);

/* Blocking calls. */
extern aws_status sqs_send_message_batch(sqs_client *c, const char *queue_url,
										 const sqs_send_entry *entries, size_t n,
										 sqs_send_result *results, size_t *nfailed,
										 sqs_error *err);
extern aws_status sqs_receive_message(sqs_client *c, const char *queue_url,
									  const sqs_receive_options *opts,
									  sqs_message **msgs, size_t *nmsgs,
									  sqs_error *err);
extern aws_status sqs_delete_message(sqs_client *c, const char *queue_url,
									 const char *receipt_handle, sqs_error *err);
extern aws_status sqs_change_message_visibility(sqs_client *c, const char *queue_url,
												const char *receipt_handle,
												int visibility_timeout_s,
												sqs_error *err);
extern aws_status sqs_get_queue_url(sqs_client *c, const char *queue_name,
									char **queue_url, sqs_error *err);
extern aws_status sqs_create_queue(sqs_client *c, const char *queue_name,
								   const sqs_attribute *attrs, size_t nattrs,
								   char **queue_url, sqs_error *err);
extern void sqs_messages_free(sqs_message *msgs, size_t n);

/* Build / send / parse separately (curl multi). */
extern aws_status sqs_build_send_message_batch(sqs_client *c, const char *queue_url,
											   const sqs_send_entry *entries, size_t n,
											   sqs_request *req, sqs_error *err);
extern aws_status sqs_request_prepare(const sqs_request *req, CURL *easy,
									  aws_http_response *resp, sqs_error *err);
extern aws_status sqs_parse_send_message_batch(long http_status, const char *body,
											   const sqs_send_entry *entries, size_t n,
											   sqs_send_result *results, size_t *nfailed,
											   sqs_error *err);
extern aws_status sqs_parse_error(long http_status, const char *body, sqs_error *err);
/*
 * sqs_parse_send_message_batch for a request c built and sent; an
 * expired-credentials error also drops c's cached credentials, as every
 * blocking call does.
 */
extern aws_status sqs_finish_send_message_batch(sqs_client *c, long http_status,
												const char *body,
												const sqs_send_entry *entries, size_t n,
												sqs_send_result *results, size_t *nfailed,
												sqs_error *err);
extern void sqs_request_free(sqs_request *req);
extern int	sqs_queue_is_fifo(const char *queue_url);

/*
 * Another AWS JSON-protocol service through the same client machinery (its
 * endpoint_url must be that service's): e.g. Secrets Manager's
 * GetSecretValue with ("secretsmanager", "secretsmanager",
 * "application/x-amz-json-1.1", "GetSecretValue").  body is consumed; *out
 * is the reply object (json_object_put it).
 */
struct json_object;
extern aws_status aws_json_call(sqs_client *c, const char *service, const char *target_prefix,
								const char *content_type, const char *action,
								struct json_object *body, struct json_object **out,
								sqs_error *err);

#endif							/* SESAMI_SQS_H */
