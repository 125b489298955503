/*
 * job.c — one claimed job end to end, and the local and batch modes.
 *
 * job_run: heartbeat → private run directory → bare clone (child process,
 * limits) → analysis and tree scan (another child process, memory limit;
 * analyze_child.h) → result JSON → worker.complete, with progress
 * heartbeats throttled to one per cfg->heartbeat_s (and one per stage change;
 * during the clone at least one per heartbeat_s even when the server sends
 * nothing).  A heartbeat that says "cancelled" or "stale" stops the clone or
 * the analysis at its next check; nothing is written for a stale attempt.
 * The run directory is always removed.  Failures are classified: network
 * trouble, clone timeouts and worker shutdown are retryable, everything else
 * is not.  A lost database connection (a restart) does not lose the job:
 * heartbeats, the failure and the result are retried with reconnection for
 * cfg->writeback_retry_s (write_back), each call fenced by (job_id, attempt).
 * The user's GitHub token is opened only for a repository on the GitHub host.
 *
 * Progress: clone 0.00–0.30, analysis 0.30–0.95, write-back 1.00.
 */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <json-c/json.h>

#include "analysis.h"
#include "analyze_child.h"
#include "seal.h"

volatile sig_atomic_t worker_stop = 0;

/*
 * Log one event as one line on stderr, with a UTC timestamp.  Messages from
 * libpq, libcurl and libgit2 may carry newlines, tabs or other control
 * characters: each run of them becomes one space, and trailing space is
 * dropped, so a log line never spans lines.
 */
void
worker_log(const char *fmt,...)
{
	char		ts[32],
				msg[4096],
				line[4096];
	time_t		now = time(NULL);
	struct tm	tm;
	va_list		ap;
	size_t		n = 0;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (const unsigned char *c = (const unsigned char *) msg; *c && n < sizeof(line) - 1; c++)
	{
		if (*c < 0x20 || *c == 0x7f)
		{
			if (n > 0 && line[n - 1] != ' ')
				line[n++] = ' ';
		}
		else
			line[n++] = (char) *c;
	}
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	fprintf(stderr, "%s sesami-worker: %s\n", ts, line);
}

/* Defaults, then the environment. */
void
worker_config_init(worker_config *cfg)
{
	const char *v;
	char		host[64] = "worker";

	memset(cfg, 0, sizeof(*cfg));
	cfg->conninfo = getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "";
	cfg->role = getenv("SESAMI_DB_ROLE") ? getenv("SESAMI_DB_ROLE") : "sesami_worker";
	gethostname(host, sizeof(host) - 1);
	snprintf(cfg->worker_id, sizeof(cfg->worker_id), "%s-%ld", host, (long) getpid());
	cfg->workdir = getenv("SESAMI_WORK_DIR") ? getenv("SESAMI_WORK_DIR") : "/tmp/sesami-worker";
	cfg->mirror = getenv("SESAMI_MIRROR_DIR");
	clone_limits_default(&cfg->limits);
	if ((v = getenv("SESAMI_MAX_CLONE_BYTES")) != NULL)
		cfg->limits.max_bytes = strtoull(v, NULL, 10);
	if ((v = getenv("SESAMI_CLONE_TIMEOUT")) != NULL)
		cfg->limits.timeout_s = atoi(v);
	cfg->max_analysis_bytes = (v = getenv("SESAMI_MAX_ANALYSIS_BYTES")) != NULL ?
		strtoull(v, NULL, 10) : 4ULL << 30;
	cfg->writeback_retry_s = (v = getenv("SESAMI_WRITEBACK_RETRY")) != NULL ? atoi(v) : 60;
	cfg->github_host = github_host();
	cfg->threads = getenv("SESAMI_THREADS") ? atoi(getenv("SESAMI_THREADS")) : 0;
	cfg->max_file_bytes = getenv("SESAMI_MAX_FILE_BYTES") ?
		strtoull(getenv("SESAMI_MAX_FILE_BYTES"), NULL, 10) : 10ULL << 20;
	cfg->max_files = getenv("SESAMI_MAX_FILES") ? strtoull(getenv("SESAMI_MAX_FILES"), NULL, 10) : 200000;
	cfg->poll_interval_ms = 5000;
	cfg->heartbeat_s = 5;
	cfg->concurrency = getenv("SESAMI_CONCURRENCY") ? atoi(getenv("SESAMI_CONCURRENCY")) : 2;
	cfg->visibility_s = 300;
	cfg->queue_url = getenv("SQS_QUEUE_URL");
	cfg->region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
	cfg->endpoint_url = getenv("AWS_ENDPOINT_URL");
}

