/*
 * credentials.c — libFuzzer target for what the credential endpoints send
 * (common/aws_credentials.c): the container / IMDS credentials JSON, the
 * IMDS role listing, Expiration timestamps, and the FULL_URI check.  The
 * first byte picks the parser, the rest is its input.  Beyond "no crash":
 * error texts are one line.
 */
#include "fuzz.h"

#include "aws_credentials.h"

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	aws_credentials c;
	char		err[256] = "";
	char	   *text;
	char	   *role;
	time_t		t;

	if (size < 1)
		return 0;
	text = fuzz_cstring(data + 1, size - 1);
	switch (data[0] % 4)
	{
		case 0:
			if (aws_credentials_parse_json(text, size - 1, "fuzz", &c, err, sizeof(err)) == AWS_OK)
			{
				if (!c.access_key_id || !c.secret_access_key || !c.access_key_id[0])
					abort();
				aws_credentials_clear(&c);
			}
			break;
		case 1:
			role = aws_imds_role_name(text, size - 1);
			if (role && (strchr(role, '/') || strchr(role, '\n') || strlen(role) > 64))
				abort();
			free(role);
			break;
		case 2:
			aws_parse_iso8601(text, &t);
			break;
		default:
			aws_container_url_allowed(text);
			aws_header_value_ok(text);
			break;
	}
	for (const char *s = err; *s; s++)
		if ((unsigned char) *s < 0x20)
			abort();
	free(text);
	return 0;
}
