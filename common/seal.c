/*
 * seal.c — seal GitHub tokens to the worker's X25519 public key, and open them.
 *
 * The format and the scheme are described in seal.h.  This file is linked
 * into the extension (sesami.so, which only seals) and into sesami-worker and
 * test/seal_driver (which unseal), so it uses nothing but libc and libcrypto:
 * no allocation beyond OpenSSL's own objects, no printing, no exit.
 *
 * Error handling: every OpenSSL call is checked; on failure the OpenSSL error
 * queue is drained into the caller's err buffer and cleared, so a PostgreSQL
 * backend's own TLS code never sees a stale error.  Derived keys and shared
 * secrets live on the stack and are wiped with OPENSSL_cleanse before return.
 * No locks: every call is self-contained and thread-safe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "seal.h"

#define MAGIC_LEN	4
#define NONCE_LEN	12
#define TAG_LEN		16
#define HKDF_INFO	"sesami seal v1"
#define MAX_KEY_TEXT 8192

#if defined(__GNUC__) || defined(__clang__)
#define SEAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SEAL_PRINTF(f, a)
#endif

static int	fail(char *err, size_t errsz, const char *fmt,...) SEAL_PRINTF(3, 4);

/* Write a formatted reason (plus the first OpenSSL error, if any) to err. */
static int
fail(char *err, size_t errsz, const char *fmt,...)
{
	va_list		ap;
	unsigned long e = ERR_get_error();
	size_t		n;

	if (err != NULL && errsz > 0)
	{
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
		n = strlen(err);
		if (e != 0 && n + 3 < errsz)
		{
			memcpy(err + n, ": ", 3);
			ERR_error_string_n(e, err + n + 2, errsz - n - 2);
		}
	}
	ERR_clear_error();
	return -1;
}

/* Overwrite memory that held a secret. */
void
sesami_seal_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

/* Bytes a sealed message takes. */
size_t
sesami_sealed_len(size_t key_id_len, size_t plain_len)
{
	return MAGIC_LEN + 1 + key_id_len + SESAMI_SEAL_KEY_LEN + NONCE_LEN + plain_len + TAG_LEN;
}

/* Is key_id 1..64 characters of [A-Za-z0-9._:-]? */
int
sesami_seal_key_id_valid(const char *key_id)
{
	size_t		n;

	if (key_id == NULL)
		return 0;
	n = strlen(key_id);
	if (n < 1 || n > SESAMI_SEAL_KEY_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
	{
		char		c = key_id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

/* X25519 shared secret of priv and peer, then HKDF-SHA256 to a 32-byte AES key. */
static int
derive_key(const uint8_t priv[SESAMI_SEAL_KEY_LEN], const uint8_t peer[SESAMI_SEAL_KEY_LEN],
		   const uint8_t eph_pub[SESAMI_SEAL_KEY_LEN], const uint8_t recipient_pub[SESAMI_SEAL_KEY_LEN],
		   uint8_t key[32], char *err, size_t errsz)
{
	EVP_PKEY   *mine = NULL,
			   *theirs = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	uint8_t		shared[32],
				salt[2 * SESAMI_SEAL_KEY_LEN],
				zero[32] = {0};
	size_t		len = sizeof(shared);
	int			rc = -1;

	mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, SESAMI_SEAL_KEY_LEN);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, SESAMI_SEAL_KEY_LEN);
	if (mine == NULL || theirs == NULL)
	{
		fail(err, errsz, "invalid X25519 key");
		goto out;
	}
	ctx = EVP_PKEY_CTX_new(mine, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
		EVP_PKEY_derive_set_peer(ctx, theirs) <= 0 ||
		EVP_PKEY_derive(ctx, shared, &len) <= 0 || len != sizeof(shared))
	{
		fail(err, errsz, "X25519 key agreement failed");
		goto out;
	}
	if (CRYPTO_memcmp(shared, zero, sizeof(shared)) == 0)
	{
		fail(err, errsz, "X25519 key agreement gave a weak key");
		goto out;
	}
	EVP_PKEY_CTX_free(ctx);

	memcpy(salt, eph_pub, SESAMI_SEAL_KEY_LEN);
	memcpy(salt + SESAMI_SEAL_KEY_LEN, recipient_pub, SESAMI_SEAL_KEY_LEN);
	len = 32;
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
		EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) <= 0 ||
		EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, sizeof(salt)) <= 0 ||
		EVP_PKEY_CTX_set1_hkdf_key(ctx, shared, sizeof(shared)) <= 0 ||
		EVP_PKEY_CTX_add1_hkdf_info(ctx, (const unsigned char *) HKDF_INFO,
									(int) strlen(HKDF_INFO)) <= 0 ||
		EVP_PKEY_derive(ctx, key, &len) <= 0 || len != 32)
	{
		fail(err, errsz, "HKDF-SHA256 failed");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	return rc;
}