/* State of a running job shared with the progress and cancel hooks. */
typedef struct run_state
{
	const worker_config *cfg;
	db_conn    *db;
	const claimed_job *job;
	const job_hooks *hooks;
	time_t		last_beat;
	char		last_stage[32];
	bool		cancelled;
	bool		stale;
	bool		db_lost;
	time_t		db_down_since;	/* first failed heartbeat of a run of them, or 0 */
} run_state;

/* One write-back call (heartbeat, complete or fail) on rs->db. */
typedef db_status (*write_fn) (run_state *rs, void *arg, char *err, size_t errlen);

/*
 * Call fn; while it fails because the connection is gone (a database restart
 * or failover), reconnect and call it again with backoff (0.25 s doubling to
 * 5 s) for up to budget_s seconds.
 * Every call is fenced by (job_id, attempt) as before, so a retry can never
 * overwrite another attempt's work.  Server-side errors on a live connection
 * are returned at once.
 */
static db_status
write_back(run_state *rs, const char *what, write_fn fn, void *arg, int budget_s,
		   char *err, size_t errlen)
{
	time_t		deadline = time(NULL) + budget_s;
	useconds_t	delay = 250000;
	db_status	st;

	for (;;)
	{
		char		why[512];

		st = fn(rs, arg, err, errlen);
		if (st != DB_ERROR || db_ok(rs->db) || time(NULL) >= deadline)
			return st;
		worker_log("job %lld: could not %s: %s; reconnecting in %.2f s", (long long) rs->job->job_id,
				   what, err, delay / 1e6);
		usleep(delay);
		delay = delay < 2500000 ? delay * 2 : 5000000;
		if (db_reconnect(rs->db, why, sizeof(why)) == 0)
			worker_log("job %lld: reconnected to PostgreSQL", (long long) rs->job->job_id);
	}
}

/* Arguments and answer of write_heartbeat. */
typedef struct heartbeat_args
{
	const char *stage;
	double		progress;
	bool		cancelled;
} heartbeat_args;

/* write_fn: a heartbeat; arg is a heartbeat_args. */
static db_status
write_heartbeat(run_state *rs, void *arg, char *err, size_t errlen)
{
	heartbeat_args *a = arg;

	return db_heartbeat(rs->db, rs->job, a->progress, a->stage, &a->cancelled, err, errlen);
}

/* Send a heartbeat unless one went out recently for the same stage. */
static void
beat(run_state *rs, const char *stage, double progress)
{
	time_t		now = time(NULL);
	heartbeat_args a = {.stage = stage,.progress = progress};
	char		err[256];
	db_status	st;

	if (rs->hooks && rs->hooks->tick)
		rs->hooks->tick(rs->hooks->arg);
	if (rs->stale || rs->db_lost)
		return;
	if (strcmp(stage, rs->last_stage) == 0 && now - rs->last_beat < rs->cfg->heartbeat_s)
		return;
	rs->last_beat = now;
	snprintf(rs->last_stage, sizeof(rs->last_stage), "%s", stage);

	/*
	 * A lost connection is tried again briefly now, and at the next beats,
	 * until writeback_retry_s have passed since the first failure: a
	 * database restart does not stop the job, and a beat never blocks the
	 * job for long.
	 */
	st = write_back(rs, "send a heartbeat", write_heartbeat, &a, 1, err, sizeof(err));
	if (st != DB_ERROR)
		rs->db_down_since = 0;
	if (st == DB_STALE || st == DB_NOT_FOUND)
	{
		worker_log("job %lld attempt %d: %s; stopping", (long long) rs->job->job_id,
				   rs->job->attempt, err);
		rs->stale = true;
	}
	else if (st != DB_OK)
	{
		worker_log("job %lld: heartbeat failed: %s", (long long) rs->job->job_id, err);
		if (!db_ok(rs->db))
		{
			if (rs->db_down_since == 0)
				rs->db_down_since = now;
			else if (now - rs->db_down_since >= rs->cfg->writeback_retry_s)
				rs->db_lost = true;
		}
	}
	else if (a.cancelled && !rs->cancelled)
	{
		worker_log("job %lld: cancelled by the user; stopping", (long long) rs->job->job_id);
		rs->cancelled = true;
	}
}

