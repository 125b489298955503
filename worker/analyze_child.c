/*
 * analyze_child.c — run the analysis of a cloned repository in a child
 * process under a memory limit (see analyze_child.h).
 *
 * Parent (analyze_in_child): `_analyze REPO RESULT_PATH MAX_MEMORY PARENT_PID
 * THREADS MAX_FILE_BYTES` through child_run, the user's identities one per
 * line on stdin.  The child prints "progress STAGE FRACTION" lines and, on
 * failure, one "error MESSAGE" line; on success it writes the
 * sesami.analysis/1 document (with languages and stack) to RESULT_PATH, which
 * the parent reads back.  The parent relays progress to opt->progress (also
 * once a second while the child is silent) and kills the child when
 * opt->cancel says stop.
 */
#define _GNU_SOURCE
#include "analyze_child.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>

#include "child.h"
#include "treescan.h"

/* What the parent knows of a running analysis child. */
typedef struct analyze_watch
{
	const analysis_options *opt;
	char		stage[32];
	double		fraction;
	bool		have_error;
	char	   *err;
	size_t		errlen;
} analyze_watch;

/* Relay the last progress and ask the cancel hook; nonzero stops the child. */
static int
relay(analyze_watch *w)
{
	if (w->opt->progress && w->stage[0])
		w->opt->progress(w->stage, w->fraction, w->opt->cb_arg);
	return w->opt->cancel ? w->opt->cancel(w->opt->cb_arg) : 0;
}

/* A line from the child: "progress STAGE FRACTION" or "error MESSAGE". */
static int
analyze_on_line(char *line, void *arg)
{
	analyze_watch *w = arg;
	char		stage[32];
	double		f;

	if (sscanf(line, "progress %31s %lf", stage, &f) == 2)
	{
		snprintf(w->stage, sizeof(w->stage), "%s", stage);
		w->fraction = f;
		return relay(w);
	}
	if (strncmp(line, "error ", 6) == 0)
	{
		snprintf(w->err, w->errlen, "%s", line + 6);
		w->have_error = true;
	}
	return 0;
}

/* A second of silence: progress as before, and a chance to stop. */
static int
analyze_on_idle(void *arg)
{
	return relay(arg);
}

/*
 * Analyse repo in a child limited to max_memory bytes of address space
 * (0: no limit).  Returns 0 with *doc set, 1 if opt->cancel stopped it, -1
 * with err set.
 */
int
analyze_in_child(const char *repo, const char *result_path, uint64_t max_memory,
				 const analysis_options *opt, json_object **doc, char *err, size_t errlen)
{
	char		memory[32],
				parent[32],
				threads[16],
				max_file[32];
	char	   *argv[] = {"sesami-worker", "_analyze", (char *) repo, (char *) result_path,
	memory, parent, threads, max_file, NULL};
	analyze_watch w = {.opt = opt,.err = err,.errlen = errlen};
	child_spec	spec = {.argv = argv,.on_line = analyze_on_line,.on_idle = analyze_on_idle,.arg = &w};
	char	   *input = NULL;
	size_t		input_len = 0;
	FILE	   *in = open_memstream(&input, &input_len);
	int			wstatus;
	child_end	end;

	*doc = NULL;
	if (in == NULL)
	{
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < opt->nauthors; i++)
		fprintf(in, "%s\n", opt->authors[i]);
	fclose(in);
	spec.input = input;
	spec.input_len = input_len;
	snprintf(memory, sizeof(memory), "%llu", (unsigned long long) max_memory);
	snprintf(parent, sizeof(parent), "%ld", (long) getpid());
	snprintf(threads, sizeof(threads), "%d", opt->threads);
	snprintf(max_file, sizeof(max_file), "%llu", (unsigned long long) opt->max_file_bytes);

	end = child_run(&spec, &wstatus, err, errlen);
	free(input);
	if (end == CHILD_NOT_STARTED)
		return -1;
	if (end == CHILD_STOPPED)
		return 1;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 && !w.have_error)
	{
		*doc = json_object_from_file(result_path);
		if (*doc == NULL)
		{
			snprintf(err, errlen, "could not read the analysis result: %s", json_util_get_last_err());
			return -1;
		}
		return 0;
	}
	if (w.have_error)
	{
		/* allocation failures under the limit surface as libraries' errors */
		if (max_memory > 0 && strstr(err, "memory") != NULL)
		{
			size_t		n = strlen(err);

			snprintf(err + n, errlen - n, " (the analysis is limited to %llu bytes, SESAMI_MAX_ANALYSIS_BYTES)",
					 (unsigned long long) max_memory);
		}
		return -1;
	}
	if (WIFSIGNALED(wstatus))
		snprintf(err, errlen, "the analysis process was killed by signal %d; it may have exceeded its memory limit of %llu bytes (SESAMI_MAX_ANALYSIS_BYTES)",
				 WTERMSIG(wstatus), (unsigned long long) max_memory);
	else
		snprintf(err, errlen, "the analysis process failed with exit code %d", WEXITSTATUS(wstatus));
	return -1;
}

