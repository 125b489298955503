/*
 * sqs_test.c — tests for common/sqs.c.
 *
 * Modes:
 *   sqs_test emulator ENDPOINT
 *       against the fauxqs emulator at ENDPOINT (http://127.0.0.1:<port>/):
 *       queues, batches (blocking and curl multi), receive/delete/visibility,
 *       per-entry failures, FIFO, AWS error bodies;
 *   sqs_test down ENDPOINT
 *       after the emulator was stopped: connection refused is reported as a
 *       retryable transport error;
 *   sqs_test send ENDPOINT TOKEN|-
 *       send two SendMessageBatch requests on one client (for the capture
 *       listener in test/capture_sqs.py, which checks the signatures with
 *       botocore and that the connection was kept alive);
 *   sqs_test parse
 *       error classification and reply parsing without a network;
 *   sqs_test build-sign ENDPOINT REGION EPOCH TOKEN|- BODY_FILE
 *       build the exact SendMessageBatch request the client sends (fixed
 *       time, test credentials), write its body to BODY_FILE and print its
 *       Authorization header; test/aws.test.sh signs the same request with
 *       botocore and compares.
 * TAP-style output ("ok - ..." / "not ok - ..."); exit 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqs.h"

static int	failures = 0;

/* The fixed credentials of these tests (environment source via the hook). */
static const char *
env_hook(const char *name, void *arg)
{
	const char *token = arg;

	if (strcmp(name, "AWS_ACCESS_KEY_ID") == 0)
		return "AKIDEXAMPLE";
	if (strcmp(name, "AWS_SECRET_ACCESS_KEY") == 0)
		return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	if (strcmp(name, "AWS_SESSION_TOKEN") == 0)
		return token;
	return NULL;
}

static time_t fixed_time;

/* Clock hook for build-sign. */
static time_t
fixed_clock(void *arg __attribute__((unused)))
{
	return fixed_time;
}

/* Print one TAP line. */
static void
report(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (!ok)
		failures++;
}

/* Print an error's details as a TAP comment. */
static void
show(const char *what, aws_status st, const sqs_error *e)
{
	if (st != AWS_OK)
		printf("# %s: %s (type \"%s\", HTTP %ld, retryable %d): %s\n", what,
			   aws_status_name(st), e->type, e->http_status, e->retryable, e->message);
}

/* A provider + client for endpoint; token may be NULL. */
static sqs_client *
make_client(const char *endpoint, const char *region, const char *token,
			aws_credentials_provider **pp, int pin_time)
{
	aws_credentials_options co;
	sqs_client_options so;
	char		err[256];
	sqs_client *c;

	memset(&co, 0, sizeof(co));
	co.getenv_fn = env_hook;
	co.getenv_arg = (void *) token;
	*pp = aws_credentials_provider_new(&co, err, sizeof(err));
	memset(&so, 0, sizeof(so));
	so.region = region;
	so.endpoint_url = endpoint;
	so.credentials = *pp;
	so.timeout_ms = 5000;
	if (pin_time)
		so.now = fixed_clock;
	c = *pp ? sqs_client_new(&so, err, sizeof(err)) : NULL;
	if (c == NULL)
	{
		printf("# client: %s\n", err);
		exit(1);
	}
	return c;
}

/*
 * Receive until want messages arrived (or three empty polls); returns the
 * count.  delete_each deletes every message as it arrives: a FIFO queue
 * hands out no more of a group while one of its messages is in flight.
 */
static size_t
receive_all(sqs_client *c, const char *q, sqs_message *out, size_t want, int vis,
			int delete_each)
{
	size_t		got = 0;
	int			empty = 0;

	while (got < want && empty < 3)
	{
		sqs_receive_options ro = {10, 1, vis};
		sqs_message *m;
		size_t		n,
					i;
		sqs_error	e;
		aws_status	st = sqs_receive_message(c, q, &ro, &m, &n, &e);

		if (st != AWS_OK)
		{
			show("receive", st, &e);
			break;
		}
		if (n == 0)
			empty++;
		for (i = 0; i < n && got < want; i++)
		{
			if (delete_each && (st = sqs_delete_message(c, q, m[i].receipt_handle, &e)) != AWS_OK)
				show("delete", st, &e);
			out[got++] = m[i];
			memset(&m[i], 0, sizeof(m[i]));
		}
		sqs_messages_free(m, n);
	}
	return got;
}

