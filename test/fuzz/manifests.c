/*
 * fuzz_manifests.c — libFuzzer target for the manifest parsers and the
 * language classifier (not part of the pass/fail suite: it runs until
 * stopped).  The first input byte picks a path (so a manifest kind), the rest
 * is the file's content.
 *
 *   clang -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -Iworker \
 *     -o /tmp/fuzz test/fuzz_manifests.c worker/glob.c worker/jsonutf8.c worker/stack.c \
 *     worker/stack_manifests.c worker/stack_rules.c worker/languages.c \
 *     worker/languages_table.c $(pkg-config --cflags --libs json-c libxml-2.0 yaml-0.1)
 *   /tmp/fuzz -max_total_time=120 -max_len=4096 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>

#include "languages.h"
#include "stack.h"

/* Paths whose kinds the first byte selects. */
static const char *const paths[] = {
	"package.json", "requirements.txt", "pyproject.toml", "Pipfile", "go.mod",
	"Cargo.toml", "pom.xml", "build.gradle", "Gemfile", "composer.json",
	"a.csproj", "pubspec.yaml", "Dockerfile", "docker-compose.yml", "main.tf",
	".github/workflows/ci.yml", "k8s/x.yaml", "src/a.h", "x.m", "a.pl",
	"gradle/libs.versions.toml", "x.asc", "y.l", "setup.py", "setup.cfg",
};

/* libFuzzer entry point: scan one file and classify it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	stack_scan *scan;
	lang_info	info;

	if (size < 1)
		return 0;
	path = paths[data[0] % (sizeof(paths) / sizeof(paths[0]))];
	scan = stack_scan_new();
	stack_scan_add(scan, path, (const char *) data + 1, size - 1);
	json_object_put(stack_scan_finish(scan));
	stack_scan_free(scan);
	lang_classify(path, data + 1, size - 1, &info);
	return 0;
}
