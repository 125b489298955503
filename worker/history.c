/*
 * history.c — per-author commit statistics (see history.h for the design).
 *
 * Its own depth-first commit walk (libgit2 1.5's revwalk cannot stop at a
 * shallow clone's boundary), its own tree diff that skips subtrees with
 * equal ids, rename pairing with git's similarity score (blame.c), and line
 * counts from git_diff_blobs hunks (blobs, not buffers, so nothing is hashed;
 * empty path names, so no .gitattributes lookups).  Paths are interned once;
 * each author keeps an array of path ids, sorted and de-duplicated now and
 * then, so memory grows with (authors x distinct paths they touched), not
 * with the length of the history.
 */
#include "history.h"
#include "util.h"

#include <stdbool.h>
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

/* One changed path between a parent tree and a commit tree. */
typedef struct hchange
{
	char	   *path;
	git_oid		old;			/* valid if has_old */
	git_oid		new;			/* valid if has_new */
	bool		has_old;
	bool		has_new;
	bool		paired;			/* used as a rename source/destination */
} hchange;

/* A growable list of changes. */
typedef struct hchanges
{
	hchange    *v;
	size_t		n;
	size_t		cap;
} hchanges;

/* Append a change; the path is copied. */
static int
add_change(hchanges *c, const char *path, const git_oid *old, const git_oid *new)
{
	if (c->n == c->cap)
	{
		size_t		cap = c->cap ? c->cap * 2 : 16;
		hchange    *v = realloc(c->v, cap * sizeof(hchange));

		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	memset(&c->v[c->n], 0, sizeof(hchange));
	if (!(c->v[c->n].path = strdup(path)))
		return -1;
	if (old)
	{
		git_oid_cpy(&c->v[c->n].old, old);
		c->v[c->n].has_old = true;
	}
	if (new)
	{
		git_oid_cpy(&c->v[c->n].new, new);
		c->v[c->n].has_new = true;
	}
	c->n++;
	return 0;
}

/* True for tree entries whose content is a blob (files and symlinks). */
static bool
is_blob(const git_tree_entry *e)
{
	return e && git_tree_entry_type(e) == GIT_OBJECT_BLOB;
}

/*
 * Diff two trees (either may be NULL) into changes, skipping subtrees with
 * equal ids: files only in a are deletions, only in b additions, in both
 * with different blobs modifications.  prefix holds the directory path.
 */
static int
diff_trees(git_repository *repo, git_tree *a, git_tree *b, char *prefix, size_t plen, hchanges *out)
{
	size_t		na = a ? git_tree_entrycount(a) : 0,
				nb = b ? git_tree_entrycount(b) : 0;

	/* pass 1: entries of a (deleted, modified, or trees to descend) */
	for (size_t i = 0; i < na + nb; i++)
	{
		bool		from_a = i < na;
		const git_tree_entry *e = from_a ? git_tree_entry_byindex(a, i) : git_tree_entry_byindex(b, i - na);
		const char *name = git_tree_entry_name(e);
		const git_tree_entry *other = from_a ? (b ? git_tree_entry_byname(b, name) : NULL)
			: (a ? git_tree_entry_byname(a, name) : NULL);
		size_t		nlen = strlen(name);

		if (plen + nlen + 2 > 4096)
			continue;
		memcpy(prefix + plen, name, nlen + 1);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		{
			git_tree   *sub = NULL,
					   *osub = NULL;
			bool		other_tree = other && git_tree_entry_type(other) == GIT_OBJECT_TREE;
			int			rc;

			/* a tree present on both sides is descended once, from a */
			if (!from_a && other_tree)
				continue;
			if (other_tree && git_oid_equal(git_tree_entry_id(e), git_tree_entry_id(other)))
				continue;
			if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) != 0 ||
				(other_tree && git_tree_lookup(&osub, repo, git_tree_entry_id(other)) != 0))
			{
				git_tree_free(sub);
				return -1;
			}
			prefix[plen + nlen] = '/';
			prefix[plen + nlen + 1] = '\0';
			rc = from_a ? diff_trees(repo, sub, osub, prefix, plen + nlen + 1, out)
				: diff_trees(repo, NULL, sub, prefix, plen + nlen + 1, out);
			git_tree_free(sub);
			git_tree_free(osub);
			if (rc != 0)
				return rc;
		}
		else if (is_blob(e))
		{
			if (from_a)
			{
				if (!is_blob(other))
				{
					if (add_change(out, prefix, git_tree_entry_id(e), NULL) != 0)
						return -1;
				}
				else if (!git_oid_equal(git_tree_entry_id(e), git_tree_entry_id(other)))
				{
					if (add_change(out, prefix, git_tree_entry_id(e), git_tree_entry_id(other)) != 0)
						return -1;
				}
			}
			else if (!is_blob(other))
			{
				if (add_change(out, prefix, NULL, git_tree_entry_id(e)) != 0)
					return -1;
			}
		}
	}
	return 0;
}

