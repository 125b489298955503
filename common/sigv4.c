/*
 * sigv4.c — AWS Signature Version 4 signer (see sigv4.h for the contract).
 *
 * The steps follow AWS's SigV4 documentation:
 *   1. canonical request = method \n canonical URI \n canonical query \n
 *      canonical headers \n signed headers \n hex(SHA-256(body))
 *   2. string to sign = "AWS4-HMAC-SHA256" \n amz-date \n scope \n
 *      hex(SHA-256(canonical request)), scope = date/region/service/aws4_request
 *   3. signing key = HMAC chain "AWS4"+secret → date → region → service →
 *      "aws4_request"; signature = hex(HMAC(key, string to sign))
 *
 * Design notes:
 * - Header values are canonicalised by trimming and collapsing every run of
 *   whitespace (spaces, tabs, and the CR/LF of folded header lines) to one
 *   space; repeated header names are joined with "," in the order given.
 * - Query parameters are percent-decoded and re-encoded with AWS's rule
 *   (only A-Z a-z 0-9 - _ . ~ stay literal), then sorted by key and value.
 * - The secret and the derived keys are wiped with OPENSSL_cleanse().
 * - OpenSSL's one-shot HMAC() and EVP_Digest() keep no state between calls.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L	/* gmtime_r, strndup */
#endif

#include "sigv4.h"
#include "aws_buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* A header after canonicalisation, for sorting. */
typedef struct canon_header
{
	char	   *name;			/* lower-cased, malloc'd */
	char	   *value;			/* trimmed/collapsed, malloc'd */
	size_t		order;			/* position in the input, for a stable sort */
} canon_header;

/* One query parameter after re-encoding. */
typedef struct canon_param
{
	char	   *key;
	char	   *value;
} canon_param;

/* Write a formatted message into errbuf (if any) and return code. */
static int
sigv4_error(char *errbuf, size_t errlen, int code, const char *msg)
{
	if (errbuf && errlen > 0)
		snprintf(errbuf, errlen, "%s", msg);
	return code;
}

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
static void
to_hex(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* Hex SHA-256 of data; SIGV4_OK or SIGV4_ECRYPTO. */
int
sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (data == NULL)
		data = "";
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return SIGV4_ECRYPTO;
	to_hex(md, 32, hex);
	return SIGV4_OK;
}

/* HMAC-SHA256(key, data) into out[32]; 1 on success. */
static int
hmac_sha256(const void *key, size_t keylen, const void *data, size_t datalen,
			unsigned char out[32])
{
	unsigned int outlen = 0;

	if (HMAC(EVP_sha256(), key, (int) keylen, data, datalen, out, &outlen) == NULL)
		return 0;
	return outlen == 32;
}

/* True for AWS's unreserved characters, which are never percent-encoded. */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
}

/* Append len bytes URI-encoded the AWS way; '/' kept when keep_slash. */
static void
uri_encode(aws_buf *b, const char *s, size_t len, int keep_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			aws_buf_putc(b, (char) c);
		else
		{
			char		esc[3] = {'%', digits[c >> 4], digits[c & 0x0f]};

			aws_buf_append(b, esc, 3);
		}
	}
}

/* Value of one hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..len) and re-encode it AWS-style into a new string. */
static char *
reencode_component(const char *s, size_t len)
{
	aws_buf		raw = AWS_BUF_INIT;
	aws_buf		enc = AWS_BUF_INIT;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0)
		{
			aws_buf_putc(&raw, (char) (hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		}
		else
			aws_buf_putc(&raw, s[i]);
	}
	aws_buf_append(&raw, "", 0);
	if (!raw.failed)
		uri_encode(&enc, raw.data, raw.len, 0);
	aws_buf_append(&enc, "", 0);
	if (raw.failed)
		enc.failed = 1;
	aws_buf_free(&raw);
	return aws_buf_steal(&enc);
}

/* qsort comparator: key, then value, byte-wise. */
static int
cmp_param(const void *a, const void *b)
{
	const canon_param *pa = a;
	const canon_param *pb = b;
	int			c = strcmp(pa->key, pb->key);

	return c != 0 ? c : strcmp(pa->value, pb->value);
}

