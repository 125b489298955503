/*
 * treescan.h — languages and tech stack of a repository's HEAD tree, in one
 * walk over the tree's blobs (no checkout).
 */
#ifndef SESAMI_WORKER_TREESCAN_H
#define SESAMI_WORKER_TREESCAN_H

#include <stddef.h>

#include <json-c/json.h>

int			tree_scan(const char *repo_path, json_object **languages, json_object **stack,
					  char *err, size_t errlen);

#endif
