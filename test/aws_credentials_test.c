/*
 * aws_credentials_test.c — tests for common/aws_credentials.c against the
 * loopback double test/metadata_double.py (ECS container endpoint + IMDSv2).
 *
 * Usage: aws_credentials_test BASE_URL CLOSED_PORT
 *   BASE_URL     http://127.0.0.1:<port> of a running metadata_double.py
 *   CLOSED_PORT  a loopback port nothing listens on (connection refused)
 *
 * The environment is injected through the provider's getenv hook and time
 * through its clock hook, so expiry-driven refresh is tested without sleeping.
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exit status 1 on failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "aws_credentials.h"

#define MAX_ENV 16

static int	failures = 0;
static const char *base_url;

/* Secrets the double hands out or the tests use; must never be in errors. */
static const char *const secret_markers[] = {
	"secret-", "token-cont", "token-imds", "container-auth-token",
	"leaky-secret-value", "ENVSECRET", "ENVTOKEN", "imds-session"
};

/* A fake environment: NAME=value pairs. */
typedef struct fake_env
{
	const char *names[MAX_ENV];
	const char *values[MAX_ENV];
	int			n;
} fake_env;

static time_t fake_now = 1800000000;

/* Clock hook: the fake time. */
static time_t
clock_hook(void *arg __attribute__((unused)))
{
	return fake_now;
}

/* getenv hook over a fake_env. */
static const char *
env_hook(const char *name, void *arg)
{
	fake_env   *e = arg;
	int			i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0)
			return e->values[i];
	return NULL;
}

/* Add NAME=value to a fake environment. */
static void
env_set(fake_env *e, const char *name, const char *value)
{
	e->names[e->n] = name;
	e->values[e->n] = value;
	e->n++;
}

/* Print one TAP line. */
static void
report(int ok, const char *what)
{
	printf("%sok - %s\n", ok ? "" : "not ", what);
	if (!ok)
		failures++;
}

/* True if msg contains none of the secret markers (prints the offender). */
static int
no_secrets(const char *msg)
{
	size_t		i;

	for (i = 0; i < sizeof(secret_markers) / sizeof(secret_markers[0]); i++)
		if (strstr(msg, secret_markers[i]))
		{
			printf("# error message leaks \"%s\": %s\n", secret_markers[i], msg);
			return 0;
		}
	return 1;
}

/* A provider over env with the fake clock. */
static aws_credentials_provider *
make_provider(fake_env *env, const char *container_base)
{
	aws_credentials_options o;
	char		err[256];
	aws_credentials_provider *p;

	memset(&o, 0, sizeof(o));
	o.now = clock_hook;
	o.getenv_fn = env_hook;
	o.getenv_arg = env;
	o.container_base_url = container_base;
	o.http_timeout_ms = 2000;
	o.refresh_margin_s = 300;
	p = aws_credentials_provider_new(&o, err, sizeof(err));
	if (p == NULL)
	{
		printf("# provider_new: %s\n", err);
		exit(1);
	}
	return p;
}

/* POST /control?<query> or GET /stats on the double; returns the body. */
static char *
double_call(const char *method, const char *path)
{
	CURL	   *easy = curl_easy_init();
	aws_http_response resp = {0};
	char		url[512];
	char		err[256];
	char	   *out = NULL;

	snprintf(url, sizeof(url), "%s%s", base_url, path);
	if (aws_http_perform(easy, method, url, NULL, "", 0, 2000, &resp, err, sizeof(err)) == AWS_OK)
		out = aws_buf_steal(&resp.body);
	else
		printf("# double %s %s: %s\n", method, path, err);
	aws_http_response_free(&resp);
	curl_easy_cleanup(easy);
	return out;
}

/* How many times the double served "METHOD PATH". */
static int
double_count(const char *key)
{
	char	   *body = double_call("GET", "/stats");
	json_object *root = body ? json_tokener_parse(body) : NULL;
	json_object *v;
	int			n = 0;

	if (root && json_object_object_get_ex(root, key, &v))
		n = json_object_get_int(v);
	json_object_put(root);
	free(body);
	return n;
}

