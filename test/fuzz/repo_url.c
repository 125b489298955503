/*
 * repo_url.c — libFuzzer target for the repository URL check
 * (extension/repo_url.c, sesami's SSRF fence), outside a PostgreSQL backend.
 *
 * extension/repo_url.c is compiled unchanged against the server headers; this
 * harness supplies the few backend functions it calls: palloc and friends
 * (memory freed after every input), StringInfo appends, text conversion, the
 * GUC list split (sesami.allowed_repo_hosts = "github.com,gitlab.example"),
 * and ereport, whose ERROR jumps back here as PostgreSQL's longjmp would.
 * pg_strcasecmp and pg_tolower come from PostgreSQL's libpgport.
 *
 * Beyond "no crash": an accepted URL comes back as exactly
 * https://HOST/OWNER/NAME built from allowed characters, with HOST in the
 * allowed list, and the normalised URL is accepted again unchanged.
 */
#include "postgres.h"

#include <setjmp.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "sesami.h"
#include "fuzz.h"

char	   *sesami_allowed_repo_hosts = "github.com,gitlab.example";

/* ---- backend stand-ins ------------------------------------------------- */

static void *allocs[4096];
static int	nallocs;
static sigjmp_buf on_error;

/* palloc: malloc, remembered so the harness frees it after the input. */
void *
palloc(Size size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL || nallocs == (int) (sizeof(allocs) / sizeof(allocs[0])))
		abort();
	allocs[nallocs++] = p;
	return p;
}

/* pfree: freed with the rest after the input. */
void
pfree(void *pointer)
{
	(void) pointer;
}

/* pstrdup on palloc. */
char *
pstrdup(const char *in)
{
	return strcpy(palloc(strlen(in) + 1), in);
}

/* pnstrdup on palloc. */
char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

/* initStringInfo: a 1 KiB palloc'd buffer (repo_url.c never needs more). */
void
initStringInfo(StringInfo str)
{
	str->maxlen = 1024;
	str->data = palloc(str->maxlen);
	str->data[0] = '\0';
	str->len = 0;
	str->cursor = 0;
}

/* appendStringInfo into the fixed buffer; overflowing it is a harness abort. */
void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(str->data + str->len, str->maxlen - str->len, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= str->maxlen - str->len)
		abort();
	str->len += n;
}

/* cstring_to_text_with_len on palloc. */
text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *t = palloc(len + VARHDRSZ);

	SET_VARSIZE(t, len + VARHDRSZ);
	memcpy(VARDATA(t), s, len);
	return t;
}

/* cstring_to_text on palloc. */
text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

/* SplitGUCList for a plain comma list without quotes or blanks. */
bool
SplitGUCList(char *rawstring, char separator, List **namelist)
{
	int			n = 1;
	List	   *l;
	char	   *p;

	for (p = rawstring; *p; p++)
		n += *p == separator;
	l = palloc(offsetof(List, initial_elements) + n * sizeof(ListCell));
	l->type = T_List;
	l->length = 0;
	l->max_length = n;
	l->elements = l->initial_elements;
	for (p = rawstring;;)
	{
		char	   *sep = strchr(p, separator);

		if (sep)
			*sep = '\0';
		l->elements[l->length++].ptr_value = p;
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	*namelist = l;
	return true;
}

/* list_free: the list is palloc'd. */
void
list_free(List *list)
{
	(void) list;
}

/* ereport: every report starts. */
bool
errstart_cold(int elevel, const char *domain)
{
	(void) elevel;
	(void) domain;
	return true;
}

/* The message parts: formatted to catch bad format arguments, then dropped. */
#define FUZZ_FORMAT(fmt) \
	do { \
		char		buf[1024]; \
		va_list		ap; \
		va_start(ap, fmt); \
		vsnprintf(buf, sizeof(buf), fmt, ap); \
		va_end(ap); \
	} while (0)

int
errcode(int sqlerrcode)
{
	(void) sqlerrcode;
	return 0;
}

int
errmsg(const char *fmt,...)
{
	FUZZ_FORMAT(fmt);
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	FUZZ_FORMAT(fmt);
	return 0;
}

int
errdetail(const char *fmt,...)
{
	FUZZ_FORMAT(fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	FUZZ_FORMAT(fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	FUZZ_FORMAT(fmt);
	return 0;
}

/* ERROR: back to the harness, as the backend's longjmp to its handler. */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	(void) filename;
	(void) lineno;
	(void) funcname;
	siglongjmp(on_error, 1);
}

/* Not reached: only sesami_parse_repo_url (the SQL wrapper) calls these. */
struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	(void) datum;
	abort();
}

TypeFuncClass
get_call_result_type(FunctionCallInfo fcinfo, Oid *resultTypeId, TupleDesc *resultTupleDesc)
{
	(void) fcinfo;
	(void) resultTypeId;
	(void) resultTupleDesc;
	abort();
}

HeapTuple
heap_form_tuple(TupleDesc tupleDescriptor, Datum *values, bool *isnull)
{
	(void) tupleDescriptor;
	(void) values;
	(void) isnull;
	abort();
}

Datum
HeapTupleHeaderGetDatum(HeapTupleHeader tuple)
{
	(void) tuple;
	abort();
}

/* ---- the target -------------------------------------------------------- */

/* True if s[0..len) is made only of bytes in the set. */
static bool
only(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return len > 0;
}

/* Parse text; true if accepted (out filled). */
static bool
parse(text *t, SesamiRepoUrl *out)
{
	if (sigsetjmp(on_error, 0) != 0)
		return false;
	sesami_repo_url_parse(t, out);
	return true;
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	SesamiRepoUrl u,
				again;

	nallocs = 0;
	if (parse(cstring_to_text_with_len((const char *) data, size), &u))
	{
		const char *url = VARDATA_ANY(u.url);
		size_t		ulen = VARSIZE_ANY_EXHDR(u.url);
		const char *host = VARDATA_ANY(u.host);
		size_t		hlen = VARSIZE_ANY_EXHDR(u.host);
		size_t		olen = VARSIZE_ANY_EXHDR(u.owner);
		size_t		nlen = VARSIZE_ANY_EXHDR(u.name);
		char		want[1024];

		if (!((hlen == 10 && memcmp(host, "github.com", 10) == 0) ||
			  (hlen == 14 && memcmp(host, "gitlab.example", 14) == 0)))
			abort();
		if (!only(VARDATA_ANY(u.owner), olen, "-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ||
			!only(VARDATA_ANY(u.name), nlen, "-_.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
			abort();
		snprintf(want, sizeof(want), "https://%.*s/%.*s/%.*s", (int) hlen, host, (int) olen,
				 VARDATA_ANY(u.owner), (int) nlen, VARDATA_ANY(u.name));
		if (strlen(want) != ulen || memcmp(want, url, ulen) != 0 || strstr(want + 8, ".."))
			abort();
		/* the normalised URL is accepted again, unchanged */
		if (!parse(u.url, &again) || VARSIZE_ANY_EXHDR(again.url) != ulen ||
			memcmp(VARDATA_ANY(again.url), url, ulen) != 0)
			abort();
	}
	for (int i = 0; i < nallocs; i++)
		free(allocs[i]);
	nallocs = 0;
	return 0;
}