/* Generate a new X25519 key pair. */
int
sesami_seal_keypair(uint8_t priv[SESAMI_SEAL_KEY_LEN], uint8_t pub[SESAMI_SEAL_KEY_LEN],
					char *err, size_t errsz)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY   *pkey = NULL;
	size_t		plen = SESAMI_SEAL_KEY_LEN,
				qlen = SESAMI_SEAL_KEY_LEN;
	int			rc = -1;

	ERR_clear_error();
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0 ||
		EVP_PKEY_get_raw_private_key(pkey, priv, &plen) <= 0 ||
		EVP_PKEY_get_raw_public_key(pkey, pub, &qlen) <= 0 ||
		plen != SESAMI_SEAL_KEY_LEN || qlen != SESAMI_SEAL_KEY_LEN)
		fail(err, errsz, "could not generate an X25519 key pair");
	else
		rc = 0;
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* Compute the public key of a private key. */
int
sesami_seal_public_key(const uint8_t priv[SESAMI_SEAL_KEY_LEN], uint8_t pub[SESAMI_SEAL_KEY_LEN],
					   char *err, size_t errsz)
{
	EVP_PKEY   *pkey;
	size_t		len = SESAMI_SEAL_KEY_LEN;
	int			rc = -1;

	ERR_clear_error();
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, SESAMI_SEAL_KEY_LEN);
	if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, pub, &len) <= 0 ||
		len != SESAMI_SEAL_KEY_LEN)
		fail(err, errsz, "invalid X25519 private key");
	else
		rc = 0;
	EVP_PKEY_free(pkey);
	return rc;
}

