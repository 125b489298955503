/*
 * analysis-api.c — checks the C API of worker/analysis.h that the worker's
 * database modes will call: progress stages and fractions, cancellation,
 * the result's totals and the JSON document.  Built and run by
 * test/blame.test.sh; prints one "ok - ..." / "not ok - ..." line per check.
 *
 * usage: analysis-api REPO
 */
#include <stdio.h>
#include <string.h>

#include "analysis.h"

static int	failures;

/* Print a TAP-style line for one check. */
static void
check(int cond, const char *what)
{
	printf("%sok - api: %s\n", cond ? "" : "not ", what);
	if (!cond)
		failures++;
}

/* What the progress hook saw. */
typedef struct seen
{
	int			calls;
	int			bad_fraction;
	int			saw_blame;
	int			saw_done;
	int			cancel_calls;
	int			cancel_after;	/* cancel on this call (0: never) */
} seen;

/* Progress hook: record stages and check the fraction range. */
static void
on_progress(const char *stage, double fraction, void *arg)
{
	seen	   *s = arg;

	s->calls++;
	if (fraction < 0.0 || fraction > 1.0)
		s->bad_fraction++;
	if (strcmp(stage, "blame") == 0)
		s->saw_blame = 1;
	if (strcmp(stage, "done") == 0 && fraction == 1.0)
		s->saw_done = 1;
}

/* Cancel hook: ask to stop on the configured call. */
static int
on_cancel(void *arg)
{
	seen	   *s = arg;

	s->cancel_calls++;
	return s->cancel_after && s->cancel_calls >= s->cancel_after;
}

/* Run every check against the repository given. */
int
main(int argc, char **argv)
{
	analysis_options opt;
	analysis_result *r = NULL;
	char		err[512];
	seen		s = {0};
	int			rc;
	uint64_t	sum = 0;
	const char *authors[] = {"alice@example.com"};

	if (argc != 2)
	{
		fprintf(stderr, "usage: analysis-api REPO\n");
		return 2;
	}
	analysis_options_init(&opt);
	opt.progress = on_progress;
	opt.cancel = on_cancel;
	opt.cb_arg = &s;
	opt.threads = 1;
	opt.authors = authors;
	opt.nauthors = 1;
	rc = sesami_analyze(argv[1], &opt, &r, err, sizeof(err));
	check(rc == 0 && r != NULL, "sesami_analyze succeeds");
	if (rc != 0 || !r)
	{
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	check(s.saw_blame && s.saw_done, "progress reports the blame stage and done at 1.0");
	check(s.bad_fraction == 0, "progress fractions stay within 0..1");
	check(s.cancel_calls > 0, "the cancel hook is polled");
	for (size_t i = 0; i < r->nauthors; i++)
		sum += r->authors[i].blame_lines;
	check(sum == r->total_lines && r->total_lines > 0, "author blame_lines add up to the total");
	sum = 0;
	for (size_t i = 0; i < r->nauthors; i++)
		sum += r->authors[i].lines;
	check(sum == r->class_lines[ANALYSIS_CODE] && sum < r->total_lines,
		  "author lines add up to the code lines (the vendored file left out)");
	check(r->has_user && r->user.lines > 0, "the user's lines are counted");
	{
		json_object *doc = analysis_result_to_json(r);
		json_object *schema = NULL;

		check(doc && json_object_object_get_ex(doc, "schema", &schema) &&
			  strcmp(json_object_get_string(schema), ANALYSIS_SCHEMA) == 0,
			  "analysis_result_to_json carries the schema");
		json_object_put(doc);
	}
	analysis_result_free(r);

	/* cancel on the first poll: no result, return 1 */
	memset(&s, 0, sizeof(s));
	s.cancel_after = 1;
	r = NULL;
	rc = sesami_analyze(argv[1], &opt, &r, err, sizeof(err));
	check(rc == 1 && r == NULL && strstr(err, "cancelled") != NULL, "cancellation returns 1 and no result");
	/* cancel with threads */
	memset(&s, 0, sizeof(s));
	s.cancel_after = 1;
	opt.threads = 3;
	rc = sesami_analyze(argv[1], &opt, &r, err, sizeof(err));
	check(rc == 1 && r == NULL, "cancellation stops every thread");

	rc = sesami_analyze("/nonexistent/repo", NULL, &r, err, sizeof(err));
	check(rc == -1 && strstr(err, "could not open repository") != NULL, "a missing repository is a clear error");
	return failures ? 1 : 0;
}
