/*
 * poll.c — `sesami-worker poll`: jobs from an SQS queue by long polling.
 *
 * The main thread long-polls ReceiveMessage for as many messages as it has
 * free slots (cfg->concurrency), and hands each message to a thread of its
 * own.  A message thread:
 *   - parses the body (the dispatcher's {"v":1,"job_id":N,"attempt":N,...});
 *   - claims (job_id, attempt) through worker.claim_job on its own
 *     connection — a duplicate or stale message claims nothing;
 *   - runs the job, extending the message's visibility every third of
 *     cfg->visibility_s from the job's progress reports;
 *   - deletes the message once the outcome is committed (done, failed,
 *     cancelled, stale, unknown job, malformed body).  If the database could
 *     not be reached the message is left to reappear after a short
 *     visibility, so nothing is lost.
 * SQS clients and credential providers are not thread-safe: every thread has
 * its own.  SIGTERM stops polling; running jobs are released (recorded as a
 * retryable failure, so they are queued again) and their messages deleted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws_credentials.h"
#include "job.h"
#include "sqs.h"

/* One message being worked on. */
typedef struct slot
{
	const worker_config *cfg;
	pthread_t	thread;
	bool		busy;			/* guarded by slots_lock */
	bool		joinable;
	char	   *body;
	char	   *receipt;
	char	   *message_id;
	sqs_client *sqs;
	aws_credentials_provider *creds;
	time_t		last_extend;
} slot;

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

/* A new SQS client with its own credential provider, or NULL with err set. */
static sqs_client *
new_client(const worker_config *cfg, aws_credentials_provider **creds, char *err, size_t errlen)
{
	aws_credentials_options copts;
	sqs_client_options opts;
	sqs_client *c;

	memset(&copts, 0, sizeof(copts));
	*creds = aws_credentials_provider_new(&copts, err, errlen);
	if (*creds == NULL)
		return NULL;
	memset(&opts, 0, sizeof(opts));
	opts.region = cfg->region;
	opts.endpoint_url = cfg->endpoint_url && *cfg->endpoint_url ? cfg->endpoint_url : NULL;
	opts.timeout_ms = 15000;
	opts.credentials = *creds;
	c = sqs_client_new(&opts, err, errlen);
	if (c == NULL)
	{
		aws_credentials_provider_free(*creds);
		*creds = NULL;
	}
	return c;
}

/* Job progress hook: keep the message invisible while the job runs. */
static void
extend_visibility(void *arg)
{
	slot	   *s = arg;
	time_t		now = time(NULL);
	sqs_error	err;

	if (now - s->last_extend < s->cfg->visibility_s / 3)
		return;
	s->last_extend = now;
	if (sqs_change_message_visibility(s->sqs, s->cfg->queue_url, s->receipt,
									  s->cfg->visibility_s, &err) != AWS_OK)
		worker_log("message %s: could not extend its visibility: %s", s->message_id, err.message);
}

/* Delete the message (its outcome is recorded). */
static void
delete_message(slot *s)
{
	sqs_error	err;

	if (sqs_delete_message(s->sqs, s->cfg->queue_url, s->receipt, &err) != AWS_OK)
		worker_log("message %s: could not delete it: %s", s->message_id, err.message);
}

/* Work one message to its end (thread entry point). */
static void *
run_message(void *arg)
{
	slot	   *s = arg;
	const worker_config *cfg = s->cfg;
	char		err[512];
	int64_t		job_id;
	int			attempt;
	bool		done = true;	/* delete the message at the end */

	s->sqs = new_client(cfg, &s->creds, err, sizeof(err));
	if (s->sqs == NULL)
	{
		worker_log("message %s: %s", s->message_id, err);
		goto out;
	}
	s->last_extend = time(NULL);

	if (parse_job_message(s->body, &job_id, &attempt) != 0)
		worker_log("message %s: not a sesami job message; deleting it", s->message_id);
	else
	{
		db_conn    *db = db_connect(cfg->conninfo, cfg->role, err, sizeof(err));
		claimed_job job;
		db_status	st = DB_ERROR;

		if (db != NULL)
			st = db_claim_job(db, job_id, attempt, cfg->worker_id, &job, err, sizeof(err));
		if (st == DB_OK)
		{
			job_hooks	hooks = {.tick = extend_visibility,.arg = s};

			done = job_run(cfg, db, &job, &hooks) != OUTCOME_DB_ERROR;
			claimed_job_free(&job);
		}
		else if (st == DB_NONE)
			worker_log("job %lld attempt %d: a duplicate or stale message; deleting it",
					   (long long) job_id, attempt);
		else if (st == DB_NOT_FOUND)
			worker_log("job %lld does not exist; deleting the message", (long long) job_id);
		else
		{
			worker_log("message %s: %s; it will be delivered again", s->message_id, err);
			done = false;
		}
		db_close(db);
	}

	if (done)
		delete_message(s);
	else
	{
		sqs_error	e;

		/* come back soon, not after the full working visibility */
		sqs_change_message_visibility(s->sqs, cfg->queue_url, s->receipt, 30, &e);
	}
out:
	if (s->sqs)
		sqs_client_free(s->sqs);
	if (s->creds)
		aws_credentials_provider_free(s->creds);
	s->sqs = NULL;
	s->creds = NULL;
	free(s->body);
	free(s->receipt);
	free(s->message_id);
	pthread_mutex_lock(&slots_lock);
	s->busy = false;
	pthread_mutex_unlock(&slots_lock);
	return NULL;
}

