/*
 * aws_buf.c — growable byte buffer for sesami's AWS client layer.
 *
 * See aws_buf.h.  Growth doubles the capacity; the terminating NUL is kept
 * after every append so data can be used as a C string at any time.
 */
#include "aws_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/*
 * Make room for at least extra more bytes plus the NUL; 0 on failure.  The
 * buffer may hold secrets (credentials, tokens), so it grows by copying and
 * wiping the old block, never by realloc, which would leave a copy behind.
 */
static int
aws_buf_reserve(aws_buf *b, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (b->failed)
		return 0;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL)
	{
		b->failed = 1;
		return 0;
	}
	if (b->data)
	{
		memcpy(p, b->data, b->len + 1);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 1;
}

/* Append len bytes. */
void
aws_buf_append(aws_buf *b, const void *data, size_t len)
{
	if (!aws_buf_reserve(b, len))
		return;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a C string. */
void
aws_buf_puts(aws_buf *b, const char *s)
{
	aws_buf_append(b, s, strlen(s));
}

/* Append one character. */
void
aws_buf_putc(aws_buf *b, char c)
{
	aws_buf_append(b, &c, 1);
}

/* Append printf-formatted text. */
void
aws_buf_printf(aws_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
	{
		b->failed = 1;
		return;
	}
	if (!aws_buf_reserve(b, (size_t) n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* Empty the buffer but keep its memory (and clear the failure flag). */
void
aws_buf_reset(aws_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	b->len = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Wipe and release the memory. */
void
aws_buf_free(aws_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

/* Hand the data to the caller (never NULL unless allocation failed). */
char *
aws_buf_steal(aws_buf *b)
{
	char	   *p;

	if (b->failed)
	{
		aws_buf_free(b);
		return NULL;
	}
	if (b->data == NULL)
		aws_buf_append(b, "", 0);
	p = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