/* A candidate rename pair with its score. */
typedef struct hpair
{
	size_t		del;
	size_t		add;
	int			score;
	int			same_base;
} hpair;

/* Best pairs first: score, then same basename, then order. */
static int
hpair_cmp(const void *x, const void *y)
{
	const hpair *a = x,
			   *b = y;

	if (a->score != b->score)
		return a->score < b->score ? 1 : -1;
	if (a->same_base != b->same_base)
		return a->same_base < b->same_base ? 1 : -1;
	if (a->add != b->add)
		return a->add < b->add ? -1 : 1;
	return a->del < b->del ? -1 : a->del > b->del;
}

#define HISTORY_RENAME_LIMIT 100	/* inexact rename search only below this many adds x deletes */

/*
 * Pair deletions with additions as renames: identical blobs first (same
 * basename preferred), then by similarity >= 50 %, best pairs first.  A pair
 * becomes one modification (old blob of the deletion, new of the addition).
 */
static int
pair_renames(git_repository *repo, hchanges *c)
{
	size_t		ndel = 0,
				nadd = 0;
	hpair	   *pairs = NULL;
	size_t		npairs = 0,
				cap = 0;

	for (size_t i = 0; i < c->n; i++)
	{
		ndel += c->v[i].has_old && !c->v[i].has_new;
		nadd += c->v[i].has_new && !c->v[i].has_old;
	}
	if (!ndel || !nadd)
		return 0;
	/* exact */
	for (size_t a = 0; a < c->n; a++)
	{
		size_t		best = SIZE_MAX;

		if (!c->v[a].has_new || c->v[a].has_old)
			continue;
		for (size_t d = 0; d < c->n; d++)
		{
			if (!c->v[d].has_old || c->v[d].has_new || c->v[d].paired ||
				!git_oid_equal(&c->v[d].old, &c->v[a].new))
				continue;
			if (best == SIZE_MAX)
				best = d;
			if (strcmp(path_base_name(c->v[d].path), path_base_name(c->v[a].path)) == 0)
			{
				best = d;
				break;
			}
		}
		if (best != SIZE_MAX)
		{
			c->v[best].paired = c->v[a].paired = true;
			git_oid_cpy(&c->v[a].old, &c->v[best].old);
			c->v[a].has_old = true;
		}
	}
	/* similar */
	ndel = nadd = 0;
	for (size_t i = 0; i < c->n; i++)
	{
		ndel += c->v[i].has_old && !c->v[i].has_new && !c->v[i].paired;
		nadd += c->v[i].has_new && !c->v[i].has_old;
	}
	if (!ndel || !nadd || ndel * nadd > HISTORY_RENAME_LIMIT * HISTORY_RENAME_LIMIT)
		return 0;
	for (size_t a = 0; a < c->n; a++)
	{
		git_blob   *ab = NULL;

		if (!c->v[a].has_new || c->v[a].has_old)
			continue;
		if (git_blob_lookup(&ab, repo, &c->v[a].new) != 0)
			goto fail;
		for (size_t d = 0; d < c->n; d++)
		{
			git_blob   *db = NULL;
			int			score;

			if (!c->v[d].has_old || c->v[d].has_new || c->v[d].paired)
				continue;
			if (git_blob_lookup(&db, repo, &c->v[d].old) != 0)
			{
				git_blob_free(ab);
				goto fail;
			}
			score = blame_similarity(git_blob_rawcontent(db), (size_t) git_blob_rawsize(db),
									 git_blob_rawcontent(ab), (size_t) git_blob_rawsize(ab),
									 BLAME_SCORE_RENAME);
			git_blob_free(db);
			if (score < 0)
			{
				git_blob_free(ab);
				goto fail;
			}
			if (score < BLAME_SCORE_RENAME)
				continue;
			if (npairs == cap)
			{
				hpair	   *v = realloc(pairs, (cap = cap ? cap * 2 : 16) * sizeof(hpair));

				if (!v)
				{
					git_blob_free(ab);
					goto fail;
				}
				pairs = v;
			}
			pairs[npairs++] = (hpair)
			{
				d, a, score, strcmp(path_base_name(c->v[d].path), path_base_name(c->v[a].path)) == 0
			};
		}
		git_blob_free(ab);
	}
	if (npairs > 1)				/* qsort(NULL, 0, ...) is undefined */
		qsort(pairs, npairs, sizeof(hpair), hpair_cmp);
	for (size_t i = 0; i < npairs; i++)
	{
		hchange    *d = &c->v[pairs[i].del],
				   *a = &c->v[pairs[i].add];

		if (d->paired || a->has_old)
			continue;
		d->paired = true;
		a->paired = true;
		git_oid_cpy(&a->old, &d->old);
		a->has_old = true;
	}
	free(pairs);
	return 0;
fail:
	free(pairs);
	return -1;
}