/* Set the double's clock and credential lifetime. */
static void
double_control(const char *query)
{
	char		path[256];

	snprintf(path, sizeof(path), "/control?%s", query);
	free(double_call("POST", path));
}

/* Environment source. */
static void
test_environment(void)
{
	fake_env	env = {{0}, {0}, 0};
	aws_credentials_provider *p;
	aws_credentials c;
	char		err[256] = "";
	aws_status	st;

	env_set(&env, "AWS_ACCESS_KEY_ID", "AKIDENV");
	env_set(&env, "AWS_SECRET_ACCESS_KEY", "ENVSECRET");
	env_set(&env, "AWS_SESSION_TOKEN", "ENVTOKEN");
	/* A configured container endpoint must lose to the environment. */
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/none");
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_OK && strcmp(c.access_key_id, "AKIDENV") == 0 &&
		   strcmp(c.secret_access_key, "ENVSECRET") == 0 &&
		   c.session_token && strcmp(c.session_token, "ENVTOKEN") == 0 &&
		   c.expiration == 0 && strcmp(c.source, "environment") == 0,
		   "credentials: environment variables come first (key, secret, session token, no expiry)");
	aws_credentials_clear(&c);
	aws_credentials_provider_free(p);

	/* The default hook reads the real process environment. */
	{
		aws_credentials_options o;

		memset(&o, 0, sizeof(o));
		setenv("AWS_ACCESS_KEY_ID", "AKIDREALENV", 1);
		setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET-real", 1);
		unsetenv("AWS_SESSION_TOKEN");
		p = aws_credentials_provider_new(&o, err, sizeof(err));
		st = p ? aws_credentials_get(p, &c, err, sizeof(err)) : AWS_ENOMEM;
		report(st == AWS_OK && strcmp(c.access_key_id, "AKIDREALENV") == 0 &&
			   c.session_token == NULL && strcmp(c.source, "environment") == 0,
			   "credentials: default options read the process environment (no token: long-term keys)");
		aws_credentials_clear(&c);
		aws_credentials_provider_free(p);
		unsetenv("AWS_ACCESS_KEY_ID");
		unsetenv("AWS_SECRET_ACCESS_KEY");
	}

	/* Half-configured environment and metadata disabled: a clear error. */
	env.n = 0;
	env_set(&env, "AWS_ACCESS_KEY_ID", "AKIDENV");
	env_set(&env, "AWS_EC2_METADATA_DISABLED", "true");
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_ENOCREDS && strstr(err, "AWS_SECRET_ACCESS_KEY") && c.access_key_id == NULL,
		   "credentials: nothing usable configured gives AWS_ENOCREDS naming the variables");
	if (st != AWS_ENOCREDS)
		printf("# got %s: %s\n", aws_status_name(st), err);
	aws_credentials_provider_free(p);
}

