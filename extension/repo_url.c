/*
 * repo_url.c — validation and normalisation of repository URLs.
 *
 * The worker clones whatever URL a job holds, so this is sesami's SSRF fence.
 * It accepts exactly one shape, https://HOST/OWNER/REPO[.git][/], with HOST in
 * sesami.allowed_repo_hosts, and rebuilds the URL from the parts it checked
 * (the caller's string is never passed on).  Everything else is refused: other
 * schemes, scp-style SSH, credentials, ports, IP literals in any spelling,
 * percent-encoding (so no encoded traversal), backslashes, queries, fragments,
 * "." and ".." segments, extra path segments, and overlong input.
 *
 * Error messages never quote the URL itself: a URL may carry a token in its
 * user-info, and errors reach the server log.  The detail says what is wrong.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "sesami.h"

#define REPO_URL_MAX_LEN 512
#define OWNER_MAX_LEN 39
#define REPO_NAME_MAX_LEN 100

PG_FUNCTION_INFO_V1(sesami_parse_repo_url);

/* Report a refused URL: 22023 with the reason as detail. */
static void
refuse(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid repository URL"),
			 errdetail_internal("%s", detail),
			 errhint("Use the form https://github.com/OWNER/REPO.")));
}

/* True if s is non-empty and made only of ASCII digits. */
static bool
all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * Check that host is a DNS name and not an IP address in any spelling
 * (dotted quad, a bare 32-bit number, hex or octal parts).  On failure sets
 * *reason to a full sentence.
 */
bool
sesami_hostname_is_valid(const char *host, const char **reason)
{
	size_t		len = strlen(host);
	const char *label = host;
	bool		numeric_label = false;

	if (len == 0 || len > 253)
	{
		*reason = "A host name must be 1 to 253 characters long.";
		return false;
	}
	if (host[0] == '[' || strchr(host, ':') != NULL)
	{
		*reason = "IP addresses are not accepted.";
		return false;
	}
	if (host[len - 1] == '.')
	{
		*reason = "A host name must not end with a dot.";
		return false;
	}
	for (;;)
	{
		const char *dot = strchr(label, '.');
		size_t		llen = dot ? (size_t) (dot - label) : strlen(label);

		if (llen == 0 || llen > 63)
		{
			*reason = "Each part of a host name must be 1 to 63 characters long.";
			return false;
		}
		for (size_t i = 0; i < llen; i++)
		{
			char		c = label[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				  (c >= '0' && c <= '9') || c == '-'))
			{
				*reason = "A host name may contain only letters, digits, hyphens and dots.";
				return false;
			}
		}
		if (label[0] == '-' || label[llen - 1] == '-')
		{
			*reason = "A part of a host name must not start or end with a hyphen.";
			return false;
		}
		/* "0x7f" or "017" or "2130706433": a resolver may read these as IPs */
		numeric_label = all_digits(label, llen) ||
			(llen > 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X'));
		if (dot == NULL)
			break;
		label = dot + 1;
	}
	if (numeric_label)
	{
		*reason = "IP addresses are not accepted.";
		return false;
	}
	return true;
}

/* True if host (already validated) is listed in sesami.allowed_repo_hosts. */
static bool
host_is_allowed(const char *host)
{
	char	   *raw = pstrdup(sesami_allowed_repo_hosts ? sesami_allowed_repo_hosts : "");
	List	   *hosts;
	ListCell   *lc;
	bool		allowed = false;

	if (!SplitGUCList(raw, ',', &hosts))
		elog(ERROR, "sesami.allowed_repo_hosts is not a valid list");
	foreach(lc, hosts)
	{
		if (pg_strcasecmp(host, (const char *) lfirst(lc)) == 0)
		{
			allowed = true;
			break;
		}
	}
	list_free(hosts);
	pfree(raw);
	return allowed;
}

/* True if every byte of s[0..len) is allowed in an owner name. */
static bool
valid_owner(const char *s, size_t len)
{
	if (len == 0 || len > OWNER_MAX_LEN || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char) s[i]) || s[i] == '-'))
			return false;
	return true;
}

/* True if s[0..len) is a valid repository name (after ".git" is removed). */
static bool
valid_repo_name(const char *s, size_t len)
{
	if (len == 0 || len > REPO_NAME_MAX_LEN)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char) s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return false;
	return true;
}

/*
 * Validate a repository URL and split it into the normalised URL
 * https://host/owner/name and its parts (palloc'd text).  Raises 22023 on bad
 * input.
 */
