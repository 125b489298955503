/*
 * seal.h — GitHub tokens sealed to the worker's public key.
 *
 * Shared by the extension (which only seals: it holds the worker's PUBLIC
 * key) and sesami-worker (which unseals with the PRIVATE key).  Plain C and
 * OpenSSL (libcrypto) only: no PostgreSQL headers, no allocation, no printing,
 * no exit.  Every function returns 0 on success and -1 on failure, writing a
 * one-line reason (no secret material) into the caller's err buffer.
 * Locking: none; every function is self-contained and thread-safe.
 *
 * Scheme (an ECIES in the style of HPKE base mode):
 *
 *   eph      = fresh X25519 key pair, one per sealed message
 *   shared   = X25519(eph.private, worker.public)
 *   key      = HKDF-SHA256(ikm = shared, salt = eph.public || worker.public,
 *                          info = "sesami seal v1", length 32)
 *   sealed   = AES-256-GCM(key, nonce = 12 random bytes,
 *                          aad = the header below, plaintext = token)
 *
 * Sealed format, version 1 (all lengths in bytes):
 *
 *   offset       length  field
 *   0            4       magic "SSB1" (sesami sealed box, version 1)
 *   4            1       k = length of the key id (1..64)
 *   5            k       key id, ASCII [A-Za-z0-9._:-]
 *   5+k          32      ephemeral X25519 public key
 *   37+k         12      AES-GCM nonce
 *   49+k         n       ciphertext (n = plaintext length)
 *   49+k+n       16      AES-GCM tag
 *
 * The header (offset 0 to 49+k) is the GCM additional data, so the key id and
 * the ephemeral key cannot be swapped without the tag failing.
 *
 * Worker-side usage (add ../common/seal.c to worker/Makefile's SRCS; it
 * needs only -lcrypto, which the worker already links):
 *
 *   uint8_t priv[SESAMI_SEAL_KEY_LEN];
 *   char    err[256], kid[SESAMI_SEAL_KEY_ID_MAX + 1];
 *   if (sesami_seal_parse_private_key(getenv("SESAMI_WORKER_PRIVATE_KEY"),
 *                                     priv, err, sizeof err) != 0) ...;
 *   // claim row: sealed_token (bytea), token_key_id (text)
 *   if (sesami_seal_key_id(sealed, sealed_len, kid, err, sizeof err) != 0) ...;
 *   // pick the private key whose id is kid (old and new during rotation)
 *   char  token[SESAMI_SEAL_MAX_PLAIN + 1];
 *   size_t n;
 *   if (sesami_unseal(priv, sealed, sealed_len, (uint8_t *) token,
 *                     sizeof token - 1, &n, err, sizeof err) != 0) ...;
 *   token[n] = '\0';
 *   ... use it for the clone ...
 *   sesami_seal_wipe(token, sizeof token);
 *   sesami_seal_wipe(priv, sizeof priv);   // when the worker exits
 *
 * Keys are 32 raw bytes.  As text they are base64 of the raw bytes, or PEM
 * ("PUBLIC KEY" SubjectPublicKeyInfo / "PRIVATE KEY" PKCS#8), or base64 of
 * that DER, as openssl genpkey -algorithm X25519 writes them.
 */
#ifndef SESAMI_SEAL_H
#define SESAMI_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SESAMI_SEAL_KEY_LEN		32	/* X25519 public or private key */
#define SESAMI_SEAL_KEY_ID_MAX	64	/* longest key id */
#define SESAMI_SEAL_MAX_PLAIN	4096	/* longest plaintext sealed */
#define SESAMI_SEAL_MAGIC		"SSB1"

/* Bytes a sealed message takes for a key id and plaintext of these lengths. */
extern size_t sesami_sealed_len(size_t key_id_len, size_t plain_len);

/* Is key_id a valid key id (1..64 of [A-Za-z0-9._:-])? */
extern int	sesami_seal_key_id_valid(const char *key_id);

/*
 * Seal plain[0..plain_len) to the public key pub under key_id into out
 * (capacity out_cap; sesami_sealed_len() bytes are written, *out_len says so).
 */
extern int	sesami_seal(const uint8_t pub[SESAMI_SEAL_KEY_LEN], const char *key_id,
						const uint8_t *plain, size_t plain_len,
						uint8_t *out, size_t out_cap, size_t *out_len,
						char *err, size_t errsz);

/*
 * Open a sealed message with the private key priv into plain (capacity
 * plain_cap), setting *plain_len.  Fails on any tampering or a wrong key.
 */
extern int	sesami_unseal(const uint8_t priv[SESAMI_SEAL_KEY_LEN],
						  const uint8_t *sealed, size_t sealed_len,
						  uint8_t *plain, size_t plain_cap, size_t *plain_len,
						  char *err, size_t errsz);

/* Copy the key id of a sealed message into key_id (NUL-terminated). */
extern int	sesami_seal_key_id(const uint8_t *sealed, size_t sealed_len,
							   char key_id[SESAMI_SEAL_KEY_ID_MAX + 1],
							   char *err, size_t errsz);

/* Generate a new X25519 key pair. */
extern int	sesami_seal_keypair(uint8_t priv[SESAMI_SEAL_KEY_LEN],
								uint8_t pub[SESAMI_SEAL_KEY_LEN],
								char *err, size_t errsz);

/* Compute the public key of a private key. */
extern int	sesami_seal_public_key(const uint8_t priv[SESAMI_SEAL_KEY_LEN],
								   uint8_t pub[SESAMI_SEAL_KEY_LEN],
								   char *err, size_t errsz);

/* Parse a public key given as base64 (raw or DER) or PEM. */
extern int	sesami_seal_parse_public_key(const char *text,
										 uint8_t pub[SESAMI_SEAL_KEY_LEN],
										 char *err, size_t errsz);

/* Parse a private key given as base64 (raw or DER) or PEM. */
extern int	sesami_seal_parse_private_key(const char *text,
										  uint8_t priv[SESAMI_SEAL_KEY_LEN],
										  char *err, size_t errsz);

/*
 * Base64 (url = 0: standard with padding; url = 1: base64url without
 * padding) of in[0..len) into out (capacity cap, NUL-terminated).
 * Returns the length written, or -1 if out is too small.
 */
extern long sesami_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap,
							  int url);

/*
 * Decode standard base64 (whitespace ignored) into out (capacity cap).
 * Returns the number of bytes decoded, or -1 for invalid input or overflow.
 */
extern long sesami_b64_decode(const char *in, uint8_t *out, size_t cap);

/* Overwrite memory that held a secret (not optimised away). */
extern void sesami_seal_wipe(void *p, size_t len);

#endif							/* SESAMI_SEAL_H */