/* Free the strings of received messages kept in a local array. */
static void
free_kept(sqs_message *m, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		free(m[i].message_id);
		free(m[i].receipt_handle);
		free(m[i].body);
		free(m[i].group_id);
	}
}

/* The fauxqs tests. */
static int
mode_emulator(const char *endpoint)
{
	aws_credentials_provider *prov;
	sqs_client *c = make_client(endpoint, "us-east-1", NULL, &prov, 0);
	sqs_error	e;
	aws_status	st;
	char	   *q = NULL,
			   *q2 = NULL,
			   *fq = NULL;
	char		name[64];
	sqs_send_entry ent[11];
	sqs_send_result res[11];
	char		ids[11][16],
				bodies[11][128];
	size_t		nfailed,
				i,
				n;
	sqs_message got[64];
	int			ok;

	snprintf(name, sizeof(name), "sesami-test-%ld", (long) getpid());
	st = sqs_create_queue(c, name, NULL, 0, &q, &e);
	show("CreateQueue", st, &e);
	report(st == AWS_OK && q && strstr(q, name), "sqs: CreateQueue returns the queue URL");
	if (st != AWS_OK)
	{
		sqs_client_free(c);
		aws_credentials_provider_free(prov);
		return 1;
	}
	st = sqs_get_queue_url(c, name, &q2, &e);
	report(st == AWS_OK && q2 && strcmp(q, q2) == 0, "sqs: GetQueueUrl returns the same URL");
	free(q2);

	/* A full batch of 10 with bodies that need JSON escaping. */
	for (i = 0; i < 11; i++)
	{
		snprintf(ids[i], sizeof(ids[i]), "job-%zu", i);
		snprintf(bodies[i], sizeof(bodies[i]),
				 "{\"job_id\":%zu,\"note\":\"quote \\\" backslash \\\\ tab\t nl\n caf\xc3\xa9 \xe2\x98\x83\"}", i);
		ent[i].id = ids[i];
		ent[i].body = bodies[i];
		ent[i].group_id = NULL;
		ent[i].dedup_id = NULL;
		ent[i].delay_seconds = 0;
	}
	st = sqs_send_message_batch(c, q, ent, 10, res, &nfailed, &e);
	show("SendMessageBatch", st, &e);
	ok = st == AWS_OK && nfailed == 0;
	for (i = 0; ok && i < 10; i++)
		ok = res[i].ok && res[i].message_id[0];
	report(ok, "sqs: SendMessageBatch of 10 entries, every entry has a MessageId");

	st = sqs_send_message_batch(c, q, ent, 11, res, &nfailed, &e);
	report(st == AWS_EINVAL && strstr(e.message, "1 to 10"), "sqs: an 11-entry batch is refused locally");
	ent[1].id = ent[0].id;
	st = sqs_send_message_batch(c, q, ent, 2, res, &nfailed, &e);
	report(st == AWS_EINVAL && strstr(e.message, "twice"), "sqs: duplicate entry ids refused locally");
	ent[1].id = "bad id!";
	st = sqs_send_message_batch(c, q, ent, 2, res, &nfailed, &e);
	report(st == AWS_EINVAL, "sqs: entry id with invalid characters refused locally");
	ent[1].id = ids[1];

	/* Receive them all (VisibilityTimeout 30, long poll 1 s) and compare bodies. */
	n = receive_all(c, q, got, 10, 30, 0);
	ok = n == 10;
	for (i = 0; ok && i < n; i++)
	{
		size_t		j;
		int			found = 0;

		for (j = 0; j < 10; j++)
			if (strcmp(got[i].body, bodies[j]) == 0)
				found = 1;
		ok = found && got[i].receipt_handle && got[i].receive_count == 1;
	}
	report(ok, "sqs: ReceiveMessage returns the 10 bodies byte for byte (escaping round-trips)");
	if (n != 10)
		printf("# received %zu\n", n);

	/* Hidden while in flight; ChangeMessageVisibility 0 makes one visible. */
	{
		sqs_receive_options ro = {10, 0, -1};
		sqs_message *m;
		size_t		k;

		st = sqs_receive_message(c, q, &ro, &m, &k, &e);
		report(st == AWS_OK && k == 0, "sqs: received messages stay invisible during VisibilityTimeout");
		sqs_messages_free(m, k);
		if (n > 0)
		{
			st = sqs_change_message_visibility(c, q, got[0].receipt_handle, 0, &e);
			show("ChangeMessageVisibility", st, &e);
			st = sqs_receive_message(c, q, &ro, &m, &k, &e);
			report(st == AWS_OK && k == 1 && strcmp(m[0].message_id, got[0].message_id) == 0 &&
				   m[0].receive_count == 2,
				   "sqs: ChangeMessageVisibility(0) makes the message receivable again");
			if (st == AWS_OK && k == 1)
			{
				free(got[0].receipt_handle);
				got[0].receipt_handle = strdup(m[0].receipt_handle);
			}
			sqs_messages_free(m, k);
		}
	}

	/* Delete everything; the queue is then empty. */
	ok = 1;
	for (i = 0; i < n; i++)
	{
		st = sqs_delete_message(c, q, got[i].receipt_handle, &e);
		if (st != AWS_OK)
		{
			show("DeleteMessage", st, &e);
			ok = 0;
		}
	}
	free_kept(got, n);
	{
		sqs_receive_options ro = {10, 1, 0};
		sqs_message *m;
		size_t		k = 99;

		st = sqs_receive_message(c, q, &ro, &m, &k, &e);
		report(ok && st == AWS_OK && k == 0, "sqs: DeleteMessage removes every message (long poll then finds none)");
		sqs_messages_free(m, k);
	}

	/* Five batches in flight at once: build, prepare, curl multi, parse. */
	{
		enum
		{
			NB = 5
		};
		CURLM	   *multi = curl_multi_init();
		sqs_request reqs[NB];
		CURL	   *easies[NB];
		aws_http_response resps[NB];
		sqs_send_entry me[NB][10];
		char		mid[NB][10][32],
					mbody[NB][10][48];
		int			done[NB] = {0};
		int			running = 0,
					left,
					b,
					k,
					built = 0;
		CURLMsg    *msg;

		memset(resps, 0, sizeof(resps));
		ok = 1;
		for (b = 0; b < NB; b++)
		{
			for (k = 0; k < 10; k++)
			{
				snprintf(mid[b][k], sizeof(mid[b][k]), "m%d-%d", b, k);
				snprintf(mbody[b][k], sizeof(mbody[b][k]), "multi batch %d entry %d", b, k);
				me[b][k].id = mid[b][k];
				me[b][k].body = mbody[b][k];
				me[b][k].group_id = NULL;
				me[b][k].dedup_id = NULL;
				me[b][k].delay_seconds = 0;
			}
			easies[b] = curl_easy_init();
			st = sqs_build_send_message_batch(c, q, me[b], 10, &reqs[b], &e);
			if (st == AWS_OK)
				st = sqs_request_prepare(&reqs[b], easies[b], &resps[b], &e);
			show("build/prepare", st, &e);
			if (st != AWS_OK)
				ok = 0;
			else
			{
				curl_multi_add_handle(multi, easies[b]);
				built++;
			}
		}
		do
		{
			curl_multi_perform(multi, &running);
			if (running)
				curl_multi_poll(multi, NULL, 0, 1000, NULL);
		} while (running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		{
			char		m[256];
			size_t		nf = 99;
			sqs_send_result r[10];

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (b = 0; b < NB && easies[b] != msg->easy_handle; b++)
				;
			if (b == NB)
				continue;
			st = aws_http_finish(easies[b], msg->data.result, &resps[b], m, sizeof(m));
			if (st == AWS_OK)
				st = sqs_parse_send_message_batch(resps[b].status, resps[b].body.data,
												  me[b], 10, r, &nf, &e);
			show("multi batch", st, &e);
			done[b] = st == AWS_OK && nf == 0;
		}
		for (b = 0; b < NB; b++)
		{
			ok = ok && done[b];
			curl_multi_remove_handle(multi, easies[b]);
			curl_easy_cleanup(easies[b]);
			sqs_request_free(&reqs[b]);
			aws_http_response_free(&resps[b]);
		}
		curl_multi_cleanup(multi);
		report(ok && built == NB, "sqs: 5 signed batches in flight at once with curl multi, every reply parsed");
		n = receive_all(c, q, got, 50, 30, 1);
		report(n == 50, "sqs: all 50 messages from the concurrent batches arrive");
		if (n != 50)
			printf("# received %zu\n", n);
		free_kept(got, n);
	}

	/* A batch with one invalid body: HTTP 200, one entry in Failed[]. */
	ent[0].body = "fine";
	ent[1].body = "bad \x01 control character";
	ent[2].body = "also fine";
	st = sqs_send_message_batch(c, q, ent, 3, res, &nfailed, &e);
	show("SendMessageBatch (partial)", st, &e);
	report(st == AWS_OK && e.http_status == 200 && nfailed == 1 && res[0].ok && !res[1].ok &&
		   res[2].ok && strcmp(res[1].code, "InvalidMessageContents") == 0 && res[1].sender_fault,
		   "sqs: per-entry failure reported from Failed[] on HTTP 200 (InvalidMessageContents, SenderFault)");
	if (st == AWS_OK && !res[1].ok)
		printf("# entry %s failed: %s: %s\n", ent[1].id, res[1].code, res[1].message);

	/* FIFO queue. */
	{
		sqs_attribute attrs[] = {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "false"}};
		const char *groups[] = {"acct-1", "acct-2", "acct-1", "acct-2"};
		char		fname[80];
		size_t		k;

		snprintf(fname, sizeof(fname), "%s.fifo", name);
		st = sqs_create_queue(c, fname, attrs, 2, &fq, &e);
		show("CreateQueue fifo", st, &e);
		report(st == AWS_OK && fq && sqs_queue_is_fifo(fq), "sqs: CreateQueue with FifoQueue=true gives a .fifo URL");
		for (i = 0; i < 4; i++)
		{
			ent[i].body = bodies[i];
			ent[i].group_id = groups[i];
			ent[i].dedup_id = ids[i];
		}
		ent[3].group_id = NULL;
		st = sqs_send_message_batch(c, fq, ent, 4, res, &nfailed, &e);
		report(st == AWS_EINVAL && strstr(e.message, "MessageGroupId"),
			   "sqs: FIFO queue entry without MessageGroupId refused locally");
		ent[3].group_id = groups[3];
		st = sqs_send_message_batch(c, fq, ent, 4, res, &nfailed, &e);
		show("SendMessageBatch fifo", st, &e);
		report(st == AWS_OK && nfailed == 0, "sqs: FIFO batch with MessageGroupId and MessageDeduplicationId accepted");
		/* Same deduplication ids again: accepted, but not delivered twice. */
		st = sqs_send_message_batch(c, fq, ent, 4, res, &nfailed, &e);
		k = receive_all(c, fq, got, 8, 30, 1);
		ok = k == 4;
		for (i = 0; ok && i < k; i++)
			ok = got[i].group_id != NULL;
		/* Within a group, order is kept: job-0 before job-2 in acct-1. */
		{
			int			pos0 = -1,
						pos2 = -1;

			for (i = 0; i < k; i++)
			{
				if (strcmp(got[i].body, bodies[0]) == 0)
					pos0 = (int) i;
				if (strcmp(got[i].body, bodies[2]) == 0)
					pos2 = (int) i;
			}
			report(st == AWS_OK && ok && pos0 >= 0 && pos2 > pos0,
				   "sqs: FIFO dedup ids suppress the resend; MessageGroupId returned; group order kept");
			if (!ok)
				printf("# fifo received %zu\n", k);
		}
		free_kept(got, k);
	}

	/* AWS error body surfaced: type and message. */
	st = sqs_get_queue_url(c, "sesami-no-such-queue", &q2, &e);
	report(st == AWS_ESERVICE && strcmp(e.type, "QueueDoesNotExist") == 0 &&
		   e.http_status == 400 && !e.retryable && strstr(e.message, "does not exist"),
		   "sqs: AWS error __type and message surfaced (QueueDoesNotExist, not retryable)");
	show("GetQueueUrl missing", st, &e);
	free(q2);

	sqs_client_free(c);

	free(q);
	free(fq);
	aws_credentials_provider_free(prov);
	return failures ? 1 : 0;
}

