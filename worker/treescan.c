/*
 * treescan.c — one pass over HEAD's tree for the languages (languages.c,
 * Linguist's rules and .gitattributes overrides) and the tech stack
 * (stack.c, manifests).
 *
 * tree_scan_into() adds three things to an analysis document: "languages"
 * (bytes per language, Linguist's way), "stack" (manifests, dependencies,
 * technologies with evidence), and a per-language split of the surviving
 * lines the blame counted: "by_language" on the user and on every author.
 * The split covers the same lines as the headline "lines": files of class
 * "code" (sesami.analysis/2; vendored, generated, binary and documentation
 * files are left out), each under the language it is detected as (its
 * Linguist group), "Other" when no language is recognised.
 *
 * Every regular file is classified from its path, its first LANG_CONTENT_BYTES
 * and its size; a file the stack scanner wants is fed whole, unless it is
 * larger than STACK_MAX_MANIFEST_BYTES (its size comes from the object
 * header, so a huge blob is never loaded for that).  Symbolic links and
 * submodules are listed as skipped.  The repository is opened on its own
 * (bare clones work) and closed before returning.
 */
#include "treescan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "jsonutf8.h"
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
	json_object *path_language;	/* path -> language name, for the split */
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
					  size < LANG_CONTENT_BYTES ? size : LANG_CONTENT_BYTES, size, &attrs);
	{
		/* for the split, what language the file is in, wherever it sits */
		lang_attrs	any = attrs;
		lang_info	info;

		any.vendored = any.generated = any.documentation = 0;
		lang_classify_ex(path, data, size < LANG_CONTENT_BYTES ? size : LANG_CONTENT_BYTES, &any, &info);
		if (info.verdict != LANG_BINARY && (info.group || info.language))
		{
			/* keyed as the analysis writes "path": valid UTF-8 */
			char	   *key = utf8_text(path);

			if (key)
				json_object_object_add(ctx->path_language, key,
									   json_object_new_string((info.group ? info.group : info.language)->name));
			free(key);
		}
	}

	want = stack_wants(path);
	if (want == STACK_PRESENCE)
		stack_scan_add(ctx->stack, path, NULL, 0);
	else if (want == STACK_PARSE)
		stack_scan_add(ctx->stack, path, size > STACK_MAX_MANIFEST_BYTES ? NULL : (const char *) data, size);
	git_blob_free(blob);
	return 0;
}

/* Add lines to name's entry in totals (a json object name -> int). */
static void
add_lines(json_object *totals, const char *name, int64_t lines)
{
	json_object *v;

	if (json_object_object_get_ex(totals, name, &v))
		json_object_set_int64(v, json_object_get_int64(v) + lines);
	else
		json_object_object_add(totals, name, json_object_new_int64(lines));
}

/* qsort comparator: entries by "lines", descending, then by name. */
static int
by_lines_desc(const void *a, const void *b)
{
	json_object *x = *(json_object *const *) a;
	json_object *y = *(json_object *const *) b;
	int64_t		lx = json_object_get_int64(json_object_object_get(x, "lines"));
	int64_t		ly = json_object_get_int64(json_object_object_get(y, "lines"));

	if (lx != ly)
		return lx < ly ? 1 : -1;
	return strcmp(json_object_get_string(json_object_object_get(x, "language")),
				  json_object_get_string(json_object_object_get(y, "language")));
}

/*
 * Turn {language: lines} into a sorted array of {"language", "lines"} and,
 * when of_total is given, "share" of that language's lines in the repository.
 */
static json_object *
language_array(json_object *totals, json_object *of_total)
{
	json_object *arr = json_object_new_array();

	json_object_object_foreach(totals, name, v)
	{
		json_object *e = json_object_new_object();
		int64_t		lines = json_object_get_int64(v);

		json_object_object_add(e, "language", json_object_new_string(name));
		json_object_object_add(e, "lines", json_object_new_int64(lines));
		if (of_total)
		{
			int64_t		all = json_object_get_int64(json_object_object_get(of_total, name));

			json_object_object_add(e, "share",
								   json_object_new_double(all > 0 ? (double) lines / all : 0.0));
		}
		json_object_array_add(arr, e);
	}
	json_object_array_sort(arr, by_lines_desc);
	return arr;
}

