/*
 * languages_git.c — read Linguist's .gitattributes overrides with libgit2.
 *
 * git_attr_get_many_ext() with GIT_ATTR_CHECK_INCLUDE_COMMIT reads the
 * .gitattributes files of the analysed commit (every directory on the path),
 * GIT_ATTR_CHECK_INDEX_ONLY keeps a working tree out of it and
 * GIT_ATTR_CHECK_NO_SYSTEM ignores /etc/gitattributes.  libgit2 caches the
 * parsed files per repository, so a lookup per file is cheap.  A value of
 * "true"/"false" counts like a set/unset attribute, as Linguist reads it.
 */
#include "languages_git.h"

#include <string.h>

/* Attributes asked for, in lang_attrs order. */
static const char *const attr_names[] = {
	"linguist-vendored", "linguist-generated", "linguist-documentation",
	"linguist-detectable", "linguist-language",
};

/* -1 / 0 / 1 for an unspecified / false / true attribute value. */
static signed char
tristate(const char *value)
{
	switch (git_attr_value(value))
	{
		case GIT_ATTR_VALUE_TRUE:
			return 1;
		case GIT_ATTR_VALUE_FALSE:
			return 0;
		case GIT_ATTR_VALUE_STRING:
			if (strcmp(value, "true") == 0)
				return 1;
			if (strcmp(value, "false") == 0)
				return 0;
			return -1;
		case GIT_ATTR_VALUE_UNSPECIFIED:
			break;
	}
	return -1;
}

/* See languages_git.h. */
int
lang_attrs_from_git(git_repository *repo, const git_oid *commit, const char *path,
					lang_attrs *out)
{
	git_attr_options opts;
	const char *values[5];
	const char *names[5];
	int			rc;

	lang_attrs_clear(out);
	/* GIT_ATTR_OPTIONS_INIT trips -Wmissing-field-initializers */
	memset(&opts, 0, sizeof(opts));
	opts.version = GIT_ATTR_OPTIONS_VERSION;
	memcpy(names, attr_names, sizeof(names));
	opts.flags = GIT_ATTR_CHECK_INDEX_ONLY | GIT_ATTR_CHECK_NO_SYSTEM |
		GIT_ATTR_CHECK_INCLUDE_COMMIT;
	git_oid_cpy(&opts.attr_commit_id, commit);
	rc = git_attr_get_many_ext(values, repo, &opts, path, 5, names);
	if (rc != 0)
		return rc;
	out->vendored = tristate(values[0]);
	out->generated = tristate(values[1]);
	out->documentation = tristate(values[2]);
	out->detectable = tristate(values[3]);
	if (git_attr_value(values[4]) == GIT_ATTR_VALUE_STRING)
	{
		strncpy(out->language, values[4], sizeof(out->language) - 1);
		out->language[sizeof(out->language) - 1] = '\0';
	}
	return 0;
}
