/*
 * raw_sqs.c — P2's baseline: SendMessageBatch requests as fast as the SQS
 * layer can send them, with no database, to compare the dispatcher with.
 *
 *   raw_sqs ENDPOINT QUEUE_URL MESSAGES IN_FLIGHT
 *
 * Sends MESSAGES messages (bodies shaped like the dispatcher's) in batches of
 * 10, IN_FLIGHT requests at once on a libcurl multi handle whose easy handles
 * keep their connections alive.  Requests are built, signed and read with
 * the same common/sqs.c the dispatcher uses (credentials from the
 * environment; region AWS_REGION or us-east-1), so the two differ only by the
 * dispatcher's database work and scheduling.  No retries: any failed request
 * or entry is an error.  Prints "sent N messages in S s: R messages/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_credentials.h"
#include "aws_http.h"
#include "sqs.h"

#define BATCH 10

typedef struct Flight
{
	CURL	   *easy;
	sqs_request req;
	aws_http_response resp;
	sqs_send_entry entries[BATCH];
	char		ids[BATCH][8];
	json_object *bodies[BATCH];
	int			n;
} Flight;

static sqs_client *client;
static const char *queue_url;
static long next_job = 1;

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "raw_sqs: %s: %s\n", what, why);
	exit(1);
}

/* Release what the flight's last request held. */
static void
clear_flight(Flight *f)
{
	for (int i = 0; i < f->n; i++)
		json_object_put(f->bodies[i]);
	f->n = 0;
	sqs_request_free(&f->req);
	aws_http_response_free(&f->resp);
}

/* Start a request carrying the next `count` messages on flight f. */
static void
launch(CURLM *multi, Flight *f, int count)
{
	sqs_error	err;
	char		url[64];

	clear_flight(f);
	for (int i = 0; i < count; i++, next_job++)
	{
		json_object *b = json_object_new_object();

		snprintf(url, sizeof(url), "https://github.com/bench/r%ld", next_job);
		json_object_object_add(b, "v", json_object_new_int(1));
		json_object_object_add(b, "job_id", json_object_new_int64(next_job));
		json_object_object_add(b, "attempt", json_object_new_int(0));
		json_object_object_add(b, "repo_url", json_object_new_string(url));
		f->bodies[i] = b;
		snprintf(f->ids[i], sizeof(f->ids[i]), "%d", i);
		memset(&f->entries[i], 0, sizeof(f->entries[i]));
		f->entries[i].id = f->ids[i];
		f->entries[i].body = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
	}
	f->n = count;
	if (sqs_build_send_message_batch(client, queue_url, f->entries, count, &f->req, &err) != AWS_OK ||
		sqs_request_prepare(&f->req, f->easy, &f->resp, &err) != AWS_OK)
		die("cannot build a request", err.message);
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
	aws_credentials_options copts = {0};
	aws_credentials_provider *creds;
	sqs_client_options opts = {0};
	char		errbuf[256];
	double		start;
	double		secs;

	if (argc != 5 || (total = atol(argv[3])) <= 0 || (in_flight = atoi(argv[4])) <= 0)
	{
		fprintf(stderr, "usage: raw_sqs ENDPOINT QUEUE_URL MESSAGES IN_FLIGHT\n");
		return 2;
	}
	queue_url = argv[2];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if ((creds = aws_credentials_provider_new(&copts, errbuf, sizeof(errbuf))) == NULL)
		die("credentials", errbuf);
	opts.region = getenv("AWS_REGION") ? getenv("AWS_REGION") : "us-east-1";
	opts.endpoint_url = argv[1];
	opts.timeout_ms = 15000;
	opts.credentials = creds;
	if ((client = sqs_client_new(&opts, errbuf, sizeof(errbuf))) == NULL)
		die("SQS client", errbuf);

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
			sqs_send_result results[BATCH];
			size_t		nfailed = 0;
			sqs_error	err = {0};
			aws_status	st;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &f);
			st = aws_http_finish(f->easy, msg->data.result, &f->resp, errbuf, sizeof(errbuf));
			if (st != AWS_OK)
				die("request failed", errbuf);
			st = sqs_finish_send_message_batch(client, f->resp.status, f->resp.body.data,
											   f->entries, f->n, results, &nfailed, &err);
			if (st != AWS_OK || nfailed > 0)
				die("SendMessageBatch failed", st != AWS_OK ? err.message : "an entry failed");
			done += f->n;
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
	for (int i = 0; i < in_flight; i++)
	{
		clear_flight(&flights[i]);
		if (flights[i].easy)
			curl_easy_cleanup(flights[i].easy);
	}
	free(flights);
	curl_multi_cleanup(multi);
	sqs_client_free(client);
	aws_credentials_provider_free(creds);
	return 0;
}
