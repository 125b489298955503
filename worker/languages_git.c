/*
 * languages_git.c — read Linguist's .gitattributes overrides with libgit2.
 *
 * git_attr_get_many_ext() with GIT_ATTR_CHECK_INCLUDE_COMMIT reads the
 * .gitattributes files of the analysed commit (every directory on the path),
 * GIT_ATTR_CHECK_INDEX_ONLY keeps a working tree out of it and
 * GIT_ATTR_CHECK_NO_SYSTEM ignores /etc/gitattributes.  libgit2 caches the
 * parsed files per repository, but a lookup still costs ~100 us because
 * every ancestor directory is probed in the commit's tree; lang_attr_reader
 * therefore lists the directories holding a .gitattributes once and skips
 * paths outside all of them.  A value of "true"/"false" counts like a
 * set/unset attribute, as Linguist reads it.
 */
#include "languages_git.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

struct lang_attr_reader
{
	git_repository *repo;
	git_oid		commit;
	int			everywhere;		/* info/attributes exists: look every path up */
	char	  **dirs;			/* "" or "dir/" prefixes holding .gitattributes */
	size_t		ndirs;
	size_t		capdirs;
	int			failed;
};

/* git_tree_walk callback: remember directories with a .gitattributes blob. */
static int
note_attr_dir(const char *root, const git_tree_entry *entry, void *payload)
{
	lang_attr_reader *r = payload;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
		strcmp(git_tree_entry_name(entry), ".gitattributes") != 0)
		return 0;
	if (r->ndirs == r->capdirs)
	{
		size_t		cap = r->capdirs ? r->capdirs * 2 : 8;
		char	  **d = realloc(r->dirs, cap * sizeof(char *));

		if (!d)
		{
			r->failed = 1;
			return -1;
		}
		r->dirs = d;
		r->capdirs = cap;
	}
	if ((r->dirs[r->ndirs] = strdup(root)) == NULL)
	{
		r->failed = 1;
		return -1;
	}
	r->ndirs++;
	return 0;
}

/* See languages_git.h. */
lang_attr_reader *
lang_attr_reader_new(git_repository *repo, const git_oid *commit)
{
	lang_attr_reader *r = calloc(1, sizeof(*r));
	git_commit *c = NULL;
	git_tree   *tree = NULL;
	struct stat st;
	char		info[4096];

	if (!r)
		return NULL;
	r->repo = repo;
	git_oid_cpy(&r->commit, commit);
	snprintf(info, sizeof(info), "%sinfo/attributes", git_repository_path(repo));
	r->everywhere = stat(info, &st) == 0;
	if (git_commit_lookup(&c, repo, commit) != 0 || git_commit_tree(&tree, c) != 0 ||
		git_tree_walk(tree, GIT_TREEWALK_PRE, note_attr_dir, r) != 0 || r->failed)
	{
		git_tree_free(tree);
		git_commit_free(c);
		lang_attr_reader_free(r);
		return NULL;
	}
	git_tree_free(tree);
	git_commit_free(c);
	return r;
}

/* See languages_git.h. */
int
lang_attr_reader_get(lang_attr_reader *r, const char *path, lang_attrs *out)
{
	int			relevant = r->everywhere;

	for (size_t i = 0; i < r->ndirs && !relevant; i++)
		relevant = strncmp(path, r->dirs[i], strlen(r->dirs[i])) == 0;
	if (!relevant)
	{
		lang_attrs_clear(out);
		return 0;
	}
	return lang_attrs_from_git(r->repo, &r->commit, path, out);
}

/* See languages_git.h. */
void
lang_attr_reader_free(lang_attr_reader *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndirs; i++)
		free(r->dirs[i]);
	free(r->dirs);
	free(r);
}
