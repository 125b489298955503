/*
 * jsonutf8.c — repository text as valid UTF-8 JSON strings (see jsonutf8.h).
 */
#include "jsonutf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s (0 if invalid). */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	size_t		n;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xE0) == 0xC0)
		n = 2, cp = s[0] & 0x1F;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3, cp = s[0] & 0x0F;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		(cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Copy s into buf (room for 3 bytes per byte + 1) as valid UTF-8; returns the length. */
static size_t
sanitize(const char *s, size_t len, char *buf, bool *lossy)
{
	size_t		o = 0;

	for (size_t i = 0; i < len;)
	{
		size_t		n = utf8_seq((const unsigned char *) s + i, len - i);

		if (n == 0)
		{
			memcpy(buf + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
			if (lossy)
				*lossy = true;
		}
		else
		{
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		}
	}
	buf[o] = '\0';
	return o;
}

/* See jsonutf8.h. */
char *
utf8_text(const char *s)
{
	size_t		len = strlen(s);
	char	   *buf = malloc(len * 3 + 1);

	if (buf)
		sanitize(s, len, buf, NULL);
	return buf;
}

/* See jsonutf8.h. */
json_object *
json_utf8(const char *s, bool *lossy)
{
	size_t		len = strlen(s);
	char	   *buf = malloc(len * 3 + 1);
	json_object *j;

	if (!buf)
		return NULL;
	j = json_object_new_string_len(buf, (int) sanitize(s, len, buf, lossy));
	free(buf);
	return j;
}

/* See jsonutf8.h. */
void
json_add_path(json_object *obj, const char *path)
{
	bool		lossy = false;

	json_object_object_add(obj, "path", json_utf8(path, &lossy));
	if (lossy)
	{
		size_t		n = strlen(path);
		char	   *hex = malloc(n * 2 + 1);

		if (hex)
		{
			for (size_t i = 0; i < n; i++)
				snprintf(hex + 2 * i, 3, "%02x", (unsigned char) path[i]);
			json_object_object_add(obj, "path_hex", json_object_new_string(hex));
			free(hex);
		}
	}
}
