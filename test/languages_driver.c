/*
 * languages_driver.c — test driver for worker/languages.c.
 *
 * Usage: languages_driver [--files] [--no-attributes] REPO [REV]
 * Opens the repository with libgit2, walks REV's tree (default HEAD) exactly
 * as the analysis does — blobs only, no checkout — feeds every regular file
 * (path, first LANG_CONTENT_BYTES bytes, size) to a lang_stats accumulator and
 * prints the result JSON on stdout.  Symbolic links and submodules are listed
 * as skipped.  Linguist's .gitattributes overrides are read from REV's
 * commit (languages_git.c) unless --no-attributes.  With --files it prints one line per file instead:
 * "path<TAB>verdict<TAB>language<TAB>rule" (for debugging and the tests).
 * Exit status 0 on success, 1 on any libgit2 error.
 */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "languages.h"
#include "languages_git.h"

/* Walk state handed to the tree-walk callback. */
typedef struct walk_ctx
{
	git_repository *repo;
	lang_stats *stats;
	lang_attr_reader *attrs;	/* .gitattributes; NULL to ignore them */
	int			list_files;
	int			failed;
} walk_ctx;

/* git_tree_walk callback: classify one entry. */
static int
visit(const char *root, const git_tree_entry *entry, void *payload)
{
	walk_ctx   *ctx = payload;
	char		path[4096];
	git_blob   *blob;
	git_filemode_t mode = git_tree_entry_filemode(entry);
	const unsigned char *data;
	git_object_size_t size;
	lang_attrs	attrs;

	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE)
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry));
	if (mode == GIT_FILEMODE_LINK)
	{
		lang_stats_skip(ctx->stats, path, "symlink");
		return 0;
	}
	if (mode == GIT_FILEMODE_COMMIT)
	{
		lang_stats_skip(ctx->stats, path, "submodule");
		return 0;
	}
	if (git_blob_lookup(&blob, ctx->repo, git_tree_entry_id(entry)) != 0)
	{
		ctx->failed = 1;
		return -1;
	}
	data = git_blob_rawcontent(blob);
	size = git_blob_rawsize(blob);
	lang_attrs_clear(&attrs);
	if (ctx->attrs && lang_attr_reader_get(ctx->attrs, path, &attrs) != 0)
	{
		git_blob_free(blob);
		ctx->failed = 1;
		return -1;
	}
	if (ctx->list_files)
	{
		lang_info	info;

		lang_classify_ex(path, data, size < LANG_CONTENT_BYTES ? (size_t) size : LANG_CONTENT_BYTES,
						 &attrs, &info);
		printf("%s\t%s\t%s\t%s\n", path, lang_verdict_name(info.verdict),
			   info.language ? info.language->name : "-", info.rule);
	}
	lang_stats_add_ex(ctx->stats, path, data,
					  size < LANG_CONTENT_BYTES ? (size_t) size : LANG_CONTENT_BYTES, size, &attrs);
	git_blob_free(blob);
	return 0;
}

/* Entry point: see the header comment. */
int
main(int argc, char **argv)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_tree   *tree = NULL;
	walk_ctx	ctx = {0};
	json_object *out;
	int			rc = 1;

	int			use_attrs = 1;
	git_commit *commit = NULL;

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0)
	{
		if (strcmp(argv[1], "--files") == 0)
			ctx.list_files = 1;
		else if (strcmp(argv[1], "--no-attributes") == 0)
			use_attrs = 0;
		else
		{
			fprintf(stderr, "languages_driver: unknown option %s\n", argv[1]);
			return 2;
		}
		argv++;
		argc--;
	}
	if (argc < 2)
	{
		fprintf(stderr, "usage: %s REPO [REV]\n", argv[0]);
		return 2;
	}
	git_libgit2_init();
	if (git_repository_open_ext(&repo, argv[1], 0, NULL) != 0 ||
		git_revparse_single(&obj, repo, argc > 2 ? argv[2] : "HEAD") != 0 ||
		git_object_peel((git_object **) &tree, obj, GIT_OBJECT_TREE) != 0)
	{
		fprintf(stderr, "languages_driver: %s\n", git_error_last() ? git_error_last()->message : "error");
		goto done;
	}
	ctx.repo = repo;
	if (use_attrs && git_object_peel((git_object **) &commit, obj, GIT_OBJECT_COMMIT) == 0 &&
		(ctx.attrs = lang_attr_reader_new(repo, git_commit_id(commit))) == NULL)
	{
		fprintf(stderr, "languages_driver: %s\n", git_error_last() ? git_error_last()->message : "out of memory");
		goto done;
	}
	ctx.stats = lang_stats_new();
	if (!ctx.stats || git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &ctx) != 0 || ctx.failed)
	{
		fprintf(stderr, "languages_driver: tree walk failed\n");
		goto done;
	}
	out = lang_stats_json(ctx.stats);
	if (!ctx.list_files)
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	rc = 0;
done:
	lang_stats_free(ctx.stats);
	lang_attr_reader_free(ctx.attrs);
	git_commit_free(commit);
	git_tree_free(tree);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
