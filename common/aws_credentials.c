/*
 * aws_credentials.c — AWS credential provider chain (see aws_credentials.h).
 *
 * Design notes:
 * - The provider caches one aws_credentials; aws_credentials_get() hands out
 *   copies, so a caller may keep using its copy after the cache refreshed.
 * - Metadata requests use the provider's own CURL handle, a short timeout
 *   (metadata endpoints are local; off EC2 the IMDS address simply does not
 *   answer), and no proxy.
 * - Every buffer that held a secret is wiped with OPENSSL_cleanse() before
 *   it is freed.  Error messages name the source, the URL's role in the
 *   chain and the HTTP status, never a secret; response bodies are never
 *   copied into them.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* strdup, strndup */
#endif

#include "aws_credentials.h"
#include "aws_json.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/crypto.h>

#define DEFAULT_CONTAINER_BASE "http://169.254.170.2"
#define DEFAULT_IMDS_BASE "http://169.254.169.254"
#define IMDS_TOKEN_TTL_HEADER "X-aws-ec2-metadata-token-ttl-seconds: 21600"

struct aws_credentials_provider
{
	aws_credentials_options opts;
	char	   *container_base;	/* malloc'd copy of opts.container_base_url */
	CURL	   *easy;			/* for metadata requests */
	aws_credentials cached;		/* access_key_id == NULL: nothing cached */
	char		last_error[256];
};

/* Wipe and free a string that may hold a secret. */
static void
free_secret(char *s)
{
	if (s)
	{
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}


/* Wipe and free a credentials struct's strings. */
void
aws_credentials_clear(aws_credentials *c)
{
	if (c == NULL)
		return;
	free_secret(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	memset(c, 0, sizeof(*c));
}

/* Borrow c's strings as the signer's credentials (no copy). */
void
aws_credentials_as_sigv4(const aws_credentials *c, sigv4_credentials *out)
{
	out->access_key_id = c->access_key_id;
	out->secret_access_key = c->secret_access_key;
	out->session_token = c->session_token;
}

/* Deep-copy src into dst; AWS_OK or AWS_ENOMEM (dst then cleared). */
static aws_status
copy_credentials(aws_credentials *dst, const aws_credentials *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->access_key_id = strdup(src->access_key_id);
	dst->secret_access_key = strdup(src->secret_access_key);
	dst->session_token = src->session_token ? strdup(src->session_token) : NULL;
	dst->expiration = src->expiration;
	dst->source = src->source;
	if (!dst->access_key_id || !dst->secret_access_key ||
		(src->session_token && !dst->session_token))
	{
		aws_credentials_clear(dst);
		return AWS_ENOMEM;
	}
	return AWS_OK;
}

/* Days since 1970-01-01 of a Gregorian date. */
static long
days_from_civil(long y, unsigned m, unsigned d)
{
	long		era;
	unsigned	yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned) (y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long) doe - 719468;
}

/* Value of the n ASCII digits at s, or -1 if they are not all digits. */
static int
digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" as returned by the
 * metadata endpoints, or SigV4's basic "YYYYMMDDTHHMMSSZ"; 1 on success.
 * Every field has exactly its digits; nothing is read past the string's end
 * (each position is checked before the next one is looked at).
 */
int
aws_parse_iso8601(const char *s, time_t *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y,
				mo,
				d,
				h,
				mi,
				se;
	long		t;
	const char *p;

	if (s == NULL)
		return 0;
	if (strlen(s) >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
		s[13] == ':' && s[16] == ':')
	{
		y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
		h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
		p = s + 19;
	}
	else if (strlen(s) >= 15 && s[8] == 'T')
	{
		y = digits(s, 4), mo = digits(s + 4, 2), d = digits(s + 6, 2);
		h = digits(s + 9, 2), mi = digits(s + 11, 2), se = digits(s + 13, 2);
		p = s + 15;
	}
	else
		return 0;
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
		(mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))) ||
		h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
		return 0;
	if (*p == '.')
	{
		if (!isdigit((unsigned char) p[1]))
			return 0;
		for (p++; isdigit((unsigned char) *p); p++)
			;
	}
	t = days_from_civil(y, (unsigned) mo, (unsigned) d) * 86400L +
		h * 3600L + mi * 60L + se;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		/* exactly [+-]HH:MM; strlen first, so no digit is read past the end */
		int			oh = strlen(p) >= 6 && p[3] == ':' ? digits(p + 1, 2) : -1;
		int			om = oh >= 0 ? digits(p + 4, 2) : -1;

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return 0;
		t += (*p == '+' ? -1 : 1) * (oh * 3600L + om * 60L);
		p += 6;
	}
	else
		return 0;
	if (*p != '\0')
		return 0;
	*out = (time_t) t;
	return 1;
}

