/*
 * languages.c — libFuzzer target for the language heuristics
 * (worker/languages.c): the input is "PATH\nCONTENT"; the path (up to the
 * first newline) picks extension, file-name and directory rules, the content
 * feeds the shebang, modeline and content heuristics.
 */
#include "fuzz.h"

#include <stdio.h>

#include "languages.h"

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t		plen = nl ? (size_t) (nl - data) : size;
	char	   *path = fuzz_cstring(data, plen);
	const uint8_t *head = nl ? nl + 1 : data + size;
	size_t		hlen = nl ? size - plen - 1 : 0;
	lang_info	info;
	lang_attrs	attrs;

	lang_classify(path, head, hlen, &info);
	if (info.rule == NULL)
		abort();
	/* the same with .gitattributes overrides taken from the content's start */
	lang_attrs_clear(&attrs);
	if (hlen >= 4)
	{
		attrs.vendored = (signed char) (head[0] % 3) - 1;
		attrs.generated = (signed char) (head[1] % 3) - 1;
		attrs.detectable = (signed char) (head[2] % 3) - 1;
		if (head[3] & 1)
			snprintf(attrs.language, sizeof(attrs.language), "%.*s", (int) (plen < 20 ? plen : 20), path);
	}
	lang_classify_ex(path, head, hlen, &attrs, &info);
	free(path);
	return 0;
}