/* Seal plain to pub under key_id. */
int
sesami_seal(const uint8_t pub[SESAMI_SEAL_KEY_LEN], const char *key_id,
			const uint8_t *plain, size_t plain_len,
			uint8_t *out, size_t out_cap, size_t *out_len,
			char *err, size_t errsz)
{
	uint8_t		eph_priv[SESAMI_SEAL_KEY_LEN],
				eph_pub[SESAMI_SEAL_KEY_LEN],
				key[32];
	EVP_CIPHER_CTX *ctx = NULL;
	size_t		kid_len,
				hdr_len,
				total;
	int			n,
				rc = -1;

	ERR_clear_error();
	if (!sesami_seal_key_id_valid(key_id))
		return fail(err, errsz, "invalid key id");
	if (plain_len > SESAMI_SEAL_MAX_PLAIN)
		return fail(err, errsz, "plaintext is longer than %d bytes", SESAMI_SEAL_MAX_PLAIN);
	kid_len = strlen(key_id);
	total = sesami_sealed_len(kid_len, plain_len);
	if (out_cap < total)
		return fail(err, errsz, "output buffer is too small");

	if (sesami_seal_keypair(eph_priv, eph_pub, err, errsz) != 0)
		return -1;
	if (derive_key(eph_priv, pub, eph_pub, pub, key, err, errsz) != 0)
		goto out;

	/* header: magic, key id, ephemeral public key, nonce */
	memcpy(out, SESAMI_SEAL_MAGIC, MAGIC_LEN);
	out[MAGIC_LEN] = (uint8_t) kid_len;
	memcpy(out + MAGIC_LEN + 1, key_id, kid_len);
	memcpy(out + MAGIC_LEN + 1 + kid_len, eph_pub, SESAMI_SEAL_KEY_LEN);
	hdr_len = MAGIC_LEN + 1 + kid_len + SESAMI_SEAL_KEY_LEN + NONCE_LEN;
	if (RAND_bytes(out + hdr_len - NONCE_LEN, NONCE_LEN) != 1)
	{
		fail(err, errsz, "could not generate a nonce");
		goto out;
	}

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
		EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
		EVP_EncryptInit_ex(ctx, NULL, NULL, key, out + hdr_len - NONCE_LEN) != 1 ||
		EVP_EncryptUpdate(ctx, NULL, &n, out, (int) hdr_len) != 1 ||
		EVP_EncryptUpdate(ctx, out + hdr_len, &n, plain, (int) plain_len) != 1 ||
		(size_t) n != plain_len ||
		EVP_EncryptFinal_ex(ctx, out + hdr_len + plain_len, &n) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + hdr_len + plain_len) != 1)
	{
		fail(err, errsz, "AES-256-GCM encryption failed");
		goto out;
	}
	*out_len = total;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(out, out_cap < total ? out_cap : total);
	OPENSSL_cleanse(eph_priv, sizeof(eph_priv));
	OPENSSL_cleanse(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Check the framing of a sealed message; set the key id length. */
static int
check_frame(const uint8_t *sealed, size_t sealed_len, size_t *kid_len, char *err, size_t errsz)
{
	if (sealed == NULL || sealed_len < sesami_sealed_len(1, 0) ||
		memcmp(sealed, SESAMI_SEAL_MAGIC, MAGIC_LEN) != 0)
		return fail(err, errsz, "not a sealed token (bad magic or too short)");
	*kid_len = sealed[MAGIC_LEN];
	if (*kid_len < 1 || *kid_len > SESAMI_SEAL_KEY_ID_MAX ||
		sealed_len < sesami_sealed_len(*kid_len, 0))
		return fail(err, errsz, "not a sealed token (bad key id length)");
	return 0;
}

/* Copy the key id of a sealed message. */
int
sesami_seal_key_id(const uint8_t *sealed, size_t sealed_len,
				   char key_id[SESAMI_SEAL_KEY_ID_MAX + 1], char *err, size_t errsz)
{
	size_t		kid_len;

	ERR_clear_error();
	if (check_frame(sealed, sealed_len, &kid_len, err, errsz) != 0)
		return -1;
	memcpy(key_id, sealed + MAGIC_LEN + 1, kid_len);
	key_id[kid_len] = '\0';
	if (!sesami_seal_key_id_valid(key_id))
		return fail(err, errsz, "not a sealed token (bad key id)");
	return 0;
}

/* Open a sealed message with priv. */
int
sesami_unseal(const uint8_t priv[SESAMI_SEAL_KEY_LEN],
			  const uint8_t *sealed, size_t sealed_len,
			  uint8_t *plain, size_t plain_cap, size_t *plain_len,
			  char *err, size_t errsz)
{
	uint8_t		my_pub[SESAMI_SEAL_KEY_LEN],
				key[32],
				tag[TAG_LEN];
	const uint8_t *eph_pub;
	EVP_CIPHER_CTX *ctx = NULL;
	size_t		kid_len,
				hdr_len,
				ct_len;
	int			n,
				rc = -1;

	ERR_clear_error();
	if (check_frame(sealed, sealed_len, &kid_len, err, errsz) != 0)
		return -1;
	hdr_len = MAGIC_LEN + 1 + kid_len + SESAMI_SEAL_KEY_LEN + NONCE_LEN;
	ct_len = sealed_len - hdr_len - TAG_LEN;
	if (ct_len > plain_cap)
		return fail(err, errsz, "output buffer is too small");
	if (sesami_seal_public_key(priv, my_pub, err, errsz) != 0)
		return -1;
	eph_pub = sealed + MAGIC_LEN + 1 + kid_len;
	if (derive_key(priv, eph_pub, eph_pub, my_pub, key, err, errsz) != 0)
		goto out;
	memcpy(tag, sealed + hdr_len + ct_len, TAG_LEN);

	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL ||
		EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
		EVP_DecryptInit_ex(ctx, NULL, NULL, key, sealed + hdr_len - NONCE_LEN) != 1 ||
		EVP_DecryptUpdate(ctx, NULL, &n, sealed, (int) hdr_len) != 1 ||
		EVP_DecryptUpdate(ctx, plain, &n, sealed + hdr_len, (int) ct_len) != 1 ||
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
	{
		fail(err, errsz, "AES-256-GCM decryption failed");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, plain + n, &n) != 1)
	{
		fail(err, errsz, "sealed token does not authenticate (wrong key or tampered)");
		goto out;
	}
	*plain_len = ct_len;
	rc = 0;
out:
	if (rc != 0)
		OPENSSL_cleanse(plain, ct_len <= plain_cap ? ct_len : plain_cap);
	OPENSSL_cleanse(key, sizeof(key));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Base64 (standard or url-safe without padding) of in. */
long
sesami_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap, int url)
{
	size_t		need = 4 * ((len + 2) / 3) + 1;
	long		n;

	if (cap < need || len > (size_t) 0x3fffffff)
		return -1;
	n = EVP_EncodeBlock((unsigned char *) out, in, (int) len);
	if (n < 0)
		return -1;
	if (url)
	{
		while (n > 0 && out[n - 1] == '=')
			n--;
		out[n] = '\0';
		for (long i = 0; i < n; i++)
		{
			if (out[i] == '+')
				out[i] = '-';
			else if (out[i] == '/')
				out[i] = '_';
		}
	}
	return n;
}