/* Current time through the provider's clock. */
static time_t
provider_now(const aws_credentials_provider *p)
{
	return p->opts.now ? p->opts.now(p->opts.now_arg) : time(NULL);
}

/* Environment lookup through the provider's hook; NULL if unset or empty. */
static const char *
provider_env(const aws_credentials_provider *p, const char *name)
{
	const char *v = p->opts.getenv_fn ? p->opts.getenv_fn(name, p->opts.getenv_arg)
		: getenv(name);

	return (v && v[0]) ? v : NULL;
}

/* Create a provider; NULL (with a message) on failure. */
aws_credentials_provider *
aws_credentials_provider_new(const aws_credentials_options *opts,
							 char *errbuf, size_t errlen)
{
	aws_credentials_provider *p = calloc(1, sizeof(*p));

	if (p == NULL)
	{
		aws_set_error(errbuf, errlen, "aws credentials: out of memory");
		return NULL;
	}
	if (opts)
		p->opts = *opts;
	if (p->opts.http_timeout_ms <= 0)
		p->opts.http_timeout_ms = 2000;
	if (p->opts.refresh_margin_s <= 0)
		p->opts.refresh_margin_s = 300;
	p->container_base = strdup(p->opts.container_base_url ? p->opts.container_base_url
							   : DEFAULT_CONTAINER_BASE);
	p->opts.container_base_url = NULL;	/* only our copy is used */
	p->easy = curl_easy_init();
	if (p->container_base == NULL || p->easy == NULL)
	{
		aws_set_error(errbuf, errlen, "aws credentials: could not allocate the provider");
		aws_credentials_provider_free(p);
		return NULL;
	}
	return p;
}

/* Free a provider and wipe its cached credentials. */
void
aws_credentials_provider_free(aws_credentials_provider *p)
{
	if (p == NULL)
		return;
	aws_credentials_clear(&p->cached);
	if (p->easy)
		curl_easy_cleanup(p->easy);
	free(p->container_base);
	free(p);
}

/* Drop the cached credentials (e.g. after AWS rejected them). */
void
aws_credentials_invalidate(aws_credentials_provider *p)
{
	if (p)
		aws_credentials_clear(&p->cached);
}

/* The message of the last failed refresh ("" if none). */
const char *
aws_credentials_last_error(const aws_credentials_provider *p)
{
	return p ? p->last_error : "";
}

/* Environment source. */
static aws_status
from_environment(aws_credentials_provider *p, aws_credentials *out)
{
	const char *id = provider_env(p, "AWS_ACCESS_KEY_ID");
	const char *secret = provider_env(p, "AWS_SECRET_ACCESS_KEY");
	const char *token = provider_env(p, "AWS_SESSION_TOKEN");
	aws_credentials tmp;

	tmp.access_key_id = (char *) id;
	tmp.secret_access_key = (char *) secret;
	tmp.session_token = (char *) token;
	tmp.expiration = 0;
	tmp.source = "environment";
	return copy_credentials(out, &tmp);
}

