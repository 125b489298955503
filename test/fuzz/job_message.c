/*
 * job_message.c — libFuzzer target for the worker's queue-message parser
 * (parse_job_message in worker/job.c): the SQS message body, or Batch's
 * SQS_MESSAGE_BODY, as the dispatcher or anyone with send rights wrote it.
 * Beyond "no crash": an accepted message has a positive job id and an
 * attempt in 0..1000.
 */
#include "fuzz.h"

#include "job.h"

/* libFuzzer entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *body = fuzz_cstring(data, size);
	int64_t		job_id = 0;
	int			attempt = -1;

	if (parse_job_message(body, &job_id, &attempt) == 0 &&
		(job_id <= 0 || attempt < 0 || attempt > 1000))
		abort();
	free(body);
	return 0;
}