/* Decode standard base64, ignoring whitespace. */
long
sesami_b64_decode(const char *in, uint8_t *out, size_t cap)
{
	char		buf[MAX_KEY_TEXT];
	uint8_t		tmp[MAX_KEY_TEXT];
	size_t		n = 0;
	int			pad = 0,
				len;

	if (in == NULL)
		return -1;
	for (const char *p = in; *p; p++)
	{
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (n + 1 >= sizeof(buf))
			return -1;
		buf[n++] = *p;
	}
	if (n == 0 || n % 4 != 0)
		return -1;
	buf[n] = '\0';
	if (buf[n - 1] == '=')
		pad++;
	if (buf[n - 2] == '=')
		pad++;
	len = EVP_DecodeBlock(tmp, (const unsigned char *) buf, (int) n);
	if (len < 0 || len < pad || (size_t) (len - pad) > cap)
	{
		OPENSSL_cleanse(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(out, tmp, len - pad);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	OPENSSL_cleanse(buf, sizeof(buf));
	return len - pad;
}

/* Load an X25519 key from text: PEM, base64 of 32 raw bytes, or base64 DER. */
static int
parse_key(const char *text, int private, uint8_t raw[SESAMI_SEAL_KEY_LEN], char *err, size_t errsz)
{
	const char *what = private ? "private" : "public";
	EVP_PKEY   *pkey = NULL;
	uint8_t		der[MAX_KEY_TEXT];
	long		n;
	size_t		len = SESAMI_SEAL_KEY_LEN;
	int			rc = -1;

	ERR_clear_error();
	while (text != NULL && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r'))
		text++;
	if (text == NULL || *text == '\0')
		return fail(err, errsz, "no %s key given", what);
	if (strlen(text) >= MAX_KEY_TEXT)
		return fail(err, errsz, "%s key text is too long", what);

	if (strncmp(text, "-----BEGIN", 10) == 0)
	{
		BIO		   *bio = BIO_new_mem_buf(text, -1);

		if (bio != NULL)
			pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
				: PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	else
	{
		n = sesami_b64_decode(text, der, sizeof(der));
		if (n < 0)
			return fail(err, errsz, "%s key is neither PEM nor base64", what);
		if (n == SESAMI_SEAL_KEY_LEN)
		{
			memcpy(raw, der, SESAMI_SEAL_KEY_LEN);
			OPENSSL_cleanse(der, sizeof(der));
			return 0;
		}
		else
		{
			const unsigned char *p = der;

			pkey = private ? d2i_AutoPrivateKey(NULL, &p, n) : d2i_PUBKEY(NULL, &p, n);
		}
		OPENSSL_cleanse(der, sizeof(der));
	}
	if (pkey == NULL)
		return fail(err, errsz, "could not read the %s key", what);
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_X25519)
		fail(err, errsz, "%s key is not an X25519 key", what);
	else if ((private ? EVP_PKEY_get_raw_private_key(pkey, raw, &len)
			  : EVP_PKEY_get_raw_public_key(pkey, raw, &len)) <= 0 ||
			 len != SESAMI_SEAL_KEY_LEN)
		fail(err, errsz, "could not extract the raw %s key", what);
	else
		rc = 0;
	EVP_PKEY_free(pkey);
	return rc;
}

/* Parse a public key given as base64 (raw or DER) or PEM. */
int
sesami_seal_parse_public_key(const char *text, uint8_t pub[SESAMI_SEAL_KEY_LEN],
							 char *err, size_t errsz)
{
	return parse_key(text, 0, pub, err, errsz);
}

/* Parse a private key given as base64 (raw or DER) or PEM. */
int
sesami_seal_parse_private_key(const char *text, uint8_t priv[SESAMI_SEAL_KEY_LEN],
							  char *err, size_t errsz)
{
	return parse_key(text, 1, priv, err, errsz);
}