/* Analysis cancel hook: stop on cancellation, a lost lease, or shutdown. */
static int
should_stop(void *arg)
{
	run_state  *rs = arg;

	return rs->cancelled || rs->stale || rs->db_lost || worker_stop;
}

/*
 * Clone progress → job progress 0.00–0.30.  Also called every second while
 * the clone is silent, so a stalled server does not outlive the lease; and
 * the clone stops, like the analysis, on cancellation, a lost lease or
 * shutdown.
 */
static int
on_clone_progress(double fraction, void *arg)
{
	beat(arg, "clone", 0.30 * fraction);
	return should_stop(arg);
}

/* Analysis progress → job progress 0.30–0.95. */
static void
on_analysis_progress(const char *stage, double fraction, void *arg)
{
	beat(arg, stage, 0.30 + 0.65 * fraction);
}

/* Arguments of write_fail. */
typedef struct fail_args
{
	const char *message;
	bool		retryable;
} fail_args;

/* write_fn: record a failure; arg is a fail_args. */
static db_status
write_fail(run_state *rs, void *arg, char *err, size_t errlen)
{
	fail_args  *a = arg;

	return db_fail(rs->db, rs->job, a->message, a->retryable, err, errlen);
}

/* write_fn: store the result; arg is the result JSON text. */
static db_status
write_complete(run_state *rs, void *arg, char *err, size_t errlen)
{
	return db_complete(rs->db, rs->job, arg, err, errlen);
}

/* Record a failure; returns the outcome to report. */
static job_outcome
record_failure(run_state *rs, const char *message, bool retryable)
{
	char		err[256];
	db_status	st;
	fail_args	a = {.message = message,.retryable = retryable};

	worker_log("job %lld attempt %d failed (%s): %s", (long long) rs->job->job_id,
			   rs->job->attempt, retryable ? "retryable" : "permanent", message);
	st = write_back(rs, "record the failure", write_fail, &a, rs->cfg->writeback_retry_s,
					err, sizeof(err));
	if (st == DB_STALE || st == DB_NOT_FOUND)
		return OUTCOME_STALE;
	if (st != DB_OK)
	{
		worker_log("job %lld: could not record the failure: %s", (long long) rs->job->job_id, err);
		return OUTCOME_DB_ERROR;
	}
	return OUTCOME_FAILED;
}

/* git_tree_walk callback: count blobs, stop past the limit. */
static int
count_blob(const char *root, const git_tree_entry *entry, void *payload)
{
	uint64_t   *left = payload;

	(void) root;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		return 0;
	if (*left == 0)
		return -1;
	(*left)--;
	return 0;
}

/* True if HEAD of the repository at path has more than max files. */
static bool
too_many_files(const char *path, uint64_t max)
{
	git_repository *repo = NULL;
	git_object *tree = NULL;
	uint64_t	left = max;
	bool		over = false;

	if (max == 0)
		return false;
	if (git_repository_open_bare(&repo, path) == 0 &&
		git_revparse_single(&tree, repo, "HEAD^{tree}") == 0)
		over = git_tree_walk((git_tree *) tree, GIT_TREEWALK_PRE, count_blob, &left) != 0 && left == 0;
	git_object_free(tree);
	git_repository_free(repo);
	return over;
}

/* The user's identities: known e-mails plus GitHub's noreply forms. */
static char **
user_identities(const claimed_job *job, size_t *n)
{
	char	  **ids = calloc(job->n_emails + 3, sizeof(char *));
	size_t		k = 0;

	if (ids == NULL)
		return NULL;
	for (size_t i = 0; i < job->n_emails; i++)
		ids[k++] = strdup(job->emails[i]);
	if (job->github_login && *job->github_login)
	{
		if (asprintf(&ids[k], "%lld+%s@users.noreply.github.com",
					 (long long) job->github_id, job->github_login) > 0)
			k++;
		if (asprintf(&ids[k], "%s@users.noreply.github.com", job->github_login) > 0)
			k++;
	}
	*n = k;
	return ids;
}

