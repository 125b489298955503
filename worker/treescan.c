/*
 * treescan.c — one pass over HEAD's tree for the languages (languages.c,
 * Linguist's rules and .gitattributes overrides) and the tech stack
 * (stack.c, manifests).
 *
 * Every regular file is classified from its path, its first LANG_HEAD_BYTES
 * and its size; a file the stack scanner wants is fed whole, unless it is
 * larger than STACK_MAX_MANIFEST_BYTES (its size comes from the object
 * header, so a huge blob is never loaded for that).  Symbolic links and
 * submodules are listed as skipped.  The repository is opened on its own
 * (bare clones work) and closed before returning.
 */
#include "treescan.h"

#include <stdio.h>
#include <string.h>

#include <git2.h>

#include "languages.h"
#include "languages_git.h"
#include "stack.h"

/* Walk state for the tree-walk callback. */
typedef struct scan_ctx
{
	git_repository *repo;
	git_odb    *odb;
	lang_attr_reader *attrs;	/* .gitattributes of the commit, read once */
	lang_stats *langs;
	stack_scan *stack;
	int			failed;
} scan_ctx;

/* git_tree_walk callback: classify one entry, feed manifests to the stack scan. */
static int
visit(const char *root, const git_tree_entry *entry, void *payload)
{
	scan_ctx   *ctx = payload;
	char		path[4096];
	git_filemode_t mode = git_tree_entry_filemode(entry);
	git_blob   *blob;
	lang_attrs	attrs;
	stack_want	want;
	size_t		size;
	git_object_t type;
	const unsigned char *data;

	if (git_tree_entry_type(entry) == GIT_OBJECT_TREE)
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(entry));
	if (mode == GIT_FILEMODE_LINK || mode == GIT_FILEMODE_COMMIT)
	{
		lang_stats_skip(ctx->langs, path, mode == GIT_FILEMODE_LINK ? "symlink" : "submodule");
		return 0;
	}
	if (git_odb_read_header(&size, &type, ctx->odb, git_tree_entry_id(entry)) != 0 ||
		git_blob_lookup(&blob, ctx->repo, git_tree_entry_id(entry)) != 0)
	{
		ctx->failed = 1;
		return -1;
	}
	data = git_blob_rawcontent(blob);
	if (lang_attr_reader_get(ctx->attrs, path, &attrs) != 0)
		lang_attrs_clear(&attrs);
	lang_stats_add_ex(ctx->langs, path, data,
					  size < LANG_HEAD_BYTES ? size : LANG_HEAD_BYTES, size, &attrs);

	want = stack_wants(path);
	if (want == STACK_PRESENCE)
		stack_scan_add(ctx->stack, path, NULL, 0);
	else if (want == STACK_PARSE)
		stack_scan_add(ctx->stack, path, size > STACK_MAX_MANIFEST_BYTES ? NULL : (const char *) data, size);
	git_blob_free(blob);
	return 0;
}

/*
 * Scan HEAD of the repository at repo_path.  Returns 0 with two new json-c
 * objects (the caller puts them), or -1 with err set.
 */
int
tree_scan(const char *repo_path, json_object **languages, json_object **stack,
		  char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_odb    *odb = NULL;
	git_object *head = NULL;
	git_commit *commit = NULL;
	git_tree   *tree = NULL;
	scan_ctx	ctx = {0};
	int			rc = -1;

	*languages = *stack = NULL;
	if (git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0 ||
		git_repository_odb(&odb, repo) != 0 ||
		git_revparse_single(&head, repo, "HEAD") != 0 ||
		git_object_peel((git_object **) &commit, head, GIT_OBJECT_COMMIT) != 0 ||
		git_commit_tree(&tree, commit) != 0)
	{
		const git_error *e = git_error_last();

		snprintf(err, errlen, "could not read the tree at HEAD: %s", e ? e->message : "unknown error");
		goto done;
	}
	ctx.repo = repo;
	ctx.odb = odb;
	ctx.attrs = lang_attr_reader_new(repo, git_commit_id(commit));
	ctx.langs = lang_stats_new();
	ctx.stack = stack_scan_new();
	if (ctx.attrs == NULL || ctx.langs == NULL || ctx.stack == NULL)
	{
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, visit, &ctx) != 0 || ctx.failed)
	{
		const git_error *e = git_error_last();

		snprintf(err, errlen, "could not walk the tree at HEAD: %s", e ? e->message : "unknown error");
		goto done;
	}
	*languages = lang_stats_json(ctx.langs);
	*stack = stack_scan_finish(ctx.stack);
	rc = 0;
done:
	lang_attr_reader_free(ctx.attrs);
	lang_stats_free(ctx.langs);
	stack_scan_free(ctx.stack);
	git_tree_free(tree);
	git_commit_free(commit);
	git_object_free(head);
	git_odb_free(odb);
	git_repository_free(repo);
	return rc;
}
