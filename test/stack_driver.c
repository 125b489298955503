/*
 * stack_driver.c — test driver for worker/stack.c.
 *
 * Usage: stack_driver REPO [REV]
 * Walks REV's tree (default HEAD) with libgit2 the way the analysis does:
 * every path stack_wants() asks for is fed to a stack_scan (blob content for
 * manifests, the path alone for presence files; blobs above the manifest
 * limit are fed by size only so the scan records them as skipped).  Prints
 * the stack JSON on stdout.  With --count-rules it prints the number of
 * technologies in the rule table instead.
 */
#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "stack.h"

/* Walk state handed to the tree-walk callback. */
typedef struct walk_ctx
{
	git_repository *repo;
	git_odb    *odb;
	stack_scan *scan;
	int			failed;
} walk_ctx;

/* git_tree_walk callback: feed one wanted entry. */
static int
visit(const char *root, const git_tree_entry *entry, void *payload)
{
	walk_ctx   *ctx = payload;
	char		path[4096];
	git_blob   *blob;
	stack_want	want;
	size_t		size;
	git_object_t type;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
		git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK)
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry));
	want = stack_wants(path);
	if (want == STACK_IGNORE)
		return 0;
	if (want == STACK_PRESENCE)
	{
		stack_scan_add(ctx->scan, path, NULL, 0);
		return 0;
	}
	/* read the size from the object header: oversized blobs are not loaded */
	if (git_odb_read_header(&size, &type, ctx->odb, git_tree_entry_id(entry)) != 0)
	{
		ctx->failed = 1;
		return -1;
	}
	if (size > STACK_MAX_MANIFEST_BYTES)
	{
		stack_scan_add(ctx->scan, path, NULL, size);
		return 0;
	}
	if (git_blob_lookup(&blob, ctx->repo, git_tree_entry_id(entry)) != 0)
	{
		ctx->failed = 1;
		return -1;
	}
	stack_scan_add(ctx->scan, path, git_blob_rawcontent(blob), (size_t) git_blob_rawsize(blob));
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

	if (argc == 2 && strcmp(argv[1], "--count-rules") == 0)
	{
		printf("%d\n", stack_rule_technologies());
		return 0;
	}
	if (argc < 2)
	{
		fprintf(stderr, "usage: %s REPO [REV] | --count-rules\n", argv[0]);
		return 2;
	}
	git_libgit2_init();
	if (git_repository_open_ext(&repo, argv[1], 0, NULL) != 0 ||
		git_revparse_single(&obj, repo, argc > 2 ? argv[2] : "HEAD") != 0 ||
		git_object_peel((git_object **) &tree, obj, GIT_OBJECT_TREE) != 0)
	{
		fprintf(stderr, "stack_driver: %s\n", git_error_last() ? git_error_last()->message : "error");
		goto done;
	}
	ctx.repo = repo;
	if (git_repository_odb(&ctx.odb, repo) != 0)
	{
		fprintf(stderr, "stack_driver: %s\n", git_error_last()->message);
		goto done;
	}
	ctx.scan = stack_scan_new();
	if (!ctx.scan || git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &ctx) != 0 || ctx.failed)
	{
		fprintf(stderr, "stack_driver: tree walk failed\n");
		goto done;
	}
	out = stack_scan_finish(ctx.scan);
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	rc = 0;
done:
	stack_scan_free(ctx.scan);
	git_odb_free(ctx.odb);
	git_tree_free(tree);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