/*
 * Open the job's sealed GitHub token with the worker's private key
 * (SESAMI_WORKER_PRIVATE_KEY, or SESAMI_WORKER_PRIVATE_KEY_PREVIOUS during a
 * key rotation).  Returns 0 with token filled (or empty when the job has no
 * token), -1 with err set.  The caller wipes token after use.
 */
static int
open_token(const claimed_job *job, char *token, size_t cap, char *err, size_t errlen)
{
	const char *vars[] = {"SESAMI_WORKER_PRIVATE_KEY", "SESAMI_WORKER_PRIVATE_KEY_PREVIOUS"};
	bool		have_key = false;

	token[0] = '\0';
	if (job->sealed_token == NULL || job->sealed_len == 0)
		return 0;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
	{
		const char *text = getenv(vars[i]);
		uint8_t		priv[SESAMI_SEAL_KEY_LEN];
		size_t		n = 0;
		char		why[256];
		int			rc;

		if (text == NULL || *text == '\0')
			continue;
		have_key = true;
		if (sesami_seal_parse_private_key(text, priv, why, sizeof(why)) != 0)
		{
			snprintf(err, errlen, "%s is not a valid private key: %s", vars[i], why);
			return -1;
		}
		rc = sesami_unseal(priv, job->sealed_token, job->sealed_len, (uint8_t *) token,
						   cap - 1, &n, why, sizeof(why));
		sesami_seal_wipe(priv, sizeof(priv));
		if (rc == 0)
		{
			token[n] = '\0';
			return 0;
		}
	}
	snprintf(err, errlen, have_key ?
			 "cannot open the account's GitHub token: no configured private key matches key id \"%s\"" :
			 "cannot open the account's GitHub token: SESAMI_WORKER_PRIVATE_KEY is not set",
			 job->token_key_id ? job->token_key_id : "?");
	return -1;
}

/* Add job and worker facts to the analysis document. */
static void
annotate_result(json_object *doc, const worker_config *cfg, const claimed_job *job)
{
	json_object *repo = NULL;
	json_object *jobobj = json_object_new_object();

	if (json_object_object_get_ex(doc, "repo", &repo) && json_object_is_type(repo, json_type_object))
	{
		char		full[256];

		snprintf(full, sizeof(full), "%s/%s", job->repo_owner, job->repo_name);
		json_object_object_add(repo, "url", json_object_new_string(job->repo_url));
		json_object_object_add(repo, "full_name", json_object_new_string(full));
		/* the clone's temporary path means nothing to the reader */
		json_object_object_del(repo, "path");
	}
	json_object_object_add(jobobj, "id", json_object_new_int64(job->job_id));
	json_object_object_add(jobobj, "attempt", json_object_new_int(job->attempt));
	json_object_object_add(jobobj, "worker", json_object_new_string(cfg->worker_id));
	json_object_object_add(doc, "job", jobobj);
}