void
sesami_repo_url_parse(text *arg, SesamiRepoUrl *out)
{
	const char *p = VARDATA_ANY(arg);
	size_t		len = VARSIZE_ANY_EXHDR(arg);
	const char *end;
	const char *authority;
	const char *path;
	char	   *host;
	const char *owner;
	size_t		owner_len;
	const char *name;
	size_t		name_len;
	const char *slash;
	StringInfoData url;
	const char *reason;

	if (len > REPO_URL_MAX_LEN)
		refuse("The URL is longer than 512 bytes.");

	/* trim surrounding blanks, then refuse any other blank or odd byte */
	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++, len--;
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
					   p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len == 0)
		refuse("The URL is empty.");
	end = p + len;
	for (const char *c = p; c < end; c++)
	{
		unsigned char uc = (unsigned char) *c;

		if (uc <= 0x20 || uc >= 0x7f)
			refuse("The URL contains spaces, control characters or non-ASCII characters.");
		if (uc == '%')
			refuse("Percent-encoded characters are not accepted.");
		if (uc == '\\')
			refuse("Backslashes are not accepted.");
	}

	if (len < 8 || pg_strncasecmp(p, "https://", 8) != 0)
	{
		const char *colon = memchr(p, ':', len);
		const char *at = memchr(p, '@', len);

		if (colon && colon + 2 < end && colon[1] == '/' && colon[2] == '/')
			refuse("Only https URLs are accepted.");
		if (at && colon && at < colon)
			refuse("SSH URLs are not accepted; use the https URL of the repository.");
		refuse("The URL must start with https://.");
	}

	authority = p + 8;
	path = authority;
	while (path < end && *path != '/' && *path != '?' && *path != '#')
		path++;
	if (path == authority)
		refuse("The URL has no host.");
	if (memchr(authority, '@', path - authority))
		refuse("The URL must not contain credentials.");
	if (*authority == '[')
		refuse("IP addresses are not accepted.");
	if (memchr(authority, ':', path - authority))
		refuse("The URL must not contain a port.");

	host = pnstrdup(authority, path - authority);
	for (char *c = host; *c; c++)
		*c = pg_tolower((unsigned char) *c);
	if (!sesami_hostname_is_valid(host, &reason))
		refuse(reason);
	if (!host_is_allowed(host))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid repository URL"),
				 errdetail("Host \"%s\" is not in sesami.allowed_repo_hosts.", host),
				 errhint("Ask the administrator to allow the host, or use a repository on an allowed host.")));

	if (memchr(path, '?', end - path) || memchr(path, '#', end - path))
		refuse("Query strings and fragments are not accepted.");
	for (const char *c = path; c + 1 < end; c++)
		if (c[0] == '.' && c[1] == '.')
			refuse("Path traversal (\"..\") is not accepted.");

	/* path is "/owner/name" with an optional ".git" and one optional "/" */
	if (path == end || *path != '/')
		refuse("The URL must name a repository as https://HOST/OWNER/REPO.");
	owner = path + 1;
	slash = memchr(owner, '/', end - owner);
	if (slash == NULL)
		refuse("The URL must name a repository as https://HOST/OWNER/REPO.");
	owner_len = slash - owner;
	name = slash + 1;
	name_len = end - name;
	if (name_len > 0 && name[name_len - 1] == '/')
		name_len--;
	if (memchr(name, '/', name_len))
		refuse("The URL must name a repository as https://HOST/OWNER/REPO, with nothing after the repository name.");
	if (name_len >= 4 && pg_strncasecmp(name + name_len - 4, ".git", 4) == 0)
		name_len -= 4;
	if (!valid_owner(owner, owner_len))
		refuse("The owner name must be 1 to 39 letters, digits or hyphens, and must not start or end with a hyphen.");
	if (!valid_repo_name(name, name_len))
		refuse("The repository name must be 1 to 100 letters, digits, \".\", \"-\" or \"_\", and not \".\" or \"..\".");

	initStringInfo(&url);
	appendStringInfo(&url, "https://%s/%.*s/%.*s", host, (int) owner_len, owner,
					 (int) name_len, name);
	out->url = cstring_to_text_with_len(url.data, url.len);
	out->host = cstring_to_text(host);
	out->owner = cstring_to_text_with_len(owner, owner_len);
	out->name = cstring_to_text_with_len(name, name_len);
	pfree(url.data);
}

/*
 * sesami.parse_repo_url(url text, OUT url text, OUT host text, OUT owner
 * text, OUT name text): the SQL face of sesami_repo_url_parse().
 */
Datum
sesami_parse_repo_url(PG_FUNCTION_ARGS)
{
	SesamiRepoUrl u;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	sesami_repo_url_parse(PG_GETARG_TEXT_PP(0), &u);
	values[0] = PointerGetDatum(u.url);
	values[1] = PointerGetDatum(u.host);
	values[2] = PointerGetDatum(u.owner);
	values[3] = PointerGetDatum(u.name);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
