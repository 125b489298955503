/*
 * seal_driver.c — command-line driver for common/seal.c (tests and key rotation).
 *
 * Stands in for sesami-worker's side of sealed tokens, using exactly the code
 * the worker links.  Private keys are read from the environment variable
 * SESAMI_WORKER_PRIVATE_KEY (never from the command line, which `ps` shows).
 * Sealed values are read and written as PostgreSQL bytea hex ("\x...").
 *
 *   seal_driver keygen                    print "private <b64>" and "public <b64>"
 *   seal_driver public                    print the public key of the private key
 *   seal_driver seal KEY_ID PUBLIC_B64    seal stdin; print \x hex
 *   seal_driver unseal                    open the \x hex on stdin; print the token
 *   seal_driver key-id                    print the key id of the \x hex on stdin
 *   seal_driver reseal KEY_ID PUBLIC_B64  for each stdin line "ACCOUNT \x<old>",
 *                                         print "ACCOUNT \x<old> \x<new>"
 *
 * Exit status 0 on success, 1 on any failure (reason on stderr, never a secret).
 * Single-threaded, no locks; secrets are wiped before exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"

#define MAX_SEALED (SESAMI_SEAL_MAX_PLAIN + 256)

/* Print a reason and exit 1. */
static void
die(const char *what, const char *why)
{
	fprintf(stderr, "seal_driver: %s: %s\n", what, why);
	exit(1);
}

/* Decode "\x<hex>" (or bare hex) into out; return the length or -1. */
static long
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t		n = 0;

	if (s[0] == '\\' && s[1] == 'x')
		s += 2;
	while (s[0] && s[0] != '\n' && s[0] != ' ')
	{
		unsigned int b;

		if (!s[1] || n >= cap || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (uint8_t) b;
		s += 2;
	}
	return (long) n;
}

/* Print buf as "\x<hex>" without a newline. */
static void
print_hex(const uint8_t *buf, size_t len)
{
	fputs("\\x", stdout);
	for (size_t i = 0; i < len; i++)
		printf("%02x", buf[i]);
}

/* Read the private key from SESAMI_WORKER_PRIVATE_KEY. */
static void
load_private(uint8_t priv[SESAMI_SEAL_KEY_LEN])
{
	char		err[256];

	if (sesami_seal_parse_private_key(getenv("SESAMI_WORKER_PRIVATE_KEY"), priv, err, sizeof(err)) != 0)
		die("SESAMI_WORKER_PRIVATE_KEY", err);
}

/* Read one line from stdin into buf, without the newline. */
static int
read_line(char *buf, size_t cap)
{
	size_t		n;

	if (fgets(buf, (int) cap, stdin) == NULL)
		return 0;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 1;
}

/* Entry point: dispatch on the command. */
int
main(int argc, char **argv)
{
	static char line[4 * MAX_SEALED];
	static uint8_t sealed[MAX_SEALED],
				resealed[MAX_SEALED],
				plain[SESAMI_SEAL_MAX_PLAIN + 1];
	uint8_t		priv[SESAMI_SEAL_KEY_LEN],
				pub[SESAMI_SEAL_KEY_LEN];
	char		err[256],
				b64[128],
				kid[SESAMI_SEAL_KEY_ID_MAX + 1];
	size_t		len,
				plen;
	long		n;

	if (argc < 2)
		die("usage", "seal_driver keygen|public|seal|unseal|key-id|reseal");

	if (strcmp(argv[1], "keygen") == 0)
	{
		if (sesami_seal_keypair(priv, pub, err, sizeof(err)) != 0)
			die("keygen", err);
		sesami_b64_encode(priv, sizeof(priv), b64, sizeof(b64), 0);
		printf("private %s\n", b64);
		sesami_b64_encode(pub, sizeof(pub), b64, sizeof(b64), 0);
		printf("public %s\n", b64);
	}
	else if (strcmp(argv[1], "public") == 0)
	{
		load_private(priv);
		if (sesami_seal_public_key(priv, pub, err, sizeof(err)) != 0)
			die("public", err);
		sesami_b64_encode(pub, sizeof(pub), b64, sizeof(b64), 0);
		printf("%s\n", b64);
	}
	else if (strcmp(argv[1], "seal") == 0 && argc == 4)
	{
		if (sesami_seal_parse_public_key(argv[3], pub, err, sizeof(err)) != 0)
			die("public key", err);
		plen = fread(plain, 1, SESAMI_SEAL_MAX_PLAIN + 1, stdin);
		if (plen > SESAMI_SEAL_MAX_PLAIN)
			die("seal", "input is too long");
		if (sesami_seal(pub, argv[2], plain, plen, sealed, sizeof(sealed), &len, err, sizeof(err)) != 0)
			die("seal", err);
		print_hex(sealed, len);
		putchar('\n');
	}
	else if (strcmp(argv[1], "unseal") == 0 || strcmp(argv[1], "key-id") == 0)
	{
		if (!read_line(line, sizeof(line)) || (n = unhex(line, sealed, sizeof(sealed))) < 0)
			die(argv[1], "expected \\x hex on stdin");
		if (strcmp(argv[1], "key-id") == 0)
		{
			if (sesami_seal_key_id(sealed, (size_t) n, kid, err, sizeof(err)) != 0)
				die("key-id", err);
			printf("%s\n", kid);
			return 0;
		}
		load_private(priv);
		if (sesami_unseal(priv, sealed, (size_t) n, plain, SESAMI_SEAL_MAX_PLAIN, &plen, err, sizeof(err)) != 0)
			die("unseal", err);
		fwrite(plain, 1, plen, stdout);
		sesami_seal_wipe(plain, sizeof(plain));
	}
	else if (strcmp(argv[1], "reseal") == 0 && argc == 4)
	{
		load_private(priv);
		if (sesami_seal_parse_public_key(argv[3], pub, err, sizeof(err)) != 0)
			die("new public key", err);
		while (read_line(line, sizeof(line)))
		{
			char	   *sp = strchr(line, ' ');

			if (sp == NULL || (n = unhex(sp + 1, sealed, sizeof(sealed))) < 0)
				die("reseal", "expected lines \"ACCOUNT \\x<hex>\" on stdin");
			*sp = '\0';
			if (sesami_unseal(priv, sealed, (size_t) n, plain, SESAMI_SEAL_MAX_PLAIN, &plen, err, sizeof(err)) != 0)
				die("reseal: unseal", err);
			if (sesami_seal(pub, argv[2], plain, plen, resealed, sizeof(resealed), &len, err, sizeof(err)) != 0)
				die("reseal: seal", err);
			sesami_seal_wipe(plain, sizeof(plain));
			printf("%s ", line);
			print_hex(sealed, (size_t) n);
			putchar(' ');
			print_hex(resealed, len);
			putchar('\n');
		}
	}
	else
		die("usage", "seal_driver keygen|public|seal|unseal|key-id|reseal");
	sesami_seal_wipe(priv, sizeof(priv));
	return 0;
}
