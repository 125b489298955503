/*
 * sqs_dispatch.c — the dispatcher's delivery of outbox rows to Amazon SQS.
 *
 * One round (sesami_dispatch_round) has three steps, and only the middle one
 * touches the network:
 *
 *   1. claim   (transaction)  lease up to sesami.dispatch_batch_size ready
 *              rows with FOR UPDATE SKIP LOCKED: lease_until = now() + lease,
 *              lease_token = the claiming transaction's id, send_attempts + 1;
 *              rows whose job was cancelled meanwhile are dropped.  COMMIT —
 *              no lock is held while we talk to SQS.
 *   2. send    (no transaction) SendMessageBatch requests of at most 10
 *              entries, up to sesami.dispatch_in_flight at once on a curl
 *              multi handle whose easy handles keep their connections alive.
 *              The entry id is the outbox row id; Failed[] is read per entry
 *              even on HTTP 200.
 *   3. mark    (transaction, sesami.outbox_settle) sent rows are deleted and
 *              their jobs move pending -> queued with the SQS message id
 *              (through the C state machine, so the move is audited); failed
 *              rows get exponential backoff with jitter (capped at 30 s) and
 *              are retried for as long as it takes.  Only an error that is
 *              the message's own fault parks a row (kept, with the error,
 *              until sesami.requeue_parked()): an entry SQS fails with
 *              SenderFault, or a request SQS rejects as malformed.  Transport
 *              errors, timeouts, throttling, server errors, refused or
 *              expired credentials and a missing queue or denied access
 *              (sqs.c's retryable / not_the_request) never park: an outage of
 *              any length drains by itself.  After
 *              sesami.dispatch_max_attempts failed sends a row is logged once.
 *
 * The lease covers the whole round: one wave of dispatch_in_flight requests
 * per http_timeout, for as many waves as a full batch needs, plus a margin;
 * no request starts once too little of the lease is left for it.  Step 3
 * touches only rows that still carry this round's lease_token, so a
 * dispatcher whose lease ran out (and another one took the rows) cannot
 * clear, delete or park them.  Step 3 locks jobs before outbox rows, the
 * order api.cancel_job uses.
 *
 * A crash between 2 and 3 leaves the rows leased; when the lease expires they
 * are sent again.  Duplicates are harmless: the message carries the job id
 * and attempt, and the worker's claim is fenced on both.  For FIFO queues the
 * MessageGroupId is the account ("account-<id>": one user's jobs are handed
 * out in order, users in parallel) and the MessageDeduplicationId is
 * "job-<id>-attempt-<n>", so SQS itself drops a resend within its 5-minute
 * deduplication window.
 *
 * Credentials come from the server's environment, the ECS/Batch container
 * endpoint or EC2 IMDSv2 (common/aws_credentials.c) and are cached there;
 * they never reach a log line, an error or pg_settings.  Error text from
 * libcurl, the credential sources or SQS is put on one line (control
 * characters become spaces) before it reaches a log line, an error, the
 * outbox or sesami.dispatcher_status().
 *
 * Runs only in the dispatcher process; all state here is process-local.
 */
#include "postgres.h"

#include <math.h>

#include <curl/curl.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/pg_prng.h"
#include "commands/extension.h"
#include "mb/pg_wchar.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "sesami.h"
#include "aws_credentials.h"
#include "sqs.h"

/* One leased outbox row. */
typedef struct OutboxRow
{
	int64		id;
	int64		job_id;
	int32		attempt;
	int32		send_attempts;
	int64		account_id;
	bool		live;			/* job still pending/queued: send it */
	char	   *body;
	char		entry_id[24];
	char		group_id[32];
	char		dedup_id[48];
	/* outcome */
	bool		sent;
	bool		park;
	bool		throttled;
	char		message_id[128];
	char		error[256];
} OutboxRow;

/* One in-flight SendMessageBatch. */
typedef struct Flight
{
	CURL	   *easy;
	bool		busy;
	OutboxRow **rows;
	int			nrows;
	sqs_send_entry entries[SQS_MAX_BATCH];
	sqs_request req;
	aws_http_response resp;
} Flight;