/* Append the canonical query string for query (may be NULL); 1 on success. */
static int
canonical_query(aws_buf *b, const char *query)
{
	canon_param *params = NULL;
	size_t		n = 0,
				cap = 0,
				i;
	const char *p = query;
	int			ok = 1;

	while (p && *p)
	{
		const char *amp = strchr(p, '&');
		size_t		plen = amp ? (size_t) (amp - p) : strlen(p);

		if (plen > 0)
		{
			const char *eq = memchr(p, '=', plen);
			size_t		klen = eq ? (size_t) (eq - p) : plen;

			if (n == cap)
			{
				canon_param *np;

				cap = cap ? cap * 2 : 8;
				np = realloc(params, cap * sizeof(*params));
				if (np == NULL)
				{
					ok = 0;
					break;
				}
				params = np;
			}
			params[n].key = reencode_component(p, klen);
			params[n].value = eq ? reencode_component(eq + 1, plen - klen - 1)
				: reencode_component("", 0);
			n++;
			if (params[n - 1].key == NULL || params[n - 1].value == NULL)
			{
				ok = 0;
				break;
			}
		}
		p = amp ? amp + 1 : NULL;
	}
	if (ok && n > 0)
	{
		qsort(params, n, sizeof(*params), cmp_param);
		for (i = 0; i < n; i++)
			aws_buf_printf(b, "%s%s=%s", i ? "&" : "", params[i].key, params[i].value);
	}
	for (i = 0; i < n; i++)
	{
		free(params[i].key);
		free(params[i].value);
	}
	free(params);
	return ok;
}

/*
 * Append the canonical URI for path: optionally normalised (RFC 3986 dot
 * segments, empty segments dropped, trailing slash kept), then URI-encoded.
 */
static int
canonical_uri(aws_buf *b, const char *path, int normalize)
{
	const char **seg;
	size_t	   *seglen;
	size_t		nseg = 0,
				maxseg,
				i;
	const char *p;
	int			trailing = 0;
	aws_buf		norm = AWS_BUF_INIT;

	if (path == NULL || *path == '\0')
		path = "/";
	if (!normalize)
	{
		uri_encode(b, path, strlen(path), 1);
		return 1;
	}
	maxseg = 1;
	for (p = path; *p; p++)
		if (*p == '/')
			maxseg++;
	seg = malloc(maxseg * sizeof(*seg));
	seglen = malloc(maxseg * sizeof(*seglen));
	if (seg == NULL || seglen == NULL)
	{
		free(seg);
		free(seglen);
		return 0;
	}
	p = path;
	while (*p)
	{
		const char *slash;
		size_t		len;

		while (*p == '/')
			p++;
		if (*p == '\0')
		{
			trailing = 1;
			break;
		}
		slash = strchr(p, '/');
		len = slash ? (size_t) (slash - p) : strlen(p);
		trailing = 0;
		if (len == 1 && p[0] == '.')
			trailing = 1;
		else if (len == 2 && p[0] == '.' && p[1] == '.')
		{
			if (nseg > 0)
				nseg--;
			trailing = 1;
		}
		else
		{
			seg[nseg] = p;
			seglen[nseg] = len;
			nseg++;
		}
		p += len;
	}
	aws_buf_putc(&norm, '/');
	for (i = 0; i < nseg; i++)
	{
		if (i > 0)
			aws_buf_putc(&norm, '/');
		aws_buf_append(&norm, seg[i], seglen[i]);
	}
	if (trailing && nseg > 0)
		aws_buf_putc(&norm, '/');
	free(seg);
	free(seglen);
	if (norm.failed)
		return 0;
	uri_encode(b, norm.data, norm.len, 1);
	aws_buf_free(&norm);
	return 1;
}

/* Lower-cased copy of name; NULL on allocation failure. */
static char *
lower_dup(const char *name)
{
	size_t		len = strlen(name),
				i;
	char	   *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		out[i] = (char) tolower((unsigned char) name[i]);
	out[len] = '\0';
	return out;
}

