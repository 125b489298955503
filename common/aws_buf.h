/*
 * aws_buf.h — growable byte buffer shared by sesami's AWS client layer.
 *
 * One small string builder used by sigv4.c (canonical request), aws_http.c
 * (response bodies) and the callers above them.  Appends never fail loudly:
 * an allocation failure sets buf->failed, later appends become no-ops, and the
 * caller checks failed once at the end.  data is always NUL-terminated when
 * non-NULL.  Memory is wiped (OPENSSL_cleanse) whenever it is given up —
 * on growth, reset and free — since buffers carry credentials and tokens.  The buffer owns data (malloc'd); aws_buf_free() releases it and
 * aws_buf_steal() hands it to the caller (who then free()s it).  No globals.
 */
#ifndef SESAMI_AWS_BUF_H
#define SESAMI_AWS_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct aws_buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	int			failed;			/* set once an allocation failed */
} aws_buf;

#define AWS_BUF_INIT {NULL, 0, 0, 0}

extern void aws_buf_append(aws_buf *b, const void *data, size_t len);
extern void aws_buf_puts(aws_buf *b, const char *s);
extern void aws_buf_putc(aws_buf *b, char c);
extern void aws_buf_printf(aws_buf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void aws_buf_reset(aws_buf *b);
extern void aws_buf_free(aws_buf *b);
extern char *aws_buf_steal(aws_buf *b);

#endif							/* SESAMI_AWS_BUF_H */