/* ECS / Batch container endpoint source. */
static void
test_container(void)
{
	fake_env	env = {{0}, {0}, 0};
	aws_credentials_provider *p;
	aws_credentials c;
	char		err[256] = "";
	char		url[512];
	char		tokfile[] = "/tmp/sesami-ctok-XXXXXX";
	char		q[128];
	int			fd;
	aws_status	st;

	snprintf(q, sizeof(q), "now=%ld&ttl=3600&fail=0", (long) fake_now);
	double_control(q);

	/* FULL_URI with the token in the environment. */
	snprintf(url, sizeof(url), "%s/container/creds", base_url);
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token");
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_OK && strncmp(c.access_key_id, "ASIACONT", 8) == 0 &&
		   strncmp(c.secret_access_key, "secret-cont-", 12) == 0 &&
		   c.session_token && strncmp(c.session_token, "token-cont-", 11) == 0 &&
		   c.expiration == fake_now + 3600 && strcmp(c.source, "container") == 0,
		   "credentials: container FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN (Expiration parsed)");
	if (st != AWS_OK)
		printf("# %s: %s\n", aws_status_name(st), err);
	aws_credentials_clear(&c);
	aws_credentials_provider_free(p);

	/* The token file wins over the environment token. */
	fd = mkstemp(tokfile);
	if (fd < 0 || write(fd, "container-auth-token\n", 21) != 21)
		report(0, "credentials: write the token file");
	close(fd);
	env.n = 0;
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong");
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokfile);
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_OK && strncmp(c.access_key_id, "ASIACONT", 8) == 0,
		   "credentials: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE read (and trimmed), preferred over the env token");
	aws_credentials_clear(&c);
	aws_credentials_provider_free(p);
	unlink(tokfile);

	/* Wrong token: HTTP 403 reported, token not echoed. */
	env.n = 0;
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token-but-wrong");
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_ENOCREDS && strstr(err, "403") && no_secrets(err),
		   "credentials: container endpoint rejecting the token gives an error with the HTTP status and no token");
	aws_credentials_provider_free(p);

	/* RELATIVE_URI, appended to the (overridden) container base. */
	env.n = 0;
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container/creds");
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token");
	p = make_provider(&env, base_url);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_OK && strncmp(c.access_key_id, "ASIACONT", 8) == 0,
		   "credentials: container RELATIVE_URI appended to the container base URL");
	aws_credentials_clear(&c);
	aws_credentials_provider_free(p);

	/* FULL_URI over plain http to a non-local host is refused. */
	env.n = 0;
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://198.51.100.7/creds");
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_EINVAL && strstr(err, "FULL_URI"),
		   "credentials: plain-http FULL_URI to a non-loopback host refused");
	aws_credentials_provider_free(p);

	/* A 200 that is not JSON: parse error, body (with a secret) not echoed. */
	env.n = 0;
	snprintf(url, sizeof(url), "%s/container/garbage", base_url);
	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_EPARSE && no_secrets(err),
		   "credentials: non-JSON response gives AWS_EPARSE without echoing the body");
	aws_credentials_provider_free(p);
}