/* Run one claimed job to its end. */
job_outcome
job_run(const worker_config *cfg, db_conn *db, const claimed_job *job, const job_hooks *hooks)
{
	run_state	rs = {.cfg = cfg,.db = db,.job = job,.hooks = hooks};
	char		rundir[4096],
				repo[4200],
				srcbuf[4200],
				result_path[4200],
				err[1024],
				token[SESAMI_SEAL_MAX_PLAIN + 1];
	const char *source;
	clone_status cs;
	analysis_options opt;
	json_object *doc = NULL;
	char	  **ids;
	size_t		nids = 0;
	int			rc;
	job_outcome outcome;

	worker_log("job %lld attempt %d: analysing %s", (long long) job->job_id, job->attempt,
			   job->repo_url);
	beat(&rs, "clone", 0.0);
	if (rs.stale)
		return OUTCOME_STALE;

	if (rundir_create(cfg->workdir, rundir, sizeof(rundir), err, sizeof(err)) != 0)
		return record_failure(&rs, err, true);
	snprintf(repo, sizeof(repo), "%s/repo.git", rundir);

	/* the account's token is for its GitHub host only, never for another host */
	if (!url_host_is(job->repo_url, cfg->github_host))
		token[0] = '\0';
	else if (open_token(job, token, sizeof(token), err, sizeof(err)) != 0)
	{
		rundir_remove(rundir);
		return record_failure(&rs, err, false);
	}
	source = clone_source(job->repo_url, cfg->mirror, srcbuf, sizeof(srcbuf));
	cs = clone_repository(source, repo, token, &cfg->limits, on_clone_progress, &rs,
						  err, sizeof(err));
	sesami_seal_wipe(token, sizeof(token));
	if (cs != CLONE_OK)
	{
		rundir_remove(rundir);
		if (rs.stale)
			return OUTCOME_STALE;
		if (cs == CLONE_STOPPED && rs.cancelled)
			return OUTCOME_CANCELLED;
		if (cs == CLONE_STOPPED && rs.db_lost)
			return OUTCOME_DB_ERROR;
		if (cs == CLONE_STOPPED)
			return record_failure(&rs, "the worker was stopped before the clone finished", true);
		return record_failure(&rs, err, cs == CLONE_RETRYABLE);
	}

	if (too_many_files(repo, cfg->max_files))
	{
		snprintf(err, sizeof(err), "repository has more than %llu files at HEAD (SESAMI_MAX_FILES)",
				 (unsigned long long) cfg->max_files);
		rundir_remove(rundir);
		return record_failure(&rs, err, false);
	}
	analysis_options_init(&opt);
	opt.max_file_bytes = cfg->max_file_bytes;
	ids = user_identities(job, &nids);
	opt.authors = (const char *const *) ids;
	opt.nauthors = nids;
	opt.threads = cfg->threads;
	opt.progress = on_analysis_progress;
	opt.cancel = should_stop;
	opt.cb_arg = &rs;
	snprintf(result_path, sizeof(result_path), "%s/result.json", rundir);
	rc = analyze_in_child(repo, result_path, cfg->max_analysis_bytes, &opt, &doc, err, sizeof(err));
	for (size_t i = 0; i < nids; i++)
		free(ids[i]);
	free(ids);
	rundir_remove(rundir);

	if (rc == 1 || rs.stale || rs.cancelled || rs.db_lost)
	{
		json_object_put(doc);
		if (rs.stale)
			return OUTCOME_STALE;
		if (rs.cancelled)
			return OUTCOME_CANCELLED;
		if (rs.db_lost)
			return OUTCOME_DB_ERROR;
		return record_failure(&rs, "the worker was stopped before the analysis finished", true);
	}
	if (rc != 0)
		return record_failure(&rs, err, false);

	{
		db_status	st;

		annotate_result(doc, cfg, job);
		st = write_back(&rs, "store the result", write_complete,
						(void *) json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN),
						cfg->writeback_retry_s, err, sizeof(err));
		json_object_put(doc);
		if (st == DB_OK)
		{
			worker_log("job %lld attempt %d: completed", (long long) job->job_id, job->attempt);
			outcome = OUTCOME_DONE;
		}
		else if (st == DB_STALE || st == DB_NOT_FOUND)
		{
			worker_log("job %lld attempt %d: result not stored: %s", (long long) job->job_id,
					   job->attempt, err);
			outcome = OUTCOME_STALE;
		}
		else
		{
			worker_log("job %lld: could not store the result: %s", (long long) job->job_id, err);
			outcome = OUTCOME_DB_ERROR;
		}
	}
	return outcome;
}

/* Connect, retrying with backoff until it works or the worker is stopped. */
static db_conn *
connect_retrying(const worker_config *cfg)
{
	int			delay = 1;
	char		err[512];

	while (!worker_stop)
	{
		db_conn    *db = db_connect(cfg->conninfo, cfg->role, err, sizeof(err));

		if (db && db_listen(db, "sesami_jobs", err, sizeof(err)) == 0)
			return db;
		db_close(db);
		worker_log("%s; retrying in %d s", err, delay);
		sleep(delay);
		delay = delay < 30 ? delay * 2 : 30;
	}
	return NULL;
}

