/*
 * analysis.c — the analysis driver (see analysis.h for the API and design).
 *
 * Stages: open (repository, HEAD, branch), scan (files at HEAD: text files
 * become blame targets, binary files/symlinks/submodules are listed as
 * skipped), blame + history (threads, each with its own git_repository and
 * mailmap), merge (one author per person: mailmapped e-mails merged
 * case-insensitively, GitHub noreply forms of one login merged).
 *
 * Every text file is also classified with Linguist's rules (languages.c, the
 * same classifier as the languages section, with the commit's
 * .gitattributes): code, documentation, vendored, generated or binary (a file
 * git calls text that Linguist calls binary, e.g. an Illustrator file).  All
 * of them are blamed; only code lines make the headline "lines".
 *
 * Process-wide libgit2 settings are made once (pthread_once): blob caching on
 * with a bounded total cache, so memory stays bounded and re-read blobs are
 * not re-inflated.  Owner validation is left to the caller (main.c turns it
 * off only with --trust-owner; the job modes own their clones).
 *
 * Cancellation: the calling thread polls the caller's cancel hook and raises
 * an atomic flag that every other thread polls.
 */
#include "analysis.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "blame.h"
#include "history.h"
#include "jsonutf8.h"
#include "languages.h"
#include "languages_git.h"
#include "strmap.h"
#include "util.h"

#define MAX_THREADS 8

/* Milliseconds on the monotonic clock. */
static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6;
}

static pthread_once_t git_once = PTHREAD_ONCE_INIT;
static int	git_setup_failed;

/* Process-wide libgit2 set-up: init and object cache limits. */
static void
git_setup(void)
{
	/* cache blobs (libgit2 does not by default) and bigger trees, bounded in total */
	if (git_libgit2_init() < 0 ||
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_BLOB, (size_t) 256 * 1024) != 0 ||
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t) 256 * 1024) != 0 ||
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, (size_t) 64 * 1024) != 0 ||
		git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t) 32 * 1024 * 1024) != 0 ||
	/*
	 * Pack files are read through mmap windows, and every touched page of
	 * a window counts in the resident set: on a 374 MiB pack (redis) that
	 * was most of the peak RSS.  Smaller windows and a cap on the total
	 * mapped keep memory bounded whatever the pack size.
	 */
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t) 32 * 1024 * 1024) != 0 ||
		git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t) 128 * 1024 * 1024) != 0 ||
	/*
	 * libgit2 re-hashes every object it inflates (SHA-1 with collision
	 * detection): a quarter of the analysis time.  git does not do that on
	 * reads either; the pack's own checksums still guard against corruption.
	 */
		git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) != 0)
		git_setup_failed = 1;
}

/* Fill opt with defaults: no user, automatic threads, no hooks. */
void
analysis_options_init(analysis_options *opt)
{
	memset(opt, 0, sizeof(*opt));
}

/* Copy libgit2's last error after a prefix into err. */
static int
afail(char *err, size_t errlen, const char *what, const char *path)
{
	const git_error *e = git_error_last();

	if (path)
		snprintf(err, errlen, "%s \"%s\": %s", what, path, e && e->message ? e->message : "unknown error");
	else
		snprintf(err, errlen, "%s: %s", what, e && e->message ? e->message : "unknown error");
	return -1;
}

/* State shared by the threads of one analysis. */
typedef struct shared
{
	const char *path;
	git_oid		head;
	atomic_int	stop;
	const analysis_options *opt;
	strmap		shallow;		/* boundary commits of a shallow clone */
} shared;

/* One unit of work: a blame group or the history scan. */
typedef struct job
{
	shared	   *sh;
	bool		is_history;
	unsigned	shard;			/* history: this job's shard of nshards */
	unsigned	nshards;
	bool		main_thread;
	blame_target *targets;
	size_t		ntargets;
	size_t		total_commits;
	blame_output blame;
	history_output history;
	int			rc;
	double		ms;
	char		err[512];
} job;

/* Cancel hook of every thread: the caller's hook (main thread only) or the flag. */
static int
job_cancel(void *arg)
{
	job		   *j = arg;

	if (atomic_load(&j->sh->stop))
		return 1;
	if (j->main_thread && j->sh->opt->cancel && j->sh->opt->cancel(j->sh->opt->cb_arg))
	{
		atomic_store(&j->sh->stop, 1);
		return 1;
	}
	return 0;
}

/* Progress hook: forward to the caller from the main thread only. */
static void
job_progress(double f, void *arg)
{
	job		   *j = arg;

	if (j->main_thread && j->sh->opt->progress)
		j->sh->opt->progress(j->is_history ? "history" : "blame", f, j->sh->opt->cb_arg);
}

