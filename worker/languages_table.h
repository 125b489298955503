/*
 * languages_table.h — the generated Linguist language table (internal).
 *
 * Defined in languages_table.c, which worker/gen/gen-languages.mjs writes
 * from the npm package linguist-languages.  Only languages.c includes this.
 * Every lang_key array is sorted by key in strcmp() order; rows with the same
 * key are in language (alphabetical) order.
 */
#ifndef SESAMI_LANGUAGES_TABLE_H
#define SESAMI_LANGUAGES_TABLE_H

#include "languages.h"

/* One lookup row: key (extension, filename or interpreter) → language. */
typedef struct lang_key
{
	const char *key;
	int			lang;			/* index into lang_defs */
} lang_key;

extern const char *const lang_table_source;
extern const lang_def lang_defs[];
extern const int lang_ndefs;
extern const lang_key lang_extensions[];
extern const int lang_nextensions;
extern const lang_key lang_filenames[];
extern const int lang_nfilenames;
extern const lang_key lang_interpreters[];
extern const int lang_ninterpreters;
extern const lang_key lang_aliases[];
extern const int lang_naliases;

#endif							/* SESAMI_LANGUAGES_TABLE_H */