static sqs_client *client = NULL;
static aws_credentials_provider *credentials = NULL;
static char *client_key = NULL;	/* region|endpoint the client was built for */
static CURLM *multi = NULL;
static TimestampTz start_deadline = 0;	/* no request starts after this */
static Flight *flights = NULL;
static int	nflights = 0;
static bool curl_ready = false;

/*
 * Make library or server error text fit one log line, in place: control
 * characters (newlines above all) become spaces, and a multibyte character
 * cut off by an earlier truncation is dropped.
 */
static char *
one_line(char *s)
{
	size_t		len = strlen(s);

	for (char *p = s; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	s[pg_mbcliplen(s, (int) len, (int) len)] = '\0';
	return s;
}

/* Record the last error in shared memory (never with secrets in it). */
static void
note_error(const char *msg)
{
	char		line[sizeof(sesami_shared->last_error)];

	strlcpy(line, msg, sizeof(line));
	one_line(line);
	SpinLockAcquire(&sesami_shared->mutex);
	strlcpy(sesami_shared->last_error, line, sizeof(sesami_shared->last_error));
	sesami_shared->last_error_at = GetCurrentTimestamp();
	SpinLockRelease(&sesami_shared->mutex);
}

/* (Re)build the SQS client when the region or endpoint changed. */
static bool
ensure_client(void)
{
	char		key[1024];
	char		errbuf[256];
	sqs_client_options opts;

	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		{
			note_error("could not initialise libcurl");
			return false;
		}
		curl_ready = true;
	}
	snprintf(key, sizeof(key), "%s|%s", sesami_aws_region ? sesami_aws_region : "",
			 sesami_aws_endpoint_url ? sesami_aws_endpoint_url : "");
	if (client != NULL && client_key != NULL && strcmp(key, client_key) == 0)
		return true;

	if (client)
		sqs_client_free(client);
	client = NULL;
	if (credentials == NULL)
	{
		aws_credentials_options copts;

		memset(&copts, 0, sizeof(copts));
		copts.http_timeout_ms = 2000;
		credentials = aws_credentials_provider_new(&copts, errbuf, sizeof(errbuf));
		if (credentials == NULL)
		{
			note_error(errbuf);
			return false;
		}
	}
	memset(&opts, 0, sizeof(opts));
	opts.region = sesami_aws_region;
	opts.endpoint_url = (sesami_aws_endpoint_url && *sesami_aws_endpoint_url) ?
		sesami_aws_endpoint_url : NULL;
	opts.timeout_ms = sesami_http_timeout;
	opts.credentials = credentials;
	client = sqs_client_new(&opts, errbuf, sizeof(errbuf));
	if (client == NULL)
	{
		note_error(errbuf);
		ereport(LOG,
				(errmsg("sesami dispatcher could not create its SQS client"),
				 errdetail_internal("%s", one_line(errbuf))));
		return false;
	}
	if (client_key)
		pfree(client_key);
	client_key = MemoryContextStrdup(TopMemoryContext, key);
	return true;
}

/* Make sure there are sesami.dispatch_in_flight easy handles on the multi handle. */
static void
ensure_flights(void)
{
	if (multi == NULL)
		multi = curl_multi_init();
	if (flights != NULL && nflights == sesami_dispatch_in_flight)
		return;
	for (int i = 0; i < nflights; i++)
	{
		curl_easy_cleanup(flights[i].easy);
		aws_http_response_free(&flights[i].resp);
	}
	if (flights)
		pfree(flights);
	nflights = sesami_dispatch_in_flight;
	flights = MemoryContextAllocZero(TopMemoryContext, sizeof(Flight) * nflights);
	for (int i = 0; i < nflights; i++)
		flights[i].easy = curl_easy_init();
}

