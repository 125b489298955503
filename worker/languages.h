/*
 * languages.h — repository languages the GitHub Linguist way.
 *
 * A file is classified from its path and the first bytes of its content
 * (a libgit2 blob; nothing is read from a working tree):
 *   1. path rules exclude vendored, documentation and generated files;
 *   2. a binary media type by extension, a PDF/PostScript header or a NUL
 *      byte in the first 8000 bytes makes it binary;
 *   3. content rules catch generated files Linguist recognises by content
 *      (Go/protobuf "DO NOT EDIT" banners, minified JavaScript/CSS);
 *   4. the language comes from the exact filename, else the shebang's
 *      interpreter, else the longest known extension; ambiguous extensions
 *      are settled by small content heuristics, then by a popularity list,
 *      then by the language Linguist lists first (alphabetical).
 * Only programming and markup languages are counted, by bytes, under their
 * Linguist group (TSX counts as TypeScript).  Linguist's .gitattributes
 * overrides (linguist-vendored/generated/documentation/detectable/language)
 * are honoured through the *_ex functions and a lang_attrs the caller looks
 * up (languages_git.c does it with libgit2 from the analysed commit).  The language table itself is
 * generated from the npm package linguist-languages (languages_table.c).
 *
 * lang_stats accumulates files into bytes per language plus the list of
 * excluded files with their reason, and renders it as a json-c object.
 * Nothing here is thread-safe per object; distinct lang_stats may be used
 * from distinct threads (the tables are read-only).
 */
#ifndef SESAMI_LANGUAGES_H
#define SESAMI_LANGUAGES_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* How many leading bytes the binary, generated and shebang checks look at
 * (Linguist's binary window). */
#define LANG_HEAD_BYTES 8000

/* How much of a file the content heuristics of ambiguous extensions (.sql,
 * .h, .m, ...) look at.  Linguist matches them against the whole file; a
 * .sql file whose first "$$" comes after 8000 bytes is still PL/pgSQL. */
#define LANG_CONTENT_BYTES (1024 * 1024)

/* Linguist's language types. */
typedef enum lang_type
{
	LANG_TYPE_DATA,
	LANG_TYPE_MARKUP,
	LANG_TYPE_PROGRAMMING,
	LANG_TYPE_PROSE
} lang_type;

/* One language of the generated table. */
typedef struct lang_def
{
	const char *name;
	lang_type	type;
	const char *color;			/* "#rrggbb" or NULL */
	int			group;			/* index of the language its bytes count under */
} lang_def;

/* What lang_classify decided about one file. */
typedef enum lang_verdict
{
	LANG_COUNTED,				/* programming or markup language: counted */
	LANG_NOT_COUNTED,			/* recognised data or prose language */
	LANG_UNKNOWN,				/* no language recognised */
	LANG_VENDORED,
	LANG_GENERATED,
	LANG_DOCUMENTATION,
	LANG_BINARY
} lang_verdict;

/* Details of a classification. */
typedef struct lang_info
{
	lang_verdict verdict;
	const lang_def *language;	/* detected language, NULL when none */
	const lang_def *group;		/* language the bytes count under, or NULL */
	const char *rule;			/* static text: which rule decided */
} lang_info;

/*
 * Linguist's .gitattributes overrides for one path: linguist-vendored,
 * linguist-generated, linguist-documentation, linguist-detectable (each -1
 * unset, 0 false, 1 true) and linguist-language (name or alias, "" unset).
 * languages_git.h fills one from a repository with libgit2.
 */
typedef struct lang_attrs
{
	signed char vendored;
	signed char generated;
	signed char documentation;
	signed char detectable;
	char		language[64];
} lang_attrs;

/* Set every attribute to "unset". */
extern void lang_attrs_clear(lang_attrs *attrs);

/*
 * Classify one file from its repository-relative path ("src/a.c") and the
 * first headlen bytes of its content (pass the first LANG_CONTENT_BYTES, or
 * the whole file when it is shorter).  Fills *out (may be NULL) and returns
 * the verdict.
 */
extern lang_verdict lang_classify(const char *path, const unsigned char *head,
								  size_t headlen, lang_info *out);

/*
 * The same, honouring .gitattributes overrides (attrs may be NULL): true
 * vendored/generated/documentation exclude the file, false ones cancel the
 * matching path rule; linguist-language forces the language; detectable true
 * counts a data/prose file, false drops a programming/markup one.
 */
extern lang_verdict lang_classify_ex(const char *path, const unsigned char *head,
									 size_t headlen, const lang_attrs *attrs,
									 lang_info *out);

/* Short lower-case name of a verdict ("vendored", "counted", ...). */
extern const char *lang_verdict_name(lang_verdict verdict);

/* Linguist's name of a language type ("programming", ...). */
extern const char *lang_type_name(lang_type type);

/* Look a language up by name or alias, ignoring case ("cpp", "objc"). */
extern const lang_def *lang_by_alias(const char *name);

/* Accumulator of bytes per language over a whole tree. */
typedef struct lang_stats lang_stats;

/* Create an empty accumulator; NULL when out of memory. */
extern lang_stats *lang_stats_new(void);

/*
 * Classify a file, honouring .gitattributes overrides (attrs may be NULL),
 * and add it: counted languages add size bytes; anything else is recorded in
 * the excluded list with its reason.  head/headlen as for lang_classify; size
 * is the whole file's size in bytes.
 */
extern lang_verdict lang_stats_add_ex(lang_stats *stats, const char *path,
									  const unsigned char *head, size_t headlen,
									  uint64_t size, const lang_attrs *attrs);

/* Record a file skipped before classification (e.g. too large, symlink). */
extern void lang_stats_skip(lang_stats *stats, const char *path, const char *reason);

/*
 * Render as a new json-c object:
 * {"source", "total_bytes", "languages": [{"name","type","color","bytes",
 *  "files","percent"}...] (by bytes, descending), "excluded": [{"path",
 *  "reason", "language"?}...], "excluded_count", "excluded_truncated"}.
 */
extern json_object *lang_stats_json(const lang_stats *stats);

/* Free an accumulator (NULL is fine). */
extern void lang_stats_free(lang_stats *stats);

#endif							/* SESAMI_LANGUAGES_H */