/* libgit2 hunk callback: add a hunk's line counts to the running totals. */
static int
count_hunk(const git_diff_delta *delta, const git_diff_hunk *h, void *payload)
{
	size_t	   *counts = payload;

	(void) delta;
	counts[0] += (size_t) h->new_lines;
	counts[1] += (size_t) h->old_lines;
	return 0;
}

/* Added and deleted lines of one change (binary content counts none). */
static int
count_change(git_repository *repo, const hchange *ch, const git_diff_options *dopts,
			 size_t *adds, size_t *dels)
{
	git_blob   *ob = NULL,
			   *nb = NULL;
	size_t		counts[2] = {0, 0};
	int			rc = 0;

	*adds = *dels = 0;
	if ((ch->has_old && git_blob_lookup(&ob, repo, &ch->old) != 0) ||
		(ch->has_new && git_blob_lookup(&nb, repo, &ch->new) != 0))
	{
		git_blob_free(ob);
		return -1;
	}
	if ((ob && blame_is_binary(git_blob_rawcontent(ob), (size_t) git_blob_rawsize(ob))) ||
		(nb && blame_is_binary(git_blob_rawcontent(nb), (size_t) git_blob_rawsize(nb))))
		goto out;
	if (!ob)
		*adds = blame_count_lines(git_blob_rawcontent(nb), (size_t) git_blob_rawsize(nb));
	else if (!nb)
		*dels = blame_count_lines(git_blob_rawcontent(ob), (size_t) git_blob_rawsize(ob));
	else if (!git_oid_equal(&ch->old, &ch->new))
	{
		/* blobs, not buffers: git_diff_buffers would SHA-1 both sides first */
		rc = git_diff_blobs(ob, "", nb, "", dopts, NULL, NULL, count_hunk, NULL, counts);
		*adds = counts[0];
		*dels = counts[1];
	}
out:
	git_blob_free(ob);
	git_blob_free(nb);
	return rc;
}

