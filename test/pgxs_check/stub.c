/*
 * stub.c — the module magic block for test/pgxs_check, which builds sesami's
 * shared AWS layer (common/) as a PGXS module to prove it compiles and links
 * inside one.  Nothing here runs.
 */
#include "postgres.h"
#include "fmgr.h"

PG_MODULE_MAGIC;