/* Child progress hook: a line per stage change and per 1 % step. */
static void
child_progress(const char *stage, double fraction, void *arg)
{
	static const char *last_stage;
	static int	last_step = -1;
	int			step = (int) (fraction * 100.0);

	(void) arg;
	if (stage == last_stage && step == last_step)
		return;
	last_stage = stage;
	last_step = step;
	printf("progress %s %.4f\n", stage, fraction);
	fflush(stdout);
}

/* Print "error MESSAGE" on one line (newlines in library messages flattened). */
static int
child_error(const char *message)
{
	printf("error ");
	for (const char *c = message; *c; c++)
		putchar(*c == '\n' || *c == '\r' ? ' ' : *c);
	putchar('\n');
	fflush(stdout);
	return 1;
}

/*
 * Child entry point:
 * `sesami-worker _analyze REPO RESULT_PATH MAX_MEMORY PARENT_PID THREADS MAX_FILE_BYTES`.
 */
int
analyze_child_main(int argc, char **argv)
{
	analysis_options opt;
	analysis_result *result = NULL;
	json_object *doc;
	char	   *input = NULL,
			   *line,
			   *save = NULL;
	size_t		cap = 0,
				len = 0;
	const char **authors = NULL;
	size_t		nauthors = 0;
	char		err[1024];
	ssize_t		n;
	int			rc;

	if (argc != 8)
		return child_error("internal: bad _analyze arguments");
	if (child_guard(argv[5], "0") != 0)
		return 2;

	/* the identities first: reading stdin needs no memory to speak of */
	for (;;)
	{
		if (len + 4096 + 1 > cap)
		{
			char	   *grown = realloc(input, cap = (cap + 4096) * 2);

			if (grown == NULL)
				return child_error("out of memory reading the identities");
			input = grown;
		}
		n = read(0, input + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t) n;
	}
	if (input == NULL)
		return child_error("out of memory reading the identities");
	input[len] = '\0';
	authors = calloc(len / 2 + 2, sizeof(char *));
	if (authors == NULL)
		return child_error("out of memory reading the identities");
	for (line = strtok_r(input, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		authors[nauthors++] = line;

	if (child_limit_memory(argv[4]) != 0)
		return child_error("could not set the analysis memory limit");

	git_libgit2_init();
	analysis_options_init(&opt);
	opt.authors = authors;
	opt.nauthors = nauthors;
	opt.threads = atoi(argv[6]);
	opt.max_file_bytes = strtoull(argv[7], NULL, 10);
	opt.progress = child_progress;

	rc = sesami_analyze(argv[2], &opt, &result, err, sizeof(err));
	if (rc != 0)
		return child_error(rc == 1 ? "the analysis was stopped" : err);
	doc = analysis_result_to_json(result);
	analysis_result_free(result);
	if (doc == NULL)
		return child_error("out of memory rendering the result");
	child_progress("stack", 1.0, NULL);
	if (tree_scan_into(argv[2], doc, err, sizeof(err)) != 0)
		return child_error(err);
	if (json_object_to_file_ext(argv[3], doc, JSON_C_TO_STRING_PLAIN) != 0)
	{
		snprintf(err, sizeof(err), "could not write the analysis result: %s", json_util_get_last_err());
		return child_error(err);
	}
	json_object_put(doc);
	free(authors);
	free(input);
	git_libgit2_shutdown();
	return 0;
}