/*
 * Parse the credentials JSON of the container endpoint or IMDS (see
 * aws_credentials.h).
 */
aws_status
aws_credentials_parse_json(const char *body, size_t len, const char *source,
						   aws_credentials *out, char *errbuf, size_t errlen)
{
	json_object *root;
	const char *code = NULL,
			   *id = NULL,
			   *secret = NULL,
			   *token = NULL,
			   *exp = NULL;
	aws_credentials tmp;
	aws_status	st;

	memset(out, 0, sizeof(*out));
	root = aws_json_parse_object(body, len);
	if (root == NULL)
	{
		aws_set_error(errbuf, errlen, "%s credentials: response is not a JSON object", source);
		return AWS_EPARSE;
	}
	if (aws_json_string(root, "Code", &code) == AWS_JSON_WRONG_TYPE ||
		aws_json_string(root, "AccessKeyId", &id) == AWS_JSON_WRONG_TYPE ||
		aws_json_string(root, "SecretAccessKey", &secret) == AWS_JSON_WRONG_TYPE ||
		aws_json_string(root, "Token", &token) == AWS_JSON_WRONG_TYPE ||
		aws_json_string(root, "Expiration", &exp) == AWS_JSON_WRONG_TYPE)
	{
		aws_set_error(errbuf, errlen, "%s credentials: response has a member of the wrong type", source);
		json_object_put(root);
		return AWS_EPARSE;
	}
	if (code && strcmp(code, "Success") != 0)
	{
		aws_set_error(errbuf, errlen, "%s credentials: endpoint reported Code \"%.64s\"",
					  source, code);
		json_object_put(root);
		return AWS_ENOCREDS;
	}
	if (!id || !id[0] || !secret || !secret[0])
	{
		aws_set_error(errbuf, errlen, "%s credentials: response lacks AccessKeyId or SecretAccessKey", source);
		json_object_put(root);
		return AWS_EPARSE;
	}
	tmp.access_key_id = (char *) id;
	tmp.secret_access_key = (char *) secret;
	tmp.session_token = (token && token[0]) ? (char *) token : NULL;
	tmp.expiration = 0;
	tmp.source = source;
	if (exp && !aws_parse_iso8601(exp, &tmp.expiration))
	{
		aws_set_error(errbuf, errlen, "%s credentials: cannot parse Expiration \"%.40s\"",
					  source, exp ? exp : "");
		json_object_put(root);
		return AWS_EPARSE;
	}
	st = copy_credentials(out, &tmp);
	json_object_put(root);
	if (st != AWS_OK)
		aws_set_error(errbuf, errlen, "%s credentials: out of memory", source);
	return st;
}

/* See aws_credentials.h. */
char *
aws_imds_role_name(const char *body, size_t len)
{
	size_t		n = 0;
	char	   *role;

	/* IAM role names: 1-64 of [A-Za-z0-9+=,.@_-], first line of the listing */
	while (n < len && body[n] != '\n' && body[n] != '\r')
	{
		unsigned char c = (unsigned char) body[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (c != '\0' && strchr("+=,.@_-", c) != NULL)) || n >= 64)
			return NULL;
		n++;
	}
	if (n == 0 || (n <= 2 && strncmp(body, "..", n) == 0))
		return NULL;
	role = malloc(n + 1);
	if (role == NULL)
		return NULL;
	memcpy(role, body, n);
	role[n] = '\0';
	return role;
}

