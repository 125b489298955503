/*
 * history.c — per-author commit statistics (see history.h for the design).
 *
 * One revwalk, one tree-to-tree diff per non-merge commit, one git_patch per
 * changed file for the line counts.  Paths are interned once; each author
 * keeps an array of path ids that is sorted and de-duplicated at the end, so
 * memory grows with (authors x distinct paths they touched), not with history.
 */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Record an error message with libgit2's last error appended. */
static int
hfail(char *err, size_t errlen, const char *what)
{
	const git_error *e = git_error_last();

	if (e && e->message)
		snprintf(err, errlen, "%s: %s", what, e->message);
	else
		snprintf(err, errlen, "%s", what);
	return -1;
}

/* Order path ids. */
static int
u32_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* Sort an author's path ids and drop duplicates. */
static void
dedupe_paths(history_author *a)
{
	uint32_t	m = 0;

	if (a->npaths < 2)
		return;
	qsort(a->paths, a->npaths, sizeof(uint32_t), u32_cmp);
	for (uint32_t i = 0; i < a->npaths; i++)
		if (m == 0 || a->paths[m - 1] != a->paths[i])
			a->paths[m++] = a->paths[i];
	a->npaths = m;
}

/* Add a path id to an author's touched set (duplicates folded now and then). */
static int
touch_path(history_author *a, uint32_t path)
{
	if (a->npaths && a->paths[a->npaths - 1] == path)
		return 0;
	if (a->npaths == a->cap)
	{
		uint32_t	before = a->npaths;

		dedupe_paths(a);
		if (a->npaths > before / 2 || a->cap == 0)
		{
			uint32_t	cap = a->cap ? a->cap * 2 : 16;
			uint32_t   *v = realloc(a->paths, cap * sizeof(uint32_t));

			if (!v)
				return -1;
			a->paths = v;
			a->cap = cap;
		}
	}
	a->paths[a->npaths++] = path;
	return 0;
}

/* Find or add the author record for a mailmapped identity. */
static history_author *
author_for(history_output *out, const char *name, const char *email, int64_t when)
{
	int64_t		i = strmap_intern(&out->emails, email, strlen(email));
	history_author *a;

	if (i < 0)
		return NULL;
	if ((size_t) i >= out->authors_cap)
	{
		size_t		cap = out->authors_cap ? out->authors_cap * 2 : 64;
		history_author *v = realloc(out->authors, cap * sizeof(history_author));

		if (!v)
			return NULL;
		memset(v + out->authors_cap, 0, (cap - out->authors_cap) * sizeof(history_author));
		out->authors = v;
		out->authors_cap = cap;
	}
	a = &out->authors[i];
	if (!a->name || when > a->name_time)
	{
		char	   *n = strdup(name);

		if (!n)
			return NULL;
		free(a->name);
		a->name = n;
		a->name_time = when;
	}
	return a;
}

