/*
 * sqs_dispatch.c — the dispatcher's delivery of outbox rows to Amazon SQS.
 *
 * One round (sesami_dispatch_round) has three steps, and only the middle one
 * touches the network:
 *
 *   1. claim   (transaction)  lease up to sesami.dispatch_batch_size ready
 *              rows with FOR UPDATE SKIP LOCKED: lease_until = now() + lease,
 *              send_attempts + 1; rows whose job was cancelled meanwhile are
 *              dropped.  COMMIT — no lock is held while we talk to SQS.
 *   2. send    (no transaction) SendMessageBatch requests of at most 10
 *              entries, up to sesami.dispatch_in_flight at once on a curl
 *              multi handle whose easy handles keep their connections alive.
 *              The entry id is the outbox row id; Failed[] is read per entry
 *              even on HTTP 200.
 *   3. mark    (transaction)  sent rows are deleted and their jobs move
 *              pending -> queued with the SQS message id (through the C state
 *              machine, so the move is audited); failed rows get exponential
 *              backoff with jitter, or are parked (kept, with the error) when
 *              SQS says the sender is at fault or after
 *              sesami.dispatch_max_attempts sends.  A missing queue or denied
 *              access is retried, not parked: both are fixed elsewhere.
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
 * they never reach a log line, an error or pg_settings.
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
static Flight *flights = NULL;
static int	nflights = 0;
static bool curl_ready = false;

/* Record the last error in shared memory (never with secrets in it). */
static void
note_error(const char *msg)
{
	SpinLockAcquire(&sesami_shared->mutex);
	strlcpy(sesami_shared->last_error, msg, sizeof(sesami_shared->last_error));
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
				 errdetail_internal("%s", errbuf)));
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

/*
 * Step 1: lease ready outbox rows.  Returns how many; *out is allocated in
 * mcxt, which must outlive the transaction (SPI's memory does not).
 */
