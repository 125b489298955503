/*
 * treescan.h — languages, tech stack and the per-language contribution of a
 * repository's HEAD tree, from one walk over the tree's blobs (no checkout).
 */
#ifndef SESAMI_WORKER_TREESCAN_H
#define SESAMI_WORKER_TREESCAN_H

#include <stddef.h>

#include <json-c/json.h>

int			tree_scan_into(const char *repo_path, json_object *doc, char *err, size_t errlen);

#endif