/* Poll mode main loop. */
int
mode_poll(const worker_config *cfg)
{
	slot	   *slots;
	sqs_client *sqs;
	aws_credentials_provider *creds = NULL;
	char		err[512];
	int			delay = 1;
	long		handled = 0;

	if (cfg->queue_url == NULL || *cfg->queue_url == '\0' || cfg->region == NULL || *cfg->region == '\0')
	{
		worker_log("poll mode needs SQS_QUEUE_URL and AWS_REGION");
		return EXIT_USAGE;
	}
	if (cfg->concurrency < 1 || cfg->concurrency > 64)
	{
		worker_log("concurrency must be between 1 and 64");
		return EXIT_USAGE;
	}
	rundir_clean_stale(cfg->workdir);
	sqs = new_client(cfg, &creds, err, sizeof(err));
	if (sqs == NULL)
	{
		worker_log("%s", err);
		return EXIT_USAGE;
	}
	slots = calloc(cfg->concurrency, sizeof(slot));
	for (int i = 0; i < cfg->concurrency; i++)
		slots[i].cfg = cfg;
	worker_log("poll mode: worker %s, %d at a time, queue %s", cfg->worker_id, cfg->concurrency,
			   cfg->queue_url);

	while (!worker_stop)
	{
		int			free_slots = 0;
		sqs_receive_options ro;
		sqs_message *msgs = NULL;
		size_t		n = 0;
		sqs_error	e;

		pthread_mutex_lock(&slots_lock);
		for (int i = 0; i < cfg->concurrency; i++)
		{
			if (!slots[i].busy && slots[i].joinable)
			{
				pthread_join(slots[i].thread, NULL);
				slots[i].joinable = false;
			}
			free_slots += slots[i].busy ? 0 : 1;
		}
		pthread_mutex_unlock(&slots_lock);
		if (free_slots == 0)
		{
			usleep(200 * 1000);
			continue;
		}

		ro.max_messages = free_slots < 10 ? free_slots : 10;
		ro.wait_time_s = 10;	/* short enough to notice SIGTERM */
		ro.visibility_timeout_s = cfg->visibility_s;
		if (sqs_receive_message(sqs, cfg->queue_url, &ro, &msgs, &n, &e) != AWS_OK)
		{
			worker_log("could not receive from SQS: %s; retrying in %d s", e.message, delay);
			sleep(delay);
			delay = delay < 30 ? delay * 2 : 30;
			continue;
		}
		delay = 1;
		for (size_t m = 0; m < n; m++)
		{
			slot	   *s = NULL;

			pthread_mutex_lock(&slots_lock);
			for (int i = 0; i < cfg->concurrency && s == NULL; i++)
				if (!slots[i].busy && !slots[i].joinable)
					s = &slots[i];
			if (s)
				s->busy = true;
			pthread_mutex_unlock(&slots_lock);
			if (s == NULL)
				break;			/* cannot happen: we asked for free_slots at most */
			s->body = strdup(msgs[m].body ? msgs[m].body : "");
			s->receipt = strdup(msgs[m].receipt_handle);
			s->message_id = strdup(msgs[m].message_id ? msgs[m].message_id : "?");
			if (pthread_create(&s->thread, NULL, run_message, s) != 0)
			{
				worker_log("could not start a thread: %s", strerror(errno));
				free(s->body);
				free(s->receipt);
				free(s->message_id);
				s->busy = false;
				continue;
			}
			s->joinable = true;
			handled++;
		}
		sqs_messages_free(msgs, n);
	}

	worker_log("poll mode: stopping; waiting for running jobs");
	for (int i = 0; i < cfg->concurrency; i++)
		if (slots[i].joinable)
			pthread_join(slots[i].thread, NULL);
	free(slots);
	sqs_client_free(sqs);
	aws_credentials_provider_free(creds);
	worker_log("poll mode: stopped after %ld message(s)", handled);
	return EXIT_DONE;
}