/* Start a transaction for SPI work, with a snapshot. */
static void
begin_work(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

/* Commit the transaction begun by begin_work and return to mcxt. */
static void
end_work(MemoryContext mcxt)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	MemoryContextSwitchTo(mcxt);
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Slack in a round's lease for credentials, the two transactions and timers. */
#define LEASE_MARGIN_MS 30000

/*
 * How long a round holds its rows: a full batch is ceil(batch / 10)
 * requests, sent in waves of dispatch_in_flight, each wave allowed
 * http_timeout; plus LEASE_MARGIN_MS.
 */
static int64
round_lease_ms(void)
{
	int64		requests = (sesami_dispatch_batch_size + SQS_MAX_BATCH - 1) / SQS_MAX_BATCH;
	int64		waves = (requests + sesami_dispatch_in_flight - 1) / sesami_dispatch_in_flight;

	return waves * sesami_http_timeout + LEASE_MARGIN_MS;
}

/*
 * Step 1: lease ready outbox rows.  Returns how many and sets *token to the
 * lease token; *out is allocated in mcxt, which must outlive the transaction
 * (SPI's memory does not).  Sets start_deadline: the last moment a request
 * may start and still end (http_timeout later) well inside the lease.
 */
static int
claim_rows(OutboxRow **out, int64 *token, MemoryContext mcxt)
{
	static const char *sql =
		"WITH c AS ("
		"  SELECT o.id FROM sesami.outbox o"
		"  WHERE o.parked_at IS NULL AND o.available_at <= now()"
		"    AND (o.lease_until IS NULL OR o.lease_until < now())"
		"  ORDER BY o.available_at, o.id LIMIT $1 FOR UPDATE SKIP LOCKED),"
		" u AS ("
		"  UPDATE sesami.outbox o"
		"  SET lease_until = now() + $2 * interval '1 millisecond', lease_token = txid_current(),"
		"      send_attempts = o.send_attempts + 1"
		"  FROM c WHERE o.id = c.id"
		"  RETURNING o.id, o.job_id, o.attempt, o.send_attempts, o.lease_token)"
		" SELECT u.id, u.job_id, u.attempt, u.send_attempts, j.account_id,"
		"        j.status IN ('pending', 'queued'),"
		"        json_build_object('v', 1, 'job_id', u.job_id, 'attempt', u.attempt,"
		"                          'repo_url', j.repo_url)::text, u.lease_token"
		" FROM u JOIN sesami.jobs j ON j.id = u.job_id";
	Oid			argtypes[2] = {INT4OID, INT8OID};
	Datum		values[2];
	int			n;
	OutboxRow  *rows;
	int64		lease_ms = round_lease_ms();

	values[0] = Int32GetDatum(sesami_dispatch_batch_size);
	values[1] = Int64GetDatum(lease_ms);
	start_deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												 lease_ms - sesami_http_timeout - LEASE_MARGIN_MS / 2);
	*token = 0;
	if (SPI_execute_with_args(sql, 2, argtypes, values, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not claim outbox rows");
	n = (int) SPI_processed;
	rows = MemoryContextAllocZero(mcxt, sizeof(OutboxRow) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		OutboxRow  *r = &rows[i];

		r->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		r->job_id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
		r->attempt = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		r->send_attempts = DatumGetInt32(SPI_getbinval(tup, desc, 4, &isnull));
		r->account_id = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		r->live = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull)) && !isnull;
		r->body = MemoryContextStrdup(mcxt, SPI_getvalue(tup, desc, 7));
		*token = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
		snprintf(r->entry_id, sizeof(r->entry_id), INT64_FORMAT, r->id);
		snprintf(r->group_id, sizeof(r->group_id), "account-" INT64_FORMAT, r->account_id);
		snprintf(r->dedup_id, sizeof(r->dedup_id), "job-" INT64_FORMAT "-attempt-%d",
				 r->job_id, r->attempt);
	}
	*out = rows;
	return n;
}

/* Exponential backoff with jitter, in milliseconds, for the n-th failed send. */
static int
backoff_ms(int send_attempts, bool throttled)
{
	double		base = throttled ? 2000.0 : 1000.0;
	double		cap = 30000.0;	/* SQS back after an outage: resend within 30 s */
	double		delay = base * pow(2.0, Min(send_attempts - 1, 16));

	delay = Min(delay, cap);
	/* "equal jitter": half fixed, half random */
	return (int) (delay / 2 + (delay / 2) * pg_prng_double(&pg_global_prng_state));
}

