/*
 * raw_sqs.c — P2's baseline: a bare SQS client sending SendMessageBatch
 * requests as fast as it can, to compare the dispatcher with.
 *
 *   raw_sqs ENDPOINT QUEUE_URL MESSAGES IN_FLIGHT
 *
 * Sends MESSAGES messages in batches of 10 (bodies shaped like the
 * dispatcher's), IN_FLIGHT requests at once on a libcurl multi handle whose
 * easy handles keep their connections alive, each request signed with SigV4
 * (common/sigv4.c; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
 * No database, no retries: any failed request or entry is an error.  Prints
 * "sent N messages in S s: R messages/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "sigv4.h"

#define BATCH 10

typedef struct Flight
{
	CURL	   *easy;
	struct curl_slist *headers;
	char	   *body;
	char		resp[8192];
	size_t		resp_len;
	int			messages;
} Flight;

static const char *endpoint;
static const char *queue_url;
static sigv4_credentials creds;
static long next_job = 1;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	Flight	   *f = arg;
	size_t		len = size * n;
	size_t		room = sizeof(f->resp) - 1 - f->resp_len;

	memcpy(f->resp + f->resp_len, data, len < room ? len : room);
	f->resp_len += len < room ? len : room;
	f->resp[f->resp_len] = '\0';
	return len;
}

/* Start a request carrying the next `count` messages on flight f. */
static void
launch(CURLM *multi, Flight *f, int count)
{
	size_t		cap = 256 + (size_t) count * 160 + strlen(queue_url);
	size_t		len;
	char		host[256];
	const char *h = strstr(endpoint, "://");
	sigv4_header hdrs[2] = {
		{"Content-Type", "application/x-amz-json-1.0"},
		{"X-Amz-Target", "AmazonSQS.SendMessageBatch"},
	};
	sigv4_request req = {0};
	sigv4_params params = {"us-east-1", "sqs", &creds, time(NULL), 0};
	sigv4_result sig;
	char		err[256];
	char		line[512];

	snprintf(host, sizeof(host), "%s", h ? h + 3 : endpoint);
	host[strcspn(host, "/")] = '\0';

	free(f->body);
	f->body = malloc(cap);
	len = (size_t) snprintf(f->body, cap, "{\"QueueUrl\":\"%s\",\"Entries\":[", queue_url);
	for (int i = 0; i < count; i++, next_job++)
		len += (size_t) snprintf(f->body + len, cap - len,
								 "%s{\"Id\":\"%d\",\"MessageBody\":\"{\\\"v\\\":1,\\\"job_id\\\":%ld,"
								 "\\\"attempt\\\":0,\\\"repo_url\\\":\\\"https://github.com/bench/r%ld\\\"}\"}",
								 i ? "," : "", i, next_job, next_job);
	len += (size_t) snprintf(f->body + len, cap - len, "]}");

	req.method = "POST";
	req.host = host;
	req.path = "/";
	req.headers = hdrs;
	req.nheaders = 2;
	req.body = f->body;
	req.body_len = len;
	if (sigv4_sign(&req, &params, &sig, err, sizeof(err)) != SIGV4_OK)
	{
		fprintf(stderr, "raw_sqs: cannot sign: %s\n", err);
		exit(1);
	}
	curl_slist_free_all(f->headers);
	f->headers = NULL;
	f->headers = curl_slist_append(f->headers, "Content-Type: application/x-amz-json-1.0");
	f->headers = curl_slist_append(f->headers, "X-Amz-Target: AmazonSQS.SendMessageBatch");
	snprintf(line, sizeof(line), "X-Amz-Date: %s", sig.amz_date);
	f->headers = curl_slist_append(f->headers, line);
	snprintf(line, sizeof(line), "Authorization: %s", sig.authorization);
	f->headers = curl_slist_append(f->headers, line);
	f->headers = curl_slist_append(f->headers, "Expect:");
	sigv4_result_free(&sig);

	f->resp_len = 0;
	f->resp[0] = '\0';
	f->messages = count;
	curl_easy_setopt(f->easy, CURLOPT_URL, endpoint);
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, f->body);
	curl_easy_setopt(f->easy, CURLOPT_POSTFIELDSIZE, (long) len);
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
	curl_multi_add_handle(multi, f->easy);
}

int
main(int argc, char **argv)
{
	long		total;
	int			in_flight;
	long		launched = 0;
	long		done = 0;
	int			running = 0;
	Flight	   *flights;
	CURLM	   *multi;
	double		start;
	double		secs;

	if (argc != 5 || (total = atol(argv[3])) <= 0 || (in_flight = atoi(argv[4])) <= 0)
	{
		fprintf(stderr, "usage: raw_sqs ENDPOINT QUEUE_URL MESSAGES IN_FLIGHT\n");
		return 2;
	}
	endpoint = argv[1];
	queue_url = argv[2];
	creds.access_key_id = getenv("AWS_ACCESS_KEY_ID");
	creds.secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
	creds.session_token = getenv("AWS_SESSION_TOKEN");
	if (!creds.access_key_id || !creds.secret_access_key)
	{
		fprintf(stderr, "raw_sqs: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
		return 2;
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	flights = calloc((size_t) in_flight, sizeof(Flight));
	start = now_seconds();
	for (int i = 0; i < in_flight && launched < total; i++)
	{
		int			n = total - launched < BATCH ? (int) (total - launched) : BATCH;

		flights[i].easy = curl_easy_init();
		launch(multi, &flights[i], n);
		launched += n;
	}
	do
	{
		CURLMsg    *msg;
		int			left;

		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		{
			Flight	   *f;
			long		status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &f);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			if (msg->data.result != CURLE_OK || status != 200 ||
				(strstr(f->resp, "\"Failed\":[{") != NULL))
			{
				fprintf(stderr, "raw_sqs: request failed (curl %d, HTTP %ld): %.200s\n",
						(int) msg->data.result, status, f->resp);
				return 1;
			}
			done += f->messages;
			curl_multi_remove_handle(multi, f->easy);
			if (launched < total)
			{
				int			n = total - launched < BATCH ? (int) (total - launched) : BATCH;

				launch(multi, f, n);
				launched += n;
				running++;
			}
		}
		if (running)
			curl_multi_poll(multi, NULL, 0, 1000, NULL);
	} while (running || done < launched);
	secs = now_seconds() - start;
	printf("sent %ld messages in %.3f s: %.0f messages/s\n", done, secs, done / secs);
	return 0;
}