/* See aws_credentials.h. */
int
aws_header_value_ok(const char *value)
{
	for (const unsigned char *c = (const unsigned char *) value; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	return value[0] != '\0';
}

/* One metadata request with the provider's handle and no proxy. */
static aws_status
metadata_request(aws_credentials_provider *p, const char *method, const char *url,
				 struct curl_slist *headers, aws_http_response *resp,
				 const char *what, char *errbuf, size_t errlen)
{
	char		detail[CURL_ERROR_SIZE + 64];
	aws_status	st;

	st = aws_http_prepare(p->easy, method, url, headers, "", 0,
						  p->opts.http_timeout_ms, resp, detail, sizeof(detail));
	if (st == AWS_OK)
	{
		curl_easy_setopt(p->easy, CURLOPT_PROXY, "");
		st = aws_http_finish(p->easy, curl_easy_perform(p->easy), resp,
							 detail, sizeof(detail));
	}
	if (st != AWS_OK)
	{
		aws_set_error(errbuf, errlen, "%s: could not reach %s: %s", what, url, detail);
		return st;
	}
	if (resp->status != 200)
	{
		aws_set_error(errbuf, errlen, "%s: %s returned HTTP %ld", what, url, resp->status);
		return resp->status == 429 || resp->status >= 500 ? AWS_EHTTP : AWS_ENOCREDS;
	}
	return AWS_OK;
}

/* See aws_credentials.h. */
int
aws_container_url_allowed(const char *url)
{
	static const uint8_t ecs4[][4] = {{169, 254, 170, 2}, {169, 254, 170, 23}};
	static const uint8_t eks6[16] = {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23};
	CURLU	   *u = curl_url();
	char	   *scheme = NULL,
			   *host = NULL;
	int			ok = 0;

	if (u == NULL || url == NULL ||
		curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		ok = 0;
	else if (strcasecmp(scheme, "https") == 0)
		ok = 1;
	else if (strcasecmp(scheme, "http") == 0)
	{
		uint8_t		a[16];
		size_t		n = strlen(host);

		/* the exact host libcurl will connect to, never a prefix of it */
		if (strcasecmp(host, "localhost") == 0)
			ok = 1;
		else if (inet_pton(AF_INET, host, a) == 1)
			ok = a[0] == 127 || memcmp(a, ecs4[0], 4) == 0 || memcmp(a, ecs4[1], 4) == 0;
		else if (n > 2 && n < 64 && host[0] == '[' && host[n - 1] == ']')
		{
			char		bare[64];

			memcpy(bare, host + 1, n - 2);
			bare[n - 2] = '\0';
			ok = inet_pton(AF_INET6, bare, a) == 1 &&
				(memcmp(a, &in6addr_loopback, 16) == 0 || memcmp(a, eks6, 16) == 0);
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* Read the container authorization token file; malloc'd, trimmed, or NULL. */
static char *
read_token_file(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		buf[8192];
	size_t		n;
	char	   *out;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && isspace((unsigned char) buf[n - 1]))
		buf[--n] = '\0';
	out = strdup(buf);
	OPENSSL_cleanse(buf, sizeof(buf));
	return out;
}

/* ECS / Batch container endpoint source. */
static aws_status
from_container(aws_credentials_provider *p, aws_credentials *out,
			   char *errbuf, size_t errlen)
{
	const char *rel = provider_env(p, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = provider_env(p, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = provider_env(p, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token_env = provider_env(p, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	aws_buf		url = AWS_BUF_INIT;
	aws_buf		auth = AWS_BUF_INIT;
	struct curl_slist *headers = NULL;
	aws_http_response resp = {0};
	aws_status	st;

	if (rel)
		aws_buf_printf(&url, "%s%s%s", p->container_base, rel[0] == '/' ? "" : "/", rel);
	else
	{
		if (!aws_container_url_allowed(full))
		{
			aws_set_error(errbuf, errlen,
						  "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/ECS http address");
			return AWS_EINVAL;
		}
		aws_buf_puts(&url, full);
	}
	if (token_file)
	{
		char	   *tok = read_token_file(token_file);

		if (tok == NULL)
		{
			aws_set_error(errbuf, errlen, "container credentials: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \"%s\"",
						  token_file);
			aws_buf_free(&url);
			return AWS_ENOCREDS;
		}
		if (aws_header_value_ok(tok))
			aws_buf_printf(&auth, "Authorization: %s", tok);
		free_secret(tok);
	}
	else if (token_env && aws_header_value_ok(token_env))
		aws_buf_printf(&auth, "Authorization: %s", token_env);
	if ((token_file || token_env) && auth.data == NULL && !auth.failed)
	{
		/* a line break would smuggle a header of its own into the request */
		aws_set_error(errbuf, errlen,
					  "container credentials: the authorization token contains control characters");
		aws_buf_free(&url);
		return AWS_EINVAL;
	}
	if (url.failed || auth.failed)
	{
		st = AWS_ENOMEM;
		aws_set_error(errbuf, errlen, "container credentials: out of memory");
		goto done;
	}
	headers = curl_slist_append(NULL, "Accept: application/json");
	if (headers && auth.data)
		headers = curl_slist_append(headers, auth.data);
	if (headers == NULL)
	{
		st = AWS_ENOMEM;
		aws_set_error(errbuf, errlen, "container credentials: out of memory");
		goto done;
	}
	st = metadata_request(p, "GET", url.data, headers, &resp, "container credentials",
						  errbuf, errlen);
	if (st == AWS_OK)
		st = aws_credentials_parse_json(resp.body.data, resp.body.len, "container", out, errbuf, errlen);

done:
	/* the slist copied the Authorization line; aws_buf_free wipes the rest */
	aws_http_free_secret_headers(headers);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, NULL);
	aws_buf_free(&auth);
	aws_buf_free(&url);
	aws_http_response_free(&resp);	/* wipes the body */
	return st;
}

/* EC2 IMDSv2 source: token, role name, role credentials. */
static aws_status
from_imds(aws_credentials_provider *p, aws_credentials *out,
		  char *errbuf, size_t errlen)
{
	const char *base = provider_env(p, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	aws_buf		url = AWS_BUF_INIT;
	aws_buf		tokhdr = AWS_BUF_INIT;
	struct curl_slist *headers = NULL;
	aws_http_response resp = {0};
	aws_status	st;
	size_t		blen;
	char	   *role = NULL;

	if (base == NULL)
		base = DEFAULT_IMDS_BASE;
	blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;

	/* 1. Session token. */
	aws_buf_printf(&url, "%.*s/latest/api/token", (int) blen, base);
	headers = curl_slist_append(NULL, IMDS_TOKEN_TTL_HEADER);
	if (url.failed || headers == NULL)
	{
		st = AWS_ENOMEM;
		aws_set_error(errbuf, errlen, "IMDS credentials: out of memory");
		goto done;
	}
	st = metadata_request(p, "PUT", url.data, headers, &resp, "IMDS credentials (token)",
						  errbuf, errlen);
	curl_slist_free_all(headers);
	headers = NULL;
	if (st != AWS_OK)
		goto done;
	while (resp.body.len > 0 && isspace((unsigned char) resp.body.data[resp.body.len - 1]))
		resp.body.data[--resp.body.len] = '\0';
	if (strlen(resp.body.data) != resp.body.len || !aws_header_value_ok(resp.body.data))
	{
		st = AWS_EPARSE;
		aws_set_error(errbuf, errlen, "IMDS credentials: the session token is empty or not one line of text");
		goto done;
	}
	aws_buf_printf(&tokhdr, "X-aws-ec2-metadata-token: %s", resp.body.data);
	headers = curl_slist_append(NULL, tokhdr.data ? tokhdr.data : "");
	if (tokhdr.failed || headers == NULL)
	{
		st = AWS_ENOMEM;
		aws_set_error(errbuf, errlen, "IMDS credentials: out of memory");
		goto done;
	}

	/* 2. Role name: the first line of the listing. */
	aws_buf_reset(&url);
	aws_buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/", (int) blen, base);
	st = metadata_request(p, "GET", url.data, headers, &resp, "IMDS credentials (role name)",
						  errbuf, errlen);
	if (st != AWS_OK)
		goto done;
	role = aws_imds_role_name(resp.body.data, resp.body.len);
	if (role == NULL)
	{
		st = AWS_ENOCREDS;
		aws_set_error(errbuf, errlen, "IMDS credentials: the instance has no usable IAM role");
		goto done;
	}

	/* 3. The role's credentials. */
	aws_buf_reset(&url);
	aws_buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/%s", (int) blen, base, role);
	if (url.failed)
	{
		st = AWS_ENOMEM;
		aws_set_error(errbuf, errlen, "IMDS credentials: out of memory");
		goto done;
	}
	st = metadata_request(p, "GET", url.data, headers, &resp, "IMDS credentials",
						  errbuf, errlen);
	if (st == AWS_OK)
		st = aws_credentials_parse_json(resp.body.data, resp.body.len, "imds", out, errbuf, errlen);

done:
	aws_http_free_secret_headers(headers);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(p->easy, CURLOPT_CUSTOMREQUEST, NULL);
	aws_buf_free(&tokhdr);
	aws_buf_free(&url);
	free(role);
	aws_http_response_free(&resp);	/* wipes the body */
	return st;
}

/* Fetch fresh credentials from the first configured source. */
static aws_status
refresh(aws_credentials_provider *p, aws_credentials *out, char *errbuf, size_t errlen)
{
	const char *disabled;

	if (provider_env(p, "AWS_ACCESS_KEY_ID") && provider_env(p, "AWS_SECRET_ACCESS_KEY"))
	{
		aws_status	st = from_environment(p, out);

		if (st != AWS_OK)
			aws_set_error(errbuf, errlen, "environment credentials: out of memory");
		return st;
	}
	if (provider_env(p, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
		provider_env(p, "AWS_CONTAINER_CREDENTIALS_FULL_URI"))
		return from_container(p, out, errbuf, errlen);
	disabled = provider_env(p, "AWS_EC2_METADATA_DISABLED");
	if (disabled && strcasecmp(disabled, "true") == 0)
	{
		aws_set_error(errbuf, errlen,
					  "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run in ECS/Batch, or enable EC2 instance metadata");
		return AWS_ENOCREDS;
	}
	return from_imds(p, out, errbuf, errlen);
}

/*
 * Return current credentials (a copy the caller clears), refreshing the
 * cache when it is empty or within refresh_margin_s of expiring.
 */
aws_status
aws_credentials_get(aws_credentials_provider *p, aws_credentials *out,
					char *errbuf, size_t errlen)
{
	time_t		now;
	aws_credentials fresh;
	aws_status	st;

	if (out)
		memset(out, 0, sizeof(*out));
	if (p == NULL || out == NULL)
	{
		aws_set_error(errbuf, errlen, "aws credentials: missing provider or output");
		return AWS_EINVAL;
	}
	now = provider_now(p);
	if (p->cached.access_key_id &&
		(p->cached.expiration == 0 ||
		 now < p->cached.expiration - p->opts.refresh_margin_s))
		return copy_credentials(out, &p->cached) == AWS_OK ? AWS_OK : AWS_ENOMEM;

	st = refresh(p, &fresh, p->last_error, sizeof(p->last_error));
	if (st == AWS_OK)
	{
		p->last_error[0] = '\0';
		aws_credentials_clear(&p->cached);
		p->cached = fresh;
	}
	else if (p->cached.access_key_id && now < p->cached.expiration)
	{
		/* Refresh failed, but what we have is still valid: keep using it. */
	}
	else
	{
		aws_credentials_clear(&p->cached);
		aws_set_error(errbuf, errlen, "%s", p->last_error);
		return st;
	}
	if (copy_credentials(out, &p->cached) != AWS_OK)
	{
		aws_set_error(errbuf, errlen, "aws credentials: out of memory");
		return AWS_ENOMEM;
	}
	return AWS_OK;
}