/* Run one job with its own repository handle and mailmap. */
static void *
job_run(void *arg)
{
	job		   *j = arg;
	git_repository *repo = NULL,
			   *objects = NULL;
	git_odb    *odb = NULL;
	git_mailmap *mm = NULL;
	blame_hooks hooks = {job_cancel, job_progress, j, j->total_commits, &j->sh->shallow};
	double		t0 = now_ms();

	if (git_repository_open_ext(&repo, j->sh->path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0)
	{
		j->rc = afail(j->err, sizeof(j->err), "could not open repository", j->sh->path);
		goto out;
	}
	if (git_mailmap_from_repository(&mm, repo) != 0)
	{
		j->rc = afail(j->err, sizeof(j->err), "could not read the mailmap of", j->sh->path);
		goto out;
	}
	/*
	 * Walk and diff through a repository that wraps only the object
	 * database: libgit2 then has no config files or .gitattributes to
	 * re-check on every diff (thousands of stat/readlink calls otherwise).
	 */
	if (git_repository_odb(&odb, repo) != 0 || git_repository_wrap_odb(&objects, odb) != 0)
	{
		j->rc = afail(j->err, sizeof(j->err), "could not open the object database of", j->sh->path);
		goto out;
	}
	if (j->is_history)
		j->rc = history_scan(objects, mm, &j->sh->head, j->shard, j->nshards, &hooks, &j->history,
							 j->err, sizeof(j->err));
	else
		j->rc = blame_files(objects, mm, &j->sh->head, j->targets, j->ntargets, &hooks, &j->blame,
							j->err, sizeof(j->err));
	if (j->rc != 0)
		atomic_store(&j->sh->stop, 1);
out:
	git_mailmap_free(mm);
	git_repository_free(objects);
	git_odb_free(odb);
	git_repository_free(repo);
	j->ms = now_ms() - t0;
	return NULL;
}

/* Growable list of files found at HEAD. */
typedef struct scan_state
{
	git_repository *repo;
	analysis_result *r;
	blame_target *targets;
	size_t		ntargets;
	size_t		cap_targets;
	size_t		cap_files;
	size_t		cap_skipped;
	uint64_t	max_file_bytes;
	lang_attr_reader *attrs;	/* linguist-* attributes of the HEAD commit */
	const analysis_options *opt;
	size_t		seen;			/* entries visited, for cancel polling */
	char	   *err;
	size_t		errlen;
	int			failed;
	int			cancelled;
} scan_state;

/* Note a skipped file. */
static int
add_skip(scan_state *st, const char *path, const char *reason)
{
	analysis_result *r = st->r;

	if (r->nskipped == st->cap_skipped)
	{
		size_t		cap = st->cap_skipped ? st->cap_skipped * 2 : 16;
		analysis_skip *v = realloc(r->skipped, cap * sizeof(analysis_skip));

		if (!v)
			return -1;
		r->skipped = v;
		st->cap_skipped = cap;
	}
	if (!(r->skipped[r->nskipped].path = strdup(path)))
		return -1;
	r->skipped[r->nskipped++].reason = reason;
	return 0;
}

/* Linguist's class of a blamed file (the languages section's classifier). */
static void
classify_file(scan_state *st, analysis_file *f, git_blob *blob)
{
	/* counted, not counted and unknown languages are all code */
	static const analysis_class by_verdict[] = {
		[LANG_COUNTED] = ANALYSIS_CODE, [LANG_NOT_COUNTED] = ANALYSIS_CODE,
		[LANG_UNKNOWN] = ANALYSIS_CODE, [LANG_VENDORED] = ANALYSIS_VENDORED,
		[LANG_GENERATED] = ANALYSIS_GENERATED, [LANG_DOCUMENTATION] = ANALYSIS_DOCUMENTATION,
		[LANG_BINARY] = ANALYSIS_BINARY,
	};
	size_t		size = (size_t) git_blob_rawsize(blob);
	lang_attrs	attrs;
	lang_info	info;

	if (!st->attrs || lang_attr_reader_get(st->attrs, f->path, &attrs) != 0)
		lang_attrs_clear(&attrs);
	f->cls = by_verdict[lang_classify_ex(f->path, git_blob_rawcontent(blob),
										 size < LANG_CONTENT_BYTES ? size : LANG_CONTENT_BYTES,
										 &attrs, &info)];
	f->rule = info.rule;
	st->r->class_lines[f->cls] += f->lines;
	st->r->class_files[f->cls]++;
}

/* Name of a file class (see analysis.h). */
const char *
analysis_class_name(analysis_class cls)
{
	static const char *const names[ANALYSIS_NCLASSES] = {
		"code", "documentation", "vendored", "generated", "binary"
	};

	return cls < ANALYSIS_NCLASSES ? names[cls] : "?";
}

/* Tree-walk callback: classify one entry of the HEAD tree. */
static int
scan_entry(const char *root, const git_tree_entry *e, void *payload)
{
	scan_state *st = payload;
	analysis_result *r = st->r;
	git_filemode_t mode = git_tree_entry_filemode(e);
	char	   *path;
	git_blob   *blob = NULL;
	size_t		len;

	if (mode == GIT_FILEMODE_TREE)
		return 0;
	if ((++st->seen & 127) == 0 && st->opt->cancel && st->opt->cancel(st->opt->cb_arg))
	{
		snprintf(st->err, st->errlen, "analysis cancelled");
		st->cancelled = 1;
		return -1;
	}
	len = strlen(root) + strlen(git_tree_entry_name(e)) + 1;
	if (!(path = malloc(len)))
		goto oom;
	snprintf(path, len, "%s%s", root, git_tree_entry_name(e));
	if (mode == GIT_FILEMODE_LINK || mode == GIT_FILEMODE_COMMIT)
	{
		int			rc = add_skip(st, path, mode == GIT_FILEMODE_LINK ? "symlink" : "submodule");

		free(path);
		if (rc != 0)
			goto oom;
		return 0;
	}
	if (git_blob_lookup(&blob, st->repo, git_tree_entry_id(e)) != 0)
	{
		afail(st->err, st->errlen, "could not read file", path);
		free(path);
		st->failed = 1;
		return -1;
	}
	if (st->max_file_bytes && (uint64_t) git_blob_rawsize(blob) > st->max_file_bytes)
	{
		int			rc = add_skip(st, path, "too large");

		free(path);
		git_blob_free(blob);
		if (rc != 0)
			goto oom;
		return 0;
	}
	if (blame_is_binary(git_blob_rawcontent(blob), (size_t) git_blob_rawsize(blob)))
	{
		int			rc = add_skip(st, path, "binary");

		free(path);
		git_blob_free(blob);
		if (rc != 0)
			goto oom;
		return 0;
	}
	if (r->nfiles == st->cap_files)
	{
		size_t		cap = st->cap_files ? st->cap_files * 2 : 64;
		analysis_file *v = realloc(r->files, cap * sizeof(analysis_file));
		blame_target *t = realloc(st->targets, cap * sizeof(blame_target));

		if (v)
			r->files = v;
		if (t)
			st->targets = t;
		if (!v || !t)
		{
			free(path);
			git_blob_free(blob);
			goto oom;
		}
		st->cap_files = cap;
	}
	memset(&r->files[r->nfiles], 0, sizeof(analysis_file));
	r->files[r->nfiles].path = path;
	r->files[r->nfiles].lines = blame_count_lines(git_blob_rawcontent(blob), (size_t) git_blob_rawsize(blob));
	r->files[r->nfiles].top_author = -1;
	classify_file(st, &r->files[r->nfiles], blob);
	st->targets[r->nfiles].path = path;
	git_oid_cpy(&st->targets[r->nfiles].blob, git_tree_entry_id(e));
	st->targets[r->nfiles].lines = r->files[r->nfiles].lines;
	st->targets[r->nfiles].id = (uint32_t) r->nfiles;
	r->total_lines += r->files[r->nfiles].lines;
	r->nfiles++;
	git_blob_free(blob);
	return 0;
oom:
	snprintf(st->err, st->errlen, "out of memory while listing the files at HEAD");
	st->failed = 1;
	return -1;
}

/* Order targets by line count, largest first (for splitting into groups). */
static int
target_lines_desc(const void *a, const void *b)
{
	const blame_target *x = a,
			   *y = b;

	return x->lines < y->lines ? 1 : x->lines > y->lines ? -1 : 0;
}

/* Lower-case ASCII copy of s. */
static char *
lower_dup(const char *s)
{
	char	   *d = strdup(s);

	for (char *p = d; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
	return d;
}

/* The GitHub login of a noreply address ("ID+login@" or "login@"), or NULL. */
static char *
noreply_login(const char *email)
{
	static const char suffix[] = "@users.noreply.github.com";
	char	   *e = lower_dup(email);
	size_t		n;
	char	   *plus,
			   *login;

	if (!e)
		return NULL;
	n = strlen(e);
	if (n <= sizeof(suffix) - 1 || strcmp(e + n - (sizeof(suffix) - 1), suffix) != 0)
	{
		free(e);
		return NULL;
	}
	e[n - (sizeof(suffix) - 1)] = '\0';
	plus = strchr(e, '+');
	login = strdup(plus ? plus + 1 : e);
	free(e);
	return login;
}

/*
 * The key that makes e-mails one person: "login@users.noreply.github.com"
 * for either GitHub noreply form, otherwise the lower-cased e-mail.
 */
static char *
identity_key(const char *email)
{
	char	   *login = noreply_login(email);
	char	   *key;

	if (!login)
		return lower_dup(email);
	key = malloc(strlen(login) + sizeof("@users.noreply.github.com"));
	if (key)
		sprintf(key, "%s@users.noreply.github.com", login);
	free(login);
	return key;
}

/* True if e-mail matches one of the given user e-mails (case, GitHub noreply forms). */
bool
analysis_email_matches(const char *email, const char *const *given, size_t ngiven)
{
	char	   *login = noreply_login(email);
	bool		match = false;

	for (size_t i = 0; i < ngiven && !match; i++)
	{
		if (strcasecmp(email, given[i]) == 0)
			match = true;
		else if (login)
		{
			char	   *other = noreply_login(given[i]);

			match = other && strcmp(other, login) == 0;
			free(other);
		}
	}
	free(login);
	return match;
}

/* A growable list of path ids. */
typedef struct idlist
{
	uint32_t   *ids;
	size_t		n;
	size_t		cap;
} idlist;

/* Number of distinct ids in a list (sorts it). */
static size_t
idlist_unique(idlist *l)
{
	size_t		n = 0;

	if (l->n)
		qsort(l->ids, l->n, sizeof(uint32_t), u32_cmp);
	for (size_t i = 0; i < l->n; i++)
		n += (i == 0 || l->ids[i] != l->ids[i - 1]);
	return n;
}

/* Find or add the author row of a (mailmapped) e-mail, noting the e-mail there. */
static int64_t
result_author(analysis_result *r, strmap *emails, size_t *cap, const char *email)
{
	char	   *key = identity_key(email);
	int64_t		a = key ? strmap_intern(emails, key, strlen(key)) : -1;
	analysis_author *au;

	free(key);
	if (a < 0)
		return -1;
	if ((size_t) a == r->nauthors)
	{
		if (r->nauthors == *cap)
		{
			size_t		c = *cap ? *cap * 2 : 64;
			analysis_author *v = realloc(r->authors, c * sizeof(analysis_author));

			if (!v)
				return -1;
			r->authors = v;
			*cap = c;
		}
		memset(&r->authors[a], 0, sizeof(analysis_author));
		if (!(r->authors[a].email = strdup(email)))
			return -1;
		r->nauthors++;
	}
	au = &r->authors[a];
	for (size_t i = 0; i < au->nemails; i++)
		if (strcmp(au->emails[i], email) == 0)
			return a;
	{
		char	  **v = realloc(au->emails, (au->nemails + 1) * sizeof(char *));

		if (!v)
			return -1;
		au->emails = v;
		if (!(v[au->nemails] = strdup(email)))
			return -1;
		au->nemails++;
	}
	return a;
}

/* The author array author_idx_cmp() sorts indices of (qsort has no argument for it). */
static __thread const analysis_author *sort_authors;

/* Author order: lines, commits descending, then e-mail. */
static int
author_idx_cmp(const void *a, const void *b)
{
	const analysis_author *x = &sort_authors[*(const size_t *) a],
			   *y = &sort_authors[*(const size_t *) b];

	if (x->lines != y->lines)
		return x->lines < y->lines ? 1 : -1;
	if (x->commits != y->commits)
		return x->commits < y->commits ? 1 : -1;
	return strcmp(x->email, y->email);
}

/* Per-file author order: lines descending, then author rank. */
static int
file_author_cmp(const void *a, const void *b)
{
	const analysis_file_author *x = a,
			   *y = b;

	if (x->lines != y->lines)
		return x->lines < y->lines ? 1 : -1;
	return x->author < y->author ? -1 : x->author > y->author;
}

/* File order: by path bytes. */
static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const analysis_file *) a)->path, ((const analysis_file *) b)->path);
}

