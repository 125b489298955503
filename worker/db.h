/*
 * db.h — sesami-worker's side of the worker API (libpq).
 *
 * Every call goes through the worker.* SQL functions; the worker reads no
 * table directly.  A claim yields the fencing pair (job_id, attempt) that every
 * later call presents; a stale attempt comes back as DB_STALE (SQLSTATE 55000)
 * and the worker must drop the job without writing anything.
 */
#ifndef SESAMI_WORKER_DB_H
#define SESAMI_WORKER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db_conn db_conn;

/* Outcomes of worker API calls. */
typedef enum db_status
{
	DB_OK = 0,
	DB_NONE = 1,				/* nothing to claim / stale message */
	DB_STALE = 2,				/* 55000: this attempt is no longer current */
	DB_NOT_FOUND = 3,			/* PT404: no such job */
	DB_ERROR = -1				/* connection or server error (retryable) */
} db_status;

/* What a claim hands the worker. */
typedef struct claimed_job
{
	int64_t		job_id;
	int			attempt;
	char	   *repo_url;
	char	   *repo_owner;
	char	   *repo_name;
	int64_t		account_id;
	int64_t		github_id;
	char	   *github_login;
	char	  **emails;
	size_t		n_emails;
	char	   *token_key_id;	/* NULL when the account has no GitHub token */
	unsigned char *sealed_token;	/* sealed to the worker's key (common/seal.h) */
	size_t		sealed_len;
} claimed_job;

db_conn    *db_connect(const char *conninfo, const char *role, char *err, size_t errlen);
int			db_reconnect(db_conn *db, char *err, size_t errlen);
void		db_close(db_conn *db);
bool		db_ok(db_conn *db);
db_status	db_claim_next(db_conn *db, const char *worker_id, claimed_job *job,
						  char *err, size_t errlen);
db_status	db_claim_job(db_conn *db, int64_t job_id, int attempt, const char *worker_id,
						 claimed_job *job, char *err, size_t errlen);
db_status	db_heartbeat(db_conn *db, const claimed_job *job, double progress,
						 const char *stage, bool *cancelled, char *err, size_t errlen);
db_status	db_complete(db_conn *db, const claimed_job *job, const char *result_json,
						char *err, size_t errlen);
db_status	db_fail(db_conn *db, const claimed_job *job, const char *error, bool retryable,
					char *err, size_t errlen);
int			db_listen(db_conn *db, const char *channel, char *err, size_t errlen);
int			db_wait_notify(db_conn *db, int timeout_ms);
void		claimed_job_free(claimed_job *job);

#endif
