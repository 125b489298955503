/*
 * sqs_replies.c — libFuzzer target for common/sqs.c's reply parsers: the
 * first byte picks SendMessageBatch (HTTP 200), ReceiveMessage (HTTP 200) or
 * an error reply (HTTP 400/500), the rest is the reply body.  Checks beyond
 * "no crash": every text that reaches a log line is one line.
 */
#include "fuzz.h"

#include "sqs.h"

/* Abort if s holds a control character (one log line per event). */
static void
assert_one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			abort();
}

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const sqs_send_entry entries[3] = {
		{"a", "x", NULL, NULL, 0}, {"job-1", "y", NULL, NULL, 0}, {"2", "z", NULL, NULL, 0}
	};
	sqs_send_result res[3];
	sqs_message *msgs;
	size_t		n;
	sqs_error	e;
	char	   *body;

	if (size < 1)
		return 0;
	body = fuzz_cstring(data + 1, size - 1);
	switch (data[0] % 4)
	{
		case 0:
			if (sqs_parse_send_message_batch(200, body, entries, 3, res, &n, &e) == AWS_OK)
				for (int i = 0; i < 3; i++)
				{
					assert_one_line(res[i].code);
					assert_one_line(res[i].message);
					assert_one_line(res[i].message_id);
				}
			break;
		case 1:
			if (sqs_parse_receive_message(200, body, &msgs, &n, &e) == AWS_OK)
			{
				for (size_t i = 0; i < n; i++)
					if (!msgs[i].message_id || !msgs[i].receipt_handle || !msgs[i].body ||
						msgs[i].receive_count < 0)
						abort();
				sqs_messages_free(msgs, n);
			}
			else if (msgs != NULL || n != 0)
				abort();
			break;
		case 2:
			sqs_parse_error(400, body, &e);
			break;
		default:
			sqs_parse_error(500, body, &e);
			break;
	}
	assert_one_line(e.message);
	assert_one_line(e.type);
	free(body);
	return 0;
}
