/*
 * db.c — sesami-worker's libpq client for the worker.* functions.
 *
 * One connection per worker thread; every statement is a single function call
 * in its own implicit transaction (no transaction spans network I/O to git or
 * SQS).  After connecting the worker does SET ROLE to its role (sesami_worker
 * by default) so it runs with exactly the worker's privileges even when the
 * login role could do more.  db_reconnect connects again with the same
 * settings after a restart broke the connection (role and LISTEN restored).  The claimed job's e-mails arrive as a JSON array
 * (array_to_json) and are parsed with json-c; the sealed GitHub token arrives
 * as bytea and stays sealed until job.c opens it for the clone.
 */
#include "db.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libpq-fe.h>

struct db_conn
{
	PGconn	   *conn;
	char	   *role;			/* SET ROLE after every (re)connection */
	char	   *channel;		/* LISTEN after every reconnection, if set */
};

#define CLAIM_COLUMNS \
	"job_id, attempt, repo_url, repo_owner, repo_name, account_id, github_id, " \
	"github_login, array_to_json(emails)::text, token_key_id, sealed_token"

/* Copy a message into err, trimming the trailing newline libpq adds. */
static void
set_err(char *err, size_t errlen, const char *prefix, const char *msg)
{
	size_t		n;

	snprintf(err, errlen, "%s%s", prefix, msg ? msg : "");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* Map a failed result to a db_status by SQLSTATE, filling err. */
static db_status
result_error(PGresult *res, PGconn *conn, char *err, size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	set_err(err, errlen, "", msg ? msg : PQerrorMessage(conn));
	if (state && strcmp(state, "55000") == 0)
		return DB_STALE;
	if (state && strcmp(state, "PT404") == 0)
		return DB_NOT_FOUND;
	return DB_ERROR;
}

/* Switch the session to db->role (if any); 0, or -1 with err set. */
static int
set_role(db_conn *db, char *err, size_t errlen)
{
	PGresult   *res;
	char	   *quoted;
	char		sql[256];

	if (db->role == NULL || *db->role == '\0')
		return 0;
	quoted = PQescapeIdentifier(db->conn, db->role, strlen(db->role));
	if (quoted == NULL)
	{
		set_err(err, errlen, "", PQerrorMessage(db->conn));
		return -1;
	}
	snprintf(sql, sizeof(sql), "SET ROLE %s", quoted);
	PQfreemem(quoted);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		set_err(err, errlen, "could not switch to the worker role: ",
				PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Connect with a libpq conninfo and switch to the worker role. */
db_conn *
db_connect(const char *conninfo, const char *role, char *err, size_t errlen)
{
	db_conn    *db;

	db = calloc(1, sizeof(*db));
	if (db == NULL || (role && (db->role = strdup(role)) == NULL))
	{
		free(db);
		set_err(err, errlen, "", "out of memory");
		return NULL;
	}
	db->conn = PQconnectdb(conninfo ? conninfo : "");
	if (PQstatus(db->conn) != CONNECTION_OK)
	{
		set_err(err, errlen, "could not connect to PostgreSQL: ", PQerrorMessage(db->conn));
		db_close(db);
		return NULL;
	}
	if (set_role(db, err, errlen) != 0)
	{
		db_close(db);
		return NULL;
	}
	return db;
}

/*
 * Connect again with the same settings (after a server restart broke the
 * connection), switch role and LISTEN again.  0, or -1 with err set.
 */
int
db_reconnect(db_conn *db, char *err, size_t errlen)
{
	PQreset(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK)
	{
		set_err(err, errlen, "could not connect to PostgreSQL: ", PQerrorMessage(db->conn));
		return -1;
	}
	if (set_role(db, err, errlen) != 0)
		return -1;
	if (db->channel && db_listen(db, db->channel, err, errlen) != 0)
		return -1;
	return 0;
}

/* Close the connection and free the handle. */
void
db_close(db_conn *db)
{
	if (db == NULL)
		return;
	PQfinish(db->conn);
	free(db->role);
	free(db->channel);
	free(db);
}

/* True while the connection is usable. */
bool
db_ok(db_conn *db)
{
	return db != NULL && PQstatus(db->conn) == CONNECTION_OK;
}

/* strdup that tolerates NULL. */
static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Fill a claimed_job from row 0 of a claim result. */
static int
read_claim(PGresult *res, claimed_job *job, char *err, size_t errlen)
{
	json_object *arr;

	memset(job, 0, sizeof(*job));
	job->job_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	job->attempt = atoi(PQgetvalue(res, 0, 1));
	job->repo_url = dup_or_null(PQgetvalue(res, 0, 2));
	job->repo_owner = dup_or_null(PQgetvalue(res, 0, 3));
	job->repo_name = dup_or_null(PQgetvalue(res, 0, 4));
	job->account_id = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	job->github_id = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	job->github_login = dup_or_null(PQgetvalue(res, 0, 7));

	arr = json_tokener_parse(PQgetvalue(res, 0, 8));
	if (arr && json_object_is_type(arr, json_type_array))
	{
		size_t		n = json_object_array_length(arr);

		job->emails = calloc(n + 1, sizeof(char *));
		for (size_t i = 0; job->emails && i < n; i++)
		{
			json_object *e = json_object_array_get_idx(arr, i);

			if (json_object_is_type(e, json_type_string))
				job->emails[job->n_emails++] = strdup(json_object_get_string(e));
		}
	}
	json_object_put(arr);
	if (!PQgetisnull(res, 0, 10))
	{
		size_t		n = 0;
		unsigned char *raw = PQunescapeBytea((const unsigned char *) PQgetvalue(res, 0, 10), &n);

		if (raw)
		{
			job->sealed_token = malloc(n);
			if (job->sealed_token)
			{
				memcpy(job->sealed_token, raw, n);
				job->sealed_len = n;
			}
			PQfreemem(raw);
		}
		job->token_key_id = dup_or_null(PQgetisnull(res, 0, 9) ? NULL : PQgetvalue(res, 0, 9));
	}
	if (!job->repo_url || !job->repo_owner || !job->repo_name)
	{
		set_err(err, errlen, "", "out of memory reading a claim");
		claimed_job_free(job);
		return -1;
	}
	return 0;
}

/* Run a claim query; DB_OK with *job filled, DB_NONE when no row. */
static db_status
run_claim(db_conn *db, const char *sql, int nparams, const char *const *params,
		  claimed_job *job, char *err, size_t errlen)
{
	PGresult   *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	db_status	st;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		st = result_error(res, db->conn, err, errlen);
	else if (PQntuples(res) == 0)
		st = DB_NONE;
	else
		st = read_claim(res, job, err, errlen) == 0 ? DB_OK : DB_ERROR;
	PQclear(res);
	return st;
}

/* Claim the oldest queued job (local mode). */
db_status
db_claim_next(db_conn *db, const char *worker_id, claimed_job *job, char *err, size_t errlen)
{
	const char *params[1] = {worker_id};

	return run_claim(db, "SELECT " CLAIM_COLUMNS " FROM worker.claim_next($1)",
					 1, params, job, err, errlen);
}

/* Claim the job a queue message names; DB_NONE for a stale or duplicate message. */
db_status
db_claim_job(db_conn *db, int64_t job_id, int attempt, const char *worker_id,
			 claimed_job *job, char *err, size_t errlen)
{
	char		id[32],
				att[16];
	const char *params[3] = {id, att, worker_id};

	snprintf(id, sizeof(id), "%lld", (long long) job_id);
	snprintf(att, sizeof(att), "%d", attempt);
	return run_claim(db, "SELECT " CLAIM_COLUMNS " FROM worker.claim_job($1, $2, $3)",
					 3, params, job, err, errlen);
}

/* Run a fenced write-back that returns one text value (or none). */
static db_status
run_fenced(db_conn *db, const char *sql, int nparams, const char *const *params,
		   char *value, size_t valuelen, char *err, size_t errlen)
{
	PGresult   *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	db_status	st = DB_OK;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		st = result_error(res, db->conn, err, errlen);
	else if (value && PQntuples(res) == 1)
		snprintf(value, valuelen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return st;
}

/* Heartbeat: report progress, extend the lease, learn about cancellation. */
db_status
db_heartbeat(db_conn *db, const claimed_job *job, double progress, const char *stage,
			 bool *cancelled, char *err, size_t errlen)
{
	char		id[32],
				att[16],
				prog[32],
				status[32] = "";
	const char *params[4] = {id, att, prog, stage};
	db_status	st;

	if (progress < 0)
		progress = 0;
	if (progress > 1)
		progress = 1;
	snprintf(id, sizeof(id), "%lld", (long long) job->job_id);
	snprintf(att, sizeof(att), "%d", job->attempt);
	snprintf(prog, sizeof(prog), "%.4f", progress);
	st = run_fenced(db, "SELECT worker.heartbeat($1, $2, $3, $4)", 4, params,
					status, sizeof(status), err, errlen);
	*cancelled = (st == DB_OK && strcmp(status, "cancelled") == 0);
	return st;
}

/* Complete the job with its result document. */
db_status
db_complete(db_conn *db, const claimed_job *job, const char *result_json, char *err, size_t errlen)
{
	char		id[32],
				att[16];
	const char *params[3] = {id, att, result_json};

	snprintf(id, sizeof(id), "%lld", (long long) job->job_id);
	snprintf(att, sizeof(att), "%d", job->attempt);
	return run_fenced(db, "SELECT worker.complete($1, $2, $3::jsonb)", 3, params,
					  NULL, 0, err, errlen);
}

/* Record a failed attempt (retryable or not). */
db_status
db_fail(db_conn *db, const claimed_job *job, const char *error, bool retryable,
		char *err, size_t errlen)
{
	char		id[32],
				att[16];
	const char *params[4] = {id, att, error, retryable ? "true" : "false"};

	snprintf(id, sizeof(id), "%lld", (long long) job->job_id);
	snprintf(att, sizeof(att), "%d", job->attempt);
	return run_fenced(db, "SELECT worker.fail($1, $2, $3, $4)", 4, params,
					  NULL, 0, err, errlen);
}

/* LISTEN on a channel (the extension NOTIFYs "sesami_jobs" for queued jobs). */
int
db_listen(db_conn *db, const char *channel, char *err, size_t errlen)
{
	char	   *quoted = PQescapeIdentifier(db->conn, channel, strlen(channel));
	char		sql[128];
	PGresult   *res;
	int			rc = 0;

	if (quoted == NULL)
	{
		set_err(err, errlen, "", PQerrorMessage(db->conn));
		return -1;
	}
	snprintf(sql, sizeof(sql), "LISTEN %s", quoted);
	PQfreemem(quoted);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		result_error(res, db->conn, err, errlen);
		rc = -1;
	}
	PQclear(res);
	if (rc == 0 && (db->channel == NULL || strcmp(db->channel, channel) != 0))
	{
		free(db->channel);
		db->channel = strdup(channel);
	}
	return rc;
}

/*
 * Wait up to timeout_ms for a notification.  Returns 1 if one (or more)
 * arrived, 0 on timeout or signal, -1 if the connection broke.
 */
int
db_wait_notify(db_conn *db, int timeout_ms)
{
	PGnotify   *n;
	int			got = 0;
	struct pollfd pfd;

	if (!PQconsumeInput(db->conn))
		return -1;
	while ((n = PQnotifies(db->conn)) != NULL)
	{
		got = 1;
		PQfreemem(n);
	}
	if (got)
		return 1;
	pfd.fd = PQsocket(db->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return -1;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? 0 : -1;
	if (!PQconsumeInput(db->conn))
		return -1;
	while ((n = PQnotifies(db->conn)) != NULL)
	{
		got = 1;
		PQfreemem(n);
	}
	return got;
}

/* Free what a claim allocated. */
void
claimed_job_free(claimed_job *job)
{
	free(job->repo_url);
	free(job->repo_owner);
	free(job->repo_name);
	free(job->github_login);
	for (size_t i = 0; i < job->n_emails; i++)
		free(job->emails[i]);
	free(job->emails);
	free(job->token_key_id);
	free(job->sealed_token);
	memset(job, 0, sizeof(*job));
}