/* Merge the blame groups and the history into r. */
static int
merge_results(analysis_result *r, job *jobs, size_t njobs, const analysis_options *opt,
			  char *err, size_t errlen)
{
	strmap		emails,
				gpaths;
	size_t		cap = 0,
				nap = 0;
	uint64_t	counted = 0;
	int64_t    *order = NULL;
	idlist	   *ap = NULL;			/* per result author: global path ids touched */
	int64_t    *name_time = NULL;
	int			rc = -1;

	strmap_init(&emails);
	strmap_init(&gpaths);
	/* history shards: sum per author; paths by name into one table */
	for (size_t k = 0; k < njobs; k++)
	{
		history_output *h = &jobs[k].history;

		if (!jobs[k].is_history)
			continue;
		r->commits = h->commits;
		r->merges = h->merges;
		for (size_t i = 0; i < h->emails.n; i++)
		{
			int64_t		a = result_author(r, &emails, &cap, strmap_key(&h->emails, (uint32_t) i));
			history_author *ha = &h->authors[i];
			analysis_author *ra;

			if (a < 0)
				goto oom;
			if ((size_t) a >= nap)
			{
				size_t		n = cap;
				idlist	   *v = realloc(ap, n * sizeof(idlist));
				int64_t    *t = realloc(name_time, n * sizeof(int64_t));

				if (v)
					ap = v;
				if (t)
					name_time = t;
				if (!v || !t)
					goto oom;
				memset(ap + nap, 0, (n - nap) * sizeof(idlist));
				for (size_t x = nap; x < n; x++)
					name_time[x] = INT64_MIN;
				nap = n;
			}
			ra = &r->authors[a];
			/* name and e-mail of the person's latest commit */
			if (ha->name && ha->name_time > name_time[a])
			{
				const char *email = strmap_key(&h->emails, (uint32_t) i);

				free(ra->name);
				if (!(ra->name = strdup(ha->name)))
					goto oom;
				if (strcmp(ra->email, email) != 0)
				{
					free(ra->email);
					if (!(ra->email = strdup(email)))
						goto oom;
				}
				name_time[a] = ha->name_time;
			}
			if (ha->commits)
			{
				if (!ra->commits || ha->first < ra->first_commit)
					ra->first_commit = ha->first;
				if (!ra->commits || ha->last > ra->last_commit)
					ra->last_commit = ha->last;
			}
			ra->commits += ha->commits;
			ra->additions += ha->additions;
			ra->deletions += ha->deletions;
			for (uint32_t p = 0; p < ha->npaths; p++)
			{
				const char *path = strmap_key(&h->paths, ha->paths[p]);
				int64_t		g = strmap_intern(&gpaths, path, strlen(path));
				idlist	   *l = &ap[a];

				if (g < 0)
					goto oom;
				if (l->n == l->cap)
				{
					size_t		c2 = l->cap ? l->cap * 2 : 16;
					uint32_t   *v = realloc(l->ids, c2 * sizeof(uint32_t));

					if (!v)
						goto oom;
					l->ids = v;
					l->cap = c2;
				}
				l->ids[l->n++] = (uint32_t) g;
			}
		}
	}
	for (size_t a = 0; a < nap && a < r->nauthors; a++)
		r->authors[a].files = (uint32_t) idlist_unique(&ap[a]);
	for (size_t k = 0; k < njobs; k++)
	{
		blame_output *b = &jobs[k].blame;

		if (jobs[k].is_history)
			continue;
		r->commits_visited += b->commits_visited;
		r->diffs += b->diffs;
		r->renames += b->renames;
		for (size_t i = 0; i < b->ncounts; i++)
		{
			blame_count *c = &b->counts[i];
			int64_t		a = result_author(r, &emails, &cap, strmap_key(&b->emails, c->author));
			analysis_file *f = &r->files[c->file];

			if (a < 0)
				goto oom;
			if (!r->authors[a].name && !(r->authors[a].name = strdup(b->names[c->author])))
				goto oom;
			r->authors[a].blame_lines += c->lines;
			if (f->cls == ANALYSIS_CODE)
				r->authors[a].lines += c->lines;
			else if (f->cls == ANALYSIS_DOCUMENTATION)
				r->authors[a].doc_lines += c->lines;
			counted += c->lines;
			{
				uint32_t	k = 0;

				/* one person may reach a file under several e-mails */
				while (k < f->nby_author && f->by_author[k].author != (uint32_t) a)
					k++;
				if (k == f->nby_author)
				{
					analysis_file_author *v = realloc(f->by_author, (f->nby_author + 1) * sizeof(*v));

					if (!v)
						goto oom;
					f->by_author = v;
					f->by_author[f->nby_author++] = (analysis_file_author)
					{
						(uint32_t) a, 0
					};
				}
				f->by_author[k].lines += c->lines;
			}
		}
	}
	/* top author of each file: most lines, then the smaller e-mail */
	for (size_t i = 0; i < r->nfiles; i++)
	{
		analysis_file *f = &r->files[i];

		for (uint32_t k = 0; k < f->nby_author; k++)
		{
			const analysis_file_author *fa = &f->by_author[k];

			if (fa->lines > f->top_lines ||
				(fa->lines == f->top_lines && f->top_author >= 0 &&
				 strcmp(r->authors[fa->author].email, r->authors[f->top_author].email) < 0))
			{
				f->top_lines = fa->lines;
				f->top_author = fa->author;
			}
		}
	}
	if (counted != r->total_lines)
	{
		snprintf(err, errlen, "internal error: blame accounted for %llu of %llu lines",
				 (unsigned long long) counted, (unsigned long long) r->total_lines);
		goto out;
	}
	/* user matching, shares */
	r->has_user = opt->nauthors > 0;
	if (r->has_user)
	{
		r->user.emails = calloc(opt->nauthors, sizeof(char *));
		if (!r->user.emails)
			goto oom;
		for (size_t i = 0; i < opt->nauthors; i++)
			if (!(r->user.emails[r->user.nemails++] = strdup(opt->authors[i])))
				goto oom;
	}
	for (size_t a = 0; a < r->nauthors; a++)
	{
		analysis_author *au = &r->authors[a];

		au->share = r->class_lines[ANALYSIS_CODE] ?
			(double) au->lines / (double) r->class_lines[ANALYSIS_CODE] : 0.0;
		au->blame_share = r->total_lines ? (double) au->blame_lines / (double) r->total_lines : 0.0;
		if (!au->name && !(au->name = strdup("")))
			goto oom;
		for (size_t e = 0; r->has_user && e < au->nemails && !au->is_user; e++)
			au->is_user = analysis_email_matches(au->emails[e], opt->authors, opt->nauthors);
		if (au->is_user)
		{
			r->user.lines += au->lines;
			r->user.doc_lines += au->doc_lines;
			r->user.blame_lines += au->blame_lines;
			r->user.commits += au->commits;
			r->user.additions += au->additions;
			r->user.deletions += au->deletions;
			if (au->commits && (!r->user.first_commit || au->first_commit < r->user.first_commit))
				r->user.first_commit = au->first_commit;
			if (au->commits && au->last_commit > r->user.last_commit)
				r->user.last_commit = au->last_commit;
		}
	}
	if (r->has_user)
	{
		r->user.share = r->class_lines[ANALYSIS_CODE] ?
			(double) r->user.lines / (double) r->class_lines[ANALYSIS_CODE] : 0.0;
		r->user.blame_share = r->total_lines ?
			(double) r->user.blame_lines / (double) r->total_lines : 0.0;
		/* files touched: the union over the user's addresses, not the sum */
		{
			idlist		u = {0};

			for (size_t a = 0; a < nap && a < r->nauthors; a++)
			{
				if (!r->authors[a].is_user || !ap[a].n)
					continue;
				if (u.n + ap[a].n > u.cap)
				{
					uint32_t   *v = realloc(u.ids, (u.n + ap[a].n) * sizeof(uint32_t));

					if (!v)
					{
						free(u.ids);
						goto oom;
					}
					u.ids = v;
					u.cap = u.n + ap[a].n;
				}
				memcpy(u.ids + u.n, ap[a].ids, ap[a].n * sizeof(uint32_t));
				u.n += ap[a].n;
			}
			r->user.files = (uint32_t) idlist_unique(&u);
			free(u.ids);
		}
		for (size_t k = 0; k < njobs; k++)
			for (size_t i = 0; !jobs[k].is_history && i < jobs[k].blame.ncounts; i++)
			{
				blame_count *c = &jobs[k].blame.counts[i];
				const char *email = strmap_key(&jobs[k].blame.emails, c->author);

				if (analysis_email_matches(email, opt->authors, opt->nauthors))
					r->files[c->file].user_lines += c->lines;
			}
	}
	/* sort authors and renumber the files' authors */
	{
		size_t		n = r->nauthors ? r->nauthors : 1;
		analysis_author *sorted = malloc(n * sizeof(analysis_author));
		size_t	   *idx = malloc(n * sizeof(size_t));

		order = malloc(n * sizeof(int64_t));
		if (!sorted || !idx || !order)
		{
			free(sorted);
			free(idx);
			free(order);
			goto oom;
		}
		for (size_t a = 0; a < r->nauthors; a++)
			idx[a] = a;
		sort_authors = r->authors;
		qsort(idx, r->nauthors, sizeof(size_t), author_idx_cmp);
		for (size_t k = 0; k < r->nauthors; k++)
		{
			sorted[k] = r->authors[idx[k]];
			order[idx[k]] = (int64_t) k;
		}
		free(r->authors);
		r->authors = sorted;
		free(idx);
		for (size_t f = 0; f < r->nfiles; f++)
		{
			if (r->files[f].top_author >= 0)
				r->files[f].top_author = order[r->files[f].top_author];
			for (uint32_t k = 0; k < r->files[f].nby_author; k++)
				r->files[f].by_author[k].author = (uint32_t) order[r->files[f].by_author[k].author];
			if (r->files[f].nby_author > 1)	/* by_author is NULL when empty */
				qsort(r->files[f].by_author, r->files[f].nby_author, sizeof(analysis_file_author),
					  file_author_cmp);
		}
		free(order);
	}
	qsort(r->files, r->nfiles, sizeof(analysis_file), file_cmp);
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory while merging the results");
out:
	for (size_t a = 0; a < nap; a++)
		free(ap[a].ids);
	free(ap);
	free(name_time);
	strmap_free(&gpaths);
	strmap_free(&emails);
	return rc;
}

