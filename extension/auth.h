/*
 * auth.h — declarations shared by the sign-in files of the extension.
 *
 * auth.c defines the sign-in GUCs and reads secrets (from a GUC or a file);
 * jwt.c signs PostgREST session tokens; github.c runs the GitHub OAuth
 * exchange.  Secrets are read in C from the GUC variables themselves, because
 * api.login_github runs for sesami_anon, which may not read them from SQL.
 *
 * Locking: none of these take locks except the sign-in's final upserts
 * (github.c), which lock only the caller's account and token rows.
 */
#ifndef SESAMI_AUTH_H
#define SESAMI_AUTH_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "utils/timestamp.h"

#include "seal.h"

/* GUC variables (auth.c). */
extern char *sesami_github_oauth_url;
extern char *sesami_github_api_url;
extern char *sesami_github_client_id;
extern char *sesami_github_client_secret;
extern char *sesami_github_client_secret_file;
extern char *sesami_github_scopes;
extern char *sesami_jwt_secret;
extern char *sesami_jwt_secret_file;
extern char *sesami_jwt_audience;
extern int	sesami_jwt_ttl;
extern int	sesami_http_timeout;
extern int	sesami_http_connect_timeout;
extern char *sesami_worker_public_key;
extern char *sesami_worker_key_id;

/* Shortest JWT secret accepted (PostgREST refuses shorter ones too). */
#define SESAMI_JWT_SECRET_MIN 32

/* auth.c */
extern void sesami_define_auth_gucs(void);
extern void sesami_auth_not_configured(const char *log_detail) pg_attribute_noreturn();
extern char *sesami_read_secret(const char *value, const char *file, const char *what);
extern void sesami_wipe_secret(char *secret);
extern void sesami_worker_key(uint8 pub[SESAMI_SEAL_KEY_LEN], const char **key_id);

/* jwt.c */
extern void sesami_jwt_check_secret(void);
extern char *sesami_jwt_sign(int64 account_id, TimestampTz *expires_at);
extern Datum sesami_make_session(int64 account_id, TupleDesc tupdesc);

#endif							/* SESAMI_AUTH_H */
