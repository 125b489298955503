/*
 * blame.c — whole-repository blame in one history walk (see blame.h).
 *
 * Model.  An *origin* is (commit, path, blob): "these lines of this blob, as
 * the file was in this commit, still need an owner".  Each origin holds
 * *entries* (start line in the origin's blob, line count, target file).  The
 * walk starts with one origin per target at the start commit and pops commits
 * from a priority queue ordered by committer date (newest first, FIFO among
 * equal dates), as git blame does.  For a popped commit every origin is
 * handled together, which is what makes one walk cheaper than one walk per
 * file: the parent trees are looked up once per commit and identical
 * subtrees are skipped by object id.
 *
 * Rules (git blame with default options, blame.c's pass_blame):
 *  1. For each parent in order, look up the path.  If a parent holds the very
 *     same blob, every entry passes to that parent and the commit is done
 *     with the origin.  A parent whose blob equals an earlier parent's is
 *     ignored.  A parent where the path changed type (symlink/submodule <->
 *     file) gives no origin at all.
 *  2. Parents where the path does not exist (or is a directory) are searched
 *     for a rename source: the files deleted between that parent and the
 *     commit, with git's order of preference — identical blob (same basename
 *     first), else the only deleted file with the same basename if at least
 *     75 % similar, else the most similar deleted file at >= 50 % (git's
 *     similarity score: 64-byte/line chunks hashed and counted, CR of CRLF
 *     ignored, divided by the larger size).  Again an identical blob passes
 *     everything.
 *  3. Otherwise, for each parent origin in order, diff parent blob -> commit
 *     blob (libgit2 xdiff, Myers, indent heuristic, no context, after
 *     trimming the common tail as git's xdi_diff does) and pass the lines
 *     outside the hunks to the parent.  Lines left over belong to the commit.
 * The fate of a line depends only on (origin, line), so entries may be split
 * and merged freely; only counts per (target, author) are kept.
 *
 * Memory: commits are small fixed records; an origin lives only while it has
 * entries.  The blob of an origin found through a child is kept for the
 * origin's own turn while the retained total stays under a budget, otherwise
 * it is read again (libgit2's object cache usually still has it).  The
 * budget is one counter for the whole process, so parallel walks share it.
 */
#include "blame.h"
#include "util.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NONE UINT32_MAX
#define RETAIN_BUDGET (24u * 1024 * 1024)	/* process-wide, shared by all walks */
#define SCORE_MAX 60000.0
#define SCORE_RENAME BLAME_SCORE_RENAME
#define BINARY_PROBE 8000

/* One run of lines still looking for an owner. */
typedef struct bentry
{
	uint32_t	s;				/* first line (0-based) in the origin's blob */
	uint32_t	n;				/* number of lines */
	uint32_t	file;			/* blame_target.id */
} bentry;

/* A commit reached by the walk. */
typedef struct bcommit
{
	git_oid		tree;
	int64_t		time;			/* committer time: queue order */
	uint32_t	author;			/* index into the e-mail map */
	uint32_t	nparents;
	uint32_t   *parents;		/* commit node indices */
	uint32_t	origins;		/* first origin of this commit, NONE if none */
	bool		loaded;
	bool		queued;
} bcommit;

/* (commit, path, blob) with the entries that still need an owner. */
typedef struct borigin
{
	uint32_t	commit;
	uint32_t	path;
	git_oid		blob;
	uint32_t	mode;
	bentry	   *ents;
	uint32_t	n;
	uint32_t	cap;
	git_blob   *content;		/* retained blob, or NULL */
	uint32_t	next;			/* next origin of the commit / free list */
} borigin;

/* An unchanged run between a child blob and a parent blob. */
typedef struct brun
{
	uint32_t	nstart;			/* first line in the child */
	uint32_t	ostart;			/* first line in the parent */
	uint32_t	len;
} brun;

/* A file deleted between a parent and a commit: a rename source candidate. */
typedef struct bdeleted
{
	char	   *path;
	git_oid		oid;
	uint32_t	mode;
	size_t		size;			/* blob size, valid if sized */
	bool		sized;
	struct bspan *span;			/* similarity fingerprint, lazily built */
	size_t		nspan;
} bdeleted;

/* One chunk class of the similarity fingerprint: hash value and byte count. */
typedef struct bspan
{
	uint32_t	hash;
	uint32_t	cnt;
} bspan;

/* A queued commit. */
typedef struct bqitem
{
	int64_t		time;
	uint64_t	seq;
	uint32_t	commit;
} bqitem;

/* uint64 -> uint32 open-addressing map with deletion (backward shift). */
typedef struct u64map
{
	uint64_t   *keys;
	uint32_t   *vals;			/* NONE = empty slot */
	size_t		nslots;
	size_t		n;
} u64map;

/* Everything one blame_files() call works with. */
typedef struct bctx
{
	git_repository *repo;
	git_odb    *odb;
	git_mailmap *mm;
	const strmap *shallow;		/* boundary commits of a shallow clone, or NULL */
	strmap		commit_ids;		/* raw 20-byte oid -> commit index */
	bcommit    *commits;
	size_t		commits_cap;
	strmap		paths;
	borigin    *origins;
	size_t		norigins;
	size_t		origins_cap;
	uint32_t	free_origins;
	u64map		omap;			/* (commit << 32 | path) -> origin */
	bqitem	   *heap;
	size_t		nheap;
	size_t		heap_cap;
	uint64_t	seq;
	u64map		cmap;			/* (file << 32 | author) -> count row */
	blame_output *out;
	size_t		counts_cap;
	size_t		names_cap;
	size_t		retained;
	git_diff_options dopts;
	brun	   *runs;			/* scratch: runs of the current diff */
	size_t		nruns;
	size_t		runs_cap;
	char	   *err;
	size_t		errlen;
} bctx;

/* Bytes of blob content retained by every blame walk in the process. */
static atomic_size_t retained_total;

/* Account for n more (or, negative, fewer) retained bytes. */
static void
retain_account(bctx *cx, int64_t n)
{
	cx->retained += (size_t) n;
	atomic_fetch_add(&retained_total, (size_t) n);
}


/* Record an error message, appending libgit2's last error if there is one. */
static int
fail(bctx *cx, const char *what)
{
	const git_error *e = git_error_last();

	if (e && e->message)
		snprintf(cx->err, cx->errlen, "%s: %s", what, e->message);
	else
		snprintf(cx->err, cx->errlen, "%s", what);
	return -1;
}