/* Add "by_language" to the user and to every author of doc. */
static void
add_language_split(json_object *doc, json_object *path_language)
{
	json_object *files,
			   *authors,
			   *user;
	json_object *repo_totals = json_object_new_object();
	json_object *user_totals = json_object_new_object();
	json_object *per_author = json_object_new_object();	/* email -> {lang: lines} */

	if (!json_object_object_get_ex(doc, "files", &files) || !json_object_is_type(files, json_type_array))
		goto done;
	for (size_t i = 0; i < json_object_array_length(files); i++)
	{
		json_object *f = json_object_array_get_idx(files, i);
		json_object *lang = NULL,
				   *fa;
		const char *name = "Other";
		json_object *cls;

		/* only the headline's lines (an analysis/1 document has no class) */
		if (json_object_object_get_ex(f, "class", &cls) &&
			strcmp(json_object_get_string(cls), "code") != 0)
			continue;
		if (json_object_object_get_ex(path_language,
									  json_object_get_string(json_object_object_get(f, "path")), &lang))
			name = json_object_get_string(lang);
		add_lines(repo_totals, name, json_object_get_int64(json_object_object_get(f, "lines")));
		add_lines(user_totals, name, json_object_get_int64(json_object_object_get(f, "user_lines")));
		if (!json_object_object_get_ex(f, "authors", &fa))
			continue;
		for (size_t k = 0; k < json_object_array_length(fa); k++)
		{
			json_object *a = json_object_array_get_idx(fa, k);
			const char *email = json_object_get_string(json_object_object_get(a, "email"));
			json_object *t;

			if (email == NULL)
				continue;
			if (!json_object_object_get_ex(per_author, email, &t))
			{
				t = json_object_new_object();
				json_object_object_add(per_author, email, t);
			}
			add_lines(t, name, json_object_get_int64(json_object_object_get(a, "lines")));
		}
	}
	if (json_object_object_get_ex(doc, "user", &user) && json_object_is_type(user, json_type_object))
	{
		/* only the languages the user wrote something in */
		json_object *mine = json_object_new_object();

		json_object_object_foreach(user_totals, lname, lines)
			if (json_object_get_int64(lines) > 0)
			add_lines(mine, lname, json_object_get_int64(lines));
		json_object_object_add(user, "by_language", language_array(mine, repo_totals));
		json_object_put(mine);
	}
	if (json_object_object_get_ex(doc, "authors", &authors) && json_object_is_type(authors, json_type_array))
		for (size_t i = 0; i < json_object_array_length(authors); i++)
		{
			json_object *a = json_object_array_get_idx(authors, i);
			json_object *t;

			if (json_object_object_get_ex(per_author,
										  json_object_get_string(json_object_object_get(a, "email")), &t))
				json_object_object_add(a, "by_language", language_array(t, repo_totals));
		}
done:
	json_object_put(repo_totals);
	json_object_put(user_totals);
	json_object_put(per_author);
}

/*
 * Scan HEAD of the repository at repo_path and add "languages", "stack" and
 * the per-language split to doc.  Returns 0, or -1 with err set.
 */
int
tree_scan_into(const char *repo_path, json_object *doc, char *err, size_t errlen)
{
	git_repository *repo = NULL;
	git_odb    *odb = NULL;
	git_object *head = NULL;
	git_commit *commit = NULL;
	git_tree   *tree = NULL;
	scan_ctx	ctx = {0};
	int			rc = -1;

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
	ctx.path_language = json_object_new_object();
	if (ctx.attrs == NULL || ctx.langs == NULL || ctx.stack == NULL || ctx.path_language == NULL)
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
	json_object_object_add(doc, "languages", lang_stats_json(ctx.langs));
	json_object_object_add(doc, "stack", stack_scan_finish(ctx.stack));
	add_language_split(doc, ctx.path_language);
	rc = 0;
done:
	json_object_put(ctx.path_language);
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