/* Analyse the repository at repo_path (see analysis.h). */
int
sesami_analyze(const char *repo_path, const analysis_options *opt_in, analysis_result **out,
			   char *err, size_t errlen)
{
	analysis_options defaults;
	const analysis_options *opt = opt_in;
	analysis_result *r;
	git_repository *repo = NULL;
	git_reference *head_ref = NULL;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	scan_state st;
	shared		sh;
	job		   *jobs = NULL;
	pthread_t  *tids = NULL;
	size_t		njobs = 0,
				ngroups,
				nshards;
	int			threads,
				rc = -1;
	double		t0 = now_ms(),
				t1;
	int64_t		ncommits;

	*out = NULL;
	memset(&sh, 0, sizeof(sh));
	strmap_init(&sh.shallow);
	if (!opt)
	{
		analysis_options_init(&defaults);
		opt = &defaults;
	}
	pthread_once(&git_once, git_setup);
	if (git_setup_failed)
		return afail(err, errlen, "could not initialise libgit2", NULL);
	if (!(r = calloc(1, sizeof(*r))) || !(r->repo_path = strdup(repo_path)))
	{
		free(r);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&st, 0, sizeof(st));
	if (opt->progress)
		opt->progress("open", 0.0, opt->cb_arg);
	if (git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0)
	{
		afail(err, errlen, "could not open repository", repo_path);
		goto done;
	}
	if (git_repository_head_unborn(repo) == 1)
	{
		snprintf(err, errlen, "repository \"%s\" has no commits yet", repo_path);
		goto done;
	}
	if (git_repository_head(&head_ref, repo) != 0)
	{
		afail(err, errlen, "could not read HEAD of", repo_path);
		goto done;
	}
	if (git_reference_is_branch(head_ref) && !(r->branch = strdup(git_reference_shorthand(head_ref))))
	{
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	{
		git_object *obj = NULL;

		if (git_reference_peel(&obj, head_ref, GIT_OBJECT_COMMIT) != 0)
		{
			afail(err, errlen, "HEAD is not a commit in", repo_path);
			goto done;
		}
		head = (git_commit *) obj;
	}
	git_oid_tostr(r->head, sizeof(r->head), git_commit_id(head));
	sh.path = repo_path;
	sh.opt = opt;
	git_oid_cpy(&sh.head, git_commit_id(head));
	atomic_init(&sh.stop, 0);
	if (history_read_shallow(repo, &sh.shallow) != 0)
	{
		snprintf(err, errlen, "could not read the shallow boundary of \"%s\"", repo_path);
		goto done;
	}
	ncommits = history_count_commits(repo, &sh.head, &sh.shallow);
	if (ncommits < 0)
	{
		afail(err, errlen, "could not walk the history of", repo_path);
		goto done;
	}

	/* scan the files at HEAD */
	if (opt->progress)
		opt->progress("scan", 0.0, opt->cb_arg);
	if (git_commit_tree(&tree, head) != 0)
	{
		afail(err, errlen, "could not read the HEAD tree of", repo_path);
		goto done;
	}
	st.repo = repo;
	if (!(st.attrs = lang_attr_reader_new(repo, git_commit_id(head))))
	{
		afail(err, errlen, "could not read the .gitattributes of", repo_path);
		goto done;
	}
	st.max_file_bytes = opt->max_file_bytes;
	st.opt = opt;
	st.r = r;
	st.err = err;
	st.errlen = errlen;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, scan_entry, &st) != 0)
	{
		if (st.cancelled)
			rc = 1;
		else if (!st.failed)
			afail(err, errlen, "could not list the files at HEAD of", repo_path);
		goto done;
	}
	t1 = now_ms();
	r->scan_ms = t1 - t0;

	/* plan the threads: history + blame groups */
	threads = opt->threads > 0 ? opt->threads : (int) sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	r->threads = threads;
	/*
	 * One thread: blame, then history.  More: a third of the threads blame
	 * (each group walks the history again, so splitting it has a cost) and
	 * the rest split the history, whose commits are independent.
	 */
	ngroups = threads > 2 ? (size_t) threads / 3 : 1;
	if (ngroups > r->nfiles)
		ngroups = r->nfiles ? r->nfiles : 1;
	nshards = threads > 1 ? (size_t) threads - ngroups : 1;
	if (nshards < 1)
		nshards = 1;
	jobs = calloc(ngroups + nshards, sizeof(job));
	tids = calloc(ngroups + nshards, sizeof(pthread_t));
	if (!jobs || !tids)
	{
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	{
		uint64_t   *load = calloc(ngroups, sizeof(uint64_t));
		blame_target *sorted = malloc((r->nfiles ? r->nfiles : 1) * sizeof(blame_target));

		if (!load || !sorted)
		{
			free(load);
			free(sorted);
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		memcpy(sorted, st.targets, r->nfiles * sizeof(blame_target));
		qsort(sorted, r->nfiles, sizeof(blame_target), target_lines_desc);
		for (size_t g = 0; g < ngroups; g++)
		{
			jobs[g].sh = &sh;
			jobs[g].main_thread = g == 0;
			jobs[g].total_commits = (size_t) ncommits;
			jobs[g].targets = malloc((r->nfiles ? r->nfiles : 1) * sizeof(blame_target));
			if (!jobs[g].targets)
			{
				free(load);
				free(sorted);
				snprintf(err, errlen, "out of memory");
				goto done;
			}
		}
		for (size_t i = 0; i < r->nfiles; i++)
		{
			size_t		best = 0;

			for (size_t g = 1; g < ngroups; g++)
				if (load[g] < load[best])
					best = g;
			jobs[best].targets[jobs[best].ntargets++] = sorted[i];
			load[best] += sorted[i].lines + 1;
		}
		free(load);
		free(sorted);
		for (size_t h = 0; h < nshards; h++)
		{
			job		   *hj = &jobs[ngroups + h];

			hj->sh = &sh;
			hj->is_history = true;
			hj->shard = (unsigned) h;
			hj->nshards = (unsigned) nshards;
			hj->total_commits = (size_t) ncommits;
			hj->main_thread = threads == 1;
		}
		njobs = ngroups + nshards;
	}
	if (opt->progress)
		opt->progress("blame", 0.0, opt->cb_arg);
	if (threads == 1)
	{
		job_run(&jobs[0]);
		if (jobs[0].rc == 0)
		{
			if (opt->progress)
				opt->progress("history", 0.0, opt->cb_arg);
			job_run(&jobs[1]);
		}
	}
	else
	{
		size_t		started = 1;

		for (size_t k = 1; k < njobs; k++, started++)
			if (pthread_create(&tids[k], NULL, job_run, &jobs[k]) != 0)
			{
				atomic_store(&sh.stop, 1);
				jobs[k].rc = -1;
				snprintf(jobs[k].err, sizeof(jobs[k].err), "could not start a thread");
				break;
			}
		job_run(&jobs[0]);
		for (size_t k = 1; k < started; k++)
			pthread_join(tids[k], NULL);
	}
	for (size_t k = 0; k < njobs; k++)
	{
		if (k < ngroups && jobs[k].ms > r->blame_ms)
			r->blame_ms = jobs[k].ms;
		if (jobs[k].is_history && jobs[k].ms > r->history_ms)
			r->history_ms = jobs[k].ms;
	}
	/* report a real error before a cancellation it caused */
	for (size_t k = 0; k < njobs && rc == -1; k++)
		if (jobs[k].rc < 0)
		{
			snprintf(err, errlen, "%s", jobs[k].err);
			rc = -2;
		}
	if (rc == -2)
	{
		rc = -1;
		goto done;
	}
	for (size_t k = 0; k < njobs; k++)
		if (jobs[k].rc == 1)
		{
			snprintf(err, errlen, "analysis cancelled");
			rc = 1;
			goto done;
		}
	if (merge_results(r, jobs, njobs, opt, err, errlen) != 0)
		goto done;
	r->total_ms = now_ms() - t0;
	if (opt->progress)
		opt->progress("done", 1.0, opt->cb_arg);
	rc = 0;
done:
	for (size_t k = 0; jobs && k < njobs; k++)
	{
		free(jobs[k].targets);
		if (jobs[k].is_history)
			history_output_free(&jobs[k].history);
		else
			blame_output_free(&jobs[k].blame);
	}
	free(jobs);
	free(tids);
	free(st.targets);
	lang_attr_reader_free(st.attrs);
	strmap_free(&sh.shallow);
	git_tree_free(tree);
	git_commit_free(head);
	git_reference_free(head_ref);
	git_repository_free(repo);
	if (rc == 0)
		*out = r;
	else
		analysis_result_free(r);
	return rc;
}

/* Free a result. */
void
analysis_result_free(analysis_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nauthors; i++)
	{
		free(r->authors[i].name);
		free(r->authors[i].email);
		for (size_t e = 0; e < r->authors[i].nemails; e++)
			free(r->authors[i].emails[e]);
		free(r->authors[i].emails);
	}
	for (size_t i = 0; i < r->nfiles; i++)
	{
		free(r->files[i].path);
		free(r->files[i].by_author);
	}
	for (size_t i = 0; i < r->nskipped; i++)
		free(r->skipped[i].path);
	for (size_t i = 0; i < r->user.nemails; i++)
		free(r->user.emails[i]);
	free(r->user.emails);
	free(r->authors);
	free(r->files);
	free(r->skipped);
	free(r->branch);
	free(r->repo_path);
	free(r);
}

