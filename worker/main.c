/*
 * main.c — sesami-worker entry point.
 *
 * sesami-worker is the standalone program that clones a repository, analyses
 * it and writes the result back through the api.worker_* SQL functions.  This
 * file parses the command line and dispatches to a mode.  Until the analysis
 * modes land (issue 4) it offers only `version`, which proves the binary links
 * against every library the worker is built on.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <git2.h>
#include <json-c/json_c_version.h>
#include <libpq-fe.h>
#include <openssl/opensslv.h>
#include <openssl/crypto.h>

/* Print the usage text to the given stream. */
static void
usage(FILE *out)
{
	fputs("usage: sesami-worker COMMAND [OPTIONS]\n"
		  "\n"
		  "commands:\n"
		  "  version   print the versions of the linked libraries\n"
		  "  help      print this text\n",
		  out);
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

	fprintf(stderr, "sesami-worker: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return 2;
}