/* Local mode: claim queued jobs from PostgreSQL until stopped (or idle with --once). */
int
mode_local(const worker_config *cfg)
{
	db_conn    *db;
	char		err[512];
	int			done = 0;

	if (rundir_clean_stale(cfg->workdir) > 0)
		worker_log("removed run directories left by stopped workers in %s", cfg->workdir);
	db = connect_retrying(cfg);
	if (db == NULL)
		return EXIT_DONE;
	worker_log("local mode: worker %s waiting for jobs", cfg->worker_id);

	while (!worker_stop)
	{
		claimed_job job;
		db_status	st = db_claim_next(db, cfg->worker_id, &job, err, sizeof(err));

		if (st == DB_OK)
		{
			job_run(cfg, db, &job, NULL);
			claimed_job_free(&job);
			done++;
			continue;
		}
		if (st == DB_NONE)
		{
			if (cfg->once)
				break;
			if (db_wait_notify(db, cfg->poll_interval_ms) >= 0)
				continue;
		}
		worker_log("lost the database connection: %s", st == DB_NONE ? "notify failed" : err);
		db_close(db);
		db = connect_retrying(cfg);
		if (db == NULL)
			break;
	}
	db_close(db);
	worker_log("local mode: stopping after %d job(s)", done);
	return EXIT_DONE;
}

/*
 * Parse a queue message {"v": 1, "job_id": N, "attempt": N, ...} (the
 * dispatcher's format).  Returns 0, or -1 for anything else.
 */
int
parse_job_message(const char *body, int64_t *job_id, int *attempt)
{
	json_object *msg = body ? json_tokener_parse(body) : NULL;
	json_object *v;
	int64_t		id = 0,
				att = -1;

	if (msg && json_object_is_type(msg, json_type_object))
	{
		if (json_object_object_get_ex(msg, "job_id", &v) && json_object_is_type(v, json_type_int))
			id = json_object_get_int64(v);
		if (json_object_object_get_ex(msg, "attempt", &v) && json_object_is_type(v, json_type_int))
			att = json_object_get_int64(v);
	}
	json_object_put(msg);
	if (id <= 0 || att < 0 || att > 1000)
		return -1;
	*job_id = id;
	*attempt = (int) att;
	return 0;
}

/*
 * Batch mode: one job named by an SQS message body {"job_id": N, "attempt": N}
 * (EventBridge Pipe → AWS Batch, env SQS_MESSAGE_BODY).  The pipe has already
 * deleted the message, so retries are Postgres's business: exit EXIT_RETRY
 * only when nothing could be recorded.
 */
int
mode_batch(const worker_config *cfg, const char *body)
{
	int64_t		job_id = 0;
	int			attempt = -1;
	db_conn    *db;
	claimed_job job;
	char		err[512];
	db_status	st;
	job_outcome outcome;

	if (body == NULL || *body == '\0')
	{
		worker_log("batch mode needs the message body in SQS_MESSAGE_BODY");
		return EXIT_USAGE;
	}
	if (parse_job_message(body, &job_id, &attempt) != 0)
	{
		worker_log("ignoring a malformed message: expected {\"job_id\": N, \"attempt\": N}");
		return EXIT_DONE;
	}

	rundir_clean_stale(cfg->workdir);
	db = db_connect(cfg->conninfo, cfg->role, err, sizeof(err));
	if (db == NULL)
	{
		worker_log("%s", err);
		return EXIT_RETRY;
	}
	st = db_claim_job(db, job_id, attempt, cfg->worker_id, &job, err, sizeof(err));
	if (st == DB_NOT_FOUND)
	{
		worker_log("job %lld does not exist; ignoring the message", (long long) job_id);
		db_close(db);
		return EXIT_DONE;
	}
	if (st == DB_NONE)
	{
		worker_log("job %lld attempt %d is not claimable (a duplicate or stale message); nothing to do",
				   (long long) job_id, attempt);
		db_close(db);
		return EXIT_DONE;
	}
	if (st != DB_OK)
	{
		worker_log("could not claim job %lld: %s", (long long) job_id, err);
		db_close(db);
		return EXIT_RETRY;
	}
	outcome = job_run(cfg, db, &job, NULL);
	claimed_job_free(&job);
	db_close(db);
	return outcome == OUTCOME_DB_ERROR ? EXIT_RETRY : EXIT_DONE;
}
