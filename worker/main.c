/*
 * main.c — sesami-worker entry point.
 *
 * sesami-worker is the standalone program that clones a repository, analyses
 * it and writes the result back through the worker.* SQL functions.  This
 * file parses the command line and dispatches to a mode:
 *   version   the versions of every library the worker links
 *   analyze   the database-free analysis of a local repository (analysis.h),
 *             printed as a table or as the "sesami.analysis/1" JSON document
 * The database modes (batch, poll, local) call the same sesami_analyze().
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <git2.h>
#include <json-c/json_c_version.h>
#include <libpq-fe.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>

#include "analysis.h"
#include "analyze_child.h"
#include "cli_db.h"
#include "clone.h"
#include "job.h"
#include "treescan.h"

/* Print the usage text to the given stream. */
static void
usage(FILE *out)
{
	fputs("usage: sesami-worker COMMAND [OPTIONS]\n"
		  "\n"
		  "commands:\n"
		  "  analyze   analyse a local repository (sesami-worker analyze --help)\n"
		  "  local     claim queued jobs from PostgreSQL (sesami-worker local --help)\n"
		  "  batch     run the job in $SQS_MESSAGE_BODY (AWS Batch)\n"
		  "  poll      run jobs from an SQS queue\n"
		  "  version   print the versions of the linked libraries\n"
		  "  help      print this text\n",
		  out);
}

/* Print the usage text of the analyze command. */
static void
analyze_usage(FILE *out)
{
	fputs("usage: sesami-worker analyze PATH|URL [--author EMAIL ...] [--json] [--threads N]\n"
		  "                              [--max-file-bytes N] [--progress] [--trust-owner]\n"
		  "\n"
		  "Analyse the repository at PATH (bare or not), or cloned from an https URL\n"
		  "(sandboxed, as the job modes do; $SESAMI_MIRROR_DIR and $GITHUB_TOKEN apply),\n"
		  "at HEAD, without a database:\n"
		  "surviving lines per author as `git blame` counts them (.mailmap applied;\n"
		  "binary files, symlinks and submodules are not counted), commits, added and\n"
		  "deleted lines and files touched per author, and the top author of each file.\n"
		  "\n"
		  "  --author EMAIL  the user's e-mail; repeat for more.  GitHub noreply forms\n"
		  "                  (ID+login@users.noreply.github.com) match each other.\n"
		  "  --json          print the sesami.analysis/1 JSON document\n"
		  "  --threads N     threads to use (default: one per CPU); 1 runs serially\n"
		  "  --max-file-bytes N  do not count files larger than N bytes (default: no limit)\n"
		  "  --progress      report stages and progress on stderr\n"
		  "  --trust-owner   open the repository even if another user owns it\n",
		  out);
}

/* Progress hook of the CLI: one line per stage change and per 10 %. */
static void
cli_progress(const char *stage, double fraction, void *arg)
{
	static const char *last_stage;
	static int	last_step = -1;
	int			step = (int) (fraction * 10.0);

	(void) arg;
	if (stage != last_stage || step != last_step)
		fprintf(stderr, "sesami-worker: %s %3.0f%%\n", stage, fraction * 100.0);
	last_stage = stage;
	last_step = step;
}