/* Parsing and classification without a network. */
static int
mode_parse(void)
{
	sqs_error	e;
	aws_status	st;
	sqs_send_entry ent[3] = {{"a", "x", NULL, NULL, 0}, {"b", "y", NULL, NULL, 0}, {"c", "z", NULL, NULL, 0}};
	sqs_send_result res[3];
	size_t		nfailed;

	st = sqs_parse_error(400, "{\"__type\":\"com.amazonaws.sqs#RequestThrottled\",\"message\":\"slow down\"}", &e);
	report(st == AWS_ETHROTTLED && e.retryable && strcmp(e.type, "RequestThrottled") == 0,
		   "sqs parse: RequestThrottled is AWS_ETHROTTLED and retryable");
	st = sqs_parse_error(400, "{\"__type\":\"com.amazonaws.coral.availability#ThrottlingException\",\"message\":\"Rate exceeded\"}", &e);
	report(st == AWS_ETHROTTLED, "sqs parse: ThrottlingException is AWS_ETHROTTLED");
	st = sqs_parse_error(429, "", &e);
	report(st == AWS_ETHROTTLED && e.retryable, "sqs parse: HTTP 429 without a body is AWS_ETHROTTLED");
	st = sqs_parse_error(500, "{\"__type\":\"InternalFailure\",\"message\":\"oops\"}", &e);
	report(st == AWS_ESERVICE && e.retryable && e.http_status == 500,
		   "sqs parse: HTTP 500 service error is retryable");
	st = sqs_parse_error(400, "{\"__type\":\"com.amazonaws.sqs#InvalidParameterValue\",\"message\":\"The value is not valid\"}", &e);
	report(st == AWS_ESERVICE && !e.retryable && strstr(e.message, "InvalidParameterValue") &&
		   strstr(e.message, "The value is not valid"),
		   "sqs parse: client error is permanent, message has type and text");
	report(!e.not_the_request, "sqs parse: a malformed request is the request's fault");
	st = sqs_parse_error(400, "{\"__type\":\"com.amazonaws.sqs#InvalidAddress\",\"message\":\"The address is not valid\"}", &e);
	report(st == AWS_ESERVICE && e.not_the_request, "sqs parse: InvalidAddress (the queue URL) is not the request's fault");
	st = sqs_parse_error(403, "{\"__type\":\"com.amazon.coral.service#InvalidClientTokenId\",\"message\":\"unknown key\"}", &e);
	report(st == AWS_ESERVICE && e.not_the_request, "sqs parse: refused credentials (InvalidClientTokenId) are not the request's fault");
	st = sqs_parse_error(403, "{\"__type\":\"SignatureDoesNotMatch\",\"message\":\"check your clock\"}", &e);
	report(e.not_the_request, "sqs parse: SignatureDoesNotMatch is not the request's fault");
	st = sqs_parse_error(400, "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"gone\"}", &e);
	report(st == AWS_ESERVICE && !e.retryable && e.not_the_request,
		   "sqs parse: QueueDoesNotExist is not retryable as such, and not the request's fault");
	st = sqs_parse_error(403, "{\"__type\":\"AccessDenied\",\"message\":\"no\"}", &e);
	report(e.not_the_request, "sqs parse: AccessDenied is not the request's fault");
	st = sqs_parse_error(403, "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\",\"message\":\"expired\"}", &e);
	report(st == AWS_ESERVICE && e.retryable, "sqs parse: expired credentials are retryable (after refresh)");
	st = sqs_parse_error(502, "<html>bad gateway</html>", &e);
	report(st == AWS_EHTTP && e.retryable, "sqs parse: non-JSON 502 is AWS_EHTTP, retryable");

	st = sqs_parse_send_message_batch(200,
									  "{\"Successful\":[{\"Id\":\"c\",\"MessageId\":\"m-c\"},{\"Id\":\"a\",\"MessageId\":\"m-a\"}],"
									  "\"Failed\":[{\"Id\":\"b\",\"SenderFault\":false,\"Code\":\"InternalError\",\"Message\":\"try again\"}]}",
									  ent, 3, res, &nfailed, &e);
	report(st == AWS_OK && nfailed == 1 && res[0].ok && strcmp(res[0].message_id, "m-a") == 0 &&
		   !res[1].ok && !res[1].sender_fault && strcmp(res[1].code, "InternalError") == 0 &&
		   res[2].ok && strcmp(res[2].message_id, "m-c") == 0,
		   "sqs parse: Successful/Failed mapped back to entries by Id, in entry order");
	st = sqs_parse_send_message_batch(200, "{\"Successful\":[{\"Id\":\"a\",\"MessageId\":\"m-a\"}]}",
									  ent, 3, res, &nfailed, &e);
	report(st == AWS_OK && nfailed == 2 && strcmp(res[1].code, "MissingFromResponse") == 0,
		   "sqs parse: an entry missing from both lists counts as failed");
	st = sqs_parse_send_message_batch(200, "not json", ent, 3, res, &nfailed, &e);
	report(st == AWS_EPARSE, "sqs parse: a 200 with a non-JSON body is AWS_EPARSE");
	return failures ? 1 : 0;
}