/* EC2 IMDSv2 source, caching and expiry-driven refresh. */
static void
test_imds(void)
{
	fake_env	env = {{0}, {0}, 0};
	aws_credentials_provider *p;
	aws_credentials c1,
				c2,
				c3;
	char		err[256] = "";
	char		q[128];
	int			tokens0,
				fetch0;
	aws_status	st;
	const char *creds_key = "GET /latest/meta-data/iam/security-credentials/sesami-role";

	snprintf(q, sizeof(q), "now=%ld&ttl=600&fail=0", (long) fake_now);
	double_control(q);
	env_set(&env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", base_url);
	p = make_provider(&env, NULL);
	tokens0 = double_count("PUT /latest/api/token");
	fetch0 = double_count(creds_key);

	st = aws_credentials_get(p, &c1, err, sizeof(err));
	report(st == AWS_OK && strncmp(c1.access_key_id, "ASIAIMDS", 8) == 0 &&
		   c1.session_token && strncmp(c1.session_token, "token-imds-", 11) == 0 &&
		   c1.expiration == fake_now + 600 && strcmp(c1.source, "imds") == 0 &&
		   double_count("PUT /latest/api/token") == tokens0 + 1,
		   "credentials: IMDSv2 token PUT, role name, role credentials");
	if (st != AWS_OK)
		printf("# %s: %s\n", aws_status_name(st), err);

	fake_now += 200;			/* 400 s left, margin 300: still fresh */
	st = aws_credentials_get(p, &c2, err, sizeof(err));
	report(st == AWS_OK && c1.access_key_id && strcmp(c1.access_key_id, c2.access_key_id) == 0 &&
		   double_count(creds_key) == fetch0 + 1,
		   "credentials: cached until the refresh margin (no second fetch)");
	aws_credentials_clear(&c2);

	fake_now += 150;			/* 250 s left: inside the margin, refresh */
	snprintf(q, sizeof(q), "now=%ld&ttl=600", (long) fake_now);
	double_control(q);
	st = aws_credentials_get(p, &c2, err, sizeof(err));
	report(st == AWS_OK && c1.access_key_id && strcmp(c1.access_key_id, c2.access_key_id) != 0 &&
		   c2.expiration == fake_now + 600 && double_count(creds_key) == fetch0 + 2,
		   "credentials: refreshed before expiry (new key, new expiration)");
	report(c1.access_key_id && strncmp(c1.access_key_id, "ASIAIMDS", 8) == 0,
		   "credentials: a copy handed out earlier stays valid after a refresh");

	/* Refresh failing while the cached ones are still valid: keep them. */
	fake_now += 400;			/* 200 s left */
	double_control("fail=1");
	st = aws_credentials_get(p, &c3, err, sizeof(err));
	report(st == AWS_OK && strcmp(c3.access_key_id, c2.access_key_id) == 0 &&
		   strstr(aws_credentials_last_error(p), "500") &&
		   no_secrets(aws_credentials_last_error(p)),
		   "credentials: failed refresh falls back to still-valid cached credentials, error kept");
	aws_credentials_clear(&c3);

	/* Past expiry and still failing: an error, retryable. */
	fake_now += 300;
	st = aws_credentials_get(p, &c3, err, sizeof(err));
	report(st == AWS_EHTTP && aws_status_retryable(st) && c3.access_key_id == NULL &&
		   strstr(err, "HTTP 500") && no_secrets(err),
		   "credentials: expired and endpoint failing gives a retryable error");
	double_control("fail=0");
	st = aws_credentials_get(p, &c3, err, sizeof(err));
	report(st == AWS_OK && strcmp(c3.access_key_id, c2.access_key_id) != 0,
		   "credentials: recovers once the endpoint answers again");
	aws_credentials_clear(&c1);
	aws_credentials_clear(&c2);
	aws_credentials_clear(&c3);
	aws_credentials_provider_free(p);
}

/* Endpoint down: connection refused is a transport error. */
static void
test_refused(const char *closed_port)
{
	fake_env	env = {{0}, {0}, 0};
	aws_credentials_provider *p;
	aws_credentials c;
	char		err[256] = "";
	char		url[128];
	aws_status	st;

	snprintf(url, sizeof(url), "http://127.0.0.1:%s", closed_port);
	env_set(&env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, sizeof(err));
	report(st == AWS_ETRANSPORT && aws_status_retryable(st) && strstr(err, "could not reach"),
		   "credentials: IMDS unreachable gives AWS_ETRANSPORT (retryable) with libcurl's reason");
	printf("# message: %s\n", err);
	aws_credentials_provider_free(p);
}

/* ISO 8601 parsing of Expiration values. */
static void
test_iso8601(void)
{
	time_t		t = 0;

	report(aws_parse_iso8601("2015-08-30T12:36:00Z", &t) && t == 1440938160 &&
		   aws_parse_iso8601("2015-08-30T12:36:00.123Z", &t) && t == 1440938160 &&
		   aws_parse_iso8601("2015-08-30T14:36:00+02:00", &t) && t == 1440938160 &&
		   !aws_parse_iso8601("2015-08-30 12:36", &t) &&
		   !aws_parse_iso8601("2015-13-30T12:36:00Z", &t),
		   "credentials: Expiration timestamps parsed (Z, fraction, offset; garbage refused)");
}

/* Run every test. */
int
main(int argc, char **argv)
{
	if (argc != 3)
	{
		fprintf(stderr, "usage: aws_credentials_test BASE_URL CLOSED_PORT\n");
		return 2;
	}
	/* Line-buffered: a sanitizer exit must not swallow reported lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	base_url = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_iso8601();
	test_environment();
	test_container();
	test_imds();
	test_refused(argv[2]);
	curl_global_cleanup();
	return failures ? 1 : 0;
}