/* Mix a 64-bit key into a table hash. */
static uint64_t
mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* Double the slot table of a u64map. */
static int
u64map_grow(u64map *m)
{
	size_t		nslots = m->nslots ? m->nslots * 2 : 1024;
	uint64_t   *keys = malloc(nslots * sizeof(uint64_t));
	uint32_t   *vals = malloc(nslots * sizeof(uint32_t));

	if (!keys || !vals)
	{
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < nslots; i++)
		vals[i] = NONE;
	for (size_t i = 0; i < m->nslots; i++)
	{
		size_t		s;

		if (m->vals[i] == NONE)
			continue;
		s = mix64(m->keys[i]) & (nslots - 1);
		while (vals[s] != NONE)
			s = (s + 1) & (nslots - 1);
		keys[s] = m->keys[i];
		vals[s] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->nslots = nslots;
	return 0;
}

/* Look a key up; NONE if absent. */
static uint32_t
u64map_get(const u64map *m, uint64_t key)
{
	if (!m->nslots)
		return NONE;
	for (size_t s = mix64(key) & (m->nslots - 1); m->vals[s] != NONE; s = (s + 1) & (m->nslots - 1))
		if (m->keys[s] == key)
			return m->vals[s];
	return NONE;
}

/* Insert a key known to be absent. */
static int
u64map_put(u64map *m, uint64_t key, uint32_t val)
{
	size_t		s;

	if ((m->n + 1) * 2 > m->nslots && u64map_grow(m) != 0)
		return -1;
	for (s = mix64(key) & (m->nslots - 1); m->vals[s] != NONE; s = (s + 1) & (m->nslots - 1))
		;
	m->keys[s] = key;
	m->vals[s] = val;
	m->n++;
	return 0;
}

/* Remove a key (if present), shifting later probes back into the hole. */
static void
u64map_del(u64map *m, uint64_t key)
{
	size_t		mask = m->nslots - 1,
				s;

	if (!m->nslots)
		return;
	for (s = mix64(key) & mask; m->vals[s] != NONE; s = (s + 1) & mask)
		if (m->keys[s] == key)
			break;
	if (m->vals[s] == NONE)
		return;
	m->vals[s] = NONE;
	m->n--;
	for (size_t j = (s + 1) & mask; m->vals[j] != NONE; j = (j + 1) & mask)
	{
		size_t		home = mix64(m->keys[j]) & mask;

		/* move j into the hole at s unless its home lies in (s, j] */
		if ((j > s && (home <= s || home > j)) || (j < s && (home <= s && home > j)))
		{
			m->keys[s] = m->keys[j];
			m->vals[s] = m->vals[j];
			m->vals[j] = NONE;
			s = j;
		}
	}
}

/* Free a u64map's arrays. */
static void
u64map_free(u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Number of lines in a buffer the way git counts them. */
uint32_t
blame_count_lines(const char *buf, size_t len)
{
	uint32_t	n = 0;
	const char *p = buf,
			   *end = buf + len;

	while (p < end && (p = memchr(p, '\n', (size_t) (end - p))) != NULL)
	{
		n++;
		p++;
	}
	if (len > 0 && buf[len - 1] != '\n')
		n++;
	return n;
}

/* True if there is a NUL byte in the first 8000 bytes (git's binary test). */
int
blame_is_binary(const char *buf, size_t len)
{
	return memchr(buf, 0, len < BINARY_PROBE ? len : BINARY_PROBE) != NULL;
}

/* Heap order: later commit date first, then earlier insertion. */
static bool
heap_before(const bqitem *a, const bqitem *b)
{
	if (a->time != b->time)
		return a->time > b->time;
	return a->seq < b->seq;
}

/* Queue a commit (already loaded). */
static int
queue_push(bctx *cx, uint32_t c)
{
	size_t		i;

	if (cx->nheap == cx->heap_cap)
	{
		size_t		cap = cx->heap_cap ? cx->heap_cap * 2 : 256;
		bqitem	   *h = realloc(cx->heap, cap * sizeof(bqitem));

		if (!h)
			return fail(cx, "out of memory");
		cx->heap = h;
		cx->heap_cap = cap;
	}
	i = cx->nheap++;
	cx->heap[i] = (bqitem)
	{
		cx->commits[c].time, cx->seq++, c
	};
	while (i > 0)
	{
		size_t		p = (i - 1) / 2;
		bqitem		t;

		if (!heap_before(&cx->heap[i], &cx->heap[p]))
			break;
		t = cx->heap[i];
		cx->heap[i] = cx->heap[p];
		cx->heap[p] = t;
		i = p;
	}
	cx->commits[c].queued = true;
	return 0;
}

/* Pop the next commit to process; NONE when the queue is empty. */
static uint32_t
queue_pop(bctx *cx)
{
	uint32_t	c;
	size_t		i = 0;

	if (cx->nheap == 0)
		return NONE;
	c = cx->heap[0].commit;
	cx->heap[0] = cx->heap[--cx->nheap];
	for (;;)
	{
		size_t		l = 2 * i + 1,
					r = l + 1,
					m = i;
		bqitem		t;

		if (l < cx->nheap && heap_before(&cx->heap[l], &cx->heap[m]))
			m = l;
		if (r < cx->nheap && heap_before(&cx->heap[r], &cx->heap[m]))
			m = r;
		if (m == i)
			break;
		t = cx->heap[i];
		cx->heap[i] = cx->heap[m];
		cx->heap[m] = t;
		i = m;
	}
	cx->commits[c].queued = false;
	return c;
}

/* Return the node index of a commit id, creating an unloaded node. */
static int64_t
commit_node(bctx *cx, const git_oid *id)
{
	size_t		before = cx->commit_ids.n;
	int64_t		c = strmap_intern(&cx->commit_ids, (const char *) id->id, GIT_OID_RAWSZ);

	if (c < 0)
		return fail(cx, "out of memory");
	if ((size_t) c >= cx->commits_cap)
	{
		size_t		cap = cx->commits_cap ? cx->commits_cap * 2 : 1024;
		bcommit    *v = realloc(cx->commits, cap * sizeof(bcommit));

		if (!v)
			return fail(cx, "out of memory");
		memset(v + cx->commits_cap, 0, (cap - cx->commits_cap) * sizeof(bcommit));
		cx->commits = v;
		cx->commits_cap = cap;
	}
	if ((size_t) c == before)
	{
		memset(&cx->commits[c], 0, sizeof(bcommit));
		cx->commits[c].origins = NONE;
	}
	return c;
}

/* Index of a (mailmapped) author e-mail, remembering the first name seen. */
static int64_t
author_index(bctx *cx, const char *name, const char *email)
{
	int64_t		a = strmap_intern(&cx->out->emails, email, strlen(email));

	if (a < 0)
		return fail(cx, "out of memory");
	if ((size_t) a >= cx->names_cap)
	{
		size_t		cap = cx->names_cap ? cx->names_cap * 2 : 64;
		char	  **v = realloc(cx->out->names, cap * sizeof(char *));

		if (!v)
			return fail(cx, "out of memory");
		memset(v + cx->names_cap, 0, (cap - cx->names_cap) * sizeof(char *));
		cx->out->names = v;
		cx->names_cap = cap;
	}
	if (!cx->out->names[a] && !(cx->out->names[a] = strdup(name)))
		return fail(cx, "out of memory");
	return a;
}

/* Read a commit's tree, date, author and parents into its node. */
static int
commit_load(bctx *cx, uint32_t c)
{
	git_commit *commit = NULL;
	const git_signature *sig;
	const char *name,
			   *email;
	uint32_t	np;
	git_oid		id;
	int64_t		a;

	if (cx->commits[c].loaded)
		return 0;
	git_oid_fromraw(&id, (const unsigned char *) strmap_key(&cx->commit_ids, c));
	if (git_commit_lookup(&commit, cx->repo, &id) != 0)
	{
		char		hex[GIT_OID_HEXSZ + 1];

		git_oid_tostr(hex, sizeof(hex), &id);
		snprintf(cx->err, cx->errlen, "could not read commit %s: %s", hex,
				 git_error_last() ? git_error_last()->message : "unknown error");
		return -1;
	}
	sig = git_commit_author(commit);
	name = sig && sig->name ? sig->name : "";
	email = sig && sig->email ? sig->email : "";
	if (cx->mm && git_mailmap_resolve(&name, &email, cx->mm, name, email) != 0)
	{
		git_commit_free(commit);
		return fail(cx, "could not apply the mailmap");
	}
	a = author_index(cx, name, email);
	if (a < 0)
	{
		git_commit_free(commit);
		return -1;
	}
	np = git_commit_parentcount(commit);
	/* a shallow clone's boundary commit is a root, as in git */
	if (cx->shallow && strmap_find(cx->shallow, (const char *) id.id, GIT_OID_RAWSZ) >= 0)
		np = 0;
	{
		uint32_t   *parents = np ? malloc(np * sizeof(uint32_t)) : NULL;
		git_oid		tree;
		int64_t		when = git_commit_time(commit);

		if (np && !parents)
		{
			git_commit_free(commit);
			return fail(cx, "out of memory");
		}
		git_oid_cpy(&tree, git_commit_tree_id(commit));
		for (uint32_t i = 0; i < np; i++)
		{
			int64_t		p = commit_node(cx, git_commit_parent_id(commit, i));

			if (p < 0)
			{
				free(parents);
				git_commit_free(commit);
				return -1;
			}
			parents[i] = (uint32_t) p;
		}
		/* commit_node may have moved cx->commits */
		cx->commits[c].tree = tree;
		cx->commits[c].time = when;
		cx->commits[c].author = (uint32_t) a;
		cx->commits[c].nparents = np;
		cx->commits[c].parents = parents;
		cx->commits[c].loaded = true;
	}
	git_commit_free(commit);
	return 0;
}

/* Find or create origin (commit, path); a new one is queued with its commit. */
static int64_t
origin_get(bctx *cx, uint32_t c, uint32_t path, const git_oid *blob, uint32_t mode)
{
	uint64_t	key = ((uint64_t) c << 32) | path;
	uint32_t	o = u64map_get(&cx->omap, key);
	borigin    *org;

	if (o != NONE)
		return o;
	if (cx->free_origins != NONE)
	{
		o = cx->free_origins;
		cx->free_origins = cx->origins[o].next;
	}
	else
	{
		if (cx->norigins == cx->origins_cap)
		{
			size_t		cap = cx->origins_cap ? cx->origins_cap * 2 : 1024;
			borigin    *v = realloc(cx->origins, cap * sizeof(borigin));

			if (!v)
				return fail(cx, "out of memory");
			cx->origins = v;
			cx->origins_cap = cap;
		}
		o = (uint32_t) cx->norigins++;
	}
	org = &cx->origins[o];
	memset(org, 0, sizeof(*org));
	org->commit = c;
	org->path = path;
	git_oid_cpy(&org->blob, blob);
	org->mode = mode;
	org->next = cx->commits[c].origins;
	cx->commits[c].origins = o;
	if (u64map_put(&cx->omap, key, o) != 0)
		return fail(cx, "out of memory");
	if (!cx->commits[c].queued)
	{
		if (commit_load(cx, c) != 0 || queue_push(cx, c) != 0)
			return -1;
	}
	return o;
}

/* Append lines [s, s+n) of target file to an origin's entries. */
static int
origin_add(bctx *cx, uint32_t o, uint32_t s, uint32_t n, uint32_t file)
{
	borigin    *org = &cx->origins[o];

	if (org->n == org->cap)
	{
		uint32_t	cap = org->cap ? org->cap * 2 : 4;
		bentry	   *v = realloc(org->ents, cap * sizeof(bentry));

		if (!v)
			return fail(cx, "out of memory");
		org->ents = v;
		org->cap = cap;
	}
	org->ents[org->n++] = (bentry)
	{
		s, n, file
	};
	return 0;
}

/* Drop an origin: free its entries and blob, forget it. */
static void
origin_release(bctx *cx, uint32_t o)
{
	borigin    *org = &cx->origins[o];

	u64map_del(&cx->omap, ((uint64_t) org->commit << 32) | org->path);
	if (org->content)
	{
		retain_account(cx, -(int64_t) git_blob_rawsize(org->content));
		git_blob_free(org->content);
	}
	free(org->ents);
	memset(org, 0, sizeof(*org));
	org->next = cx->free_origins;
	cx->free_origins = o;
}

/* Make sure an origin's blob is loaded; returns it (owned by the origin). */
static git_blob *
origin_content(bctx *cx, uint32_t o)
{
	borigin    *org = &cx->origins[o];

	if (!org->content)
	{
		if (git_blob_lookup(&org->content, cx->repo, &org->blob) != 0)
		{
			char		hex[GIT_OID_HEXSZ + 1];

			git_oid_tostr(hex, sizeof(hex), &org->blob);
			snprintf(cx->err, cx->errlen, "could not read blob %s of \"%s\": %s", hex,
					 strmap_key(&cx->paths, org->path),
					 git_error_last() ? git_error_last()->message : "unknown error");
			org->content = NULL;
			return NULL;
		}
		retain_account(cx, (int64_t) git_blob_rawsize(org->content));
	}
	return org->content;
}

/* Give a blob to an origin that has none (within the budget), else free it. */
static void
origin_offer_blob(bctx *cx, uint32_t o, git_blob *blob)
{
	borigin    *org = &cx->origins[o];

	if (!org->content && atomic_load(&retained_total) + git_blob_rawsize(blob) <= RETAIN_BUDGET)
	{
		org->content = blob;
		retain_account(cx, (int64_t) git_blob_rawsize(blob));
	}
	else
		git_blob_free(blob);
}

/* Credit n lines of a target file to a commit's author. */
static int
credit(bctx *cx, uint32_t file, uint32_t author, uint32_t n)
{
	uint64_t	key = ((uint64_t) file << 32) | author;
	uint32_t	row = u64map_get(&cx->cmap, key);
	blame_output *out = cx->out;

	if (row == NONE)
	{
		if (out->ncounts == cx->counts_cap)
		{
			size_t		cap = cx->counts_cap ? cx->counts_cap * 2 : 256;
			blame_count *v = realloc(out->counts, cap * sizeof(blame_count));

			if (!v)
				return fail(cx, "out of memory");
			out->counts = v;
			cx->counts_cap = cap;
		}
		row = (uint32_t) out->ncounts++;
		out->counts[row] = (blame_count)
		{
			file, author, 0
		};
		if (u64map_put(&cx->cmap, key, row) != 0)
			return fail(cx, "out of memory");
	}
	out->counts[row].lines += n;
	return 0;
}

/* Move every entry of origin o to parent origin p. */
static int
pass_whole(bctx *cx, uint32_t o, uint32_t p)
{
	borigin    *from = &cx->origins[o],
			   *to = &cx->origins[p];

	if (to->n == 0)
	{
		bentry	   *tmp = to->ents;

		to->ents = from->ents;
		to->n = from->n;
		to->cap = from->cap;
		from->ents = tmp;
		from->n = 0;
		from->cap = 0;
		free(from->ents);
		from->ents = NULL;
	}
	else
	{
		for (uint32_t i = 0; i < from->n; i++)
			if (origin_add(cx, p, cx->origins[o].ents[i].s, cx->origins[o].ents[i].n,
						   cx->origins[o].ents[i].file) != 0)
				return -1;
		cx->origins[o].n = 0;
	}
	/* the same blob: hand the loaded copy on */
	from = &cx->origins[o];
	to = &cx->origins[p];
	if (from->content && !to->content)
	{
		to->content = from->content;
		from->content = NULL;
	}
	return 0;
}

/* libgit2 hunk callback: turn hunks into unchanged runs. */
static int
hunk_to_runs(const git_diff_delta *delta, const git_diff_hunk *h, void *payload)
{
	bctx	   *cx = payload;
	uint32_t	nb = h->new_lines ? (uint32_t) h->new_start - 1 : (uint32_t) h->new_start;
	uint32_t	ob = h->old_lines ? (uint32_t) h->old_start - 1 : (uint32_t) h->old_start;
	brun	   *last;
	uint32_t	pn;

	(void) delta;
	/* the runs array always ends with the open run after the previous hunk */
	last = &cx->runs[cx->nruns - 1];
	pn = last->nstart;
	if (nb > pn)
	{
		last->len = nb - pn;
		if (cx->nruns == cx->runs_cap)
		{
			size_t		cap = cx->runs_cap * 2;
			brun	   *v = realloc(cx->runs, cap * sizeof(brun));

			if (!v)
				return -1;
			cx->runs = v;
			cx->runs_cap = cap;
		}
		last = &cx->runs[cx->nruns++];
	}
	last->nstart = nb + (uint32_t) h->new_lines;
	last->ostart = ob + (uint32_t) h->old_lines;
	last->len = NONE - last->nstart;
	return 0;
}

/* Length of the common tail git's xdi_diff trims before diffing with no context. */
static size_t
common_tail(const char *a, size_t alen, const char *b, size_t blen)
{
	const size_t blk = 1024;
	size_t		smaller = alen < blen ? alen : blen;
	size_t		trimmed = 0,
				recovered = 0;

	while (trimmed + blk <= smaller &&
		   memcmp(a + alen - trimmed - blk, b + blen - trimmed - blk, blk) == 0)
		trimmed += blk;
	/* give back up to and including the first newline of the trimmed part */
	while (recovered < trimmed)
		if (a[alen - trimmed + recovered++] == '\n')
			break;
	return trimmed - recovered;
}

/* Diff parent blob -> child blob into cx->runs (unchanged runs, last one open). */
static int
diff_runs(bctx *cx, git_blob *parent, git_blob *child)
{
	const char *a = git_blob_rawcontent(parent),
			   *b = git_blob_rawcontent(child);
	size_t		alen = (size_t) git_blob_rawsize(parent),
				blen = (size_t) git_blob_rawsize(child);
	size_t		tail = common_tail(a, alen, b, blen);

	if (!cx->runs_cap)
	{
		cx->runs = malloc(64 * sizeof(brun));
		if (!cx->runs)
			return fail(cx, "out of memory");
		cx->runs_cap = 64;
	}
	cx->nruns = 1;
	cx->runs[0] = (brun)
	{
		0, 0, NONE
	};
	cx->out->diffs++;
	/*
	 * git_diff_buffers hashes both buffers before diffing; with nothing to
	 * trim the blobs themselves can be diffed without that cost.
	 */
	if (tail == 0)
	{
		if (git_diff_blobs(parent, "", child, "", &cx->dopts, NULL, NULL, hunk_to_runs, NULL, cx) != 0)
			return fail(cx, "could not diff two blobs");
	}
	else if (git_diff_buffers(a, alen - tail, NULL, b, blen - tail, NULL, &cx->dopts,
							  NULL, NULL, hunk_to_runs, NULL, cx) != 0)
		return fail(cx, "could not diff two blobs");
	return 0;
}

/*
 * Pass the lines of origin o that lie in unchanged runs to parent origin
 * (parent commit pc, path pp, blob pblob); keep the rest in o.  The parent
 * origin is created only if some line passes.  *parent_out gets it or NONE.
 */
static int
pass_runs(bctx *cx, uint32_t o, uint32_t pc, uint32_t pp, const git_oid *pblob,
		  uint32_t pmode, uint32_t *parent_out)
{
	bentry	   *old = cx->origins[o].ents;
	uint32_t	nold = cx->origins[o].n;
	bentry	   *keep = NULL;
	uint32_t	nkeep = 0,
				capkeep = 0;
	int64_t		p = NONE;

	*parent_out = NONE;
	cx->origins[o].ents = NULL;
	cx->origins[o].n = cx->origins[o].cap = 0;
	for (uint32_t i = 0; i < nold; i++)
	{
		uint32_t	s = old[i].s,
					end = old[i].s + old[i].n,
					file = old[i].file;
		size_t		lo = 0,
					hi = cx->nruns;

		/* first run that ends after s */
		while (lo < hi)
		{
			size_t		mid = (lo + hi) / 2;

			if ((uint64_t) cx->runs[mid].nstart + cx->runs[mid].len <= s)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (s < end)
		{
			uint32_t	a,
						b,
						gap_end;

			if (lo < cx->nruns && cx->runs[lo].nstart < end)
			{
				a = cx->runs[lo].nstart > s ? cx->runs[lo].nstart : s;
				b = (uint64_t) cx->runs[lo].nstart + cx->runs[lo].len < end ?
					cx->runs[lo].nstart + cx->runs[lo].len : end;
				gap_end = a;
			}
			else
			{
				a = b = end;
				gap_end = end;
			}
			if (gap_end > s)
			{
				/* lines [s, gap_end) changed in this commit: keep them */
				if (nkeep == capkeep)
				{
					uint32_t	cap = capkeep ? capkeep * 2 : 8;
					bentry	   *v = realloc(keep, cap * sizeof(bentry));

					if (!v)
					{
						free(keep);
						free(old);
						return fail(cx, "out of memory");
					}
					keep = v;
					capkeep = cap;
				}
				keep[nkeep++] = (bentry)
				{
					s, gap_end - s, file
				};
			}
			if (b > a)
			{
				if (p == NONE)
				{
					p = origin_get(cx, pc, pp, pblob, pmode);
					if (p < 0)
					{
						free(keep);
						free(old);
						return -1;
					}
				}
				if (origin_add(cx, (uint32_t) p, cx->runs[lo].ostart + (a - cx->runs[lo].nstart),
							   b - a, file) != 0)
				{
					free(keep);
					free(old);
					return -1;
				}
				lo++;
			}
			s = b > gap_end ? b : gap_end;
		}
	}
	free(old);
	cx->origins[o].ents = keep;
	cx->origins[o].n = nkeep;
	cx->origins[o].cap = capkeep;
	*parent_out = (uint32_t) p;
	return 0;
}

/* What a parent has at an origin's path. */
enum pstatus
{
	P_SAME,						/* identical blob */
	P_CHANGED,					/* a different blob of the same kind */
	P_MISSING,					/* absent or a directory: look for a rename */
	P_OTHER						/* changed type: no origin in this parent */
};

/* Per (origin, parent) lookup result. */
typedef struct plookup
{
	enum pstatus st;
	git_oid		oid;
	uint32_t	mode;
} plookup;

/* Set the status of origins lo..hi-1 (indices into ov) for one parent. */
static void
mark_all(plookup *res, size_t lo, size_t hi, size_t stride, enum pstatus st)
{
	for (size_t k = lo; k < hi; k++)
		res[k * stride].st = st;
}

/*
 * Look up the paths of origins ov[lo..hi) (sorted by path, sharing the
 * directory prefix of length off) in the parent's tree ptree, skipping
 * subtrees whose id equals the commit's (ctree).  Results go to
 * res[k * stride].
 */
static int
lookup_paths(bctx *cx, git_tree *ctree, git_tree *ptree, const uint32_t *ov, size_t lo,
			 size_t hi, size_t off, plookup *res, size_t stride)
{
	size_t		i = lo;

	if (git_oid_equal(git_tree_id(ctree), git_tree_id(ptree)))
	{
		mark_all(res, lo, hi, stride, P_SAME);
		return 0;
	}
	while (i < hi)
	{
		const char *path = strmap_key(&cx->paths, cx->origins[ov[i]].path);
		const char *comp = path + off;
		const char *slash = strchr(comp, '/');
		size_t		clen = slash ? (size_t) (slash - comp) : strlen(comp);
		size_t		j = i + 1;
		char		name[4096];

		if (clen >= sizeof(name))
		{
			mark_all(res, i, i + 1, stride, P_OTHER);
			i++;
			continue;
		}
		memcpy(name, comp, clen);
		name[clen] = '\0';
		if (slash)
		{
			const git_tree_entry *pe,
					   *ce;

			while (j < hi)
			{
				const char *q = strmap_key(&cx->paths, cx->origins[ov[j]].path) + off;

				if (strncmp(q, comp, clen + 1) != 0)
					break;
				j++;
			}
			pe = git_tree_entry_byname(ptree, name);
			ce = git_tree_entry_byname(ctree, name);
			if (!pe || git_tree_entry_type(pe) != GIT_OBJECT_TREE)
				mark_all(res, i, j, stride, P_MISSING);
			else if (!ce || git_tree_entry_type(ce) != GIT_OBJECT_TREE)
				mark_all(res, i, j, stride, P_OTHER);	/* cannot happen */
			else if (git_oid_equal(git_tree_entry_id(pe), git_tree_entry_id(ce)))
				mark_all(res, i, j, stride, P_SAME);
			else
			{
				git_tree   *csub = NULL,
						   *psub = NULL;
				int			rc;

				if (git_tree_lookup(&csub, cx->repo, git_tree_entry_id(ce)) != 0 ||
					git_tree_lookup(&psub, cx->repo, git_tree_entry_id(pe)) != 0)
				{
					git_tree_free(csub);
					return fail(cx, "could not read a tree");
				}
				rc = lookup_paths(cx, csub, psub, ov, i, j, off + clen + 1, res, stride);
				git_tree_free(csub);
				git_tree_free(psub);
				if (rc != 0)
					return rc;
			}
		}
		else
		{
			const git_tree_entry *pe = git_tree_entry_byname(ptree, name);
			plookup    *r = &res[i * stride];
			borigin    *org = &cx->origins[ov[i]];

			if (!pe || git_tree_entry_type(pe) == GIT_OBJECT_TREE)
				r->st = P_MISSING;
			else
			{
				uint32_t	pm = (uint32_t) git_tree_entry_filemode(pe);

				if ((pm & S_IFMT) != (org->mode & S_IFMT))
					r->st = P_OTHER;
				else if (git_oid_equal(git_tree_entry_id(pe), &org->blob))
					r->st = P_SAME;
				else
				{
					r->st = P_CHANGED;
					git_oid_cpy(&r->oid, git_tree_entry_id(pe));
					r->mode = pm;
				}
			}
		}
		i = j;
	}
	return 0;
}

/* Collect the files of ptree that are not files in ctree (rename sources). */
static int
collect_deleted(bctx *cx, git_tree *ptree, git_tree *ctree, char *prefix, size_t plen,
				bdeleted **vec, size_t *n, size_t *cap)
{
	size_t		count = git_tree_entrycount(ptree);

	for (size_t i = 0; i < count; i++)
	{
		const git_tree_entry *pe = git_tree_entry_byindex(ptree, i);
		const char *name = git_tree_entry_name(pe);
		size_t		nlen = strlen(name);
		const git_tree_entry *ce = ctree ? git_tree_entry_byname(ctree, name) : NULL;

		if (plen + nlen + 2 > 4096)
			continue;
		memcpy(prefix + plen, name, nlen + 1);
		if (git_tree_entry_type(pe) == GIT_OBJECT_TREE)
		{
			git_tree   *psub = NULL,
					   *csub = NULL;
			int			rc;

			if (ce && git_tree_entry_type(ce) == GIT_OBJECT_TREE &&
				git_oid_equal(git_tree_entry_id(pe), git_tree_entry_id(ce)))
				continue;
			if (git_tree_lookup(&psub, cx->repo, git_tree_entry_id(pe)) != 0)
				return fail(cx, "could not read a tree");
			if (ce && git_tree_entry_type(ce) == GIT_OBJECT_TREE &&
				git_tree_lookup(&csub, cx->repo, git_tree_entry_id(ce)) != 0)
			{
				git_tree_free(psub);
				return fail(cx, "could not read a tree");
			}
			prefix[plen + nlen] = '/';
			prefix[plen + nlen + 1] = '\0';
			rc = collect_deleted(cx, psub, csub, prefix, plen + nlen + 1, vec, n, cap);
			git_tree_free(psub);
			git_tree_free(csub);
			if (rc != 0)
				return rc;
		}
		else if (!ce || git_tree_entry_type(ce) == GIT_OBJECT_TREE)
		{
			if (*n == *cap)
			{
				size_t		c2 = *cap ? *cap * 2 : 16;
				bdeleted   *v = realloc(*vec, c2 * sizeof(bdeleted));

				if (!v)
					return fail(cx, "out of memory");
				*vec = v;
				*cap = c2;
			}
			memset(&(*vec)[*n], 0, sizeof(bdeleted));
			if (!((*vec)[*n].path = strdup(prefix)))
				return fail(cx, "out of memory");
			git_oid_cpy(&(*vec)[*n].oid, git_tree_entry_id(pe));
			(*vec)[*n].mode = (uint32_t) git_tree_entry_filemode(pe);
			(*n)++;
		}
	}
	return 0;
}

/* Order fingerprint chunks by hash value. */
static int
span_cmp(const void *a, const void *b)
{
	const bspan *x = a,
			   *y = b;

	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/*
 * Fingerprint a blob for similarity the way git's rename detection does:
 * split into chunks ending at a newline or after 64 bytes (a CR before LF is
 * skipped in text), hash each chunk into 107927 classes and count the bytes
 * per class.  Returns a hash-sorted array with one row per class.
 */
static int
fingerprint(const unsigned char *buf, size_t len, bspan **out, size_t *nout)
{
	bool		text = !blame_is_binary((const char *) buf, len);
	size_t		cap = len / 16 + 16,
				n = 0;
	bspan	   *v = malloc(cap * sizeof(bspan));
	uint32_t	h1 = 0,
				h2 = 0,
				chunk = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < len; i++)
	{
		uint32_t	c = buf[i],
					prev1 = h1;

		if (text && c == '\r' && i + 1 < len && buf[i + 1] == '\n')
			continue;
		h1 = (h1 << 7) ^ (h2 >> 25);
		h2 = (h2 << 7) ^ (prev1 >> 25);
		h1 += c;
		if (++chunk < 64 && c != '\n')
			continue;
		if (n == cap)
		{
			bspan	   *w = realloc(v, (cap *= 2) * sizeof(bspan));

			if (!w)
			{
				free(v);
				return -1;
			}
			v = w;
		}
		v[n++] = (bspan)
		{
			(h1 + h2 * 0x61) % 107927, chunk
		};
		chunk = h1 = h2 = 0;
	}
	if (chunk > 0)
	{
		if (n == cap)
		{
			bspan	   *w = realloc(v, (cap += 1) * sizeof(bspan));

			if (!w)
			{
				free(v);
				return -1;
			}
			v = w;
		}
		v[n++] = (bspan)
		{
			(h1 + h2 * 0x61) % 107927, chunk
		};
	}
	qsort(v, n, sizeof(bspan), span_cmp);
	/* fold equal hashes */
	{
		size_t		m = 0;

		for (size_t i = 0; i < n; i++)
		{
			if (m > 0 && v[m - 1].hash == v[i].hash)
				v[m - 1].cnt += v[i].cnt;
			else
				v[m++] = v[i];
		}
		n = m;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Bytes of dst that also occur in src, by fingerprint class. */
static uint64_t
copied_bytes(const bspan *s, size_t ns, const bspan *d, size_t nd)
{
	uint64_t	copied = 0;
	size_t		i = 0,
				j = 0;

	while (i < ns && j < nd)
	{
		if (s[i].hash < d[j].hash)
			i++;
		else if (s[i].hash > d[j].hash)
			j++;
		else
		{
			copied += s[i].cnt < d[j].cnt ? s[i].cnt : d[j].cnt;
			i++;
			j++;
		}
	}
	return copied;
}

/* git's shortcut: sizes too far apart for the pair to reach min_score. */
static bool
sizes_rule_out(size_t slen, size_t dlen, int min_score)
{
	size_t		maxs = slen > dlen ? slen : dlen,
				mins = slen < dlen ? slen : dlen;

	return maxs == 0 || (double) maxs * (SCORE_MAX - min_score) < (double) (maxs - mins) * SCORE_MAX;
}

/* git's rename similarity of two buffers (see blame.h). */
int
blame_similarity(const char *src, size_t slen, const char *dst, size_t dlen, int min_score)
{
	size_t		maxs = slen > dlen ? slen : dlen;
	bspan	   *a = NULL,
			   *b = NULL;
	size_t		na = 0,
				nb = 0;
	int			score;

	if (sizes_rule_out(slen, dlen, min_score))
		return 0;
	if (fingerprint((const unsigned char *) src, slen, &a, &na) != 0 ||
		fingerprint((const unsigned char *) dst, dlen, &b, &nb) != 0)
	{
		free(a);
		return -1;
	}
	score = (int) ((double) copied_bytes(a, na, b, nb) * SCORE_MAX / (double) maxs);
	free(a);
	free(b);
	return score;
}

/*
 * git's similarity score (0..60000) of a deleted file against the origin's
 * blob, or 0 if the sizes differ too much for min_score.
 */
static int
similarity(bctx *cx, bdeleted *src, git_blob *dst, bspan **dspan, size_t *ndspan, int min_score)
{
	size_t		dsize = (size_t) git_blob_rawsize(dst);
	size_t		maxs;

	if (!S_ISREG(src->mode))
		return 0;
	if (!src->sized)
	{
		git_object_t type;

		if (git_odb_read_header(&src->size, &type, cx->odb, &src->oid) != 0)
			return fail(cx, "could not read a blob header");
		src->sized = true;
	}
	if (sizes_rule_out(src->size, dsize, min_score))
		return 0;
	maxs = src->size > dsize ? src->size : dsize;
	if (!*dspan && fingerprint(git_blob_rawcontent(dst), dsize, dspan, ndspan) != 0)
		return fail(cx, "out of memory");
	if (!src->span)
	{
		git_blob   *b = NULL;
		int			rc;

		if (git_blob_lookup(&b, cx->repo, &src->oid) != 0)
			return fail(cx, "could not read a blob");
		rc = fingerprint(git_blob_rawcontent(b), (size_t) git_blob_rawsize(b), &src->span, &src->nspan);
		git_blob_free(b);
		if (rc != 0)
			return fail(cx, "out of memory");
	}
	return (int) ((double) copied_bytes(src->span, src->nspan, *dspan, *ndspan) * SCORE_MAX / (double) maxs);
}

/*
 * Choose the rename source for origin o among the deleted files, git's way.
 * Returns the index in del, -2 for none, -1 on error.
 */
static int64_t
find_rename(bctx *cx, uint32_t o, bdeleted *del, size_t ndel)
{
	const char *dpath = strmap_key(&cx->paths, cx->origins[o].path);
	const char *dbase = path_base_name(dpath);
	int64_t		best = -2;
	int			best_score = -1;
	git_blob   *dst;
	bspan	   *dspan = NULL;
	size_t		ndspan = 0,
				same_base = 0;
	int64_t		base_src = -2;

	cx->out->rename_searches++;
	/* 1. identical content, a source with the same basename first */
	for (size_t i = 0; i < ndel; i++)
	{
		int			score;

		if (!git_oid_equal(&del[i].oid, &cx->origins[o].blob))
			continue;
		if ((!S_ISREG(del[i].mode) || !S_ISREG(cx->origins[o].mode)) && del[i].mode != cx->origins[o].mode)
			continue;
		score = 1 + (strcmp(path_base_name(del[i].path), dbase) == 0);
		if (score > best_score)
		{
			best = (int64_t) i;
			best_score = score;
			if (score == 2)
				break;
		}
	}
	if (best >= 0)
		return best;
	if (!(dst = origin_content(cx, o)))
		return -1;
	/* 2. the one deleted file with the same basename, if >= 75 % similar */
	for (size_t i = 0; i < ndel; i++)
		if (strcmp(path_base_name(del[i].path), dbase) == 0)
		{
			same_base++;
			base_src = (int64_t) i;
		}
	if (same_base == 1)
	{
		int			min_base = SCORE_RENAME + (int) (0.5 * (SCORE_MAX - SCORE_RENAME));
		int			score = similarity(cx, &del[base_src], dst, &dspan, &ndspan, min_base);

		if (score < 0)
		{
			free(dspan);
			return -1;
		}
		if (score >= min_base)
		{
			free(dspan);
			return base_src;
		}
	}
	/* 3. the most similar deleted file at >= 50 %; same basename breaks ties */
	best = -2;
	best_score = -1;
	{
		int			best_name = 0;

		for (size_t i = 0; i < ndel; i++)
		{
			int			score = similarity(cx, &del[i], dst, &dspan, &ndspan, SCORE_RENAME);
			int			name;

			if (score < 0)
			{
				free(dspan);
				return -1;
			}
			if (score < SCORE_RENAME)
				continue;
			name = strcmp(path_base_name(del[i].path), dbase) == 0;
			if (score > best_score || (score == best_score && name > best_name))
			{
				best = (int64_t) i;
				best_score = score;
				best_name = name;
			}
		}
	}
	free(dspan);
	return best;
}

/* Free a list of deleted files. */
static void
free_deleted(bdeleted *del, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		free(del[i].path);
		free(del[i].span);
	}
	free(del);
}

/* The context origin_path_cmp() sorts in (qsort has no argument for it). */
static __thread bctx *sort_cx;

/* Compare two origins by path. */
static int
origin_path_cmp(const void *a, const void *b)
{
	const borigin *x = &sort_cx->origins[*(const uint32_t *) a];
	const borigin *y = &sort_cx->origins[*(const uint32_t *) b];

	return strcmp(strmap_key(&sort_cx->paths, x->path), strmap_key(&sort_cx->paths, y->path));
}

/* Order entries by file, then start line. */
static int
entry_cmp(const void *a, const void *b)
{
	const bentry *x = a,
			   *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* Sort an origin's entries and merge ones that touch (same file). */
static void
coalesce(borigin *org)
{
	uint32_t	m = 0;

	bool		sorted = true;

	if (org->n < 2)
		return;
	for (uint32_t i = 1; i < org->n && sorted; i++)
		sorted = entry_cmp(&org->ents[i - 1], &org->ents[i]) <= 0;
	if (!sorted)
		qsort(org->ents, org->n, sizeof(bentry), entry_cmp);
	for (uint32_t i = 0; i < org->n; i++)
	{
		if (m > 0 && org->ents[m - 1].file == org->ents[i].file &&
			org->ents[m - 1].s + org->ents[m - 1].n == org->ents[i].s)
			org->ents[m - 1].n += org->ents[i].n;
		else
			org->ents[m++] = org->ents[i];
	}
	org->n = m;
}

/* One parent's candidate origin for the current origin ("scapegoat"). */
typedef struct scapegoat
{
	bool		set;
	uint32_t	path;
	git_oid		oid;
	uint32_t	mode;
} scapegoat;

/* Per-commit scratch shared by the origins of one commit. */
typedef struct cscratch
{
	bdeleted  **del;			/* per parent, lazily */
	size_t	   *ndel;
	bool	   *have_del;
} cscratch;

/* Lines of origin o that no parent took: credit them to its commit. */
static int
blame_rest(bctx *cx, uint32_t o)
{
	borigin    *org = &cx->origins[o];
	uint32_t	author = cx->commits[org->commit].author;

	for (uint32_t i = 0; i < org->n; i++)
		if (credit(cx, org->ents[i].file, author, org->ents[i].n) != 0)
			return -1;
	cx->origins[o].n = 0;
	return 0;
}

/* Find the deleted-file list for parent i of commit c (built once per commit). */
static int
deleted_for(bctx *cx, uint32_t c, uint32_t i, cscratch *sc)
{
	git_tree   *ptree = NULL,
			   *ctree = NULL;
	char		prefix[4096];
	size_t		cap = 0;
	int			rc;
	uint32_t	p = cx->commits[c].parents[i];

	if (sc->have_del[i])
		return 0;
	if (git_tree_lookup(&ptree, cx->repo, &cx->commits[p].tree) != 0 ||
		git_tree_lookup(&ctree, cx->repo, &cx->commits[c].tree) != 0)
	{
		git_tree_free(ptree);
		return fail(cx, "could not read a tree");
	}
	prefix[0] = '\0';
	rc = collect_deleted(cx, ptree, ctree, prefix, 0, &sc->del[i], &sc->ndel[i], &cap);
	git_tree_free(ptree);
	git_tree_free(ctree);
	sc->have_del[i] = true;
	return rc;
}

/* Apply git's pass_blame rules to one origin of commit c. */
static int
process_origin(bctx *cx, uint32_t c, uint32_t o, const plookup *look, cscratch *sc,
			   scapegoat *sg)
{
	uint32_t	np = cx->commits[c].nparents;

	coalesce(&cx->origins[o]);
	memset(sg, 0, np * sizeof(scapegoat));
	/* pass 0: same path in each parent */
	for (uint32_t i = 0; i < np; i++)
	{
		const plookup *l = &look[i];
		bool		dup = false;

		if (l->st == P_SAME)
		{
			int64_t		p = origin_get(cx, cx->commits[c].parents[i], cx->origins[o].path,
									   &cx->origins[o].blob, cx->origins[o].mode);

			return p < 0 ? -1 : pass_whole(cx, o, (uint32_t) p);
		}
		if (l->st != P_CHANGED)
			continue;
		for (uint32_t j = 0; j < i; j++)
			if (sg[j].set && git_oid_equal(&sg[j].oid, &l->oid))
				dup = true;
		if (!dup)
			sg[i] = (scapegoat)
		{
			true, cx->origins[o].path, l->oid, l->mode
		};
	}
	/* pass 1: renames, for parents that lack the path */
	for (uint32_t i = 0; i < np; i++)
	{
		int64_t		src;
		bdeleted   *d;
		int64_t		path;
		bool		dup = false;

		if (sg[i].set || look[i].st != P_MISSING)
			continue;
		if (deleted_for(cx, c, i, sc) != 0)
			return -1;
		if (sc->ndel[i] == 0)
			continue;
		src = find_rename(cx, o, sc->del[i], sc->ndel[i]);
		if (src == -1)
			return -1;
		if (src < 0)
			continue;
		d = &sc->del[i][src];
		path = strmap_intern(&cx->paths, d->path, strlen(d->path));
		if (path < 0)
			return fail(cx, "out of memory");
		cx->out->renames++;
		if (git_oid_equal(&d->oid, &cx->origins[o].blob))
		{
			int64_t		p = origin_get(cx, cx->commits[c].parents[i], (uint32_t) path, &d->oid, d->mode);

			return p < 0 ? -1 : pass_whole(cx, o, (uint32_t) p);
		}
		for (uint32_t j = 0; j < i; j++)
			if (sg[j].set && git_oid_equal(&sg[j].oid, &d->oid))
				dup = true;
		if (!dup)
			sg[i] = (scapegoat)
		{
			true, (uint32_t) path, d->oid, d->mode
		};
	}
	/* diff against each parent in order; unchanged lines pass on */
	for (uint32_t i = 0; i < np && cx->origins[o].n > 0; i++)
	{
		git_blob   *pblob = NULL,
				   *cblob;
		uint32_t	p;

		if (!sg[i].set)
			continue;
		if (!(cblob = origin_content(cx, o)))
			return -1;
		if (git_blob_lookup(&pblob, cx->repo, &sg[i].oid) != 0)
			return fail(cx, "could not read a parent blob");
		if (diff_runs(cx, pblob, cblob) != 0 ||
			pass_runs(cx, o, cx->commits[c].parents[i], sg[i].path, &sg[i].oid, sg[i].mode, &p) != 0)
		{
			git_blob_free(pblob);
			return -1;
		}
		if (p != NONE)
			origin_offer_blob(cx, p, pblob);
		else
			git_blob_free(pblob);
	}
	return blame_rest(cx, o);
}

/* Process every origin of a popped commit. */
static int
process_commit(bctx *cx, uint32_t c)
{
	uint32_t   *ov = NULL;
	size_t		nov = 0,
				cap = 0;
	uint32_t	np;
	plookup    *look = NULL;
	scapegoat  *sg = NULL;
	cscratch	sc = {0};
	git_tree   *ctree = NULL;
	int			rc = 0;

	if (commit_load(cx, c) != 0)
		return -1;
	for (uint32_t o = cx->commits[c].origins; o != NONE; o = cx->origins[o].next)
	{
		if (nov == cap)
		{
			uint32_t   *v = realloc(ov, (cap = cap ? cap * 2 : 16) * sizeof(uint32_t));

			if (!v)
			{
				free(ov);
				return fail(cx, "out of memory");
			}
			ov = v;
		}
		ov[nov++] = o;
	}
	cx->commits[c].origins = NONE;
	cx->out->commits_visited++;
	np = cx->commits[c].nparents;
	if (np == 0)
	{
		for (size_t k = 0; k < nov && rc == 0; k++)
			rc = blame_rest(cx, ov[k]);
		goto done;
	}
	sort_cx = cx;
	qsort(ov, nov, sizeof(uint32_t), origin_path_cmp);
	look = calloc(nov * np, sizeof(plookup));
	sg = calloc(np, sizeof(scapegoat));
	sc.del = calloc(np, sizeof(bdeleted *));
	sc.ndel = calloc(np, sizeof(size_t));
	sc.have_del = calloc(np, sizeof(bool));
	if (!look || !sg || !sc.del || !sc.ndel || !sc.have_del)
	{
		rc = fail(cx, "out of memory");
		goto done;
	}
	if (git_tree_lookup(&ctree, cx->repo, &cx->commits[c].tree) != 0)
	{
		rc = fail(cx, "could not read a commit tree");
		goto done;
	}
	for (uint32_t i = 0; i < np && rc == 0; i++)
	{
		uint32_t	p = cx->commits[c].parents[i];
		git_tree   *ptree = NULL;

		if (commit_load(cx, p) != 0)
		{
			rc = -1;
			break;
		}
		if (git_tree_lookup(&ptree, cx->repo, &cx->commits[p].tree) != 0)
		{
			rc = fail(cx, "could not read a parent tree");
			break;
		}
		rc = lookup_paths(cx, ctree, ptree, ov, 0, nov, 0, look + i, np);
		git_tree_free(ptree);
	}
	for (size_t k = 0; k < nov && rc == 0; k++)
		rc = process_origin(cx, c, ov[k], look + k * np, &sc, sg);
done:
	for (size_t k = 0; k < nov; k++)
		origin_release(cx, ov[k]);
	for (uint32_t i = 0; sc.del && i < np; i++)
		free_deleted(sc.del[i], sc.ndel[i]);
	free(sc.del);
	free(sc.ndel);
	free(sc.have_del);
	git_tree_free(ctree);
	free(look);
	free(sg);
	free(ov);
	return rc;
}

/* Blame ntargets files at commit start (see blame.h). */
int
blame_files(git_repository *repo, git_mailmap *mailmap, const git_oid *start,
			const blame_target *targets, size_t ntargets, const blame_hooks *hooks,
			blame_output *out, char *err, size_t errlen)
{
	bctx		cx;
	int64_t		head;
	int			rc = 0;
	uint64_t	steps = 0;

	memset(out, 0, sizeof(*out));
	strmap_init(&out->emails);
	memset(&cx, 0, sizeof(cx));
	cx.repo = repo;
	cx.mm = mailmap;
	cx.shallow = hooks ? hooks->shallow : NULL;
	cx.out = out;
	cx.err = err;
	cx.errlen = errlen;
	cx.free_origins = NONE;
	strmap_init(&cx.commit_ids);
	strmap_init(&cx.paths);
	if (git_repository_odb(&cx.odb, repo) != 0)
		return fail(&cx, "could not open the object database");
	if (git_diff_options_init(&cx.dopts, GIT_DIFF_OPTIONS_VERSION) != 0)
	{
		git_odb_free(cx.odb);
		return fail(&cx, "could not initialise diff options");
	}
	cx.dopts.flags = GIT_DIFF_FORCE_TEXT | GIT_DIFF_INDENT_HEURISTIC;
	cx.dopts.context_lines = 0;
	cx.dopts.interhunk_lines = 0;

	head = commit_node(&cx, start);
	if (head < 0 || commit_load(&cx, (uint32_t) head) != 0)
	{
		rc = -1;
		goto out;
	}
	for (size_t t = 0; t < ntargets; t++)
	{
		int64_t		path = strmap_intern(&cx.paths, targets[t].path, strlen(targets[t].path));
		int64_t		o;

		if (path < 0)
		{
			rc = fail(&cx, "out of memory");
			goto out;
		}
		if (targets[t].lines == 0)
			continue;
		o = origin_get(&cx, (uint32_t) head, (uint32_t) path, &targets[t].blob, GIT_FILEMODE_BLOB);
		if (o < 0 || origin_add(&cx, (uint32_t) o, 0, targets[t].lines, targets[t].id) != 0)
		{
			rc = -1;
			goto out;
		}
	}
	for (;;)
	{
		uint32_t	c = queue_pop(&cx);

		if (c == NONE)
			break;
		/* hooks before the first commit and every 64 after */
		if ((steps++ & 63) == 0 && hooks)
		{
			if (hooks->cancel && hooks->cancel(hooks->arg))
			{
				rc = 1;
				snprintf(err, errlen, "analysis cancelled");
				goto out;
			}
			if (hooks->progress && hooks->total_commits)
			{
				double		f = (double) steps / (double) hooks->total_commits;

				hooks->progress(f > 0.99 ? 0.99 : f, hooks->arg);
			}
		}
		if ((rc = process_commit(&cx, c)) != 0)
			goto out;
	}
out:
	for (size_t o = 0; o < cx.norigins; o++)
	{
		if (cx.origins[o].content)
			git_blob_free(cx.origins[o].content);
		free(cx.origins[o].ents);
	}
	free(cx.origins);
	atomic_fetch_sub(&retained_total, cx.retained);
	for (size_t c = 0; c < cx.commit_ids.n; c++)
		free(cx.commits[c].parents);
	free(cx.commits);
	free(cx.heap);
	free(cx.runs);
	u64map_free(&cx.omap);
	u64map_free(&cx.cmap);
	strmap_free(&cx.commit_ids);
	strmap_free(&cx.paths);
	git_odb_free(cx.odb);
	if (rc != 0)
		blame_output_free(out);
	return rc;
}

/* Free everything blame_files() put into out. */
void
blame_output_free(blame_output *out)
{
	for (size_t i = 0; i < out->emails.n; i++)
		free(out->names[i]);
	free(out->names);
	free(out->counts);
	strmap_free(&out->emails);
	memset(out, 0, sizeof(*out));
}
