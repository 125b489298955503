/*
 * aws_credentials_test.c — tests for common/aws_credentials.c against the
 * loopback double test/metadata_double.py (ECS container endpoint + IMDSv2).
 *
 * Usage: aws_credentials_test BASE_URL CLOSED_PORT [REPLY_URL]
 *   BASE_URL     http://127.0.0.1:<port> of a running metadata_double.py
 *   CLOSED_PORT  a loopback port nothing listens on (connection refused)
 *   REPLY_URL    http://127.0.0.1:<port>/ of a running reply_double.py, for
 *                hostile replies (null and wrongly typed members)
 *
 * The environment is injected through the provider's getenv hook and time
 * through its clock hook, so expiry-driven refresh is tested without sleeping.
 * Prints TAP-style "ok - ..." / "not ok - ..." lines; exit status 1 on failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* aws_parse_iso8601 on an exact-size heap copy, so ASan sees any over-read. */
static int
iso(const char *text, time_t *t)
{
	char	   *copy = strdup(text);
	int			r = aws_parse_iso8601(copy, t);

	free(copy);
	return r;
}

/* ISO 8601 parsing of Expiration values. */
static void
test_iso8601(void)
{
	time_t		t = 0;
	static const char *const refused[] = {
		"4-5-1T0:4:5+2:0", "2015-08-30T12:36:00+2:0", "2015-08-30T12:36:00+02", "2015-08-30T12:36:00+",
		"2015-08-30T12:36:00+02:0", "2015-08-30T12:36:00+0a:00", "2015-08-30T12:36:00+24:00",
		"2015-8-30T12:36:00Z", "2015-08-30T1:36:00Z", "+015-08-30T12:36:00Z", "2015-08-30T12:36: 0Z",
		"2015-02-29T00:00:00Z", "2015-04-31T00:00:00Z", "2015-08-30T12:36:00.Z", "2015-08-30T12:36:00",
		"2015-08-30T12:36:00Zx", "20150830T123600", "2015083T123600Z", ""
	};
	int			ok = 1;

	report(iso("2015-08-30T12:36:00Z", &t) && t == 1440938160 &&
		   iso("2015-08-30T12:36:00.123Z", &t) && t == 1440938160 &&
		   iso("2015-08-30T14:36:00+02:00", &t) && t == 1440938160 &&
		   iso("2015-08-30T11:06:00-01:30", &t) && t == 1440938160 &&
		   iso("20150830T123600Z", &t) && t == 1440938160 &&
		   iso("2016-02-29T00:00:00Z", &t) &&
		   !iso("2015-08-30 12:36", &t) &&
		   !iso("2015-13-30T12:36:00Z", &t),
		   "credentials: Expiration timestamps parsed (Z, fraction, offset; garbage refused)");
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (iso(refused[i], &t))
		{
			printf("# accepted \"%s\"\n", refused[i]);
			ok = 0;
		}
	report(ok, "credentials: timestamps with short fields or offsets (\"4-5-1T0:4:5+2:0\"), impossible dates "
		   "or trailing bytes refused, nothing read past the end");
}