/* The analyze command: parse its options, run the analysis, print it. */
static int
cmd_analyze(int argc, char **argv)
{
	const char **authors = calloc((size_t) argc, sizeof(char *));
	const char *path = NULL;
	analysis_options opt;
	analysis_result *r = NULL;
	bool		as_json = false;
	char		err[1024];
	char		rundir[4096] = "";
	char		clone_path[4200];
	int			rc;

	if (!authors)
	{
		fprintf(stderr, "sesami-worker: out of memory\n");
		return 1;
	}
	analysis_options_init(&opt);
	if (git_libgit2_init() < 0)
	{
		fprintf(stderr, "sesami-worker: could not initialise libgit2\n");
		free(authors);
		return 1;
	}
	for (int i = 2; i < argc; i++)
	{
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
		{
			analyze_usage(stdout);
			free(authors);
			return 0;
		}
		else if (strcmp(a, "--json") == 0)
			as_json = true;
		else if (strcmp(a, "--progress") == 0)
			opt.progress = cli_progress;
		else if (strcmp(a, "--trust-owner") == 0)
		{
			if (git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0) != 0)
			{
				fprintf(stderr, "sesami-worker: could not turn libgit2's owner validation off\n");
				free(authors);
				return 1;
			}
		}
		else if ((strcmp(a, "--author") == 0 || strcmp(a, "--threads") == 0 ||
				  strcmp(a, "--max-file-bytes") == 0) && i + 1 >= argc)
		{
			fprintf(stderr, "sesami-worker: option \"%s\" needs a value\n", a);
			free(authors);
			return 2;
		}
		else if (strcmp(a, "--author") == 0)
		{
			const char *e = argv[++i];

			if (!strchr(e, '@'))
			{
				fprintf(stderr, "sesami-worker: \"%s\" is not an e-mail address\n", e);
				free(authors);
				return 2;
			}
			authors[opt.nauthors++] = e;
		}
		else if (strcmp(a, "--threads") == 0)
		{
			char	   *end;
			long		n;

			errno = 0;
			n = strtol(argv[++i], &end, 10);
			if (errno || *end || n < 1 || n > 64)
			{
				fprintf(stderr, "sesami-worker: --threads wants a number from 1 to 64, not \"%s\"\n",
						argv[i]);
				free(authors);
				return 2;
			}
			opt.threads = (int) n;
		}
		else if (strcmp(a, "--max-file-bytes") == 0)
		{
			char	   *end;
			unsigned long long n;

			errno = 0;
			n = strtoull(argv[++i], &end, 10);
			if (errno || *end || argv[i][0] == '-' || argv[i][0] == '\0')
			{
				fprintf(stderr, "sesami-worker: --max-file-bytes wants a number of bytes, not \"%s\"\n",
						argv[i]);
				free(authors);
				return 2;
			}
			opt.max_file_bytes = n;
		}
		else if (a[0] == '-' && a[1] != '\0')
		{
			fprintf(stderr, "sesami-worker: unknown option \"%s\"\n", a);
			analyze_usage(stderr);
			free(authors);
			return 2;
		}
		else if (path)
		{
			fprintf(stderr, "sesami-worker: only one repository path, got \"%s\" and \"%s\"\n", path, a);
			free(authors);
			return 2;
		}
		else
			path = a;
	}
	if (!path)
	{
		analyze_usage(stderr);
		free(authors);
		return 2;
	}
	opt.authors = authors;
	if (strncmp(path, "https://", 8) == 0)
	{
		/*
		 * a URL: clone it (bare, sandboxed) into a private run directory,
		 * with the work directory, mirror and clone limits the other modes
		 * take from the environment
		 */
		worker_config cfg;
		char		srcbuf[4200];

		worker_config_init(&cfg);
		if (rundir_create(cfg.workdir, rundir, sizeof(rundir), err, sizeof(err)) != 0)
		{
			fprintf(stderr, "sesami-worker: %s\n", err);
			free(authors);
			return 1;
		}
		snprintf(clone_path, sizeof(clone_path), "%s/repo.git", rundir);
		if (clone_repository(clone_source(path, cfg.mirror, srcbuf, sizeof(srcbuf)),
							 clone_path, getenv("GITHUB_TOKEN"), &cfg.limits, NULL, NULL,
							 err, sizeof(err)) != CLONE_OK)
		{
			fprintf(stderr, "sesami-worker: %s\n", err);
			rundir_remove(rundir);
			free(authors);
			return 1;
		}
		path = clone_path;
	}
	rc = sesami_analyze(path, &opt, &r, err, sizeof(err));
	free(authors);
	if (rc != 0)
	{
		rundir_remove(rundir);
		fprintf(stderr, "sesami-worker: %s\n", err);
		if (strstr(err, "owner") || strstr(err, "safe.directory"))
			fprintf(stderr, "hint: the repository belongs to another user; pass --trust-owner "
					"if you trust it.\n");
		return 1;
	}
	if (as_json)
	{
		json_object *doc = analysis_result_to_json(r);

		if (tree_scan_into(path, doc, err, sizeof(err)) != 0)
		{
			fprintf(stderr, "sesami-worker: %s\n", err);
			json_object_put(doc);
			analysis_result_free(r);
			rundir_remove(rundir);
			return 1;
		}

		puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	}
	else
		analysis_result_print_table(r, stdout);
	analysis_result_free(r);
	rundir_remove(rundir);
	return 0;
}

/* Print the version of sesami-worker and of every library it links. */
static int
print_versions(void)
{
	int			major,
				minor,
				rev;

	git_libgit2_version(&major, &minor, &rev);
	printf("sesami-worker 0.1.0\n");
	printf("libgit2 %d.%d.%d\n", major, minor, rev);
	printf("libcurl %s\n", curl_version_info(CURLVERSION_NOW)->version);
	printf("libpq %d\n", PQlibVersion());
	printf("openssl %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("json-c %s\n", json_c_version());
	return 0;
}

/* Parse the command and run it. */
int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
	{
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)
		return print_versions();
	if (strcmp(argv[1], "analyze") == 0)
		return cmd_analyze(argc, argv);
	if (is_database_mode(argv[1]))
		return cmd_database_mode(argc, argv);
	if (strcmp(argv[1], "_clone") == 0)
		return clone_child_main(argc, argv);
	if (strcmp(argv[1], "_analyze") == 0)
		return analyze_child_main(argc, argv);

	fprintf(stderr, "sesami-worker: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