/* Add one non-merge commit's diff to its author's totals. */
static int
scan_commit(git_repository *repo, git_mailmap *mm, git_commit *commit, history_output *out,
			char *err, size_t errlen)
{
	const git_signature *sig = git_commit_author(commit);
	const char *name = sig && sig->name ? sig->name : "";
	const char *email = sig && sig->email ? sig->email : "";
	int64_t		when = sig ? (int64_t) sig->when.time : 0;
	history_author *a;
	git_tree   *tree = NULL,
			   *ptree = NULL;
	git_commit *parent = NULL;
	git_diff   *diff = NULL;
	git_diff_options dopts;
	git_diff_find_options fopts;
	size_t		nd;
	int			rc = -1;

	if (mm && git_mailmap_resolve(&name, &email, mm, name, email) != 0)
		return hfail(err, errlen, "could not apply the mailmap");
	if (!(a = author_for(out, name, email, when)))
		return hfail(err, errlen, "out of memory");
	a->commits++;
	if (a->commits == 1 || when < a->first)
		a->first = when;
	if (a->commits == 1 || when > a->last)
		a->last = when;

	if (git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION) != 0 ||
		git_diff_find_options_init(&fopts, GIT_DIFF_FIND_OPTIONS_VERSION) != 0)
		return hfail(err, errlen, "could not initialise diff options");
	dopts.context_lines = 0;
	dopts.interhunk_lines = 0;
	dopts.flags = GIT_DIFF_INDENT_HEURISTIC;
	fopts.flags = GIT_DIFF_FIND_RENAMES;

	if (git_commit_tree(&tree, commit) != 0)
	{
		hfail(err, errlen, "could not read a commit tree");
		goto done;
	}
	if (git_commit_parentcount(commit) == 1)
	{
		if (git_commit_parent(&parent, commit, 0) != 0 || git_commit_tree(&ptree, parent) != 0)
		{
			hfail(err, errlen, "could not read a parent commit");
			goto done;
		}
	}
	if (git_diff_tree_to_tree(&diff, repo, ptree, tree, &dopts) != 0 ||
		git_diff_find_similar(diff, &fopts) != 0)
	{
		hfail(err, errlen, "could not diff a commit against its parent");
		goto done;
	}
	nd = git_diff_num_deltas(diff);
	for (size_t i = 0; i < nd; i++)
	{
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *path = d->status == GIT_DELTA_DELETED ? d->old_file.path : d->new_file.path;
		int64_t		pid = strmap_intern(&out->paths, path, strlen(path));
		git_patch  *patch = NULL;

		if (pid < 0 || touch_path(a, (uint32_t) pid) != 0)
		{
			hfail(err, errlen, "out of memory");
			goto done;
		}
		if (git_patch_from_diff(&patch, diff, i) != 0)
		{
			hfail(err, errlen, "could not diff a changed file");
			goto done;
		}
		if (patch)
		{
			size_t		adds = 0,
						dels = 0;

			if (git_patch_line_stats(NULL, &adds, &dels, patch) != 0)
			{
				git_patch_free(patch);
				hfail(err, errlen, "could not count changed lines");
				goto done;
			}
			a->additions += adds;
			a->deletions += dels;
			git_patch_free(patch);
		}
	}
	rc = 0;
done:
	git_diff_free(diff);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(parent);
	return rc;
}

/* Count the commits reachable from start (merges included); -1 on error. */
int64_t
history_count_commits(git_repository *repo, const git_oid *start)
{
	git_revwalk *walk = NULL;
	git_oid		id;
	int64_t		n = 0;
	int			rc;

	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_push(walk, start) != 0)
	{
		git_revwalk_free(walk);
		return -1;
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0)
		n++;
	git_revwalk_free(walk);
	return rc == GIT_ITEROVER ? n : -1;
}

/* Scan the history of start (see history.h). */
int
history_scan(git_repository *repo, git_mailmap *mailmap, const git_oid *start,
			 const blame_hooks *hooks, history_output *out, char *err, size_t errlen)
{
	git_revwalk *walk = NULL;
	git_oid		id;
	int			rc;

	memset(out, 0, sizeof(*out));
	strmap_init(&out->emails);
	strmap_init(&out->paths);
	if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_push(walk, start) != 0)
	{
		git_revwalk_free(walk);
		return hfail(err, errlen, "could not walk the history");
	}
	while ((rc = git_revwalk_next(&id, walk)) == 0)
	{
		git_commit *commit = NULL;

		out->commits++;
		if (hooks && (out->commits & 63) == 0)
		{
			if (hooks->cancel && hooks->cancel(hooks->arg))
			{
				git_revwalk_free(walk);
				snprintf(err, errlen, "analysis cancelled");
				history_output_free(out);
				return 1;
			}
			if (hooks->progress && hooks->total_commits)
			{
				double		f = (double) out->commits / (double) hooks->total_commits;

				hooks->progress(f > 1.0 ? 1.0 : f, hooks->arg);
			}
		}
		if (git_commit_lookup(&commit, repo, &id) != 0)
		{
			rc = hfail(err, errlen, "could not read a commit");
			break;
		}
		if (git_commit_parentcount(commit) > 1)
			out->merges++;
		else if (scan_commit(repo, mailmap, commit, out, err, errlen) != 0)
		{
			git_commit_free(commit);
			rc = -1;
			break;
		}
		git_commit_free(commit);
	}
	git_revwalk_free(walk);
	if (rc != GIT_ITEROVER)
	{
		if (rc != -1)
			hfail(err, errlen, "could not walk the history");
		history_output_free(out);
		return -1;
	}
	for (size_t i = 0; i < out->emails.n; i++)
		dedupe_paths(&out->authors[i]);
	return 0;
}

/* Free everything history_scan() put into out. */
void
history_output_free(history_output *out)
{
	for (size_t i = 0; i < out->emails.n; i++)
	{
		free(out->authors[i].name);
		free(out->authors[i].paths);
	}
	free(out->authors);
	strmap_free(&out->emails);
	strmap_free(&out->paths);
	memset(out, 0, sizeof(*out));
}