/* Unix seconds as an ISO 8601 UTC JSON string, or null for 0. */
static json_object *
json_time(int64_t t)
{
	char		buf[32];
	time_t		tt = (time_t) t;
	struct tm	tm;

	if (t == 0 || !gmtime_r(&tt, &tm))
		return NULL;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

/* Round a share to 4 decimals for the document. */
static json_object *
json_share(double share)
{
	return json_object_new_double((double) (int64_t) (share * 10000.0 + 0.5) / 10000.0);
}

/* The "sesami.analysis/2" JSON document for a result (docs/analysis.md). */
json_object *
analysis_result_to_json(const analysis_result *r)
{
	json_object *doc = json_object_new_object();
	json_object *repo = json_object_new_object();
	json_object *authors = json_object_new_array();
	json_object *files = json_object_new_array();
	json_object *stats = json_object_new_object();
	json_object *skipped = json_object_new_array();

	json_object_object_add(doc, "schema", json_object_new_string(ANALYSIS_SCHEMA));
	json_object_object_add(repo, "path", json_utf8(r->repo_path, NULL));
	json_object_object_add(repo, "head", json_object_new_string(r->head));
	json_object_object_add(repo, "branch", r->branch ? json_utf8(r->branch, NULL) : NULL);
	json_object_object_add(repo, "commits", json_object_new_int64((int64_t) r->commits));
	json_object_object_add(repo, "merges", json_object_new_int64((int64_t) r->merges));
	json_object_object_add(repo, "authors", json_object_new_int64((int64_t) r->nauthors));
	json_object_object_add(repo, "files", json_object_new_int64((int64_t) r->nfiles));
	json_object_object_add(repo, "lines", json_object_new_int64((int64_t) r->class_lines[ANALYSIS_CODE]));
	json_object_object_add(repo, "doc_lines",
						   json_object_new_int64((int64_t) r->class_lines[ANALYSIS_DOCUMENTATION]));
	json_object_object_add(repo, "blame_lines", json_object_new_int64((int64_t) r->total_lines));
	json_object_object_add(doc, "repo", repo);

	for (size_t i = 0; i < r->nauthors; i++)
	{
		const analysis_author *a = &r->authors[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_utf8(a->name, NULL));
		json_object_object_add(o, "email", json_utf8(a->email, NULL));
		{
			json_object *all = json_object_new_array();

			for (size_t e = 0; e < a->nemails; e++)
				json_object_array_add(all, json_utf8(a->emails[e], NULL));
			json_object_object_add(o, "emails", all);
		}
		json_object_object_add(o, "lines", json_object_new_int64((int64_t) a->lines));
		json_object_object_add(o, "share", json_share(a->share));
		json_object_object_add(o, "doc_lines", json_object_new_int64((int64_t) a->doc_lines));
		json_object_object_add(o, "blame_lines", json_object_new_int64((int64_t) a->blame_lines));
		json_object_object_add(o, "blame_share", json_share(a->blame_share));
		json_object_object_add(o, "commits", json_object_new_int64(a->commits));
		json_object_object_add(o, "additions", json_object_new_int64((int64_t) a->additions));
		json_object_object_add(o, "deletions", json_object_new_int64((int64_t) a->deletions));
		json_object_object_add(o, "files", json_object_new_int64(a->files));
		json_object_object_add(o, "first_commit", json_time(a->first_commit));
		json_object_object_add(o, "last_commit", json_time(a->last_commit));
		if (r->has_user)
			json_object_object_add(o, "is_user", json_object_new_boolean(a->is_user));
		json_object_array_add(authors, o);
	}
	json_object_object_add(doc, "authors", authors);

	for (size_t i = 0; i < r->nfiles; i++)
	{
		const analysis_file *f = &r->files[i];
		json_object *o = json_object_new_object();

		json_add_path(o, f->path);
		json_object_object_add(o, "lines", json_object_new_int64(f->lines));
		json_object_object_add(o, "class", json_object_new_string(analysis_class_name(f->cls)));
		if (f->cls != ANALYSIS_CODE && f->rule)
			json_object_object_add(o, "class_rule", json_utf8(f->rule, NULL));
		json_object_object_add(o, "top_author", f->top_author >= 0 ?
							   json_utf8(r->authors[f->top_author].email, NULL) : NULL);
		json_object_object_add(o, "top_author_lines", json_object_new_int64(f->top_lines));
		if (r->has_user)
			json_object_object_add(o, "user_lines", json_object_new_int64(f->user_lines));
		{
			json_object *by = json_object_new_array();

			for (uint32_t k = 0; k < f->nby_author; k++)
			{
				json_object *fa = json_object_new_object();

				json_object_object_add(fa, "email", json_utf8(r->authors[f->by_author[k].author].email, NULL));
				json_object_object_add(fa, "lines", json_object_new_int64(f->by_author[k].lines));
				json_object_array_add(by, fa);
			}
			json_object_object_add(o, "authors", by);
		}
		json_object_array_add(files, o);
	}
	json_object_object_add(doc, "files", files);

	if (r->has_user)
	{
		json_object *u = json_object_new_object();
		json_object *emails = json_object_new_array();
		json_object *matched = json_object_new_array();
		json_object *top = json_object_new_array();
		const analysis_file **byuser = malloc((r->nfiles ? r->nfiles : 1) * sizeof(*byuser));
		size_t		nby = 0;

		for (size_t i = 0; i < r->user.nemails; i++)
			json_object_array_add(emails, json_utf8(r->user.emails[i], NULL));
		for (size_t i = 0; i < r->nauthors; i++)
			for (size_t e = 0; r->authors[i].is_user && e < r->authors[i].nemails; e++)
				json_object_array_add(matched, json_utf8(r->authors[i].emails[e], NULL));
		json_object_object_add(u, "emails", emails);
		json_object_object_add(u, "matched_authors", matched);
		json_object_object_add(u, "lines", json_object_new_int64((int64_t) r->user.lines));
		json_object_object_add(u, "share", json_share(r->user.share));
		json_object_object_add(u, "doc_lines", json_object_new_int64((int64_t) r->user.doc_lines));
		json_object_object_add(u, "blame_lines", json_object_new_int64((int64_t) r->user.blame_lines));
		json_object_object_add(u, "blame_share", json_share(r->user.blame_share));
		json_object_object_add(u, "commits", json_object_new_int64(r->user.commits));
		json_object_object_add(u, "additions", json_object_new_int64((int64_t) r->user.additions));
		json_object_object_add(u, "deletions", json_object_new_int64((int64_t) r->user.deletions));
		json_object_object_add(u, "files", json_object_new_int64(r->user.files));
		json_object_object_add(u, "first_commit", json_time(r->user.first_commit));
		json_object_object_add(u, "last_commit", json_time(r->user.last_commit));
		/* top files: the ten code files with most of the user's lines */
		for (size_t i = 0; byuser && i < r->nfiles; i++)
		{
			size_t		k;

			if (!r->files[i].user_lines || r->files[i].cls != ANALYSIS_CODE)
				continue;
			for (k = nby; k > 0 && byuser[k - 1]->user_lines < r->files[i].user_lines; k--)
				if (k < 10)
					byuser[k] = byuser[k - 1];
			if (k < 10)
			{
				byuser[k] = &r->files[i];
				if (nby < 10)
					nby++;
			}
		}
		for (size_t i = 0; i < nby; i++)
		{
			json_object *o = json_object_new_object();

			json_add_path(o, byuser[i]->path);
			json_object_object_add(o, "lines", json_object_new_int64(byuser[i]->user_lines));
			json_object_array_add(top, o);
		}
		free(byuser);
		json_object_object_add(u, "top_files", top);
		json_object_object_add(doc, "user", u);
	}

	json_object_object_add(stats, "scan_ms", json_object_new_int64((int64_t) r->scan_ms));
	json_object_object_add(stats, "blame_ms", json_object_new_int64((int64_t) r->blame_ms));
	json_object_object_add(stats, "history_ms", json_object_new_int64((int64_t) r->history_ms));
	json_object_object_add(stats, "total_ms", json_object_new_int64((int64_t) r->total_ms));
	json_object_object_add(stats, "threads", json_object_new_int(r->threads));
	json_object_object_add(stats, "files", json_object_new_int64((int64_t) r->nfiles));
	json_object_object_add(stats, "lines", json_object_new_int64((int64_t) r->total_lines));
	{
		/* what each class of blamed file holds; all but code leave "lines" */
		json_object *classes = json_object_new_object();
		uint64_t	removed = 0;

		for (int c = 0; c < ANALYSIS_NCLASSES; c++)
		{
			json_object *o = json_object_new_object();

			json_object_object_add(o, "files", json_object_new_int64((int64_t) r->class_files[c]));
			json_object_object_add(o, "lines", json_object_new_int64((int64_t) r->class_lines[c]));
			json_object_object_add(classes, analysis_class_name((analysis_class) c), o);
			if (c != ANALYSIS_CODE)
				removed += r->class_lines[c];
		}
		json_object_object_add(stats, "classes", classes);
		json_object_object_add(stats, "lines_not_code", json_object_new_int64((int64_t) removed));
	}
	json_object_object_add(stats, "commits_visited", json_object_new_int64((int64_t) r->commits_visited));
	json_object_object_add(stats, "diffs", json_object_new_int64((int64_t) r->diffs));
	json_object_object_add(stats, "renames_followed", json_object_new_int64((int64_t) r->renames));
	for (size_t i = 0; i < r->nskipped; i++)
	{
		json_object *o = json_object_new_object();

		json_add_path(o, r->skipped[i].path);
		json_object_object_add(o, "reason", json_object_new_string(r->skipped[i].reason));
		json_object_array_add(skipped, o);
	}
	json_object_object_add(stats, "skipped", skipped);
	json_object_object_add(doc, "stats", stats);
	return doc;
}

/* Format Unix seconds as a date (YYYY-MM-DD) or "-". */
static const char *
fmt_date(int64_t t, char *buf, size_t n)
{
	time_t		tt = (time_t) t;
	struct tm	tm;

	if (t == 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, n, "-");
	else
		strftime(buf, n, "%Y-%m-%d", &tm);
	return buf;
}

/* Print a git-fame-like table of the result. */
void
analysis_result_print_table(const analysis_result *r, FILE *f)
{
	int			wn = 6,
				we = 6;
	char		d1[16],
				d2[16];

	fprintf(f, "Repository: %s\nHEAD:       %.12s%s%s%s\n", r->repo_path, r->head,
			r->branch ? " (" : "", r->branch ? r->branch : "", r->branch ? ")" : "");
	fprintf(f, "Commits:    %llu (%llu merges)\nAuthors:    %zu\nFiles:      %zu (%zu skipped)\n"
			"Lines:      %llu code, %llu documentation, %llu blamed in all\nTime:       %.0f ms (blame %.0f ms, history %.0f ms, %d threads)\n\n",
			(unsigned long long) r->commits, (unsigned long long) r->merges, r->nauthors,
			r->nfiles, r->nskipped, (unsigned long long) r->class_lines[ANALYSIS_CODE],
			(unsigned long long) r->class_lines[ANALYSIS_DOCUMENTATION],
			(unsigned long long) r->total_lines, r->total_ms,
			r->blame_ms, r->history_ms, r->threads);
	for (size_t i = 0; i < r->nauthors; i++)
	{
		int			n = (int) strlen(r->authors[i].name),
					e = (int) strlen(r->authors[i].email);

		if (n > wn)
			wn = n > 30 ? 30 : n;
		if (e > we)
			we = e > 40 ? 40 : e;
	}
	fprintf(f, "| %-*s | %-*s | %9s | %6s | %7s | %5s | %9s | %9s | %-10s | %-10s |\n",
			wn, "Author", we, "E-mail", "Lines", "Share", "Commits", "Files", "Added", "Deleted",
			"First", "Last");
	fprintf(f, "|-%.*s-|-%.*s-|-----------|--------|---------|-------|-----------|-----------|------------|------------|\n",
			wn, "------------------------------", we, "----------------------------------------");
	for (size_t i = 0; i < r->nauthors; i++)
	{
		const analysis_author *a = &r->authors[i];

		fprintf(f, "| %-*.*s | %-*.*s | %9llu | %5.1f%% | %7u | %5u | %9llu | %9llu | %-10s | %-10s |%s\n",
				wn, wn, a->name, we, we, a->email, (unsigned long long) a->lines, a->share * 100.0,
				a->commits, a->files, (unsigned long long) a->additions,
				(unsigned long long) a->deletions, fmt_date(a->first_commit, d1, sizeof(d1)),
				fmt_date(a->last_commit, d2, sizeof(d2)), a->is_user ? " <- you" : "");
	}
	if (r->has_user)
	{
		fprintf(f, "\nYou (");
		for (size_t i = 0; i < r->user.nemails; i++)
			fprintf(f, "%s%s", i ? ", " : "", r->user.emails[i]);
		fprintf(f, "): %llu lines (%.1f%%), %u commits, +%llu -%llu, %u files, %s .. %s\n",
				(unsigned long long) r->user.lines, r->user.share * 100.0, r->user.commits,
				(unsigned long long) r->user.additions, (unsigned long long) r->user.deletions,
				r->user.files, fmt_date(r->user.first_commit, d1, sizeof(d1)),
				fmt_date(r->user.last_commit, d2, sizeof(d2)));
	}
	if (r->nskipped)
	{
		fprintf(f, "\nNot counted:");
		for (size_t i = 0; i < r->nskipped && i < 20; i++)
			fprintf(f, " %s (%s)%s", r->skipped[i].path, r->skipped[i].reason,
					i + 1 < r->nskipped ? "," : "");
		if (r->nskipped > 20)
			fprintf(f, " and %zu more", r->nskipped - 20);
		fprintf(f, "\n");
	}
}
