/*
 * glob_test.c — table-driven checks of worker/glob.c, printed as TAP lines
 * ("ok - ..." / "not ok - ...") for test/lingstack.test.sh.  Exit status is
 * the number of failures (capped at 1).
 */
#include <stdio.h>

#include "glob.h"

/* One case: pattern, text, flags, expected result. */
typedef struct glob_case
{
	const char *pattern;
	const char *text;
	int			flags;
	int			expect;
} glob_case;

static const glob_case cases[] = {
	{"*.min.js", "jquery.MIN.js", 0, 1},		/* case-insensitive */
	{"*.min.js", "app.js", 0, 0},
	{"README.*", "readme.md", 0, 1},
	{"README.*", "README", 0, 0},
	{"a*b*c", "axxbyyc", 0, 1},					/* backtracking over two stars */
	{"a*b*c", "axxbyyd", 0, 0},
	{"*", "", 0, 1},
	{"?*.zep.c", ".zep.c", 0, 0},				/* '?' needs one character */
	{"?*.zep.c", "x.zep.c", 0, 1},
	{"*.framework", "a/b.framework", GLOB_PATHNAME, 0},	/* '*' stops at '/' */
	{"*.framework", "a/b.framework", 0, 1},
	{"*.xcodeproj/project.pbxproj", "App.xcodeproj/project.pbxproj", GLOB_PATHNAME, 1},
	{"a?c", "a/c", GLOB_PATHNAME, 0},
	{"[ab]", "[ab]", 0, 1},						/* '[' is literal */
	{"node_modules", "Node_Modules", 0, 1},
};

/* Run every case and report each one. */
int
main(void)
{
	int			failed = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		const glob_case *c = &cases[i];
		int			got = glob_match(c->pattern, c->text, c->flags) ? 1 : 0;

		printf("%s - glob: \"%s\" %s \"%s\"%s\n", got == c->expect ? "ok" : "not ok",
			   c->pattern, c->expect ? "matches" : "does not match", c->text,
			   c->flags & GLOB_PATHNAME ? " (pathname)" : "");
		failed += got != c->expect;
	}
	return failed ? 1 : 0;
}
