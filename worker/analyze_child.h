/*
 * analyze_child.h — the job's analysis in a limited child process.
 *
 * A small repository can still take a lot of memory to analyse (a YAML alias
 * bomb in a manifest, a pathological history), so the job modes run
 * sesami_analyze() and the tree scan (languages, tech stack) in a child
 * (`sesami-worker _analyze`) with an address-space limit
 * (SESAMI_MAX_ANALYSIS_BYTES), as the clone runs in `_clone`.  The child dies
 * with its parent; the parent kills it when the cancel hook says stop.
 */
#ifndef SESAMI_WORKER_ANALYZE_CHILD_H
#define SESAMI_WORKER_ANALYZE_CHILD_H

#include <json-c/json.h>

#include "analysis.h"

int			analyze_in_child(const char *repo, const char *result_path, uint64_t max_memory,
							 const analysis_options *opt, json_object **doc,
							 char *err, size_t errlen);
int			analyze_child_main(int argc, char **argv);

#endif