/* Copy of value trimmed, with each whitespace run collapsed to one space. */
static char *
collapse_value(const char *value)
{
	size_t		len = strlen(value);
	char	   *out = malloc(len + 1);
	size_t		o = 0;
	int			pending_space = 0;
	const char *p;

	if (out == NULL)
		return NULL;
	for (p = value; *p; p++)
	{
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' ||
			*p == '\v' || *p == '\f')
		{
			pending_space = (o > 0);
			continue;
		}
		if (pending_space)
			out[o++] = ' ';
		pending_space = 0;
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* qsort comparator: name, then input order (so repeated names keep order). */
static int
cmp_header(const void *a, const void *b)
{
	const canon_header *ha = a;
	const canon_header *hb = b;
	int			c = strcmp(ha->name, hb->name);

	if (c != 0)
		return c;
	return ha->order < hb->order ? -1 : (ha->order > hb->order ? 1 : 0);
}

/* True if name is a header the signer itself sets. */
static int
is_reserved_header(const char *name)
{
	return strcasecmp(name, "host") == 0 ||
		strcasecmp(name, "x-amz-date") == 0 ||
		strcasecmp(name, "x-amz-security-token") == 0 ||
		strcasecmp(name, "x-amz-content-sha256") == 0 ||
		strcasecmp(name, "authorization") == 0;
}

/* Sign a request; see sigv4.h.  On failure out holds no allocations. */
int
sigv4_sign(const sigv4_request *req, const sigv4_params *params,
		   sigv4_result *out, char *errbuf, size_t errlen)
{
	const sigv4_credentials *cr;
	canon_header *hdrs = NULL;
	size_t		nh = 0,
				i;
	aws_buf		creq = AWS_BUF_INIT;
	aws_buf		sts = AWS_BUF_INIT;
	aws_buf		signed_hdrs = AWS_BUF_INIT;
	aws_buf		authz = AWS_BUF_INIT;
	char		date8[9];
	char		creq_hash[65];
	unsigned char key[32],
				key2[32],
				sig[32];
	aws_buf		ksecret = AWS_BUF_INIT;
	struct tm	tm;
	int			rc = SIGV4_OK;
	const char *msg = NULL;
	int			sign_token;

	if (out == NULL || req == NULL || params == NULL)
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing request, parameters or result");
	memset(out, 0, sizeof(*out));
	cr = params->creds;
	if (req->method == NULL || req->method[0] == '\0')
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing HTTP method");
	if (req->host == NULL || req->host[0] == '\0')
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing host");
	if (params->region == NULL || params->region[0] == '\0' ||
		params->service == NULL || params->service[0] == '\0')
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing region or service");
	if (cr == NULL || cr->access_key_id == NULL || cr->access_key_id[0] == '\0' ||
		cr->secret_access_key == NULL || cr->secret_access_key[0] == '\0')
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing access key id or secret access key");
	if (req->body == NULL && req->body_len > 0)
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: body length given without a body");
	for (i = 0; i < req->nheaders; i++)
	{
		if (req->headers[i].name == NULL || req->headers[i].name[0] == '\0' ||
			req->headers[i].value == NULL)
			return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: header with no name or value");
		if (is_reserved_header(req->headers[i].name))
		{
			if (errbuf && errlen > 0)
				snprintf(errbuf, errlen, "sigv4: header \"%s\" is set by the signer, not the caller",
						 req->headers[i].name);
			return SIGV4_EINVAL;
		}
	}

	if (gmtime_r(&params->when, &tm) == NULL ||
		strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16)
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: time out of range");
	memcpy(date8, out->amz_date, 8);
	date8[8] = '\0';
	if (sigv4_sha256_hex(req->body, req->body_len, out->payload_hash) != SIGV4_OK)
		return sigv4_error(errbuf, errlen, SIGV4_ECRYPTO, "sigv4: SHA-256 failed in OpenSSL");
	sign_token = cr->session_token && cr->session_token[0] &&
		!(params->flags & SIGV4_UNSIGNED_TOKEN);

	/* Canonical headers: the caller's plus host, x-amz-date and friends. */
	hdrs = calloc(req->nheaders + 4, sizeof(*hdrs));
	if (hdrs == NULL)
		return sigv4_error(errbuf, errlen, SIGV4_ENOMEM, "sigv4: out of memory");
	for (i = 0; i < req->nheaders; i++)
	{
		hdrs[nh].name = lower_dup(req->headers[i].name);
		hdrs[nh].value = collapse_value(req->headers[i].value);
		hdrs[nh].order = nh;
		nh++;
	}
	hdrs[nh].name = lower_dup("host");
	hdrs[nh].value = collapse_value(req->host);
	hdrs[nh].order = nh;
	nh++;
	hdrs[nh].name = lower_dup("x-amz-date");
	hdrs[nh].value = collapse_value(out->amz_date);
	hdrs[nh].order = nh;
	nh++;
	if (sign_token)
	{
		hdrs[nh].name = lower_dup("x-amz-security-token");
		hdrs[nh].value = collapse_value(cr->session_token);
		hdrs[nh].order = nh;
		nh++;
	}
	if (params->flags & SIGV4_CONTENT_SHA256)
	{
		hdrs[nh].name = lower_dup("x-amz-content-sha256");
		hdrs[nh].value = collapse_value(out->payload_hash);
		hdrs[nh].order = nh;
		nh++;
	}
	for (i = 0; i < nh; i++)
		if (hdrs[i].name == NULL || hdrs[i].value == NULL)
		{
			rc = SIGV4_ENOMEM;
			goto done;
		}
	qsort(hdrs, nh, sizeof(*hdrs), cmp_header);

	/* 1. Canonical request. */
	aws_buf_puts(&creq, req->method);
	aws_buf_putc(&creq, '\n');
	if (!canonical_uri(&creq, req->path, !(params->flags & SIGV4_NO_NORMALIZE_PATH)))
	{
		rc = SIGV4_ENOMEM;
		goto done;
	}
	aws_buf_putc(&creq, '\n');
	if (!canonical_query(&creq, req->query))
	{
		rc = SIGV4_ENOMEM;
		goto done;
	}
	aws_buf_putc(&creq, '\n');
	for (i = 0; i < nh; i++)
	{
		if (i > 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0)
		{
			/* Repeated name: the values join the previous line. */
			creq.len--;			/* drop the '\n' just written */
			aws_buf_printf(&creq, ",%s\n", hdrs[i].value);
			continue;
		}
		aws_buf_printf(&creq, "%s:%s\n", hdrs[i].name, hdrs[i].value);
		aws_buf_printf(&signed_hdrs, "%s%s", signed_hdrs.len ? ";" : "", hdrs[i].name);
	}
	aws_buf_putc(&creq, '\n');
	aws_buf_puts(&creq, signed_hdrs.data ? signed_hdrs.data : "");
	aws_buf_putc(&creq, '\n');
	aws_buf_puts(&creq, out->payload_hash);
	if (creq.failed || signed_hdrs.failed)
	{
		rc = SIGV4_ENOMEM;
		goto done;
	}

	/* 2. String to sign. */
	if (sigv4_sha256_hex(creq.data, creq.len, creq_hash) != SIGV4_OK)
	{
		rc = SIGV4_ECRYPTO;
		msg = "sigv4: SHA-256 failed in OpenSSL";
		goto done;
	}
	aws_buf_printf(&sts, "%s\n%s\n%s/%s/%s/aws4_request\n%s", SIGV4_ALGORITHM,
				   out->amz_date, date8, params->region, params->service, creq_hash);

	/* 3. Signing key and signature. */
	aws_buf_printf(&ksecret, "AWS4%s", cr->secret_access_key);
	if (sts.failed || ksecret.failed)
	{
		rc = SIGV4_ENOMEM;
		goto done;
	}
	if (!hmac_sha256(ksecret.data, ksecret.len, date8, 8, key) ||
		!hmac_sha256(key, 32, params->region, strlen(params->region), key2) ||
		!hmac_sha256(key2, 32, params->service, strlen(params->service), key) ||
		!hmac_sha256(key, 32, "aws4_request", 12, key2) ||
		!hmac_sha256(key2, 32, sts.data, sts.len, sig))
	{
		rc = SIGV4_ECRYPTO;
		msg = "sigv4: HMAC-SHA256 failed in OpenSSL";
		goto done;
	}
	to_hex(sig, 32, out->signature);

	aws_buf_printf(&authz, "%s Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
				   SIGV4_ALGORITHM, cr->access_key_id, date8, params->region,
				   params->service, signed_hdrs.data, out->signature);
	if (authz.failed)
	{
		rc = SIGV4_ENOMEM;
		goto done;
	}
	out->authorization = aws_buf_steal(&authz);
	out->signed_headers = aws_buf_steal(&signed_hdrs);
	out->canonical_request = aws_buf_steal(&creq);
	out->string_to_sign = aws_buf_steal(&sts);
	if (!out->authorization || !out->signed_headers ||
		!out->canonical_request || !out->string_to_sign)
		rc = SIGV4_ENOMEM;

done:
	aws_buf_free(&ksecret);		/* wipes the key material */
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(key2, sizeof(key2));
	for (i = 0; i < nh; i++)
	{
		free(hdrs[i].name);
		/* The token's canonical copy is a secret too. */
		if (hdrs[i].value)
			OPENSSL_cleanse(hdrs[i].value, strlen(hdrs[i].value));
		free(hdrs[i].value);
	}
	free(hdrs);
	aws_buf_free(&creq);
	aws_buf_free(&sts);
	aws_buf_free(&signed_hdrs);
	aws_buf_free(&authz);
	if (rc != SIGV4_OK)
	{
		sigv4_result_free(out);
		if (msg == NULL)
			msg = "sigv4: out of memory";
		return sigv4_error(errbuf, errlen, rc, msg);
	}
	return SIGV4_OK;
}

/*
 * Sign a request given as a URL ("http[s]://host[:port]/path?query"): the
 * Host value keeps the port unless it is the scheme's default.
 */
int
sigv4_sign_url(const char *method, const char *url,
			   const sigv4_header *headers, size_t nheaders,
			   const void *body, size_t body_len,
			   const sigv4_params *params, sigv4_result *out,
			   char *errbuf, size_t errlen)
{
	const char *p,
			   *auth_end,
			   *colon;
	char	   *host = NULL,
			   *path = NULL,
			   *query = NULL;
	size_t		hostlen;
	int			default_port = 0;
	sigv4_request req;
	int			rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (url == NULL)
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: missing URL");
	if (strncasecmp(url, "https://", 8) == 0)
	{
		p = url + 8;
		default_port = 443;
	}
	else if (strncasecmp(url, "http://", 7) == 0)
	{
		p = url + 7;
		default_port = 80;
	}
	else
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: URL must start with http:// or https://");
	auth_end = p + strcspn(p, "/?#");
	if (auth_end == p || memchr(p, '@', auth_end - p) != NULL)
		return sigv4_error(errbuf, errlen, SIGV4_EINVAL, "sigv4: URL has no host or has user information");
	hostlen = (size_t) (auth_end - p);
	/* Drop ":<default port>" so Host matches what HTTP clients send. */
	colon = NULL;
	for (const char *q = auth_end - 1; q > p; q--)
	{
		if (*q == ':')
		{
			colon = q;
			break;
		}
		if (*q == ']')
			break;
	}
	if (colon && atoi(colon + 1) == default_port)
		hostlen = (size_t) (colon - p);
	host = strndup(p, hostlen);
	p = auth_end;
	{
		size_t		plen = strcspn(p, "?#");

		path = strndup(p, plen);
		p += plen;
	}
	if (*p == '?')
	{
		p++;
		query = strndup(p, strcspn(p, "#"));
		if (query == NULL)
			goto oom;
	}
	if (host == NULL || path == NULL)
		goto oom;
	req.method = method;
	req.host = host;
	req.path = path;
	req.query = query;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = body;
	req.body_len = body_len;
	rc = sigv4_sign(&req, params, out, errbuf, errlen);
	free(host);
	free(path);
	free(query);
	return rc;

oom:
	free(host);
	free(path);
	free(query);
	return sigv4_error(errbuf, errlen, SIGV4_ENOMEM, "sigv4: out of memory");
}

/* Free (wiping the token-bearing one) the strings of a result; idempotent. */
void
sigv4_result_free(sigv4_result *res)
{
	if (res == NULL)
		return;
	free(res->authorization);
	free(res->signed_headers);
	/* The canonical request holds the session token: wipe it. */
	if (res->canonical_request)
		OPENSSL_cleanse(res->canonical_request, strlen(res->canonical_request));
	free(res->canonical_request);
	free(res->string_to_sign);
	res->authorization = res->signed_headers = NULL;
	res->canonical_request = res->string_to_sign = NULL;
}