/* Add one non-merge commit's diff to its author's totals. */
static int
scan_commit(git_repository *repo, git_mailmap *mm, git_commit *commit, unsigned nparents,
			history_output *out, const git_diff_options *dopts, char *err, size_t errlen)
{
	const git_signature *sig = git_commit_author(commit);
	const char *name = sig && sig->name ? sig->name : "";
	const char *email = sig && sig->email ? sig->email : "";
	int64_t		when = sig ? (int64_t) sig->when.time : 0;
	history_author *a;
	git_tree   *tree = NULL,
			   *ptree = NULL;
	git_commit *parent = NULL;
	hchanges	ch = {0};
	char		prefix[4096];
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

	if (git_commit_tree(&tree, commit) != 0)
	{
		hfail(err, errlen, "could not read a commit tree");
		goto done;
	}
	if (nparents == 1 &&
		(git_commit_parent(&parent, commit, 0) != 0 || git_commit_tree(&ptree, parent) != 0))
	{
		hfail(err, errlen, "could not read a parent commit");
		goto done;
	}
	prefix[0] = '\0';
	if (diff_trees(repo, ptree, tree, prefix, 0, &ch) != 0 || pair_renames(repo, &ch) != 0)
	{
		hfail(err, errlen, "could not diff a commit against its parent");
		goto done;
	}
	for (size_t i = 0; i < ch.n; i++)
	{
		const hchange *c = &ch.v[i];
		int64_t		pid;
		size_t		adds,
					dels;

		if (c->paired && !c->has_new)
			continue;			/* the deleted side of a rename */
		pid = strmap_intern(&out->paths, c->path, strlen(c->path));
		if (pid < 0 || touch_path(a, (uint32_t) pid) != 0)
		{
			hfail(err, errlen, "out of memory");
			goto done;
		}
		if (count_change(repo, c, dopts, &adds, &dels) != 0)
		{
			hfail(err, errlen, "could not diff a changed file");
			goto done;
		}
		a->additions += adds;
		a->deletions += dels;
	}
	rc = 0;
done:
	for (size_t i = 0; i < ch.n; i++)
		free(ch.v[i].path);
	free(ch.v);
	git_tree_free(tree);
	git_tree_free(ptree);
	git_commit_free(parent);
	return rc;
}

/* A depth-first walk over every commit reachable from a start, shallow-aware. */
typedef struct hwalk
{
	git_repository *repo;
	const strmap *shallow;
	strmap		seen;			/* raw ids already queued */
	git_oid    *stack;
	size_t		n;
	size_t		cap;
} hwalk;

/* Queue a commit id unless it was queued before. */
static int
hwalk_push(hwalk *w, const git_oid *id)
{
	size_t		before = w->seen.n;

	if (strmap_intern(&w->seen, (const char *) id->id, GIT_OID_RAWSZ) < 0)
		return -1;
	if (w->seen.n == before)
		return 0;
	if (w->n == w->cap)
	{
		size_t		cap = w->cap ? w->cap * 2 : 256;
		git_oid    *v = realloc(w->stack, cap * sizeof(git_oid));

		if (!v)
			return -1;
		w->stack = v;
		w->cap = cap;
	}
	git_oid_cpy(&w->stack[w->n++], id);
	return 0;
}

/* Start a walk at start. */
static int
hwalk_init(hwalk *w, git_repository *repo, const git_oid *start, const strmap *shallow)
{
	memset(w, 0, sizeof(*w));
	w->repo = repo;
	w->shallow = shallow;
	strmap_init(&w->seen);
	return hwalk_push(w, start);
}

/* True if a commit is a shallow boundary (its parents are not in the repository). */
static bool
is_shallow(const strmap *shallow, const git_oid *id)
{
	return shallow && strmap_find(shallow, (const char *) id->id, GIT_OID_RAWSZ) >= 0;
}

/*
 * Next commit of the walk (the caller frees it) and its parent count as git
 * sees it (0 for a shallow boundary).  Returns 0, 1 at the end, -1 on error.
 * The order is fixed for a given history, so shards agree on it.
 */