/* Build the exact SendMessageBatch request and print its Authorization. */
static int
mode_build_sign(const char *endpoint, const char *region, const char *epoch,
				const char *token, const char *body_file)
{
	aws_credentials_provider *prov;
	sqs_client *c;
	sqs_request req;
	sqs_error	e;
	sqs_send_entry ent[2] = {
		{"job-1", "{\"job_id\":1,\"attempt\":1,\"repo\":\"https://github.com/jqlang/jq\"}", NULL, NULL, 0},
		{"job-2", "{\"job_id\":2,\"attempt\":3,\"note\":\"caf\xc3\xa9 \\\"quoted\\\"\"}", NULL, NULL, 0}
	};
	struct curl_slist *h;
	FILE	   *f;
	aws_status	st;

	fixed_time = (time_t) strtoll(epoch, NULL, 10);
	c = make_client(endpoint, region, strcmp(token, "-") == 0 ? NULL : token, &prov, 1);
	st = sqs_build_send_message_batch(c, "https://sqs.eu-west-1.amazonaws.com/123456789012/sesami-jobs",
									  ent, 2, &req, &e);
	if (st != AWS_OK)
	{
		fprintf(stderr, "build: %s\n", e.message);
		return 1;
	}
	f = fopen(body_file, "wb");
	if (f == NULL || fwrite(req.body, 1, req.body_len, f) != req.body_len)
		return 1;
	fclose(f);
	for (h = req.headers; h; h = h->next)
		if (strncmp(h->data, "Authorization: ", 15) == 0)
			printf("%s\n", h->data + 15);
	for (h = req.headers; h; h = h->next)
		if (strncmp(h->data, "Authorization: ", 15) != 0)
			fprintf(stderr, "header %s\n", h->data);
	sqs_request_free(&req);
	sqs_client_free(c);
	aws_credentials_provider_free(prov);
	return 0;
}