/* Record the outcome of one finished request on its rows. */
static void
finish_flight(Flight *f, CURLcode code)
{
	char		errbuf[CURL_ERROR_SIZE + 64];
	aws_status	st;
	sqs_error	err;
	sqs_send_result results[SQS_MAX_BATCH];
	size_t		nfailed = 0;

	memset(&err, 0, sizeof(err));
	st = aws_http_finish(f->easy, code, &f->resp, errbuf, sizeof(errbuf));
	if (st == AWS_OK)
		st = sqs_finish_send_message_batch(client, f->resp.status, f->resp.body.data,
										   f->entries, f->nrows, results, &nfailed, &err);
	else
		strlcpy(err.message, errbuf, sizeof(err.message));

	for (int i = 0; i < f->nrows; i++)
	{
		OutboxRow  *r = f->rows[i];

		if (st == AWS_OK && results[i].ok)
		{
			r->sent = true;
			strlcpy(r->message_id, results[i].message_id, sizeof(r->message_id));
		}
		else if (st == AWS_OK)
		{
			snprintf(r->error, sizeof(r->error), "SQS refused the message: %s: %s",
					 results[i].code, results[i].message);
			one_line(r->error);
			/* the message's own fault: sending it again cannot help */
			r->park = results[i].sender_fault != 0;
		}
		else
		{
			snprintf(r->error, sizeof(r->error), "%s", err.message[0] ? err.message : aws_status_name(st));
			one_line(r->error);
			r->throttled = (st == AWS_ETHROTTLED);

			/*
			 * A request SQS rejects as malformed will not get better.
			 * Everything else may, whatever the number of tries: transport
			 * errors, timeouts, throttling and 5xx (retryable), credentials
			 * refused or expired, a missing queue or denied access
			 * (not_the_request: fixed outside the message).
			 */
			r->park = (st == AWS_ESERVICE && !err.retryable && !err.not_the_request);
		}
	}
	curl_multi_remove_handle(multi, f->easy);
	sqs_request_free(&f->req);
	aws_http_response_reset(&f->resp);
	f->busy = false;
}

/* Start a SendMessageBatch for rows[0..n) on a free flight. */
static void
start_flight(Flight *f, OutboxRow **rows, int n, bool fifo)
{
	sqs_error	err;

	memset(&err, 0, sizeof(err));
	memset(&f->req, 0, sizeof(f->req));
	f->rows = rows;
	f->nrows = n;
	for (int i = 0; i < n; i++)
	{
		f->entries[i].id = rows[i]->entry_id;
		f->entries[i].body = rows[i]->body;
		f->entries[i].group_id = fifo ? rows[i]->group_id : NULL;
		f->entries[i].dedup_id = fifo ? rows[i]->dedup_id : NULL;
		f->entries[i].delay_seconds = 0;
	}
	if (sqs_build_send_message_batch(client, sesami_sqs_queue_url, f->entries, n, &f->req, &err) != AWS_OK ||
		sqs_request_prepare(&f->req, f->easy, &f->resp, &err) != AWS_OK)
	{
		for (int i = 0; i < n; i++)
		{
			snprintf(rows[i]->error, sizeof(rows[i]->error), "%s", err.message);
			one_line(rows[i]->error);
			rows[i]->throttled = false;
		}
		sqs_request_free(&f->req);
		return;
	}
	curl_multi_add_handle(multi, f->easy);
	f->busy = true;
}

/* Step 2: send the live rows, at most dispatch_in_flight requests at once. */
static void
send_rows(OutboxRow *rows, int n)
{
	OutboxRow **live = palloc(sizeof(OutboxRow *) * Max(n, 1));
	int			nlive = 0;
	int			next = 0;
	int			running = 0;
	bool		fifo = sqs_queue_is_fifo(sesami_sqs_queue_url);

	for (int i = 0; i < n; i++)
		if (rows[i].live)
			live[nlive++] = &rows[i];

	while (next < nlive || running > 0)
	{
		CURLMsg    *msg;
		int			left;

		/* a request started now might outlive the lease: leave the rest */
		if (next < nlive && GetCurrentTimestamp() > start_deadline)
		{
			for (; next < nlive; next++)
				strlcpy(live[next]->error, "not sent: the round's lease ran short",
						sizeof(live[next]->error));
		}
		/* fill free flights */
		for (int i = 0; i < nflights && next < nlive; i++)
		{
			if (flights[i].busy)
				continue;
			start_flight(&flights[i], &live[next], Min(SQS_MAX_BATCH, nlive - next), fifo);
			next += Min(SQS_MAX_BATCH, nlive - next);
		}
		curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
		{
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (int i = 0; i < nflights; i++)
				if (flights[i].busy && flights[i].easy == msg->easy_handle)
					finish_flight(&flights[i], msg->data.result);
		}
		running = 0;
		for (int i = 0; i < nflights; i++)
			running += flights[i].busy ? 1 : 0;
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
		/* a shutdown request aborts the round; the leases make it safe */
		CHECK_FOR_INTERRUPTS();
	}
	pfree(live);
}