static int
claim_rows(OutboxRow **out, MemoryContext mcxt)
{
	static const char *sql =
		"WITH c AS ("
		"  SELECT o.id FROM sesami.outbox o"
		"  WHERE o.parked_at IS NULL AND o.available_at <= now()"
		"    AND (o.lease_until IS NULL OR o.lease_until < now())"
		"  ORDER BY o.available_at, o.id LIMIT $1 FOR UPDATE SKIP LOCKED),"
		" u AS ("
		"  UPDATE sesami.outbox o"
		"  SET lease_until = now() + $2 * interval '1 second', send_attempts = o.send_attempts + 1"
		"  FROM c WHERE o.id = c.id"
		"  RETURNING o.id, o.job_id, o.attempt, o.send_attempts)"
		" SELECT u.id, u.job_id, u.attempt, u.send_attempts, j.account_id,"
		"        j.status IN ('pending', 'queued'),"
		"        json_build_object('v', 1, 'job_id', u.job_id, 'attempt', u.attempt,"
		"                          'repo_url', j.repo_url)::text"
		" FROM u JOIN sesami.jobs j ON j.id = u.job_id";
	Oid			argtypes[2] = {INT4OID, INT4OID};
	Datum		values[2];
	int			n;
	OutboxRow  *rows;

	values[0] = Int32GetDatum(sesami_dispatch_batch_size);
	values[1] = Int32GetDatum(Max(sesami_http_timeout / 1000 * 3, 30));
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
			r->park = results[i].sender_fault != 0;
		}
		else
		{
			snprintf(r->error, sizeof(r->error), "%s", err.message[0] ? err.message : aws_status_name(st));
			r->throttled = (st == AWS_ETHROTTLED);
			/*
			 * a request SQS rejects as malformed will not get better; a
			 * missing queue or denied access may, like an outage
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

/* Step 3: apply the outcomes.  Returns the number of rows sent. */
static int
mark_rows(OutboxRow *rows, int n)
{
	static const char *sent_sql =
		"WITH s AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS s(id, msg)),"
		" d AS (DELETE FROM sesami.outbox o USING s WHERE o.id = s.id RETURNING o.job_id, s.msg)"
		" UPDATE sesami.jobs j"
		" SET status = 'queued', sqs_message_id = d.msg, updated_at = now(), dispatched_at = now(),"
		"     queued_at = CASE WHEN j.status = 'pending' THEN now() ELSE j.queued_at END"
		" FROM d WHERE j.id = d.job_id AND j.status IN ('pending', 'queued')";
	static const char *drop_sql =
		"DELETE FROM sesami.outbox WHERE id = ANY ($1::bigint[])";
	static const char *fail_sql =
		"UPDATE sesami.outbox o"
		" SET lease_until = NULL, last_error = f.err,"
		"     available_at = now() + f.delay * interval '1 millisecond',"
		"     parked_at = CASE WHEN f.park THEN now() END"
		" FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bool[]) AS f(id, err, delay, park)"
		" WHERE o.id = f.id";
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
				nthrottled = 0;
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
			bool		park = r->park || r->send_attempts >= sesami_dispatch_max_attempts;

			if (r->error[0] == '\0')
				strlcpy(r->error, "the send was interrupted", sizeof(r->error));
			fail_ids[nfail] = Int64GetDatum(r->id);
			fail_errs[nfail] = CStringGetTextDatum(r->error);
			fail_delays[nfail] = Int32GetDatum(backoff_ms(r->send_attempts, r->throttled));
			fail_parks[nfail++] = BoolGetDatum(park);
			nparked += park ? 1 : 0;
			nthrottled += r->throttled ? 1 : 0;
			last_err = r->error;
		}
	}

	if (nsent > 0)
	{
		Oid			types[2] = {INT8ARRAYOID, TEXTARRAYOID};
		Datum		args[2] = {
			PointerGetDatum(construct_array(sent_ids, nsent, INT8OID, 8, true, TYPALIGN_DOUBLE)),
			PointerGetDatum(construct_array(sent_msgs, nsent, TEXTOID, -1, false, TYPALIGN_INT))
		};

		if (SPI_execute_with_args(sent_sql, 2, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not mark sent outbox rows");
	}
	if (ndrop > 0)
	{
		Oid			types[1] = {INT8ARRAYOID};
		Datum		args[1] = {
			PointerGetDatum(construct_array(drop_ids, ndrop, INT8OID, 8, true, TYPALIGN_DOUBLE))
		};

		if (SPI_execute_with_args(drop_sql, 1, types, args, NULL, false, 0) != SPI_OK_DELETE)
			elog(ERROR, "could not drop outbox rows of finished jobs");
	}
	if (nfail > 0)
	{
		Oid			types[4] = {INT8ARRAYOID, TEXTARRAYOID, INT4ARRAYOID, BOOLARRAYOID};
		Datum		args[4] = {
			PointerGetDatum(construct_array(fail_ids, nfail, INT8OID, 8, true, TYPALIGN_DOUBLE)),
			PointerGetDatum(construct_array(fail_errs, nfail, TEXTOID, -1, false, TYPALIGN_INT)),
			PointerGetDatum(construct_array(fail_delays, nfail, INT4OID, 4, true, TYPALIGN_INT)),
			PointerGetDatum(construct_array(fail_parks, nfail, BOOLOID, 1, true, TYPALIGN_CHAR))
		};

		if (SPI_execute_with_args(fail_sql, 4, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "could not record failed sends");
	}

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
 * One delivery round.  Returns true when it leased a full batch (there may
 * be more ready rows: the caller runs another round at once).
 */
bool
sesami_dispatch_round(void)
{
	MemoryContext round_context = CurrentMemoryContext;
	OutboxRow  *rows = NULL;
	int			n;
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
	n = claim_rows(&rows, round_context);
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
	mark_rows(rows, n);
	end_work(round_context);
	return n >= sesami_dispatch_batch_size;
}
