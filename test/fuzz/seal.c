/*
 * seal.c — libFuzzer target for the sealed-token opener (common/seal.c):
 * sealed messages opened with a fixed private key, their key ids, key texts
 * (base64 / PEM) and base64.  The first byte picks the parser.  One input in
 * eight is first sealed for real and then damaged at a fuzzer-chosen byte,
 * so the opener's paths past the header get exercised too: a damaged
 * message must never open.
 */
#include "fuzz.h"

#include "seal.h"

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t priv[SESAMI_SEAL_KEY_LEN],
				pub[SESAMI_SEAL_KEY_LEN];
	static int	have_key = 0;
	uint8_t		plain[SESAMI_SEAL_MAX_PLAIN];
	uint8_t		key[SESAMI_SEAL_KEY_LEN];
	char		kid[SESAMI_SEAL_KEY_ID_MAX + 1];
	char		err[256];
	size_t		n;
	char	   *text;

	if (!have_key)
	{
		/* a fixed key: the same input opens the same way on every run */
		for (int i = 0; i < SESAMI_SEAL_KEY_LEN; i++)
			priv[i] = (uint8_t) (i * 7 + 1);
		if (sesami_seal_public_key(priv, pub, err, sizeof(err)) != 0)
			abort();
		have_key = 1;
	}
	if (size < 1)
		return 0;
	switch (data[0] % 8)
	{
		case 0:
		case 1:
		case 2:
			if (sesami_unseal(priv, data + 1, size - 1, plain, sizeof(plain), &n, err, sizeof(err)) == 0 &&
				n > sizeof(plain))
				abort();
			break;
		case 3:
			sesami_seal_key_id(data + 1, size - 1, kid, err, sizeof(err));
			break;
		case 4:
			text = fuzz_cstring(data + 1, size - 1);
			sesami_seal_parse_private_key(text, key, err, sizeof(err));
			sesami_seal_parse_public_key(text, key, err, sizeof(err));
			free(text);
			break;
		case 5:
			text = fuzz_cstring(data + 1, size - 1);
			sesami_b64_decode(text, plain, sizeof(plain));
			free(text);
			break;
		case 6:
			{
				uint8_t		sealed[SESAMI_SEAL_MAX_PLAIN + 200];
				size_t		len,
							at;

				/* seal data[3..], flip one bit at a position from data[1..2] */
				if (size < 3 || size - 3 > SESAMI_SEAL_MAX_PLAIN ||
					sesami_seal(pub, "fuzz-key", data + 3, size - 3, sealed, sizeof(sealed), &len,
								err, sizeof(err)) != 0)
					break;
				if (sesami_unseal(priv, sealed, len, plain, sizeof(plain), &n, err, sizeof(err)) != 0 ||
					n != size - 3 || memcmp(plain, data + 3, n) != 0)
					abort();	/* an intact message must open to what was sealed */
				at = ((size_t) data[1] << 8 | data[2]) % len;
				sealed[at] ^= (uint8_t) (1u << (data[1] % 8));
				if (sesami_unseal(priv, sealed, len, plain, sizeof(plain), &n, err, sizeof(err)) == 0)
					abort();	/* a damaged one must not */
				break;
			}
		default:
			{
				char		out[8192];

				/* empty text is refused by design (no key is empty) */
				if (size >= 2 && size - 1 <= 4096 && sesami_b64_encode(data + 1, size - 1, out, sizeof(out), (data[0] >> 3) & 1) >= 0)
				{
					long		m = sesami_b64_decode(out, plain, sizeof(plain));

					if (!((data[0] >> 3) & 1) && (m != (long) (size - 1) || memcmp(plain, data + 1, size - 1) != 0))
						abort();	/* standard base64 round-trips */
				}
				break;
			}
	}
	return 0;
}