/* A text[] of n Datums. */
static Datum
text_array(Datum *elems, int n)
{
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* A bigint[] of n Datums. */
static Datum
int8_array(Datum *elems, int n)
{
	return PointerGetDatum(construct_array(elems, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Step 3: apply the outcomes, on the rows that still carry this round's
 * lease token (sesami.outbox_settle).  Returns the number of rows sent.
 */
static int
mark_rows(OutboxRow *rows, int n, int64 token)
{
	static const char *settle_sql =
		"SELECT sesami.outbox_settle($1, $2, $3, $4, $5, $6, $7, $8)";
	Datum	   *sent_ids = palloc(sizeof(Datum) * n);
	Datum	   *sent_msgs = palloc(sizeof(Datum) * n);
	Datum	   *drop_ids = palloc(sizeof(Datum) * n);
	Datum	   *fail_ids = palloc(sizeof(Datum) * n);
	Datum	   *fail_errs = palloc(sizeof(Datum) * n);
	Datum	   *fail_delays = palloc(sizeof(Datum) * n);
	Datum	   *fail_parks = palloc(sizeof(Datum) * n);
	int			nsent = 0,
				ndrop = 0,
				nfail = 0,
				nparked = 0,
				nthrottled = 0,
				nstubborn = 0;
	OutboxRow  *parked = NULL;
	OutboxRow  *stubborn = NULL;
	const char *last_err = NULL;

	for (int i = 0; i < n; i++)
	{
		OutboxRow  *r = &rows[i];

		if (!r->live)
			drop_ids[ndrop++] = Int64GetDatum(r->id);
		else if (r->sent)
		{
			sent_ids[nsent] = Int64GetDatum(r->id);
			sent_msgs[nsent++] = CStringGetTextDatum(r->message_id);
		}
		else
		{
			if (r->error[0] == '\0')
				strlcpy(r->error, "the send was interrupted", sizeof(r->error));
			fail_ids[nfail] = Int64GetDatum(r->id);
			fail_errs[nfail] = CStringGetTextDatum(r->error);
			fail_delays[nfail] = Int32GetDatum(backoff_ms(r->send_attempts, r->throttled));
			fail_parks[nfail++] = BoolGetDatum(r->park);
			if (r->park)
			{
				nparked++;
				parked = r;
			}
			else if (r->send_attempts == sesami_dispatch_max_attempts)
			{
				nstubborn++;
				stubborn = r;
			}
			nthrottled += r->throttled ? 1 : 0;
			last_err = r->error;
		}
	}

	{
		Oid			types[8] = {INT8OID, INT8ARRAYOID, TEXTARRAYOID, INT8ARRAYOID,
		INT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID, BOOLARRAYOID};
		Datum		args[8] = {
			Int64GetDatum(token),
			int8_array(sent_ids, nsent),
			text_array(sent_msgs, nsent),
			int8_array(drop_ids, ndrop),
			int8_array(fail_ids, nfail),
			text_array(fail_errs, nfail),
			PointerGetDatum(construct_array(fail_delays, nfail, INT4OID, 4, true, TYPALIGN_INT)),
			PointerGetDatum(construct_array(fail_parks, nfail, BOOLOID, 1, true, TYPALIGN_CHAR))
		};

		if (SPI_execute_with_args(settle_sql, 8, types, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not record the outcome of outbox rows");
	}

	if (parked)
		ereport(LOG,
				(errmsg_plural("sesami dispatcher parked %d job that SQS refused",
								"sesami dispatcher parked %d jobs that SQS refused",
								nparked, nparked),
				 errdetail("Job " INT64_FORMAT ": %s", parked->job_id, parked->error),
				 errhint("Fix what SQS refused, then run SELECT sesami.requeue_parked(); or cancel the jobs.")));
	if (stubborn)
		ereport(LOG,
				(errmsg_plural("sesami dispatcher could not send %d job in %d attempts; it keeps trying",
								"sesami dispatcher could not send %d jobs in %d attempts; it keeps trying",
								nstubborn, nstubborn, sesami_dispatch_max_attempts),
				 errdetail("Job " INT64_FORMAT ": %s", stubborn->job_id, stubborn->error)));

	SpinLockAcquire(&sesami_shared->mutex);
	sesami_shared->sent += nsent;
	sesami_shared->send_failed += nfail;
	sesami_shared->retried += nfail - nparked;
	sesami_shared->parked += nparked;
	sesami_shared->throttled += nthrottled;
	if (nsent > 0)
		sesami_shared->last_success_at = GetCurrentTimestamp();
	if (last_err)
	{
		strlcpy(sesami_shared->last_error, last_err, sizeof(sesami_shared->last_error));
		sesami_shared->last_error_at = GetCurrentTimestamp();
	}
	SpinLockRelease(&sesami_shared->mutex);
	return nsent;
}

/*
 * True once the installed schema has what this library's rounds use
 * (sesami.outbox_settle, outbox.lease_token: 0.2.0).  Between a restart on a
 * new library and ALTER EXTENSION sesami UPDATE it has not: the dispatcher
 * then waits, saying so once a minute, instead of failing every round.
 * Needs an open transaction; the answer, once yes, is kept.
 */
static bool
schema_ready(void)
{
	static bool ready = false;
	static TimestampTz last_warning = 0;
	bool		isnull;

	if (ready)
		return true;
	if (SPI_execute("SELECT to_regprocedure('sesami.outbox_settle(bigint, bigint[], text[], bigint[],"
					" bigint[], text[], integer[], boolean[])') IS NOT NULL", true, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		ready = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!ready && TimestampDifferenceExceeds(last_warning, GetCurrentTimestamp(), 60 * 1000))
	{
		last_warning = GetCurrentTimestamp();
		ereport(LOG,
				(errmsg("sesami dispatcher waits for the extension to be updated"),
				 errdetail("The installed sesami schema is older than the loaded library."),
				 errhint("Run ALTER EXTENSION sesami UPDATE in database \"%s\".", sesami_database_name)));
	}
	return ready;
}

/*
 * One delivery round.  Returns true when it leased a full batch (there may
 * be more ready rows: the caller runs another round at once).
 */
bool
sesami_dispatch_round(void)
{
	MemoryContext round_context = CurrentMemoryContext;
	OutboxRow  *rows = NULL;
	int			n;
	int64		token;
	bool		configured = sesami_sqs_queue_url && *sesami_sqs_queue_url &&
		sesami_aws_region && *sesami_aws_region;
	static TimestampTz last_warning = 0;

	begin_work("sesami: leasing outbox rows");
	if (!OidIsValid(get_extension_oid("sesami", true)))
	{
		end_work(round_context);
		return false;
	}
	if (!configured)
	{
		int64		waiting = 0;
		bool		isnull;

		/* nothing can be sent; once a minute, say so if rows are waiting */
		if (!TimestampDifferenceExceeds(last_warning, GetCurrentTimestamp(), 60 * 1000))
		{
			end_work(round_context);
			return false;
		}
		if (SPI_execute("SELECT count(*) FROM sesami.outbox WHERE parked_at IS NULL", true, 1) == SPI_OK_SELECT)
			waiting = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		end_work(round_context);
		last_warning = GetCurrentTimestamp();
		if (waiting > 0)
		{
			ereport(WARNING,
					(errmsg("sesami dispatcher cannot send " INT64_FORMAT " waiting jobs", waiting),
					 errhint("Set sesami.sqs_queue_url and sesami.aws_region, then reload the configuration.")));
		}
		return false;
	}
	if (!schema_ready())
	{
		end_work(round_context);
		return false;
	}
	n = claim_rows(&rows, &token, round_context);
	end_work(round_context);
	if (n == 0)
		return false;

	if (ensure_client())
	{
		ensure_flights();
		send_rows(rows, n);
	}
	else
	{
		for (int i = 0; i < n; i++)
			strlcpy(rows[i].error, "the SQS client could not be created (see the server log)",
					sizeof(rows[i].error));
	}

	begin_work("sesami: recording sent outbox rows");
	mark_rows(rows, n, token);
	end_work(round_context);
	return n >= sesami_dispatch_batch_size;
}
