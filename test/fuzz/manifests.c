/*
 * manifests.c — libFuzzer target for the tech-stack manifest parsers
 * (worker/stack_manifests.c: JSON, XML, YAML, TOML and the line formats)
 * and the language classifier.  The first input byte picks a path (so a
 * manifest kind), the rest is the file's content.  Built by test/fuzz/Makefile.
 */
#include "fuzz.h"

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