static int
hwalk_next(hwalk *w, git_commit **out, unsigned *nparents)
{
	git_oid		id;
	unsigned	np;

	if (w->n == 0)
		return 1;
	git_oid_cpy(&id, &w->stack[--w->n]);
	if (git_commit_lookup(out, w->repo, &id) != 0)
		return -1;
	np = is_shallow(w->shallow, &id) ? 0 : git_commit_parentcount(*out);
	/* push in reverse so the first parent comes out first */
	for (unsigned i = np; i > 0; i--)
		if (hwalk_push(w, git_commit_parent_id(*out, i - 1)) != 0)
		{
			git_commit_free(*out);
			*out = NULL;
			return -1;
		}
	*nparents = np;
	return 0;
}

/* Free a walk. */
static void
hwalk_free(hwalk *w)
{
	strmap_free(&w->seen);
	free(w->stack);
}

/* Read a shallow clone's boundary commits (see history.h). */
int
history_read_shallow(git_repository *repo, strmap *set)
{
	const char *gitdir = git_repository_path(repo);
	char	   *path;
	FILE	   *f;
	char		line[128];
	int			rc = 0;

	if (!gitdir || !(path = malloc(strlen(gitdir) + sizeof("shallow"))))
		return -1;
	sprintf(path, "%sshallow", gitdir);
	f = fopen(path, "r");
	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
	{
		git_oid		id;

		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		if (git_oid_fromstr(&id, line) != 0 ||
			strmap_intern(set, (const char *) id.id, GIT_OID_RAWSZ) < 0)
		{
			rc = -1;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Count the commits reachable from start (merges included); -1 on error. */
int64_t
history_count_commits(git_repository *repo, const git_oid *start, const strmap *shallow)
{
	hwalk		w;
	git_commit *c;
	unsigned	np;
	int64_t		n = 0;
	int			rc;

	if (hwalk_init(&w, repo, start, shallow) != 0)
	{
		hwalk_free(&w);
		return -1;
	}
	while ((rc = hwalk_next(&w, &c, &np)) == 0)
	{
		git_commit_free(c);
		n++;
	}
	hwalk_free(&w);
	return rc == 1 ? n : -1;
}

/* Scan the history of start (see history.h). */
int
history_scan(git_repository *repo, git_mailmap *mailmap, const git_oid *start,
			 unsigned shard, unsigned nshards, const blame_hooks *hooks, history_output *out,
			 char *err, size_t errlen)
{
	hwalk		w;
	git_commit *commit = NULL;
	unsigned	np;
	int			rc;
	git_diff_options dopts;

	memset(out, 0, sizeof(*out));
	strmap_init(&out->emails);
	strmap_init(&out->paths);
	if (git_diff_options_init(&dopts, GIT_DIFF_OPTIONS_VERSION) != 0)
		return hfail(err, errlen, "could not initialise diff options");
	dopts.flags = GIT_DIFF_FORCE_TEXT;
	dopts.context_lines = 0;
	dopts.interhunk_lines = 0;
	if (hwalk_init(&w, repo, start, hooks ? hooks->shallow : NULL) != 0)
	{
		hwalk_free(&w);
		return hfail(err, errlen, "out of memory");
	}
	while ((rc = hwalk_next(&w, &commit, &np)) == 0)
	{
		uint64_t	index = out->commits;

		/* hooks before the first commit and every 64 after */
		if ((out->commits++ & 63) == 0 && hooks)
		{
			if (hooks->cancel && hooks->cancel(hooks->arg))
			{
				git_commit_free(commit);
				hwalk_free(&w);
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
		if (np > 1)
			out->merges++;
		else if (nshards > 1 && index % nshards != shard)
			;					/* another shard's commit */
		else if (scan_commit(repo, mailmap, commit, np, out, &dopts, err, errlen) != 0)
		{
			git_commit_free(commit);
			rc = -2;
			break;
		}
		git_commit_free(commit);
	}
	hwalk_free(&w);
	if (rc != 1)
	{
		if (rc == -1)
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