/* The emulator has been stopped: a clear, retryable transport error. */
static int
mode_down(const char *endpoint)
{
	aws_credentials_provider *dp;
	sqs_client *dc = make_client(endpoint, "us-east-1", NULL, &dp, 0);
	sqs_send_entry ent[1] = {{"x", "y", NULL, NULL, 0}};
	sqs_send_result res[1];
	sqs_error	e;
	size_t		nfailed;
	aws_status	st;

	st = sqs_send_message_batch(dc, "http://sqs.us-east-1.127.0.0.1/000000000000/gone",
								ent, 1, res, &nfailed, &e);
	report(st == AWS_ETRANSPORT && e.retryable && strstr(e.message, "could not reach") &&
		   strstr(e.message, endpoint) && strstr(e.message, "onnect"),
		   "sqs: emulator down (connection refused) gives AWS_ETRANSPORT, retryable, naming the endpoint");
	printf("# message: %s\n", e.message);
	sqs_client_free(dc);
	aws_credentials_provider_free(dp);
	return failures ? 1 : 0;
}

/* Two blocking batches on one client, for the capture listener. */
static int
mode_send(const char *endpoint, const char *token)
{
	aws_credentials_provider *prov;
	sqs_client *c = make_client(endpoint, "eu-west-1", strcmp(token, "-") == 0 ? NULL : token, &prov, 0);
	sqs_send_entry ent[3] = {
		{"a-1", "{\"job_id\":41,\"attempt\":1}", NULL, NULL, 0},
		{"a-2", "line one\nline \"two\" \\ \xe2\x82\xac", NULL, NULL, 0},
		{"a-3", "", NULL, NULL, 0}
	};
	sqs_send_result res[3];
	sqs_error	e;
	size_t		nfailed;
	aws_status	st;
	int			round;

	for (round = 1; round <= 2; round++)
	{
		char		what[128];

		st = sqs_send_message_batch(c, "https://sqs.eu-west-1.amazonaws.com/123456789012/sesami-jobs",
									ent, round == 1 ? 3 : 2, res, &nfailed, &e);
		show("send", st, &e);
		snprintf(what, sizeof(what), "sqs send: batch %d accepted by the capture listener", round);
		report(st == AWS_OK && nfailed == 0 && strncmp(res[0].message_id, "captured-", 9) == 0, what);
	}
	sqs_client_free(c);
	aws_credentials_provider_free(prov);
	return failures ? 1 : 0;
}

/* Dispatch on the mode. */
int
main(int argc, char **argv)
{
	int			rc = 2;

	/* Line-buffered: a sanitizer exit must not swallow reported lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc == 3 && strcmp(argv[1], "emulator") == 0)
		rc = mode_emulator(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "down") == 0)
		rc = mode_down(argv[2]);
	else if (argc == 4 && strcmp(argv[1], "send") == 0)
		rc = mode_send(argv[2], argv[3]);
	else if (argc == 2 && strcmp(argv[1], "parse") == 0)
		rc = mode_parse();
	else if (argc == 7 && strcmp(argv[1], "build-sign") == 0)
		rc = mode_build_sign(argv[2], argv[3], argv[4], argv[5], argv[6]);
	else
		fprintf(stderr, "usage: sqs_test emulator ENDPOINT | down ENDPOINT | send ENDPOINT TOKEN|- | parse | build-sign ENDPOINT REGION EPOCH TOKEN|- BODY_FILE\n");
	curl_global_cleanup();
	return rc;
}