/* FULL_URI hosts: exact loopback / ECS / EKS hosts, never a prefix. */
static void
test_full_uri(void)
{
	static const char *const hostile[] = {
		"http://127.attacker.example/creds", "http://127.0.0.1@evil.example/creds",
		"http://127.0.0.1:80@evil.example/", "http://localhost.evil.example/",
		"http://169.254.170.2.evil.example/", "http://169.254.170.23.nip.example/",
		"http://[::1].evil.example/", "http://evil.example/127.0.0.1/", "http://evil.example#@127.0.0.1/",
		"http://169.254.170.3/", "http://[fd00:ec2::24]/", "http://128.0.0.1/", "ftp://127.0.0.1/",
		"file:///etc/passwd", "127.0.0.1/creds", "http://[::ffff:7f00:1]/"
	};
	static const char *const fine[] = {
		"http://127.0.0.1/creds", "http://127.1.2.3:8080/x", "HTTP://127.0.0.1/", "http://localhost:9/",
		"http://[::1]/", "http://[0:0:0:0:0:0:0:1]:80/", "http://169.254.170.2/v2/credentials",
		"http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
		"https://creds.example/", "https://127.attacker.example/"
	};
	char		what[256];
	int			ok = 1;

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
	{
		fake_env	env = {{0}, {0}, 0};
		aws_credentials_provider *p;
		aws_credentials c;
		char		err[256] = "";
		aws_status	st;

		env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", hostile[i]);
		env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token");
		p = make_provider(&env, NULL);
		st = aws_credentials_get(p, &c, err, sizeof(err));
		snprintf(what, sizeof(what), "credentials: FULL_URI %s refused before any request", hostile[i]);
		report(st == AWS_EINVAL && strstr(err, "FULL_URI"), what);
		if (st != AWS_EINVAL)
			printf("# got %s: %s\n", aws_status_name(st), err);
		aws_credentials_clear(&c);
		aws_credentials_provider_free(p);
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		if (!aws_container_url_allowed(fine[i]))
		{
			printf("# refused %s\n", fine[i]);
			ok = 0;
		}
	report(ok, "credentials: FULL_URI to 127.0.0.0/8, localhost, [::1], the ECS and EKS addresses, or any https accepted");
}

/* Container endpoint replying with reply_url's canned reply. */
static aws_status
container_get(const char *reply_url, const char *token, char *err, size_t errlen)
{
	fake_env	env = {{0}, {0}, 0};
	aws_credentials_provider *p;
	aws_credentials c;
	aws_status	st;

	env_set(&env, "AWS_CONTAINER_CREDENTIALS_FULL_URI", reply_url);
	env_set(&env, "AWS_CONTAINER_AUTHORIZATION_TOKEN", token);
	p = make_provider(&env, NULL);
	st = aws_credentials_get(p, &c, err, errlen);
	if (st != AWS_OK)
		printf("# %s: %s\n", aws_status_name(st), err);
	aws_credentials_clear(&c);
	aws_credentials_provider_free(p);
	return st;
}

/* Make the reply double answer with body. */
static void
set_reply(const char *reply_url, const char *body)
{
	CURL	   *easy = curl_easy_init();
	aws_http_response resp = {0};
	char		url[512],
				err[256];

	snprintf(url, sizeof(url), "%s_reply?status=200", reply_url);
	if (aws_http_perform(easy, "PUT", url, NULL, body, strlen(body), 2000, &resp, err, sizeof(err)) != AWS_OK)
		printf("# could not set the double's reply: %s\n", err);
	aws_http_response_free(&resp);
	curl_easy_cleanup(easy);
}

/* True if msg is one line (no control characters). */
static int
one_line(const char *msg)
{
	for (; *msg; msg++)
		if ((unsigned char) *msg < 0x20 || *msg == 0x7f)
			return 0;
	return 1;
}

/* Hostile container replies, each in a child process so a crash is one failure. */
static void
test_hostile(const char *reply_url)
{
	static const struct
	{
		const char *body;
		aws_status	want;
	}			cases[] = {
		{"{\"Code\":null}", AWS_EPARSE},
		{"{\"Code\":null,\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\",\"Token\":\"token-cont-x\",\"Expiration\":\"2030-01-01T00:00:00Z\"}", AWS_OK},
		{"{\"Code\":7,\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\"}", AWS_EPARSE},
		{"{\"Code\":\"Failure\\nsecond line\"}", AWS_ENOCREDS},
		{"{\"AccessKeyId\":null,\"SecretAccessKey\":\"secret-x\"}", AWS_EPARSE},
		{"{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":[\"secret-x\"]}", AWS_EPARSE},
		{"{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\",\"Token\":\"token-cont-x\",\"Expiration\":1893456000}", AWS_EPARSE},
		{"{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\",\"Expiration\":\"4-5-1T0:4:5+2:0\"}", AWS_EPARSE},
		{"{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\"} trailing", AWS_EPARSE},
	};
	char		what[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		pid_t		pid;
		int			status = 0;

		set_reply(reply_url, cases[i].body);
		fflush(stdout);
		pid = fork();
		if (pid == 0)
		{
			char		err[256] = "";
			aws_status	st = container_get(reply_url, "container-auth-token", err, sizeof(err));

			_exit(st == cases[i].want && one_line(err) && no_secrets(err) ? 0 : 3);
		}
		waitpid(pid, &status, 0);
		snprintf(what, sizeof(what), "credentials: container reply %s gives %s, on one line, no crash",
				 cases[i].body, aws_status_name(cases[i].want));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			printf("# child: %s %d\n", WIFSIGNALED(status) ? "signal" : "exit",
				   WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		report(WIFEXITED(status) && WEXITSTATUS(status) == 0, what);
	}

	/* A token with a line break would add a header of its own. */
	{
		char		err[256] = "";
		aws_status	st;

		set_reply(reply_url, "{\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"secret-x\"}");
		st = container_get(reply_url, "container-auth-token\r\nX-Injected: 1", err, sizeof(err));
		report(st == AWS_EINVAL && no_secrets(err),
			   "credentials: an authorization token with CR/LF is refused, not sent as two headers");
	}
}

/* The IMDS role listing: one IAM role name, or nothing. */
static void
test_role_name(void)
{
	static const char *const bad[] = {"", "\n", "..", ".", "a/b", "role name", "r\x01", "r\xc3\xa9",
	"0123456789012345678901234567890123456789012345678901234567890123456789"};
	char	   *r1 = aws_imds_role_name("sesami-role\nother\n", 19);
	char	   *r2 = aws_imds_role_name("a+=,.@_-Z9", 10);
	int			ok = r1 && strcmp(r1, "sesami-role") == 0 && r2 && strcmp(r2, "a+=,.@_-Z9") == 0;

	free(r1);
	free(r2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *r = aws_imds_role_name(bad[i], strlen(bad[i]));

		if (r)
			printf("# accepted role \"%s\"\n", bad[i]);
		ok = ok && r == NULL;
		free(r);
	}
	{
		char	   *r = aws_imds_role_name("ro\0le", 5);

		ok = ok && r == NULL;
		free(r);
	}
	report(ok, "credentials: IMDS role listing gives one IAM role name (first line), refuses anything else");
}

/* Run every test. */
int
main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
	{
		fprintf(stderr, "usage: aws_credentials_test BASE_URL CLOSED_PORT [REPLY_URL]\n");
		return 2;
	}
	/* Line-buffered: a sanitizer exit must not swallow reported lines. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	base_url = argv[1];
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_iso8601();
	test_role_name();
	test_full_uri();
	if (argc == 4)
		test_hostile(argv[3]);
	test_environment();
	test_container();
	test_imds();
	test_refused(argv[2]);
	curl_global_cleanup();
	return failures ? 1 : 0;
}
